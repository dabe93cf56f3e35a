"""Optional LLM tailoring of checklist wording, through LangChain structured output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from bot.domain.checklists import Checklist

MAX_ITEM_CHARS = 80


class TailoredItem(BaseModel):
    id: str = Field(description="the id of an item in the checklist")
    text: str = Field(description="the item's text, rewritten for this campaign")


class TailoredChecklist(BaseModel):
    items: list[TailoredItem]


class LangChainChecklistTailor:
    """Asks the model for new wording only; ids, sources and dates stay the template's."""

    def __init__(self, model: Any, prompts_dir: Path) -> None:
        self._structured = model.with_structured_output(TailoredChecklist, method="json_schema")
        self._prompt = (prompts_dir / "checklist_tailor.md").read_text(encoding="utf-8")

    def tailor(self, description: str, checklist: Checklist) -> dict[str, str]:
        compact = [
            {"id": item.item_id, "stage": stage.name, "text": item.text}
            for stage in checklist.stages
            for item in stage.items
        ]
        prompt = self._prompt.format(
            description=description,
            kind=checklist.campaign.kind_label,
            checklist=json.dumps(compact, ensure_ascii=False),
        )
        result = self._structured.invoke(prompt)
        if not isinstance(result, TailoredChecklist):
            raise ValueError("the model did not return the checklist schema")
        known = {item.item_id for item in checklist.items()}
        rewritten = {}
        for item in result.items:
            text = item.text.strip()
            if item.id not in known or not text or len(text) > MAX_ITEM_CHARS:
                raise ValueError(f"invalid item in the model's checklist: {item.id!r}")
            rewritten[item.id] = text
        return rewritten

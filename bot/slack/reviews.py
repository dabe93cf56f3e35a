"""Writing a campaign review (复盘) in Slack: a modal of the playbook's questions, saved as knowledge."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from bot.adapters.checklist_store import SqlChecklistStore
from bot.domain.clock import Clock
from bot.domain.reviews import review_markdown
from bot.slack.blocks import safe


class ReviewResponder:
    """Reviews go to the database and, as Markdown, into the directory the knowledge base indexes."""

    def __init__(
        self,
        checklists: SqlChecklistStore,
        client: WebClient,
        review_questions: Callable[[], list[str]],
        reviews_dir: Path,
        clock: Clock,
        on_review_saved: Callable[[], object] | None = None,
    ) -> None:
        self._checklists = checklists
        self._client = client
        self._review_questions = review_questions
        self._reviews_dir = reviews_dir
        self._clock = clock
        self._on_review_saved = on_review_saved

    def open_review(self, campaign_id: str, trigger_id: str) -> None:
        """Opens the modal at once (a trigger_id lives 3 seconds): one field per playbook question."""
        checklist = self._checklists.load(campaign_id)
        name = checklist.campaign.name if checklist else campaign_id
        questions = [*self._review_questions()[:8], "其他总结 / Anything else"]
        inputs = [
            {
                "type": "input",
                "block_id": f"q{index}",
                "optional": True,
                "label": {"type": "plain_text", "text": question[:150]},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "answer",
                    "multiline": True,
                    "max_length": 3000,
                },
            }
            for index, question in enumerate(questions)
        ]
        self._client.views_open(
            trigger_id=trigger_id,
            view={
                "type": "modal",
                "callback_id": "review_submit",
                "private_metadata": campaign_id,
                "title": {"type": "plain_text", "text": "活动复盘 / Review"},
                "submit": {"type": "plain_text", "text": "保存 / Save"},
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": f"*{safe(name, 150)}*"}},
                    *inputs,
                ],
            },
        )

    def save_review(self, campaign_id: str, author: str, view: dict[str, Any]) -> None:
        """Into the database, and as Markdown into the knowledge base, so later questions can cite it."""
        labels = {
            block["block_id"]: block["label"]["text"]
            for block in view.get("blocks", [])
            if block.get("type") == "input"
        }
        values = (view.get("state") or {}).get("values") or {}
        answers = [
            (labels.get(key, key), str((field.get("answer") or {}).get("value") or ""))
            for key, field in values.items()
        ]
        answers = [(question, answer) for question, answer in answers if answer.strip()]
        if not answers:
            return
        self._checklists.save_review(campaign_id, author, answers)
        checklist = self._checklists.load(campaign_id)
        name = checklist.campaign.name if checklist else campaign_id
        self._reviews_dir.mkdir(parents=True, exist_ok=True)
        now = self._clock.now()
        path = self._reviews_dir / f"{campaign_id}-{int(now.timestamp())}.md"
        path.write_text(
            review_markdown(name, author, now.date(), answers),
            "utf-8",
        )
        if self._on_review_saved:
            self._on_review_saved()

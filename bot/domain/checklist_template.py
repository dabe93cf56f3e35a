"""The checklist template (`prompts/checklist.toml`), validated: a typo is an error, never a wrong due date.

The template is read at start-up (a bad file stops opsbot with the file and the problem named) and
again before each draft, so an ops lead's edit applies to the next checklist. An edit that does not
validate keeps the last good template: the warning goes to the log and onto the checklist's notes.
"""

from __future__ import annotations

import logging
import threading
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from bot.domain.errors import OpsbotError

log = logging.getLogger(__name__)

GENERAL_KIND = "general"
MAX_OFFSET = 120

Anchor = Literal["launch", "end"]
Offset = Annotated[StrictInt, Field(ge=-MAX_OFFSET, le=MAX_OFFSET)]


class TemplateError(OpsbotError):
    """The checklist template cannot be used; the message names the file and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemTemplate(_Strict):
    text: str = Field(min_length=1)
    section: str = ""
    pick: str = ""
    kinds: tuple[str, ...] = ()
    # [anchor, working days]: ["launch", -3] is three working days before the launch.
    due: tuple[Anchor, Offset] | None = None

    def applies_to(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class StageTemplate(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    items: tuple[ItemTemplate, ...] = Field(min_length=1)


class KindTemplate(_Strict):
    label: str = Field(min_length=1)
    keywords: tuple[str, ...] = Field(min_length=1)


class ChecklistTemplate(_Strict):
    kinds: dict[str, KindTemplate] = {}
    stages: tuple[StageTemplate, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> ChecklistTemplate:
        keys = [stage.key for stage in self.stages]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"stage key {', '.join(duplicates)} is used twice; each stage needs its own key")
        known = {*self.kinds, GENERAL_KIND}
        for stage in self.stages:
            for number, item in enumerate(stage.items, start=1):
                unknown = [kind for kind in item.kinds if kind not in known]
                if unknown:
                    raise ValueError(
                        f"stage {stage.key!r} item {number} ({item.text[:20]}) names unknown kind"
                        f" {', '.join(unknown)}; known kinds: {', '.join(sorted(known))}"
                    )
        return self

    def kind_of(self, description: str) -> tuple[str, str]:
        """The kind whose keywords the description mentions most, and its label; else "general"."""
        lowered = description.lower()
        best = (GENERAL_KIND, "活动", 0)
        for key, kind in self.kinds.items():
            hits = sum(1 for word in kind.keywords if word.lower() in lowered)
            if hits > best[2]:
                best = (key, kind.label, hits)
        return best[0], best[1]


def parse_template(path: Path, text: str) -> ChecklistTemplate:
    """The template in `text` (read from `path`); raises TemplateError naming the file and the problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TemplateError(f"{path}: not valid TOML: {error}") from None
    try:
        return ChecklistTemplate.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(_describe(raw, problem) for problem in error.errors()[:3])
        raise TemplateError(f"{path}: {problems}") from None


def _describe(raw: dict[str, Any], problem: Any) -> str:
    """`stage 'planning' item 3 (确定推广时间) › due › 1: Input should be a valid integer`."""
    loc: list[str | int] = list(problem["loc"])
    parts: list[str] = []
    if len(loc) >= 2 and loc[0] == "stages" and isinstance(loc[1], int):
        stage = _get(raw, "stages", loc[1])
        parts.append(f"stage {stage.get('key', loc[1] + 1)!r}" if isinstance(stage, dict) else "stages")
        loc = loc[2:]
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            item = _get(stage, "items", loc[1])
            text = str(item.get("text", ""))[:20] if isinstance(item, dict) else ""
            parts.append(f"item {loc[1] + 1}" + (f" ({text})" if text else ""))
            loc = loc[2:]
    parts += [str(part) for part in loc]
    where = " › ".join(parts)
    return f"{where}: {problem['msg']}" if where else str(problem["msg"])


def _get(container: Any, key: str, index: int) -> Any:
    values = container.get(key) if isinstance(container, dict) else None
    return values[index] if isinstance(values, list) and index < len(values) else None


class TemplateFile:
    """The template file, re-read on each use; a bad edit keeps the last good template (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        text = self._read()
        self._text = text
        self._template = parse_template(path, text)

    @property
    def path(self) -> Path:
        return self._path

    def current(self) -> tuple[ChecklistTemplate, str | None]:
        """The template to draft with, and a warning when the file's latest edit could not be used."""
        try:
            text = self._read()
        except TemplateError as error:
            log.warning("%s", error)
            return self._last(), f"{error}"
        with self._lock:
            if text == self._text:
                return self._template, None
        try:
            template = parse_template(self._path, text)
        except TemplateError as error:
            log.warning("checklist template edit ignored, keeping the last valid one: %s", error)
            return self._last(), str(error)
        with self._lock:
            self._text, self._template = text, template
        return template, None

    def _last(self) -> ChecklistTemplate:
        with self._lock:
            return self._template

    def _read(self) -> str:
        try:
            return self._path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise TemplateError(f"{self._path}: cannot be read ({error})") from None

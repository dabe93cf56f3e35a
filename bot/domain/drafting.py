"""Drafting a campaign checklist from one line: the template's stages, the playbook's words, real dates.

Due dates are placed by `place_due_dates` from each item's own anchor and offset, so moving a
stored campaign never consults the (maybe since edited) template, and no item is due before today.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Protocol

from bot.domain.checklist_template import ChecklistTemplate, ItemTemplate, TemplateFile
from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage
from bot.domain.dates import parse_date
from bot.domain.errors import OpsbotError
from bot.domain.review_actions import FIXED_DUE
from bot.domain.spaces import normalize_spaces
from bot.domain.working_days import (
    WorkCalendar,
    estimated_note,
    estimated_years,
    next_workday,
    shift_workdays,
)

log = logging.getLogger(__name__)

MAX_DESCRIPTION_CHARS = 300
_DATE_WORDS = r"(launch|start|上线|开始|end|until|结束|截止)"
_DATED = re.compile(rf"(?:^|\s|,|,){_DATE_WORDS}\s*[::]?\s*(\S+)", re.IGNORECASE)
_GOAL = re.compile(r"目标[::]?\s*([^,,。;;]+)|goal[:\s]+([^,.;]+)", re.IGNORECASE)
_ENUMERATION = re.compile(
    r"[((::]([^()()::]*?、[^()()]*?)(?:等)?[))。]?$|[((]([^()()]*、[^()()]*?)(?:等)?[))]"
)


class ChecklistTailor(Protocol):
    def tailor(self, description: str, checklist: Checklist) -> dict[str, str]:
        """New wording by item id; raises on anything invalid."""
        ...


class ChecklistError(OpsbotError):
    """A checklist request that cannot be drafted as written; the message says what to fix."""


class PlaybookSections(Protocol):
    def section(self, tail: str) -> tuple[str, list[str]] | None:
        """The full path and chunk texts of the section whose path ends with `tail`."""
        ...


@dataclass(frozen=True)
class ChecklistRequest:
    description: str
    launch: date | None
    end: date | None


def parse_request(text: str, today: date) -> ChecklistRequest:
    """`双十二拉新活动 launch 2026-12-12 end 12月14日` → description and dates (either may be missing)."""
    text = normalize_spaces(text)  # `launch　2026-12-12` (U+3000) reads as typed
    launch: date | None = None
    end: date | None = None
    for match in _DATED.finditer(text):
        word, value = match.group(1).lower(), match.group(2)
        parsed = parse_date(value, today)
        if word in ("end", "until", "结束", "截止"):
            end = parsed
        else:
            launch = parsed
    description = re.sub(r"^[\s,,]+|[\s,,]+$", "", _DATED.sub(" ", text))
    return ChecklistRequest(re.sub(r"\s+", " ", description), launch, end)


@dataclass(frozen=True)
class DuePlan:
    """Every item placed on the calendar: new copies with `due` and `compressed` set, and why."""

    items: list[ChecklistItem]
    estimated_years: list[int]

    @property
    def compressed(self) -> int:
        return sum(item.compressed for item in self.items)

    def dues(self) -> dict[str, date | None]:
        return {item.item_id: item.due for item in self.items}

    def dues_and_compression(self) -> dict[str, tuple[date | None, bool]]:
        return {item.item_id: (item.due, item.compressed) for item in self.items}

    def notes(self) -> list[str]:
        notes = [estimated_note(self.estimated_years)] if self.estimated_years else []
        if self.compressed:
            notes.append(
                f"排期已压缩:{self.compressed} 项原定日期已过,改为今天或下一个工作日。"
                f" / Compressed plan: {self.compressed} items' usual dates have passed;"
                " they are due today or the next working day."
            )
        return notes


def place_due_dates(
    items: Iterable[ChecklistItem],
    launch: date | None,
    end: date | None,
    calendar: WorkCalendar,
    today: date,
) -> DuePlan:
    """Each item's due date from its own anchor and offset in working days; never before today.

    An item whose usual slot has passed is due today (or the next working day, but not after its
    anchor) and marked compressed. An item without an anchor has no due date.
    """
    placed: list[ChecklistItem] = []
    years: set[int] = set()
    for item in items:
        if item.anchor == FIXED_DUE:
            placed.append(item)  # a date a person picked (a review's action item) stays where it is
            continue
        anchor = (end or launch) if item.anchor == "end" else launch if item.anchor == "launch" else None
        if anchor is None or item.offset is None:
            placed.append(replace(item, due=None, compressed=False))
            continue
        slot = shift_workdays(calendar, anchor, item.offset)
        years.update(estimated_years(calendar, anchor, slot))
        if slot < today:
            due = min(next_workday(calendar, today), max(anchor, today))
            placed.append(replace(item, due=due, compressed=True))
        else:
            placed.append(replace(item, due=slot, compressed=False))
    return DuePlan(placed, sorted(years))


class ChecklistDrafter:
    """Drafts from the template as it is now (re-read each time); holds no per-draft state."""

    def __init__(
        self,
        template_path: Path,
        playbook: PlaybookSections,
        calendar: WorkCalendar,
        today: Callable[[], date],
        tailor: ChecklistTailor | None = None,
    ) -> None:
        # Raises TemplateError now, so a typo in the template stops start-up with the file named.
        self._template = TemplateFile(template_path)
        self._tailor = tailor
        self._playbook = playbook
        self._calendar = calendar
        self._today = today

    def place(self, checklist: Checklist, launch: date | None, end: date | None) -> DuePlan:
        """A stored checklist's due dates for new campaign dates, from its items' own anchors."""
        return place_due_dates(checklist.items(), launch, end, self._calendar, self._today())

    def due_dates(
        self, checklist: Checklist | str, launch: date | None, end: date | None
    ) -> dict[str, date | None]:
        """`place(...).dues()`; given a campaign name instead (checklists saved before items kept their
        anchor), the items are drafted again from today's template, as they were made."""
        if isinstance(checklist, str):
            template, _ = self._template.current()
            kind, label = template.kind_of(checklist)
            stages = self._stages(template, kind, "")
            campaign = Campaign("", checklist, kind, label, launch, end)
            checklist = Checklist(campaign, stages)
        return self.place(checklist, launch, end).dues()

    def draft(self, description: str, launch: date | None, end: date | None) -> Checklist:
        name = self._validate(description, launch, end)
        template, problem = self._template.current()
        kind, label = template.kind_of(name)
        stages = self._stages(template, kind, self._goal(name))
        plan = place_due_dates(
            [item for stage in stages for item in stage.items], launch, end, self._calendar, self._today()
        )
        placed = {item.item_id: item for item in plan.items}
        for stage in stages:
            # Within a stage, what is due first comes first.
            stage.items = sorted((placed[item.item_id] for item in stage.items), key=_due_order)
        notes: list[str] = []
        if launch is None and end is None:
            notes.append(
                "没有日期,所以事项没有截止日。加上 launch 2026-12-12 end 2026-12-14 即可排期。"
                " / No dates given: add launch YYYY-MM-DD end YYYY-MM-DD to get due dates."
            )
        notes += plan.notes()
        if problem:
            notes.append(
                f"清单模板最新的修改有误,本清单沿用上一个有效版本 / The template's latest edit is invalid,"
                f" this checklist uses the last valid one: {problem}"
            )
        campaign = Campaign(uuid.uuid4().hex[:10], name, kind, label, launch, end)
        checklist = Checklist(campaign, stages, notes)
        if self._tailor is not None:
            self._apply_tailoring(self._tailor, name, checklist)
        return checklist

    def _stages(self, template: ChecklistTemplate, kind: str, goal: str) -> list[Stage]:
        stages = []
        for stage in template.stages:
            specs = [spec for spec in stage.items if spec.applies_to(kind)]
            items = [self._item(f"{stage.key}-{n}", spec, goal) for n, spec in enumerate(specs, start=1)]
            stages.append(Stage(stage.key, stage.name, items))
        return stages

    def _item(self, item_id: str, spec: ItemTemplate, goal: str) -> ChecklistItem:
        text, source = self._text_and_source(spec, goal)
        anchor, offset = spec.due if spec.due else (None, None)
        return ChecklistItem(item_id, text, None, source, anchor=anchor, offset=offset)

    @staticmethod
    def _apply_tailoring(tailor: ChecklistTailor, name: str, checklist: Checklist) -> None:
        """The LLM's wording when it is valid; any error or invalid output keeps the template's."""
        try:
            rewritten = tailor.tailor(name, checklist)
        except Exception as error:
            log.warning("checklist tailoring failed, keeping the template: %s", type(error).__name__)
            return
        for item in checklist.items():
            item.text = rewritten.get(item.item_id, item.text)

    def _validate(self, description: str, launch: date | None, end: date | None) -> str:
        name = re.sub(r"\s+", " ", normalize_spaces(description)).strip()
        if not name:
            raise ChecklistError(
                "请写上活动描述,例如 /ops checklist 双十二拉新活动,目标新增1万注册 launch 2026-12-12 end 2026-12-14"
                " / Please describe the campaign."
            )
        if len(name) > MAX_DESCRIPTION_CHARS:
            raise ChecklistError(f"活动描述太长({len(name)} 字),请控制在 {MAX_DESCRIPTION_CHARS} 字以内。")
        today = self._today()
        if launch and launch < today:
            raise ChecklistError(
                f"上线日期 {launch.isoformat()} 已经过去了,请填今天或之后的日期 / the launch date is in the past."
            )
        if launch and end and end < launch:
            raise ChecklistError(
                f"结束日期 {end.isoformat()} 早于上线日期 {launch.isoformat()},请检查 / the end date is before the launch."
            )
        if end and end < today:
            raise ChecklistError(f"结束日期 {end.isoformat()} 已经过去了 / the end date is in the past.")
        return name

    @staticmethod
    def _goal(name: str) -> str:
        match = _GOAL.search(name)
        goal = (match.group(1) or match.group(2)).strip() if match else ""
        return f"({goal})" if goal else ""

    def _text_and_source(self, spec: ItemTemplate, goal: str) -> tuple[str, str | None]:
        text = spec.text.replace("{goal}", goal)
        found = self._playbook.section(spec.section) if spec.section else None
        if found is None:
            return text.replace(":{list}", "").replace("{list}", ""), None
        path, chunks = found
        if "{list}" in text:
            listed = _enumeration(chunks, spec.pick)
            text = (
                text.replace("{list}", listed)
                if listed
                else text.replace(":{list}", "").replace("{list}", "")
            )
        return text, path


def _due_order(item: ChecklistItem) -> date:
    return item.due or date.max


def _enumeration(chunks: list[str], pick: str) -> str:
    """The 、-separated list in the chosen chunk: 微信、微博、百度、地推 — the playbook's, not ours."""
    for chunk in chunks:
        if pick and pick not in chunk:
            continue
        for match in _ENUMERATION.finditer(chunk):
            listed = (match.group(1) or match.group(2) or "").strip()
            if "、" in listed:
                return re.sub(r"等$", "", listed.split(":")[-1].split(":")[-1])
    return ""

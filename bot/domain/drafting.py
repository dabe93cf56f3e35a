"""Drafting a campaign checklist from one line: the template's stages, the playbook's words, real dates."""

from __future__ import annotations

import logging
import re
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage
from bot.domain.dates import parse_date
from bot.domain.errors import OpsbotError
from bot.domain.working_days import CalendarNotCovered, WorkCalendar, shift_workdays

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


class ChecklistDrafter:
    """Reads the template file on every draft, so an ops lead's edit applies to the next checklist."""

    def __init__(
        self,
        template_path: Path,
        playbook: PlaybookSections,
        calendar: WorkCalendar,
        today: Callable[[], date],
        tailor: ChecklistTailor | None = None,
    ) -> None:
        self._tailor = tailor
        self._template_path = template_path
        self._playbook = playbook
        self._calendar = calendar
        self._today = today

    def due_dates(self, description: str, launch: date | None, end: date | None) -> dict[str, date | None]:
        """Every item's due date for new dates (same template, same item ids; no LLM involved)."""
        tailor, self._tailor = self._tailor, None
        try:
            checklist = self.draft(description, launch, end)
        finally:
            self._tailor = tailor
        return {item.item_id: item.due for item in checklist.items()}

    def draft(self, description: str, launch: date | None, end: date | None) -> Checklist:
        name = self._validate(description, launch, end)
        template = tomllib.loads(self._template_path.read_text(encoding="utf-8"))
        kind, label = self._kind(name, template.get("kinds", {}))
        goal = self._goal(name)
        notes: list[str] = []
        uncovered: set[int] = set()
        stages = []
        for stage in template["stages"]:
            items = []
            for index, spec in enumerate(self._items_for(stage["items"], kind), start=1):
                text, source = self._text_and_source(spec, goal)
                due = self._due(spec.get("due"), launch, end, uncovered)
                items.append(ChecklistItem(f"{stage['key']}-{index}", text, due, source))
            stages.append(Stage(stage["key"], stage["name"], items))
            # Within a stage, what is due first comes first.
            items.sort(key=lambda item: item.due or date.max)
        if launch is None and end is None:
            notes.append(
                "没有日期,所以事项没有截止日。加上 launch 2026-12-12 end 2026-12-14 即可排期。"
                " / No dates given: add launch YYYY-MM-DD end YYYY-MM-DD to get due dates."
            )
        for year in sorted(uncovered):
            notes.append(
                f"节假日日历还不包含 {year} 年,这些事项暂不排截止日,以免算错。"
                f" / The holiday calendar does not cover {year} yet; those items have no due date."
            )
        campaign = Campaign(uuid.uuid4().hex[:10], name, kind, label, launch, end)
        checklist = Checklist(campaign, stages, notes)
        if self._tailor is not None:
            self._apply_tailoring(name, checklist)
        return checklist

    def _apply_tailoring(self, name: str, checklist: Checklist) -> None:
        """The LLM's wording when it is valid; any error or invalid output keeps the template's."""
        try:
            rewritten = self._tailor.tailor(name, checklist) if self._tailor else {}
        except Exception as error:
            log.warning("checklist tailoring failed, keeping the template: %s", type(error).__name__)
            return
        for item in checklist.items():
            item.text = rewritten.get(item.item_id, item.text)

    def _validate(self, description: str, launch: date | None, end: date | None) -> str:
        name = re.sub(r"\s+", " ", description).strip()
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
    def _kind(name: str, kinds: dict[str, Any]) -> tuple[str, str]:
        lowered = name.lower()
        best = ("general", "活动", 0)
        for key, spec in kinds.items():
            hits = sum(1 for word in spec.get("keywords", []) if word.lower() in lowered)
            if hits > best[2]:
                best = (key, spec.get("label", key), hits)
        return best[0], best[1]

    @staticmethod
    def _goal(name: str) -> str:
        match = _GOAL.search(name)
        goal = (match.group(1) or match.group(2)).strip() if match else ""
        return f"({goal})" if goal else ""

    @staticmethod
    def _items_for(items: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
        return [item for item in items if not item.get("kinds") or kind in item["kinds"]]

    def _text_and_source(self, spec: dict[str, Any], goal: str) -> tuple[str, str | None]:
        text = str(spec["text"]).replace("{goal}", goal)
        tail = str(spec.get("section", ""))
        found = self._playbook.section(tail) if tail else None
        if found is None:
            return text.replace(":{list}", "").replace("{list}", ""), None
        path, chunks = found
        if "{list}" in text:
            listed = self._enumeration(chunks, str(spec.get("pick", "")))
            text = (
                text.replace("{list}", listed)
                if listed
                else text.replace(":{list}", "").replace("{list}", "")
            )
        return text, path

    @staticmethod
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

    def _due(
        self, due: list[Any] | None, launch: date | None, end: date | None, uncovered: set[int]
    ) -> date | None:
        if not due:
            return None
        anchor_name, workdays = str(due[0]), int(due[1])
        anchor = (end or launch) if anchor_name == "end" else launch
        if anchor is None:
            return None
        try:
            return shift_workdays(self._calendar, anchor, workdays)
        except CalendarNotCovered as error:
            uncovered.add(error.year)
            return None

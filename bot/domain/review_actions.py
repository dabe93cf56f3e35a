"""Action items written in a review (复盘): what one row says, when it is valid, and the items it becomes.

They are stored as checklist items of the reviewed campaign, in a stage of their own, so nudges,
"my items" and App Home track them like any other item; each cites the review it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.checklists import ChecklistItem
from bot.domain.people import is_user_id

REVIEW_ACTIONS_STAGE = "review_actions"
REVIEW_ACTIONS_NAME = "复盘改进项 / Review actions"
# An absolute due date the reviewer picked: moving the campaign's dates leaves it where it is.
FIXED_DUE = "fixed"
ACTION_TEXT_LIMIT = 300
ACTIONS_QUESTION = "改进项 / Action items"

NEEDS_TEXT = "请写上要做的事 / Say what is to be done."
PAST_DUE = "截止日已经过去了,请选今天或之后 / The due date has passed: pick today or later."
# Further ahead is a slip of the date picker (year 9999 would even break the campaign's calendar file).
MAX_DUE_AHEAD = timedelta(days=2 * 366)
TOO_FAR = "截止日太远了,请选两年以内的日期 / Pick a due date within two years."
NOT_A_PERSON = "负责人必须是工作区里的成员 / The owner must be a person in this workspace."
TOO_LONG = f"改进项请控制在 {ACTION_TEXT_LIMIT} 字以内 / Keep it under {ACTION_TEXT_LIMIT} characters."


@dataclass(frozen=True)
class ActionItemDraft:
    """One action-item row as the reviewer filled it in; any field may be empty."""

    text: str = ""
    owner: str | None = None
    due: date | None = None

    @property
    def blank(self) -> bool:
        return not self.text.strip() and not self.owner and self.due is None


def action_item_problems(
    rows: list[ActionItemDraft], today: date, is_person: Callable[[str], bool]
) -> dict[tuple[int, str], str]:
    """What is wrong with each row, by (row index, "text" | "owner" | "due"); empty when all is fine.

    A blank row is no item. An owner or a due date needs a text; a due date is today or later and
    within two years; an owner is an active human account (somebody must be able to do it).
    """
    problems: dict[tuple[int, str], str] = {}
    for index, row in enumerate(rows):
        if row.blank:
            continue
        if not row.text.strip():
            problems[(index, "text")] = NEEDS_TEXT
        elif len(row.text.strip()) > ACTION_TEXT_LIMIT:
            problems[(index, "text")] = TOO_LONG
        if row.due is not None and row.due < today:
            problems[(index, "due")] = PAST_DUE
        elif row.due is not None and row.due > today + MAX_DUE_AHEAD:
            problems[(index, "due")] = TOO_FAR
        if row.owner and (not is_user_id(row.owner) or not is_person(row.owner)):
            problems[(index, "owner")] = NOT_A_PERSON
    return problems


def filled(rows: list[ActionItemDraft]) -> list[ActionItemDraft]:
    return [row for row in rows if not row.blank]


def action_items(review_id: int, rows: list[ActionItemDraft], label: str) -> list[ChecklistItem]:
    """The rows as checklist items: ids unique per review, each citing the review by its label."""
    return [
        ChecklistItem(
            f"action-{review_id}-{n}",
            " ".join(row.text.split()),
            row.due,
            label,
            owner=row.owner or None,
            anchor=FIXED_DUE,
        )
        for n, row in enumerate(filled(rows), start=1)
    ]


def actions_answer(rows: list[ActionItemDraft]) -> str:
    """The action items as one more answer of the review, so that searching the reviews finds them."""
    lines = []
    for row in filled(rows):
        details = [
            f"负责人 <@{row.owner}>" if row.owner else "",
            f"截止 {row.due.isoformat()}" if row.due else "",
        ]
        extra = ",".join(part for part in details if part)
        lines.append(f"- {' '.join(row.text.split())}" + (f"({extra})" if extra else ""))
    return "\n".join(lines)

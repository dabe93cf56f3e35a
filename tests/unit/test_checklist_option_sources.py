"""A checklist option cites its source as plain text: a review's author reads as a name, not `<@U…>`."""

from __future__ import annotations

from datetime import date

from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage
from bot.domain.sources import review_label
from bot.slack.checklist_blocks import checklist_blocks


def _descriptions(checklist: Checklist, names: dict[str, str] | None) -> list[str]:
    blocks = checklist_blocks(checklist, names.__getitem__ if names else None)
    return [
        option["description"]["text"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["type"] == "checkboxes"
        for option in element["options"]
    ]


def test_a_carried_review_item_names_the_reviewer_instead_of_showing_the_raw_mention() -> None:
    label = review_label("双十二拉新活动", date(2026, 12, 20), "U0LEAD")
    item = ChecklistItem("action-1-0", "下次提前两周锁定资源", date(2026, 12, 28), label, "U0LIN")
    campaign = Campaign("c0ffee1234", "元旦拉新活动", "acquisition", "用户拉新", None, None)
    checklist = Checklist(campaign, [Stage("last_review", "上次复盘的改进项", [item])])

    named = _descriptions(checklist, {"U0LEAD": "lead", "U0LIN": "lin"})
    assert named == ["due 12/28 · 👤 lin · 复盘 · 双十二拉新活动 (2026-12-20, by @lead)"[:75]]
    assert all("<@" not in text for text in named + _descriptions(checklist, None))

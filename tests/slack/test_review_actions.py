"""Reviews that change the next campaign, over signed HTTP on the frozen clock: action items written in
the review modal are tracked on the checklist, listed by the next review reminder, and carried with
the last review's lessons into the next checklist of the same kind."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.adapters.reminder_store import SqlReminderStore
from bot.domain.clock import FixedClock
from bot.domain.when import OneOff
from tests.slack.conftest import RunningBot
from tests.slack.review_modal import FORM, campaign_with_a_review, open_review, payload_body
from tests.slack.test_checklists import tick

LABEL = "复盘 · 双十二拉新活动 (2026-11-25, by <@U0LEAD>)"
IMPROVE = 4  # the playbook's "活动有哪些不好的地方,需要怎么样优化和调整?"
LESSONS = "渠道投放开始得太晚。地推物料没有提前确认。"
Row = tuple[str, str | None, str | None]


def submission(view: dict[str, Any], answers: dict[int, str], rows: list[Row]) -> bytes:
    """Submitting the modal as Slack sends it: each element's own state shape, empty ones as null."""
    values: dict[str, dict[str, Any]] = {}
    questions = [b["block_id"] for b in view["blocks"] if b["type"] == "input" and b["block_id"][0] == "q"]
    for position, block_id in enumerate(questions):
        values[block_id] = {"answer": {"type": "plain_text_input", "value": answers.get(position)}}
    for n in range(1, 4):
        text, owner, due = rows[n - 1] if n <= len(rows) else ("", None, None)
        values[f"action{n}_text"] = {"text": {"type": "plain_text_input", "value": text or None}}
        values[f"action{n}_owner"] = {"owner": {"type": "users_select", "selected_user": owner}}
        values[f"action{n}_due"] = {"due": {"type": "datepicker", "selected_date": due}}
    return payload_body(
        {
            "type": "view_submission",
            "team": {"id": "T0000001"},
            "user": {"id": "U0LEAD"},
            "api_app_id": "A0OPSBOT",
            "view": {**view, "id": "V1", "state": {"values": values}},
        }
    )


def checklist_posts(bot: RunningBot, name: str) -> list[dict[str, Any]]:
    return [
        c.params
        for c in bot.slack.called("chat.postMessage")
        if str(c.params.get("text", "")).startswith(name) and c.params.get("blocks")
    ]


def updates_with(bot: RunningBot, text: str) -> list[list[dict[str, Any]]]:
    blocks = [c.params["blocks"] for c in bot.slack.called("chat.update")]
    return [
        b if isinstance(b, list) else json.loads(b)
        for b in blocks
        if text in json.dumps(b, ensure_ascii=False)
    ]


def reviewed_with_action_items(bot: RunningBot) -> str:
    """A reviewed 双十二拉新活动 with three action items, the third ticked since; its campaign id."""
    campaign_id = campaign_with_a_review(bot, bot.runtime.engine)
    view = open_review(bot, campaign_id)
    rows: list[Row] = [
        ("提前两周锁定地推物料", "U0BOB", "2026-12-20"),
        ("准备客服话术", None, None),
        ("补发奖品", "U0CAROL", None),
    ]
    assert bot.post(submission(view, {IMPROVE: LESSONS}, rows), FORM).status == 200
    assert bot.slack.wait_for(lambda: bool(updates_with(bot, "补发奖品")))
    blocks = updates_with(bot, "补发奖品")[-1]
    group = next(b for b in blocks if "review_actions" in b.get("block_id", ""))
    ticked = [o["value"] for o in group["elements"][0]["options"] if o["text"]["text"] == "补发奖品"]
    updates = len(bot.slack.called("chat.update"))
    assert tick(bot, blocks, group["block_id"], ticked, "U0CAROL").status == 200
    assert bot.slack.wait_for(lambda: len(bot.slack.called("chat.update")) > updates)
    return campaign_id


def test_the_modal_has_three_optional_action_item_rows(bot: RunningBot) -> None:
    view = open_review(bot, campaign_with_a_review(bot, bot.runtime.engine))
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    for n in (1, 2, 3):
        assert elements[f"action{n}_text"]["type"] == "plain_text_input"
        assert elements[f"action{n}_owner"]["type"] == "users_select"
        assert elements[f"action{n}_due"]["type"] == "datepicker"
    assert all(b.get("optional") for b in view["blocks"] if b["type"] == "input")
    # The questions come first, as before.
    assert next(b for b in view["blocks"] if b["type"] == "input")["block_id"] == "q0"


def test_bad_rows_keep_the_modal_open_with_a_message_under_each_field(bot: RunningBot) -> None:
    bot.slack.bot_users.add("U0SOMEBOT")
    view = open_review(bot, campaign_with_a_review(bot, bot.runtime.engine))
    rows: list[Row] = [("", "U0BOB", None), ("锁定物料", None, "2026-11-24"), ("话术", "U0SOMEBOT", None)]
    reply = bot.post(submission(view, {IMPROVE: LESSONS}, rows), FORM)
    assert reply.status == 200
    errors = reply.json()["errors"]
    assert reply.json()["response_action"] == "errors"
    assert set(errors) == {"action1_text", "action2_due", "action3_owner"}
    assert "has passed" in errors["action2_due"] and "person" in errors["action3_owner"]
    assert bot.slack.called("chat.update") == []


def test_action_items_appear_on_the_checklist_with_owner_and_due(bot: RunningBot) -> None:
    campaign_id = campaign_with_a_review(bot, bot.runtime.engine)
    view = open_review(bot, campaign_id)
    rows: list[Row] = [("提前两周锁定地推物料", "U0BOB", "2026-12-20")]
    assert bot.post(submission(view, {IMPROVE: LESSONS}, rows), FORM).status == 200
    assert bot.slack.wait_for(lambda: bool(updates_with(bot, "提前两周锁定地推物料")))
    blocks = updates_with(bot, "提前两周锁定地推物料")[-1]
    rendered = json.dumps(blocks, ensure_ascii=False)
    assert "*复盘改进项 / Review actions*" in rendered and "due 12/20" in rendered
    owner = next(b for b in blocks if f"checklist_owner:{campaign_id}:review_actions" in json.dumps(b))
    assert owner["accessory"]["initial_user"] == "U0BOB"
    # Exported, each item names its owner and the review it came from.
    bot.action("checklist_export", campaign_id, user="U0BOB", response="md")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("md")))
    exported = bot.slack.responses("md")[0]["text"]
    assert "提前两周锁定地推物料 (due 2026-12-20 · owner U0BOB · 来源:复盘 · 双十二拉新活动" in exported


def test_the_next_review_reminder_lists_the_open_action_items(bot: RunningBot, clock: FixedClock) -> None:
    campaign_id = reviewed_with_action_items(bot)
    review = next(
        r
        for r in SqlReminderStore(bot.runtime.engine).active()
        if r.campaign_id == campaign_id and r.kind == "review"
    )
    assert isinstance(review.schedule, OneOff)
    clock.set(review.schedule.at + timedelta(seconds=30))
    bot.runtime.reminders.deliver(review.reminder_id)
    posted = [c.params for c in bot.slack.called("chat.postMessage") if "Open action items" in str(c.params)]
    assert len(posted) == 1
    text = str(posted[0]["text"])
    assert "• 提前两周锁定地推物料 · <@U0BOB> · due 2026-12-20" in text
    assert "• 准备客服话术 · 未指定负责人 / no owner" in text and "补发奖品" not in text


def test_the_next_checklist_of_the_kind_starts_with_the_last_reviews_items(
    bot: RunningBot, clock: FixedClock
) -> None:
    reviewed_with_action_items(bot)
    clock.set(datetime(2026, 12, 21, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    bot.command("checklist 品牌周年庆品牌曝光活动 launch 2027-01-20", response="brand")
    assert bot.slack.wait_for(lambda: bool(checklist_posts(bot, "品牌周年庆品牌曝光活动")))
    assert "上次复盘的改进项" not in json.dumps(checklist_posts(bot, "品牌周年庆"), ensure_ascii=False)

    bot.command("checklist 元旦拉新活动 launch 2027-01-20 end 2027-01-22", response="next")
    assert bot.slack.wait_for(lambda: bool(checklist_posts(bot, "元旦拉新活动")))
    blocks = checklist_posts(bot, "元旦拉新活动")[0]["blocks"]
    blocks = blocks if isinstance(blocks, list) else json.loads(blocks)
    rendered = json.dumps(blocks, ensure_ascii=False)
    assert "*上次复盘的改进项*" in rendered
    group = next(b for b in blocks if ":last_review:" in b.get("block_id", ""))
    options = {o["text"]["text"]: o["description"]["text"] for o in group["elements"][0]["options"]}
    # Open items, due five working days before the launch, and the lessons, all citing the review.
    for item in ("提前两周锁定地推物料", "准备客服话术"):
        assert options[item].startswith("due 1/13") and "复盘 · 双十二拉新活动" in options[item]
    assert (
        options["渠道投放开始得太晚"].startswith("无截止日")
        and "复盘 · 双十二拉新活动" in options["渠道投放开始得太晚"]
    )
    assert "地推物料没有提前确认" in options and "补发奖品" not in options

    campaign_id = next(b["accessory"]["action_id"] for b in blocks if ":last_review" in json.dumps(b))
    bot.action("checklist_export", campaign_id.split(":")[1], user="U0BOB", response="md")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("md")))
    exported = bot.slack.responses("md")[0]["text"]
    assert "## 上次复盘的改进项" in exported
    assert (
        "- [ ] 提前两周锁定地推物料 (due 2027-01-13 · owner U0BOB · 来源:复盘 · 双十二拉新活动 (2026-11-25"
        in exported
    )

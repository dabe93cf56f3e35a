"""Campaign calendars through signed Slack requests: the .ics lands in the requester's DM with opsbot."""

from __future__ import annotations

from typing import Any

import pytest
from icalendar import Calendar

from bot.adapters.reminder_store import SqlReminderStore
from bot.slack.calendar_export import SENT, UPLOAD_FAILED
from tests.slack.conftest import Reply, RunningBot
from tests.slack.test_checklists import post_checklist
from tests.waiting import wait_until

EXPORT_ICS = "checklist_export_ics"


def calendar_button(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    elements = [e for b in blocks if b.get("type") == "actions" for e in b["elements"]]
    return next(e for e in elements if e.get("action_id") == EXPORT_ICS)


def click(bot: RunningBot, campaign_id: str, user: str, channel: str = "C0CAMPAIGN") -> Reply:
    action = {"type": "button", "action_id": EXPORT_ICS, "block_id": "b1", "value": campaign_id}
    return bot.message_action(action, user, channel, "ics")


def replies(bot: RunningBot, name: str = "ics") -> str:
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses(name)))
    return " ".join(str(reply.get("text")) for reply in bot.slack.responses(name))


def test_the_button_uploads_the_campaigns_calendar_to_the_requesters_dm(bot: RunningBot) -> None:
    message = post_checklist(bot)
    campaign_id = calendar_button(message["blocks"])["value"]
    # The evaluation and review reminders are stored just after the checklist's message.
    assert wait_until(lambda: len(SqlReminderStore(bot.runtime.engine).active("C0CAMPAIGN")) == 2)
    assert click(bot, campaign_id, "U0ALICE").status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.uploaded()))
    assert bot.slack.called("conversations.open")[0].params["users"] == "U0ALICE"
    ((upload, data),) = bot.slack.uploaded()
    assert upload["channel_id"] == "D0ALICE" and upload["title"] == "双十二拉新活动,目标新增1万注册.ics"
    parsed = Calendar.from_ical(data)
    assert parsed["X-WR-CALNAME"] == "双十二拉新活动,目标新增1万注册"
    uids = {str(event["UID"]) for event in parsed.walk("VEVENT")}
    assert {f"{campaign_id}-launch@opsbot", f"{campaign_id}-end@opsbot"} <= uids
    assert len([uid for uid in uids if "-reminder-" in uid]) == 2  # the evaluation and the review
    assert any("预热" in str(event["SUMMARY"]) for event in parsed.walk("VEVENT"))
    assert SENT in replies(bot)


def test_the_checklist_list_rows_carry_the_calendar_button(bot: RunningBot) -> None:
    post_checklist(bot)
    bot.command("checklists", response="list")
    assert replies(bot, "list")
    listing = bot.slack.responses("list")[0]
    assert calendar_button(listing["blocks"])["value"] == listing["blocks"][0]["accessory"]["value"]


def test_someone_outside_the_campaigns_channel_gets_a_refusal_and_no_file(bot: RunningBot) -> None:
    message = post_checklist(bot)
    campaign_id = calendar_button(message["blocks"])["value"]
    assert click(bot, campaign_id, "U0MALLORY").status == 200  # not a member of C0CAMPAIGN
    assert "只有这个频道的成员" in replies(bot)
    assert click(bot, campaign_id, "U0EVE", channel="C0ELSEWHERE").status == 200
    assert bot.slack.wait_for(lambda: len(bot.slack.responses("ics")) == 2)
    assert "找不到这个清单" in replies(bot)
    assert bot.runtime.responder.drain(10)
    assert bot.slack.uploaded() == [] and not bot.slack.called("files.getUploadURLExternal")


def test_ops_calendar_with_a_campaign_name_sends_the_file(bot: RunningBot) -> None:
    post_checklist(bot)
    assert bot.command("calendar 双十二拉新…", user="U0BOB", response="cal").status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.uploaded("D0BOB")))
    assert SENT in replies(bot, "cal")
    bot.command("日历 没有这个活动", response="none")
    assert "找不到这个活动" in replies(bot, "none")


@pytest.mark.parametrize(
    ("method", "fault"),
    [
        ("files.getUploadURLExternal", "ratelimited"),
        ("upload", "http503"),
        ("files.completeUploadExternal", "http500"),
    ],
)
def test_a_failed_upload_gets_a_clear_private_reply(bot: RunningBot, method: str, fault: str) -> None:
    message = post_checklist(bot)
    bot.slack.fail_next(method, fault)
    click(bot, calendar_button(message["blocks"])["value"], "U0ALICE")
    text = replies(bot)
    assert UPLOAD_FAILED in text and "Traceback" not in text
    assert bot.slack.uploaded() == []

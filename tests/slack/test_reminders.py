"""Reminders with the real APScheduler and a real SQLite job store: on time, once, across restarts."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.reminder_store import SqlReminderStore
from bot.domain.reminders import Reminder
from bot.domain.when import OneOff
from bot.settings import Settings
from tests.slack.conftest import RunningBot
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_serve_command import serve_and_wait

SHANGHAI = ZoneInfo("Asia/Shanghai")


def reminder_posts(slack: FakeSlack, text: str) -> list[dict[str, object]]:
    return [c.params for c in slack.called("chat.postMessage") if text in str(c.params.get("text", ""))]


def wait_until(condition: Callable[[], bool], timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def scheduled_bot(bot: RunningBot) -> Iterator[RunningBot]:
    bot.runtime.scheduler.start()
    deadline = time.monotonic() + 10
    while not bot.runtime.scheduler.leading:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    yield bot
    bot.runtime.scheduler.shutdown()


def test_a_reminder_fires_within_seconds_of_its_time_and_once(scheduled_bot: RunningBot) -> None:
    reply = scheduled_bot.command("remind here in 3 seconds 看一下双十二数据", response="rem")
    assert reply.status == 200
    slack = scheduled_bot.slack
    assert slack.wait_for(lambda: bool(slack.responses("rem")))
    confirmation = slack.responses("rem")[0]["text"]
    assert "Asia/Shanghai" in confirmation and "看一下双十二数据" in confirmation and "✔" in confirmation
    asked = time.monotonic()
    assert slack.wait_for(lambda: bool(reminder_posts(slack, "看一下双十二数据")), timeout=15)
    fired = slack.called("chat.postMessage")[-1]
    assert fired.params["channel"] == "C0CAMPAIGN" and fired.at - asked < 3 + 5
    time.sleep(2)
    assert len(reminder_posts(slack, "看一下双十二数据")) == 1


def test_bad_times_get_a_clear_message_with_examples(scheduled_bot: RunningBot) -> None:
    scheduled_bot.command("remind here 2020-01-01 09:00 过去", response="past")
    scheduled_bot.command("remind here 明天4点 开会", response="amb")
    scheduled_bot.command("remind nowhere tomorrow 9am x", response="where")
    slack = scheduled_bot.slack
    assert slack.wait_for(lambda: all(slack.responses(r) for r in ("past", "amb", "where")))
    assert (
        "in the past" in slack.responses("past")[0]["text"]
        and "every Friday 16:00" in slack.responses("past")[0]["text"]
    )
    assert "上午还是下午" in slack.responses("amb")[0]["text"]
    assert "#频道" in slack.responses("where")[0]["text"]


def test_recurring_confirmation_shows_the_next_time(scheduled_bot: RunningBot) -> None:
    scheduled_bot.command("remind <#C0WEEKLY|weekly> 每周五下午4点 周报数据复盘", response="weekly")
    slack = scheduled_bot.slack
    assert slack.wait_for(lambda: bool(slack.responses("weekly")))
    text = slack.responses("weekly")[0]["text"]
    assert "Every Friday 16:00 (Asia/Shanghai), next" in text and "<#C0WEEKLY>" in text


def test_only_the_creator_or_an_admin_can_cancel(scheduled_bot: RunningBot) -> None:
    scheduled_bot.command("remind here in 30 minutes 发周报", user="U0ALICE", response="mk")
    slack = scheduled_bot.slack
    assert slack.wait_for(lambda: bool(slack.responses("mk")))
    reminder_id = slack.responses("mk")[0]["text"].split("id `")[1].split("`")[0]
    scheduled_bot.command("reminders", response="list")
    assert slack.wait_for(lambda: bool(slack.responses("list")))
    assert reminder_id in json.dumps(slack.responses("list")[0]["blocks"])
    scheduled_bot.action("reminder_cancel", reminder_id, user="U0MALLORY", response="no")
    assert slack.wait_for(lambda: bool(slack.responses("no")))
    assert "Only its creator" in slack.responses("no")[0]["text"]
    scheduled_bot.command(f"remind cancel {reminder_id}", user="U0ALICE", response="yes")
    assert slack.wait_for(lambda: bool(slack.responses("yes")))
    assert "Cancelled" in slack.responses("yes")[0]["text"]
    assert scheduled_bot.runtime.scheduler.next_run(reminder_id) is None


def test_a_channel_the_bot_cannot_post_in_is_reported_to_the_creator(scheduled_bot: RunningBot) -> None:
    slack = scheduled_bot.slack
    slack.failing_channels["C0GONE"] = "not_in_channel"
    scheduled_bot.command("remind <#C0GONE|gone> in 2 seconds 发预热海报", user="U0ALICE", response="gone")
    assert slack.wait_for(
        lambda: any(c.params.get("channel") == "U0ALICE" for c in slack.called("chat.postMessage")),
        timeout=15,
    )
    notice = next(c.params for c in slack.called("chat.postMessage") if c.params.get("channel") == "U0ALICE")
    assert "not_in_channel" in str(notice["text"]) and "发预热海报" in str(notice["text"])


def test_campaign_reviews_are_scheduled_from_the_checklist(scheduled_bot: RunningBot) -> None:
    scheduled_bot.command("checklist 国庆拉新活动 launch 2026-12-21 end 2026-12-23", response="cl")
    store = SqlReminderStore(scheduled_bot.runtime.engine)
    assert wait_until(lambda: len([r for r in store.active() if r.kind != "message"]) == 2)
    reminders = store.active()
    due = {r.kind: r.schedule.at for r in reminders if isinstance(r.schedule, OneOff) and r.kind != "message"}
    # The next working day after the end, and three working days after (Christmas is a workday in China).
    assert due["evaluation"] == datetime(2026, 12, 24, 10, 0, tzinfo=SHANGHAI)
    assert due["review"] == datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI)


def test_the_review_reminder_carries_the_playbook_questions_and_progress(scheduled_bot: RunningBot) -> None:
    scheduled_bot.command("checklist 双十二拉新活动 launch 2026-12-12 end 2026-12-14", response="cl")
    slack = scheduled_bot.slack
    store = SqlReminderStore(scheduled_bot.runtime.engine)
    assert wait_until(lambda: any(r.kind == "review" for r in store.active()))
    review = next(r for r in store.active() if r.kind == "review")
    soon = OneOff(datetime.now(SHANGHAI).replace(microsecond=0) + timedelta(seconds=2))
    scheduled_bot.runtime.reminders.add(
        Reminder(
            uuid.uuid4().hex[:8],
            review.channel,
            review.text,
            review.creator,
            review.timezone,
            soon,
            "review",
            review.campaign_id,
        )
    )
    assert slack.wait_for(lambda: bool(reminder_posts(slack, "复盘")), timeout=15)
    text = str(reminder_posts(slack, "复盘")[0]["text"])
    assert "0/19 done" in text and "对于活动用户的反馈如何?" in text and "复盘整个活动" in text


# -- separate processes: kill -9 and two bots on one database --------------------------------------


def test_kill_minus_9_and_restart_loses_and_doubles_nothing(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    first, url = serve_and_wait(settings, fake_slack)
    client = RunningBot(url, fake_slack, None, settings, None)  # type: ignore[arg-type]
    try:
        assert client.command("remind here in 8 seconds 重启后也要发", response="k").status == 200
        assert fake_slack.wait_for(lambda: bool(fake_slack.responses("k")))
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    second, _ = serve_and_wait(settings, fake_slack)
    try:
        assert fake_slack.wait_for(lambda: bool(reminder_posts(fake_slack, "重启后也要发")), timeout=40)
        time.sleep(3)
        assert len(reminder_posts(fake_slack, "重启后也要发")) == 1
    finally:
        second.terminate()
        second.wait(timeout=15)


def test_two_processes_on_one_database_post_each_reminder_once(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    one, url_one = serve_and_wait(settings, fake_slack)
    two, url_two = serve_and_wait(settings, fake_slack)
    try:
        RunningBot(url_two, fake_slack, None, settings, None).command(  # type: ignore[arg-type]
            "remind here in 6 seconds 两个进程只发一次", response="two"
        )
        RunningBot(url_one, fake_slack, None, settings, None).command(  # type: ignore[arg-type]
            "remind here in 7 seconds 第二条也只发一次", response="one"
        )
        assert fake_slack.wait_for(
            lambda: (
                bool(reminder_posts(fake_slack, "两个进程只发一次"))
                and bool(reminder_posts(fake_slack, "第二条也只发一次"))
            ),
            timeout=40,
        )
        time.sleep(4)
        assert len(reminder_posts(fake_slack, "两个进程只发一次")) == 1
        assert len(reminder_posts(fake_slack, "第二条也只发一次")) == 1
    finally:
        for process in (one, two):
            process.terminate()
            process.wait(timeout=15)


def test_a_reminder_missed_beyond_the_grace_period_is_reported_not_dropped(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    first, url = serve_and_wait(settings, fake_slack, OPSBOT_REMINDER_GRACE_S="2")
    try:
        RunningBot(url, fake_slack, None, settings, None).command(  # type: ignore[arg-type]
            "remind here in 3 seconds 错过的提醒", user="U0ALICE", response="m"
        )
        assert fake_slack.wait_for(lambda: bool(fake_slack.responses("m")))
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    time.sleep(8)
    second, _ = serve_and_wait(settings, fake_slack, OPSBOT_REMINDER_GRACE_S="2")
    try:
        assert fake_slack.wait_for(
            lambda: any(
                c.params.get("channel") == "U0ALICE" and "错过的提醒" in str(c.params.get("text"))
                for c in fake_slack.called("chat.postMessage")
            ),
            timeout=40,
        )
        assert reminder_posts(fake_slack, "⏰ 错过的提醒") == []
    finally:
        second.terminate()
        second.wait(timeout=15)


def test_a_saved_review_becomes_searchable_knowledge(scheduled_bot: RunningBot) -> None:
    scheduled_bot.command("checklist 双十二拉新活动 launch 2026-12-12 end 2026-12-14", response="cl")
    store = SqlReminderStore(scheduled_bot.runtime.engine)
    assert wait_until(lambda: any(r.kind == "review" for r in store.active()))
    campaign_id = next(r.campaign_id for r in store.active() if r.kind == "review")
    assert campaign_id is not None
    slack = scheduled_bot.slack
    click = {
        "type": "block_actions",
        "team": {"id": "T0000001"},
        "user": {"id": "U0LEAD"},
        "api_app_id": "A0OPSBOT",
        "trigger_id": "trigger-123",
        "channel": {"id": "C0CAMPAIGN"},
        "message": {"ts": "1.2", "blocks": []},
        "response_url": slack.response_url("rv"),
        "actions": [{"type": "button", "action_id": "review_write", "block_id": "b", "value": campaign_id}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(click)}).encode()
    assert scheduled_bot.post(body, "application/x-www-form-urlencoded").status == 200
    assert slack.wait_for(lambda: bool(slack.called("views.open")))
    view = slack.called("views.open")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "review_submit" and "对于活动用户的反馈如何?" in json.dumps(
        view, ensure_ascii=False
    )
    lessons = "教训:渠道投放开始得太晚,地推物料没有提前确认,下次至少提前两周和各部门锁定资源。"
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    values = {b["block_id"]: {"answer": {"type": "plain_text_input", "value": ""}} for b in inputs}
    values[inputs[4]["block_id"]]["answer"]["value"] = lessons
    submission = {
        "type": "view_submission",
        "team": {"id": "T0000001"},
        "user": {"id": "U0LEAD"},
        "api_app_id": "A0OPSBOT",
        "view": {**view, "id": "V1", "state": {"values": values}},
    }
    body = urllib.parse.urlencode({"payload": json.dumps(submission, ensure_ascii=False)}).encode()
    assert scheduled_bot.post(body, "application/x-www-form-urlencoded").status == 200
    reviews = scheduled_bot.settings.reviews_dir
    assert wait_until(lambda: reviews.is_dir() and any(reviews.iterdir()), timeout=30)
    knowledge = scheduled_bot.container.knowledge
    assert wait_until(
        lambda: any(c.source.startswith("reviews/") for c in knowledge.searcher.chunks), timeout=60
    )
    answer = scheduled_bot.container.answerer.answer("上次拉新活动复盘有什么教训?")
    assert answer.sources and answer.sources[0].source.startswith("reviews/")
    assert "复盘:双十二拉新活动" in answer.sources[0].section and "地推物料" in answer.text


def test_times_are_read_in_the_creators_slack_time_zone(scheduled_bot: RunningBot) -> None:
    slack = scheduled_bot.slack
    slack.time_zones["U0NYC"] = "America/New_York"
    scheduled_bot.command("remind me tomorrow 9am call the agency", user="U0NYC", response="tz")
    assert slack.wait_for(lambda: bool(slack.responses("tz")))
    text = slack.responses("tz")[0]["text"]
    tomorrow = (datetime.now(ZoneInfo("America/New_York")) + timedelta(days=1)).date()
    assert f"{tomorrow.isoformat()} 09:00 (America/New_York)" in text and "→ you" in text


def test_an_admin_may_cancel_someone_elses_reminder(scheduled_bot: RunningBot) -> None:
    slack = scheduled_bot.slack
    scheduled_bot.command("remind here in 30 minutes 发周报", user="U0ALICE", response="mk")
    assert slack.wait_for(lambda: bool(slack.responses("mk")))
    reminder_id = slack.responses("mk")[0]["text"].split("id `")[1].split("`")[0]
    scheduled_bot.command(f"remind cancel {reminder_id}", user="U0ADMIN1", response="admin")
    assert slack.wait_for(lambda: bool(slack.responses("admin")))
    assert "Cancelled" in slack.responses("admin")[0]["text"]


def test_a_review_can_be_set_by_hand(scheduled_bot: RunningBot) -> None:
    slack = scheduled_bot.slack
    scheduled_bot.command("checklist 双十二拉新活动 launch 2026-12-12 end 2026-12-14", response="cl")
    assert slack.wait_for(lambda: bool(slack.called("chat.postMessage")))
    time.sleep(0.5)
    scheduled_bot.command("review 双十二拉新活动 2026-12-21 15:00", response="byhand")
    scheduled_bot.command("review 不存在的活动 明天上午10点", response="none")
    assert slack.wait_for(lambda: bool(slack.responses("byhand")) and bool(slack.responses("none")))
    assert "2026-12-21 15:00 (Asia/Shanghai)" in slack.responses("byhand")[0]["text"]
    assert "找不到这个活动" in slack.responses("none")[0]["text"]
    store = SqlReminderStore(scheduled_bot.runtime.engine)
    by_hand = [
        r
        for r in store.active()
        if r.kind == "review_manual"
        and isinstance(r.schedule, OneOff)
        and r.schedule.at == datetime(2026, 12, 21, 15, 0, tzinfo=SHANGHAI)
    ]
    assert len(by_hand) == 1 and by_hand[0].campaign_id


def test_moving_the_dates_moves_due_dates_and_the_review_reminders(scheduled_bot: RunningBot) -> None:
    slack = scheduled_bot.slack
    scheduled_bot.command("checklist 双十二拉新活动 launch 2026-12-12 end 2026-12-14", response="cl")
    store = SqlReminderStore(scheduled_bot.runtime.engine)
    assert wait_until(lambda: len([r for r in store.active() if r.kind in ("evaluation", "review")]) == 2)
    scheduled_bot.command("checklist move 双十二拉新活动 launch 2026-12-19 end 2026-12-21", response="mv")
    assert slack.wait_for(lambda: bool(slack.responses("mv")))
    assert "Dates moved" in slack.responses("mv")[0]["text"]
    assert wait_until(
        lambda: (
            {
                r.schedule.at
                for r in store.active()
                if r.kind in ("evaluation", "review") and isinstance(r.schedule, OneOff)
            }
            == {
                datetime(2026, 12, 22, 10, 0, tzinfo=SHANGHAI),
                datetime(2026, 12, 24, 10, 0, tzinfo=SHANGHAI),
            }
        )
    )
    updated = json.dumps(slack.called("chat.update")[-1].params["blocks"], ensure_ascii=False)
    assert "12/19–12/21" in updated and "due 12/17" in updated


def test_a_reminder_posted_after_its_time_says_it_is_late(scheduled_bot: RunningBot) -> None:
    due = datetime.now(SHANGHAI).replace(microsecond=0) - timedelta(minutes=5)
    reminder = Reminder(
        uuid.uuid4().hex[:8], "C0CAMPAIGN", "迟到的周报提醒", "U0ALICE", "Asia/Shanghai", OneOff(due)
    )
    SqlReminderStore(scheduled_bot.runtime.engine).add(reminder)
    scheduled_bot.runtime.reminders.deliver(reminder.reminder_id)
    scheduled_bot.runtime.reminders.deliver(reminder.reminder_id)
    posts = reminder_posts(scheduled_bot.slack, "迟到的周报提醒")
    assert len(posts) == 1 and "late" in str(posts[0]["text"]) and f"{due:%H:%M}" in str(posts[0]["text"])


def test_the_list_shows_this_channel_and_my_own_reminders_only(scheduled_bot: RunningBot) -> None:
    slack = scheduled_bot.slack
    scheduled_bot.command("remind here in 30 minutes 本频道的提醒", user="U0ALICE", response="a")
    scheduled_bot.command(
        "remind <#C0OTHER|other> in 30 minutes 别的频道别人的提醒", user="U0BOB", response="b"
    )
    assert slack.wait_for(lambda: bool(slack.responses("a")) and bool(slack.responses("b")))
    scheduled_bot.command("reminders", user="U0ALICE", response="list")
    assert slack.wait_for(lambda: bool(slack.responses("list")))
    listing = json.dumps(slack.responses("list")[0]["blocks"], ensure_ascii=False)
    assert "本频道的提醒" in listing and "别的频道别人的提醒" not in listing

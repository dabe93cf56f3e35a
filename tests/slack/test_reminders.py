"""Reminders with the real APScheduler and a real SQLite job store: on time, once, across restarts."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.adapters.reminder_store import SqlReminderStore
from bot.domain.clock import FixedClock
from bot.domain.reminders import Reminder
from bot.domain.when import OneOff
from bot.settings import Settings
from tests.conftest import FROZEN_NOW
from tests.slack.conftest import RunningBot
from tests.slack.fake_slack import FakeSlack
from tests.slack.review_modal import FORM, campaign_with_a_review, open_review, review_submission
from tests.slack.test_serve_command import serve_and_wait
from tests.waiting import wait_until

SHANGHAI = ZoneInfo("Asia/Shanghai")


def reminder_posts(slack: FakeSlack, text: str) -> list[dict[str, object]]:
    return [c.params for c in slack.called("chat.postMessage") if text in str(c.params.get("text", ""))]


def delivered_and_done(engine: object, reminder_id: str) -> Callable[[], bool]:
    """True once a one-off reminder is marked done and its job is gone: nothing can post it again."""
    store = SqlReminderStore(engine)  # type: ignore[arg-type]

    def check() -> bool:
        reminder = store.get(reminder_id)
        return reminder is not None and reminder.status == "done" and not _job_exists(engine, reminder_id)

    return check


def _engine(settings: Settings) -> object:
    from bot.adapters.database import make_engine

    return make_engine(settings.database)


def _job_exists(engine: object, reminder_id: str) -> bool:
    from sqlalchemy import text

    with engine.connect() as db:  # type: ignore[attr-defined]
        return (
            db.execute(text("SELECT 1 FROM apscheduler_jobs WHERE id = :id"), {"id": reminder_id}).first()
            is not None
        )


def reminder_id_in(confirmation: str) -> str:
    return confirmation.split("id `")[1].split("`")[0]


def test_a_reminder_fires_on_time_and_once(live_bot: RunningBot) -> None:
    reply = live_bot.command("remind here in 3 seconds 看一下双十二数据", response="rem")
    assert reply.status == 200
    slack = live_bot.slack
    assert slack.wait_for(lambda: bool(slack.responses("rem")))
    confirmation = slack.responses("rem")[0]["text"]
    assert "Asia/Shanghai" in confirmation and "看一下双十二数据" in confirmation and "✔" in confirmation
    assert slack.wait_for(lambda: bool(reminder_posts(slack, "看一下双十二数据")), timeout=15)
    fired = slack.called("chat.postMessage")[-1]
    assert fired.params["channel"] == "C0CAMPAIGN"
    assert wait_until(delivered_and_done(live_bot.runtime.engine, reminder_id_in(confirmation)))
    assert len(reminder_posts(slack, "看一下双十二数据")) == 1


def test_bad_times_get_a_clear_message_with_examples(bot: RunningBot) -> None:
    bot.command("remind here 2020-01-01 09:00 过去", response="past")
    bot.command("remind here 明天4点 开会", response="amb")
    bot.command("remind nowhere tomorrow 9am x", response="where")
    slack = bot.slack
    assert slack.wait_for(lambda: all(slack.responses(r) for r in ("past", "amb", "where")))
    assert (
        "in the past" in slack.responses("past")[0]["text"]
        and "every Friday 16:00" in slack.responses("past")[0]["text"]
    )
    assert "上午还是下午" in slack.responses("amb")[0]["text"]
    assert "#频道" in slack.responses("where")[0]["text"]


def test_recurring_confirmation_shows_the_next_time(bot: RunningBot) -> None:
    bot.command("remind <#C0WEEKLY|weekly> 每周五下午4点 周报数据复盘", response="weekly")
    slack = bot.slack
    assert slack.wait_for(lambda: bool(slack.responses("weekly")))
    text = slack.responses("weekly")[0]["text"]
    assert "Every Friday 16:00 (Asia/Shanghai), next" in text and "<#C0WEEKLY>" in text


def test_only_the_creator_or_an_admin_can_cancel(bot: RunningBot) -> None:
    bot.command("remind here in 30 minutes 发周报", user="U0ALICE", response="mk")
    slack = bot.slack
    assert slack.wait_for(lambda: bool(slack.responses("mk")))
    reminder_id = slack.responses("mk")[0]["text"].split("id `")[1].split("`")[0]
    bot.command("reminders", response="list")
    assert slack.wait_for(lambda: bool(slack.responses("list")))
    assert reminder_id in json.dumps(slack.responses("list")[0]["blocks"])
    bot.action("reminder_cancel", reminder_id, user="U0MALLORY", response="no")
    assert slack.wait_for(lambda: bool(slack.responses("no")))
    assert "Only its creator" in slack.responses("no")[0]["text"]
    bot.command(f"remind cancel {reminder_id}", user="U0ALICE", response="yes")
    assert slack.wait_for(lambda: bool(slack.responses("yes")))
    assert "Cancelled" in slack.responses("yes")[0]["text"]
    assert bot.runtime.scheduler.next_run(reminder_id) is None


def test_a_channel_the_bot_cannot_post_in_is_reported_to_the_creator(live_bot: RunningBot) -> None:
    slack = live_bot.slack
    slack.failing_channels["C0GONE"] = "not_in_channel"
    live_bot.command("remind <#C0GONE|gone> in 2 seconds 发预热海报", user="U0ALICE", response="gone")
    assert slack.wait_for(
        lambda: any(c.params.get("channel") == "U0ALICE" for c in slack.called("chat.postMessage")),
        timeout=15,
    )
    notice = next(c.params for c in slack.called("chat.postMessage") if c.params.get("channel") == "U0ALICE")
    assert "not_in_channel" in str(notice["text"]) and "发预热海报" in str(notice["text"])


def test_campaign_reviews_are_scheduled_from_the_checklist(bot: RunningBot) -> None:
    bot.command("checklist 国庆拉新活动 launch 2026-12-21 end 2026-12-23", response="cl")
    store = SqlReminderStore(bot.runtime.engine)
    assert wait_until(lambda: len([r for r in store.active() if r.kind != "message"]) == 2)
    reminders = store.active()
    due = {r.kind: r.schedule.at for r in reminders if isinstance(r.schedule, OneOff) and r.kind != "message"}
    # The next working day after the end, and three working days after (Christmas is a workday in China).
    assert due["evaluation"] == datetime(2026, 12, 24, 10, 0, tzinfo=SHANGHAI)
    assert due["review"] == datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI)


def test_the_review_reminder_carries_the_playbook_questions_and_progress(
    bot: RunningBot, clock: FixedClock
) -> None:
    bot.command("checklist 双十二拉新活动 launch 2026-12-12 end 2026-12-14", response="cl")
    slack = bot.slack
    store = SqlReminderStore(bot.runtime.engine)
    assert wait_until(lambda: any(r.kind == "review" for r in store.active()))
    review = next(r for r in store.active() if r.kind == "review")
    assert isinstance(review.schedule, OneOff)
    clock.set(review.schedule.at)
    bot.runtime.reminders.deliver(review.reminder_id)
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
        reminder_id = reminder_id_in(fake_slack.responses("k")[0]["text"])
        assert wait_until(delivered_and_done(_engine(settings), reminder_id), timeout=20)
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
        engine = _engine(settings)
        for response in ("two", "one"):
            reminder_id = reminder_id_in(fake_slack.responses(response)[0]["text"])
            assert wait_until(delivered_and_done(engine, reminder_id), timeout=20)
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
    # The reminder's time and its 2-second grace must pass while no opsbot runs.
    missed_after = time.monotonic() + 3 + 2 + 1
    assert wait_until(lambda: time.monotonic() > missed_after, timeout=10)
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


def test_a_saved_review_becomes_searchable_knowledge(bot: RunningBot) -> None:
    view = open_review(bot, campaign_with_a_review(bot, bot.runtime.engine))
    assert view["callback_id"] == "review_submit" and "对于活动用户的反馈如何?" in json.dumps(
        view, ensure_ascii=False
    )
    lessons = "教训:渠道投放开始得太晚,地推物料没有提前确认,下次至少提前两周和各部门锁定资源。"
    assert bot.post(review_submission(view, {4: lessons}), FORM).status == 200
    knowledge = bot.container.knowledge
    assert wait_until(
        lambda: any(c.source.startswith("review:") for c in knowledge.searcher.chunks), timeout=60
    )
    answer = bot.container.answerer.answer("上次拉新活动复盘有什么教训?")
    assert answer.sources and answer.sources[0].source.startswith("review:")
    assert answer.sources[0].section == "复盘 · 双十二拉新活动 (2026-11-25, by <@U0LEAD>)"
    assert "地推物料" in answer.text


def test_times_are_read_in_the_creators_slack_time_zone(bot: RunningBot) -> None:
    slack = bot.slack
    slack.time_zones["U0NYC"] = "America/New_York"
    bot.command("remind me tomorrow 9am call the agency", user="U0NYC", response="tz")
    assert slack.wait_for(lambda: bool(slack.responses("tz")))
    text = slack.responses("tz")[0]["text"]
    tomorrow = (FROZEN_NOW.astimezone(ZoneInfo("America/New_York")) + timedelta(days=1)).date()
    assert f"{tomorrow.isoformat()} 09:00 (America/New_York)" in text and "→ you" in text


def test_an_admin_may_cancel_someone_elses_reminder(bot: RunningBot) -> None:
    slack = bot.slack
    bot.command("remind here in 30 minutes 发周报", user="U0ALICE", response="mk")
    assert slack.wait_for(lambda: bool(slack.responses("mk")))
    reminder_id = slack.responses("mk")[0]["text"].split("id `")[1].split("`")[0]
    bot.command(f"remind cancel {reminder_id}", user="U0ADMIN1", response="admin")
    assert slack.wait_for(lambda: bool(slack.responses("admin")))
    assert "Cancelled" in slack.responses("admin")[0]["text"]


def test_a_review_can_be_set_by_hand(bot: RunningBot) -> None:
    slack = bot.slack
    bot.command("checklist 双十二拉新活动 launch 2026-12-12 end 2026-12-14", response="cl")
    store = SqlReminderStore(bot.runtime.engine)
    assert wait_until(lambda: any(r.kind == "review" for r in store.active()))
    bot.command("review 双十二拉新活动 2026-12-21 15:00", response="byhand")
    bot.command("review 不存在的活动 明天上午10点", response="none")
    assert slack.wait_for(lambda: bool(slack.responses("byhand")) and bool(slack.responses("none")))
    assert "2026-12-21 15:00 (Asia/Shanghai)" in slack.responses("byhand")[0]["text"]
    assert "找不到这个活动" in slack.responses("none")[0]["text"]
    by_hand = [
        r
        for r in store.active()
        if r.kind == "review_manual"
        and isinstance(r.schedule, OneOff)
        and r.schedule.at == datetime(2026, 12, 21, 15, 0, tzinfo=SHANGHAI)
    ]
    assert len(by_hand) == 1 and by_hand[0].campaign_id


def test_moving_the_dates_moves_due_dates_and_the_review_reminders(bot: RunningBot) -> None:
    slack = bot.slack
    bot.command("checklist 双十二拉新活动 launch 2026-12-12 end 2026-12-14", response="cl")
    store = SqlReminderStore(bot.runtime.engine)
    assert wait_until(lambda: len([r for r in store.active() if r.kind in ("evaluation", "review")]) == 2)
    bot.command("checklist move 双十二拉新活动 launch 2026-12-19 end 2026-12-21", response="mv")
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


def test_a_reminder_posted_after_its_time_says_it_is_late(bot: RunningBot, clock: FixedClock) -> None:
    due = clock.now() - timedelta(minutes=5)
    reminder = Reminder(
        uuid.uuid4().hex[:8], "C0CAMPAIGN", "迟到的周报提醒", "U0ALICE", "Asia/Shanghai", OneOff(due)
    )
    SqlReminderStore(bot.runtime.engine).add(reminder)
    bot.runtime.reminders.deliver(reminder.reminder_id)
    bot.runtime.reminders.deliver(reminder.reminder_id)
    posts = reminder_posts(bot.slack, "迟到的周报提醒")
    assert len(posts) == 1 and "late" in str(posts[0]["text"]) and f"{due:%H:%M}" in str(posts[0]["text"])


def test_the_list_shows_this_channel_and_my_own_reminders_only(bot: RunningBot) -> None:
    slack = bot.slack
    bot.command("remind here in 30 minutes 本频道的提醒", user="U0ALICE", response="a")
    bot.command("remind <#C0OTHER|other> in 30 minutes 别的频道别人的提醒", user="U0BOB", response="b")
    assert slack.wait_for(lambda: bool(slack.responses("a")) and bool(slack.responses("b")))
    bot.command("reminders", user="U0ALICE", response="list")
    assert slack.wait_for(lambda: bool(slack.responses("list")))
    listing = json.dumps(slack.responses("list")[0]["blocks"], ensure_ascii=False)
    assert "本频道的提醒" in listing and "别的频道别人的提醒" not in listing


def test_only_members_may_target_a_channel_and_any_member_may_cancel(bot: RunningBot) -> None:
    slack = bot.slack
    slack.members["C0PRIVATE"] = ["U0X1", "U0X2", "U0X3", "U0BOB", "U0ALICE"]  # 3 pages of 2
    bot.command("remind <#C0PRIVATE|secret> in 30 minutes 偷看", user="U0MALLORY", response="out")
    bot.command("remind <#C0PRIVATE|secret> in 30 minutes 发周报", user="U0ALICE", response="in")
    assert slack.wait_for(lambda: bool(slack.responses("out")) and bool(slack.responses("in")))
    assert "not a member of the channel C0PRIVATE" in slack.responses("out")[0]["text"]
    assert {c.params.get("cursor") for c in slack.called("conversations.members")} >= {"2", "4"}
    reminder_id = reminder_id_in(slack.responses("in")[0]["text"])
    bot.action("reminder_cancel", reminder_id, user="U0MALLORY", response="no")
    bot.action("reminder_cancel", reminder_id, user="U0BOB", response="member")
    assert slack.wait_for(lambda: bool(slack.responses("no")) and bool(slack.responses("member")))
    assert "Only its creator" in slack.responses("no")[0]["text"]
    assert "Cancelled" in slack.responses("member")[0]["text"]


def test_slack_people_page_through_members_and_know_who_is_a_real_person(fake_slack: FakeSlack) -> None:
    from slack_sdk import WebClient

    from bot.slack.people import SlackPeople

    fake_slack.members["C1"] = ["U1", "U2", "U3", "U4", "U5"]
    fake_slack.unknown_users.add("U0GHOST")
    fake_slack.deleted_users.add("U0GONE")
    fake_slack.bot_users.add("U0ROBOT")
    people = SlackPeople(WebClient(token="xoxb-test", base_url=fake_slack.api_url))
    assert people.is_member("C1", "U5") and not people.is_member("C1", "U0ALICE")
    assert len(fake_slack.called("conversations.members")) == 3
    assert people.is_member("C1", "U1") and len(fake_slack.called("conversations.members")) == 3  # cached
    assert people.is_person("U0CAROL")
    assert not any(people.is_person(user) for user in ("U0GHOST", "U0GONE", "U0ROBOT"))

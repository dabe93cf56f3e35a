"""A due reminder survives Slack's faults: retried with backoff, posted once, or its creator is told.

Everything runs through the real Bolt app against FakeSlack on the frozen clock: the test moves the
clock past each backoff and runs the sweep the scheduler's leader runs, so nothing waits minutes.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.adapters.delivery_store import SqlDeliveries
from bot.adapters.reminder_store import SqlReminderStore
from bot.adapters.schema import reminder_deliveries
from bot.domain.clock import FixedClock
from bot.domain.when import OneOff
from bot.services.ports import DeliveryKey
from bot.services.reminder_delivery import ReminderDelivery
from bot.settings import Settings
from bot.slack.reminders import ReminderResponder
from tests.slack.conftest import RunningBot, running_bot
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_reminders import reminder_id_in, reminder_posts
from tests.waiting import wait_until

BACKOFF = (30.0, 120.0, 480.0)


@pytest.fixture
def faulty_bot(slack_settings: Settings, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[RunningBot]:
    """opsbot on the frozen clock with a 1-second Web API timeout, so a hang costs one second."""
    fake_slack.hang_seconds = 3
    settings = slack_settings.model_copy(update={"slack_timeout_s": 1, "reminder_retry_backoff_s": BACKOFF})
    with running_bot(settings, fake_slack, clock) as running:
        yield running


def due_reminder(bot: RunningBot, clock: FixedClock, text: str, user: str = "U0ALICE") -> str:
    """`/ops remind here in 5 minutes …`, then the clock moves to its time."""
    name = "r" + hashlib.sha1(text.encode()).hexdigest()[:10]
    bot.command(f"remind here in 5 minutes {text}", user=user, response=name)
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses(name)))
    clock.advance(timedelta(minutes=5))
    return reminder_id_in(bot.slack.responses(name)[0]["text"])


def status_of(bot: RunningBot, reminder_id: str) -> str:
    reminder = SqlReminderStore(bot.runtime.engine).get(reminder_id)
    assert reminder is not None
    return reminder.status


def dms_to(slack: FakeSlack, user: str, text: str) -> list[dict[str, object]]:
    return [p for p in reminder_posts(slack, text) if p.get("channel") == user]


def test_each_transient_fault_is_retried_after_its_backoff_and_posted_once(
    faulty_bot: RunningBot, clock: FixedClock
) -> None:
    slack, reminders = faulty_bot.slack, faulty_bot.runtime.reminders
    for fault in ("http500", "http503", "ratelimited", "fatal_error", "hang"):
        text = f"故障演练 {fault}"
        reminder_id = due_reminder(faulty_bot, clock, text)
        slack.fail_next("chat.postMessage", fault)
        reminders.deliver(reminder_id)  # what the APScheduler job does
        assert slack.called(f"chat.postMessage#{fault}") and reminder_posts(slack, text) == []
        assert status_of(faulty_bot, reminder_id) == "active"
        clock.advance(timedelta(seconds=BACKOFF[0] - 1))
        reminders.sweep()
        assert reminder_posts(slack, text) == [], fault
        clock.advance(timedelta(seconds=1))
        reminders.sweep()
        reminders.sweep()
        reminders.deliver(reminder_id)  # a late duplicate firing changes nothing
        posts = reminder_posts(slack, text)
        assert len(posts) == 1 and posts[0]["channel"] == "C0CAMPAIGN", fault
        assert status_of(faulty_bot, reminder_id) == "done"


def a_429_waits_for_a_short_retry_after_in_the_call_and_reschedules_a_long_one(
    faulty_bot: RunningBot, clock: FixedClock
) -> None:
    slack, reminders = faulty_bot.slack, faulty_bot.runtime.reminders
    short = due_reminder(faulty_bot, clock, "短等待")
    slack.fail_next("chat.postMessage", "429:1")
    reminders.deliver(short)
    assert len(reminder_posts(slack, "短等待")) == 1 and slack.called("chat.postMessage#429:1")

    long = due_reminder(faulty_bot, clock, "长等待")
    slack.fail_next("chat.postMessage", "429:600")
    started = time.monotonic()
    reminders.deliver(long)
    assert time.monotonic() - started < 5, "a huge Retry-After must not hold the worker"
    assert reminder_posts(slack, "长等待") == []
    clock.advance(timedelta(seconds=599))
    reminders.sweep()
    assert reminder_posts(slack, "长等待") == []  # Retry-After beats the 30-second backoff
    clock.advance(timedelta(seconds=1))
    reminders.sweep()
    assert len(reminder_posts(slack, "长等待")) == 1


def test_a_429_honours_retry_after_without_holding_the_worker(
    faulty_bot: RunningBot, clock: FixedClock
) -> None:
    a_429_waits_for_a_short_retry_after_in_the_call_and_reschedules_a_long_one(faulty_bot, clock)
    a_permanent_error_is_not_retried_and_the_creator_is_told_at_once(faulty_bot, clock)
    every_attempt_failing_gives_one_dm_and_it_is_no_longer_upcoming(faulty_bot, clock)


def every_attempt_failing_gives_one_dm_and_it_is_no_longer_upcoming(
    faulty_bot: RunningBot, clock: FixedClock
) -> None:
    slack, reminders = faulty_bot.slack, faulty_bot.runtime.reminders
    reminder_id = due_reminder(faulty_bot, clock, "总是失败")
    slack.fail_next("chat.postMessage", "http503", "http500", "ratelimited", "fatal_error")
    reminders.deliver(reminder_id)
    for wait in BACKOFF:
        clock.advance(timedelta(seconds=wait))
        reminders.sweep()
    clock.advance(timedelta(hours=1))
    reminders.sweep()
    assert len(slack.called("chat.postMessage#fatal_error")) == 1
    dm = dms_to(slack, "U0ALICE", "总是失败")
    assert len(dm) == 1 and "4" in str(dm[0]["text"]) and "fatal_error" in str(dm[0]["text"])
    assert [p for p in reminder_posts(slack, "总是失败") if p["channel"] == "C0CAMPAIGN"] == []
    assert status_of(faulty_bot, reminder_id) == "failed"
    faulty_bot.command("reminders", response="list")
    assert slack.wait_for(lambda: bool(slack.responses("list")))
    assert reminder_id not in json.dumps(slack.responses("list")[0], ensure_ascii=False)


def a_permanent_error_is_not_retried_and_the_creator_is_told_at_once(
    faulty_bot: RunningBot, clock: FixedClock
) -> None:
    slack, reminders = faulty_bot.slack, faulty_bot.runtime.reminders
    slack.failing_channels["C0CAMPAIGN"] = "is_archived"
    reminder_id = due_reminder(faulty_bot, clock, "归档频道")
    reminders.deliver(reminder_id)
    del slack.failing_channels["C0CAMPAIGN"]
    clock.advance(timedelta(hours=1))
    reminders.sweep()
    assert len(dms_to(slack, "U0ALICE", "归档频道")) == 1 and "is_archived" in str(
        dms_to(slack, "U0ALICE", "归档频道")[0]["text"]
    )
    assert status_of(faulty_bot, reminder_id) == "failed"


def test_a_killed_claim_is_swept_once_and_two_racing_processes_post_once(
    faulty_bot: RunningBot, clock: FixedClock
) -> None:
    two_processes_racing_on_one_due_delivery_post_it_once(faulty_bot, clock)
    a_claim_left_by_a_killed_process_is_posted_once_by_the_start_up_sweep(faulty_bot, clock)


def a_claim_left_by_a_killed_process_is_posted_once_by_the_start_up_sweep(
    faulty_bot: RunningBot, clock: FixedClock
) -> None:
    slack, engine = faulty_bot.slack, faulty_bot.runtime.engine
    reminder_id = due_reminder(faulty_bot, clock, "进程被杀")
    reminder = SqlReminderStore(engine).get(reminder_id)
    assert reminder is not None and isinstance(reminder.schedule, OneOff)
    key = DeliveryKey(reminder_id, reminder.schedule.at.astimezone(UTC).isoformat())
    now = clock.now().timestamp()
    # kill -9 between claim and post: a claim whose holder is gone and whose time is up.
    assert SqlDeliveries(engine).claim(key, "dead-host:1", now - 200, now - 1) == 1
    scheduler = faulty_bot.runtime.scheduler
    scheduler.cancel(reminder_id)  # its one-off job had fired in the killed process
    scheduler.start()
    assert slack.wait_for(lambda: bool(reminder_posts(slack, "进程被杀")), timeout=20)
    faulty_bot.runtime.reminders.sweep()
    faulty_bot.runtime.reminders.deliver(reminder_id)
    assert [p["channel"] for p in reminder_posts(slack, "进程被杀")] == ["C0CAMPAIGN"]
    assert wait_until(lambda: status_of(faulty_bot, reminder_id) == "done")
    with engine.connect() as db:
        row = (
            db.execute(select(reminder_deliveries).where(reminder_deliveries.c.reminder_id == reminder_id))
            .mappings()
            .one()
        )
    assert row["status"] == "sent" and row["attempts"] == 2


def two_processes_racing_on_one_due_delivery_post_it_once(faulty_bot: RunningBot, clock: FixedClock) -> None:
    slack, runtime = faulty_bot.slack, faulty_bot.runtime
    first: ReminderResponder = runtime.reminders
    ids = [due_reminder(faulty_bot, clock, f"竞争{n}") for n in range(5)]
    client = WebClient(token="xoxb-test", base_url=slack.api_url, timeout=5)
    second_delivery = ReminderDelivery(
        SqlReminderStore(runtime.engine),
        SqlDeliveries(runtime.engine),
        first.delivery._checklists,
        faulty_bot.container.calendar,
        clock,
        lambda: [],
    )
    second = ReminderResponder(first.service, client, first._replier, second_delivery)
    start = threading.Barrier(2)

    def fire(responder: ReminderResponder) -> None:
        start.wait()
        for reminder_id in ids:
            responder.deliver(reminder_id)
            responder.sweep()

    threads = [threading.Thread(target=fire, args=(r,)) for r in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [len(reminder_posts(slack, f"竞争{n}")) for n in range(5)] == [1] * 5

"""Delivery rules with fakes: claimed once, retried with backoff, given up after the last attempt."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import FixedClock
from bot.domain.errors import NotAllowed
from bot.domain.reminders import Reminder
from bot.domain.when import OneOff
from bot.services.reminder_delivery import PostFailure, ReminderDelivery, RetryPolicy
from bot.services.reminders import ReminderService
from tests.fakes import (
    FakeChecklistStore,
    FakeDeliveries,
    FakePeople,
    FakeReminderStore,
    FakeTimer,
    WeekdayCalendar,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)


def delivery(clock: FixedClock, store: FakeReminderStore, rows: FakeDeliveries) -> ReminderDelivery:
    return ReminderDelivery(
        store, rows, FakeChecklistStore(), WeekdayCalendar(), clock, lambda: [], RetryPolicy((30, 120, 480))
    )


def one_off(store: FakeReminderStore, due: datetime) -> Reminder:
    reminder = Reminder("r1", "C1", "周报", "U0ALICE", "Asia/Shanghai", OneOff(due))
    store.add(reminder)
    return reminder


def test_a_due_reminder_is_claimed_once_and_late_is_said() -> None:
    clock, store, rows = FixedClock(NOW), FakeReminderStore(), FakeDeliveries()
    one_off(store, NOW + timedelta(minutes=5))
    service = delivery(clock, store, rows)
    clock.advance(timedelta(minutes=20))
    due = service.claim_due("r1")
    assert due is not None and due.late and due.due == NOW + timedelta(minutes=5) and due.attempt == 1
    assert delivery(clock, store, rows).claim_due("r1") is None  # another process: held
    service.delivered(due)
    assert service.claim_due("r1") is None and store.reminders["r1"].status == "done"


def test_transient_failures_back_off_then_give_up_and_the_one_off_is_no_longer_upcoming() -> None:
    clock, store, rows = FixedClock(NOW), FakeReminderStore(), FakeDeliveries()
    one_off(store, NOW)
    service = delivery(clock, store, rows)
    due = service.claim_due("r1")
    assert due is not None
    verdicts = []
    for wait in (30, 120, 480):
        verdicts.append(service.failed(due, PostFailure("http503")))
        clock.advance(timedelta(seconds=wait - 1))
        assert service.waiting() == []  # not before its backoff
        clock.advance(timedelta(seconds=1))
        (key,) = service.waiting()
        retried = service.claim_waiting(key)
        assert retried is not None
        due = retried
    assert due.attempt == 4 and store.reminders["r1"].status == "active"
    verdicts.append(service.failed(due, PostFailure("fatal_error")))
    assert verdicts == ["retrying", "retrying", "retrying", "given_up"]
    assert store.reminders["r1"].status == "failed" and service.waiting() == []


def test_retry_after_wins_over_a_shorter_backoff_and_permanent_errors_stop_at_once() -> None:
    clock, store, rows = FixedClock(NOW), FakeReminderStore(), FakeDeliveries()
    one_off(store, NOW)
    service = delivery(clock, store, rows)
    due = service.claim_due("r1")
    assert due is not None
    assert service.failed(due, PostFailure("ratelimited", retry_after_s=300)) == "retrying"
    clock.advance(timedelta(seconds=299))
    assert service.waiting() == []
    clock.advance(timedelta(seconds=1))
    again = service.claim_waiting(service.waiting()[0])
    assert again is not None
    assert service.failed(again, PostFailure("channel_not_found", permanent=True)) == "refused"
    assert store.reminders["r1"].status == "failed"


def test_a_claim_whose_process_died_is_taken_over_after_it_expires() -> None:
    clock, store, rows = FixedClock(NOW), FakeReminderStore(), FakeDeliveries()
    one_off(store, NOW)
    assert delivery(clock, store, rows).claim_due("r1") is not None  # then kill -9
    survivor = delivery(clock, store, rows)
    assert survivor.waiting() == []
    clock.advance(timedelta(seconds=survivor.policy.claim_s + 1))
    taken = survivor.claim_waiting(survivor.waiting()[0])
    assert taken is not None and taken.attempt == 2


def test_a_missed_due_time_is_reported_once_and_never_also_posted_late() -> None:
    clock, store, rows = FixedClock(NOW), FakeReminderStore(), FakeDeliveries()
    one_off(store, NOW)
    clock.advance(timedelta(hours=3))  # the bot was down past the grace period
    service = delivery(clock, store, rows)
    reported = service.claim_missed("r1", NOW)
    assert reported is not None and store.reminders["r1"].status == "missed"
    assert delivery(clock, store, rows).claim_missed("r1", NOW) is None  # another process: told once
    assert service.waiting() == []


def test_a_due_time_already_claimed_is_posted_late_not_reported_missed() -> None:
    clock, store, rows = FixedClock(NOW), FakeReminderStore(), FakeDeliveries()
    one_off(store, NOW)
    assert delivery(clock, store, rows).claim_due("r1") is not None  # then kill -9 during the post
    clock.advance(timedelta(hours=3))
    survivor = delivery(clock, store, rows)
    assert survivor.claim_missed("r1", NOW) is None  # no "missed" DM ...
    late = survivor.claim_waiting(survivor.waiting()[0])
    assert late is not None and late.late  # ... it is posted, marked late


def test_members_of_the_target_channel_may_cancel_and_outsiders_cannot_target_it() -> None:
    people = FakePeople(admins={"U0ADMIN"}, members={"C0PRIVATE": {"U0ALICE", "U0BOB"}})
    service = ReminderService(
        FakeReminderStore(),
        FakeChecklistStore(),
        WeekdayCalendar(),
        FixedClock(NOW),
        people,
        lambda: [],
        "Asia/Shanghai",
        FakeTimer(),
    )
    with pytest.raises(NotAllowed, match="not a member"):
        service.create("<#C0PRIVATE|secret> in 10 minutes 偷偷发", "U0MALLORY", "C0PUBLIC")
    reminder = service.create("<#C0PRIVATE|secret> in 10 minutes 发周报", "U0ALICE", "C0PUBLIC").reminder
    with pytest.raises(NotAllowed):
        service.cancel(reminder.reminder_id, "U0MALLORY")
    assert service.cancel(reminder.reminder_id, "U0BOB").reminder_id == reminder.reminder_id


def test_a_stage_owner_must_be_a_real_person() -> None:
    from bot.domain.errors import NotFound
    from bot.services.checklists import ChecklistService
    from tests.unit.test_drafting import drafter
    from tests.unit.test_services import campaign

    store = FakeChecklistStore()
    store.save(campaign(), channel="C1")
    people = FakePeople(not_people={"U0GHOST", "U0ROBOT"})
    service = ChecklistService(drafter(), store, FixedClock(NOW), None, people)
    for bad in ("U0GHOST", "U0ROBOT"):
        with pytest.raises(NotFound):
            service.set_owner("c0ffee0001", "goal", bad, "C1")
    service.set_owner("c0ffee0001", "goal", "U0CAROL", "C1")
    loaded = store.load("c0ffee0001")
    assert loaded is not None and loaded.stages[0].items[0].owner == "U0CAROL"

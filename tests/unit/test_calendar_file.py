"""A campaign's .ics file, read back with icalendar as Outlook, Feishu or Google Calendar would."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr  # type: ignore[import-untyped]
from icalendar import Calendar, Event

from bot.adapters.calendar_file import IcsCalendarFile
from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage
from bot.domain.clock import FixedClock
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.recurrence import EVERY_DAY, RULE_PARTS, OneOff, Recurring, Rule
from bot.domain.reminders import Reminder
from bot.services.calendar_export import CalendarExportService
from tests.fakes import FakeChecklistStore, FakeReminderStore, WeekdayCalendar

CHANNEL = "C0CAMPAIGN"
LONG_TEXT = "与各部门确认资源与排期,包括设计、技术、客服与渠道投放的每一项细节" * 3


def checklist() -> Checklist:
    campaign = Campaign(
        "c1", "双十二拉新活动", "acquisition", "用户拉新", date(2026, 12, 12), date(2026, 12, 14)
    )
    items = [
        ChecklistItem(
            "i1", "预热:告知用户哪天上线什么活动", date(2026, 12, 8), "互联网运营大揭秘 › 预热", "U0CAROL"
        ),
        ChecklistItem("i2", LONG_TEXT, date(2026, 12, 4), None, done=True),
        ChecklistItem("i3", "没有截止日的事", None, None),
        ChecklistItem(
            "i4",
            "下次提前两周锁定资源",
            date(2026, 12, 9),
            "复盘 · 双十一拉新活动 (2026-11-20, by <@U0CAROL>)",
        ),
    ]
    return Checklist(campaign, [Stage("promotion", "宣传推广", items)])


def reminder(
    rid: str, schedule: OneOff | Recurring, zone: str = "Asia/Shanghai", campaign: str = "c1"
) -> Reminder:
    return Reminder(rid, CHANNEL, f"提醒 {rid}", "U0ALICE", zone, schedule, campaign_id=campaign)


def export(
    clock: FixedClock,
    *reminders: Reminder,
    holidays: tuple[date, ...] = (),
    members: tuple[str, ...] = ("U0ALICE",),
) -> tuple[str, bytes]:
    store, reminder_store = FakeChecklistStore(), FakeReminderStore()
    store.save(checklist(), channel=CHANNEL)
    for each in reminders:
        reminder_store.add(each)
    service = CalendarExportService(
        store,
        reminder_store,
        clock,
        WeekdayCalendar(holidays),
        IcsCalendarFile(),
        lambda channel, user: channel == CHANNEL and user in members,
        {"U0CAROL": "Carol 陈"}.get,  # type: ignore[arg-type]
    )
    return service.for_campaign("c1", CHANNEL, "U0ALICE")


def events(data: bytes) -> dict[str, Event]:
    return {
        str(event["UID"]): event
        for event in Calendar.from_ical(data).walk("VEVENT")
        if isinstance(event, Event)
    }


def test_due_dates_launch_and_end_are_all_day_events_with_stable_uids(clock: FixedClock) -> None:
    filename, data = export(clock)
    parsed = Calendar.from_ical(data)
    assert filename == "双十二拉新活动.ics"
    assert parsed["VERSION"] == "2.0" and "opsbot" in str(parsed["PRODID"])
    assert parsed["X-WR-CALNAME"] == "双十二拉新活动"
    found = events(data)
    assert set(found) == {
        "c1-launch@opsbot",
        "c1-end@opsbot",
        "c1-i1@opsbot",
        "c1-i2@opsbot",
        "c1-i4@opsbot",
    }
    due = found["c1-i1@opsbot"]
    assert due.decoded("DTSTART") == date(2026, 12, 8) and due.decoded("DTEND") == date(2026, 12, 9)
    assert "DTSTART;VALUE=DATE:20261208" in data.decode()
    assert due["SUMMARY"] == "☐ 预热:告知用户哪天上线什么活动"
    description = str(due["DESCRIPTION"])
    assert (
        "宣传推广" in description and "互联网运营大揭秘 › 预热" in description and "Carol 陈" in description
    )
    assert str(found["c1-i2@opsbot"]["SUMMARY"]).startswith("✓ ")
    assert found["c1-launch@opsbot"].decoded("DTSTART") == date(2026, 12, 12)


def test_the_stamp_is_the_clock_and_the_same_campaign_gives_the_same_file(clock: FixedClock) -> None:
    _, first = export(clock)
    _, again = export(clock)
    assert first == again
    stamp = events(first)["c1-i1@opsbot"].decoded("DTSTAMP")
    assert stamp == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def test_lines_end_in_crlf_and_fold_at_75_octets_without_losing_text(clock: FixedClock) -> None:
    _, data = export(clock)
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long item was folded …
    assert events(data)["c1-i2@opsbot"]["SUMMARY"] == f"✓ {LONG_TEXT}"  # … and unfolds whole


def test_a_weekly_reminder_keeps_its_rrule_in_a_daylight_saving_zone(clock: FixedClock) -> None:
    fridays = Recurring(frozenset({4}), time(16, 0))
    _, data = export(clock, reminder("r1", fridays, zone="America/New_York"))
    event = events(data)["c1-reminder-r1@opsbot"]
    assert "DTSTART;TZID=America/New_York:20261127T160000" in data.decode()
    written = event["RRULE"].to_ical()
    rule = written.decode() if isinstance(written, bytes) else str(written)
    assert Rule("WEEKLY", time(16, 0), frozenset({4})).text() == "RRULE:" + _ordered(rule)
    zones = Calendar.from_ical(data).walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in zones] == ["America/New_York"]
    assert {part.name for part in zones[0].subcomponents} == {"STANDARD", "DAYLIGHT"}
    start = event.decoded("DTSTART")
    series = rrulestr(rule, dtstart=start)
    after_change = series.after(datetime(2027, 3, 14, tzinfo=start.tzinfo))
    assert after_change is not None and (after_change.hour, after_change.utcoffset()) == (
        16,
        timedelta(hours=-4),
    )
    (alarm,) = event.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY" and alarm.decoded("TRIGGER") == timedelta(0)


def test_working_days_only_series_lists_the_days_china_moves(clock: FixedClock) -> None:
    last_working_day = Recurring(
        workdays_only=True,
        rule=Rule("MONTHLY", time(10, 0), EVERY_DAY, last_of_month=True).text(),
    )
    every_working_day = Recurring(EVERY_DAY, time(9, 30), workdays_only=True)
    new_year = date(2026, 12, 31)
    _, data = export(
        clock, reminder("r2", last_working_day), reminder("r3", every_working_day), holidays=(new_year,)
    )
    found = events(data)
    shanghai = ZoneInfo("Asia/Shanghai")
    monthly = found["c1-reminder-r2@opsbot"]
    assert monthly.decoded("DTSTART") == datetime(2026, 11, 30, 10, tzinfo=shanghai)
    assert datetime(2026, 12, 31, 10, tzinfo=shanghai) in _dates(monthly, "EXDATE")  # the holiday …
    assert datetime(2026, 12, 30, 10, tzinfo=shanghai) in _dates(monthly, "RDATE")  # … moves it a day
    assert datetime(2026, 11, 30, 10, tzinfo=shanghai) not in _dates(monthly, "EXDATE")
    daily = found["c1-reminder-r3@opsbot"]
    skipped = _dates(daily, "EXDATE")
    assert datetime(2026, 11, 28, 9, 30, tzinfo=shanghai) in skipped  # a Saturday
    assert datetime(2026, 12, 31, 9, 30, tzinfo=shanghai) in skipped  # the holiday
    assert datetime(2026, 11, 27, 9, 30, tzinfo=shanghai) not in skipped
    assert "China" in str(daily["DESCRIPTION"])


def test_a_one_off_reminder_is_a_timed_event_and_other_campaigns_are_left_out(clock: FixedClock) -> None:
    at = datetime(2026, 12, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    _, data = export(clock, reminder("r4", OneOff(at)), reminder("r5", OneOff(at), campaign="other"))
    found = events(data)
    assert "c1-reminder-r5@opsbot" not in found
    one_off = found["c1-reminder-r4@opsbot"]
    assert one_off.decoded("DTSTART") == at and "RRULE" not in one_off
    assert one_off["SUMMARY"] == "提醒 r4" and one_off.walk("VALARM")


def test_only_members_of_the_campaigns_channel_may_export(clock: FixedClock) -> None:
    with pytest.raises(NotAllowed):
        export(clock, members=())
    store = FakeChecklistStore()
    store.save(checklist(), channel=CHANNEL)
    service = CalendarExportService(
        store, FakeReminderStore(), clock, WeekdayCalendar(), IcsCalendarFile(), lambda c, u: True
    )
    with pytest.raises(NotFound):
        service.for_campaign("c1", "C0ELSEWHERE", "U0ALICE")
    with pytest.raises(NotFound):
        service.for_name("没有这个活动", CHANNEL, "U0ALICE")
    assert service.for_name("双十二拉新活动", CHANNEL, "U0ALICE")[0] == "双十二拉新活动.ics"
    assert service.for_name("双十二…", CHANNEL, "U0ALICE")[0] == "双十二拉新活动.ics"


def _ordered(rule: str) -> str:
    """icalendar writes the parts in its own order; the stored rule's order, for comparing."""
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    return ";".join(f"{key}={parts[key]}" for key in RULE_PARTS if key in parts)


def _dates(event: Event, name: str) -> list[Any]:
    values = event.get(name) or []
    values = values if isinstance(values, list) else [values]
    return [when.dt for value in values for when in value.dts]


def test_an_item_carried_from_a_review_cites_it_by_the_reviewers_name(clock: FixedClock) -> None:
    _, data = export(clock)
    description = str(events(data)["c1-i4@opsbot"]["DESCRIPTION"])
    assert "复盘 · 双十一拉新活动 (2026-11-20, by @Carol 陈)" in description and "<@" not in description

"""A campaign's calendar as an iCalendar (.ics) file that Outlook, Feishu and Google Calendar import.

The `icalendar` library does the spelling: escaping, 75-octet line folding, CRLF, and the
VTIMEZONE components a TZID needs, so a reminder at 16:00 New York time stays there across DST.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vRecur

from bot.services.calendar_export import CampaignCalendar, DayEntry, TimedEntry

PRODID = "-//opsbot//Campaign calendar//ZH"
# A reminder is an instant; calendars show a zero-length event badly, so it takes a short slot.
REMINDER_SLOT = timedelta(minutes=15)
# VTIMEZONE rules cover this long after the earliest entry: a series keeps its offsets that far.
ZONE_YEARS = 3


class IcsCalendarFile:
    """CampaignCalendar → the bytes of one VCALENDAR."""

    def build(self, calendar: CampaignCalendar) -> bytes:
        document = Calendar()
        document.add("prodid", PRODID)
        document.add("version", "2.0")
        document.add("calscale", "GREGORIAN")
        document.calendar_name = calendar.name  # NAME and X-WR-CALNAME
        stamp = calendar.stamp.astimezone(UTC)
        for day in calendar.days:
            document.add_component(_day_event(day, stamp))
        for timed in calendar.times:
            document.add_component(_timed_event(timed, stamp))
        first = min(
            [stamp.date(), *(d.day for d in calendar.days), *(t.start.date() for t in calendar.times)]
        )
        document.add_missing_timezones(first - timedelta(days=1), _years_later(first, ZONE_YEARS))
        return bytes(document.to_ical())


def _day_event(entry: DayEntry, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", entry.day)  # a date: DTSTART;VALUE=DATE, an all-day event
    event.add("dtend", entry.day + timedelta(days=1))
    event.add("summary", entry.summary)
    if entry.description:
        event.add("description", entry.description)
    event.add("transp", "TRANSPARENT")  # a due date does not make anyone busy
    return event


def _timed_event(entry: TimedEntry, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", entry.start)  # aware: DTSTART;TZID=<the reminder's zone>
    event.add("dtend", entry.start + REMINDER_SLOT)
    event.add("summary", entry.summary)
    if entry.description:
        event.add("description", entry.description)
    if entry.rule:
        event.add("rrule", vRecur.from_ical(entry.rule))
    if entry.skipped:
        event.add("exdate", list(entry.skipped))
    if entry.added:
        event.add("rdate", list(entry.added))
    event.add_component(Alarm.new_display(entry.summary, timedelta(0)))
    return event


def _years_later(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=min(day.day, 28))

"""`opsbot when "<phrase>"`: what a reminder would do, without Slack, a database or the knowledge base.

It loads only the parser and the holiday calendar, so it answers well under a second; the Slack
confirmation of `/ops remind` shows the same next firings (`recurrence.next_firings`).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.adapters.holiday_calendar import ChinaWorkCalendar
from bot.domain.clock import SystemClock
from bot.domain.recurrence import OneOff, next_firings
from bot.domain.when import InvalidWhen, parse_reminder

EXIT_REFUSED = 2
FIRINGS_SHOWN = 3


def without_target(phrase: str) -> str:
    """`me to …`, `here …`, `<#C…> …`: the first word of `/ops remind` says where, not when."""
    first, _, rest = phrase.strip().partition(" ")
    return rest if first.lower() in ("me", "here", "我", "这里") or first.startswith("<#") else phrase


def _moment(now_text: str | None, zone: ZoneInfo) -> datetime:
    if now_text is None:
        return SystemClock(zone.key).now().astimezone(zone)
    moment = datetime.fromisoformat(now_text)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def run_when(
    phrase: str, now_text: str | None, zone_name: str, holidays_file: Path, as_json: bool, out: TextIO
) -> int:
    """Print the reading (JSON or lines), or the refusal on stderr and exit 2."""
    try:
        zone = ZoneInfo(zone_name)
        now = _moment(now_text, zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        print(f"opsbot: {error}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        parsed = parse_reminder(without_target(phrase), now)
    except InvalidWhen as error:
        print(f"opsbot: {error}", file=sys.stderr)
        return EXIT_REFUSED
    schedule = parsed.schedule
    calendar = ChinaWorkCalendar.from_file(holidays_file)
    firings = next_firings(schedule, now, calendar.is_workday, FIRINGS_SHOWN)
    once = isinstance(schedule, OneOff)
    reading = {
        "kind": "once" if once else "recurring",
        "next": [moment.isoformat() for moment in firings],
        "rule": None if isinstance(schedule, OneOff) else schedule.rule,
        "workdays_only": False if isinstance(schedule, OneOff) else schedule.workdays_only,
        "text": parsed.text,
    }
    if as_json:
        print(json.dumps(reading, ensure_ascii=False), file=out)
        return 0
    print(f"{reading['kind']}: {parsed.text}", file=out)
    if reading["rule"]:
        print(
            f"rule: {reading['rule']}" + (" (China's working days only)" if reading["workdays_only"] else ""),
            file=out,
        )
    for moment in firings:
        print(f"  {moment.isoformat()}", file=out)
    return 0

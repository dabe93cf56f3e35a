"""The one source of "now": built once at start-up and handed on, so tests can pick the day.

Everything that needs today's date or the current time takes a `Clock`; nothing calls
`datetime.now()` or `date.today()` on its own. `SystemClock` reads the machine's clock;
`FixedClock` stands still until told to move (tests, benchmarks, demos via `OPSBOT_NOW`).
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Now and today in the team's time zone."""

    @property
    def zone(self) -> ZoneInfo: ...

    def now(self) -> datetime:
        """An aware datetime in the team's time zone."""
        ...

    def today(self) -> date:
        """Today's date in the team's time zone (checklist dates are local dates)."""
        ...


def now_in(clock: Clock, timezone: str) -> datetime:
    """The clock's current moment seen from another time zone (a reminder creator's, say)."""
    return clock.now().astimezone(ZoneInfo(timezone))


class SystemClock:
    """The machine's clock, seen from the team's time zone."""

    def __init__(self, timezone: str = "Asia/Shanghai") -> None:
        self._zone = ZoneInfo(timezone)

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone(self._zone)

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock that shows one moment until `advance()` or `set()` moves it; safe across threads."""

    def __init__(self, moment: datetime, timezone: str | None = None) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._zone = ZoneInfo(timezone) if timezone else _zone_of(moment)
        self._moment = moment.astimezone(self._zone)
        self._lock = threading.Lock()

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def now(self) -> datetime:
        with self._lock:
            return self._moment

    def today(self) -> date:
        return self.now().date()

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._moment = (self._moment + delta).astimezone(self._zone)

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._moment = moment.astimezone(self._zone)


def _zone_of(moment: datetime) -> ZoneInfo:
    tz = moment.tzinfo
    if isinstance(tz, ZoneInfo):
        return tz
    return ZoneInfo("UTC")


def build_clock(timezone: str, frozen_at: datetime | None = None) -> Clock:
    """The application's clock: the system's, or one fixed moment when the settings ask for it."""
    if frozen_at is None:
        return SystemClock(timezone)
    moment = frozen_at if frozen_at.tzinfo else frozen_at.replace(tzinfo=ZoneInfo(timezone))
    return FixedClock(moment, timezone)


_HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_time_of_day(text: str) -> time:
    """A setting's time of day, `10:00` or ` 9:30 `; ValueError names the expected form."""
    found = _HH_MM.match(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a time of day as HH:MM, e.g. 10:00")
    return time(int(found.group(1)), int(found.group(2)))

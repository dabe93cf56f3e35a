"""China's working days, layered: the team's `holidays.toml`, then `chinesecalendar`, then Monday–Friday.

The official package only knows the years the State Council has announced (1.11.0: 2004–2026), and
campaigns are planned months ahead. So the team's file wins for the days it lists, the package answers
the years it knows, and any other day counts Monday–Friday. `is_official(year)` says which years are
known, so a checklist or a reminder can say when it is counting Monday–Friday instead.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import chinese_calendar
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, model_validator

from bot.domain.errors import OpsbotError

_MAX_HOLIDAY_DAYS = 31


class HolidayFileError(OpsbotError):
    """`holidays.toml` cannot be read; the message names the file, the line and what to fix."""


class _Holiday(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    first: date = Field(alias="from")
    last: date | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _in_order(self) -> _Holiday:
        last = self.last or self.first
        if not 0 <= (last - self.first).days < _MAX_HOLIDAY_DAYS:
            raise ValueError(
                f"'to' {last} must be on or after 'from' {self.first}, within {_MAX_HOLIDAY_DAYS} days"
            )
        return self

    def days(self) -> list[date]:
        last = self.last or self.first
        return [date.fromordinal(n) for n in range(self.first.toordinal(), last.toordinal() + 1)]


class _Year(BaseModel):
    model_config = ConfigDict(extra="forbid")

    announced: StrictBool = False
    holidays: list[_Holiday] = []
    workdays: list[date] = []


@dataclass(frozen=True)
class HolidayOverrides:
    """What the team's file says: days off, make-up workdays, and years whose schedule is complete."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    announced_years: frozenset[int] = frozenset()


def load_holidays(path: Path) -> HolidayOverrides:
    """The team's holidays file; a missing file means no overrides, a malformed one is refused."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return HolidayOverrides()
    except (OSError, UnicodeDecodeError) as error:
        raise HolidayFileError(f"{path}: cannot be read ({error})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise HolidayFileError(f"{path}: not valid TOML: {error}") from None
    holidays: set[date] = set()
    workdays: set[date] = set()
    announced: set[int] = set()
    for key, table in raw.items():
        year = _read_year(path, text, key, table)
        holidays |= year.days_off
        workdays |= year.workdays
        if year.announced:
            announced.add(year.year)
    return HolidayOverrides(frozenset(holidays), frozenset(workdays), frozenset(announced))


@dataclass(frozen=True)
class _ReadYear:
    year: int
    announced: bool
    days_off: frozenset[date]
    workdays: frozenset[date]


def _read_year(path: Path, text: str, key: str, table: object) -> _ReadYear:
    def fail(problem: str, *patterns: str) -> HolidayFileError:
        return HolidayFileError(f"{path}, line {_line_of(text, key, *patterns)}: {problem}")

    if not (key.isdigit() and len(key) == 4):
        raise fail(f"[{key}] is not a year; tables are years, e.g. [2027]", re.escape(key))
    year = int(key)
    try:
        parsed = _Year.model_validate(table)
    except ValidationError as error:
        problems = error.errors()
        values = [re.escape(str(p["input"])) for p in problems if isinstance(p["input"], str | int | date)]
        keys = [rf"\b{re.escape(part)}\s*=" for p in problems for part in p["loc"] if isinstance(part, str)]
        listed = "; ".join(f"{_where(p['loc'])}: {p['msg']}" for p in problems[:3])
        raise fail(f"[{key}] {listed}", *values, *keys) from None
    days_off = frozenset(day for holiday in parsed.holidays for day in holiday.days())
    for day in sorted([*days_off, *parsed.workdays]):
        if not date(year - 1, 12, 1) <= day <= date(year + 1, 1, 31):
            raise fail(
                f"{day} is listed under [{key}]; dates belong to {year} (or the December/January around it)",
                re.escape(day.isoformat()),
            )
    clash = days_off & set(parsed.workdays)
    if clash:
        day = min(clash)
        raise fail(f"{day} is both a holiday and a make-up workday", re.escape(day.isoformat()))
    return _ReadYear(year, parsed.announced, days_off, frozenset(parsed.workdays))


def _where(loc: tuple[int | str, ...]) -> str:
    """`holidays #2 › from` for pydantic's ("holidays", 1, "from"): counted the way people count."""
    return " › ".join(f"#{part + 1}" if isinstance(part, int) else part for part in loc)


def _line_of(text: str, year_key: str, *patterns: str) -> int:
    """The line (1-based) of the first pattern found from the year's table on, else the table's own."""
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    header = re.compile(rf"^\s*\[\s*{re.escape(year_key)}\s*[\].]")
    start = next((n for n, line in enumerate(lines) if header.match(line)), 0)
    for pattern in filter(None, patterns):
        for number, line in enumerate(lines[start:], start=start + 1):
            if re.search(pattern, line):
                return number
    return start + 1


class ChinaWorkCalendar:
    """Working days in mainland China; `is_workday` never raises, whatever the year."""

    def __init__(self, overrides: HolidayOverrides | None = None) -> None:
        self._overrides = overrides or HolidayOverrides()

    @classmethod
    def from_file(cls, path: Path) -> ChinaWorkCalendar:
        return cls(load_holidays(path))

    def is_workday(self, day: date) -> bool:
        if day in self._overrides.workdays:
            return True
        if day in self._overrides.holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5

    def is_official(self, year: int) -> bool:
        """True when the year's holidays are known (team file says announced, or the package has it)."""
        if year in self._overrides.announced_years:
            return True
        try:
            chinese_calendar.is_workday(date(year, 7, 1))
        except NotImplementedError:
            return False
        return True


# The name the rest of the code looks for; "holiday calendar" is what the architecture calls it.
HolidayCalendar = ChinaWorkCalendar

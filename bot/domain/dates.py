"""Dates as people type them in Chinese or English: 2026-12-12, 12/12, 12月12日, 下周五, next Friday."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.domain.errors import OpsbotError
from bot.domain.spaces import normalize_spaces


class InvalidDate(OpsbotError):
    """A date that cannot be read, or that does not exist (2026-02-30)."""


_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "thursday": 3,
    "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_CN_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_CN_FULL = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$")
_CN_MONTH_DAY = re.compile(r"^(\d{1,2})月(\d{1,2})[日号]?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[/-](\d{1,2})$")
_IN_DAYS = re.compile(r"^in (\d{1,3}) (day|days|week|weeks)$")
_CN_AFTER = re.compile(r"^(\d{1,3}|[一二两三四五六七八九十]+)(天|周|个星期|星期)后$")
_EN_WEEKDAY = re.compile(r"^(next |this |coming )?([a-z]+)$")
_CN_WEEKDAY = re.compile(r"^(下下|下|本|这|这个|下个)?(?:周|星期|礼拜)([一二三四五六日天])$")


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGITS[text[1]]
    if text.endswith("十"):
        return _CN_DIGITS[text[0]] * 10
    if "十" in text:
        tens, ones = text.split("十")
        return _CN_DIGITS[tens] * 10 + _CN_DIGITS[ones]
    return _CN_DIGITS[text]


def _make(year: int, month: int, day: int, original: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidDate(f"{original} 不是一个存在的日期 / is not a real date.") from None


def _next_occurrence(month: int, day: int, today: date, original: str) -> date:
    """A date without a year means its next occurrence: today or later."""
    for year in (today.year, today.year + 1, today.year + 4):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise InvalidDate(f"{original} 不是一个存在的日期 / is not a real date.")


def _weekday(target: int, today: date, weeks_ahead: int | None) -> date:
    """`None`: the next such day (this week if still ahead); n: that day in the week n weeks from now."""
    if weeks_ahead is None:
        days = (target - today.weekday()) % 7 or 7
        return today + timedelta(days=days)
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)
    return monday + timedelta(days=target)


def parse_date(text: str, today: date) -> date:
    """Read one date; raises InvalidDate with a message that shows what is understood."""
    original = normalize_spaces(text).strip()
    value = original.lower().rstrip(".。")
    if match := _ISO.match(value):
        return _make(int(match[1]), int(match[2]), int(match[3]), original)
    if match := _CN_FULL.match(value):
        return _make(int(match[1]), int(match[2]), int(match[3]), original)
    if match := (_CN_MONTH_DAY.match(value) or _MONTH_DAY.match(value)):
        return _next_occurrence(int(match[1]), int(match[2]), today, original)
    relative = {
        "today": 0,
        "今天": 0,
        "tomorrow": 1,
        "明天": 1,
        "day after tomorrow": 2,
        "后天": 2,
        "大后天": 3,
    }
    if value in relative:
        return today + timedelta(days=relative[value])
    if match := _IN_DAYS.match(value):
        count = int(match[1])
        return today + timedelta(days=count * (7 if match[2].startswith("week") else 1))
    if match := _CN_AFTER.match(value):
        count = _number(match[1])
        return today + timedelta(days=count * (1 if match[2] == "天" else 7))
    if (match := _EN_WEEKDAY.match(value)) and match[2] in _WEEKDAYS:
        prefix = (match[1] or "").strip()
        return _weekday(_WEEKDAYS[match[2]], today, {"next": 1, "this": 0}.get(prefix))
    if match := _CN_WEEKDAY.match(value):
        weeks = {"下下": 2, "下": 1, "下个": 1, "本": 0, "这": 0, "这个": 0}.get(match[1] or "")
        return _weekday(_CN_WEEKDAYS[match[2]], today, weeks)
    raise InvalidDate(
        f"看不懂日期「{original}」。可以写 2026-12-12、12月12日、12/12、下周五 或 next Friday / "
        f"Could not read the date {original!r}: try 2026-12-12, 12/12 or next Friday."
    )

"""Dates as people type them in Chinese or English: 2026-12-12, 12/12, 12月12日, 下周五, next Friday."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.domain.errors import OpsbotError
from bot.domain.spaces import normalize_spaces


class InvalidDate(OpsbotError):
    """A date that cannot be read, or that does not exist (2026-02-30)."""


WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "thursday": 3,
    "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
CN_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL = "[零〇一二两三四五六七八九十百千]+"
_MONTHS = {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
           "september": 9, "october": 10, "november": 11, "december": 12, "sept": 9}  # fmt: skip
_MONTHS.update({name[:3]: number for name, number in list(_MONTHS.items())})
MONTHS = _MONTHS  # month names and their three-letter forms → 1–12
# Years searched for the next occurrence of a month and day: enough to reach the next 29 February.
_YEARS_AHEAD = 8

EN_DAY_NAMES = "|".join(sorted(WEEKDAYS, key=len, reverse=True))  # longest first, for regexes
_EN_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
# Where a date ends when it starts a longer text (a reminder's `<when> <text>`).
_LEADING_DATE = re.compile(
    r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}[日号]?|\d{1,2}月\d{1,2}[日号]?|\d{1,2}/\d{1,2}"
    rf"|(?:on\s+)?(?:{_EN_MONTH_NAMES})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?"
    rf"|(?:on\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_EN_MONTH_NAMES})\b(?:,?\s+\d{{4}})?"
    r"|today|tomorrow|(?:the\s+)?day\s+after\s+tomorrow|今天|明天|大后天|后天"
    rf"|(?:next\s+|this\s+|on\s+)?(?:{EN_DAY_NAMES})\b"
    r"|(?:下下|下个?|本|这个?)?(?:周|星期|礼拜)[一二三四五六日天])",
    re.IGNORECASE,
)
# "9am tomorrow", "at 3pm on Friday": English may name the day after the time.
_DATE_AFTER_TIME = re.compile(
    rf"^\s*(today|tomorrow|(?:on|next|this)\s+(?:{EN_DAY_NAMES}|(?:{_EN_MONTH_NAMES})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?))\b",
    re.IGNORECASE,
)
_CN_SHORTHAND = {"明早": "明天早上", "明晨": "明天早上", "明晚": "明天晚上", "今早": "今天早上", "今晚": "今天晚上",
                 "今夜": "今天夜里"}  # fmt: skip

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_CN_FULL = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$")
_CN_MONTH_DAY = re.compile(r"^(\d{1,2})月(\d{1,2})[日号]?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[/-](\d{1,2})$")
_IN_DAYS = re.compile(r"^in (\d{1,3}) (day|days|week|weeks)$")
_CN_AFTER = re.compile(rf"^(\d{{1,3}}|{CN_NUMERAL})(天|周|个星期|星期)[以之]?后$")
_EN_MONTH_DAY = re.compile(r"^([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?$")
_EN_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)? (?:of )?([a-z]+)\.?(?:,? (\d{4}))?$")
_EN_WEEKDAY = re.compile(r"^(next |this |coming )?([a-z]+)$")
_CN_WEEKDAY = re.compile(r"^(下下|下|本|这|这个|下个)?(?:周|星期|礼拜)([一二三四五六日天])$")


def read_number(text: str) -> int | None:
    """`12`, `１２`, `十二`, `两`, `一百零五` → the number; None when it is not one (`十十十`, `一二三`)."""
    if text.isdecimal():
        return int(text)
    if not text or any(char not in _CN_DIGITS and char not in _CN_UNITS for char in text):
        return None
    total, digit, last_unit, zero_gap = 0, None, 0, False
    for char in text:
        if char in _CN_UNITS:
            unit = _CN_UNITS[char]
            if (last_unit and unit >= last_unit) or (digit is None and (unit != 10 or total)):
                return None  # 十十, or 百 without its digit
            total += (1 if digit is None else digit) * unit
            digit, last_unit, zero_gap = None, unit, False
        elif digit is not None:
            return None  # two digits in a row: 一二三
        elif _CN_DIGITS[char] == 0:
            zero_gap = True
        else:
            digit = _CN_DIGITS[char]
    if digit is None:
        return total if last_unit or zero_gap else None
    # 一百五 is 150 as people say it; 一百零五 is 105.
    return total + digit * (last_unit // 10 if last_unit > 10 and not zero_gap else 1)


def _number(text: str) -> int:
    number = read_number(text)
    if number is None:
        raise InvalidDate(f"「{text}」不是一个数 / {text!r} is not a number.")
    return number


def leading_date(text: str) -> tuple[str, str] | None:
    """(the date a text starts with, the rest): `明天 9点 x`, `on Dec 1st 10am x`; 明早 is 明天早上."""
    text = next(
        (full + text[len(short) :] for short, full in _CN_SHORTHAND.items() if text.startswith(short)), text
    )
    match = _LEADING_DATE.match(text)
    return (match.group(0), text[match.end() :]) if match else None


def date_after_time(rest: str) -> tuple[str, str] | None:
    """(the English date right after a time, the rest): `9am tomorrow x`, `3pm on Friday x`."""
    match = _DATE_AFTER_TIME.match(rest)
    return (match[1], rest[match.end() :]) if match else None


def _make(year: int, month: int, day: int, original: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidDate(f"{original} 不是一个存在的日期 / is not a real date.") from None


def _next_occurrence(month: int, day: int, today: date, original: str) -> date:
    """A date without a year means its next occurrence: today or later."""
    for year in range(today.year, today.year + _YEARS_AHEAD + 1):
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
    original = " ".join(normalize_spaces(text).split())
    value = original.lower().rstrip(".。").removeprefix("on ")
    if match := _ISO.match(value):
        return _make(int(match[1]), int(match[2]), int(match[3]), original)
    if match := _CN_FULL.match(value):
        return _make(int(match[1]), int(match[2]), int(match[3]), original)
    if match := (_CN_MONTH_DAY.match(value) or _MONTH_DAY.match(value)):
        return _next_occurrence(int(match[1]), int(match[2]), today, original)
    if match := _EN_MONTH_DAY.match(value) or _EN_DAY_MONTH.match(value):
        month_word, day_text = (match[1], match[2]) if match.re is _EN_MONTH_DAY else (match[2], match[1])
        if month_word in _MONTHS:
            month, day = _MONTHS[month_word], int(day_text)
            if match[3]:
                return _make(int(match[3]), month, day, original)
            return _next_occurrence(month, day, today, original)
    relative = {
        "today": 0,
        "今天": 0,
        "tomorrow": 1,
        "明天": 1,
        "day after tomorrow": 2,
        "the day after tomorrow": 2,
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
    if (match := _EN_WEEKDAY.match(value)) and match[2] in WEEKDAYS:
        prefix = (match[1] or "").strip()
        return _weekday(WEEKDAYS[match[2]], today, {"next": 1, "this": 0}.get(prefix))
    if match := _CN_WEEKDAY.match(value):
        weeks = {"下下": 2, "下": 1, "下个": 1, "本": 0, "这": 0, "这个": 0}.get(match[1] or "")
        return _weekday(CN_WEEKDAYS[match[2]], today, weeks)
    raise InvalidDate(
        f"看不懂日期「{original}」。可以写 2026-12-12、12月12日、12/12、下周五 或 next Friday / "
        f"Could not read the date {original!r}: try 2026-12-12, 12/12 or next Friday."
    )

"""Times of day and days within a month as people say them: 下午3点半, 9:30am, noon, 明早, 下个月3号, 月底.

The pieces `when` puts together; each reads the start of a text and returns what it read and the rest.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.domain.dates import CN_NUMERAL, read_number
from bot.domain.errors import OpsbotError

EXAMPLES = (
    "例如 / e.g.: in 10 minutes · 10分钟后 · tomorrow 9am · 明天上午9点 · 下周一 10:00 · "
    "2026-12-05 09:00 · every Friday 16:00 · 每周五下午4点 · every weekday 9:30 · every other Tuesday 9am · "
    "每月15号上午10点 · 每月最后一个工作日下午4点 · every year on March 8 · me to call Ana at 3pm every day"
)


class InvalidWhen(OpsbotError):
    """A time that cannot be read, is in the past or too far ahead, or could mean two things."""


@dataclass(frozen=True)
class TimeOfDay:
    at: time
    days_later: int  # 1 when midnight is said as the end of the day named: 晚上12点, midnight
    rest: str


_NIGHT = ("晚上", "夜里", "夜间", "半夜", "午夜", "深夜")

# Time of day, English and Chinese (a Chinese input method types the full-width colon "：").
_TIME_EN = re.compile(
    r"^(?:at\s+)?(\d{1,2})(?:[:：](\d{2}))?\s*(am\b|pm\b|a\.m\.?|p\.m\.?)?(?![a-z0-9])", re.IGNORECASE
)
# `3 o'clock`: English says no half of the day with it, so it is refused like a bare 1–7 点.
_O_CLOCK = re.compile(r"^(?:at\s+)?(\d{1,2})\s*o['’]?\s*clock\b", re.IGNORECASE)
_MORNING = ("凌晨", "早上", "早晨", "清晨", "上午")
_TIME_CN = re.compile(
    rf"^(凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|{'|'.join(_NIGHT)})?\s*(\d{{1,2}}|{CN_NUMERAL})\s*[点:：时]"
    rf"(?:(\d{{1,2}})分?|({CN_NUMERAL})分|({CN_NUMERAL})(?=\s|$|[,,。])|(半)|(一刻)|(三刻))?"
)
_NAMED_TIME = re.compile(
    r"^(?:at\s+)?(noon|midday|midnight)\b|^(中午|午夜)(?!\s*[\d零〇一二两三四五六七八九十])", re.I
)

DEFAULT_TIME = time(9, 0)

_PERIOD_HOURS = {
    "早上": 9,
    "早晨": 9,
    "上午": 9,
    "morning": 9,
    "中午": 12,
    "晚上": 20,
    "evening": 20,
    "tonight": 20,
}
_PERIOD = re.compile(
    r"^(早上|早晨|清晨|上午|中午|下午|傍晚|晚上|夜里|凌晨|半夜|深夜|morning|afternoon|evening|night)(?:\b|(?=[^a-z]))",
    re.I,
)
_MONTH_END = re.compile(
    r"^(?:(下个?月)(?:底|末)|(?:本|这个?)?月(?:底|末)|(?:at\s+|by\s+|on\s+)?(?:the\s+)?(?:end|last\s+day)\s+of\s+"
    r"(?:the\s+|this\s+)?(?:(next\s+)month|month)\b)",
    re.I,
)
_DAY_OF_MONTH = re.compile(
    rf"^(?:(下个?月)的?|(?:本|这个?)月的?)?(\d{{1,2}}|{CN_NUMERAL})号(?=\s|$|[,,]|[上下早晚中凌午]|\d|提醒)"
    r"|^(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+of\b)",
    re.I,
)


def _invalid_time(text: str) -> InvalidWhen:
    return InvalidWhen(f"{text} 不是有效的时间 / is not a valid time.")


def _chinese_time(match: re.Match[str], text: str) -> TimeOfDay:
    period, hour_text, minute_digits, minute_unit, minute_alone, half, quarter, three_quarters = (
        match.groups()
    )
    hour = read_number(hour_text)
    minute_text = minute_digits or minute_unit or minute_alone
    minute = 30 if half else 15 if quarter else 45 if three_quarters else read_number(minute_text or "0")
    if hour is None or minute is None or hour > 24 or minute > 59:
        raise _invalid_time(match.group(0))
    days_later = 0
    if hour == 24 or (period in _NIGHT and hour in (0, 12)):
        hour, days_later = 0, 1  # 晚上12点 is the midnight that ends the day, not noon
    elif period in _NIGHT and hour <= 4:
        if period == "晚上":
            raise InvalidWhen(
                f"晚上{hour}点是凌晨{hour}点吗?请写「凌晨{hour}点」或「下午{hour}点」。/ Is that am or pm?"
            )
        days_later = 1  # 半夜2点: the night after the day named
    elif (period in (*_NIGHT, "下午", "傍晚") and hour < 12) or (period == "中午" and hour < 6):
        hour += 12
    elif period == "凌晨" and hour == 12:
        hour = 0
    if hour > 23 or (period in _MORNING and hour > 12):
        raise _invalid_time(match.group(0))  # 上午15点 says two different times
    if period is None and 1 <= hour <= 7 and not re.search("[:：]", match.group(0)):
        raise InvalidWhen(
            f"{hour}点是上午还是下午?请写「上午{hour}点」或「下午{hour}点」。/ Is that am or pm?"
        )
    return TimeOfDay(time(hour, minute), days_later, text[match.end() :])


def time_of_day(text: str) -> TimeOfDay | None:
    """The time at the start of text; a bare 1–7 o'clock in Chinese without 上午/下午 is refused as ambiguous."""
    text = text.strip()
    if match := _TIME_CN.match(text):
        return _chinese_time(match, text)
    if match := _O_CLOCK.match(text):
        raise InvalidWhen(
            f"{match[1]} o'clock 是上午还是下午?/ Is {match[1]} o'clock am or pm? Say {match[1]}am or {match[1]}pm."
        )
    if match := _TIME_EN.match(text):
        hour, minute = int(match[1]), int(match[2] or 0)
        meridiem = (match[3] or "").lower().replace(".", "")
        if not match[2] and not meridiem:
            return None  # a bare number is not a time
        if meridiem and not 1 <= hour <= 12:
            raise _invalid_time(match.group(0))
        if meridiem == "pm" and hour < 12:
            hour += 12
        if meridiem == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            raise _invalid_time(match.group(0))
        return TimeOfDay(time(hour, minute), 0, text[match.end() :])
    if match := _NAMED_TIME.match(text):
        midnight = (match[1] or match[2]).lower() in ("midnight", "午夜")
        return TimeOfDay(time(0 if midnight else 12), int(midnight), text[match.end() :])
    return None


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def month_words(text: str, now: datetime) -> tuple[date, str] | None:
    """下个月3号, 3号, on the 7th, 月底, end of the month: days named within a month."""
    today = now.date()
    if match := _MONTH_END.match(text):
        month = _next_month(today) if match[1] or match[2] else today
        return month.replace(day=calendar.monthrange(month.year, month.month)[1]), text[match.end() :]
    if not (match := _DAY_OF_MONTH.match(text)):
        return None
    number = read_number(next(group for group in match.groups()[1:] if group))
    if number is None or not 1 <= number <= 31:
        raise InvalidWhen(f"「{match.group(0)}」不是一个日子 / is not a day of the month. " + EXAMPLES)
    months = [_next_month(today)] if match[1] else [today.replace(day=1), _next_month(today)]
    for month in months:
        if number <= calendar.monthrange(month.year, month.month)[1] and month.replace(day=number) >= today:
            return month.replace(day=number), text[match.end() :]
    raise InvalidWhen(f"{months[-1]:%Y-%m} 没有 {number} 号 / has no day {number}. " + EXAMPLES)


def part_of_day(rest: str) -> TimeOfDay:
    """No clock time: 9:00 as Slack's /remind does, or the part of the day named (明早, tonight 20:00);
    one without a usual hour (下午, afternoon) must say it."""
    match = _PERIOD.match(rest.strip())
    if match is None:
        return TimeOfDay(DEFAULT_TIME, 0, rest)
    word, after = match[1].lower(), rest.strip()[match.end() :]
    if word not in _PERIOD_HOURS:
        raise InvalidWhen(f"「{match[1]}」几点?/ What time in the {word}? " + EXAMPLES)
    if (found := time_of_day(after) or _bare_hour(after)) is None:
        return TimeOfDay(time(_PERIOD_HOURS[word]), 0, after)
    if _PERIOD_HOURS[word] >= 18 and 1 <= found.at.hour < 12 and not found.days_later:
        return TimeOfDay(found.at.replace(hour=found.at.hour + 12), 0, found.rest)
    return TimeOfDay(found.at, found.days_later, found.rest)  # the part of the day said which half


def _bare_hour(text: str) -> TimeOfDay | None:
    """`at 8` after a part of the day (`tomorrow morning at 8`, `tonight at 10`): that part says its half."""
    match = re.match(r"^\s*at\s+(\d{1,2})\b(?![:：.])", text, re.I)
    if match is None or not 1 <= int(match[1]) <= 11:
        return None
    return TimeOfDay(time(int(match[1])), 0, text[match.end() :])


def names_a_day_of_month(text: str) -> bool:
    """Whether a text starts with a day of the month (15号, the 15th, 13th, 月底): a leftover time."""
    return bool(
        _DAY_OF_MONTH.match(text) or _MONTH_END.match(text) or re.match(r"(?i)\d{1,2}(?:st|nd|rd|th)\b", text)
    )

"""When a reminder should fire, as people write it: 10分钟后, tomorrow 9am, 每周五下午4点, every weekday 9:30."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.dates import InvalidDate, parse_date
from bot.domain.errors import OpsbotError
from bot.domain.spaces import normalize_spaces

EXAMPLES = (
    "例如 / e.g.: in 10 minutes · 10分钟后 · tomorrow 9am · 明天上午9点 · 下周一 10:00 · "
    "2026-12-05 09:00 · every Friday 16:00 · 每周五下午4点 · every weekday 9:30"
)


class InvalidWhen(OpsbotError):
    """A time that cannot be read, is in the past, or could mean two things."""


@dataclass(frozen=True)
class OneOff:
    at: datetime  # aware, in the creator's time zone


@dataclass(frozen=True)
class Recurring:
    weekdays: frozenset[int]  # 0 = Monday
    at: time
    workdays_only: bool = False  # China's working days: holidays skipped, make-up days included
    label: str = ""


Schedule = OneOff | Recurring


@dataclass(frozen=True)
class ParsedReminder:
    schedule: Schedule
    text: str
    skip_holidays: bool = field(default=False)


_WEEKDAY_EN = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
               "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}  # fmt: skip
_WEEKDAY_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_CN_NUM = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十一": 11, "十二": 12}  # fmt: skip

# Time of day, English and Chinese (a Chinese input method types the full-width colon "：").
_TIME_EN = re.compile(r"^(?:at\s+)?(\d{1,2})(?:[:：](\d{2}))?\s*(am|pm)?\b", re.IGNORECASE)
_TIME_CN = re.compile(
    r"^(凌晨|早上|上午|中午|下午|傍晚|晚上)?\s*(\d{1,2}|[一二两三四五六七八九十]|十[一二])\s*[点:：](?:(\d{1,2})分?|(半))?"
)
_SKIP = re.compile(r"\s*(,|,)?\s*(skip(ping)? holidays|跳过节假日|节假日跳过)\s*", re.IGNORECASE)

_RELATIVE_EN = re.compile(
    r"^in\s+(\d{1,5})\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?)\b", re.IGNORECASE
)
_RELATIVE_CN = re.compile(
    r"^(\d{1,5}|[一二两三四五六七八九十]+)\s*(秒钟|秒|分钟|小时|个小时|天)(后|以后|之后)"
)
_EVERY_EN = re.compile(
    r"^every\s+(weekday|workday|day|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*)\b", re.IGNORECASE
)
_EVERY_CN = re.compile(r"^(?:每个?(工作日)|每(天)|每日|每(?:周|星期|礼拜)([一二三四五六日天]))")
_DATE_PREFIX = re.compile(
    r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}[日号]?|\d{1,2}月\d{1,2}[日号]?|\d{1,2}/\d{1,2}"
    r"|today|tomorrow|今天|明天|后天|(?:next |this )?(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*"
    r"|(?:下下|下|本|这)?(?:周|星期|礼拜)[一二三四五六日天])",
    re.IGNORECASE,
)


def _cn_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text in _CN_NUM:
        return _CN_NUM[text]
    if text.startswith("十"):
        return 10 + _CN_NUM[text[1:]]
    tens, _, ones = text.partition("十")
    return _CN_NUM[tens] * 10 + (_CN_NUM[ones] if ones else 0)


def _time_of_day(text: str) -> tuple[time, str] | None:
    """(time, rest of text); a bare 1–7 o'clock in Chinese without 上午/下午 is refused as ambiguous."""
    text = text.strip()
    if match := _TIME_CN.match(text):
        period, hour_text, minute_text, half = match.groups()
        hour = _cn_number(hour_text)
        minute = 30 if half else int(minute_text or 0)
        if period in ("下午", "傍晚", "晚上") and hour < 12:
            hour += 12
        if period == "中午" and hour < 6:
            hour += 12
        if hour > 23 or minute > 59:
            raise InvalidWhen(f"{match.group(0)} 不是有效的时间 / is not a valid time.")
        if period is None and 1 <= hour <= 7 and not re.search("[:：]", match.group(0)):
            raise InvalidWhen(
                f"{hour}点是上午还是下午?请写「上午{hour}点」或「下午{hour}点」。/ Is that am or pm?"
            )
        return time(hour, minute), text[match.end() :]
    if match := _TIME_EN.match(text):
        hour, minute, meridiem = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
        if not match[2] and not meridiem:
            return None  # a bare number is not a time
        if meridiem == "pm" and hour < 12:
            hour += 12
        if meridiem == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            raise InvalidWhen(f"{match.group(0)} is not a valid time.")
        return time(hour, minute), text[match.end() :]
    return None


def _strip_skip(text: str) -> tuple[str, bool]:
    found = _SKIP.search(text)
    return (_SKIP.sub(" ", text).strip(), True) if found else (text, False)


def parse_reminder(text: str, now: datetime) -> ParsedReminder:
    """Split `<when> <text>` into a schedule (in `now`'s time zone) and the reminder's text.

    Full-width and other Unicode spaces count as spaces, so the helpers below only meet ASCII ones.
    """
    rest, skip = _strip_skip(normalize_spaces(text).strip())
    tz = now.tzinfo or ZoneInfo("Asia/Shanghai")
    schedule, rest = _recurring(rest) or _relative(rest, now) or _absolute(rest, now)
    message = re.sub(r"^[\s,,::]+|[\s,,::]+$", "", rest)
    if not message:
        raise InvalidWhen("提醒内容是空的 / The reminder has no text. " + EXAMPLES)
    if isinstance(schedule, OneOff):
        at = schedule.at.replace(tzinfo=tz) if schedule.at.tzinfo is None else schedule.at
        if at <= now:
            raise InvalidWhen(f"{at:%Y-%m-%d %H:%M} 已经过去了 / is in the past. " + EXAMPLES)
        schedule = OneOff(at)
    elif skip:
        schedule = Recurring(schedule.weekdays, schedule.at, True, schedule.label)
    return ParsedReminder(schedule, message, skip)


def _recurring(text: str) -> tuple[Schedule, str] | None:
    weekdays: frozenset[int]
    workdays = False
    if match := _EVERY_EN.match(text):
        word = match[1].lower()
        label = f"every {word}"
    elif match := _EVERY_CN.match(text):
        word = "workday" if match[1] else "day" if match[2] else list(_WEEKDAY_EN)[_WEEKDAY_CN[match[3]]]
        label = match.group(0)
    else:
        return None
    if word in ("weekday", "workday"):
        weekdays, workdays = frozenset(range(5)), word == "workday" or match.group(0).startswith("每")
    elif word == "day":
        weekdays = frozenset(range(7))
    else:
        weekdays = frozenset({_WEEKDAY_EN[word[:3]]})
    found = _time_of_day(text[match.end() :])
    if found is None:
        raise InvalidWhen(f"「{match.group(0)}」之后需要一个时间 / needs a time of day. " + EXAMPLES)
    at, rest = found
    return Recurring(weekdays, at, workdays, label), rest


def _relative(text: str, now: datetime) -> tuple[Schedule, str] | None:
    match = _RELATIVE_EN.match(text) or _RELATIVE_CN.match(text)
    if not match:
        return None
    amount = _cn_number(match[1])
    unit = match[2].lower()
    delta = (
        timedelta(seconds=amount) if unit.startswith(("s", "秒")) else
        timedelta(minutes=amount) if unit.startswith(("min", "分")) else
        timedelta(hours=amount) if unit.startswith(("h", "小时", "个小时")) else timedelta(days=amount)
    )  # fmt: skip
    if amount == 0:
        raise InvalidWhen("提醒时间要在将来 / The time must be in the future. " + EXAMPLES)
    return OneOff((now + delta).replace(microsecond=0)), text[match.end() :]


def _absolute(text: str, now: datetime) -> tuple[Schedule, str]:
    day: date | None = None
    rest = text
    if match := _DATE_PREFIX.match(rest):
        try:
            day = parse_date(match.group(0), now.date())
        except InvalidDate as error:
            raise InvalidWhen(str(error)) from None
        rest = rest[match.end() :]
    found = _time_of_day(rest)
    if found is None and day is None:
        raise InvalidWhen("看不懂提醒时间 / Could not read when to remind. " + EXAMPLES)
    if found is None:
        raise InvalidWhen(f"请写上几点提醒 / Please add a time of day for {day}. " + EXAMPLES)
    at, rest = found
    target_day = day or now.date()
    moment = datetime.combine(target_day, at, tzinfo=now.tzinfo)
    if day is None and moment <= now:
        moment += timedelta(days=1)  # "9am" said at 10am means tomorrow
    return OneOff(moment), rest

"""When a reminder should fire, as people write it: 10分钟后, tomorrow 9am, 每周五下午4点, every weekday 9:30."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.dates import (
    CN_NUMERAL,
    CN_WEEKDAYS,
    EN_DAY_NAMES,
    WEEKDAYS,
    InvalidDate,
    date_after_time,
    leading_date,
    parse_date,
    read_number,
)
from bot.domain.errors import OpsbotError
from bot.domain.spaces import normalize_spaces

EXAMPLES = (
    "例如 / e.g.: in 10 minutes · 10分钟后 · tomorrow 9am · 明天上午9点 · 下周一 10:00 · "
    "2026-12-05 09:00 · every Friday 16:00 · 每周五下午4点 · every weekday 9:30"
)
# Further ahead than this is a typo (9999-12-31) or a date no one will be around to see posted.
MAX_YEARS_AHEAD = 5
MAX_AHEAD = timedelta(days=365 * MAX_YEARS_AHEAD + 1)
EVERY_DAY = frozenset(range(7))
MONDAY_TO_FRIDAY = frozenset(range(5))


class InvalidWhen(OpsbotError):
    """A time that cannot be read, is in the past or too far ahead, or could mean two things."""


@dataclass(frozen=True)
class OneOff:
    at: datetime  # aware, in the creator's time zone


@dataclass(frozen=True)
class Recurring:
    """Fires on `weekdays` at `at`; with `workdays_only` nothing is posted on China's days off.

    The one rule for working days (README, "Holiday calendar"): "every weekday", "every workday",
    "工作日" and "每个工作日" all mean China's official calendar, so every day of the week is a
    candidate and the calendar decides: holidays are skipped and make-up workdays (调休, often a
    Saturday) get their reminder. "every Friday … skip holidays" keeps its Friday and skips the
    Fridays that are days off. Rows saved before weekdays and days off were kept apart stored
    working days as Monday–Friday with `workdays_only`; that pair still means working days.
    """

    weekdays: frozenset[int]  # 0 = Monday
    at: time
    workdays_only: bool = False
    label: str = ""

    def __post_init__(self) -> None:
        if self.workdays_only and self.weekdays == MONDAY_TO_FRIDAY:
            object.__setattr__(self, "weekdays", EVERY_DAY)

    @property
    def every_working_day(self) -> bool:
        return self.workdays_only and self.weekdays == EVERY_DAY


Schedule = OneOff | Recurring


@dataclass(frozen=True)
class ParsedReminder:
    schedule: Schedule
    text: str
    skip_holidays: bool = field(default=False)


@dataclass(frozen=True)
class _TimeOfDay:
    at: time
    days_later: int  # 1 when midnight is said as the end of the day named: 晚上12点, midnight
    rest: str


_WORKING_DAY_WORDS = ("weekday", "workday", "working day", "business day")  # and their plurals
_NIGHT = ("晚上", "夜里", "夜间", "半夜", "午夜", "深夜")
_DAY_SECONDS = 86400
_UNIT_SECONDS = ((("s", "秒"), 1), (("m", "分"), 60), (("h", "小时", "个小时", "钟头", "个钟头"), 3600),
                 (("d", "天"), _DAY_SECONDS))  # fmt: skip
_WEEK_SECONDS = 7 * _DAY_SECONDS

# Time of day, English and Chinese (a Chinese input method types the full-width colon "：").
_TIME_EN = re.compile(r"^(?:at\s+)?(\d{1,2})(?:[:：](\d{2}))?\s*(am|pm)?\b", re.IGNORECASE)
_TIME_CN = re.compile(
    rf"^(凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|{'|'.join(_NIGHT)})?\s*(\d{{1,2}}|{CN_NUMERAL})\s*[点:：时]"
    rf"(?:(\d{{1,2}})分?|({CN_NUMERAL})分|({CN_NUMERAL})(?=\s|$|[,,。])|(半)|(一刻)|(三刻))?"
)
_NAMED_TIME = re.compile(
    r"^(?:at\s+)?(noon|midday|midnight)\b|^(中午|午夜)(?!\s*[\d零〇一二两三四五六七八九十])", re.I
)
_SKIP = re.compile(
    r"\s*[,,]?\s*(skip(?:ping)?\s+(?:public\s+)?holidays|except\s+(?:on\s+)?holidays|跳过节假日|节假日跳过"
    r"|节假日除外)\s*",
    re.IGNORECASE,
)
_RELATIVE_EN = re.compile(
    r"^in\s+(\d+|an?|one)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)\b", re.IGNORECASE
)
_RELATIVE_CN = re.compile(
    rf"^(\d+|{CN_NUMERAL}|半)\s*(秒钟|秒|分钟|分|个小时|小时|个钟头|钟头|天|周|个星期|星期)(后|以后|之后)"
)
_EN_DAY_LIST = rf"(?:{EN_DAY_NAMES})(?:\s*(?:,|&|and)\s*(?:{EN_DAY_NAMES}))*"
_EVERY_EN = re.compile(
    rf"^(?:every\s*(weekday|workday|working\s+day|business\s+day|day|{_EN_DAY_LIST})"
    r"|(weekdays|workdays|working\s+days|daily|everyday))\b",
    re.IGNORECASE,
)
_CN_DAY = "(?:周|星期|礼拜)"
_EVERY_CN = re.compile(
    rf"^(?:每个?(工作日)|(工作日)(?:每天)?|每(?:天|日)|每个?{_CN_DAY}([一二三四五六日天](?:[、,,和]?{_CN_DAY}?[一二三四五六日天])*))"
)


def _instant(moment: datetime) -> datetime:
    """The moment on the UTC line: comparing two times of one zone otherwise ignores the fold."""
    return moment.astimezone(UTC)


def _invalid_time(text: str) -> InvalidWhen:
    return InvalidWhen(f"{text} 不是有效的时间 / is not a valid time.")


def _chinese_time(match: re.Match[str], text: str) -> _TimeOfDay:
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
    if hour > 23:
        raise _invalid_time(match.group(0))
    if period is None and 1 <= hour <= 7 and not re.search("[:：]", match.group(0)):
        raise InvalidWhen(
            f"{hour}点是上午还是下午?请写「上午{hour}点」或「下午{hour}点」。/ Is that am or pm?"
        )
    return _TimeOfDay(time(hour, minute), days_later, text[match.end() :])


def _time_of_day(text: str) -> _TimeOfDay | None:
    """The time at the start of text; a bare 1–7 o'clock in Chinese without 上午/下午 is refused as ambiguous."""
    text = text.strip()
    if match := _TIME_CN.match(text):
        return _chinese_time(match, text)
    if match := _TIME_EN.match(text):
        hour, minute, meridiem = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
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
        return _TimeOfDay(time(hour, minute), 0, text[match.end() :])
    if match := _NAMED_TIME.match(text):
        midnight = (match[1] or match[2]).lower() in ("midnight", "午夜")
        return _TimeOfDay(time(0 if midnight else 12), int(midnight), text[match.end() :])
    return None


def _strip_skip(text: str) -> tuple[str, bool]:
    found = _SKIP.search(text)
    return (_SKIP.sub(" ", text).strip(), True) if found else (text, False)


def parse_reminder(text: str, now: datetime) -> ParsedReminder:
    """Split `<when> <text>` into a schedule (in `now`'s time zone) and the reminder's text.

    Every mistake a user can make raises InvalidWhen, whose message is shown as the reply; full-width
    and other Unicode spaces count as spaces, so the helpers below only meet ASCII ones.
    """
    try:
        return _parse(normalize_spaces(text).strip(), now)
    except (OverflowError, ValueError, KeyError):
        # A last guard for a phrase nothing above foresaw: the user gets examples, never a crash.
        raise InvalidWhen("看不懂提醒时间 / Could not read when to remind. " + EXAMPLES) from None


def _parse(text: str, now: datetime) -> ParsedReminder:
    rest, skip = _strip_skip(text)
    if not rest:
        raise InvalidWhen("请写上什么时候提醒什么 / Say when, then what to remind. " + EXAMPLES)
    if now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    schedule, rest = _recurring(rest) or _relative(rest, now) or _absolute(rest, now)
    message = re.sub(r"^[\s,,::]+|[\s,,::]+$", "", rest)
    if not message:
        raise InvalidWhen("提醒内容是空的 / The reminder has no text. " + EXAMPLES)
    if isinstance(schedule, OneOff):
        schedule = OneOff(_checked_moment(schedule.at, now))
    elif skip:
        schedule = Recurring(schedule.weekdays, schedule.at, True, schedule.label)
    return ParsedReminder(schedule, message, skip)


def _too_far(shown: object) -> InvalidWhen:
    return InvalidWhen(
        f"{shown} 太远了,提醒最多设在 {MAX_YEARS_AHEAD} 年内 / is more than {MAX_YEARS_AHEAD} years ahead."
    )


def _checked_moment(at: datetime, now: datetime) -> datetime:
    """A real instant on the creator's clock, in the future and within MAX_AHEAD."""
    if at.replace(tzinfo=None) - now.replace(tzinfo=None) > MAX_AHEAD:
        raise _too_far(f"{at:%Y-%m-%d}")
    if _instant(at) <= _instant(now):
        raise InvalidWhen(f"{at:%Y-%m-%d %H:%M} 已经过去了 / is in the past. " + EXAMPLES)
    # A time skipped when clocks go forward (02:30 on the day they jump) is the instant it becomes.
    return _instant(at).astimezone(at.tzinfo)


def _recurring(text: str) -> tuple[Schedule, str] | None:
    if match := _EVERY_EN.match(text):
        word = " ".join((match[1] or match[2]).lower().split())
        workdays = word.removesuffix("s") in _WORKING_DAY_WORDS
        named = frozenset(WEEKDAYS[name] for name in re.findall(r"[a-z]+", word) if name in WEEKDAYS)
        weekdays = EVERY_DAY if workdays or word in ("day", "daily", "everyday") else named
    elif match := _EVERY_CN.match(text):
        workdays = bool(match[1] or match[2])
        weekdays = frozenset(CN_WEEKDAYS[c] for c in match[3] if c in CN_WEEKDAYS) if match[3] else EVERY_DAY
    else:
        return None
    found = _time_of_day(text[match.end() :])
    if found is None:
        raise InvalidWhen(f"「{match.group(0)}」之后需要一个时间 / needs a time of day. " + EXAMPLES)
    if found.days_later:
        if workdays:
            raise InvalidWhen(
                "工作日的午夜说不清是哪天:请写「晚上11点59」或「凌晨0点」/ Midnight on working days is "
                "unclear: say 23:59 or 00:00."
            )
        weekdays = frozenset((day + 1) % 7 for day in weekdays)
    return Recurring(weekdays, found.at, workdays, match.group(0)), found.rest


def _relative(text: str, now: datetime) -> tuple[Schedule, str] | None:
    match = _RELATIVE_EN.match(text) or _RELATIVE_CN.match(text)
    if not match:
        return None
    unit = next(
        (seconds for names, seconds in _UNIT_SECONDS if match[2].lower().startswith(names)), _WEEK_SECONDS
    )
    amount_text = match[1].lower()
    if amount_text == "半":  # 半小时后: half of the unit
        amount_text, unit = "1", unit // 2
    amount = 1 if amount_text in ("a", "an", "one") else read_number(amount_text)
    if amount is None:
        raise InvalidWhen(f"「{match[1]}」不是一个数 / {match[1]!r} is not a number. " + EXAMPLES)
    if amount == 0:
        raise InvalidWhen("提醒时间要在将来 / The time must be in the future. " + EXAMPLES)
    if amount * unit > MAX_AHEAD.total_seconds():
        raise _too_far(match.group(0))
    moment, rest = now + timedelta(seconds=amount * unit), text[match.end() :]
    if unit >= _DAY_SECONDS and (found := _time_of_day(rest)):  # 3天后上午9点: that day, at that time
        day = moment.date() + timedelta(days=found.days_later)
        return OneOff(datetime.combine(day, found.at, tzinfo=now.tzinfo)), found.rest
    return OneOff(moment.replace(microsecond=0)), rest


def _read_day(text: str, now: datetime) -> date:
    try:
        day = parse_date(text, now.date())
    except InvalidDate as error:
        raise InvalidWhen(str(error)) from None
    if day - now.date() > MAX_AHEAD:
        raise _too_far(day)
    return day


def _absolute(text: str, now: datetime) -> tuple[Schedule, str]:
    day: date | None = None
    rest = text
    if dated := leading_date(text):
        day, rest = _read_day(dated[0], now), dated[1]
    found = _time_of_day(rest)
    if found and day is None and (after := date_after_time(found.rest)):
        day, found = _read_day(after[0], now), _TimeOfDay(found.at, found.days_later, after[1])
    if found is None and day is None:
        if re.match(r"(?i)every\b|每", text):
            raise InvalidWhen(
                "重复提醒可以是每天、每个工作日或每周几(不支持每月、每隔几天)/ Repeats can be every day, every "
                "weekday or every Friday; monthly and every-N-days are not supported. " + EXAMPLES
            )
        raise InvalidWhen("看不懂提醒时间 / Could not read when to remind. " + EXAMPLES)
    if found is None:
        raise InvalidWhen(f"请写上几点提醒 / Please add a time of day for {day}. " + EXAMPLES)
    moment = datetime.combine(
        (day or now.date()) + timedelta(days=found.days_later), found.at, tzinfo=now.tzinfo
    )
    if _instant(moment) <= _instant(now) < _instant(moment.replace(fold=1)):
        moment = moment.replace(fold=1)  # the repeated hour after clocks go back: its second pass
    if day is None and _instant(moment) <= _instant(now):
        moment += timedelta(days=1)  # "9am" said at 10am means tomorrow
    return OneOff(moment), found.rest

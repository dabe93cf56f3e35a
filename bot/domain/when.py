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
    MONTHS,
    WEEKDAYS,
    InvalidDate,
    date_after_time,
    leading_date,
    parse_date,
    read_number,
)
from bot.domain.recurrence import EVERY_DAY as EVERY_DAY  # callers import the schedule types from here
from bot.domain.recurrence import MONDAY_TO_FRIDAY as MONDAY_TO_FRIDAY
from bot.domain.recurrence import OneOff as OneOff
from bot.domain.recurrence import Recurring as Recurring
from bot.domain.recurrence import Rule, due_on
from bot.domain.recurrence import Schedule as Schedule
from bot.domain.repeats import NoDayNamed, Repeat, UnclearRepeat, read_repeat
from bot.domain.rewordings import holiday_as_date, in_minutes
from bot.domain.said_times import (
    EXAMPLES,
    TimeOfDay,
    month_words,
    names_a_day_of_month,
    part_of_day,
    time_of_day,
)
from bot.domain.said_times import (
    InvalidWhen as InvalidWhen,  # where callers import it from
)
from bot.domain.spaces import normalize_spaces

# Further ahead than this is a typo (9999-12-31) or a date no one will be around to see posted.
MAX_YEARS_AHEAD = 5
MAX_AHEAD = timedelta(days=365 * MAX_YEARS_AHEAD + 1)


@dataclass(frozen=True)
class ParsedReminder:
    schedule: Schedule
    text: str
    skip_holidays: bool = field(default=False)


_WORKING_DAY_WORDS = ("weekday", "workday", "working day", "business day")  # and their plurals
_DAY_SECONDS = 86400
_UNIT_SECONDS = ((("s", "秒"), 1), (("m", "分"), 60), (("h", "小时", "个小时", "钟头", "个钟头"), 3600),
                 (("d", "天"), _DAY_SECONDS))  # fmt: skip
_WEEK_SECONDS = 7 * _DAY_SECONDS

_SKIP = re.compile(
    r"\s*[,,]?\s*(skip(?:ping)?\s+(?:public\s+)?holidays|except\s+(?:on\s+)?holidays|跳过节假日|节假日跳过"
    r"|节假日除外)\s*",
    re.IGNORECASE,
)
_RELATIVE_EN = re.compile(
    r"^in\s+(\d+|an?|one)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\b", re.IGNORECASE
)
_RELATIVE_CN = re.compile(
    rf"^(\d+|{CN_NUMERAL}|半)\s*(秒钟|秒|分钟|分|个小时|小时|个钟头|钟头|天|周|个星期|星期|个半小时|个半钟头|个月)(后|以后|之后)"
)
# A part of today said after the time: at 10pm tonight, at 5:15 this afternoon.
_LATER_TODAY = re.compile(r"^\s*(?:(tonight)|this\s+(morning|afternoon|evening))\b", re.I)
# `Friday, December 4`: the weekday is checked against the date, not read as a second day.
_MONTH_NAMES = "|".join(MONTHS)
_WEEKDAY_THEN_DATE = re.compile(
    rf"^(?:on\s+)?({EN_DAY_NAMES}),?\s+(?=(?:{_MONTH_NAMES})\b|\d{{4}}-|\d{{1,2}}/\d"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH_NAMES})\b)",
    re.I,
)
_QUOTED = re.compile(r'["“”「](.+?)["“”」]')
_TRAILING = re.compile(r"^(?:to\s|提醒)", re.I)
_TODAYS_DAY = re.compile(
    r"^(?:(?:every|each)\s+(week)|(?:every|each)\s+month|monthly|每个?月|(每周|每个?星期))"
    r"(?=\s*(?:at\s|\d|[上下早晚中凌]|$))",
    re.I,
)
# A text that ends with a day or part of a day when the time was said after it (`to x in March at 3pm`).
_DANGLING = re.compile(
    rf"(?:\b(?:{EN_DAY_NAMES}|{'|'.join(MONTHS)}|today|tomorrow|tonight|week|month|year|weekend|morning|afternoon"
    rf"|evening|night|next|this|and|or|\d{{1,2}}(?::\d{{2}})?\s*(?:am|pm))|&|(?:下下?|本|这个?|上)?(?:周|星期|礼拜)[一二三四五六日天]?|今天|明天|后天|下个?月"
    r"|月底|早上|晚上|上午|下午|中午|凌晨|今晚|明早|明晚|[点和及或、])\s*$"
    r"|\b(?:of|before|until|till|\d{1,2}(?:st|nd|rd|th)|o['’]?clock)\s*$",
    re.I,
)
_TONIGHT = re.compile(r"^(?:tonight|this\s+evening)\b", re.I)
_BARE_WEEKDAY = re.compile(rf"^(?:on\s+)?(?:{EN_DAY_NAMES})$|^(?:周|星期|礼拜)[一二三四五六日天]$", re.I)
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
    text, skip = _strip_skip(text)
    if not text:
        raise InvalidWhen("请写上什么时候提醒什么 / Say when, then what to remind. " + EXAMPLES)
    if now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    schedule, message = _split(text, now)
    if not message:
        raise InvalidWhen("提醒内容是空的 / The reminder has no text. " + EXAMPLES)
    if re.match(r"^(?:之?前|以前)", message):
        raise InvalidWhen(
            "「…前」是截止时间,请说什么时候提醒 / That is a deadline: say when to remind. " + EXAMPLES
        )
    if _starts_with_when(message):
        raise InvalidWhen(
            f"「{message[:40]}」里还有一个时间,说不清是哪一个 / Two times were given; say one. " + EXAMPLES
        )
    if isinstance(schedule, OneOff):
        schedule = OneOff(_checked_moment(schedule.at, now))
    elif skip:
        schedule = Recurring(schedule.weekdays, schedule.at, True, schedule.label, schedule.rule)
    return ParsedReminder(schedule, message, skip)


def _clean(text: str) -> str:
    """The reminder's words without the glue around them: "to …", "提醒我…", punctuation."""
    text = re.sub(r"^[\s,,::]+|[\s,,::。]+$", "", text)
    text = re.sub(r"^(?:to\s+|提醒(?:我|一下|大家)?\s*)", "", text, flags=re.I)
    return re.sub(r"^[\s,,::]+", "", text)


def _split(text: str, now: datetime) -> tuple[Schedule, str]:
    """(schedule, text) from `<when> <text>`, `"<text>" <when>`, `to <text> <when>` or `提醒我<text> <when>`."""
    if quoted := _QUOTED.search(text):
        outside = (text[: quoted.start()] + " " + text[quoted.end() :]).strip()
        return _whole_when(outside, now), quoted[1].strip()
    if _TRAILING.match(text):
        return _when_after_ask(text, now) or _when_at_end(text, now)
    schedule, rest = _read_when(text, now)
    return schedule, _clean(rest)


def _whole_when(text: str, now: datetime) -> Schedule:
    """A text that must be a time and nothing else."""
    schedule, rest = _read_when(text, now)
    if _clean(rest):
        raise InvalidWhen(f"看不懂「{_clean(rest)[:40]}」/ Could not read {_clean(rest)[:40]!r}. " + EXAMPLES)
    return schedule


def _when_after_ask(text: str, now: datetime) -> tuple[Schedule, str] | None:
    """`提醒我明天上午十点开会`, as WeChat and DingTalk take it: the time right after 提醒我. None when
    no time is there; refused when the end is a time too (`提醒我明天开会 下午3点`: which one?)."""
    ask = re.match(r"^提醒(?:我一下|我|一下|大家)?\s*", text)
    if ask is None or not text[ask.end() :]:
        return None
    try:
        schedule, rest = _read_when(text[ask.end() :], now)
        if rest.startswith("的"):  # 提醒我明天的材料 周五下午3点: the day is part of the text
            return None
    except InvalidWhen as error:
        if str(error).startswith("看不懂"):
            return None
        raise
    try:
        _when_at_end(text, now)
    except InvalidWhen:
        return schedule, _clean(rest)
    raise InvalidWhen("前后各有一个时间,说不清是哪一个 / Two times were given; say one. " + EXAMPLES)


def _when_at_end(text: str, now: datetime) -> tuple[Schedule, str]:
    """`to submit the report at 3pm every day`: the longest ending that is a time and nothing else."""
    for cut in range(1, len(text)):
        before, after = text[cut - 1], text[cut]
        if not (before == " " or not before.isascii() or not after.isascii()) or after == " ":
            continue
        message = _clean(text[:cut])
        if not message:
            continue
        try:
            schedule = _whole_when(text[cut:], now)
        except InvalidWhen as error:
            if not str(error).startswith("看不懂"):
                raise  # the longest ending that names a time decides: a shorter one would misread it
            continue
        if _DANGLING.search(message):
            raise InvalidWhen(
                f"「{message[-30:]}」里还有一个日子,说不清是哪天 / Part of the time is in the text: say it in "
                "one place. " + EXAMPLES
            )
        return schedule, message
    raise InvalidWhen("看不懂提醒时间 / Could not read when to remind. " + EXAMPLES)


def _starts_with_when(message: str) -> bool:
    """Text that begins with another time: `at 3pm every day` read as a one-off would leave `every day`,
    `every Monday at 9am and 5pm` would leave `and 5pm`."""
    message = re.sub(r"^(?:(?:and|or|&|plus)\s+|和|及|或|以及|、)\s*", "", message, flags=re.I)
    try:
        return bool(
            leading_date(message)
            or time_of_day(message)
            or re.match(
                r"(?i)at\s+\d|(?:every|each)\b|每(?:天|日|周|星期|礼拜|月|年|隔|个|晚|早|小时|\d|[一两二三四五六七八九十])",
                message,
            )
            or names_a_day_of_month(message)
            or _RELATIVE_EN.match(message)
            or _RELATIVE_CN.match(message)
            or _repeat_head(message, None)
        )
    except (InvalidWhen, UnclearRepeat):
        return True


def _read_when(text: str, now: datetime) -> tuple[Schedule, str]:
    return _recurring(text, now) or _relative(text, now) or _absolute(text, now)


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


def _repeat_head(text: str, now: datetime | None) -> tuple[Repeat, str] | None:
    """The repeat a text starts with; `every month` alone is on today's day of the month (`now`)."""
    text = re.sub(r"^每晚", "每天晚上", re.sub(r"^每早", "每天早上", holiday_as_date(text)))
    # every night at 11pm, every morning: every day, at that part of it
    text = re.sub(r"(?i)^(?:every|each)\s+(?:night|evening)\b", "every day evening", text)
    text = re.sub(r"(?i)^(?:every|each)\s+morning\b", "every day morning", text)
    try:
        if found := read_repeat(text):
            return found
    except NoDayNamed as error:
        if now is None or not (match := _TODAYS_DAY.match(text)):
            raise InvalidWhen(str(error)) from None
        if match[1] or match[2]:
            return Repeat("WEEKLY", match.group(0), frozenset({now.weekday()})), text[match.end() :]
        if now.day > 28:
            raise InvalidWhen(
                f"{error} ({now.day}号不是每个月都有 / not every month has a day {now.day})"
            ) from None
        return Repeat("MONTHLY", match.group(0), month_day=now.day), text[match.end() :]
    except UnclearRepeat as error:
        raise InvalidWhen(f"{error} " + EXAMPLES) from None
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
    freq = "DAILY" if weekdays == EVERY_DAY else "WEEKLY"
    return Repeat(freq, match.group(0), weekdays, workdays=workdays), text[match.end() :]


def _recurring(text: str, now: datetime) -> tuple[Schedule, str] | None:
    """`every Friday 16:00`, and Slack's time-first order: `at 3pm every day`."""
    said_first = None
    head = _repeat_head(text, now)
    if head is None:
        said_first = time_of_day(text)
        head = _repeat_head(said_first.rest.strip(), now) if said_first else None
        if head is None:
            return None
    repeat, rest = head
    found = said_first or time_of_day(rest) or part_of_day(rest)
    if said_first is None:
        rest = found.rest
    if found.days_later:
        if repeat.workdays or repeat.freq not in ("DAILY", "WEEKLY") or repeat.interval > 1:
            raise InvalidWhen(
                "这个重复的午夜说不清是哪天:请写「晚上11点59」或「凌晨0点」/ Midnight here is unclear: say "
                "23:59 or 00:00."
            )
        repeat = Repeat(repeat.freq, repeat.label, frozenset((day + 1) % 7 for day in repeat.weekdays))
    return _schedule(repeat, found.at, now), rest


def _schedule(repeat: Repeat, at: time, now: datetime) -> Recurring:
    if repeat.freq in ("DAILY", "WEEKLY") and repeat.interval == 1:
        weekdays = EVERY_DAY if repeat.freq == "DAILY" else repeat.weekdays
        return Recurring(weekdays, at, repeat.workdays, repeat.label)
    start = None
    if repeat.interval > 1:  # every other week counts from the first time it fires
        zone = now.tzinfo if isinstance(now.tzinfo, ZoneInfo) else ZoneInfo("UTC")
        start = next(
            day
            for day in (now.date() + timedelta(days=n) for n in range(8))
            if day.weekday() in repeat.weekdays and _instant(due_on(day, at, zone)) > _instant(now)
        )
    rule = Rule(
        repeat.freq, at, repeat.weekdays, repeat.month_day, repeat.month, repeat.interval,
        repeat.last_of_month, start, repeat.nth,
    )  # fmt: skip
    return Recurring(workdays_only=repeat.workdays, label=repeat.label, rule=rule.text())


def _months_later(now: datetime, months: int) -> datetime:
    """The same day and time `months` later (in a month, 一个月后); a day that month lacks is refused."""
    year, month = divmod(now.month - 1 + months, 12)
    try:
        return now.replace(year=now.year + year, month=month + 1)
    except ValueError:
        raise InvalidWhen(
            f"{now.year + year}-{month + 1:02d} 没有 {now.day} 号 / has no day {now.day}: say the date. "
            + EXAMPLES
        ) from None


def _relative(text: str, now: datetime) -> tuple[Schedule, str] | None:
    text = in_minutes(text)
    match = _RELATIVE_EN.match(text) or _RELATIVE_CN.match(text)
    if not match:
        return None
    unit = next(
        (seconds for names, seconds in _UNIT_SECONDS if match[2].lower().startswith(names)), _WEEK_SECONDS
    )
    amount_text = match[1].lower()
    if amount_text == "半":  # 半小时后: half of the unit
        amount_text, unit = "1", unit // 2
    elif match[2].startswith("个半"):  # 1个半小时后: an hour and a half per one
        number = read_number(amount_text)
        amount_text, unit = str(number * 2 + 1) if number is not None else amount_text, 1800
    amount = 1 if amount_text in ("a", "an", "one") else read_number(amount_text)
    if amount is None:
        raise InvalidWhen(f"「{match[1]}」不是一个数 / {match[1]!r} is not a number. " + EXAMPLES)
    if amount == 0:
        raise InvalidWhen("提醒时间要在将来 / The time must be in the future. " + EXAMPLES)
    if match[2].lower().startswith("month") or match[2] == "个月":
        if match[1] == "半":  # 半个月: 15 days, two weeks or until the middle of the month
            raise InvalidWhen("半个月是几天?请写「15天后」或「两周后」/ Say 15 days or 2 weeks. " + EXAMPLES)
        if amount > 12 * MAX_YEARS_AHEAD:
            raise _too_far(match.group(0))
        return _relative_days(_months_later(now, amount), text[match.end() :])
    if amount * unit > MAX_AHEAD.total_seconds():
        raise _too_far(match.group(0))
    moment, rest = now + timedelta(seconds=amount * unit), text[match.end() :]
    if unit >= _DAY_SECONDS:
        return _relative_days(moment, rest)
    real = _instant(now) + timedelta(seconds=amount * unit)  # hours and minutes: real time, also across DST
    return OneOff(real.astimezone(now.tzinfo).replace(microsecond=0)), rest


def _relative_days(moment: datetime, rest: str) -> tuple[Schedule, str]:
    """Days, weeks or months later: at the time said after (3天后上午9点), else at this time of day."""
    if found := time_of_day(rest):
        day = moment.date() + timedelta(days=found.days_later)
        return OneOff(datetime.combine(day, found.at, tzinfo=moment.tzinfo)), found.rest
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
    text = re.sub(r"^on\s+(?=\d)", "", holiday_as_date(text), flags=re.I)
    weekday_said = None
    if said := _WEEKDAY_THEN_DATE.match(text):
        weekday_said, text = WEEKDAYS[said[1].lower()], text[said.end() :]
    day: date | None = None
    rest, named_day, evening = text, "", False
    if in_month := month_words(text, now):
        day, rest = in_month
    elif tonight := _TONIGHT.match(text):
        day, rest, evening = now.date(), text[tonight.end() :], True
    elif dated := leading_date(text):
        day, rest, named_day = _read_day(dated[0], now), dated[1], dated[0]
    found = time_of_day(rest)
    if found and day is None and (after := date_after_time(found.rest)):
        day, named_day = _read_day(after[0], now), after[0]
        found = TimeOfDay(found.at, found.days_later, after[1])
    elif found and day is None and not found.days_later and (later := _LATER_TODAY.match(found.rest)):
        day, hour = now.date(), found.at.hour
        if later[2] and later[2].lower() == "morning":
            if hour >= 12:
                raise InvalidWhen(f"{found.at:%H:%M} 不在上午 / is not in the morning. " + EXAMPLES)
        elif 1 <= hour < 12:
            hour += 12  # at 5:15 this afternoon, at 10 tonight
        found = TimeOfDay(found.at.replace(hour=hour), 0, found.rest[later.end() :])
    if found is None and day is None:
        if re.match(r"(?i)every\b|每", text):
            raise InvalidWhen(
                "看不懂这个重复:可以是每天、每个工作日、每周几、每隔一周、每月几号或每年几月几日(不支持每隔几天)/ "
                "Could not read the repeat; every-N-days is not supported. " + EXAMPLES
            )
        raise InvalidWhen("看不懂提醒时间 / Could not read when to remind. " + EXAMPLES)
    if weekday_said is not None and (day is None or day.weekday() != weekday_said):
        raise InvalidWhen(
            f"星期和日期对不上 / The weekday does not match the date{f' ({day:%A %Y-%m-%d})' if day else ''}. "
            + EXAMPLES
        )
    if found is None:
        found = part_of_day(("晚上" if evening else "") + rest)
    elif evening and 1 <= found.at.hour < 12 and not found.days_later:
        found = TimeOfDay(found.at.replace(hour=found.at.hour + 12), 0, found.rest)
    moment = datetime.combine(
        (day or now.date()) + timedelta(days=found.days_later), found.at, tzinfo=now.tzinfo
    )
    if _instant(moment) <= _instant(now) < _instant(moment.replace(fold=1)):
        moment = moment.replace(fold=1)  # the repeated hour after clocks go back: its second pass
    if day is None and _instant(moment) <= _instant(now):
        moment += timedelta(days=1)  # "9am" said at 10am means tomorrow
    if _instant(moment).astimezone(moment.tzinfo).replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise InvalidWhen(
            f"{moment:%Y-%m-%d %H:%M} 这个时间因夏令时不存在 / does not exist on that day (the clocks "
            "jump over it): say the hour after or before. " + EXAMPLES
        )
    if _BARE_WEEKDAY.match(named_day.strip()) and day and (day - now.date()).days == 7:
        same_day = datetime.combine(now.date(), found.at, tzinfo=now.tzinfo) + timedelta(
            days=found.days_later
        )
        if _instant(same_day) > _instant(now):
            moment = same_day  # "Wednesday 3pm" said on a Wednesday morning is today
    return OneOff(moment), found.rest

"""How a repeating reminder starts, as people say it: every Mon, Wed and Fri, 每隔一周周二, 每月15号,
每月最后一个工作日, every year on March 8. The time of day is read after (or before) by `when`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.dates import CN_NUMERAL, CN_WEEKDAYS, EN_DAY_NAMES, MONTHS, WEEKDAYS, read_number
from bot.domain.recurrence import EVERY_DAY, LAST


@dataclass(frozen=True)
class Repeat:
    """A repeat without its time of day: the parts of a Rule, whether only working days count, and
    the words it was read from (the label)."""

    freq: str
    label: str
    weekdays: frozenset[int] = frozenset()
    month_day: int | None = None
    month: int | None = None
    interval: int = 1
    last_of_month: bool = False
    workdays: bool = False
    nth: int | None = None


class UnclearRepeat(ValueError):
    """A repeat with a day that not every month (year) has, or that is no day: refused, never guessed."""


class NoDayNamed(UnclearRepeat):
    """A repeat that names no day at all (every month at 9am): `when` may read it as today's day."""


_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_EN_DAYS = rf"((?:{EN_DAY_NAMES})s?(?:\s*(?:,\s*and|,|&|and)\s*(?:{EN_DAY_NAMES})s?)*)"
_EN_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_EN_MONTH_DAY = rf"(?:({_EN_MONTH})\.?\s+{_ORDINAL}|{_ORDINAL}\s+(?:of\s+)?({_EN_MONTH})\.?)"
_EVERY = r"(?:every|each)"
_CN_DAY = "(?:周|星期|礼拜)"
_CN_DAYS = rf"{_CN_DAY}([一二三四五六日天](?:[、,,和及]?{_CN_DAY}?[一二三四五六日天])*)"
_CN_NUMBER = rf"(\d{{1,2}}|{CN_NUMERAL})"
_WORKING = r"(?:working|business|work)\s+day"

_NTH = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1,
        "一": 1, "1": 1, "二": 2, "2": 2, "三": 3, "3": 3, "四": 4, "4": 4, "最后一": -1}  # fmt: skip
_EN_NTH = "(first|second|third|fourth|last|1st|2nd|3rd|4th)"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("nth", re.compile(rf"^(?:(?:on\s+)?the\s+{_EN_NTH}\s+({EN_DAY_NAMES})\s+of\s+{_EVERY}\s+month|{_EVERY}\s+month\s+on\s+the\s+{_EN_NTH}\s+({EN_DAY_NAMES})|{_EVERY}\s+{_EN_NTH}\s+({EN_DAY_NAMES})(?:\s+of\s+(?:the|every|each)\s+month)?)\b", re.I)),
    ("nth", re.compile(rf"^每个?月的?(?:第([一二三四1-4])|(最后一))个{_CN_DAY}([一二三四五六日天])")),
    ("range", re.compile(rf"^每个?{_CN_DAY}([一二三四五六日天])\s*[至到~-]\s*{_CN_DAY}?([一二三四五六日天])")),
    ("range", re.compile(rf"^(?:{_EVERY}\s+)?({EN_DAY_NAMES})\s*(?:-|to|through|thru)\s*({EN_DAY_NAMES})\b", re.I)),
    ("plural", re.compile(rf"^(?:on\s+|every\s+)?((?:{EN_DAY_NAMES})s(?:\s*(?:,\s*and|,|&|and)\s*(?:{EN_DAY_NAMES})s)*)\b", re.I)),
    ("biweekly", re.compile(rf"^(?:{_EVERY}\s+(?:other|2|two)\s+weeks?\s+on\s+|{_EVERY}\s+other\s+|(?:bi-?weekly|fortnightly)\s+on\s+){_EN_DAYS}\b", re.I)),
    ("biweekly", re.compile(rf"^(?:每隔一周|隔周|每两周|每隔两周|双周)的?{_CN_DAYS}")),
    ("weekly", re.compile(rf"^(?:{_EVERY}\s+(?:week\s+on\s+)?|weekly\s+on\s+){_EN_DAYS}\b", re.I)),
    ("last_workday", re.compile(rf"^(?:on\s+)?the\s+last\s+{_WORKING}\s+of\s+{_EVERY}\s+month\b|^{_EVERY}\s+month\s+on\s+the\s+last\s+{_WORKING}\b|^monthly\s+on\s+the\s+last\s+{_WORKING}\b", re.I)),
    ("last_workday", re.compile(r"^每个?月的?最后一个工作日")),
    ("month_end", re.compile(rf"^(?:(?:at|on)\s+)?the\s+(?:end|last\s+day)\s+of\s+{_EVERY}\s+month\b|^(?:at\s+the\s+)?end\s+of\s+{_EVERY}\s+month\b|^{_EVERY}\s+month\s+on\s+the\s+last\s+day\b|^monthly\s+on\s+the\s+last\s+day\b", re.I)),
    ("month_end", re.compile(r"^每个?月的?(?:最后一天|月底|底)")),
    ("monthly", re.compile(rf"^(?:{_EVERY}\s+month\s+on\s+(?:the\s+)?|monthly\s+on\s+(?:the\s+)?){_ORDINAL}\b|^(?:on\s+)?the\s+{_ORDINAL}\s+of\s+{_EVERY}\s+month\b", re.I)),
    ("monthly", re.compile(rf"^每个?月的?{_CN_NUMBER}[号日]")),
    ("monthly", re.compile(rf"^{_EVERY}\s+(\d{{1,2}})(?:st|nd|rd|th)\b(?!\s+(?:of|week|day|month|year|{EN_DAY_NAMES})\b)", re.I)),
    ("yearly", re.compile(rf"^(?:{_EVERY}\s+year\s+on\s+|(?:yearly|annually)\s+on\s+|{_EVERY}\s+(?=(?:{_EN_MONTH})\b)){_EN_MONTH_DAY}\b", re.I)),
    ("yearly", re.compile(rf"^每年的?{_CN_NUMBER}月{_CN_NUMBER}[日号]")),
]  # fmt: skip
# A repeat that names no day: refused with the forms that do.
_NO_DAY = re.compile(
    rf"^(?:{_EVERY}\s+(?:month|year|other\s+week|2\s+weeks|two\s+weeks|week)\b"
    r"|(?:monthly|yearly|annually|biweekly|fortnightly|weekly)\b(?!\s+(?!at\b|on\b|skip)[a-z])|每个?月|每年|每隔一周|隔周|每两周|每周(?![一二三四五六日天])|每个?星期(?![一二三四五六日天]))",
    re.I,
)
NO_DAY_HELP = (
    "请说是哪一天 / Say which day: every month on the 15th · 每月15号 · every other Tuesday · 每隔一周周二 · "
    "every year on March 8 · 每年3月8日 · 每月最后一个工作日 · end of every month"
)


def _en_weekdays(words: str) -> frozenset[int]:
    names = (
        word if word in WEEKDAYS else word.removesuffix("s") for word in re.findall(r"[a-z]+", words.lower())
    )
    return frozenset(WEEKDAYS[name] for name in names if name in WEEKDAYS)


def _number(text: str) -> int:
    number = read_number(text)
    if number is None:
        raise UnclearRepeat(f"「{text}」不是一个数 / {text!r} is not a number.")
    return number


def _day_of_month(text: str) -> int:
    day = _number(text)
    if not 1 <= day <= 31:
        raise UnclearRepeat(f"{day} 不是一个月里的日子 / {day} is not a day of the month.")
    if day > 28:
        raise UnclearRepeat(
            f"不是每个月都有 {day} 号:请写「每月最后一天」或更早的日子 / Not every month has a day {day}: "
            "say 'end of every month' or an earlier day."
        )
    return day


def _yearly(month: int, day: int) -> Repeat | None:
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise UnclearRepeat(f"{month}/{day} 不是一个日期 / is not a date.")
    if (month, day) == (2, 29) or day > (30 if month in (4, 6, 9, 11) else 29 if month == 2 else 31):
        raise UnclearRepeat(f"{month}月{day}日不是每年都有 / {month}/{day} is not in every year.")
    return None


def read_repeat(text: str) -> tuple[Repeat, str] | None:
    """(the repeat a text starts with, the rest), or None when it starts with no repeat.

    Daily and working-day repeats are read by `when` itself (they keep their older wording); this
    reads the weekly, every-other-week, monthly and yearly ones. Raises UnclearRepeat when a repeat
    names no day or a day not every month (year) has.
    """
    for kind, pattern in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        label, rest = match.group(0), text[match.end() :]
        if kind == "nth":
            nth_word, day_word = [group for group in match.groups() if group]
            day = CN_WEEKDAYS[day_word] if day_word in CN_WEEKDAYS else WEEKDAYS[day_word.lower()]
            return Repeat("MONTHLY", label, frozenset({day}), nth=_NTH[nth_word.lower()]), rest
        if kind == "range":
            first, last = (
                CN_WEEKDAYS.get(word) if word in CN_WEEKDAYS else WEEKDAYS[word.lower()]
                for word in match.groups()
            )
            if first is None or last is None or last <= first:
                raise UnclearRepeat(f"「{label}」不是一段从前到后的日子 / is not a range of days.")
            days = frozenset(range(first, last + 1))
            return (Repeat("DAILY", label) if days == EVERY_DAY else Repeat("WEEKLY", label, days)), rest
        if kind == "plural":
            return Repeat("WEEKLY", label, _en_weekdays(match[1])), rest
        if kind in ("weekly", "biweekly"):
            days = (
                frozenset(CN_WEEKDAYS[c] for c in match[1] if c in CN_WEEKDAYS)
                if re.match("[一二三四五六日天]", match[1])
                else _en_weekdays(match[1])
            )
            if kind == "weekly" and days == EVERY_DAY:
                return Repeat("DAILY", label), rest
            return Repeat("WEEKLY", label, days, interval=2 if kind == "biweekly" else 1), rest
        if kind == "last_workday":
            return Repeat("MONTHLY", label, EVERY_DAY, last_of_month=True, workdays=True), rest
        if kind == "month_end":
            return Repeat("MONTHLY", label, month_day=LAST), rest
        if kind == "monthly":
            return Repeat("MONTHLY", label, month_day=_day_of_month(match[1] or match[2])), rest
        groups = [group for group in match.groups() if group]
        if groups[0].isalpha() and groups[0].lower() in MONTHS:
            month, day = MONTHS[groups[0].lower()], _number(groups[1])
        elif len(groups) == 2 and groups[1].lower() in MONTHS:
            month, day = MONTHS[groups[1].lower()], _number(groups[0])
        else:
            month, day = _number(groups[0]), _number(groups[1])
        _yearly(month, day)
        return Repeat("YEARLY", label, month_day=day, month=month), rest
    if _NO_DAY.match(text):
        raise NoDayNamed(NO_DAY_HELP)
    return None

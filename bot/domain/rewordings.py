"""Other products' words for a time, rewritten to the ones `when` reads: Slack's and Siri's `in 2 hours and
30 minutes`, `in half an hour`, WeChat's `一刻钟后`, and holidays on a fixed date (元旦, Christmas)."""

from __future__ import annotations

import re

from bot.domain.dates import CN_NUMERAL, read_number

# Durations said in two parts or as a fraction, rewritten to minutes: in 2 hours and 30 minutes,
# in 1.5 hours, in half an hour, 2小时30分钟后, 一刻钟后.
_HOURS_AND_MINUTES = (
    (
        re.compile(r"^in\s+(\d+)\s*(?:hours?|hrs?)\s*(?:,|and)?\s*(\d+)\s*(?:minutes?|mins?)\b", re.I),
        "in {} minutes",
    ),
    (
        re.compile(rf"^(\d+|{CN_NUMERAL})\s*个?(?:小时|钟头)零?(\d+|{CN_NUMERAL})\s*分钟?(?=[以之]?后)"),
        "{}分钟",
    ),
)
_HALVES = (
    (re.compile(r"^in\s+(\d+)\.5\s*(?:hours?|hrs?)\b", re.I), "in {} minutes"),
    (re.compile(r"^in\s+half\s+an?\s+hour\b", re.I), "in 30 minutes"),
    (re.compile(r"^一刻钟(?=[以之]?后)"), "15分钟"),
)
# Holidays on the same date every year, said instead of the date (元旦, 国庆节, Christmas).
_HOLIDAYS = {"元旦": "1月1日", "情人节": "2月14日", "妇女节": "3月8日", "劳动节": "5月1日", "儿童节": "6月1日",
             "国庆节": "10月1日", "平安夜": "12月24日", "圣诞节": "12月25日", "christmas eve": "December 24",
             "christmas day": "December 25", "christmas": "December 25", "new year's day": "January 1",
             "new year's eve": "December 31"}  # fmt: skip
_HOLIDAY_NAMES = "|".join(name.replace("'", "['’]") for name in _HOLIDAYS)  # either apostrophe
_HOLIDAY = re.compile(
    rf"^(每年的?|(?:every|each)\s+year\s+on\s+|(?:on\s+)?)({_HOLIDAY_NAMES})(?![a-z])", re.I
)


def in_minutes(text: str) -> str:
    """`in 2 hours and 30 minutes` → `in 150 minutes`: the parts of a duration as one number."""
    for pattern, minutes in _HOURS_AND_MINUTES:
        if match := pattern.match(text):
            hours, rest = read_number(match[1]), read_number(match[2])
            if hours is not None and rest is not None:
                return minutes.format(hours * 60 + rest) + text[match.end() :]
    for pattern, minutes in _HALVES:
        if match := pattern.match(text):
            whole = int(match[1]) * 60 + 30 if pattern.groups else 0
            return minutes.format(whole) + text[match.end() :]
    return text


def holiday_as_date(text: str) -> str:
    """`元旦 …` → `1月1日 …`, `每年国庆节` → `每年10月1日`, `on Christmas` → `on December 25`."""
    if match := _HOLIDAY.match(text):
        date_said = _HOLIDAYS[match[2].lower().replace("’", "'")]
        every = "every year on " if match[1].lower().startswith(("every", "each")) else match[1]
        return every + date_said + text[match.end() :]
    return text

"""Odd, hostile and everyday reminder phrases: each is read precisely or gets the friendly InvalidWhen,
never another exception (now: Wed 2026-11-25 10:00 Asia/Shanghai)."""

from __future__ import annotations

import random
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import FixedClock
from bot.domain.when import InvalidWhen, OneOff, Recurring, Schedule, parse_reminder
from tests.unit.test_services import reminder_service

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
WORKING_DAYS = frozenset(range(7))


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> OneOff:
    return OneOff(datetime(year, month, day, hour, minute, tzinfo=SHANGHAI))


def weekly(days: set[int], hour: int, minute: int = 0, workdays: bool = False) -> Recurring:
    return Recurring(frozenset(days), time(hour, minute), workdays)


def same(expected: Schedule, actual: Schedule) -> bool:
    if isinstance(expected, Recurring) and isinstance(actual, Recurring):
        return (expected.weekdays, expected.at, expected.workdays_only) == (
            actual.weekdays,
            actual.at,
            actual.workdays_only,
        )
    return expected == actual


READ = [
    # What Slack's own /remind accepts.
    ("in 5 minutes 交周报", at(2026, 11, 25, 10, 5)),
    ("in an hour 交周报", at(2026, 11, 25, 11, 0)),
    ("in 2 weeks 交周报", at(2026, 12, 9, 10, 0)),
    ("at 3pm 交周报", at(2026, 11, 25, 15, 0)),
    ("tomorrow at 9am 交周报", at(2026, 11, 26, 9, 0)),
    ("9am tomorrow 交周报", at(2026, 11, 26, 9, 0)),
    ("at 3pm on Friday 交周报", at(2026, 11, 27, 15, 0)),
    ("every Monday at 9am 交周报", weekly({0}, 9)),
    ("every weekday at 9am 交周报", weekly(set(WORKING_DAYS), 9, workdays=True)),
    ("every Mon, Wed and Fri 9am 交周报", weekly({0, 2, 4}, 9)),
    ("on December 1st at 10am 交周报", at(2026, 12, 1, 10, 0)),
    ("Dec 1 10am 交周报", at(2026, 12, 1, 10, 0)),
    ("1 December 10am 交周报", at(2026, 12, 1, 10, 0)),
    ("next Tuesday at 9am 交周报", at(2026, 12, 1, 9, 0)),
    ("at noon 交周报", at(2026, 11, 25, 12, 0)),
    ("midnight 备份", at(2026, 11, 26, 0, 0)),
    ("12am 备份", at(2026, 11, 26, 0, 0)),
    # What Chinese apps accept.
    ("明早9点 交周报", at(2026, 11, 26, 9, 0)),
    ("明晚8点 交周报", at(2026, 11, 26, 20, 0)),
    ("今晚8点 交周报", at(2026, 11, 25, 20, 0)),
    ("后天下午三点 交周报", at(2026, 11, 27, 15, 0)),
    ("大后天下午3点 交周报", at(2026, 11, 28, 15, 0)),
    ("下周一上午10点 交周报", at(2026, 11, 30, 10, 0)),
    ("下午三点十五 交周报", at(2026, 11, 25, 15, 15)),
    ("下午三点十五分交周报", at(2026, 11, 25, 15, 15)),
    ("下午3点一刻 交周报", at(2026, 11, 25, 15, 15)),
    ("下午3点三个方案评审", at(2026, 11, 25, 15, 0)),  # 三个 is the text, not 15:03
    ("3天后上午9点 交周报", at(2026, 11, 28, 9, 0)),
    ("一百天后 上午9点 交周报", at(2027, 3, 5, 9, 0)),
    ("半小时后 交周报", at(2026, 11, 25, 10, 30)),
    ("每天早上8点半 晨会", weekly(set(range(7)), 8, 30)),
    ("每周一三五 上午9点 站会", weekly({0, 2, 4}, 9)),
    ("每周一、周三 10:00 站会", weekly({0, 2}, 10)),
    ("半夜2点 备份", at(2026, 11, 26, 2, 0)),
    # The odd input of issue 9.
    ("2月29日 9:00 闰日活动", at(2028, 2, 29, 9, 0)),
    ("晚上12点 备份", at(2026, 11, 26, 0, 0)),
    ("明天晚上12点 备份", at(2026, 11, 27, 0, 0)),
    ("晚上12点半 备份", at(2026, 11, 26, 0, 30)),
    ("凌晨12点 备份", at(2026, 11, 26, 0, 0)),
    ("24点 备份", at(2026, 11, 26, 0, 0)),
    ("１０分钟后 看数据", at(2026, 11, 25, 10, 10)),
    ("０９:００ 站会", at(2026, 11, 26, 9, 0)),
    ("０９：００ 站会", at(2026, 11, 26, 9, 0)),
    ("十分钟后 看数据", at(2026, 11, 25, 10, 10)),
    ("二十天后 上午10点 看数据", at(2026, 12, 15, 10, 0)),
    ("2031-11-20 09:00 五年之内", at(2031, 11, 20, 9, 0)),
]


@pytest.mark.parametrize(("text", "expected"), READ)
def test_phrases_people_type_are_read_precisely(text: str, expected: Schedule) -> None:
    schedule = parse_reminder(text, NOW).schedule
    assert same(expected, schedule), schedule


REFUSED = [
    ("", "Say when"),
    ("   ", "Say when"),
    ("\u3000\u3000", "Say when"),
    ("十十十天后 看数据", "not a number"),
    ("一二三分钟后 看数据", "not a number"),
    ("一二三点 看数据", "not a valid time"),
    ("25:00 开会", "not a valid time"),
    ("明天25:00 开会", "not a valid time"),
    ("9:75 开会", "not a valid time"),
    ("13pm 开会", "not a valid time"),
    ("0am 开会", "not a valid time"),
    ("13月1日 9:00 开会", "not a real date"),
    ("2月30日 9:00 开会", "not a real date"),
    ("2026-02-29 09:00 开会", "not a real date"),
    ("99999999天后 看数据", "5 years"),
    ("in 99999 days 看数据", "5 years"),
    ("in 999999999999999999999999 minutes 看数据", "5 years"),
    ("9999-12-31 23:59 x", "5 years"),
    ("2031-11-26 09:00 x", "5 years"),
    ("2026-11-01 09:00 过去的事", "in the past"),
    ("2026-11-25 09:59 刚过去", "in the past"),
    ("in 0 minutes 看数据", "future"),
    ("every 0 days 看数据", "every-N-days"),
    ("every 2 days 9am 看数据", "every-N-days"),
    ("每月31号 上午10点 交报表", "不是每个月都有"),
    ("every day 下午 看数据", "几点"),
    ("晚上1点 开会", "凌晨1点"),
    ("每个工作日晚上12点 备份", "23:59"),
    ("明天4点 开会", "上午还是下午"),
    ("next Tuesday afternoon 交周报", "What time"),
    ("tomorrow 9am", "no text"),
    ("sometime 开会", "Could not read"),
    ("\x00\x00 9am", "Could not read"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_odd_phrases_get_the_friendly_error(text: str, message: str) -> None:
    with pytest.raises(InvalidWhen, match=message):
        parse_reminder(text, NOW)


def test_a_new_york_user_cannot_store_a_date_that_overflows_when_shown() -> None:
    now = NOW.astimezone(NEW_YORK)
    with pytest.raises(InvalidWhen, match="5 years"):
        parse_reminder("9999-12-31 23:59 x", now)
    with pytest.raises(InvalidWhen, match="5 years"):
        parse_reminder("9999-12-31 晚上12点 x", now)


def test_a_far_future_reminder_is_refused_before_anything_is_stored(clock: FixedClock) -> None:
    """`/ops remind here 9999-12-31 23:59 x` from New York: no row, no job, so the list keeps working."""
    service, store, timer = reminder_service(clock)
    with pytest.raises(InvalidWhen, match="5 years"):
        service.create("here 9999-12-31 23:59 x", "U0NYC", "C1")
    assert not store.reminders and not timer.scheduled


def test_a_time_the_clock_skips_is_refused_rather_than_moved() -> None:
    """02:30 on 2027-03-14 does not exist in New York: the user says which hour they mean (issue 12)."""
    with pytest.raises(InvalidWhen, match="does not exist"):
        parse_reminder("2027-03-14 02:30 x", NOW.astimezone(NEW_YORK))


def test_in_the_repeated_hour_a_time_still_ahead_on_the_second_pass_is_today() -> None:
    now = datetime(2026, 11, 1, 1, 40, tzinfo=NEW_YORK, fold=1)  # 01:40 EST: 01:50 EDT has passed
    parsed = parse_reminder("1:50 x", now)
    assert isinstance(parsed.schedule, OneOff)
    assert parsed.schedule.at.isoformat() == "2026-11-01T01:50:00-05:00"


_PIECES = [
    "十", "百", "千", "零", "一", "二", "两", "三", "9", "０", "99999", "点", "分", "半", "月", "日", "号", "天后", "周",
    "小时后", "分钟后", ":", "：", "-", "/", "2026", "晚上", "凌晨", "中午", "下午", "明天", "后天", "下周", "每周", "每天",
    "每个工作日", "every ", "in ", "at ", "am", "pm", "noon", "midnight", "next ", "monday", "Dec ", "31st ", "skip holidays",
    "跳过节假日", " ", "\u3000", "x", "\x00", "𝟗", "٣", "²",
]  # fmt: skip


def test_no_combination_of_odd_pieces_raises_anything_but_the_friendly_error() -> None:
    rng = random.Random(9)
    for _ in range(4000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 7)))
        for now in (NOW, NOW.astimezone(NEW_YORK)):
            try:
                parsed = parse_reminder(text, now)
            except InvalidWhen:
                continue
            if isinstance(parsed.schedule, OneOff):
                assert parsed.schedule.at > now, text
                parsed.schedule.at.astimezone(ZoneInfo("Pacific/Kiritimati"))  # shows in any zone

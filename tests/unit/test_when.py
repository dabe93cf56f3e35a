"""Reminder times in Chinese and English (now: Wed 2026-11-25 10:00 Asia/Shanghai)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.when import InvalidWhen, OneOff, Recurring, parse_reminder

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)


def at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "expected", "message"),
    [
        ("in 10 minutes 看一下数据", at(2026, 11, 25, 10, 10), "看一下数据"),
        ("10分钟后 看一下数据", at(2026, 11, 25, 10, 10), "看一下数据"),
        ("2小时后 发周报", at(2026, 11, 25, 12, 0), "发周报"),
        ("tomorrow 9am standup notes", at(2026, 11, 26, 9, 0), "standup notes"),
        ("明天上午9点 交活动方案", at(2026, 11, 26, 9, 0), "交活动方案"),
        ("明天下午3点半 评审", at(2026, 11, 26, 15, 30), "评审"),
        ("下周一 10:00 复盘会", at(2026, 11, 30, 10, 0), "复盘会"),
        ("2026-12-05 09:00 双十二预热", at(2026, 12, 5, 9, 0), "双十二预热"),
        ("12月5日 9:00 双十二预热", at(2026, 12, 5, 9, 0), "双十二预热"),
        ("next Friday 4pm retro", at(2026, 12, 4, 16, 0), "retro"),
        ("9:30 站会", at(2026, 11, 26, 9, 30), "站会"),
        ("晚上8点 发推送", at(2026, 11, 25, 20, 0), "发推送"),
    ],
)
def test_one_off_times(text: str, expected: datetime, message: str) -> None:
    parsed = parse_reminder(text, NOW)
    assert parsed.schedule == OneOff(expected)
    assert parsed.text == message


WORKING_DAYS = set(range(7))  # every day is a candidate; China's calendar skips the days off


@pytest.mark.parametrize(
    ("text", "weekdays", "clock", "workdays"),
    [
        ("every Friday 16:00 周报数据复盘", {4}, time(16, 0), False),
        ("每周五下午4点 周报数据复盘", {4}, time(16, 0), False),
        ("every Friday 16:00 周报数据复盘 skip holidays", {4}, time(16, 0), True),
        ("每周五下午4点 周报数据复盘 跳过节假日", {4}, time(16, 0), True),
        ("每个周五下午4点 周报数据复盘,节假日跳过", {4}, time(16, 0), True),
        # One rule for working days (README, "Holiday calendar"): China's calendar, in both languages.
        ("every weekday 9:30 站会", WORKING_DAYS, time(9, 30), True),
        ("every workday 9:30 站会", WORKING_DAYS, time(9, 30), True),
        ("every working day 9:30 站会", WORKING_DAYS, time(9, 30), True),
        ("weekdays 9:30 站会", WORKING_DAYS, time(9, 30), True),
        ("每个工作日 9:30 站会", WORKING_DAYS, time(9, 30), True),
        ("工作日 9:30 站会", WORKING_DAYS, time(9, 30), True),
        ("every weekday 9:30 站会 skip holidays", WORKING_DAYS, time(9, 30), True),
        ("每天 18:00 看数据", set(range(7)), time(18, 0), False),
        ("every day at 6pm check the numbers", set(range(7)), time(18, 0), False),
        ("daily 6pm check the numbers", set(range(7)), time(18, 0), False),
        ("每天 18:00 看数据 跳过节假日", WORKING_DAYS, time(18, 0), True),
        ("每天早上8点半 晨会", set(range(7)), time(8, 30), False),
        ("every Monday at 9am 周会", {0}, time(9, 0), False),
        # 晚上12点 on Friday is the midnight that starts Saturday.
        ("每周五晚上12点 备份", {5}, time(0, 0), False),
    ],
)
def test_recurring_times(text: str, weekdays: set[int], clock: time, workdays: bool) -> None:
    schedule = parse_reminder(text, NOW).schedule
    assert isinstance(schedule, Recurring)
    assert (set(schedule.weekdays), schedule.at, schedule.workdays_only) == (weekdays, clock, workdays)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-11-01 09:00 过去的事", "in the past"),
        ("明天4点 开会", "上午还是下午"),
        ("sometime 开会", "Could not read"),
        ("明天下午 开会", "几点"),
        ("tomorrow 9am", "no text"),
        ("2026-02-30 09:00 不存在", "not a real date"),
        ("明天25:00 开会", "not a valid time"),
    ],
)
def test_bad_times_get_a_clear_message_with_examples(text: str, message: str) -> None:
    with pytest.raises(InvalidWhen, match=message):
        parse_reminder(text, NOW)


@pytest.mark.parametrize(
    ("text", "expected", "message"),
    [
        ("tomorrow\u30009am\u3000standup notes", at(2026, 11, 26, 9, 0), "standup notes"),
        ("next\u3000Friday\u30004pm retro", at(2026, 12, 4, 16, 0), "retro"),
        ("next\u00a0Friday\u00a04pm retro", at(2026, 12, 4, 16, 0), "retro"),
        ("\u3000明天上午9点\u3000交活动方案\u3000", at(2026, 11, 26, 9, 0), "交活动方案"),
        ("in\u300010\u3000minutes 看一下数据", at(2026, 11, 25, 10, 10), "看一下数据"),
        ("下周一 10：00 复盘会", at(2026, 11, 30, 10, 0), "复盘会"),
    ],
)
def test_full_width_spaces_and_colons_from_chinese_input_methods(
    text: str, expected: datetime, message: str
) -> None:
    parsed = parse_reminder(text, NOW)
    assert parsed.schedule == OneOff(expected)
    assert parsed.text == message


def test_skip_holidays_typed_with_full_width_spaces() -> None:
    parsed = parse_reminder("every\u3000weekday\u30009:30 站会\u3000skip\u3000holidays", NOW)
    assert isinstance(parsed.schedule, Recurring) and parsed.schedule.workdays_only
    assert parsed.text == "站会"

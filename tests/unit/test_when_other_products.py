"""Reminder phrases as other products take them (Slack /remind, Todoist, Siri, WeChat, DingTalk, Feishu):
the ones opsbot misread or refused before, read right or refused (now: Wed 2026-11-25 10:00 Shanghai)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.when import InvalidWhen, parse_reminder
from tests.unit.test_when_forms import NOW, SHANGHAI, days
from tests.unit.test_when_forms import reading as read_with_workdays


def reading(phrase: str, now: datetime = NOW) -> tuple[str, list[str], str]:
    """What test_when_forms reads, without `workdays_only` (none of these phrases is about it)."""
    kind, firings, text, _ = read_with_workdays(phrase, now)
    return kind, firings, text


READ = [
    # month/day, as Slack's /remind and Chinese dates write it (a day-first reader would say 4 May)
    ("to send invoices on 4/5", "once", days("2027-04-05 09:00"), "send invoices"),
    # the time right after 提醒我, as WeChat, DingTalk and Feishu take it
    ("提醒我明天上午十点开会", "once", days("11-26 10:00"), "开会"),
    ("提醒我下午三点开会", "once", days("11-25 15:00"), "开会"),
    ("提醒我 下周一 10:00 交周报", "once", days("11-30 10:00"), "交周报"),
    ("提醒我一下明天9点开会", "once", days("11-26 09:00"), "开会"),
    # durations in two parts, halves, quarters and months
    ("to check the server in 2 hours and 30 minutes", "once", days("11-25 12:30"), "check the server"),
    ("to check results in 1.5 hours", "once", days("11-25 11:30"), "check results"),
    ("to reply to Lee in half an hour", "once", days("11-25 10:30"), "reply to Lee"),
    ("2小时30分钟后 提醒我关机", "once", days("11-25 12:30"), "关机"),
    ("一刻钟后 提醒我看锅", "once", days("11-25 10:15"), "看锅"),
    ("to review the budget in 1 month", "once", days("12-25 10:00"), "review the budget"),
    ("两个月后上午10点 提醒我复查", "once", days("2027-01-25 10:00"), "复查"),
    # a.m./p.m. with dots; a part of the day with a bare hour, before or after it
    ("to leave at 5 p.m.", "once", days("11-25 17:00"), "leave"),
    ("to call the school tomorrow morning at 8", "once", days("11-26 08:00"), "call the school"),
    ("to close the windows tonight at 10", "once", days("11-25 22:00"), "close the windows"),
    ("to leave at 5:15 this afternoon", "once", days("11-25 17:15"), "leave"),
    ("to check the report at 10 pm tonight", "once", days("11-25 22:00"), "check the report"),
    ("to send the invoice the day after tomorrow at 11am", "once", days("11-27 11:00"), "send the invoice"),
    # a weekday that matches the date it comes with
    ("to book the venue on Friday, December 4 at 3pm", "once", days("12-04 15:00"), "book the venue"),
    # holidays on a fixed date
    ("元旦 提醒我发祝福", "once", days("2027-01-01 09:00"), "发祝福"),
    ("to send cards on Christmas", "once", days("12-25 09:00"), "send cards"),
    ("每年元旦 提醒我写年度计划", "recurring", days("2027-01-01 09:00", "2028-01-01 09:00", "2029-01-01 09:00"),
     "写年度计划"),
    # every night / morning, every 15th, and a text that says weekly
    ("to go to bed every night at 11pm", "recurring", days("11-25 23:00", "11-26 23:00", "11-27 23:00"), "go to bed"),
    ("to buy milk every morning", "recurring", days("11-26 09:00", "11-27 09:00", "11-28 09:00"), "buy milk"),
    ("every evening at 7 to walk", "recurring", days("11-25 19:00", "11-26 19:00", "11-27 19:00"), "walk"),
    ("to pay the phone bill every 15th", "recurring", days("12-15 09:00", "2027-01-15 09:00", "2027-02-15 09:00"),
     "pay the phone bill"),
    ("to send the weekly report every Friday at 17:00", "recurring",
     days("11-27 17:00", "12-04 17:00", "12-11 17:00"), "send the weekly report"),
]  # fmt: skip


@pytest.mark.parametrize(("phrase", "kind", "firings", "text"), READ)
def test_phrases_of_other_products_are_read(phrase: str, kind: str, firings: list[str], text: str) -> None:
    assert reading(phrase) == (kind, firings, text)


REFUSED = [
    "to call the vendor at 3 o'clock tomorrow",  # am or pm
    "to run payroll on the 15th and last day of every month",  # was: monthly on today's day
    "to submit the invoice on the 15th and 30th of every month",
    "上午15点 提醒我开会",  # morning and 15:00
    "周五前 提醒我提交预算",  # a deadline, not when to remind
    "to submit the budget before Friday",
    "to book the venue on Thursday, December 4",  # December 4 is a Friday
    "半个月后 提醒我续费",  # 15 days or two weeks?
    "to x at 9pm this morning",
]


@pytest.mark.parametrize("phrase", REFUSED)
def test_phrases_with_two_readings_are_refused(phrase: str) -> None:
    with pytest.raises(InvalidWhen):
        parse_reminder(phrase, NOW)


def test_a_month_later_on_a_day_that_month_lacks_is_refused() -> None:
    with pytest.raises(InvalidWhen, match="no day 31"):
        parse_reminder("to pay rent in 1 month", datetime(2026, 1, 31, 10, 0, tzinfo=SHANGHAI))


def test_a_time_at_both_ends_of_a_wechat_phrase_is_refused() -> None:
    with pytest.raises(InvalidWhen, match="Two times"):
        parse_reminder("提醒我明天开会 下午3点", NOW)


def test_the_same_number_twice_is_one_date() -> None:
    assert reading("to plan the launch on 12/12") == ("once", days("12-12 09:00"), "plan the launch")


def test_minutes_and_hours_stay_real_time_across_the_clock_change() -> None:
    new_york = ZoneInfo("America/New_York")
    now = datetime(2026, 11, 1, 0, 30, tzinfo=new_york)  # 01:00–02:00 happens twice that night
    assert reading("to check the backups in 2 hours and 30 minutes", now)[1] == ["2026-11-01T02:00:00-05:00"]
    assert reading("to check the backups in 1 month", now)[1] == ["2026-12-01T00:30:00-05:00"]

"""Every phrase form of issue 12, in English and Chinese and in either word order, read to the next
firings a user would see (now: Wed 2026-11-25 10:00 Asia/Shanghai unless a zone says otherwise)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.holiday_calendar import ChinaWorkCalendar
from bot.domain.recurrence import OneOff, next_firings
from bot.domain.when import InvalidWhen, parse_reminder

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
CALENDAR = ChinaWorkCalendar()


def reading(phrase: str, now: datetime = NOW) -> tuple[str, list[str], str, bool]:
    parsed = parse_reminder(phrase, now)
    schedule = parsed.schedule
    firings = [moment.isoformat() for moment in next_firings(schedule, now, CALENDAR.is_workday)]
    if isinstance(schedule, OneOff):
        return "once", firings, parsed.text, False
    return "recurring", firings, parsed.text, schedule.workdays_only


def days(*moments: str) -> list[str]:
    """`11-25 15:00` → the ISO instant in Shanghai (2026, or the year given first)."""
    shown = []
    for moment in moments:
        full = moment if moment.count("-") == 2 else f"2026-{moment}"
        shown.append(datetime.fromisoformat(full.replace(" ", "T")).replace(tzinfo=SHANGHAI).isoformat())
    return shown


ONCE = [
    # relative times and durations
    ("in 10 minutes check the build", ["11-25 10:10"], "check the build"),
    ("to check the build in 10 minutes", ["11-25 10:10"], "check the build"),
    ("in 1 week renew the domain", ["12-02 10:00"], "renew the domain"),
    ("to renew the domain in 1 week", ["12-02 10:00"], "renew the domain"),
    ("半小时后 回电话", ["11-25 10:30"], "回电话"),
    ("提醒我回电话 半小时后", ["11-25 10:30"], "回电话"),
    ("1个半小时后 收衣服", ["11-25 11:30"], "收衣服"),
    ("3天后上午9点 复查", ["11-28 09:00"], "复查"),  # keeps the time said
    ("提醒我复查 3天后上午9点", ["11-28 09:00"], "复查"),
    ("三天后 取件", ["11-28 10:00"], "取件"),
    # days and parts of the day (a day without a time is 09:00, as Slack's /remind reads it)
    ("大后天 交材料", ["11-28 09:00"], "交材料"),
    ("明早 带电脑", ["11-26 09:00"], "带电脑"),
    ("今晚 给妈妈打电话", ["11-25 20:00"], "给妈妈打电话"),
    ("今晚8点 健身", ["11-25 20:00"], "健身"),
    ("今晚12点 抢票", ["11-26 00:00"], "抢票"),
    ("明天中午 约饭", ["11-26 12:00"], "约饭"),
    ("中午 吃饭", ["11-25 12:00"], "吃饭"),
    ("tonight stretch", ["11-25 20:00"], "stretch"),
    ("to stretch tonight", ["11-25 20:00"], "stretch"),
    ("tonight at 8:30 call home", ["11-25 20:30"], "call home"),
    ("tomorrow morning email the landlord", ["11-26 09:00"], "email the landlord"),
    ("at noon eat lunch", ["11-25 12:00"], "eat lunch"),
    ("to eat lunch at noon", ["11-25 12:00"], "eat lunch"),
    ("midnight back up", ["11-26 00:00"], "back up"),
    ("to back up at midnight", ["11-26 00:00"], "back up"),
    # weekdays: the same weekday with its time still ahead is today
    ("on Wednesday at 3pm submit the form", ["11-25 15:00"], "submit the form"),
    ("to submit the form on Wednesday at 3pm", ["11-25 15:00"], "submit the form"),
    ("Wednesday 9am submit the form", ["12-02 09:00"], "submit the form"),  # 9am has passed today
    ("周三下午5点 交表", ["11-25 17:00"], "交表"),
    ("周五下午5点 写周报", ["11-27 17:00"], "写周报"),
    ("下周三下午2点 评审", ["12-02 14:00"], "评审"),
    # month names, days of the month, the end of the month
    ("on June 1st at 9am open the window", ["2027-06-01 09:00"], "open the window"),
    ("to open the window on June 1st at 9am", ["2027-06-01 09:00"], "open the window"),
    ("to send the report on December 15", ["12-15 09:00"], "send the report"),
    ("12月5日 9:00 双十二预热", ["12-05 09:00"], "双十二预热"),
    ("提醒我双十二预热 12月5日上午9点", ["12-05 09:00"], "双十二预热"),
    ("下个月3号 还信用卡", ["12-03 09:00"], "还信用卡"),
    ("to mow the lawn on the 7th", ["12-07 09:00"], "mow the lawn"),
    ("月底 对账", ["11-30 09:00"], "对账"),
    ("月底下午5点 提交考勤", ["11-30 17:00"], "提交考勤"),
    ("end of the month 5pm close the books", ["11-30 17:00"], "close the books"),
    ("to close the books at the end of the month at 5pm", ["11-30 17:00"], "close the books"),
    ('"meet us downtown!" on 12/13 at noon', ["12-13 12:00"], "meet us downtown!"),
    ("to order lunch at 11:45 today", ["11-25 11:45"], "order lunch"),
    ("提醒我给3号楼送文件 明天上午9点", ["11-26 09:00"], "给3号楼送文件"),  # 3号楼 is a building
    ("to check the 15th report tomorrow at 9am", ["11-26 09:00"], "check the 15th report"),
]


@pytest.mark.parametrize(("phrase", "firings", "text"), ONCE)
def test_one_off_phrases(phrase: str, firings: list[str], text: str) -> None:
    assert reading(phrase) == ("once", days(*firings), text, False)


RECURRING = [
    # daily, and Slack's time-first order
    ("every day at 3pm submit the report", ["11-25 15:00", "11-26 15:00", "11-27 15:00"], "submit the report", False),
    ("at 3pm every day submit the report", ["11-25 15:00", "11-26 15:00", "11-27 15:00"], "submit the report", False),
    ("to submit the report at 3pm every day", ["11-25 15:00", "11-26 15:00", "11-27 15:00"], "submit the report", False),
    ("to drink water every day at 9am", ["11-26 09:00", "11-27 09:00", "11-28 09:00"], "drink water", False),
    ("每天下午3点 喝水", ["11-25 15:00", "11-26 15:00", "11-27 15:00"], "喝水", False),
    ("提醒我喝水 每天下午3点", ["11-25 15:00", "11-26 15:00", "11-27 15:00"], "喝水", False),
    ("每晚11点 睡觉", ["11-25 23:00", "11-26 23:00", "11-27 23:00"], "睡觉", False),
    # weekly, several weekdays
    ("every Monday update the agenda", ["11-30 09:00", "12-07 09:00", "12-14 09:00"], "update the agenda", False),
    ("on Mondays plan the sprint", ["11-30 09:00", "12-07 09:00", "12-14 09:00"], "plan the sprint", False),
    ("every Mon, Wed and Fri at 10:30am stand up", ["11-25 10:30", "11-27 10:30", "11-30 10:30"], "stand up", False),
    ("to stand up every Mon, Wed and Fri at 10:30am", ["11-25 10:30", "11-27 10:30", "11-30 10:30"], "stand up", False),
    ("每周一三五上午10点 站会", ["11-27 10:00", "11-30 10:00", "12-02 10:00"], "站会", False),
    ("提醒我站会 每周一三五上午10点", ["11-27 10:00", "11-30 10:00", "12-02 10:00"], "站会", False),
    ("每周一至周五早上9点 晨会", ["11-26 09:00", "11-27 09:00", "11-30 09:00"], "晨会", False),
    # every other week, counted from the first firing
    ("every other Tuesday at 9am physio", ["12-01 09:00", "12-15 09:00", "12-29 09:00"], "physio", False),
    ("to sync every other Friday at 3pm", ["11-27 15:00", "12-11 15:00", "12-25 15:00"], "sync", False),
    ("每隔一周的周六 清理冰箱", ["11-28 09:00", "12-12 09:00", "12-26 09:00"], "清理冰箱", False),
    ("提醒我清理冰箱 每隔一周的周六", ["11-28 09:00", "12-12 09:00", "12-26 09:00"], "清理冰箱", False),
    ("每两周周三上午11点 1on1", ["11-25 11:00", "12-09 11:00", "12-23 11:00"], "1on1", False),
    # monthly on a day; "every month" alone is today's day of the month, never Monday
    ("every month on the 15th at 9am pay rent", ["12-15 09:00", "2027-01-15 09:00", "2027-02-15 09:00"], "pay rent", False),
    ("to pay rent every month on the 15th at 9am", ["12-15 09:00", "2027-01-15 09:00", "2027-02-15 09:00"], "pay rent", False),
    ("每月15号上午10点 对账", ["12-15 10:00", "2027-01-15 10:00", "2027-02-15 10:00"], "对账", False),
    ("提醒我对账 每月15号上午10点", ["12-15 10:00", "2027-01-15 10:00", "2027-02-15 10:00"], "对账", False),
    ("every month at 9am pay the invoice", ["12-25 09:00", "2027-01-25 09:00", "2027-02-25 09:00"], "pay the invoice", False),
    ("每月上午9点 缴物业费", ["12-25 09:00", "2027-01-25 09:00", "2027-02-25 09:00"], "缴物业费", False),
    ("every month on the 25th at 11am reconcile", ["11-25 11:00", "12-25 11:00", "2027-01-25 11:00"], "reconcile", False),
    ("每月第一个周一上午10点 例会", ["12-07 10:00", "2027-01-04 10:00", "2027-02-01 10:00"], "例会", False),
    # the end of the month, the last working day (China's calendar)
    ("on the last day of every month at 5pm close", ["11-30 17:00", "12-31 17:00", "2027-01-31 17:00"], "close", False),
    ("每月月底晚上6点 盘点", ["11-30 18:00", "12-31 18:00", "2027-01-31 18:00"], "盘点", False),
    ("每月最后一天 备份", ["11-30 09:00", "12-31 09:00", "2027-01-31 09:00"], "备份", False),
    ("每月最后一个工作日下午4点 提交工时", ["11-30 16:00", "12-31 16:00", "2027-01-29 16:00"], "提交工时", True),
    ("on the last working day of every month at 4pm timesheets", ["11-30 16:00", "12-31 16:00", "2027-01-29 16:00"], "timesheets", True),
    # yearly
    ("every year on March 8 buy flowers", ["2027-03-08 09:00", "2028-03-08 09:00", "2029-03-08 09:00"], "buy flowers", False),
    ("to buy flowers every year on March 8", ["2027-03-08 09:00", "2028-03-08 09:00", "2029-03-08 09:00"], "buy flowers", False),
    ("every January 25 annual reviews", ["2027-01-25 09:00", "2028-01-25 09:00", "2029-01-25 09:00"], "annual reviews", False),
    ("每年3月8日 买花", ["2027-03-08 09:00", "2028-03-08 09:00", "2029-03-08 09:00"], "买花", False),
    ("提醒我买花 每年3月8日上午10点", ["2027-03-08 10:00", "2028-03-08 10:00", "2029-03-08 10:00"], "买花", False),
    # China's working days (the existing rule)
    ("every weekday at 9:30 standup", ["11-26 09:30", "11-27 09:30", "11-30 09:30"], "standup", True),
    ("to stand up every weekday at 9:30", ["11-26 09:30", "11-27 09:30", "11-30 09:30"], "stand up", True),
    ("工作日早上9点半 站会", ["11-26 09:30", "11-27 09:30", "11-30 09:30"], "站会", True),
    ("每个工作日下午6点 写日报", ["11-25 18:00", "11-26 18:00", "11-27 18:00"], "写日报", True),
]  # fmt: skip


@pytest.mark.parametrize(("phrase", "firings", "text", "workdays"), RECURRING)
def test_recurring_phrases(phrase: str, firings: list[str], text: str, workdays: bool) -> None:
    assert reading(phrase) == ("recurring", days(*firings), text, workdays)


def test_working_days_follow_chinas_calendar_with_make_up_days() -> None:
    """National Day 2026: 10-01…10-07 off, Sunday 09-27? and Saturday 10-10 are make-up workdays."""
    now = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    _, firings, _, _ = reading("每个工作日上午9点 站会", now)
    assert firings[0].startswith("2026-10-08") and CALENDAR.is_workday(
        datetime.fromisoformat(firings[0]).date()
    )


ZONED = [
    # daylight saving: New York springs forward on 2026-03-08 and falls back on 2026-11-01
    ("America/New_York", "2026-03-06T10:00", "every day at 9am vitamins",
     ["2026-03-07T09:00:00-05:00", "2026-03-08T09:00:00-04:00", "2026-03-09T09:00:00-04:00"]),
    ("America/New_York", "2026-10-30T10:00", "at 8am every day backups",
     ["2026-10-31T08:00:00-04:00", "2026-11-01T08:00:00-05:00", "2026-11-02T08:00:00-05:00"]),
    ("America/New_York", "2026-03-07T22:00", "tomorrow at 9am rotate keys", ["2026-03-08T09:00:00-04:00"]),
    ("America/New_York", "2026-03-07T23:00", "every day at 2:30am batch",  # the skipped 02:30 fires at 03:30
     ["2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"]),
    ("America/New_York", "2026-11-01T00:30", "in 2 hours check",  # two real hours across the fall back
     ["2026-11-01T01:30:00-05:00"]),
    ("America/New_York", "2026-02-10T10:00", "every month on the 8th at 9am bills",
     ["2026-03-08T09:00:00-04:00", "2026-04-08T09:00:00-04:00", "2026-05-08T09:00:00-04:00"]),
    # half-hour zones
    ("Asia/Kolkata", "2026-11-25T18:00", "to join the call at 7:30pm", ["2026-11-25T19:30:00+05:30"]),
    ("Asia/Kolkata", "2026-11-25T18:00", "今晚9点 开会", ["2026-11-25T21:00:00+05:30"]),
    ("Asia/Kolkata", "2026-11-25T18:00", "every other Wednesday at 9:30pm sync",
     ["2026-11-25T21:30:00+05:30", "2026-12-09T21:30:00+05:30", "2026-12-23T21:30:00+05:30"]),
    ("Australia/Adelaide", "2026-10-03T10:00", "每天上午9点 站会",  # +09:30 → +10:30 on 10-04
     ["2026-10-04T09:00:00+10:30", "2026-10-05T09:00:00+10:30", "2026-10-06T09:00:00+10:30"]),
]  # fmt: skip


@pytest.mark.parametrize(("zone", "now", "phrase", "firings"), ZONED)
def test_phrases_are_read_in_the_creators_zone(zone: str, now: str, phrase: str, firings: list[str]) -> None:
    moment = datetime.fromisoformat(now).replace(tzinfo=ZoneInfo(zone))
    assert reading(phrase, moment)[1] == firings


REFUSED = [
    ("to flip the switch on March 8 at 2:30am", "does not exist"),  # New York skips 02:30 that day
    ("every month on the 31st at 9am x", "Not every month"),
    ("每月32号 对账", "not a day of the month"),
    ("every year on February 29 x", "not in every year"),
    ("every other week at 9am x", "Say which day"),
    ("每隔一周 上午9点 x", "Say which day"),
    ("every year at 9am x", "Say which day"),
    ("tomorrow at 9am every day x", "Two times"),  # never a one-off with "every day" left in the text
    ("明天上午9点 下午3点 开会", "Two times"),
    ("to plan the offsite sometime next week", "Could not read"),
    ("改天 请客", "Could not read"),
    ("过几天 还书", "Could not read"),
    ("昨天下午3点 开会", "Could not read"),
    ("明天下午 开会", "几点"),
    ("every 2 days 9am x", "every-N-days"),
    ("每0天 喝水", "every-N-days"),
    ("to deploy at 25:00", "not a valid time"),
    ("to call mom at 13pm", "not a valid time"),
    ("at 3pm every day", "no text"),
    ("2月30日 交房租", "not a real date"),
    ("2025年1月1日上午9点 续费", "in the past"),
    # a second time or day left in the text is refused, never read as words
    ("every Friday the 13th x", "Two times"),
    ("每月1号和15号 对账", "Two times"),
    ("at 3pm every other day x", "Two times"),
    ("every Monday at 9am and 5pm x", "Two times"),
    ("to x at 3pm and 5pm", "Part of the time"),
    ("to x in March at 3pm", "Part of the time"),
    ("提醒我开会 下周 下午3点", "说不清是哪天"),
    ("weekly on Mondays at 9 x", "Two times"),
]


@pytest.mark.parametrize(("phrase", "message"), REFUSED)
def test_unread_or_ambiguous_phrases_are_refused_with_examples(phrase: str, message: str) -> None:
    now = datetime(2026, 3, 6, 10, 0, tzinfo=ZoneInfo("America/New_York")) if "2:30am" in phrase else NOW
    with pytest.raises(InvalidWhen, match=message):
        parse_reminder(phrase, now)

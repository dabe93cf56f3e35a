"""A campaign as calendar entries (due dates, launch and end, its reminders) for an .ics file.

What goes into the file is decided here; how iCalendar spells it is the file builder's business
(bot/adapters/calendar_file.py), behind `CalendarFileBuilder`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain.checklists import Checklist
from bot.domain.clock import Clock, now_in
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.recurrence import DAYS_BACK, OneOff, Recurring, due_on, fires_on
from bot.domain.reminders import Reminder, describe
from bot.domain.sources import readable_label
from bot.domain.working_days import WorkCalendar
from bot.services.checklists import NO_SUCH_CAMPAIGN, NO_SUCH_CHECKLIST
from bot.services.ports import ChecklistStore, ReminderStore

NOT_A_MEMBER = (
    "只有这个频道的成员才能导出它的活动日历 / Only members of this channel can export its campaign calendar."
)
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\s\x00-\x1f]+')
# RRULE cannot name China's calendar: the days it gets wrong are listed for this long ahead.
CORRECTIONS_DAYS = 366
WORKDAYS_NOTE = (
    "节假日与调休按中国日历,已列出未来一年 / China's holidays and make-up days are listed for the next year."
)


@dataclass(frozen=True)
class DayEntry:
    """An all-day event: a due date, the launch or the end."""

    uid: str
    day: date
    summary: str
    description: str = ""


@dataclass(frozen=True)
class TimedEntry:
    """A reminder: one instant, or the first of a series (`rule` is the RRULE value, no `RRULE:`)."""

    uid: str
    start: datetime  # aware, in the reminder's time zone
    summary: str
    description: str = ""
    rule: str = ""
    skipped: tuple[datetime, ...] = ()  # EXDATE: the rule fires, opsbot does not (a holiday)
    added: tuple[datetime, ...] = ()  # RDATE: opsbot fires, the rule does not (调休, the last working day)


@dataclass(frozen=True)
class CampaignCalendar:
    name: str
    stamp: datetime  # DTSTAMP: the clock's now, so a file made twice is the same file
    days: list[DayEntry] = field(default_factory=list)
    times: list[TimedEntry] = field(default_factory=list)

    @property
    def filename(self) -> str:
        """The campaign's name, with what a file system or a mail client refuses replaced."""
        return (_UNSAFE_IN_FILENAME.sub("_", self.name).strip("._")[:80] or "campaign") + ".ics"


class CalendarFileBuilder(Protocol):
    def build(self, calendar: CampaignCalendar) -> bytes: ...


class CalendarExportService:
    """Who may export which campaign, and what its calendar holds."""

    def __init__(
        self,
        checklists: ChecklistStore,
        reminders: ReminderStore,
        clock: Clock,
        work_calendar: WorkCalendar,
        builder: CalendarFileBuilder,
        is_member: Callable[[str, str], bool],
        name_of: Callable[[str], str] = str,
    ) -> None:
        self._checklists = checklists
        self._reminders = reminders
        self._clock = clock
        self._work_calendar = work_calendar
        self._builder = builder
        self._is_member = is_member
        self._name_of = name_of

    def for_campaign(self, campaign_id: str, channel: str, user: str) -> tuple[str, bytes]:
        """A button's campaign: its channel must be the one the click came from, and the user in it."""
        if not channel or self._checklists.channel_of(campaign_id) != channel:
            raise NotFound(NO_SUCH_CHECKLIST)  # a signed payload proves Slack, not the campaign's channel
        return self._export(campaign_id, channel, user)

    def for_name(self, text: str, channel: str, user: str) -> tuple[str, bytes]:
        """`/ops calendar <campaign name>`: looked up among the command channel's campaigns."""
        typed = text.strip().rstrip("….").strip()
        found = self._checklists.find_in_channel(channel, typed) if typed else None
        if found is None and typed:
            # The start of a long name is enough (`双十二…`), as long as it names one campaign.
            starting = [s for s in self._checklists.for_channel(channel) if s.name.startswith(typed)]
            found = starting[0] if len(starting) == 1 else None
        if found is None:
            raise NotFound(NO_SUCH_CAMPAIGN)
        return self._export(found.campaign_id, channel, user)

    def _export(self, campaign_id: str, channel: str, user: str) -> tuple[str, bytes]:
        if not self._is_member(channel, user):
            raise NotAllowed(NOT_A_MEMBER)
        checklist = self._checklists.load(campaign_id)
        if checklist is None:
            raise NotFound(NO_SUCH_CHECKLIST)
        calendar = self.calendar(checklist, channel)
        return calendar.filename, self._builder.build(calendar)

    def calendar(self, checklist: Checklist, channel: str) -> CampaignCalendar:
        campaign = checklist.campaign
        reminders = [r for r in self._reminders.active(channel) if r.campaign_id == campaign.campaign_id]
        return CampaignCalendar(
            campaign.name,
            self._clock.now(),
            self._days(checklist),
            [self._timed(campaign.campaign_id, reminder) for reminder in reminders],
        )

    def _days(self, checklist: Checklist) -> list[DayEntry]:
        campaign = checklist.campaign
        key = campaign.campaign_id
        days = [
            DayEntry(f"{key}-{kind}@opsbot", day, f"{mark} {campaign.name} {label}")
            for kind, day, mark, label in (
                ("launch", campaign.launch, "🚀", "上线 / launch"),
                ("end", campaign.end, "🏁", "结束 / end"),
            )
            if day is not None
        ]
        for stage in checklist.stages:
            for item in stage.items:
                if item.due is None:
                    continue
                details = [
                    f"阶段 / Stage: {stage.name}",
                    f"来源 / Source: {readable_label(item.source, self._name_of)}"
                    if item.source
                    else "手册未涉及 / Not in the playbook",
                    f"负责人 / Owner: {self._name_of(item.owner)}" if item.owner else "",
                ]
                summary = f"{'✓' if item.done else '☐'} {item.text}"
                description = "\n".join(part for part in details if part)
                days.append(DayEntry(f"{key}-{item.item_id}@opsbot", item.due, summary, description))
        return days

    def _timed(self, campaign_id: str, reminder: Reminder) -> TimedEntry:
        uid = f"{campaign_id}-reminder-{reminder.reminder_id}@opsbot"
        zone = ZoneInfo(reminder.timezone)
        if isinstance(reminder.schedule, OneOff):
            at = reminder.schedule.at.astimezone(zone)
            return TimedEntry(uid, at, reminder.text, describe(reminder.schedule, reminder.timezone))
        return self._series(uid, reminder.text, reminder.schedule, zone)

    def _series(self, uid: str, text: str, schedule: Recurring, zone: ZoneInfo) -> TimedEntry:
        """The stored RRULE from its first day on or after today, and the days China's calendar moves."""
        plain = replace(schedule, workdays_only=False)
        today = now_in(self._clock, str(zone)).date()
        ahead = (today + timedelta(days=n) for n in range(DAYS_BACK + 7))
        first = next((day for day in ahead if fires_on(plain, day, _every_day)), today)
        skipped: list[datetime] = []
        added: list[datetime] = []
        if schedule.workdays_only:
            for n in range(CORRECTIONS_DAYS):
                day = first + timedelta(days=n)
                by_rule = fires_on(plain, day, _every_day)
                by_opsbot = fires_on(schedule, day, self._work_calendar.is_workday)
                if by_rule != by_opsbot:
                    (skipped if by_rule else added).append(due_on(day, schedule.at, zone))
        rule = schedule.rule.strip().splitlines()[-1].removeprefix("RRULE:")
        description = describe(schedule, str(zone))
        if schedule.workdays_only:
            description += "\n" + WORKDAYS_NOTE
        start = due_on(first, schedule.at, zone)
        return TimedEntry(uid, start, text, description, rule, tuple(skipped), tuple(added))


def _every_day(_day: date) -> bool:
    return True

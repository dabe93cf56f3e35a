"""Reminders as use cases: create, list, cancel, campaign reviews, and telling about missed ones.

Posting a due reminder (claims, retries, giving up) is `bot.services.reminder_delivery`.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.checklists import Checklist
from bot.domain.clock import Clock, now_in
from bot.domain.errors import NotAllowed, NotFound, OpsbotError
from bot.domain.recurrence import next_firings
from bot.domain.reminders import (
    CAMPAIGN_REMINDER_KINDS,
    Reminder,
    campaign_review_times,
    may_cancel,
)
from bot.domain.when import OneOff, parse_reminder
from bot.domain.working_days import WorkCalendar
from bot.services.ports import ChecklistStore, People, ReminderStore, ReminderTimer

log = logging.getLogger(__name__)

_CHANNEL_REF = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
NO_TARGET = "请先写提醒发到哪里:#频道、here 或 me。例如 `/ops remind #weekly 每周五下午4点 周报数据复盘`"

# Replies to errors are escaped, so the channel is named by its id, not as a <#…> link.
NOT_A_MEMBER = (
    "你不在这个频道({channel})里,不能往那里发提醒 / You are not a member of the channel {channel}, "
    "so you cannot set a reminder there (or opsbot cannot see its members: /invite @opsbot)."
)


class NoTarget(OpsbotError):
    """`/ops remind` without #channel, here or me first."""


@dataclass(frozen=True)
class CreatedReminder:
    reminder: Reminder
    next_run: datetime | None
    upcoming: list[datetime] = field(default_factory=list)  # the next firings, as `opsbot when` shows


def reminder_target(word: str, channel: str, user: str) -> str | None:
    """`<#C…|name>`, `here`/`这里` or `me`/`我` → where the reminder goes; None if none of them."""
    if match := _CHANNEL_REF.match(word):
        return match[1]
    if word.lower() in ("here", "这里"):
        return channel
    if word.lower() in ("me", "我"):
        return user
    return None


class ReminderService:
    def __init__(
        self,
        store: ReminderStore,
        checklists: ChecklistStore,
        calendar: WorkCalendar,
        clock: Clock,
        people: People,
        review_questions: Callable[[], list[str]],
        default_timezone: str,
        timer: ReminderTimer | None = None,
    ) -> None:
        self._store = store
        self._checklists = checklists
        self._calendar = calendar
        self._clock = clock
        self._people = people
        self._review_questions = review_questions
        self._default_timezone = default_timezone
        self.timer = timer

    def timezone_of(self, user: str) -> str:
        """The person's own time zone when the platform knows a valid one, else the team's."""
        zone = self._people.timezone_of(user) or ""
        try:
            ZoneInfo(zone)
        except (ValueError, KeyError, OSError):
            return self._default_timezone
        return zone or self._default_timezone

    # -- creating, listing, cancelling -----------------------------------------------------------

    def create(self, argument: str, user: str, channel: str) -> CreatedReminder:
        """`<#channel|here|me> <when> <text>`; raises InvalidWhen or NoTarget with a friendly message."""
        target_word, _, rest = argument.strip().partition(" ")
        where = reminder_target(target_word, channel, user)
        if where is None:
            raise NoTarget(NO_TARGET)
        if where != channel and where.startswith(("C", "G")) and not self._people.is_member(where, user):
            raise NotAllowed(NOT_A_MEMBER.format(channel=where))
        zone = self.timezone_of(user)
        now = now_in(self._clock, zone)
        parsed = parse_reminder(rest, now)
        reminder = Reminder(uuid.uuid4().hex[:8], where, parsed.text, user, zone, parsed.schedule)
        upcoming = next_firings(parsed.schedule, now, self._calendar.is_workday)
        return CreatedReminder(reminder, self.add(reminder), upcoming)

    def add(self, reminder: Reminder) -> datetime | None:
        self._store.add(reminder)
        return self.timer.schedule(reminder) if self.timer else None

    def upcoming_for(self, channel: str, user: str) -> list[Reminder]:
        """This channel's upcoming reminders and the asker's own."""
        return [r for r in self._store.active() if r.channel == channel or r.creator == user]

    def cancel(self, reminder_id: str, user: str) -> Reminder:
        reminder = self._store.get(reminder_id.strip("` "))
        if reminder is None or reminder.status != "active":
            raise NotFound(f"没有这个提醒 / No active reminder `{reminder_id.strip('` ')[:40]}`.")
        if not may_cancel(
            reminder,
            user,
            user != reminder.creator and self._people.is_admin(user),
            user != reminder.creator and self._in_target_channel(reminder, user),
        ):
            raise NotAllowed(
                "只有创建者、管理员或提醒所在频道的成员可以取消这个提醒 / "
                "Only its creator, a workspace admin or a member of its channel can cancel it."
            )
        self._store.set_status(reminder.reminder_id, "cancelled")
        if self.timer:
            self.timer.cancel(reminder.reminder_id)
        return reminder

    def _in_target_channel(self, reminder: Reminder, user: str) -> bool:
        """Members of the channel a reminder posts into may cancel it; a DM has no such members."""
        return reminder.channel.startswith(("C", "G")) and self._people.is_member(reminder.channel, user)

    # -- campaign reviews ------------------------------------------------------------------------

    def schedule_campaign_reviews(self, checklist: Checklist, channel: str, creator: str) -> None:
        """Evaluation the next working day after the end, the review three working days after."""
        end = checklist.campaign.end or checklist.campaign.launch
        if end is None:
            return
        zone = self._default_timezone
        for kind, at in campaign_review_times(end, self._calendar, zone).items():
            text = f"{checklist.campaign.name}:{'效果评估' if kind == 'evaluation' else '复盘'}"
            self.add(
                Reminder(
                    uuid.uuid4().hex[:8],
                    channel,
                    text,
                    creator,
                    zone,
                    OneOff(at),
                    kind,
                    checklist.campaign.campaign_id,
                )
            )

    def reschedule_campaign_reviews(self, checklist: Checklist, channel: str, creator: str) -> None:
        """Dates moved: the automatic evaluation and review reminders move with them."""
        for reminder in self._store.active():
            if (
                reminder.campaign_id == checklist.campaign.campaign_id
                and reminder.kind in CAMPAIGN_REMINDER_KINDS
            ):
                self._store.set_status(reminder.reminder_id, "cancelled")
                if self.timer:
                    self.timer.cancel(reminder.reminder_id)
        self.schedule_campaign_reviews(checklist, channel, creator)

    def review_by_hand(self, argument: str, user: str, channel: str) -> Reminder:
        """`双十二拉新活动 下周一 10:00`: a review reminder for one of the channel's campaigns."""
        text = argument.strip()
        campaign = self._checklists.find_in_channel(channel, text)
        if campaign is None:
            raise NotFound(
                "这个频道里找不到这个活动,先用 /ops checklists 看看名字 / No such campaign in this channel."
            )
        when = text.removeprefix(
            campaign.name if text.startswith(campaign.name) else campaign.campaign_id
        ).strip()
        zone = self.timezone_of(user)
        parsed = parse_reminder(f"{when} {campaign.name}:复盘", now_in(self._clock, zone))
        reminder = Reminder(
            uuid.uuid4().hex[:8],
            channel,
            parsed.text,
            user,
            zone,
            parsed.schedule,
            "review_manual",
            campaign.campaign_id,
        )
        self.add(reminder)
        return reminder

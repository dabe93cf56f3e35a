"""Reminders in Slack: created from `/ops remind`, listed and cancelled, and posted when due (once)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.checklist_store import SqlChecklistStore
from bot.adapters.reminder_store import SqlReminderStore
from bot.adapters.scheduler import ReminderScheduler, last_due
from bot.adapters.state_store import SqlStateStore
from bot.domain.checklists import Checklist
from bot.domain.clock import Clock, now_in
from bot.domain.reminders import Reminder, describe
from bot.domain.when import InvalidWhen, OneOff, parse_reminder
from bot.domain.working_days import CalendarNotCovered, WorkCalendar, shift_workdays
from bot.slack.blocks import safe
from bot.slack.responder import private_note

log = logging.getLogger(__name__)

LATE_AFTER_S = 60
REVIEW_HOUR = time(10, 0)
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")


class ReminderResponder:
    def __init__(
        self,
        store: SqlReminderStore,
        state: SqlStateStore,
        checklists: SqlChecklistStore,
        client: WebClient,
        post_webhook: Callable[[str, dict[str, Any]], None],
        calendar: WorkCalendar,
        review_questions: Callable[[], list[str]],
        default_timezone: str,
        clock: Clock,
    ) -> None:
        self._clock = clock
        self._store = store
        self._state = state
        self._checklists = checklists
        self._client = client
        self._post_webhook = post_webhook
        self._calendar = calendar
        self._review_questions = review_questions
        self._default_timezone = default_timezone
        self.scheduler: ReminderScheduler | None = None

    def _private(self, response_url: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        self._post_webhook(response_url, private_note(text, blocks))

    def _timezone_of(self, user: str) -> str:
        """The creator's Slack time zone, else the team default."""
        try:
            zone = str((self._client.users_info(user=user).get("user") or {}).get("tz") or "")
            ZoneInfo(zone)
            return zone
        except Exception:
            return self._default_timezone

    # -- creating, listing, cancelling -----------------------------------------------------------

    def create(self, argument: str, user: str, channel: str, response_url: str) -> None:
        target, _, rest = argument.strip().partition(" ")
        if match := _CHANNEL.match(target):
            where = match[1]
        elif target.lower() in ("here", "这里"):
            where = channel
        elif target.lower() in ("me", "我"):
            where = user
        else:
            self._private(
                response_url,
                "请先写提醒发到哪里:#频道、here 或 me。例如 `/ops remind #weekly 每周五下午4点 周报数据复盘`",
            )
            return
        zone = self._timezone_of(user)
        try:
            parsed = parse_reminder(rest, now_in(self._clock, zone))
        except InvalidWhen as error:
            self._private(response_url, safe(str(error), 1500))
            return
        reminder = Reminder(uuid.uuid4().hex[:8], where, parsed.text, user, zone, parsed.schedule)
        next_run = self.add(reminder)
        when = describe(parsed.schedule, zone)
        if next_run and not isinstance(parsed.schedule, OneOff):
            when += f", next {next_run.astimezone(ZoneInfo(zone)):%m/%d %H:%M}"
        place = "you" if where == user else f"<#{where}>"
        self._private(
            response_url, f"⏰ {when} → {place}: {safe(parsed.text, 300)} ✔ (id `{reminder.reminder_id}`)"
        )

    def add(self, reminder: Reminder) -> datetime | None:
        self._store.add(reminder)
        return self.scheduler.schedule(reminder) if self.scheduler else None

    def list_for(self, channel: str, user: str, response_url: str) -> None:
        """This channel's upcoming reminders and the asker's own, shown only to the asker."""
        active = [r for r in self._store.active() if r.channel == channel or r.creator == user]
        if not active:
            self._private(response_url, "没有待发送的提醒 / No upcoming reminders.")
            return
        blocks = []
        for reminder in active[:40]:
            place = f"<#{reminder.channel}>" if reminder.channel.startswith(("C", "G")) else "DM"
            blocks.append(
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": f"`{reminder.reminder_id}` {describe(reminder.schedule, reminder.timezone)} · {place}\n{safe(reminder.text, 300)}",
                    },
                    "accessory": {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Cancel"},
                        "style": "danger",
                        "action_id": "reminder_cancel",
                        "value": reminder.reminder_id,
                    },
                }
            )
        self._private(response_url, f"{len(active)} upcoming reminders", blocks)

    def cancel(self, reminder_id: str, user: str, response_url: str) -> None:
        reminder = self._store.get(reminder_id.strip("` "))
        if reminder is None or reminder.status != "active":
            self._private(response_url, f"没有这个提醒 / No active reminder `{safe(reminder_id, 40)}`.")
            return
        if reminder.creator != user and not self._is_admin(user):
            self._private(
                response_url,
                "只有创建者或管理员可以取消这个提醒 / Only its creator or a workspace admin can cancel it.",
            )
            return
        self._store.set_status(reminder.reminder_id, "cancelled")
        if self.scheduler:
            self.scheduler.cancel(reminder.reminder_id)
        self._private(
            response_url, f"已取消 / Cancelled `{reminder.reminder_id}`: {safe(reminder.text, 200)}"
        )

    def _is_admin(self, user: str) -> bool:
        try:
            info = self._client.users_info(user=user).get("user") or {}
            return bool(info.get("is_admin") or info.get("is_owner"))
        except SlackApiError:
            return False

    # -- campaign reviews ------------------------------------------------------------------------

    def reschedule_campaign_reviews(self, checklist: Checklist, channel: str, creator: str) -> None:
        """Dates moved: the automatic evaluation and review reminders move with them."""
        for reminder in self._store.active():
            if reminder.campaign_id == checklist.campaign.campaign_id and reminder.kind in (
                "evaluation",
                "review",
            ):
                self._store.set_status(reminder.reminder_id, "cancelled")
                if self.scheduler:
                    self.scheduler.cancel(reminder.reminder_id)
        self.schedule_campaign_reviews(checklist, channel, creator)

    def schedule_campaign_reviews(self, checklist: Checklist, channel: str, creator: str) -> None:
        """Evaluation the next working day after the end, review three working days after, 10:00 local."""
        end = checklist.campaign.end or checklist.campaign.launch
        if end is None:
            return
        zone = self._default_timezone
        for kind, workdays in (("evaluation", 1), ("review", 3)):
            try:
                day = shift_workdays(self._calendar, end, workdays)
            except CalendarNotCovered:
                day = end + timedelta(days=workdays + 2 * (workdays // 5 + 1))
            at = datetime.combine(day, REVIEW_HOUR, tzinfo=ZoneInfo(zone))
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

    def review_by_hand(self, argument: str, user: str, channel: str, response_url: str) -> None:
        """`/ops review 双十二拉新活动 下周一 10:00`: a review reminder for one of the channel's campaigns."""
        text = argument.strip()
        campaign = self._checklists.find_in_channel(channel, text)
        if campaign is None:
            self._private(
                response_url,
                "这个频道里找不到这个活动,先用 /ops checklists 看看名字 / No such campaign in this channel.",
            )
            return
        when = text.removeprefix(
            campaign.name if text.startswith(campaign.name) else campaign.campaign_id
        ).strip()
        zone = self._timezone_of(user)
        try:
            parsed = parse_reminder(f"{when} {campaign.name}:复盘", now_in(self._clock, zone))
        except InvalidWhen as error:
            self._private(response_url, safe(str(error), 1500))
            return
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
        self._private(
            response_url, f"⏰ {describe(parsed.schedule, zone)} → <#{channel}>: {safe(parsed.text, 200)} ✔"
        )

    # -- delivery --------------------------------------------------------------------------------

    def deliver(self, reminder_id: str, _scheduled: datetime | None = None) -> None:
        reminder = self._store.get(reminder_id)
        if reminder is None or reminder.status != "active":
            return
        now = now_in(self._clock, reminder.timezone)
        due = last_due(reminder, now)
        if not self._state.claim(f"reminder:{reminder_id}:{due:%Y%m%dT%H%M}"):
            return  # another process posted this one
        schedule = reminder.schedule
        if not isinstance(schedule, OneOff) and schedule.workdays_only:
            try:
                if not self._calendar.is_workday(due.date()):
                    return
            except CalendarNotCovered:
                if due.weekday() >= 5:
                    return
        late = (now - due).total_seconds() > LATE_AFTER_S
        self._post(reminder, due, late)
        if isinstance(schedule, OneOff):
            self._store.set_status(reminder_id, "done")

    def _post(self, reminder: Reminder, due: datetime, late: bool) -> None:
        text, blocks = self._message(reminder, due, late)
        try:
            self._client.chat_postMessage(channel=reminder.channel, text=text, blocks=blocks)
        except SlackApiError as error:
            reason = error.response.get("error", "")
            log.warning("posting reminder %s failed: %s", reminder.reminder_id, reason)
            if reason in ("not_in_channel", "channel_not_found", "is_archived"):
                self._client.chat_postMessage(
                    channel=reminder.creator,
                    text=f"提醒没能发到 <#{reminder.channel}>({reason}),请 /invite @opsbot。内容:{safe(reminder.text, 500)}",
                )
            else:
                raise

    def _message(self, reminder: Reminder, due: datetime, late: bool) -> tuple[str, list[dict[str, Any]]]:
        late_note = f"(迟到的提醒,原定 {due:%m/%d %H:%M} / late, was due {due:%H:%M})" if late else ""
        lines = [f"⏰ {safe(reminder.text, 1000)} {late_note}".strip()]
        if reminder.kind in ("evaluation", "review", "review_manual") and reminder.campaign_id:
            checklist = self._checklists.load(reminder.campaign_id)
            if checklist is not None:
                done, total = checklist.progress()
                lines.append(f"Checklist {done}/{total} done.")
            questions = self._review_questions()
            if questions:
                lines.append("手册里的复盘问题 / Questions from the playbook:")
                lines += [f"{n}. {safe(question, 200)}" for n, question in enumerate(questions, 1)]
        text = "\n".join(lines)
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900], "verbatim": True}}
        ]
        if reminder.kind in ("review", "review_manual") and reminder.campaign_id:
            blocks.append(
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "style": "primary",
                            "action_id": "review_write",
                            "value": reminder.campaign_id,
                            "text": {"type": "plain_text", "text": "写复盘 / Write the review"},
                        }
                    ],
                }
            )
        return text, blocks

    def report_missed(self, reminder_id: str, scheduled: datetime) -> None:
        """Missed by more than the grace period (the bot was down): tell the creator, never drop silently."""
        reminder = self._store.get(reminder_id)
        if reminder is None or reminder.status != "active":
            return
        if not self._state.claim(f"missed:{reminder_id}:{scheduled:%Y%m%dT%H%M}"):
            return
        self._client.chat_postMessage(
            channel=reminder.creator,
            text=f"⚠️ 提醒没有按时发出(opsbot 当时不在线),原定 {scheduled.astimezone(ZoneInfo(reminder.timezone)):%Y-%m-%d %H:%M}:"
            f"{safe(reminder.text, 500)}",
        )
        if isinstance(reminder.schedule, OneOff):
            self._store.set_status(reminder_id, "missed")

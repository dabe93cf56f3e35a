"""Reminders in Slack: `/ops remind`, the list with Cancel buttons, and posting a due reminder."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.reminders import Reminder, describe
from bot.domain.when import OneOff
from bot.logging_setup import log_context
from bot.services.reminder_delivery import DueReminder, PostFailure, ReminderDelivery
from bot.services.reminders import ReminderService
from bot.slack.blocks import safe
from bot.slack.replies import Replier
from bot.slack.request import SlackRequest
from bot.slack.retries import retry_after_s
from bot.slack.reviews import action_item_lines

log = logging.getLogger(__name__)

# Slack errors that retrying cannot fix: the creator is told at once.
CANNOT_POST = ("not_in_channel", "channel_not_found", "is_archived")
PERMANENT = (
    *CANNOT_POST,
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "restricted_action",
    "restricted_action_read_only_channel",
    "restricted_action_thread_only_channel",
    "team_access_not_granted",
    "ekm_access_denied",
    "msg_too_long",
    "invalid_blocks",
    "invalid_arguments",
)


def post_failure(error: Exception) -> PostFailure:
    """A failed chat.postMessage as the delivery rules see it: permanent, or transient (5xx,
    ok:false ratelimited/fatal_error, 429 with its Retry-After, a timeout)."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 200)
        reason = str(error.response.get("error") or f"http{status}")
        if status >= 500:
            reason = f"http{status} {reason}"
        retry_after = retry_after_s(error.response.headers) if status == 429 else None
        return PostFailure(reason, reason in PERMANENT, retry_after)
    if isinstance(error, TimeoutError):
        return PostFailure("timeout")
    return PostFailure(type(error).__name__)


def _place(reminder: Reminder) -> str:
    return f"<#{reminder.channel}>" if reminder.channel.startswith(("C", "G")) else "DM"


class ReminderResponder:
    def __init__(
        self, service: ReminderService, client: WebClient, replier: Replier, delivery: ReminderDelivery
    ) -> None:
        self.service = service
        self.delivery = delivery
        self._client = client
        self._replier = replier
        # Set by the container: these people's reminders changed (App Home republishes).
        self.on_change: Callable[[list[str]], None] | None = None

    def _changed(self, *users: str) -> None:
        if self.on_change is not None:
            self.on_change(list(users))

    def add(self, reminder: Reminder) -> datetime | None:
        return self.service.add(reminder)

    def create(self, request: SlackRequest) -> None:
        created = self.service.create(request.text, request.user_id, request.channel_id)
        reminder = created.reminder
        when = describe(reminder.schedule, reminder.timezone)
        if created.upcoming and not isinstance(reminder.schedule, OneOff):
            zone = ZoneInfo(reminder.timezone)
            when += ", next " + ", ".join(
                f"{moment.astimezone(zone):%m/%d %H:%M}" for moment in created.upcoming
            )
        self._changed(reminder.creator)
        place = "you" if reminder.channel == request.user_id else f"<#{reminder.channel}>"
        self._replier.private(
            request, f"⏰ {when} → {place}: {safe(reminder.text, 300)} ✔ (id `{reminder.reminder_id}`)"
        )

    def list_for(self, request: SlackRequest) -> None:
        """This channel's upcoming reminders and the asker's own, shown only to the asker."""
        upcoming = self.service.upcoming_for(request.channel_id, request.user_id)
        if not upcoming:
            self._replier.private(request, "没有待发送的提醒 / No upcoming reminders.")
            return
        blocks = [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"`{r.reminder_id}` {describe(r.schedule, r.timezone)} · {_place(r)}\n{safe(r.text, 300)}",
                },
                "accessory": {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Cancel"},
                    "style": "danger",
                    "action_id": "reminder_cancel",
                    "value": r.reminder_id,
                },
            }
            for r in upcoming[:40]
        ]
        self._replier.private(request, f"{len(upcoming)} upcoming reminders", blocks)

    def cancel(self, request: SlackRequest, reminder_id: str) -> None:
        reminder = self.service.cancel(reminder_id, request.user_id)
        self._changed(reminder.creator)
        self._replier.private(
            request, f"已取消 / Cancelled `{reminder.reminder_id}`: {safe(reminder.text, 200)}"
        )

    def review_by_hand(self, request: SlackRequest) -> None:
        """`/ops review 双十二拉新活动 下周一 10:00`: a review reminder for one of the channel's campaigns."""
        reminder = self.service.review_by_hand(request.text, request.user_id, request.channel_id)
        self._changed(reminder.creator)
        self._replier.private(
            request,
            f"⏰ {describe(reminder.schedule, reminder.timezone)} → <#{reminder.channel}>: {safe(reminder.text, 200)} ✔",
        )

    # -- delivery (called by the scheduler's job with nothing but an id) --------------------------

    def deliver(self, reminder_id: str, _scheduled: datetime | None = None) -> None:
        with log_context(reminder=reminder_id):
            due = self.delivery.claim_due(reminder_id)
            if due is not None:
                self._attempt(due)

    def sweep(self) -> None:
        """Retries that are due and deliveries whose claimer died (run at start-up and periodically)."""
        for key in self.delivery.waiting():
            with log_context(reminder=key.reminder_id):
                due = self.delivery.claim_waiting(key)
                if due is not None:
                    self._attempt(due)

    def _attempt(self, due: DueReminder) -> None:
        text, blocks = reminder_message(due)
        try:
            self._client.chat_postMessage(channel=due.reminder.channel, text=text, blocks=blocks)
        except (SlackApiError, OSError) as error:  # OSError: timeouts and connection failures
            failure = post_failure(error)
        else:
            self.delivery.delivered(due)
            self._changed(due.reminder.creator)  # Home: a one-off leaves the list, a series moves on
            return
        verdict = self.delivery.failed(due, failure)
        if verdict != "retrying":
            self._tell_creator(due, verdict == "refused", failure.reason)
            self._changed(due.reminder.creator)

    def _tell_creator(self, due: DueReminder, refused: bool, reason: str) -> None:
        reminder = due.reminder
        if refused:
            text = f"提醒没能发到 {_place(reminder)}({reason}),请 /invite @opsbot。内容:{safe(reminder.text, 500)}"
        else:
            local_due = due.due.astimezone(ZoneInfo(reminder.timezone))
            text = (
                f"⚠️ 提醒试了 {due.attempt} 次都没能发到 {_place(reminder)}(最后一次:{reason}),已放弃。"
                f"原定 {local_due:%Y-%m-%d %H:%M}:{safe(reminder.text, 500)}\n"
                f"A reminder due {local_due:%Y-%m-%d %H:%M} could not be posted after {due.attempt} attempts "
                f"({reason}); please post it yourself."
            )
        try:
            self._client.chat_postMessage(channel=reminder.creator, text=text)
        except (SlackApiError, OSError) as error:
            log.error(
                "could not tell %s about reminder %s: %s", reminder.creator, reminder.reminder_id, error
            )

    def report_missed(self, reminder_id: str, scheduled: datetime) -> None:
        """Missed by more than the grace period (the bot was down): tell the creator, never drop silently."""
        reminder = self.delivery.claim_missed(reminder_id, scheduled)
        if reminder is None:
            return
        self._client.chat_postMessage(
            channel=reminder.creator,
            text=f"⚠️ 提醒没有按时发出(opsbot 当时不在线),原定 {scheduled.astimezone(ZoneInfo(reminder.timezone)):%Y-%m-%d %H:%M}:"
            f"{safe(reminder.text, 500)}",
        )


def reminder_message(due: DueReminder) -> tuple[str, list[dict[str, Any]]]:
    """The reminder's text (late if so), the checklist's progress and the playbook's review questions."""
    reminder = due.reminder
    local_due = due.due.astimezone(ZoneInfo(reminder.timezone))
    late_note = (
        f"(迟到的提醒,原定 {local_due:%m/%d %H:%M} / late, was due {local_due:%H:%M})" if due.late else ""
    )
    lines = [f"⏰ {safe(reminder.text, 1000)} {late_note}".strip()]
    if due.progress is not None:
        done, total = due.progress
        lines.append(f"Checklist {done}/{total} done.")
    if due.review_questions:
        lines.append("手册里的复盘问题 / Questions from the playbook:")
        lines += [f"{n}. {safe(question, 200)}" for n, question in enumerate(due.review_questions, 1)]
    lines += action_item_lines(due.action_items)
    text = "\n".join(lines)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900], "verbatim": True}}
    ]
    if due.asks_for_review:
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

"""Checklists in Slack: post a drafted checklist, apply ticks and owners, keep the message current."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.checklists import ChecklistService
from bot.slack import checklist_blocks
from bot.slack.blocks import safe
from bot.slack.replies import Replier
from bot.slack.request import SlackRequest

log = logging.getLogger(__name__)


class ChecklistResponder:
    """Each public method is one unit of work run after the acknowledgement."""

    def __init__(self, service: ChecklistService, client: WebClient, replier: Replier) -> None:
        self.service = service
        self._client = client
        self._replier = replier
        # Re-rendering a message reads the latest ticks under this lock, so the last update wins with all of them.
        self._message_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    def draft_and_post(self, request: SlackRequest) -> None:
        checklist = self.service.draft(request.text, request.channel_id, request.user_id)
        try:
            posted = self._client.chat_postMessage(
                channel=request.channel_id,
                text=checklist_blocks.checklist_text(checklist),
                blocks=checklist_blocks.checklist_blocks(checklist),
            )
        except SlackApiError as error:
            reason = error.response.get("error", "error")
            log.info("posting a checklist failed: %s", reason)
            hint = (
                "请先 /invite @opsbot 到这个频道 / invite me to this channel first."
                if reason in ("not_in_channel", "channel_not_found")
                else f"Slack 返回了 {reason}。"
            )
            self._replier.private(request, f"清单已生成但无法发到频道:{hint}")
            return
        self.service.posted(checklist, request.channel_id, str(posted["ts"]), request.user_id)

    def move_dates(self, request: SlackRequest) -> None:
        """`move <campaign> launch … end …`: new due dates, the message updated, reviews rescheduled."""
        moved = self.service.move_dates(request.text, request.channel_id, request.user_id)
        self.refresh(moved.checklist.campaign.campaign_id)
        self._replier.private(request, f"已更新日期 / Dates moved: {safe(moved.name, 100)}")

    def list_for_channel(self, request: SlackRequest) -> None:
        summaries = self.service.summaries(request.channel_id)
        self._replier.private(
            request, f"{len(summaries)} checklists", checklist_blocks.summaries_blocks(summaries)
        )

    def tick(
        self, request: SlackRequest, campaign_id: str, selected: list[str], shown: list[str], group: list[str]
    ) -> None:
        self.service.tick(campaign_id, selected, shown, group, request.user_id, request.channel_id)
        self.refresh(campaign_id)

    def set_owner(self, request: SlackRequest, campaign_id: str, stage_key: str, owner: str | None) -> None:
        self.service.set_owner(campaign_id, stage_key, owner, request.channel_id)
        self.refresh(campaign_id)

    def export(self, request: SlackRequest, campaign_id: str) -> None:
        markdown = self.service.export_markdown(campaign_id, request.channel_id)
        self._replier.private(request, f"```\n{safe(markdown, 3500)}\n```")

    def refresh(self, campaign_id: str) -> None:
        with self._message_locks[campaign_id]:
            where = self.service.message_of(campaign_id)
            if where is None:
                return
            checklist = self.service.load(campaign_id)
            channel, ts = where
            self._client.chat_update(
                channel=channel,
                ts=ts,
                text=checklist_blocks.checklist_text(checklist),
                blocks=checklist_blocks.checklist_blocks(checklist),
            )

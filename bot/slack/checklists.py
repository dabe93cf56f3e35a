"""Checklists in Slack: post a drafted checklist, apply ticks and owners, keep the message current."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.checklist_store import SqlChecklistStore
from bot.domain.checklists import Checklist
from bot.domain.dates import InvalidDate
from bot.domain.drafting import ChecklistDrafter, ChecklistError, parse_request
from bot.slack import checklist_blocks
from bot.slack.blocks import safe
from bot.slack.responder import private_note

log = logging.getLogger(__name__)


class ChecklistResponder:
    """Each public method is one unit of work run after the acknowledgement."""

    def __init__(
        self,
        drafter: ChecklistDrafter,
        store: SqlChecklistStore,
        client: WebClient,
        post_webhook: Callable[[str, dict[str, Any]], None],
        today: Callable[[], date],
        on_posted: Callable[[Checklist, str, str], None] | None = None,
        on_moved: Callable[[Checklist, str, str], None] | None = None,
    ) -> None:
        self._on_posted = on_posted
        self._on_moved = on_moved
        self._drafter = drafter
        self._store = store
        self._client = client
        self._post_webhook = post_webhook
        self._today = today
        # Re-rendering a message reads the latest ticks under this lock, so the last update wins with all of them.
        self._message_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    def _private(self, response_url: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        self._post_webhook(response_url, private_note(text, blocks))

    def draft_and_post(self, text: str, channel: str, user: str, response_url: str) -> None:
        try:
            request = parse_request(text, self._today())
            checklist = self._drafter.draft(request.description, request.launch, request.end)
        except (ChecklistError, InvalidDate) as error:
            self._private(response_url, safe(str(error), 1500))
            return
        self._store.save(checklist, channel=channel, created_by=user)
        try:
            posted = self._client.chat_postMessage(
                channel=channel,
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
            self._private(response_url, f"清单已生成但无法发到频道:{hint}")
            return
        self._store.attach_message(checklist.campaign.campaign_id, channel, str(posted["ts"]))
        if self._on_posted:
            self._on_posted(checklist, channel, user)

    def move_dates(self, text: str, channel: str, user: str, response_url: str) -> None:
        """`move <campaign> launch … end …`: new due dates, the message updated, reviews rescheduled."""
        campaign = self._store.find_in_channel(channel, text)
        if campaign is None:
            self._private(
                response_url,
                "这个频道里找不到这个活动,先用 /ops checklists 看看名字 / No such campaign in this channel.",
            )
            return
        try:
            request = parse_request(text, self._today())
            launch, end = request.launch or campaign.launch, request.end or campaign.end
            dues = self._drafter.due_dates(campaign.name, launch, end)
        except (ChecklistError, InvalidDate) as error:
            self._private(response_url, safe(str(error), 1500))
            return
        self._store.set_dates(campaign.campaign_id, launch, end, dues)
        self._refresh(campaign.campaign_id)
        checklist = self._store.load(campaign.campaign_id)
        if checklist is not None and self._on_moved:
            self._on_moved(checklist, channel, user)
        self._private(response_url, f"已更新日期 / Dates moved: {safe(campaign.name, 100)}")

    def list_for_channel(self, channel: str, response_url: str) -> None:
        summaries = self._store.for_channel(channel)
        self._private(
            response_url, f"{len(summaries)} checklists", checklist_blocks.summaries_blocks(summaries)
        )

    def tick(
        self, campaign_id: str, selected: list[str], shown_ticked: list[str], group: list[str], user: str
    ) -> None:
        """Apply only what this person changed, relative to what their message showed."""
        now_ticked = set(selected) & set(group)
        before = set(shown_ticked) & set(group)
        self._store.set_done(campaign_id, sorted(now_ticked - before), True, user)
        self._store.set_done(campaign_id, sorted(before - now_ticked), False, user)
        self._refresh(campaign_id)

    def set_owner(self, campaign_id: str, stage_key: str, owner: str | None) -> None:
        self._store.set_stage_owner(campaign_id, stage_key, owner)
        self._refresh(campaign_id)

    def export(self, campaign_id: str, response_url: str) -> None:
        checklist = self._store.load(campaign_id)
        if checklist is None:
            self._private(response_url, "找不到这个清单 / checklist not found.")
            return
        markdown = checklist.to_markdown()
        self._private(response_url, f"```\n{safe(markdown, 3500)}\n```")

    def _refresh(self, campaign_id: str) -> None:
        with self._message_locks[campaign_id]:
            checklist = self._store.load(campaign_id)
            where = self._store.message_of(campaign_id)
            if checklist is None or where is None:
                return
            channel, ts = where
            self._client.chat_update(
                channel=channel,
                ts=ts,
                text=checklist_blocks.checklist_text(checklist),
                blocks=checklist_blocks.checklist_blocks(checklist),
            )

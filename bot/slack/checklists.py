"""Checklists in Slack: post a drafted checklist, apply ticks and owners, keep the message current."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.errors import OpsbotError
from bot.health import is_storage_failure
from bot.services.checklists import ChecklistService, OwnerRefused
from bot.slack import checklist_blocks
from bot.slack.ack_budget import start_before_ack
from bot.slack.blocks import safe
from bot.slack.checklist_blocks import OWNER_BLOCK, Names
from bot.slack.replies import NOT_SAVED, Replier
from bot.slack.request import SlackRequest, field_errors, view_metadata

log = logging.getLogger(__name__)


class ChecklistResponder:
    """Each public method is one unit of work run after the acknowledgement."""

    def __init__(
        self, service: ChecklistService, client: WebClient, replier: Replier, names: Names | None = None
    ) -> None:
        self.service = service
        self._client = client
        self._replier = replier
        self._names = names  # display names for owners shown in plain_text (never mentions)
        # Re-rendering a message reads the latest ticks under this lock, so the last update wins with all of them.
        self._message_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        # Set by the container: a campaign changed (App Home republishes, queued, never waited for).
        self.on_change: Callable[[str], None] | None = None

    def draft_and_post(self, request: SlackRequest) -> None:
        checklist = self.service.draft(request.text, request.channel_id, request.user_id)
        try:
            posted = self._client.chat_postMessage(
                channel=request.channel_id,
                text=checklist_blocks.checklist_text(checklist),
                blocks=checklist_blocks.checklist_blocks(checklist, self._names),
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
        if self.on_change is not None:
            self.on_change(checklist.campaign.campaign_id)

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

    def open_owners(self, request: SlackRequest, campaign_id: str, stage_key: str) -> None:
        """Opens the per-item owner modal at once (a trigger_id lives 3 seconds); checking the person's
        membership here also warms the member cache the submission's check, before its ack, reads."""
        checklist, stage = self.service.stage_of(campaign_id, stage_key, request.channel_id, request.user_id)
        self._client.views_open(
            trigger_id=request.trigger_id, view=checklist_blocks.owners_modal(checklist, stage.key)
        )

    def assign_owners(self, request: SlackRequest, view: dict[str, Any]) -> Future[list[str]]:
        """Starts saving the owners picked in the modal; the listener waits for it only until the ack
        (checking each new owner asks Slack, which may be slow or rate-limited)."""
        metadata = view_metadata(view)
        campaign_id, stage_key = str(metadata.get("campaign") or ""), str(metadata.get("stage") or "")
        owners = checklist_blocks.submitted_owners(view)
        return start_before_ack(
            lambda: self.service.set_item_owners(campaign_id, stage_key, owners, request.user_id)
        )

    @staticmethod
    def owner_errors(view: dict[str, Any], saving: Future[list[str]]) -> dict[str, Any] | None:
        """Slack's field errors for a finished save that was refused (the modal stays open); None if saved."""
        first = next((b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"), "")
        try:
            saving.result()
        except OwnerRefused as error:
            return field_errors({f"{OWNER_BLOCK}{error.item_id}": str(error)})
        except OpsbotError as error:
            return field_errors({first: str(error)})
        except Exception as error:
            if not is_storage_failure(error):
                raise
            return field_errors({first: NOT_SAVED})
        return None

    def finish_assigning(
        self, request: SlackRequest, view: dict[str, Any], saving: Future[list[str]]
    ) -> None:
        """After the acknowledgement: a save that outlasted it is awaited (a refusal becomes a private
        reply), then the checklist message shows the new owners."""
        saving.result()
        self.refresh(str(view_metadata(view).get("campaign") or ""))

    def mine(self, request: SlackRequest) -> None:
        """`/ops mine`: the caller's own open items across every campaign, privately."""
        grouped = self.service.my_open_items(request.user_id)
        blocks = checklist_blocks.my_items_blocks(grouped, self.service.today())
        self._replier.private(request, f"你的未完成事项 / Your open items: {grouped.count}", blocks)

    def export(self, request: SlackRequest, campaign_id: str) -> None:
        markdown = self.service.export_markdown(campaign_id, request.channel_id)
        self._replier.private(request, f"```\n{safe(markdown, 3500)}\n```")

    def refresh(self, campaign_id: str) -> None:
        if self.on_change is not None:
            self.on_change(campaign_id)
        with self._message_locks[campaign_id]:
            where = self.service.message_of(campaign_id)
            if where is None:
                return
            checklist = self.service.load(campaign_id)
            channel, ts = where
            try:
                self._client.chat_update(
                    channel=channel,
                    ts=ts,
                    text=checklist_blocks.checklist_text(checklist),
                    blocks=checklist_blocks.checklist_blocks(checklist, self._names),
                )
            except SlackApiError as error:
                # Deleted or archived: the change is saved, and the nudge or Home clicked still shows it.
                log.warning("could not update the checklist message: %s", error.response.get("error"))

"""Morning nudges in Slack: the DM with a **Done** button per item, its clicks, and `/ops nudges …`."""

from __future__ import annotations

import copy
import logging
from datetime import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.nudges import Nudge, due_label, heading
from bot.services.nudges import NudgeChoices
from bot.slack.blocks import Block, safe
from bot.slack.checklists import ChecklistResponder
from bot.slack.replies import Replier
from bot.slack.request import SlackRequest

log = logging.getLogger(__name__)

DONE_ACTION = "nudge_done"
_BLOCK_PREFIX = "nudge:"
_OPEN, _DONE = "☐", "☑"
WORKSPACE_OFF = "这个工作区关闭了早间提醒(OPSBOT_NUDGES)。 / Morning nudges are off for this workspace."


def item_value(campaign_id: str, item_id: str) -> str:
    """The button's value: which item, never its text (campaign ids hold no ':')."""
    return f"{campaign_id}:{item_id}"


def nudge_text(nudge: Nudge) -> str:
    """The notification and fallback text: the heading alone."""
    return heading(nudge)


def nudge_blocks(nudge: Nudge) -> list[Block]:
    """A heading, one section per item (text, campaign, due) with its Done button, and what is not shown."""
    shown, more = nudge.listed()
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{heading(nudge)}*"}}]
    for item in shown:
        line = f"{_OPEN} {safe(item.text, 600)}\n_{safe(item.campaign_name, 150)} · {due_label(item, nudge.day)}_"
        blocks.append(
            {
                "type": "section",
                "block_id": f"{_BLOCK_PREFIX}{item_value(item.campaign_id, item.item_id)}"[:255],
                "text": {"type": "mrkdwn", "text": line},
                "accessory": {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "完成 ✓ / Done", "emoji": True},
                    "action_id": DONE_ACTION,
                    "value": item_value(item.campaign_id, item.item_id),
                },
            }
        )
    if more:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"还有 {more} 项未列出 / and {more} more in the checklists"}
                ],
            }
        )
    return blocks


def marked_done(blocks: list[Block], value: str) -> list[Block]:
    """The DM as it was, with the clicked item shown done and its button gone."""
    updated = copy.deepcopy(blocks)
    for block in updated:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == DONE_ACTION and accessory.get("value") == value:
            block.pop("accessory")
            text = str(block["text"]["text"])
            block["text"]["text"] = f"{_DONE}{text.removeprefix(_OPEN)} · ✅ 已完成 / done"
    return updated


class SlackNudgePoster:
    """Posts one owner's nudge as a DM (channel = their user id opens the app's DM)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def post_nudge(self, nudge: Nudge) -> None:
        self._client.chat_postMessage(
            channel=nudge.owner, text=nudge_text(nudge), blocks=nudge_blocks(nudge), unfurl_links=False
        )


class NudgeResponder:
    """Each public method is one unit of work run after the acknowledgement."""

    def __init__(
        self,
        choices: NudgeChoices,
        checklists: ChecklistResponder,
        client: WebClient,
        replier: Replier,
        slash_command: str = "/ops",
        at: time = time(10, 0),
        enabled: bool = True,
    ) -> None:
        self.choices = choices
        self._checklists = checklists
        self._client = client
        self._replier = replier
        self._command = slash_command
        self._at = at
        self._enabled = enabled  # OPSBOT_NUDGES: off for the whole workspace

    def tick(self, request: SlackRequest, value: str, blocks: list[Block], text: str) -> None:
        """**Done** in the DM: tick the item, update the channel's checklist, then the DM itself."""
        campaign_id, _, item_id = value.partition(":")
        self.choices.tick(campaign_id, item_id, request.user_id)
        self._checklists.refresh(campaign_id)
        if not (request.channel_id and request.ts) or not self._is_own_dm(request):
            return
        try:
            self._client.chat_update(
                channel=request.channel_id, ts=request.ts, text=text, blocks=marked_done(blocks, value)
            )
        except SlackApiError as error:
            log.info("could not update the nudge: %s", error.response.get("error"))

    def _is_own_dm(self, request: SlackRequest) -> bool:
        """The click's channel, message and blocks are the sender's word: only the clicker's own DM
        with opsbot is updated, never another message opsbot posted somewhere."""
        try:
            opened = self._client.conversations_open(users=request.user_id)
        except SlackApiError as error:
            log.info("could not find the nudge's DM: %s", error.response.get("error"))
            return False
        return str((opened.get("channel") or {}).get("id") or "") == request.channel_id

    def turn_off(self, request: SlackRequest) -> None:
        self.choices.turn_off(request.user_id)
        self._replier.private(
            request,
            f"好的,不再发早间提醒;`{self._command} nudges on` 可以重新打开。 / Morning nudges are off for"
            f" you; `{self._command} nudges on` turns them back on.",
        )

    def turn_on(self, request: SlackRequest) -> None:
        self.choices.turn_on(request.user_id)
        self._replier.private(request, f"早间提醒已打开。 / Morning nudges are on. {self._when()}")

    def status(self, request: SlackRequest) -> None:
        if not self._enabled:
            self._replier.private(request, WORKSPACE_OFF)
        elif self.choices.is_on(request.user_id):
            hint = f"`{self._command} nudges off` 关闭 / turns them off."
            self._replier.private(request, f"早间提醒:开 / Morning nudges: on. {self._when()} {hint}")
        else:
            hint = f"`{self._command} nudges on` 打开 / turns them on."
            self._replier.private(request, f"早间提醒:关 / Morning nudges: off. {hint}")

    def _when(self) -> str:
        at = f"{self._at:%H:%M}"
        return (
            f"工作日 {at}(你的时区)私信你今天到期和已逾期的事项。 / A DM at {at} your time on working days"
            " lists your items due today or overdue."
        )

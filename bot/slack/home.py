"""App Home in Slack: the Home tab's blocks, publishing it, and its Done and Cancel buttons.

What Home shows and who may press what is decided in bot/services/home.py.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.domain.checklists import OpenItem
from bot.domain.errors import NotFound
from bot.domain.reminders import describe
from bot.services.home import CampaignOverview, HomeModel, HomeService, UpcomingReminder
from bot.services.reminders import ReminderService
from bot.slack.blocks import safe
from bot.slack.checklists import ChecklistResponder
from bot.slack.gaps import gap_blocks
from bot.slack.request import SlackRequest

log = logging.getLogger(__name__)

DONE_ACTION = "home_item_done"
CANCEL_ACTION = "home_reminder_cancel"
MAX_BLOCKS = 100  # Slack's limit for a Home view
BAR_WIDTH = 10
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,30}$")

Block = dict[str, Any]


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """`▓▓▓▓░░░░░░ 8/20`: full only when everything is done."""
    filled = done * width // total if total > 0 else 0
    return f"{'▓' * filled}{'░' * (width - filled)} {done}/{total}"


def channel_link(channel: str) -> str:
    """`<#C…>` for a channel id we stored; anything else is not linked."""
    return f"<#{channel}>" if _CHANNEL_ID.match(channel) else ""


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:1900]}]}


def _button(text: str, action_id: str, value: str, style: str) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
        "style": style,
    }


def _item_block(item: OpenItem) -> Block:
    details = [safe(item.campaign_name, 100), safe(item.stage_name, 60)]
    if item.due is not None:
        details.append(f"due {item.due:%m/%d}")
    if link := channel_link(item.channel):
        details.append(link)
    return {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": f"☐ {safe(item.text, 500)}\n{' · '.join(details)}"[:2900],
            "verbatim": True,
        },
        "accessory": _button("完成 / Done", DONE_ACTION, f"{item.campaign_id}:{item.item_id}", "primary"),
    }


def item_blocks(model: HomeModel) -> list[Block]:
    blocks = [_header(f"📋 我的待办 / My items ({model.item_count})")]
    groups = (
        ("⚠️ 逾期 / Overdue", model.overdue),
        ("📅 今天到期 / Due today", model.due_today),
        ("🗓️ 之后 / Upcoming", model.upcoming),
    )
    for title, items in groups:
        if items:
            blocks.append(_context(f"*{title}* ({len(items)})"))
            blocks += [_item_block(item) for item in items]
    if model.items_hidden:
        blocks.append(_context(f"… 另有 {model.items_hidden} 项 / and {model.items_hidden} more"))
    if model.item_count == 0:
        blocks.append(_context("没有分给你的待办 🎉 / No open items assigned to you."))
    return blocks


def _campaign_block(campaign: CampaignOverview) -> Block:
    dates = "–".join(f"{day:%m/%d}" for day in (campaign.launch, campaign.end) if day)
    line = " · ".join(
        part for part in (f"*{safe(campaign.name, 150)}*", channel_link(campaign.channel), dates) if part
    )
    return {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": f"{line}\n`{progress_bar(campaign.done, campaign.total)}`",
            "verbatim": True,
        },
    }


def _listed(title: str, rows: list[Block], hidden: int, empty: str) -> list[Block]:
    """A Home section: its title with the count, the rows shown, how many more, or what is empty."""
    count = len(rows) + hidden
    blocks = [_header(f"{title} ({count})"), *rows]
    if hidden:
        blocks.append(_context(f"… 另有 {hidden} 个 / and {hidden} more"))
    if not count:
        blocks.append(_context(empty))
    return blocks


def campaign_blocks(model: HomeModel) -> list[Block]:
    return _listed(
        "📊 活动 / Campaigns",
        [_campaign_block(campaign) for campaign in model.campaigns],
        model.campaigns_hidden,
        "你的频道里还没有活动清单 / No campaign checklists in your channels yet.",
    )


def _reminder_block(upcoming: UpcomingReminder) -> Block:
    reminder = upcoming.reminder
    zone = ZoneInfo(reminder.timezone) if _known_zone(reminder.timezone) else None
    place = channel_link(reminder.channel) or "DM"
    next_run = (
        f"next {upcoming.next_run.astimezone(zone):%m/%d %H:%M}"
        if upcoming.next_run is not None and zone is not None
        else "not scheduled"
    )
    text = (
        f"{safe(reminder.text, 300)}\n{describe(reminder.schedule, reminder.timezone)} → {place} · {next_run}"
    )
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": text[:2900], "verbatim": True},
        "accessory": _button("取消 / Cancel", CANCEL_ACTION, reminder.reminder_id, "danger"),
    }


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True


def reminder_blocks(model: HomeModel) -> list[Block]:
    return _listed(
        "⏰ 我的提醒 / My reminders",
        [_reminder_block(upcoming) for upcoming in model.reminders],
        model.reminders_hidden,
        "没有提醒 / No reminders. `/ops remind me 明天10点 …`",
    )


def gap_section(model: HomeModel, zone: ZoneInfo) -> list[Block]:
    """Editors only: the open gap groups with the same **Answer this** button as `/ops gaps`."""
    if model.gaps is None:
        return []
    count = len(model.gaps) + model.gaps_hidden
    blocks = [_header(f"🕳️ 知识缺口 / Knowledge gaps ({count})")]
    if not model.gaps:
        return [*blocks, _context("目前没有待补充的问题 🎉 / No open knowledge gaps.")]
    blocks += gap_blocks(
        model.gaps, "没能回答的问题,相似的合在一起 / Questions opsbot could not answer", zone
    )
    if model.gaps_hidden:
        blocks.append(_context(f"… 另有 {model.gaps_hidden} 组,见 `/ops gaps` / {model.gaps_hidden} more"))
    return blocks


def home_view(model: HomeModel, zone: ZoneInfo) -> dict[str, Any]:
    divider: Block = {"type": "divider"}
    blocks = [
        *item_blocks(model),
        divider,
        *campaign_blocks(model),
        divider,
        *reminder_blocks(model),
    ]
    if gaps := gap_section(model, zone):
        blocks += [divider, *gaps]
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}


class HomeResponder:
    """Each public method is one unit of work run after the acknowledgement."""

    def __init__(
        self,
        service: HomeService,
        client: WebClient,
        checklists: ChecklistResponder,
        reminders: ReminderService,
        timezone: str,
    ) -> None:
        self.service = service
        self._client = client
        self._checklists = checklists
        self._reminders = reminders
        self._zone = ZoneInfo(timezone)
        # Set by the container: republishes other people's Home (a reminder's creator, say).
        self.on_change: Callable[[list[str]], None] | None = None

    def publish(self, user: str) -> None:
        self._client.views_publish(user_id=user, view=home_view(self.service.home_of(user), self._zone))

    def opened(self, request: SlackRequest) -> None:
        """The Home tab was opened: remember the person and show them their Home."""
        self.service.opened(request.user_id)
        self.publish(request.user_id)

    def complete_item(self, request: SlackRequest, value: str) -> None:
        """Done on Home: the owner's item ticked, the checklist message updated, Home shown again."""
        campaign_id, _, item_id = value.partition(":")
        if not campaign_id or not item_id:
            raise NotFound("这一项已不存在 / That item no longer exists.")
        self.service.complete_item(request.user_id, campaign_id, item_id)
        self._checklists.refresh(campaign_id)
        self.publish(request.user_id)

    def cancel_reminder(self, request: SlackRequest, reminder_id: str) -> None:
        """Cancel on Home, with the same rule as everywhere: creator, admin or the channel's members."""
        reminder = self._reminders.cancel(reminder_id, request.user_id)
        self.publish(request.user_id)
        if self.on_change is not None and reminder.creator != request.user_id:
            self.on_change([reminder.creator])

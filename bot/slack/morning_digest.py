"""The morning digest in Slack: one short message per campaign channel (due today, overdue, progress)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.domain.checklists import OpenItem
from bot.domain.morning_digest import CampaignDue, Digest, progress_bar
from bot.slack.blocks import Block, safe
from bot.slack.checklist_blocks import fit_lines, open_item_line

MAX_CAMPAIGNS = 45  # Slack's 50 blocks a message: the heading, the campaigns, a "more" line
ITEMS_SHOWN = 10


def digest_text(digest: Digest) -> str:
    """The message's `text` (what Slack notifies with)."""
    return (
        f"早安:{digest.due_today} 项今天到期,{digest.overdue} 项已逾期"
        f" / Good morning: {digest.due_today} due today, {digest.overdue} overdue"
    )


def _items(title: str, items: list[str]) -> list[str]:
    if not items:
        return []
    shown = items[:ITEMS_SHOWN]
    more = [f"… +{len(items) - ITEMS_SHOWN}"] if len(items) > ITEMS_SHOWN else []
    return [f"_{title}_", *shown, *more]


def campaign_section(campaign: CampaignDue, digest: Digest) -> Block:
    """A campaign's progress, its items due today and its overdue items, each with its owner."""

    def line(item: OpenItem) -> str:
        return open_item_line(item, digest.day, with_campaign=False, with_owner=True)

    lines = [
        f"*{safe(campaign.name, 150)}*  `{progress_bar(campaign.done, campaign.total)}`",
        *_items("今天到期 / Due today", [line(item) for item in campaign.today]),
        *_items("已逾期 / Overdue", [line(item) for item in campaign.overdue]),
    ]
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit_lines("\n".join(lines))}}


def digest_blocks(digest: Digest) -> list[Block]:
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{digest_text(digest)}*"}}
    ]
    blocks += [campaign_section(campaign, digest) for campaign in digest.campaigns[:MAX_CAMPAIGNS]]
    if len(digest.campaigns) > MAX_CAMPAIGNS:
        more = len(digest.campaigns) - MAX_CAMPAIGNS
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"… +{more} campaigns"}]})
    return blocks


class SlackMorningPoster:
    """Posts a digest with chat.postMessage; a refusal raises (SlackApiError) for the delivery rules."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def post_morning_digest(self, digest: Digest) -> None:
        self._client.chat_postMessage(
            channel=digest.channel, text=digest_text(digest), blocks=digest_blocks(digest)
        )

"""The morning digest and "my open items" as plain rules: which items are due when, seen from one day.

A channel's digest lists, per campaign with something due, what is due today and what is overdue,
with the campaign's progress; a channel with nothing due today and nothing overdue gets no digest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from bot.domain.checklists import OpenItem

BAR_WIDTH = 10


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """`▓▓▓░░░░░░░ 3/10`: progress readable in any client, without images."""
    filled = round(width * done / total) if total else 0
    return f"{'▓' * filled}{'░' * (width - filled)} {done}/{total}"


@dataclass(frozen=True)
class ItemsByDue:
    """Open items sorted by when they are due, seen from one day (each list keeps the given order)."""

    overdue: list[OpenItem] = field(default_factory=list)
    today: list[OpenItem] = field(default_factory=list)
    upcoming: list[OpenItem] = field(default_factory=list)
    undated: list[OpenItem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.upcoming) + len(self.undated)


def by_due(items: Iterable[OpenItem], day: date) -> ItemsByDue:
    grouped = ItemsByDue()
    for item in items:
        if item.due is None:
            grouped.undated.append(item)
        elif item.due < day:
            grouped.overdue.append(item)
        elif item.due == day:
            grouped.today.append(item)
        else:
            grouped.upcoming.append(item)
    return grouped


@dataclass(frozen=True)
class CampaignDue:
    """One campaign's part of a digest: its progress and its items due today or overdue."""

    campaign_id: str
    name: str
    done: int
    total: int
    today: list[OpenItem]
    overdue: list[OpenItem]


@dataclass(frozen=True)
class Digest:
    """One channel's morning digest for one day."""

    channel: str
    day: date
    campaigns: list[CampaignDue]

    @property
    def due_today(self) -> int:
        return sum(len(campaign.today) for campaign in self.campaigns)

    @property
    def overdue(self) -> int:
        return sum(len(campaign.overdue) for campaign in self.campaigns)


def compose_digests(
    items: Iterable[OpenItem], day: date, progress: Callable[[str], tuple[int, int]]
) -> dict[str, Digest]:
    """Digests per channel from the open items due on or before `day`; `progress(campaign_id)` gives
    (done, total). Channels whose campaigns have nothing due today or overdue are left out."""
    per_campaign: dict[str, list[OpenItem]] = {}
    for item in items:
        if item.due is not None and item.due <= day:
            per_campaign.setdefault(item.campaign_id, []).append(item)
    digests: dict[str, Digest] = {}
    for campaign_id, found in per_campaign.items():
        first = found[0]
        grouped = by_due(found, day)
        done, total = progress(campaign_id)
        due = CampaignDue(campaign_id, first.campaign_name, done, total, grouped.today, grouped.overdue)
        digests.setdefault(first.channel, Digest(first.channel, day, [])).campaigns.append(due)
    return digests

"""Morning nudges as plain rules: whose morning it is, and what each owner's one DM lists.

Each owner is nudged in their own time zone: at the nudge time (10:00 unless set; not later than eight
hours after it, so never at night) on a working day of
the team's calendar (China's holidays and make-up Saturdays), about the open items due that local day
or earlier. An item's due date is a calendar day, so "today" is the owner's local day, not the team's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.checklists import OpenItem
from bot.domain.working_days import WorkCalendar

DEFAULT_NUDGE_TIME = time(10, 0)
# The DM lists this many items; the rest are counted ("… and 3 more").
MAX_LISTED = 20
# A "good morning" is not sent at night: a process back more than this long after the nudge time
# leaves the day's nudge out; the items are in the next working day's, overdue.
NUDGE_WINDOW = timedelta(hours=8)
# The furthest ahead of UTC any time zone's day runs (Pacific/Kiritimati, UTC+14).
_MAX_AHEAD = timedelta(hours=14)


def zone_or(timezone: str | None, fallback: str) -> ZoneInfo:
    """The person's time zone, or the team's when Slack gave none or one we cannot read."""
    if timezone:
        try:
            return ZoneInfo(timezone)
        except (ValueError, KeyError, OSError):
            pass
    return ZoneInfo(fallback)


@dataclass(frozen=True)
class Morning:
    """One owner's local day now, and whether their nudge is due (a working day, at or after the time)."""

    day: date
    due: bool


def morning_of(now: datetime, zone: ZoneInfo, at: time, calendar: WorkCalendar) -> Morning:
    """Local wall-clock time decides, so DST days and half-hour zones need no special case."""
    local = now.astimezone(zone)
    day = local.date()
    since = datetime.combine(day, local.time()) - datetime.combine(day, at)
    return Morning(day, timedelta(0) <= since < NUDGE_WINDOW and calendar.is_workday(day))


def latest_local_day(now: datetime) -> date:
    """The latest day it is anywhere now: items due after it are nobody's today or overdue."""
    return (now.astimezone(ZoneInfo("UTC")) + _MAX_AHEAD).date()


def items_by_owner(items: Iterable[OpenItem]) -> dict[str, list[OpenItem]]:
    """Open items grouped per owner, in the order given; items without an owner nudge nobody."""
    grouped: defaultdict[str, list[OpenItem]] = defaultdict(list)
    for item in items:
        if item.owner:
            grouped[item.owner].append(item)
    return dict(grouped)


@dataclass(frozen=True)
class Nudge:
    """One owner's morning DM: every campaign's items due that day or earlier, overdue first."""

    owner: str
    day: date
    items: list[OpenItem]

    @property
    def overdue(self) -> int:
        return sum(item.overdue_on(self.day) for item in self.items)

    @property
    def due_today(self) -> int:
        return len(self.items) - self.overdue

    def listed(self, limit: int = MAX_LISTED) -> tuple[list[OpenItem], int]:
        """The items the DM shows, and how many more it only counts."""
        return self.items[:limit], max(0, len(self.items) - limit)


def nudge_for(owner: str, items: Iterable[OpenItem], day: date) -> Nudge | None:
    """The owner's items due on or before their local day (oldest first); None when nothing is due."""
    due = [item for item in items if item.due is not None and item.due <= day]
    if not due:
        return None
    due.sort(key=lambda item: item.due or day)  # stable: the store's campaign order within a day
    return Nudge(owner, day, due)


def due_label(item: OpenItem, day: date) -> str:
    """`今天到期 / due today` or `已逾期 / overdue since 12/04`."""
    if item.due is None or not item.overdue_on(day):
        return "今天到期 / due today"
    return f"已逾期 / overdue since {item.due:%m/%d}"


def heading(nudge: Nudge) -> str:
    """`早上好 / Good morning — 2 items due today, 1 overdue:`."""
    parts_cn, parts_en = [], []
    if nudge.due_today:
        parts_cn.append(f"今天到期 {nudge.due_today} 项")
        parts_en.append(f"{nudge.due_today} {_items(nudge.due_today)} due today")
    if nudge.overdue:
        parts_cn.append(f"已逾期 {nudge.overdue} 项")
        parts_en.append(f"{nudge.overdue} overdue")
    return f"早上好,{','.join(parts_cn)}。 / Good morning — {', '.join(parts_en)}:"


def _items(count: int) -> str:
    return "item" if count == 1 else "items"

"""The small interfaces the services need from storage, the scheduler and the chat platform.

SQLAlchemy, APScheduler and Slack implement them in `bot/adapters` and `bot/slack`; unit tests
use the in-memory fakes in `tests/fakes.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from bot.domain.carry_over import CampaignReview
from bot.domain.checklists import Checklist, ChecklistItem, OpenItem
from bot.domain.gaps import Gap, GapKind
from bot.domain.reminders import Reminder
from bot.domain.sources import KnowledgeSource


@dataclass(frozen=True)
class CampaignSummary:
    """One line of a channel's checklist list."""

    campaign_id: str
    name: str
    launch: date | None
    end: date | None
    done: int
    total: int


class ChecklistStore(Protocol):
    def save(self, checklist: Checklist, channel: str = "", created_by: str = "") -> None: ...

    def load(self, campaign_id: str) -> Checklist | None: ...

    def attach_message(self, campaign_id: str, channel: str, ts: str) -> None: ...

    def message_of(self, campaign_id: str) -> tuple[str, str] | None: ...

    def channel_of(self, campaign_id: str) -> str | None:
        """The channel the checklist was made in; None if there is no such campaign."""
        ...

    def set_done(self, campaign_id: str, item_ids: Iterable[str], done: bool, user: str) -> None: ...

    def set_due_dates(
        self,
        campaign_id: str,
        launch: date | None,
        end: date | None,
        dues: dict[str, tuple[date | None, bool]],
    ) -> None:
        """New campaign dates and each item's (due date, compressed) placed from them."""
        ...

    def set_stage_owner(self, campaign_id: str, stage_key: str, owner: str | None) -> None: ...

    def set_item_owner(self, campaign_id: str, item_id: str, owner: str | None) -> None: ...

    def open_items(
        self, owner: str | None = None, due_by: date | None = None, channel: str | None = None
    ) -> list[OpenItem]:
        """Items not ticked yet, of every campaign (or one owner's, or one channel's), due on or before
        `due_by` when given (items without a due date then left out); ordered by due date, campaign."""
        ...

    def append_stage(
        self, campaign_id: str, stage_key: str, stage_name: str, items: list[ChecklistItem]
    ) -> None:
        """Add items to the campaign under a stage (created at the end if it is new)."""
        ...

    def find_in_channel(self, channel: str, text: str) -> CampaignSummary | None: ...

    def for_channel(self, channel: str) -> list[CampaignSummary]: ...

    def for_channels(self, channels: Iterable[str]) -> list[CampaignSummary]:
        """Several channels' campaigns with their progress at once (the morning digest reads them all)."""
        ...

    def save_review(
        self, campaign_id: str, author: str, answers: list[tuple[str, str]], created_at: float
    ) -> int:
        """The review's id; `created_at` is the app clock's time."""
        ...

    def reviews_of_kind(self, kind: str, channel: str, limit: int) -> list[CampaignReview]:
        """Reviews of this channel's campaigns of one kind, newest first (what the next one carries over)."""
        ...


class KnowledgeSourceStore(Protocol):
    """Knowledge added at run time (reviews), kept where every process indexes it from."""

    def add(self, source: KnowledgeSource) -> None: ...


class KnowledgeLibrary(KnowledgeSourceStore, Protocol):
    """The run-time sources as editors manage them: listed, removed, restored, every change logged."""

    def all(self) -> list[KnowledgeSource]: ...

    def get(self, source_id: str) -> KnowledgeSource | None: ...

    def tombstone(self, source_id: str, at: float, actor: str = "") -> bool: ...

    def restore(self, source_id: str, actor: str, at: float, removed_since: float) -> bool: ...

    def replace(self, old_id: str, new: KnowledgeSource, actor: str, at: float) -> bool:
        """Add `new` and remove the old entry in one step, logged as `replaced`; False (and nothing
        added) when the old entry is gone or already removed."""
        ...


@dataclass(frozen=True)
class SourceUsage:
    """How a knowledge source fared lately: answers that cited it, and 👎 votes on those answers."""

    cited: int = 0
    down_votes: int = 0


class KnowledgeUsage(Protocol):
    """Citation and 👎 counts per source (a run-time "kind:id" or a knowledge file's path)."""

    def usage(self, since: float) -> dict[str, SourceUsage]: ...


class ReminderStore(Protocol):
    def add(self, reminder: Reminder) -> None: ...

    def get(self, reminder_id: str) -> Reminder | None: ...

    def active(self, channel: str | None = None) -> list[Reminder]: ...

    def set_status(self, reminder_id: str, status: str) -> None: ...


class AnswerStore(Protocol):
    def save_answer(self, question: str, payload: dict[str, Any], asked_by: str = "") -> str: ...

    def answer(self, answer_id: str) -> dict[str, Any] | None: ...

    def asker_of(self, answer_id: str) -> str | None:
        """Who asked the question this answer answers ("" for answers stored before that was kept)."""
        ...

    def record_vote(self, answer_id: str, user_id: str, vote: str) -> None: ...


class GapStore(Protocol):
    """Knowledge gaps (bot/domain/gaps.py), and the 👎 reasons kept on the votes themselves."""

    def add(
        self,
        kind: GapKind,
        question: str,
        user_id: str,
        channel: str,
        asked_at: float,
        answer_id: str | None = None,
    ) -> int: ...

    def find_open(self, kind: GapKind, answer_id: str, user_id: str) -> Gap | None: ...

    def withdraw(self, kind: GapKind, answer_id: str, user_id: str) -> int:
        """Drop the person's open gaps of this kind on this answer (a 👍 replacing their 👎)."""
        ...

    def set_reason(self, answer_id: str, user_id: str, reason: str) -> bool:
        """The reason on the person's own 👎 of the answer and on their gaps about it; False if they
        have no 👎 on it (then nothing is stored)."""
        ...

    def open_gaps(self, limit: int) -> list[Gap]:
        """Unresolved gaps, newest first."""
        ...

    def get(self, gap_id: int) -> Gap | None: ...

    def resolve(self, gap_ids: list[int], source_id: str, at: float) -> int:
        """Mark the still-open ones answered by `source_id`; how many this call resolved."""
        ...

    def unresolve(self, source_id: str) -> None:
        """Reopen what `resolve` marked for a source that could not be stored after all."""
        ...

    def claim_notice(self, gap_ids: list[int], user_id: str, at: float) -> bool:
        """Set `notified_at` on the person's not-yet-notified gaps among these, in one statement:
        True for exactly one caller, however many processes or retries race."""
        ...


class ReminderTimer(Protocol):
    """Wakes the process when a reminder is due (APScheduler with a persistent job store)."""

    def schedule(self, reminder: Reminder) -> datetime | None: ...

    def cancel(self, reminder_id: str) -> None: ...


class People(Protocol):
    """What the chat platform knows about a person."""

    def timezone_of(self, user: str) -> str | None: ...

    def is_admin(self, user: str) -> bool: ...

    def is_member(self, channel: str, user: str) -> bool:
        """True if the person belongs to the channel (False when the platform cannot tell)."""
        ...

    def is_person(self, user: str) -> bool:
        """An existing, active human account: not unknown, deleted or a bot."""
        ...

    def group_members(self, group: str) -> frozenset[str]:
        """The members of a user group (empty when the platform cannot tell)."""
        ...


@dataclass(frozen=True)
class DeliveryKey:
    """One delivery: a reminder at one of its due times (ISO 8601, UTC)."""

    reminder_id: str
    due: str


class Deliveries(Protocol):
    """Reminder deliveries with states: claimed → sent | retrying → … → sent | failed.

    A claim holds until `claimed_until`; after that (the claimer died) anyone may take it over.
    Times are seconds since the epoch on the app's clock.
    """

    def claim(self, key: DeliveryKey, owner: str, now: float, until: float) -> int | None:
        """Take the delivery if it is new, its retry is due or its claim expired: the attempt
        number (1 for the first), or None if someone else holds it or it is finished."""
        ...

    def sent(self, key: DeliveryKey, owner: str, now: float) -> None: ...

    def retry_at(self, key: DeliveryKey, owner: str, at: float, error: str, now: float) -> None: ...

    def failed(self, key: DeliveryKey, owner: str, error: str, now: float) -> None: ...

    def waiting(self, now: float) -> list[DeliveryKey]:
        """Deliveries a sweep should take: retries that are due and claims that expired."""
        ...

    def record_missed(self, key: DeliveryKey, now: float) -> bool:
        """A due time that will not be attempted (the bot was down past the grace period): True if
        nothing had claimed it, so its creator is told once and nothing posts it late as well."""
        ...

    def hand_back(self, owner: str, now: float) -> int:
        """Make the owner's unfinished claims takeable at once (it is shutting down); how many."""
        ...


@dataclass(frozen=True)
class ChannelScope:
    """One collection a channel answers from besides the playbook, and who added it when."""

    channel: str
    collection: str
    added_by: str
    added_at: float


class ChannelScopeStore(Protocol):
    """The `channel_scopes` table: a channel with no rows answers from every collection."""

    def for_channel(self, channel: str) -> list[ChannelScope]: ...

    def add(self, scope: ChannelScope) -> bool:
        """False when the channel already had this collection."""
        ...

    def remove(self, channel: str, collection: str) -> bool: ...

    def clear(self, channel: str) -> int: ...

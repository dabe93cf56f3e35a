"""In-memory stand-ins for the service layer's store interfaces (bot/services/ports.py)."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from bot.domain.carry_over import CampaignReview
from bot.domain.checklists import Checklist, ChecklistItem, OpenItem, Stage
from bot.domain.gaps import Gap, GapKind
from bot.domain.reminders import Reminder
from bot.domain.sources import KnowledgeSource
from bot.services.ports import CampaignSummary, DeliveryKey


class FakeChecklistStore:
    def __init__(self) -> None:
        self.checklists: dict[str, Checklist] = {}
        self.channels: dict[str, str] = {}
        self.messages: dict[str, tuple[str, str]] = {}
        self.reviews: list[tuple[str, str, list[tuple[str, str]]]] = []
        self.review_times: list[float] = []

    def save(self, checklist: Checklist, channel: str = "", created_by: str = "") -> None:
        self.checklists[checklist.campaign.campaign_id] = copy.deepcopy(checklist)
        self.channels[checklist.campaign.campaign_id] = channel

    def load(self, campaign_id: str) -> Checklist | None:
        found = self.checklists.get(campaign_id)
        return copy.deepcopy(found) if found else None

    def attach_message(self, campaign_id: str, channel: str, ts: str) -> None:
        self.messages[campaign_id] = (channel, ts)

    def message_of(self, campaign_id: str) -> tuple[str, str] | None:
        return self.messages.get(campaign_id)

    def channel_of(self, campaign_id: str) -> str | None:
        return self.channels.get(campaign_id) if campaign_id in self.checklists else None

    def set_done(self, campaign_id: str, item_ids: Iterable[str], done: bool, user: str) -> None:
        wanted = set(item_ids)
        for item in self.checklists[campaign_id].items():
            if item.item_id in wanted:
                item.done = done

    def set_due_dates(
        self,
        campaign_id: str,
        launch: date | None,
        end: date | None,
        dues: dict[str, tuple[date | None, bool]],
    ) -> None:
        checklist = self.checklists[campaign_id]
        checklist.campaign = replace(checklist.campaign, launch=launch, end=end)
        for item in checklist.items():
            if item.item_id in dues:
                item.due, item.compressed = dues[item.item_id]

    def set_stage_owner(self, campaign_id: str, stage_key: str, owner: str | None) -> None:
        for stage in self.checklists[campaign_id].stages:
            if stage.key == stage_key:
                for item in stage.items:
                    item.owner = owner

    def set_item_owner(self, campaign_id: str, item_id: str, owner: str | None) -> None:
        for item in self.checklists[campaign_id].items():
            if item.item_id == item_id:
                item.owner = owner

    def open_items(
        self, owner: str | None = None, due_by: date | None = None, channel: str | None = None
    ) -> list[OpenItem]:
        found = []
        for order, (campaign_id, checklist) in enumerate(self.checklists.items()):
            where = self.channels.get(campaign_id, "")
            if channel is not None and where != channel:
                continue
            for stage in checklist.stages:
                for position, item in enumerate(stage.items):
                    if item.done or (owner is not None and item.owner != owner):
                        continue
                    if due_by is not None and (item.due is None or item.due > due_by):
                        continue
                    found.append(
                        (
                            (item.due or date.max, order, position),
                            OpenItem(
                                campaign_id,
                                checklist.campaign.name,
                                where,
                                stage.key,
                                stage.name,
                                item.item_id,
                                item.text,
                                item.due,
                                item.owner,
                                item.source,
                            ),
                        )
                    )
        return [item for _, item in sorted(found, key=lambda pair: pair[0])]

    def append_stage(
        self, campaign_id: str, stage_key: str, stage_name: str, items: list[ChecklistItem]
    ) -> None:
        checklist = self.checklists[campaign_id]
        stage = next((s for s in checklist.stages if s.key == stage_key), None)
        if stage is None:
            stage = Stage(stage_key, stage_name, [])
            checklist.stages.append(stage)
        stage.items.extend(copy.deepcopy(items))

    def find_in_channel(self, channel: str, text: str) -> CampaignSummary | None:
        matches = [s for s in self.for_channel(channel) if text.startswith((s.name, s.campaign_id))]
        return max(matches, key=lambda s: len(s.name)) if matches else None

    def for_channels(self, channels: Iterable[str]) -> list[CampaignSummary]:
        return [summary for channel in channels for summary in self.for_channel(channel)]

    def for_channel(self, channel: str) -> list[CampaignSummary]:
        summaries = []
        for campaign_id, checklist in self.checklists.items():
            if self.channels.get(campaign_id) == channel:
                done, total = checklist.progress()
                c = checklist.campaign
                summaries.append(CampaignSummary(campaign_id, c.name, c.launch, c.end, done, total))
        return summaries

    def save_review(
        self, campaign_id: str, author: str, answers: list[tuple[str, str]], created_at: float
    ) -> int:
        self.reviews.append((campaign_id, author, answers))
        self.review_times.append(created_at)
        return len(self.reviews)

    def reviews_of_kind(self, kind: str, channel: str, limit: int) -> list[CampaignReview]:
        """Newest first, as SqlChecklistStore orders them (the same second: the later id first)."""
        found = [
            CampaignReview(n, campaign_id, self.checklists[campaign_id].campaign.name, author, answers, at)
            for n, ((campaign_id, author, answers), at) in enumerate(
                zip(self.reviews, self.review_times, strict=True), start=1
            )
            if self.channels.get(campaign_id) == channel
            and self.checklists[campaign_id].campaign.kind == kind
        ]
        return sorted(found, key=lambda r: (r.created_at, r.review_id), reverse=True)[:limit]


class FakeReminderStore:
    def __init__(self) -> None:
        self.reminders: dict[str, Reminder] = {}

    def add(self, reminder: Reminder) -> None:
        self.reminders[reminder.reminder_id] = reminder

    def get(self, reminder_id: str) -> Reminder | None:
        return self.reminders.get(reminder_id)

    def active(self, channel: str | None = None) -> list[Reminder]:
        return [
            r
            for r in self.reminders.values()
            if r.status == "active" and (channel is None or r.channel == channel)
        ]

    def set_status(self, reminder_id: str, status: str) -> None:
        self.reminders[reminder_id] = replace(self.reminders[reminder_id], status=status)


class FakeAnswerStore:
    def __init__(self) -> None:
        self.answers: dict[str, dict[str, Any]] = {}
        self.askers: dict[str, str] = {}
        self.votes: dict[tuple[str, str], str] = {}
        self._ids = itertools.count(1)

    def save_answer(self, question: str, payload: dict[str, Any], asked_by: str = "") -> str:
        answer_id = f"a{next(self._ids)}"
        self.answers[answer_id] = payload
        self.askers[answer_id] = asked_by
        return answer_id

    def asker_of(self, answer_id: str) -> str | None:
        return self.askers.get(answer_id)

    def answer(self, answer_id: str) -> dict[str, Any] | None:
        return self.answers.get(answer_id)

    def record_vote(self, answer_id: str, user_id: str, vote: str) -> None:
        self.votes[(answer_id, user_id)] = vote


class FakeTimer:
    def __init__(self) -> None:
        self.scheduled: dict[str, Reminder] = {}

    def schedule(self, reminder: Reminder) -> datetime | None:
        self.scheduled[reminder.reminder_id] = reminder
        return None

    def cancel(self, reminder_id: str) -> None:
        self.scheduled.pop(reminder_id, None)


class FakePeople:
    """Admins, time zones, channel members (a channel not listed has none) and non-people."""

    def __init__(
        self,
        admins: Iterable[str] = (),
        zones: dict[str, str] | None = None,
        members: dict[str, set[str]] | None = None,
        not_people: Iterable[str] = (),
        groups: dict[str, set[str]] | None = None,
    ) -> None:
        self.admins = set(admins)
        self.zones = zones or {}
        self.members = members or {}
        self.not_people = set(not_people)
        self.groups = groups or {}

    def timezone_of(self, user: str) -> str | None:
        return self.zones.get(user)

    def is_admin(self, user: str) -> bool:
        return user in self.admins

    def is_member(self, channel: str, user: str) -> bool:
        return user in self.members.get(channel, set())

    def is_person(self, user: str) -> bool:
        return user not in self.not_people

    def group_members(self, group: str) -> frozenset[str]:
        return frozenset(self.groups.get(group, set()))


class FakeDeliveries:
    """Delivery rows in a dict, with the same claim rules as the SQL store."""

    def __init__(self) -> None:
        self.rows: dict[DeliveryKey, dict[str, Any]] = {}

    def claim(self, key: DeliveryKey, owner: str, now: float, until: float) -> int | None:
        row = self.rows.get(key)
        if row is not None:
            retry_due = row["status"] == "retrying" and row["next_attempt_at"] <= now
            expired = row["status"] == "claimed" and row["claimed_until"] < now
            if not (retry_due or expired):
                return None
        attempts = (row["attempts"] if row else 0) + 1
        self.rows[key] = {
            **(row or {"error": None, "next_attempt_at": None}),
            "status": "claimed",
            "attempts": attempts,
            "owner": owner,
            "claimed_until": until,
        }
        return int(attempts)

    def _set(self, key: DeliveryKey, owner: str, **values: Any) -> None:
        if self.rows[key]["owner"] == owner and self.rows[key]["status"] == "claimed":
            self.rows[key].update(values)

    def sent(self, key: DeliveryKey, owner: str, now: float) -> None:
        self._set(key, owner, status="sent")

    def retry_at(self, key: DeliveryKey, owner: str, at: float, error: str, now: float) -> None:
        self._set(key, owner, status="retrying", next_attempt_at=at, error=error)

    def failed(self, key: DeliveryKey, owner: str, error: str, now: float) -> None:
        self._set(key, owner, status="failed", error=error)

    def waiting(self, now: float) -> list[DeliveryKey]:
        return [
            key
            for key, row in self.rows.items()
            if (row["status"] == "retrying" and row["next_attempt_at"] <= now)
            or (row["status"] == "claimed" and row["claimed_until"] < now)
        ]

    def record_missed(self, key: DeliveryKey, now: float) -> bool:
        if key in self.rows:
            return False
        self.rows[key] = {"status": "missed", "attempts": 0, "owner": "", "claimed_until": 0.0}
        return True

    def hand_back(self, owner: str, now: float) -> int:
        mine = [row for row in self.rows.values() if row["owner"] == owner and row["status"] == "claimed"]
        for row in mine:
            row["claimed_until"] = 0.0
        return len(mine)


class WeekdayCalendar:
    """Monday to Friday, with a set of extra days off: enough for the rules under test."""

    def __init__(self, holidays: Iterable[date] = ()) -> None:
        self.holidays = set(holidays)

    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def is_official(self, year: int) -> bool:
        return True


class FakeKnowledgeSources:
    """Run-time knowledge sources (reviews) in a list, in the order they were added."""

    def __init__(self) -> None:
        self.sources: list[KnowledgeSource] = []

    def add(self, source: KnowledgeSource) -> None:
        assert all(s.source_id != source.source_id for s in self.sources), "ids are unique"
        self.sources.append(source)

    def all(self) -> list[KnowledgeSource]:
        return list(self.sources)

    def version(self) -> tuple[int, int]:
        return len(self.sources), sum(s.deleted_at is not None for s in self.sources)


class FakeGapStore:
    """Knowledge gaps in a dict; `votes` is the answer store's (answer, user) → vote, for 👎 reasons."""

    def __init__(self, votes: dict[tuple[str, str], str] | None = None) -> None:
        self.gaps: dict[int, Gap] = {}
        self.votes = votes if votes is not None else {}
        self.vote_reasons: dict[tuple[str, str], str] = {}
        self._ids = itertools.count(1)

    def add(
        self,
        kind: GapKind,
        question: str,
        user_id: str,
        channel: str,
        asked_at: float,
        answer_id: str | None = None,
    ) -> int:
        gap_id = next(self._ids)
        self.gaps[gap_id] = Gap(gap_id, kind, question, user_id, channel, asked_at, answer_id)
        return gap_id

    def find_open(self, kind: GapKind, answer_id: str, user_id: str) -> Gap | None:
        return next(
            (
                g
                for g in self.gaps.values()
                if (g.kind, g.answer_id, g.user_id) == (kind, answer_id, user_id) and g.open
            ),
            None,
        )

    def withdraw(self, kind: GapKind, answer_id: str, user_id: str) -> int:
        gone = [
            i
            for i, g in self.gaps.items()
            if (g.kind, g.answer_id, g.user_id) == (kind, answer_id, user_id) and g.open
        ]
        for gap_id in gone:
            del self.gaps[gap_id]
        return len(gone)

    def set_reason(self, answer_id: str, user_id: str, reason: str) -> bool:
        if self.votes.get((answer_id, user_id)) != "down":
            return False
        self.vote_reasons[(answer_id, user_id)] = reason
        for gap_id, gap in self.gaps.items():
            if (gap.answer_id, gap.user_id) == (answer_id, user_id):
                self.gaps[gap_id] = replace(gap, reason=reason)
        return True

    def open_gaps(self, limit: int) -> list[Gap]:
        found = sorted((g for g in self.gaps.values() if g.open), key=lambda g: (-g.asked_at, -g.gap_id))
        return found[:limit]

    def get(self, gap_id: int) -> Gap | None:
        return self.gaps.get(gap_id)

    def resolve(self, gap_ids: list[int], source_id: str, at: float) -> int:
        resolved = 0
        for gap_id in gap_ids:
            gap = self.gaps.get(gap_id)
            if gap is not None and gap.open:
                self.gaps[gap_id] = replace(gap, resolved_source_id=source_id, resolved_at=at)
                resolved += 1
        return resolved

    def unresolve(self, source_id: str) -> None:
        for gap_id, gap in self.gaps.items():
            if gap.resolved_source_id == source_id and gap.notified_at is None:
                self.gaps[gap_id] = replace(gap, resolved_source_id=None, resolved_at=None)

    def claim_notice(self, gap_ids: list[int], user_id: str, at: float) -> bool:
        mine = [i for i in gap_ids if i in self.gaps and self.gaps[i].user_id == user_id]
        unclaimed = [i for i in mine if self.gaps[i].notified_at is None]
        for gap_id in unclaimed:
            self.gaps[gap_id] = replace(self.gaps[gap_id], notified_at=at)
        return bool(unclaimed)

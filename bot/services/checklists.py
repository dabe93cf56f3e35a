"""Campaign checklists as use cases: draft and save, move dates, tick, set owners, export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.domain.checklists import Checklist, Stage, tick_changes
from bot.domain.clock import Clock
from bot.domain.drafting import ChecklistDrafter, parse_request
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.morning_digest import ItemsByDue, by_due
from bot.domain.people import is_user_id
from bot.services.carry_over import CarryOver
from bot.services.ports import CampaignSummary, ChecklistStore, People

NO_SUCH_CAMPAIGN = (
    "这个频道里找不到这个活动,先用 /ops checklists 看看名字 / No such campaign in this channel."
)
NO_SUCH_CHECKLIST = "这个频道里找不到这个清单 / No such checklist in this channel."
NO_SUCH_USER = "负责人必须是工作区里的成员 / The owner must be a person in this workspace."
NOT_A_MEMBER = (
    "只有这个活动频道的成员才能指派负责人 / Only members of the campaign's channel can assign owners."
)


class OwnerRefused(NotFound):
    """The person picked for an item is not someone who can do the work (says which item)."""

    def __init__(self, item_id: str, message: str = NO_SUCH_USER) -> None:
        super().__init__(message)
        self.item_id = item_id


class CampaignReminders(Protocol):
    """The reminders a checklist brings with it (evaluation and review after the end)."""

    def schedule_campaign_reviews(self, checklist: Checklist, channel: str, creator: str) -> None: ...

    def reschedule_campaign_reviews(self, checklist: Checklist, channel: str, creator: str) -> None: ...


@dataclass(frozen=True)
class MovedCampaign:
    name: str
    checklist: Checklist


class ChecklistService:
    """Every rule about a stored checklist; the Slack side only renders what comes back."""

    def __init__(
        self,
        drafter: ChecklistDrafter,
        store: ChecklistStore,
        clock: Clock,
        reminders: CampaignReminders | None = None,
        people: People | None = None,
    ) -> None:
        self._drafter = drafter
        self._store = store
        self._clock = clock
        self.reminders = reminders
        self._people = people
        # Set by the container: the last reviews of the same kind, carried into a new checklist.
        self.carry_over: CarryOver | None = None

    def draft(self, text: str, channel: str, user: str) -> Checklist:
        """`双十二拉新活动 launch 2026-12-12 end 12月14日` → a saved checklist (raises on bad input)."""
        request = parse_request(text, self._clock.today())
        checklist = self._drafter.draft(request.description, request.launch, request.end)
        self._store.save(checklist, channel=channel, created_by=user)
        if self.carry_over is not None:
            self.carry_over.add_last_review(checklist, channel, user)
        return checklist

    def posted(self, checklist: Checklist, channel: str, ts: str, user: str) -> None:
        """The checklist is in the channel: remember its message, close the earlier items it carries
        over, and schedule its reviews."""
        self._store.attach_message(checklist.campaign.campaign_id, channel, ts)
        if self.carry_over is not None:
            self.carry_over.close_replaced(checklist, channel, user)
        if self.reminders is not None:
            self.reminders.schedule_campaign_reviews(checklist, channel, user)

    def move_dates(self, text: str, channel: str, user: str) -> MovedCampaign:
        """`<campaign> launch … end …`: due dates placed again from each item's own anchor."""
        campaign = self._store.find_in_channel(channel, text)
        if campaign is None:
            raise NotFound(NO_SUCH_CAMPAIGN)
        request = parse_request(text, self._clock.today())
        launch, end = request.launch or campaign.launch, request.end or campaign.end
        checklist = self._store.load(campaign.campaign_id)
        if checklist is None:
            raise NotFound(NO_SUCH_CAMPAIGN)
        dues = self._drafter.place(checklist, launch, end).dues_and_compression()
        legacy = [item.item_id for item in checklist.items() if item.anchor is None]
        if legacy:
            # Items saved before anchors were stored: placed again from the template, as they were made.
            from_template = self._drafter.due_dates(checklist.campaign.name, launch, end)
            dues.update({item_id: (from_template.get(item_id), False) for item_id in legacy})
        self._store.set_due_dates(campaign.campaign_id, launch, end, dues)
        moved = self._store.load(campaign.campaign_id)
        assert moved is not None
        if self.reminders is not None:
            self.reminders.reschedule_campaign_reviews(moved, channel, user)
        return MovedCampaign(campaign.name, moved)

    def tick(
        self,
        campaign_id: str,
        selected: list[str],
        shown: list[str],
        group: list[str],
        user: str,
        channel: str,
    ) -> None:
        """Apply only what this person changed relative to what their message showed."""
        self._check_channel(campaign_id, channel)
        changes = tick_changes(selected, shown, group)
        self._store.set_done(campaign_id, changes.ticked, True, user)
        self._store.set_done(campaign_id, changes.unticked, False, user)

    def set_owner(self, campaign_id: str, stage_key: str, owner: str | None, channel: str) -> None:
        self._check_channel(campaign_id, channel)
        if owner is not None and not is_user_id(owner):
            raise NotFound(NO_SUCH_USER)
        if owner is not None and self._people is not None and not self._people.is_person(owner):
            raise NotFound(NO_SUCH_USER)  # unknown, deactivated or a bot: nobody to do the work
        self._store.set_stage_owner(campaign_id, stage_key, owner)

    def stage_of(self, campaign_id: str, stage_key: str, channel: str, user: str) -> tuple[Checklist, Stage]:
        """The checklist and one of its stages, for a member of the checklist's own channel (anyone may
        read a public channel without joining it)."""
        self._check_channel(campaign_id, channel)
        if self._people is None or not self._people.is_member(channel, user):
            raise NotAllowed(NOT_A_MEMBER)
        checklist = self.load(campaign_id)
        stage = next((s for s in checklist.stages if s.key == stage_key), None)
        if stage is None:
            raise NotFound(NO_SUCH_CHECKLIST)
        return checklist, stage

    def set_item_owners(
        self, campaign_id: str, stage_key: str, owners: dict[str, str | None], user: str
    ) -> list[str]:
        """Owners picked per item of a stage (a modal: no channel comes with it, so the person must be a
        member of the checklist's channel); every new owner must be a real person. Nothing is changed
        unless all are; returns the ids of the items whose owner changed."""
        channel = self._store.channel_of(campaign_id)
        if not channel:
            raise NotFound(NO_SUCH_CHECKLIST)
        _, stage = self.stage_of(campaign_id, stage_key, channel, user)
        assert self._people is not None  # stage_of refuses everyone without it
        current = {item.item_id: item.owner for item in stage.items}
        changed = {
            item_id: owner
            for item_id, owner in owners.items()
            if item_id in current and owner != current[item_id]
        }
        checked: set[str] = set()
        for item_id, owner in changed.items():
            if owner is None or owner in checked:
                continue  # None: the picker was emptied, the item has no owner any more
            if not is_user_id(owner) or not self._people.is_person(owner):
                raise OwnerRefused(item_id)  # unknown, deactivated or a bot: nobody to do the work
            checked.add(owner)
        for item_id, owner in changed.items():
            self._store.set_item_owner(campaign_id, item_id, owner)
        return sorted(changed)

    def today(self) -> date:
        return self._clock.today()

    def my_open_items(self, user: str) -> ItemsByDue:
        """The person's items not ticked yet, across every campaign, by when they are due."""
        return by_due(self._store.open_items(owner=user), self._clock.today())

    def summaries(self, channel: str) -> list[CampaignSummary]:
        return self._store.for_channel(channel)

    def load(self, campaign_id: str) -> Checklist:
        checklist = self._store.load(campaign_id)
        if checklist is None:
            raise NotFound(NO_SUCH_CHECKLIST)
        return checklist

    def export_markdown(self, campaign_id: str, channel: str) -> str:
        self._check_channel(campaign_id, channel)
        return self.load(campaign_id).to_markdown()

    def _check_channel(self, campaign_id: str, channel: str) -> None:
        """A signed payload proves it came from Slack, not that its checklist belongs to this channel."""
        if not channel or self._store.channel_of(campaign_id) != channel:
            raise NotFound(NO_SUCH_CHECKLIST)

    def message_of(self, campaign_id: str) -> tuple[str, str] | None:
        return self._store.message_of(campaign_id)

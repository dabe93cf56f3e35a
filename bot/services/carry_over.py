"""Carrying the last reviews into the next campaign of the same kind: the "上次复盘的改进项" stage.

Only the same channel's campaigns count: a private channel's review never turns up in another
channel's checklist, and nothing here closes another channel's items.
"""

from __future__ import annotations

from bot.domain.carry_over import (
    LAST_REVIEW_NAME,
    LAST_REVIEW_STAGE,
    CarryOverPlan,
    plan_carry_over,
    source_campaigns,
)
from bot.domain.checklists import Checklist, Stage
from bot.domain.clock import Clock
from bot.domain.drafting import place_due_dates
from bot.domain.working_days import WorkCalendar
from bot.services.ports import ChecklistStore

# Enough rows to find the last two reviewed campaigns even when each has several reviews.
REVIEWS_READ = 20


class CarryOver:
    """Called once a new checklist is saved, before it is posted, so the message shows the stage."""

    def __init__(self, store: ChecklistStore, calendar: WorkCalendar, clock: Clock) -> None:
        self._store = store
        self._calendar = calendar
        self._clock = clock

    def add_last_review(self, checklist: Checklist, channel: str, user: str) -> Stage | None:
        """Adds the stage to the saved campaign and to `checklist`; None when there is nothing to carry.

        The earlier campaigns' items stay open until the checklist is posted (`close_replaced`): a
        post Slack refuses leaves them for the next try instead of in a checklist nobody sees.
        """
        campaign = checklist.campaign
        plan = self._plan(checklist, channel)
        if not plan.items:
            return None
        placed = place_due_dates(
            plan.items, campaign.launch, campaign.end, self._calendar, self._clock.today()
        )
        stage = Stage(LAST_REVIEW_STAGE, LAST_REVIEW_NAME, placed.items)
        self._store.append_stage(campaign.campaign_id, stage.key, stage.name, stage.items)
        checklist.stages.append(stage)
        return stage

    def close_replaced(self, checklist: Checklist, channel: str, user: str) -> None:
        """Once the checklist is posted, the earlier items it copied are ticked there on `user`'s
        behalf: from now on the new campaign tracks them, so owners are not nudged twice for one task."""
        for campaign_id, item_ids in self._plan(checklist, channel).replaced.items():
            self._store.set_done(campaign_id, item_ids, True, user)

    def _plan(self, checklist: Checklist, channel: str) -> CarryOverPlan:
        campaign = checklist.campaign
        reviews = self._store.reviews_of_kind(campaign.kind, channel, REVIEWS_READ)
        earlier = {
            campaign_id: found
            for campaign_id in source_campaigns(reviews, campaign.campaign_id)
            if (found := self._store.load(campaign_id)) is not None
        }
        return plan_carry_over(reviews, earlier, checklist, self._clock.zone)

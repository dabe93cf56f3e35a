"""Reads across a channel's or a person's campaigns: open items, the checklist list, reviews of a kind.

A mixin of SqlChecklistStore (it uses the store's engine): the morning nudges, the digest, App Home and
the carry-over read every campaign at once, each in one query.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Engine, case, false, func, select

from bot.adapters.schema import campaign_reviews, campaigns, checklist_items
from bot.domain.carry_over import CampaignReview
from bot.domain.checklists import OpenItem
from bot.domain.sources import review_answers
from bot.services.ports import CampaignSummary


class CampaignQueries:
    _engine: Engine

    def open_items(
        self, owner: str | None = None, due_by: date | None = None, channel: str | None = None
    ) -> list[OpenItem]:
        """One query for all campaigns (the morning run reads every owner's items at once)."""
        query = (
            select(
                checklist_items.c.campaign_id,
                campaigns.c.name,
                campaigns.c.channel,
                campaigns.c.stages,
                checklist_items.c.stage_key,
                checklist_items.c.item_id,
                checklist_items.c.text,
                checklist_items.c.due,
                checklist_items.c.owner,
                checklist_items.c.source,
            )
            .select_from(checklist_items.join(campaigns, campaigns.c.id == checklist_items.c.campaign_id))
            .where(checklist_items.c.done == false())
            .order_by(
                checklist_items.c.due.is_(None),  # undated last, on SQLite and PostgreSQL alike
                checklist_items.c.due,
                campaigns.c.created_at,
                checklist_items.c.campaign_id,
                checklist_items.c.position,
            )
        )
        if owner is not None:
            query = query.where(checklist_items.c.owner == owner)
        if due_by is not None:
            query = query.where(checklist_items.c.due.is_not(None), checklist_items.c.due <= due_by)
        if channel is not None:
            query = query.where(campaigns.c.channel == channel)
        with self._engine.connect() as db:
            rows = db.execute(query).all()
        stage_names: dict[str, dict[str, str]] = {}
        items = []
        for campaign_id, name, where, stages, stage_key, item_id, text, due, item_owner, source in rows:
            if campaign_id not in stage_names:
                stage_names[campaign_id] = {s["key"]: s["name"] for s in json.loads(stages)}
            items.append(
                OpenItem(
                    campaign_id,
                    name,
                    where,
                    stage_key,
                    stage_names[campaign_id].get(stage_key, stage_key),
                    item_id,
                    text,
                    due,
                    item_owner,
                    source,
                )
            )
        return items

    def reviews_of_kind(self, kind: str, channel: str, limit: int) -> list[CampaignReview]:
        """The channel's latest reviews of campaigns of one kind, newest first (what carries over)."""
        query = (
            select(
                campaign_reviews.c.id,
                campaign_reviews.c.campaign_id,
                campaigns.c.name,
                campaign_reviews.c.author,
                campaign_reviews.c.answers,
                campaign_reviews.c.created_at,
            )
            .select_from(campaign_reviews.join(campaigns, campaigns.c.id == campaign_reviews.c.campaign_id))
            .where(campaigns.c.kind == kind, campaigns.c.channel == channel)
            .order_by(campaign_reviews.c.created_at.desc(), campaign_reviews.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as db:
            rows = db.execute(query).all()
        return [
            CampaignReview(int(review_id), campaign_id, name, author, review_answers(answers), float(at))
            for review_id, campaign_id, name, author, answers, at in rows
        ]

    def find_in_channel(self, channel: str, text: str) -> CampaignSummary | None:
        """The channel's campaign whose name (or id) the text starts with; the longest name wins."""
        matches = [s for s in self.for_channel(channel) if text.startswith((s.name, s.campaign_id))]
        return max(matches, key=lambda s: len(s.name)) if matches else None

    def for_channel(self, channel: str) -> list[CampaignSummary]:
        return self.for_channels([channel])

    def for_channels(self, channels: Iterable[str]) -> list[CampaignSummary]:
        """The campaigns of several channels with their progress, in one query; newest first."""
        done = func.sum(case((checklist_items.c.done, 1), else_=0))
        query = (
            select(
                campaigns.c.id,
                campaigns.c.name,
                campaigns.c.launch,
                campaigns.c.end_date,
                done,
                func.count(checklist_items.c.item_id),
            )
            .select_from(
                campaigns.outerjoin(checklist_items, checklist_items.c.campaign_id == campaigns.c.id)
            )
            .where(campaigns.c.channel.in_(list(channels)))
            .group_by(
                campaigns.c.id,
                campaigns.c.name,
                campaigns.c.launch,
                campaigns.c.end_date,
                campaigns.c.created_at,
            )
            .order_by(campaigns.c.created_at.desc())
        )
        with self._engine.connect() as db:
            rows = db.execute(query).all()
        return [
            CampaignSummary(campaign_id, name, launch, end, int(ticked or 0), int(total))
            for campaign_id, name, launch, end, ticked, total in rows
        ]

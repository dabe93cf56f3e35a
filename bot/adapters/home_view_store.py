"""App Home's storage: who opened Home (the `home_views` table) and the campaigns Home lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Engine, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.adapters.schema import campaigns, checklist_items, home_views
from bot.services.home import CampaignOverview


class SqlHomeViews:
    """One row per person who opened Home; campaigns read with their progress and item owners."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record_open(self, user: str, at: float) -> None:
        """Move `opened_at` on, or add the row; of two first opens at once, the loser updates."""
        for _ in range(2):
            try:
                with self._engine.begin() as db:
                    moved = db.execute(
                        update(home_views).where(home_views.c.user_id == user).values(opened_at=at)
                    ).rowcount
                    if not moved:
                        db.execute(insert(home_views).values(user_id=user, opened_at=at))
                return
            except IntegrityError:
                continue

    def viewers(self, among: Iterable[str] | None) -> set[str]:
        query = select(home_views.c.user_id)
        if among is not None:
            wanted = list(among)
            if not wanted:
                return set()
            query = query.where(home_views.c.user_id.in_(wanted))
        with self._engine.connect() as db:
            return {str(row[0]) for row in db.execute(query)}

    def campaigns(self) -> list[CampaignOverview]:
        return self._overviews(None)

    def campaign(self, campaign_id: str) -> CampaignOverview | None:
        found = self._overviews(campaign_id)
        return found[0] if found else None

    def _overviews(self, campaign_id: str | None) -> list[CampaignOverview]:
        done = func.sum(case((checklist_items.c.done, 1), else_=0))
        columns = (
            campaigns.c.id,
            campaigns.c.name,
            campaigns.c.channel,
            campaigns.c.created_by,
            campaigns.c.launch,
            campaigns.c.end_date,
        )
        query = (
            select(*columns, done, func.count(checklist_items.c.item_id))
            .select_from(
                campaigns.outerjoin(checklist_items, checklist_items.c.campaign_id == campaigns.c.id)
            )
            .group_by(*columns, campaigns.c.created_at)
            .order_by(campaigns.c.created_at)
        )
        owners_query = (
            select(checklist_items.c.campaign_id, checklist_items.c.owner)
            .where(checklist_items.c.owner.is_not(None))
            .distinct()
        )
        if campaign_id is not None:
            query = query.where(campaigns.c.id == campaign_id)
            owners_query = owners_query.where(checklist_items.c.campaign_id == campaign_id)
        with self._engine.connect() as db:
            rows = db.execute(query).all()
            owner_rows = db.execute(owners_query).all()
        owners: defaultdict[str, set[str]] = defaultdict(set)
        for owning_campaign, owner in owner_rows:
            owners[str(owning_campaign)].add(str(owner))
        return [
            CampaignOverview(
                str(row_id),
                str(name),
                str(channel or ""),
                str(created_by or ""),
                launch,
                end,
                int(ticked or 0),
                int(total),
                frozenset(owners.get(str(row_id), set())),
            )
            for row_id, name, channel, created_by, launch, end, ticked, total in rows
        ]

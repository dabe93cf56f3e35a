"""Checklists kept in the state database: every tick, owner and due date, and the Slack message they live in."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from bot.adapters.campaign_queries import CampaignQueries
from bot.adapters.schema import campaign_reviews, campaigns, checklist_items
from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage


def _item_row(
    campaign_id: str, stage_key: str, position: int, item: ChecklistItem, now: float
) -> dict[str, object]:
    return {
        "campaign_id": campaign_id,
        "item_id": item.item_id,
        "stage_key": stage_key,
        "position": position,
        "text": item.text,
        "due": item.due,
        "source": item.source,
        "owner": item.owner,
        "done": item.done,
        "done_by": None,
        "updated_at": now,
        "anchor": item.anchor,
        "offset_workdays": item.offset,
        "compressed": item.compressed,
    }


class SqlChecklistStore(CampaignQueries):
    """Each tick is its own row update, so two people ticking different items never undo each other.

    What reads across campaigns (open items by owner or channel, a channel's list, reviews of a kind)
    is in bot/adapters/campaign_queries.py.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save(self, checklist: Checklist, channel: str = "", created_by: str = "") -> None:
        campaign = checklist.campaign
        stages = [{"key": stage.key, "name": stage.name} for stage in checklist.stages]
        now = time.time()
        with self._engine.begin() as db:
            db.execute(
                insert(campaigns).values(
                    id=campaign.campaign_id,
                    name=campaign.name,
                    kind=campaign.kind,
                    kind_label=campaign.kind_label,
                    launch=campaign.launch,
                    end_date=campaign.end,
                    notes=json.dumps(checklist.notes, ensure_ascii=False),
                    stages=json.dumps(stages, ensure_ascii=False),
                    channel=channel,
                    message_ts="",
                    created_by=created_by,
                    created_at=now,
                )
            )
            rows = [
                _item_row(campaign.campaign_id, stage.key, position, item, now)
                for stage in checklist.stages
                for position, item in enumerate(stage.items)
            ]
            if rows:
                db.execute(insert(checklist_items), rows)

    def attach_message(self, campaign_id: str, channel: str, ts: str) -> None:
        with self._engine.begin() as db:
            db.execute(
                update(campaigns).where(campaigns.c.id == campaign_id).values(channel=channel, message_ts=ts)
            )

    def message_of(self, campaign_id: str) -> tuple[str, str] | None:
        with self._engine.connect() as db:
            row = db.execute(
                select(campaigns.c.channel, campaigns.c.message_ts).where(campaigns.c.id == campaign_id)
            ).first()
        return (row[0], row[1]) if row and row[1] else None

    def channel_of(self, campaign_id: str) -> str | None:
        with self._engine.connect() as db:
            row = db.execute(select(campaigns.c.channel).where(campaigns.c.id == campaign_id)).first()
        return str(row[0]) if row else None

    def set_done(self, campaign_id: str, item_ids: Iterable[str], done: bool, user: str) -> None:
        ids = list(item_ids)
        if not ids:
            return
        with self._engine.begin() as db:
            db.execute(
                update(checklist_items)
                .where(and_(checklist_items.c.campaign_id == campaign_id, checklist_items.c.item_id.in_(ids)))
                .values(done=done, done_by=user if done else None, updated_at=time.time())
            )

    def set_due_dates(
        self,
        campaign_id: str,
        launch: date | None,
        end: date | None,
        dues: dict[str, tuple[date | None, bool]],
    ) -> None:
        """New launch and end dates, and each item's due date (and whether it was compressed) placed again."""
        with self._engine.begin() as db:
            self._set_campaign_dates(db, campaign_id, launch, end)
            for item_id, (due, compressed) in dues.items():
                self._update_item(db, campaign_id, item_id, due=due, compressed=compressed)

    @staticmethod
    def _set_campaign_dates(db: Connection, campaign_id: str, launch: date | None, end: date | None) -> None:
        db.execute(update(campaigns).where(campaigns.c.id == campaign_id).values(launch=launch, end_date=end))

    @staticmethod
    def _update_item(db: Connection, campaign_id: str, item_id: str, **values: object) -> None:
        db.execute(
            update(checklist_items)
            .where(and_(checklist_items.c.campaign_id == campaign_id, checklist_items.c.item_id == item_id))
            .values(updated_at=time.time(), **values)
        )

    def set_stage_owner(self, campaign_id: str, stage_key: str, owner: str | None) -> None:
        with self._engine.begin() as db:
            db.execute(
                update(checklist_items)
                .where(
                    and_(
                        checklist_items.c.campaign_id == campaign_id, checklist_items.c.stage_key == stage_key
                    )
                )
                .values(owner=owner, updated_at=time.time())
            )

    def set_item_owner(self, campaign_id: str, item_id: str, owner: str | None) -> None:
        with self._engine.begin() as db:
            self._update_item(db, campaign_id, item_id, owner=owner)

    def append_stage(
        self, campaign_id: str, stage_key: str, stage_name: str, items: list[ChecklistItem]
    ) -> None:
        """Items added under a stage (created after the others when new), after its existing items."""
        now = time.time()
        with self._engine.begin() as db:
            row = db.execute(select(campaigns.c.stages).where(campaigns.c.id == campaign_id)).first()
            if row is None:
                return
            stages = json.loads(row[0])
            if all(stage["key"] != stage_key for stage in stages):
                stages.append({"key": stage_key, "name": stage_name})
                db.execute(
                    update(campaigns)
                    .where(campaigns.c.id == campaign_id)
                    .values(stages=json.dumps(stages, ensure_ascii=False))
                )
            last = db.execute(
                select(func.max(checklist_items.c.position)).where(
                    checklist_items.c.campaign_id == campaign_id
                )
            ).scalar()
            start = 0 if last is None else int(last) + 1
            if items:
                db.execute(
                    insert(checklist_items),
                    [_item_row(campaign_id, stage_key, start + n, item, now) for n, item in enumerate(items)],
                )

    def load(self, campaign_id: str) -> Checklist | None:
        with self._engine.connect() as db:
            row = db.execute(select(campaigns).where(campaigns.c.id == campaign_id)).mappings().first()
            if row is None:
                return None
            items = (
                db.execute(
                    select(checklist_items)
                    .where(checklist_items.c.campaign_id == campaign_id)
                    .order_by(checklist_items.c.position)
                )
                .mappings()
                .all()
            )
        campaign = Campaign(
            row["id"], row["name"], row["kind"], row["kind_label"], row["launch"], row["end_date"]
        )
        stages = []
        for stage in json.loads(row["stages"]):
            members = [
                ChecklistItem(
                    i["item_id"],
                    i["text"],
                    i["due"],
                    i["source"],
                    i["owner"],
                    bool(i["done"]),
                    anchor=i["anchor"],
                    offset=i["offset_workdays"],
                    compressed=bool(i["compressed"]),
                )
                for i in items
                if i["stage_key"] == stage["key"]
            ]
            stages.append(Stage(stage["key"], stage["name"], members))
        return Checklist(campaign, stages, json.loads(row["notes"]))

    def save_review(
        self, campaign_id: str, author: str, answers: list[tuple[str, str]], created_at: float
    ) -> int:
        """`created_at` comes from the caller's clock, so reviews sort the same in tests and in any year."""
        with self._engine.begin() as db:
            result = db.execute(
                insert(campaign_reviews).values(
                    campaign_id=campaign_id,
                    author=author,
                    answers=json.dumps(answers, ensure_ascii=False),
                    created_at=created_at,
                )
            )
            return int(result.inserted_primary_key[0]) if result.inserted_primary_key else 0

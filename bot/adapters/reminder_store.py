"""Reminders kept in the state database (the scheduler's own job table lives beside it)."""

from __future__ import annotations

import json
import time

from sqlalchemy import Engine, insert, select, update

from bot.adapters.schema import reminders
from bot.domain.reminders import Reminder, schedule_from_json, schedule_to_json


def _reminder(row: dict[str, object]) -> Reminder:
    return Reminder(
        str(row["id"]),
        str(row["channel"]),
        str(row["text"]),
        str(row["creator"]),
        str(row["timezone"]),
        schedule_from_json(json.loads(str(row["schedule"]))),
        str(row["kind"]),
        str(row["campaign_id"]) if row["campaign_id"] else None,
        str(row["status"]),
    )


class SqlReminderStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, reminder: Reminder) -> None:
        with self._engine.begin() as db:
            db.execute(
                insert(reminders).values(
                    id=reminder.reminder_id,
                    channel=reminder.channel,
                    text=reminder.text,
                    creator=reminder.creator,
                    timezone=reminder.timezone,
                    schedule=json.dumps(schedule_to_json(reminder.schedule)),
                    kind=reminder.kind,
                    campaign_id=reminder.campaign_id,
                    status=reminder.status,
                    created_at=time.time(),
                )
            )

    def get(self, reminder_id: str) -> Reminder | None:
        with self._engine.connect() as db:
            row = db.execute(select(reminders).where(reminders.c.id == reminder_id)).mappings().first()
        return _reminder(dict(row)) if row else None

    def active(self, channel: str | None = None) -> list[Reminder]:
        query = select(reminders).where(reminders.c.status == "active").order_by(reminders.c.created_at)
        if channel:
            query = query.where(reminders.c.channel == channel)
        with self._engine.connect() as db:
            return [_reminder(dict(row)) for row in db.execute(query).mappings()]

    def set_status(self, reminder_id: str, status: str) -> None:
        with self._engine.begin() as db:
            db.execute(update(reminders).where(reminders.c.id == reminder_id).values(status=status))

"""Reminder deliveries in the state database: one row per (reminder, due time) with its state.

Claiming is one INSERT or one conditional UPDATE, so two processes racing for the same delivery
cannot both win: the database decides (PostgreSQL re-checks the WHERE after a row lock).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.adapters.schema import reminder_deliveries as rows
from bot.services.ports import DeliveryKey


def _this(key: DeliveryKey) -> Any:
    return (rows.c.reminder_id == key.reminder_id) & (rows.c.due == key.due)


def _takeable(now: float) -> Any:
    return or_(
        (rows.c.status == "retrying") & (rows.c.next_attempt_at <= now),
        (rows.c.status == "claimed") & (rows.c.claimed_until < now),
    )


class SqlDeliveries:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, key: DeliveryKey, owner: str, now: float, until: float) -> int | None:
        if self._first_row(key, now, status="claimed", attempts=1, claimed_by=owner, claimed_until=until):
            return 1
        with self._engine.begin() as db:
            taken = db.execute(
                update(rows)
                .where(_this(key), _takeable(now))
                .values(
                    status="claimed",
                    attempts=rows.c.attempts + 1,
                    claimed_by=owner,
                    claimed_until=until,
                    updated_at=now,
                )
            ).rowcount
            if not taken:
                return None
            attempts = db.execute(select(rows.c.attempts).where(_this(key))).scalar_one()
        return int(attempts)

    def _finish(self, key: DeliveryKey, owner: str, now: float, **values: Any) -> None:
        """Only the current claimer moves the row on: a late, taken-over attempt changes nothing."""
        with self._engine.begin() as db:
            db.execute(
                update(rows)
                .where(_this(key), rows.c.claimed_by == owner, rows.c.status == "claimed")
                .values(updated_at=now, **values)
            )

    def sent(self, key: DeliveryKey, owner: str, now: float) -> None:
        self._finish(key, owner, now, status="sent", next_attempt_at=None)

    def retry_at(self, key: DeliveryKey, owner: str, at: float, error: str, now: float) -> None:
        self._finish(key, owner, now, status="retrying", next_attempt_at=at, last_error=error[:500])

    def failed(self, key: DeliveryKey, owner: str, error: str, now: float) -> None:
        self._finish(key, owner, now, status="failed", next_attempt_at=None, last_error=error[:500])

    def waiting(self, now: float) -> list[DeliveryKey]:
        query = select(rows.c.reminder_id, rows.c.due).where(_takeable(now)).order_by(rows.c.updated_at)
        with self._engine.connect() as db:
            return [DeliveryKey(str(rid), str(due)) for rid, due in db.execute(query)]

    def hand_back(self, owner: str, now: float) -> int:
        with self._engine.begin() as db:
            handed = db.execute(
                update(rows)
                .where(rows.c.claimed_by == owner, rows.c.status == "claimed")
                .values(claimed_until=0.0, updated_at=now)
            ).rowcount
        return int(handed)

    def record_missed(self, key: DeliveryKey, now: float) -> bool:
        return self._first_row(key, now, status="missed", attempts=0, claimed_by="", claimed_until=0.0)

    def _first_row(self, key: DeliveryKey, now: float, **values: Any) -> bool:
        """Insert the delivery's row; False if one exists already (the database decides the race)."""
        try:
            with self._engine.begin() as db:
                db.execute(
                    insert(rows).values(reminder_id=key.reminder_id, due=key.due, updated_at=now, **values)
                )
        except IntegrityError:
            return False
        return True

    def forget_finished(self, before: float) -> int:
        """Housekeeping: sent, failed and missed rows last touched before `before` go (a fired one-off or a
        past due time is never claimed again, so nothing needs them); how many."""
        with self._engine.begin() as db:
            gone = db.execute(
                delete(rows).where(
                    rows.c.status.in_(("sent", "failed", "missed")), rows.c.updated_at < before
                )
            ).rowcount
        return int(gone)

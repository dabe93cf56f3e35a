"""Who said `/ops nudges off`: the `nudge_optouts` table, shared by every process."""

from __future__ import annotations

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from bot.adapters.schema import nudge_optouts


class SqlNudgeOptouts:
    """One row per person who turned their morning DM off; removing it turns the DM on again."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def opted_out(self) -> frozenset[str]:
        """Everyone who turned nudges off (one query for the whole morning run)."""
        with self._engine.connect() as db:
            return frozenset(str(row[0]) for row in db.execute(select(nudge_optouts.c.user_id)))

    def is_off(self, user: str) -> bool:
        with self._engine.connect() as db:
            found = db.execute(select(nudge_optouts.c.user_id).where(nudge_optouts.c.user_id == user))
            return found.first() is not None

    def turn_off(self, user: str, at: float) -> bool:
        """False when they had already turned it off (the row and its time stay as they were)."""
        try:
            with self._engine.begin() as db:
                db.execute(insert(nudge_optouts).values(user_id=user, at=at))
        except IntegrityError:
            return False
        return True

    def turn_on(self, user: str) -> bool:
        """False when nudges were on already."""
        with self._engine.begin() as db:
            return bool(db.execute(delete(nudge_optouts).where(nudge_optouts.c.user_id == user)).rowcount)

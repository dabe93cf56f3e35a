"""Which collections each channel answers from (`/ops scope`), in the state database every process reads."""

from __future__ import annotations

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from bot.adapters.schema import channel_scopes
from bot.services.ports import ChannelScope


class SqlChannelScopes:
    """One row per (channel, collection); read on every answer, so each read is one indexed query."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def for_channel(self, channel: str) -> list[ChannelScope]:
        query = (
            select(channel_scopes)
            .where(channel_scopes.c.channel == channel)
            .order_by(channel_scopes.c.added_at, channel_scopes.c.collection)
        )
        with self._engine.connect() as db:
            return [
                ChannelScope(row.channel, row.collection, row.added_by, row.added_at)
                for row in db.execute(query)
            ]

    def add(self, scope: ChannelScope) -> bool:
        """Two editors adding the same collection at once: the second insert loses quietly."""
        try:
            with self._engine.begin() as db:
                db.execute(
                    insert(channel_scopes).values(
                        channel=scope.channel,
                        collection=scope.collection,
                        added_by=scope.added_by[:32],
                        added_at=scope.added_at,
                    )
                )
        except IntegrityError:
            return False
        return True

    def remove(self, channel: str, collection: str) -> bool:
        with self._engine.begin() as db:
            removed = db.execute(
                delete(channel_scopes).where(
                    channel_scopes.c.channel == channel, channel_scopes.c.collection == collection
                )
            ).rowcount
        return bool(removed)

    def clear(self, channel: str) -> int:
        with self._engine.begin() as db:
            return int(db.execute(delete(channel_scopes).where(channel_scopes.c.channel == channel)).rowcount)

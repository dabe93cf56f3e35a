"""Run-time knowledge sources (reviews) in the state database, the one copy every process indexes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.adapters.schema import knowledge_changes, knowledge_sources
from bot.domain.sources import KnowledgeChange, KnowledgeSource
from bot.knowledge.sources import legacy_review

log = logging.getLogger(__name__)


def _text(value: str) -> str:
    return value.replace("\x00", "")  # PostgreSQL refuses NUL in text


class SqlKnowledgeSources:
    """Adding is an insert, removing a tombstone: a process that missed either sees it on its next check."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, source: KnowledgeSource) -> None:
        with self._engine.begin() as db:
            db.execute(insert(knowledge_sources).values(**self._row(source)))
            self._record(db, source.source_id, "added", source.created_by, source.created_at)

    @staticmethod
    def _record(db: Any, source_id: str, action: str, actor: str, at: float) -> None:
        """In the same transaction as the change itself: the log never disagrees with the table."""
        db.execute(
            insert(knowledge_changes).values(source_id=source_id, action=action, actor=actor[:32], at=at)
        )

    def get(self, source_id: str) -> KnowledgeSource | None:
        query = select(knowledge_sources).where(knowledge_sources.c.id == source_id)
        with self._engine.connect() as db:
            row = db.execute(query).first()
        return self._source(row) if row is not None else None

    def restore(self, source_id: str, actor: str, at: float, removed_since: float) -> bool:
        """Undo a removal made after `removed_since`; False when there is nothing to restore."""
        with self._engine.begin() as db:
            restored = db.execute(
                update(knowledge_sources)
                .where(
                    knowledge_sources.c.id == source_id,
                    knowledge_sources.c.deleted_at.is_not(None),
                    knowledge_sources.c.deleted_at >= removed_since,
                )
                .values(deleted_at=None)
            ).rowcount
            if restored:
                self._record(db, source_id, "restored", actor, at)
        return bool(restored)

    def changes(self, source_id: str | None = None, limit: int = 50) -> list[KnowledgeChange]:
        """The latest changes first, of one source or of all."""
        query = select(knowledge_changes).order_by(knowledge_changes.c.id.desc()).limit(limit)
        if source_id is not None:
            query = query.where(knowledge_changes.c.source_id == source_id)
        with self._engine.connect() as db:
            return [
                KnowledgeChange(row.source_id, row.action, row.actor, row.at) for row in db.execute(query)
            ]

    def add_if_absent(self, source: KnowledgeSource) -> bool:
        """Insert unless a source with this id exists (two processes may import the same file)."""
        try:
            with self._engine.begin() as db:
                exists = db.execute(
                    select(knowledge_sources.c.id).where(knowledge_sources.c.id == source.source_id)
                ).first()
                if exists:
                    return False
                db.execute(insert(knowledge_sources).values(**self._row(source)))
                self._record(db, source.source_id, "imported", source.created_by, source.created_at)
                return True
        except IntegrityError:
            return False

    def tombstone(self, source_id: str, at: float, actor: str = "") -> bool:
        """Removed for every process at its next check; False when it was not there to remove."""
        with self._engine.begin() as db:
            removed = db.execute(
                update(knowledge_sources)
                .where(knowledge_sources.c.id == source_id, knowledge_sources.c.deleted_at.is_(None))
                .values(deleted_at=at)
            ).rowcount
            if removed:
                self._record(db, source_id, "removed", actor, at)
        return bool(removed)

    def replace(self, old_id: str, new: KnowledgeSource, actor: str, at: float) -> bool:
        """The new version added and the old one removed (restorable) in one transaction, or neither:
        False when the old entry was removed or replaced meanwhile."""
        with self._engine.begin() as db:
            removed = db.execute(
                update(knowledge_sources)
                .where(knowledge_sources.c.id == old_id, knowledge_sources.c.deleted_at.is_(None))
                .values(deleted_at=at)
            ).rowcount
            if not removed:
                return False
            db.execute(insert(knowledge_sources).values(**self._row(new)))
            self._record(db, old_id, "replaced", actor, at)
            self._record(db, new.source_id, "added", new.created_by, new.created_at)
        return True

    def all(self) -> list[KnowledgeSource]:
        query = select(knowledge_sources).order_by(knowledge_sources.c.created_at, knowledge_sources.c.id)
        with self._engine.connect() as db:
            return [self._source(row) for row in db.execute(query)]

    @staticmethod
    def _source(row: Any) -> KnowledgeSource:
        return KnowledgeSource(
            source_id=row.id,
            kind=row.kind,
            title=row.title,
            body=row.body,
            campaign_id=row.campaign_id,
            channel=row.channel,
            created_by=row.created_by,
            created_at=row.created_at,
            deleted_at=row.deleted_at,
            collection=row.collection,
        )

    def version(self) -> tuple[Any, ...]:
        """How many sources, the newest, how many tombstones and the latest, and the latest change
        (a restore changes nothing else for sure), in one query."""
        query = select(
            func.count(),
            func.max(knowledge_sources.c.created_at),
            func.count(knowledge_sources.c.deleted_at),
            func.max(knowledge_sources.c.deleted_at),
            select(func.max(knowledge_changes.c.id)).scalar_subquery(),
        )
        with self._engine.connect() as db:
            row = db.execute(query).one()
        return tuple(row)

    def import_legacy_reviews(self, reviews_dir: Path) -> int:
        """Reviews older versions wrote as Markdown files; each is imported once, whoever starts first."""
        if not reviews_dir.is_dir():
            return 0
        imported = 0
        for path in sorted(reviews_dir.glob("*.md")):
            try:
                source = legacy_review(path)
            except OSError as error:
                log.warning("could not read the old review %s: %s", path.name, error)
                continue
            if source is not None and self.add_if_absent(source):
                imported += 1
        if imported:
            log.info("imported %d review files from %s into the database", imported, reviews_dir)
        return imported

    @staticmethod
    def _row(source: KnowledgeSource) -> dict[str, Any]:
        return {
            "id": source.source_id,
            "kind": source.kind,
            "title": _text(source.title),
            "body": _text(source.body),
            "campaign_id": source.campaign_id,
            "channel": source.channel,
            "created_by": source.created_by[:32],
            "created_at": source.created_at,
            "deleted_at": source.deleted_at,
            "collection": source.collection,
        }

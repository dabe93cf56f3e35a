"""Knowledge gaps in the state database (`knowledge_gaps`) and 👎 reasons on `feedback.reason`.

Every change that must happen once (resolving a group, telling an asker) is a single conditional
UPDATE, so the database decides a race between processes or retries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from bot.adapters.schema import feedback, knowledge_gaps
from bot.domain.gaps import GAP_KINDS, NOT_COVERED, Gap, GapKind

gaps = knowledge_gaps


def _gap(row: Any) -> Gap:
    kind: GapKind = next((k for k in GAP_KINDS if k == row.kind), NOT_COVERED)
    return Gap(
        gap_id=int(row.id),
        kind=kind,
        question=str(row.question),
        user_id=str(row.user_id or ""),
        channel=str(row.channel or ""),
        asked_at=float(row.asked_at),
        answer_id=row.answer_id,
        reason=row.reason,
        resolved_source_id=row.resolved_source_id,
        resolved_at=row.resolved_at,
        notified_at=row.notified_at,
    )


class SqlGapStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self,
        kind: GapKind,
        question: str,
        user_id: str,
        channel: str,
        asked_at: float,
        answer_id: str | None = None,
    ) -> int:
        with self._engine.begin() as db:
            result = db.execute(
                insert(gaps).values(
                    kind=kind,
                    question=question,
                    user_id=user_id[:32],
                    channel=channel[:32],
                    answer_id=answer_id,
                    asked_at=asked_at,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def find_open(self, kind: GapKind, answer_id: str, user_id: str) -> Gap | None:
        query = select(gaps).where(
            gaps.c.kind == kind,
            gaps.c.answer_id == answer_id,
            gaps.c.user_id == user_id,
            gaps.c.resolved_at.is_(None),
        )
        with self._engine.connect() as db:
            row = db.execute(query.limit(1)).first()
        return _gap(row) if row else None

    def withdraw(self, kind: GapKind, answer_id: str, user_id: str) -> int:
        with self._engine.begin() as db:
            gone = db.execute(
                delete(gaps).where(
                    gaps.c.kind == kind,
                    gaps.c.answer_id == answer_id,
                    gaps.c.user_id == user_id,
                    gaps.c.resolved_at.is_(None),
                )
            ).rowcount
        return int(gone or 0)

    def set_reason(self, answer_id: str, user_id: str, reason: str) -> bool:
        """Both rows in one transaction; only the person's own 👎 is ever touched."""
        with self._engine.begin() as db:
            voted = db.execute(
                update(feedback)
                .where(
                    feedback.c.answer_id == answer_id,
                    feedback.c.user_id == user_id,
                    feedback.c.vote == "down",
                )
                .values(reason=reason)
            ).rowcount
            if not voted:
                return False
            db.execute(
                update(gaps)
                .where(gaps.c.answer_id == answer_id, gaps.c.user_id == user_id)
                .values(reason=reason)
            )
        return True

    def open_gaps(self, limit: int) -> list[Gap]:
        query = (
            select(gaps)
            .where(gaps.c.resolved_at.is_(None))
            .order_by(gaps.c.asked_at.desc(), gaps.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as db:
            return [_gap(row) for row in db.execute(query)]

    def get(self, gap_id: int) -> Gap | None:
        with self._engine.connect() as db:
            row = db.execute(select(gaps).where(gaps.c.id == gap_id)).first()
        return _gap(row) if row else None

    def resolve(self, gap_ids: list[int], source_id: str, at: float) -> int:
        if not gap_ids:
            return 0
        with self._engine.begin() as db:
            resolved = db.execute(
                update(gaps)
                .where(gaps.c.id.in_(gap_ids), gaps.c.resolved_at.is_(None))
                .values(resolved_source_id=source_id, resolved_at=at)
            ).rowcount
        return int(resolved or 0)

    def unresolve(self, source_id: str) -> None:
        with self._engine.begin() as db:
            db.execute(
                update(gaps)
                .where(gaps.c.resolved_source_id == source_id, gaps.c.notified_at.is_(None))
                .values(resolved_source_id=None, resolved_at=None)
            )

    def claim_notice(self, gap_ids: list[int], user_id: str, at: float) -> bool:
        if not gap_ids:
            return False
        with self._engine.begin() as db:
            claimed = db.execute(
                update(gaps)
                .where(
                    gaps.c.id.in_(gap_ids),
                    gaps.c.user_id == user_id,
                    gaps.c.notified_at.is_(None),
                )
                .values(notified_at=at)
            ).rowcount
        return bool(claimed)

"""What the Slack front end remembers: answers (for sharing), feedback votes, seen events, greetings."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from bot.adapters.schema import answers, greeted_users, processed_events
from bot.adapters.schema import feedback as feedback  # re-exported: tests read votes from it

DEDUPE_TTL_S = 24 * 3600


class SqlStateStore:
    """Small, transactional operations; every one is safe to call from many threads at once."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save_answer(self, question: str, payload: dict[str, Any], asked_by: str = "") -> str:
        answer_id = uuid.uuid4().hex[:16]
        with self._engine.begin() as db:
            db.execute(
                insert(answers).values(
                    id=answer_id,
                    question=question,
                    payload=json.dumps(payload, ensure_ascii=False),
                    asked_by=asked_by,
                    created_at=time.time(),
                )
            )
        return answer_id

    def answer(self, answer_id: str) -> dict[str, Any] | None:
        with self._engine.connect() as db:
            row = db.execute(select(answers.c.payload).where(answers.c.id == answer_id)).first()
        return json.loads(row[0]) if row else None

    def asker_of(self, answer_id: str) -> str | None:
        with self._engine.connect() as db:
            row = db.execute(select(answers.c.asked_by).where(answers.c.id == answer_id)).first()
        return str(row[0]) if row else None

    def record_vote(self, answer_id: str, user_id: str, vote: str) -> None:
        """A user's latest vote on an answer replaces their earlier one."""
        with self._engine.begin() as db:
            db.execute(
                delete(feedback).where(feedback.c.answer_id == answer_id, feedback.c.user_id == user_id)
            )
            db.execute(
                insert(feedback).values(
                    answer_id=answer_id, user_id=user_id, vote=vote, created_at=time.time()
                )
            )

    def votes(self, answer_id: str) -> dict[str, str]:
        with self._engine.connect() as db:
            rows = db.execute(
                select(feedback.c.user_id, feedback.c.vote).where(feedback.c.answer_id == answer_id)
            )
            return {user: vote for user, vote in rows}

    def claim(self, key: str) -> bool:
        """True exactly once per key, across threads and processes: the first claimant does the work."""
        now = time.time()
        try:
            with self._engine.begin() as db:
                db.execute(insert(processed_events).values(key=key[:200], created_at=now))
        except IntegrityError:
            return False
        return True

    def forget_old_claims(self) -> None:
        with self._engine.begin() as db:
            db.execute(
                delete(processed_events).where(processed_events.c.created_at < time.time() - DEDUPE_TTL_S)
            )

    def greet_once(self, user_id: str) -> bool:
        try:
            with self._engine.begin() as db:
                db.execute(insert(greeted_users).values(user_id=user_id, created_at=time.time()))
        except IntegrityError:
            return False
        return True

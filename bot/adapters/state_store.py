"""What the Slack front end remembers: answers (for sharing), feedback votes, seen events, greetings."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.adapters.schema import answer_citations, answers, greeted_users, processed_events
from bot.adapters.schema import feedback as feedback  # re-exported: tests read votes from it

DEDUPE_TTL_S = 24 * 3600
# A claim not marked answered within this long belongs to a dead process: Slack's retry (which comes
# only when our acknowledgement did not arrive) takes it over. Live acknowledgements take milliseconds.
EVENT_LEASE_S = 30.0
# Marks a claimed event as answered, as a row of its own so the table keeps its two columns.
ANSWERED = "answered:"
_KEY_CHARS = 200 - len(ANSWERED)


def cited_sources(payload: dict[str, Any]) -> list[str]:
    """The distinct sources an answer cites, each once: a document or review as "kind:id", a playbook
    file by its path, never a section (counts are per entry). Further reading (`related`) is no citation."""
    sources = payload.get("sources") or []
    found = (str(cited.get("source") or "")[:200] for cited in sources if isinstance(cited, dict))
    return [source for source in dict.fromkeys(found) if source]


class SqlStateStore:
    """Small, transactional operations; every one is safe to call from many threads at once."""

    def __init__(self, engine: Engine, now: Callable[[], float] = time.time) -> None:
        self._engine = engine
        # The app's clock, for what `/ops docs` counts over the last 30 days (answers, citations, votes);
        # event claims keep the machine's clock, which their leases are measured on.
        self._now = now

    def save_answer(self, question: str, payload: dict[str, Any], asked_by: str = "") -> str:
        """The answer and one citation row per distinct source it cites, in one transaction."""
        answer_id = uuid.uuid4().hex[:16]
        now = self._now()
        with self._engine.begin() as db:
            db.execute(
                insert(answers).values(
                    id=answer_id,
                    question=question,
                    payload=json.dumps(payload, ensure_ascii=False),
                    asked_by=asked_by,
                    created_at=now,
                )
            )
            cited = cited_sources(payload)
            if cited:
                db.execute(
                    insert(answer_citations),
                    [{"answer_id": answer_id, "source": source, "cited_at": now} for source in cited],
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
                    answer_id=answer_id, user_id=user_id, vote=vote, created_at=self._now()
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

    def claim_event(self, key: str, lease_s: float = EVENT_LEASE_S) -> bool:
        """True for the first delivery of an event, and for a retry of one whose claimant died.

        A claim is in flight until `mark_answered`; a retry finding it answered, or in flight for less
        than `lease_s`, gets False (acknowledged, not answered twice). An expired claim is taken over
        by one compare-and-set, so of two racing retries only one wins.
        """
        key = key[:_KEY_CHARS]
        if self.claim(key):
            return True
        now = time.time()
        marks = processed_events.alias("marks")
        answered = exists().where(marks.c.key == ANSWERED + key)
        with self._engine.begin() as db:
            taken = db.execute(
                update(processed_events)
                .where(
                    processed_events.c.key == key,
                    processed_events.c.created_at < now - lease_s,
                    ~answered,
                )
                .values(created_at=now)
            )
        return bool(taken.rowcount == 1)

    def mark_answered(self, keys: list[str]) -> None:
        """The claimed events were answered: a later retry of them is only acknowledged."""
        for key in keys:
            self.claim(ANSWERED + key[:_KEY_CHARS])

    def forget_old_claims(self, now: float | None = None, max_age_s: float = DEDUPE_TTL_S) -> int:
        """Drop seen events and claims older than Slack ever retries; run at start and hourly by the
        scheduler's leader. `now` is on the clock the claims were written with (the machine's)."""
        cutoff = (time.time() if now is None else now) - max_age_s
        with self._engine.begin() as db:
            purged = db.execute(delete(processed_events).where(processed_events.c.created_at < cutoff))
        return int(purged.rowcount or 0)

    def greet_once(self, user_id: str) -> bool:
        try:
            with self._engine.begin() as db:
                db.execute(insert(greeted_users).values(user_id=user_id, created_at=time.time()))
        except IntegrityError:
            return False
        return True

"""How often each knowledge source was cited lately, and how many 👎 the answers citing it got."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from bot.adapters.schema import answer_citations, feedback
from bot.services.ports import SourceUsage


class SqlKnowledgeUsage:
    """Two grouped counts over `answer_citations` (written with each answer) and `feedback`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def usage(self, since: float) -> dict[str, SourceUsage]:
        """Per source: answers citing it since `since`, and 👎 votes given since then on answers citing it."""
        cited = (
            select(answer_citations.c.source, func.count())
            .where(answer_citations.c.cited_at >= since)
            .group_by(answer_citations.c.source)
        )
        down = (
            select(answer_citations.c.source, func.count())
            .join(feedback, feedback.c.answer_id == answer_citations.c.answer_id)
            .where(feedback.c.vote == "down", feedback.c.created_at >= since)
            .group_by(answer_citations.c.source)
        )
        with self._engine.connect() as db:
            citations = {str(source): int(count) for source, count in db.execute(cited)}
            down_votes = {str(source): int(count) for source, count in db.execute(down)}
        return {
            source: SourceUsage(citations.get(source, 0), down_votes.get(source, 0))
            for source in citations.keys() | down_votes.keys()
        }

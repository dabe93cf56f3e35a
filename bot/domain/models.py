"""Value objects shared by the answer pipeline and every front end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.domain.sources import collection_of_source

Language = Literal["zh", "en"]
# A cited answer, the honest "the playbook does not cover this", or a friendly reply to chit-chat.
AnswerKind = Literal["answer", "not_covered", "small_talk"]


@dataclass(frozen=True)
class Chunk:
    """One list item or paragraph of a knowledge document, with where it came from."""

    chunk_id: str
    source: str
    section: str
    text: str
    position: int = 0


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk and how relevant it is to one question."""

    chunk: Chunk
    score: float
    # The collection it was retrieved from ("手册", "文档" …); empty when not known (older stored answers).
    collection: str = ""

    @property
    def source(self) -> str:
        return self.chunk.source

    @property
    def collection_name(self) -> str:
        """What every citation shows: the collection retrieval named, else the one its source implies."""
        return self.collection or collection_of_source(self.chunk.source)

    @property
    def section(self) -> str:
        return self.chunk.section

    @property
    def text(self) -> str:
        return self.chunk.text


@dataclass(frozen=True)
class Answer:
    """What every front end shows: the answer text and the numbered sources it cites.

    `kind` need not be given: an answer that cites nothing is "not_covered".
    """

    question: str
    text: str
    sources: list[Passage] = field(default_factory=list)
    language: Language = "zh"
    note: str = ""
    kind: AnswerKind = "answer"
    # A not-covered answer may list close sections as further reading; they are never sources.
    related: list[Passage] = field(default_factory=list)
    # The first two sources are nearly tied and about different topics: the asker is asked which.
    unsure: bool = False

    def __post_init__(self) -> None:
        if self.kind == "answer" and not self.sources:
            object.__setattr__(self, "kind", "not_covered")

    @property
    def covered(self) -> bool:
        return bool(self.sources)

    def to_record(self) -> dict[str, object]:
        """Everything needed to show this answer again later (sharing it, for instance)."""
        return {**self.to_json(), "language": self.language, "note": self.note, "kind": self.kind}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Answer:
        """Also reads records kept before `related` and `unsure` existed."""

        def passages(key: str) -> list[Passage]:
            return [
                Passage(
                    Chunk(f"stored-{key}-{i}", s["source"], s["section"], s["text"]),
                    float(s["score"]),
                    str(s.get("collection") or ""),
                )
                for i, s in enumerate(record.get(key) or [])
            ]

        language: Language = "en" if record.get("language") == "en" else "zh"
        kind: AnswerKind = "small_talk" if record.get("kind") == "small_talk" else "answer"
        return cls(
            record["question"],
            record["answer"],
            passages("sources"),
            language,
            record.get("note", ""),
            kind,
            related=passages("related"),
            unsure=bool(record.get("unsure", False)),
        )

    def to_json(self) -> dict[str, object]:
        """The contract of `opsbot ask --json`: `sources` is [] for every answer that is not covered."""

        def shown(passages: list[Passage]) -> list[dict[str, object]]:
            return [
                {
                    "source": p.source,
                    "collection": p.collection_name,
                    "section": p.section,
                    "text": p.text,
                    "score": round(p.score, 4),
                }
                for p in passages
            ]

        return {
            "question": self.question,
            "answer": self.text,
            "sources": shown(self.sources),
            "related": shown(self.related),
            "unsure": self.unsure,
        }

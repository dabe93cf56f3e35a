"""What the indexer and the searcher need from a vector store, and the records they exchange."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

RecordKind = Literal["chunk", "section", "heading", "background"]


@dataclass(frozen=True)
class IndexRecord:
    """One vector in the store: a chunk, a whole section, a heading, or a background passage."""

    record_id: str
    kind: RecordKind
    source: str
    section: str
    text: str
    embed_text: str
    fingerprint: str
    position: int = 0
    record_count: int = 0

    def metadata(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "section": self.section,
            "text": self.text,
            "fingerprint": self.fingerprint,
            "position": self.position,
            "record_count": self.record_count,
        }


@dataclass(frozen=True)
class StoredRecords:
    """Everything the store holds, in one read: ids, metadata and an (n, dim) matrix of vectors."""

    ids: list[str]
    metadatas: list[dict[str, Any]]
    vectors: np.ndarray


class KnowledgeStore(Protocol):
    """A persistent vector store keyed by source file; the embedder is the store's own business."""

    @property
    def embedder(self) -> str: ...

    was_rebuilt_reason: str

    def metadatas(self) -> list[dict[str, Any]]: ...

    def delete_source(self, source: str) -> None: ...

    def add(self, records: Sequence[IndexRecord]) -> None: ...

    def load(self) -> StoredRecords: ...

    def recover_from_corruption(self, error: BaseException) -> None: ...


class OpenedOnFirstUse:
    """A store opened only when first used: a process answering from the snapshot never imports Chroma."""

    def __init__(self, open_store: Callable[[], KnowledgeStore], embedder: str) -> None:
        self._open_store = open_store
        self._embedder = embedder
        self._opened: KnowledgeStore | None = None

    @property
    def opened(self) -> KnowledgeStore:
        if self._opened is None:
            self._opened = self._open_store()
        return self._opened

    @property
    def embedder(self) -> str:
        return self._embedder

    @property
    def was_rebuilt_reason(self) -> str:
        return self.opened.was_rebuilt_reason

    @was_rebuilt_reason.setter
    def was_rebuilt_reason(self, reason: str) -> None:
        self.opened.was_rebuilt_reason = reason

    def metadatas(self) -> list[dict[str, Any]]:
        return self.opened.metadatas()

    def delete_source(self, source: str) -> None:
        self.opened.delete_source(source)

    def add(self, records: Sequence[IndexRecord]) -> None:
        self.opened.add(records)

    def load(self) -> StoredRecords:
        return self.opened.load()

    def recover_from_corruption(self, error: BaseException) -> None:
        self.opened.recover_from_corruption(error)

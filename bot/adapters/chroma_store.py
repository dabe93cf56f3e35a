"""The knowledge base's vector store: a persistent Chroma collection (embedded, or a Chroma server)."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import chromadb
import numpy as np
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from bot.adapters.embeddings import embedder_name
from bot.domain.errors import StoreUnavailable
from bot.knowledge.store import IndexRecord, StoredRecords
from bot.settings import Settings

log = logging.getLogger(__name__)

_PAGE = 5000

# What SQLite and Chroma say about a damaged index. Anything else (a read-only disk, a full one, a lock
# held by another process) is no reason to throw the index away.
_CORRUPTION = (
    "file is not a database",
    "database disk image is malformed",
    "(code: 11)",
    "(code: 26)",
    "error loading hnsw index",
    "hnsw segment reader",
)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]


def is_corrupt(error: BaseException) -> bool:
    """True when the error, or one it was raised from, says the index's files are damaged."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        message = str(current).lower()
        if any(marker in message for marker in _CORRUPTION):
            return True
        current = current.__cause__ or current.__context__
    return False


class ChromaKnowledgeStore:
    """Records (chunks, section summaries, background passages) with their vectors, kept in Chroma.

    The collection remembers which embedder wrote it; opened with another embedder it is emptied so
    that vectors from two models never mix.
    """

    def __init__(self, settings: Settings, embeddings: Embeddings) -> None:
        self._settings = settings
        self._embeddings = embeddings
        self._embedder = embedder_name(embeddings)
        self.was_rebuilt_reason = ""
        self._client = self._connect()
        try:
            self._store = self._open_collection()
        except StoreUnavailable as error:
            if self._settings.uses_chroma_server or not is_corrupt(error):
                raise
            self._client = self._rebuild_local(
                f"the index is corrupt ({_first_line(error.__cause__ or error)})"
            )
            self._store = self._open_collection()

    # -- opening -------------------------------------------------------------------------------

    def _connect(self) -> Any:
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        if self._settings.uses_chroma_server:
            try:
                return chromadb.HttpClient(
                    host=self._settings.chroma_host, port=self._settings.chroma_port, settings=settings
                )
            except Exception as error:
                raise StoreUnavailable(
                    f"Cannot reach the Chroma server at {self._settings.chroma_host}:"
                    f"{self._settings.chroma_port} ({type(error).__name__}). Is `chroma run` up?"
                ) from error
        path = self._settings.chroma_path
        try:
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=settings)
            client.list_collections()
            return client
        except Exception as error:
            if is_corrupt(error):
                return self._rebuild_local(f"the index at {path} is corrupt ({_first_line(error)})")
            raise self._kept(error) from error

    def _kept(self, error: BaseException) -> StoreUnavailable:
        """An index that cannot be opened for any reason but corruption is left exactly as it is."""
        return StoreUnavailable(
            f"Cannot open the index at {self._settings.chroma_path}: {type(error).__name__}: "
            f"{_first_line(error)}. It was kept as it is: check its permissions, free disk space, "
            "and that no other program holds it."
        )

    def _rebuild_local(self, reason: str) -> Any:
        """Throw away a corrupt embedded index; it is derived data, rebuilt from knowledge/ and the database."""
        log.warning("rebuilding the knowledge index: %s", reason)
        self.was_rebuilt_reason = reason
        path = self._settings.chroma_path
        SharedSystemClient.clear_system_cache()
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(
            path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        )

    def _open_collection(self) -> Chroma:
        name = self._settings.collection
        with self._errors("open"):
            existing = {collection.name for collection in self._client.list_collections()}
            if name in existing:
                stored = (self._client.get_collection(name).metadata or {}).get("embedder")
                if stored != self._embedder:
                    self.was_rebuilt_reason = f"the embedder changed from {stored} to {self._embedder}"
                    log.warning("rebuilding the knowledge index: %s", self.was_rebuilt_reason)
                    self._client.delete_collection(name)
            return Chroma(
                collection_name=name,
                embedding_function=self._embeddings,
                client=self._client,
                collection_metadata={"embedder": self._embedder},
            )

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except StoreUnavailable:
            raise
        except Exception as error:
            where = (
                f"the Chroma server at {self._settings.chroma_host}:{self._settings.chroma_port}"
                if self._settings.uses_chroma_server
                else f"the index at {self._settings.chroma_path}"
            )
            raise StoreUnavailable(f"Could not {action} {where}: {type(error).__name__}") from error

    def recover_from_corruption(self, error: BaseException) -> None:
        """Called when reading the collection fails: rebuild an embedded index only if it is corrupt."""
        if self._settings.uses_chroma_server:
            raise StoreUnavailable(
                f"The Chroma server returned an error while reading the index: {type(error).__name__}"
            ) from error
        if not is_corrupt(error):
            cause = error.__cause__ or error
            raise self._kept(cause) from error
        self._client = self._rebuild_local(f"reading the index failed ({_first_line(error)})")
        self._store = self._open_collection()

    # -- the KnowledgeStore interface ----------------------------------------------------------

    @property
    def embedder(self) -> str:
        return self._embedder

    def metadatas(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for _, _, page_meta, _ in self._pages(include=["metadatas"]):
            found.extend(page_meta)
        return found

    def delete_source(self, source: str) -> None:
        with self._errors("update"):
            self._store.delete(where={"source": source})

    def add(self, records: Sequence[IndexRecord]) -> None:
        if not records:
            return
        with self._errors("update"):
            self._store.add_texts(
                texts=[record.embed_text for record in records],
                metadatas=[record.metadata() for record in records],
                ids=[record.record_id for record in records],
            )

    def load(self) -> StoredRecords:
        ids: list[str] = []
        metadatas: list[dict[str, Any]] = []
        vectors: list[np.ndarray] = []
        for page_ids, _, page_meta, page_vectors in self._pages(include=["metadatas", "embeddings"]):
            ids.extend(page_ids)
            metadatas.extend(page_meta)
            vectors.append(np.asarray(page_vectors, dtype=np.float32))
        matrix = np.vstack(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
        return StoredRecords(ids=ids, metadatas=metadatas, vectors=matrix)

    def _pages(self, include: list[str]) -> Iterator[tuple[list[str], Any, list[dict[str, Any]], Any]]:
        offset = 0
        while True:
            with self._errors("read"):
                page = self._store.get(include=include, limit=_PAGE, offset=offset)
            page_ids = list(page["ids"])
            if not page_ids:
                return
            embeddings = page.get("embeddings")
            yield page_ids, page.get("documents"), list(page["metadatas"]), embeddings
            offset += len(page_ids)

"""A persistent cache in front of an embedder: the same text is embedded once per machine.

Rebuilding an index (a new data directory, a corrupt index, a test run) then costs only the texts
that changed. The cache is derived data: if it cannot be read or written, embedding goes on without it.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.adapters.embeddings import embedder_name

log = logging.getLogger(__name__)


class CachedEmbeddings(Embeddings):
    """Passage embeddings looked up by a hash of (embedder, text); queries are never cached."""

    def __init__(self, inner: Embeddings, cache_dir: Path) -> None:
        self._inner = inner
        self.name = embedder_name(inner)
        self._path = cache_dir / "embeddings.sqlite3"
        self._lock = threading.Lock()
        self._enabled = True
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        except (OSError, sqlite3.Error) as error:
            log.warning("embedding cache disabled (%s)", type(error).__name__)
            self._enabled = False

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._path, timeout=10)

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.name}\0{text}".encode()).hexdigest()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not self._enabled:
            return self._inner.embed_documents(texts)
        keys = [self._key(text) for text in texts]
        found = self._lookup(keys)
        missing = [i for i, key in enumerate(keys) if key not in found]
        if missing:
            fresh = self._inner.embed_documents([texts[i] for i in missing])
            for i, vector in zip(missing, fresh, strict=True):
                found[keys[i]] = vector
            self._store({keys[i]: found[keys[i]] for i in missing})
        return [found[key] for key in keys]

    def embed_query(self, text: str) -> list[float]:
        return self._inner.embed_query(text)

    def _lookup(self, keys: list[str]) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        try:
            with self._lock, self._connect() as db:
                for start in range(0, len(keys), 500):
                    batch = keys[start : start + 500]
                    marks = ",".join("?" * len(batch))
                    for key, blob in db.execute(
                        f"SELECT key, vector FROM vectors WHERE key IN ({marks})", batch
                    ):
                        found[key] = np.frombuffer(blob, dtype=np.float32).tolist()
        except sqlite3.Error as error:
            log.warning("embedding cache unreadable (%s); embedding without it", type(error).__name__)
        return found

    def _store(self, vectors: dict[str, list[float]]) -> None:
        rows = [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in vectors.items()]
        try:
            with self._lock, self._connect() as db:
                db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)
        except sqlite3.Error as error:
            log.warning("embedding cache not written (%s)", type(error).__name__)

"""A read cache of the embedded vector store, so a short-lived process can answer without opening Chroma.

Chroma stays the store of record. Every process that writes to it first and last replaces the
*generation* token beside it; a snapshot is written only after a full read of the store and is tagged
with the generation it was read under, so a snapshot taken before or during another process's write
never matches the token again. The store file's identity (inode and size) is recorded as well: a store
replaced, truncated or rebuilt behind our back also makes the snapshot stale.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from bot.knowledge.store import IndexRecord, KnowledgeStore, StoredRecords

log = logging.getLogger(__name__)

SNAPSHOT_FORMAT = 1


class IndexNeedsWrites(Exception):
    """Raised by a snapshot view when the indexer wants to change the store: only Chroma may do that."""


class IndexSnapshot:
    """The generation token and one snapshot file per collection, in a directory beside the store."""

    def __init__(self, directory: Path, collection: str, embedder: str, store_file: Path) -> None:
        self._directory = directory
        self._collection = collection
        self.embedder = embedder
        self._store_file = store_file
        self._generation_file = directory / "generation"
        self._snapshot_file = directory / f"{collection}.npz"
        self._tokens_file = directory / f"{collection}.tokens.json"

    # -- the generation token ----------------------------------------------------------------------

    def generation(self) -> str:
        """The current token; "" when none was ever written (then no snapshot is trusted)."""
        try:
            return self._generation_file.read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return ""

    def mark_changed(self) -> str:
        """Say the store is changing (or has changed): every snapshot written so far is now stale."""
        token = uuid.uuid4().hex
        try:
            self._replace(self._generation_file, lambda handle: handle.write(token.encode("ascii")))
        except OSError as error:
            # Without a token no snapshot can be trusted, which is what we want here.
            log.warning("could not mark the index snapshot stale (%s); removing it", type(error).__name__)
            self.discard()
        return token

    def discard(self) -> None:
        for path in (self._generation_file, self._snapshot_file):
            try:
                path.unlink(missing_ok=True)
            except OSError as error:
                log.warning("could not remove %s (%s)", path, type(error).__name__)

    # -- the snapshot ------------------------------------------------------------------------------

    def read(self) -> StoredRecords | None:
        """The store's records as last read, or None if they may differ from the store now."""
        generation = self.generation()
        if not generation or not self._snapshot_file.exists():
            return None
        try:
            with np.load(self._snapshot_file, allow_pickle=False) as archive:
                header = json.loads(bytes(archive["header"]).decode("utf-8"))
                vectors = np.asarray(archive["vectors"], dtype=np.float32)
            ids, metadatas = list(header["ids"]), list(header["metadatas"])
            current = (
                header["format"] == SNAPSHOT_FORMAT
                and header["generation"] == generation
                and header["embedder"] == self.embedder
                and header["collection"] == self._collection
                and header["store_file"] == self._store_identity()
                and len(ids) == len(metadatas) == (vectors.shape[0] if vectors.size else 0)
            )
        except Exception as error:  # a damaged or foreign file is only a cache miss
            log.info("index snapshot unreadable (%s); reading the store", type(error).__name__)
            return None
        return StoredRecords(ids=ids, metadatas=metadatas, vectors=vectors) if current else None

    def write(self, records: StoredRecords, generation: str) -> None:
        """Keep what was read from the store under `generation`, unless the store changed meanwhile."""
        identity = self._store_identity()
        if not generation or identity is None or self.generation() != generation:
            return
        header = {
            "format": SNAPSHOT_FORMAT,
            "generation": generation,
            "embedder": self.embedder,
            "collection": self._collection,
            "store_file": identity,
            "ids": records.ids,
            "metadatas": records.metadatas,
        }
        encoded = np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
        vectors = np.asarray(records.vectors, dtype=np.float32)
        try:
            self._replace(
                self._snapshot_file, lambda handle: np.savez(handle, header=encoded, vectors=vectors)
            )
        except OSError as error:
            log.warning("index snapshot not written (%s)", type(error).__name__)

    # -- tokens of the indexed texts ----------------------------------------------------------------

    def read_tokens(self, signature: str) -> dict[str, list[str]]:
        """Lexical tokens saved under the same tokenizer signature; a pure function of the text, so
        never stale for the store: a text without an entry is simply tokenized again."""
        try:
            saved = json.loads(self._tokens_file.read_bytes())
            if saved.get("signature") == signature and isinstance(saved.get("tokens"), dict):
                return dict(saved["tokens"])
        except (OSError, ValueError, AttributeError):
            pass
        return {}

    def write_tokens(self, signature: str, tokens: dict[str, list[str]]) -> None:
        encoded = json.dumps({"signature": signature, "tokens": tokens}, ensure_ascii=False).encode()
        try:
            self._replace(self._tokens_file, lambda handle: handle.write(encoded))
        except OSError as error:
            log.warning("index tokens not written (%s)", type(error).__name__)

    def _store_identity(self) -> list[int] | None:
        try:
            status = self._store_file.stat()
        except OSError:
            return None
        return [status.st_ino, status.st_size]

    def _replace(self, path: Path, write: Callable[[BinaryIO], object]) -> None:
        """Write a file whole or not at all: readers in other processes see the old one or the new one."""
        self._directory.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with temporary.open("xb") as handle:
                write(handle)
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise


class SnapshotView:
    """The snapshot as a read-only store, for asking the indexer whether anything needs writing."""

    was_rebuilt_reason = ""

    def __init__(self, records: StoredRecords, embedder: str) -> None:
        self._records = records
        self._embedder = embedder

    @property
    def embedder(self) -> str:
        return self._embedder

    def metadatas(self) -> list[dict[str, Any]]:
        return self._records.metadatas

    def load(self) -> StoredRecords:
        return self._records

    def delete_source(self, source: str) -> None:
        raise IndexNeedsWrites(source)

    def add(self, records: Sequence[IndexRecord]) -> None:
        raise IndexNeedsWrites(records[0].source if records else "")

    def recover_from_corruption(self, error: BaseException) -> None:
        raise IndexNeedsWrites(str(error))


class StaleOnWrite:
    """Passes everything to the store, marking snapshots stale just before the first write."""

    def __init__(self, store: KnowledgeStore, snapshot: IndexSnapshot) -> None:
        self._store = store
        self._snapshot = snapshot
        self.wrote = False

    @property
    def embedder(self) -> str:
        return self._store.embedder

    @property
    def was_rebuilt_reason(self) -> str:
        return self._store.was_rebuilt_reason

    @was_rebuilt_reason.setter
    def was_rebuilt_reason(self, reason: str) -> None:
        self._store.was_rebuilt_reason = reason

    def metadatas(self) -> list[dict[str, Any]]:
        return self._store.metadatas()

    def load(self) -> StoredRecords:
        return self._store.load()

    def delete_source(self, source: str) -> None:
        self._before_write()
        self._store.delete_source(source)

    def add(self, records: Sequence[IndexRecord]) -> None:
        self._before_write()
        self._store.add(records)

    def recover_from_corruption(self, error: BaseException) -> None:
        self._before_write()
        self._store.recover_from_corruption(error)

    def _before_write(self) -> None:
        if not self.wrote:
            self._snapshot.mark_changed()
            self.wrote = True

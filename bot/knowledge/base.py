"""The knowledge base as the rest of opsbot sees it: kept in line with knowledge/ and the database, searched in memory."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Hashable
from pathlib import Path

from bot.domain.errors import KnowledgeBaseUnavailable, StoreUnavailable
from bot.domain.sources import KnowledgeSource, is_run_time_source
from bot.knowledge.glossary import Glossary
from bot.knowledge.indexer import IndexReport, KnowledgeIndexer, ProgressFactory
from bot.knowledge.search import HybridSearcher, QueryEmbedder, SearchResult
from bot.knowledge.snapshot import IndexNeedsWrites, IndexSnapshot, SnapshotView, StaleOnWrite
from bot.knowledge.sources import SourceCatalog
from bot.knowledge.store import KnowledgeStore, StoredRecords
from bot.knowledge.text import add_domain_words, recording_tokens, remember_tokens, tokenizer_signature

log = logging.getLogger(__name__)

# How often a search first asks the database whether another process added a source (one cheap query).
CATCH_UP_SECONDS = 2.0
# How long a search waits for that re-index before answering from the index already loaded: a review or
# a thread is in by then, while a 50-page PDF (minutes of embedding) never holds answers back.
CATCH_UP_WAIT_SECONDS = 2.0


class KnowledgeBase:
    """Indexes on first use, reloads after every re-index, and rebuilds an index only when it is corrupt.

    With a source catalog (the database) attached, a search notices sources that other processes
    added or removed, at most once every CATCH_UP_SECONDS, and re-indexes on a background thread; it
    waits for that at most CATCH_UP_WAIT_SECONDS, then answers from the index already loaded.

    With an embedded store, `snapshot` is its read cache: every write here marks it stale and every
    full read refreshes it. With `answer_from_snapshot`, an index that needs no writes is loaded from
    the snapshot alone, so the store (Chroma) is never opened: a terminal command starts in a second.
    """

    def __init__(
        self,
        store: KnowledgeStore,
        knowledge_dir: Path,
        glossary: Glossary,
        embed_query: QueryEmbedder,
        progress: ProgressFactory | None = None,
        sources: SourceCatalog | None = None,
        snapshot: IndexSnapshot | None = None,
        answer_from_snapshot: bool = False,
    ) -> None:
        self._store = store
        self._snapshot = snapshot
        self._answer_from_snapshot = answer_from_snapshot and snapshot is not None
        self._knowledge_dir = knowledge_dir
        self._glossary = glossary
        self._embed_query = embed_query
        self._progress = progress
        self._sources = sources
        self._seen_version: Hashable = None
        self._next_check = 0.0
        self._searcher: HybridSearcher | None = None
        self._lock = threading.Lock()
        self._catch_up_guard = threading.Lock()
        self._catching_up: threading.Thread | None = None
        add_domain_words(glossary.playbook_words())

    def attach_sources(self, sources: SourceCatalog) -> None:
        """From now on the database's run-time sources are part of the knowledge base."""
        self._sources = sources
        self._next_check = 0.0

    def refresh(self) -> IndexReport:
        """Index what changed in the knowledge directory and the database, then load the index for searching."""
        with self._lock:
            version, sources = self._read_sources()
            try:
                report = self._sync_and_load(sources)
            except StoreUnavailable as error:
                if self._snapshot is not None:
                    self._snapshot.mark_changed()
                self._store.recover_from_corruption(error)
                report = self._sync_and_load(sources)
                report.rebuilt_reason = report.rebuilt_reason or self._store.was_rebuilt_reason
            self._seen_version = version
            return report

    def _read_sources(self) -> tuple[Hashable, list[KnowledgeSource]]:
        if self._sources is None:
            return None, []
        version = self._sources.version()  # read first: a source added meanwhile is caught next time
        return version, self._sources.all()

    def _sync_and_load(self, sources: list[KnowledgeSource]) -> IndexReport:
        report, records = self._from_snapshot(sources) or self._sync_store(sources)
        # Collections are read from the database at each refresh, never stored with the vectors:
        # an index built before collections existed needs no re-indexing.
        collections = {source.source: source.collection_name for source in sources}
        searcher = self._searcher_for(records, collections)
        if not any(not is_run_time_source(chunk.source) for chunk in searcher.chunks):
            raise KnowledgeBaseUnavailable(
                f"The knowledge directory {self._knowledge_dir} has no Markdown or text document "
                "to answer from."
            )
        self._searcher = searcher
        return report

    def _searcher_for(self, records: StoredRecords, collections: dict[str, str]) -> HybridSearcher:
        """Build the searcher, segmenting only texts whose tokens were not saved beside the snapshot."""
        if self._snapshot is None:
            return HybridSearcher(records, self._glossary, self._embed_query, collections)
        signature = tokenizer_signature()
        saved = self._snapshot.read_tokens(signature)
        remember_tokens(signature, saved)
        with recording_tokens() as used:
            searcher = HybridSearcher(records, self._glossary, self._embed_query, collections)
        if used.keys() - saved.keys():
            self._snapshot.write_tokens(signature, used)
        return searcher

    def _from_snapshot(self, sources: list[KnowledgeSource]) -> tuple[IndexReport, StoredRecords] | None:
        """The snapshot's records if they still mirror the store and nothing needs indexing, else None."""
        if not self._answer_from_snapshot or self._snapshot is None:
            return None
        records = self._snapshot.read()
        if records is None:
            return None
        view = SnapshotView(records, self._snapshot.embedder)
        try:
            return KnowledgeIndexer(view, self._knowledge_dir, None, sources).sync(), records
        except IndexNeedsWrites:  # decided again against the store itself, which may differ
            return None

    def _sync_store(self, sources: list[KnowledgeSource]) -> tuple[IndexReport, StoredRecords]:
        """Index against the store of record, then read it whole (and keep that read as the snapshot)."""
        if self._snapshot is None:
            report = KnowledgeIndexer(self._store, self._knowledge_dir, self._progress, sources).sync()
            return report, self._store.load()
        store = StaleOnWrite(self._store, self._snapshot)
        report = KnowledgeIndexer(store, self._knowledge_dir, self._progress, sources).sync()
        generation = self._snapshot.generation()
        if store.wrote or report.rebuilt_reason or not generation:
            # Also after the writes: a snapshot another process read meanwhile saw only some of them.
            generation = self._snapshot.mark_changed()
        records = self._store.load()
        self._snapshot.write(records, generation)
        return report, records

    def catch_up(self, wait_s: float = CATCH_UP_WAIT_SECONDS) -> bool:
        """Re-index if the database's sources changed since the last refresh; True if that is done.

        The re-index runs on one background thread and this waits for it at most `wait_s`, so a long
        document being embedded (here or by another process's learning) never stalls answers. A database
        that cannot be reached leaves the loaded index in use: answers go on.
        """
        if self._sources is None or self._searcher is None or time.monotonic() < self._next_check:
            return False
        self._next_check = time.monotonic() + CATCH_UP_SECONDS
        try:
            if self._sources.version() == self._seen_version:
                return False
        except Exception as error:  # the database is down: answer from what is loaded
            log.warning("could not check for new knowledge sources: %s", type(error).__name__)
            return False
        with self._catch_up_guard:
            running = self._catching_up
            if running is None or not running.is_alive():
                running = threading.Thread(target=self._refresh_in_background, name="knowledge-catch-up")
                running.daemon = True
                self._catching_up = running
                running.start()
        running.join(wait_s)
        return not running.is_alive()

    def _refresh_in_background(self) -> None:
        try:
            self.refresh()
        except Exception as error:  # keep answering from the loaded index; the next check retries
            log.warning("could not index new knowledge sources: %s", error)

    @property
    def searcher(self) -> HybridSearcher:
        if self._searcher is None:
            self.refresh()
        assert self._searcher is not None
        return self._searcher

    def search(
        self, question: str, limit: int = 3, collections: frozenset[str] | None = None
    ) -> SearchResult:
        """`collections`, when given, are the only ones answered from (the playbook is added by callers)."""
        self.catch_up()
        return self.searcher.search(question, limit, collections)

    def section(self, tail: str) -> tuple[str, list[str]] | None:
        return self.searcher.section(tail)

    def topics(self) -> list[str]:
        return self.searcher.topics()

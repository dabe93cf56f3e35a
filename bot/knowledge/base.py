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
from bot.knowledge.sources import SourceCatalog
from bot.knowledge.store import KnowledgeStore
from bot.knowledge.text import add_domain_words

log = logging.getLogger(__name__)

# How often a search first asks the database whether another process added a source (one cheap query).
CATCH_UP_SECONDS = 2.0


class KnowledgeBase:
    """Indexes on first use, reloads after every re-index, and rebuilds an index only when it is corrupt.

    With a source catalog (the database) attached, a search notices sources that other processes
    added or removed and re-indexes before answering, at most once every CATCH_UP_SECONDS.
    """

    def __init__(
        self,
        store: KnowledgeStore,
        knowledge_dir: Path,
        glossary: Glossary,
        embed_query: QueryEmbedder,
        progress: ProgressFactory | None = None,
        sources: SourceCatalog | None = None,
    ) -> None:
        self._store = store
        self._knowledge_dir = knowledge_dir
        self._glossary = glossary
        self._embed_query = embed_query
        self._progress = progress
        self._sources = sources
        self._seen_version: Hashable = None
        self._next_check = 0.0
        self._searcher: HybridSearcher | None = None
        self._lock = threading.Lock()
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
        report = KnowledgeIndexer(self._store, self._knowledge_dir, self._progress, sources).sync()
        searcher = HybridSearcher(self._store.load(), self._glossary, self._embed_query)
        if not any(not is_run_time_source(chunk.source) for chunk in searcher.chunks):
            raise KnowledgeBaseUnavailable(
                f"The knowledge directory {self._knowledge_dir} has no Markdown or text document "
                "to answer from."
            )
        self._searcher = searcher
        return report

    def catch_up(self) -> bool:
        """Re-index if the database's sources changed since the last refresh; True if it did.

        A database that cannot be reached leaves the loaded index in use: answers go on.
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
        try:
            self.refresh()
        except Exception as error:  # keep answering from the loaded index; the next check retries
            log.warning("could not index new knowledge sources: %s", error)
            return False
        return True

    @property
    def searcher(self) -> HybridSearcher:
        if self._searcher is None:
            self.refresh()
        assert self._searcher is not None
        return self._searcher

    def search(self, question: str, limit: int = 3) -> SearchResult:
        self.catch_up()
        return self.searcher.search(question, limit)

    def section(self, tail: str) -> tuple[str, list[str]] | None:
        return self.searcher.section(tail)

    def topics(self) -> list[str]:
        return self.searcher.topics()

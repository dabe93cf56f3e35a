"""The knowledge base as the rest of opsbot sees it: kept in line with knowledge/, searched in memory."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from bot.domain.errors import KnowledgeBaseUnavailable, StoreUnavailable
from bot.knowledge.glossary import Glossary
from bot.knowledge.indexer import IndexReport, KnowledgeIndexer, ProgressFactory
from bot.knowledge.search import HybridSearcher, QueryEmbedder, SearchResult
from bot.knowledge.store import KnowledgeStore
from bot.knowledge.text import add_domain_words

log = logging.getLogger(__name__)


class KnowledgeBase:
    """Indexes on first use, reloads after every re-index, and rebuilds an index it cannot read."""

    def __init__(
        self,
        store: KnowledgeStore,
        knowledge_dir: Path,
        glossary: Glossary,
        embed_query: QueryEmbedder,
        progress: ProgressFactory | None = None,
        extra_dirs: tuple[Path, ...] = (),
    ) -> None:
        self._extra_dirs = extra_dirs
        self._store = store
        self._knowledge_dir = knowledge_dir
        self._glossary = glossary
        self._embed_query = embed_query
        self._progress = progress
        self._searcher: HybridSearcher | None = None
        self._lock = threading.Lock()
        add_domain_words(glossary.playbook_words())

    def refresh(self) -> IndexReport:
        """Index what changed in the knowledge directory, then load the index for searching."""
        with self._lock:
            try:
                report = self._sync_and_load()
            except StoreUnavailable as error:
                self._store.recover_from_corruption(error)
                report = self._sync_and_load()
                report.rebuilt_reason = report.rebuilt_reason or self._store.was_rebuilt_reason
            return report

    def _sync_and_load(self) -> IndexReport:
        report = KnowledgeIndexer(self._store, self._knowledge_dir, self._progress, self._extra_dirs).sync()
        searcher = HybridSearcher(self._store.load(), self._glossary, self._embed_query)
        if not len(searcher):
            raise KnowledgeBaseUnavailable(
                f"The knowledge directory {self._knowledge_dir} has no Markdown or text document "
                "to answer from."
            )
        self._searcher = searcher
        return report

    @property
    def searcher(self) -> HybridSearcher:
        if self._searcher is None:
            self.refresh()
        assert self._searcher is not None
        return self._searcher

    def search(self, question: str, limit: int = 3) -> SearchResult:
        return self.searcher.search(question, limit)

    def section(self, tail: str) -> tuple[str, list[str]] | None:
        return self.searcher.section(tail)

    def topics(self) -> list[str]:
        return self.searcher.topics()

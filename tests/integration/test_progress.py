"""Long indexing runs report progress; a 300-chunk corpus is embedded in batches."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.chroma_store import ChromaKnowledgeStore
from bot.adapters.embeddings import HashingEmbeddings
from bot.knowledge.indexer import KnowledgeIndexer
from bot.settings import Settings


def test_progress_is_reported_batch_by_batch(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    items = "\n".join(f"- 第{i}条运营经验:渠道{i}的投放要看转化。" for i in range(300))
    (knowledge / "big.md").write_text(f"# 大手册\n\n## 经验\n\n{items}\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=knowledge, embedder="hashing")
    totals: list[int] = []
    steps: list[int] = []

    def progress(total: int):  # type: ignore[no-untyped-def]
        totals.append(total)
        return steps.append

    store = ChromaKnowledgeStore(settings, HashingEmbeddings())
    report = KnowledgeIndexer(store, knowledge, progress).sync()
    assert report.records_embedded == totals[0] >= 300
    assert sum(steps) == totals[0] and len(steps) > 1

"""The embedding cache: a text is embedded once per machine, and a broken cache never stops indexing."""

from __future__ import annotations

from pathlib import Path

from langchain_core.embeddings import Embeddings

from bot.adapters.embedding_cache import CachedEmbeddings


class CountingEmbeddings(Embeddings):
    name = "counting"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return [[float(len(text)), 1.0] for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return [0.0, 1.0]


def test_each_text_is_embedded_once_across_instances(tmp_path: Path) -> None:
    inner = CountingEmbeddings()
    first = CachedEmbeddings(inner, tmp_path).embed_documents(["预热", "复盘"])
    again = CachedEmbeddings(inner, tmp_path).embed_documents(["复盘", "拉新", "预热"])
    assert inner.embedded == ["预热", "复盘", "拉新"]
    assert again == [first[1], [2.0, 1.0], first[0]]


def test_a_corrupt_cache_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "embeddings.sqlite3").write_bytes(b"not sqlite" * 100)
    inner = CountingEmbeddings()
    assert CachedEmbeddings(inner, tmp_path).embed_documents(["活动"]) == [[2.0, 1.0]]
    assert inner.embedded == ["活动"]


def test_an_unwritable_cache_directory_is_ignored(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    inner = CountingEmbeddings()
    assert CachedEmbeddings(inner, blocker / "cache").embed_documents(["活动"]) == [[2.0, 1.0]]

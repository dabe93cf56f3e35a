"""Opening the embedded index: only a corrupt one is rebuilt; any other failure keeps the data and says why."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import chromadb
import pytest
from chromadb.errors import InternalError

from bot.adapters.chroma_store import ChromaKnowledgeStore
from bot.container import bootstrap
from bot.domain.errors import StoreUnavailable
from bot.settings import Settings


def fingerprint(directory: Path) -> dict[str, str]:
    """Every file below the directory and a hash of its bytes."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def indexed(settings: Settings) -> dict[str, str]:
    bootstrap(settings).knowledge.refresh()
    return fingerprint(settings.chroma_path)


@pytest.mark.parametrize(
    "failure",
    [
        PermissionError(13, "Permission denied"),
        OSError(30, "Read-only file system"),
        InternalError("error returned from database: (code: 5) database is locked"),
        InternalError("error returned from database: (code: 8) attempt to write a readonly database"),
    ],
    ids=["permission", "read-only", "locked", "readonly-database"],
)
def test_an_index_that_cannot_be_opened_is_kept(
    settings: Settings, indexed: dict[str, str], monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(chromadb, "PersistentClient", refuse)
    with pytest.raises(StoreUnavailable, match="kept as it is"):
        bootstrap(settings)
    monkeypatch.undo()
    assert fingerprint(settings.chroma_path) == indexed
    assert bootstrap(settings).knowledge.refresh().records_embedded == 0


def test_a_read_failure_that_is_not_corruption_keeps_the_index(
    settings: Settings, indexed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    container = bootstrap(settings)
    store = container.knowledge._store
    assert isinstance(store, ChromaKnowledgeStore)

    def locked(*args: object, **kwargs: object) -> None:
        raise InternalError("error returned from database: (code: 5) database is locked")

    monkeypatch.setattr(store._store, "get", locked)
    with pytest.raises(StoreUnavailable, match="kept as it is"):
        container.knowledge.refresh()
    assert fingerprint(settings.chroma_path) == indexed


def test_a_read_only_index_directory_is_kept(settings: Settings, indexed: dict[str, str]) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions; the monkeypatched failures above cover this")
    directory = settings.chroma_path
    paths = [directory, *directory.rglob("*")]
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        with pytest.raises(StoreUnavailable, match="kept as it is"):
            bootstrap(settings).knowledge.refresh()
    finally:
        for path in paths:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert fingerprint(directory) == indexed


def test_a_truncated_index_is_rebuilt(settings: Settings, indexed: dict[str, str]) -> None:
    database = settings.chroma_path / "chroma.sqlite3"
    data = database.read_bytes()
    database.write_bytes(data[: len(data) // 3])
    container = bootstrap(settings)
    report = container.knowledge.refresh()
    assert "corrupt" in report.rebuilt_reason or "failed" in report.rebuilt_reason
    assert report.added == ["knowledge/playbook.md"]
    assert container.answerer.answer("活动上线前怎么预热?").sources

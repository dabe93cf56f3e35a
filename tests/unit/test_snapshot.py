"""The index snapshot is trusted only while its generation, embedder and store file are the current ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.knowledge.snapshot import IndexNeedsWrites, IndexSnapshot, SnapshotView
from bot.knowledge.store import IndexRecord, StoredRecords
from bot.knowledge.text import (
    add_domain_words,
    recording_tokens,
    remember_tokens,
    tokenize,
    tokenizer_signature,
    use_dictionary_table,
)

RECORDS = StoredRecords(
    ids=["a", "b"],
    metadatas=[
        {"kind": "chunk", "source": "k/a.md", "section": "A", "text": "拉新", "position": 0},
        {"kind": "heading", "source": "k/a.md", "section": "A", "text": "A", "position": 1},
    ],
    vectors=np.arange(8, dtype=np.float32).reshape(2, 4),
)


@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    path = tmp_path / "chroma" / "chroma.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"x" * 100)
    return path


def snapshot(tmp_path: Path, store_file: Path, embedder: str = "e5") -> IndexSnapshot:
    return IndexSnapshot(tmp_path / "chroma-snapshot", "playbook", embedder, store_file)


def test_a_snapshot_reads_back_exactly_what_was_written(tmp_path: Path, store_file: Path) -> None:
    cache = snapshot(tmp_path, store_file)
    cache.write(RECORDS, cache.mark_changed())
    read = cache.read()
    assert read is not None
    assert read.ids == RECORDS.ids and read.metadatas == RECORDS.metadatas
    assert read.vectors.dtype == np.float32 and np.array_equal(read.vectors, RECORDS.vectors)


def test_no_snapshot_is_trusted_before_a_generation_exists(tmp_path: Path, store_file: Path) -> None:
    cache = snapshot(tmp_path, store_file)
    cache.write(RECORDS, "")
    assert cache.read() is None


def test_a_write_to_the_store_makes_the_snapshot_stale(tmp_path: Path, store_file: Path) -> None:
    cache = snapshot(tmp_path, store_file)
    cache.write(RECORDS, cache.mark_changed())
    snapshot(tmp_path, store_file).mark_changed()  # another process starts writing
    assert cache.read() is None


def test_a_read_overtaken_by_a_write_is_not_kept(tmp_path: Path, store_file: Path) -> None:
    reader = snapshot(tmp_path, store_file)
    generation = reader.mark_changed()
    snapshot(tmp_path, store_file).mark_changed()  # a writer, while the reader was reading the store
    reader.write(RECORDS, generation)
    assert reader.read() is None
    assert not (tmp_path / "chroma-snapshot" / "playbook.npz").exists()


def test_a_replaced_or_truncated_store_file_makes_the_snapshot_stale(
    tmp_path: Path, store_file: Path
) -> None:
    cache = snapshot(tmp_path, store_file)
    cache.write(RECORDS, cache.mark_changed())
    store_file.write_bytes(b"x" * 10)
    assert cache.read() is None
    store_file.unlink()
    assert cache.read() is None


def test_another_embedder_never_reads_the_snapshot(tmp_path: Path, store_file: Path) -> None:
    cache = snapshot(tmp_path, store_file)
    cache.write(RECORDS, cache.mark_changed())
    assert snapshot(tmp_path, store_file, embedder="hashing").read() is None


@pytest.mark.parametrize("damage", [b"", b"not a zip", b"PK\x03\x04garbage"])
def test_a_damaged_snapshot_is_a_miss(tmp_path: Path, store_file: Path, damage: bytes) -> None:
    cache = snapshot(tmp_path, store_file)
    cache.write(RECORDS, cache.mark_changed())
    (tmp_path / "chroma-snapshot" / "playbook.npz").write_bytes(damage)
    assert cache.read() is None


def test_the_snapshot_view_refuses_every_write() -> None:
    view = SnapshotView(RECORDS, "e5")
    assert view.metadatas() == RECORDS.metadatas and view.load() is RECORDS
    record = IndexRecord("c", "chunk", "k/b.md", "B", "t", "t", "f")
    with pytest.raises(IndexNeedsWrites):
        view.add([record])
    with pytest.raises(IndexNeedsWrites):
        view.delete_source("k/a.md")


def test_the_dictionary_table_gives_the_same_tokens_as_jieba(tmp_path: Path) -> None:
    """Run in a new interpreter so that one segmenter reads the table and the other the dictionary."""
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from bot.knowledge import text\n"
        "if sys.argv[1]: text.use_dictionary_table(Path(sys.argv[1]))\n"
        "text.add_domain_words(['拉新', '复盘', '私域流量'])\n"
        "texts = ['新用户留存怎么做', '活动上线前怎么预热,私域流量怎么拉新?', 'How do we keep users?',\n"
        "         '双十二拉新活动复盘:转化率、留存率和ROI都要看', '蓝鲸计划是每季度一次的老用户召回行动']\n"
        "print(json.dumps([text.tokenize(t) for t in texts], ensure_ascii=False))\n"
    )
    tokens = [
        subprocess.run(
            [sys.executable, "-c", script, argument], capture_output=True, check=True, timeout=120
        ).stdout
        for argument in (str(tmp_path), str(tmp_path), "")  # builds the table, reads it, no table
    ]
    assert tokens[0] == tokens[1] == tokens[2]
    assert list(tmp_path.glob("jieba-*.sqlite3"))


def test_tokenize_in_this_process_keeps_domain_words_whole(tmp_path: Path) -> None:
    use_dictionary_table(tmp_path)
    add_domain_words(["蓝鲸计划书"])
    assert "蓝鲸计划书" in tokenize("蓝鲸计划书怎么写")


def test_saved_tokens_are_read_back_only_under_the_same_signature(tmp_path: Path, store_file: Path) -> None:
    cache = snapshot(tmp_path, store_file)
    cache.write_tokens("sig-1", {"拉新渠道": ["拉新", "渠道"]})
    assert cache.read_tokens("sig-1") == {"拉新渠道": ["拉新", "渠道"]}
    assert cache.read_tokens("sig-2") == {}


def test_remembered_tokens_are_used_only_while_the_tokenizer_is_unchanged() -> None:
    try:
        remember_tokens("another tokenizer", {"拉新渠道": ["stale"]})
        assert tokenize("拉新渠道") != ["stale"]
        remember_tokens(tokenizer_signature(), {"拉新渠道": ["saved"]})
        assert tokenize("拉新渠道") == ["saved"]
        add_domain_words(["紫藤召回术"])  # the dictionary changed: the saved tokens no longer hold
        assert tokenize("拉新渠道") != ["saved"]
    finally:
        remember_tokens("", {})


def test_recording_collects_what_this_thread_tokenized() -> None:
    with recording_tokens() as used:
        tokens = tokenize("新用户留存怎么做")
    tokenize("不会被记下")
    assert used == {"新用户留存怎么做": tokens}

"""A terminal command answers an unchanged index from its snapshot, and never from a stale one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from bot.container import Container, bootstrap
from bot.domain.sources import REVIEW, KnowledgeSource, review_body, review_label
from bot.knowledge.store import OpenedOnFirstUse
from bot.settings import Settings
from tests.fakes import FakeKnowledgeSources

# Runs one `opsbot ask` in a new process and reports what it imported and what it cited.
_PROBE = """
import io, json, sys
from bot.cli import main
out = io.StringIO()
code = main(["ask", "--json", sys.argv[1]], out=out)
answer = json.loads(out.getvalue())
print(json.dumps({
    "code": code,
    "chromadb": "chromadb" in sys.modules,
    "langchain_chroma": "langchain_chroma" in sys.modules,
    "sources": [source["source"] for source in answer["sources"]],
    "text": answer["answer"],
}))
"""


def ask_in_new_process(settings: Settings, question: str) -> dict[str, object]:
    environment = {
        **os.environ,
        "OPSBOT_DATA_DIR": str(settings.data_dir),
        "OPSBOT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "OPSBOT_CACHE_DIR": str(settings.cache_dir),
    }
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, question],
        capture_output=True,
        env=environment,
        timeout=180,
        check=True,
    )
    result: dict[str, object] = json.loads(completed.stdout.decode().strip().splitlines()[-1])
    return result


def snapshot_file(settings: Settings) -> Path:
    return settings.data_dir / "chroma-snapshot" / f"{settings.collection}.npz"


def chroma_was_opened(container: Container) -> bool:
    store = container.knowledge._store
    return not isinstance(store, OpenedOnFirstUse) or store._opened is not None


def test_an_unchanged_index_is_answered_without_importing_chroma(settings: Settings) -> None:
    bootstrap(settings).knowledge.refresh()
    assert snapshot_file(settings).is_file()
    result = ask_in_new_process(settings, "活动上线前怎么预热?")
    assert result["code"] == 0 and result["sources"]
    assert result["chromadb"] is False and result["langchain_chroma"] is False


def test_an_edited_knowledge_file_is_indexed_before_answering(settings: Settings) -> None:
    bootstrap(settings).knowledge.refresh()
    playbook = settings.knowledge_dir / "playbook.md"
    playbook.write_text(
        playbook.read_text("utf-8")
        + "\n\n## 蓝鲸计划\n\n蓝鲸计划是每季度一次的老用户召回行动,由社群组牵头,目标召回一千名沉睡用户。\n",
        "utf-8",
    )
    first = ask_in_new_process(settings, "蓝鲸计划是什么?")
    assert first["chromadb"] is True  # the store had to be written
    assert "蓝鲸计划" in str(first["text"])
    again = ask_in_new_process(settings, "蓝鲸计划是什么?")
    assert again["chromadb"] is False and "蓝鲸计划" in str(again["text"])


def _review(source_id: str) -> KnowledgeSource:
    answers = [("活动效果如何?", "紫藤短信召回的转化率只有百分之零点三,以后不再用紫藤短信召回。")]
    return KnowledgeSource(
        source_id=source_id,
        kind=REVIEW,
        title=review_label("紫藤召回活动", date(2026, 11, 20), "U012AB3CD"),
        body=review_body(answers),
        campaign_id=None,
        channel="C1",
        created_by="U012AB3CD",
        created_at=1_790_000_000.0,
    )


def test_a_source_added_by_another_process_is_never_answered_from_a_stale_snapshot(
    settings: Settings,
) -> None:
    server = bootstrap(settings)  # the Slack process: reviews come from the database
    catalog = FakeKnowledgeSources()
    server.knowledge.attach_sources(catalog)
    server.knowledge.refresh()
    before_the_review = snapshot_file(settings).read_bytes()
    catalog.add(_review("r-1"))
    server.knowledge.refresh()  # writes the review into Chroma, marking every snapshot stale
    # As if a terminal had read the store just before the review arrived and saved it last.
    snapshot_file(settings).write_bytes(before_the_review)

    later = bootstrap(settings, from_snapshot=True)
    found = later.knowledge.search("紫藤短信召回效果怎么样?", limit=3)
    assert chroma_was_opened(later)
    assert any(passage.source == _review("r-1").source for passage in found.passages)
    fresh = bootstrap(settings, from_snapshot=True)  # the snapshot was rewritten with the review
    found = fresh.knowledge.search("紫藤短信召回效果怎么样?", limit=3)
    assert not chroma_was_opened(fresh)
    assert any(passage.source == _review("r-1").source for passage in found.passages)


def test_a_corrupt_snapshot_falls_back_to_chroma_and_is_rewritten(settings: Settings) -> None:
    bootstrap(settings).knowledge.refresh()
    snapshot_file(settings).write_bytes(b"PK\x03\x04 not really a zip file")
    container = bootstrap(settings, from_snapshot=True)
    assert container.answerer.answer("活动上线前怎么预热?").sources
    assert chroma_was_opened(container)
    reopened = bootstrap(settings, from_snapshot=True)
    assert reopened.answerer.answer("活动上线前怎么预热?").sources
    assert not chroma_was_opened(reopened)


def test_a_missing_snapshot_falls_back_to_chroma_and_is_rewritten(settings: Settings) -> None:
    bootstrap(settings).knowledge.refresh()
    snapshot_file(settings).unlink()
    container = bootstrap(settings, from_snapshot=True)
    assert container.knowledge.refresh().unchanged == ["knowledge/playbook.md"]
    assert chroma_was_opened(container) and snapshot_file(settings).is_file()


def test_a_rebuilt_store_is_not_answered_from_the_old_snapshot(settings: Settings) -> None:
    bootstrap(settings).knowledge.refresh()
    (settings.chroma_path / "chroma.sqlite3").write_bytes(b"\x00garbage" * 512)
    container = bootstrap(settings, from_snapshot=True)
    report = container.knowledge.refresh()
    assert report.rebuilt_reason and report.added == ["knowledge/playbook.md"]
    assert chroma_was_opened(container)

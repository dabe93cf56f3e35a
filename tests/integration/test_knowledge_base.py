"""The real knowledge base: persistent Chroma in a temporary directory and the real e5 embedder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.container import bootstrap
from bot.domain.errors import KnowledgeBaseUnavailable
from bot.knowledge.indexer import complete_fingerprints
from bot.settings import Settings
from tests.conftest import SEED


def _stored_texts(settings: Settings) -> list[str]:
    """What the documents put in the store (the background passages are opsbot's own, never cited)."""
    container = bootstrap(settings)
    metadatas = container.knowledge._store.metadatas()
    return [str(meta["text"]) for meta in metadatas if meta["kind"] != "background"]


def test_first_question_builds_the_index_and_cites_the_section(settings: Settings) -> None:
    answer = bootstrap(settings).answerer.answer("活动上线前怎么预热?")
    assert answer.sources[0].section == "互联网运营大揭秘 › 活动运营 › 宣传推广"
    assert answer.sources[0].source == "knowledge/playbook.md"
    assert "告知" in answer.text and "[1]" in answer.text
    assert (settings.data_dir / "chroma").is_dir()


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("what should we check after a campaign ends?", "互联网运营大揭秘 › 活动运营 › 效果评估"),
        ("How do we keep users from churning?", "互联网运营大揭秘 › 用户运营 › 留存"),
        ("拉新有哪些渠道", "互联网运营大揭秘 › 用户运营 › 拉新"),
        ("运营总监需要什么能力", "互联网运营大揭秘 › 运营人的成长路径 › 运营总监"),
    ],
)
def test_chinese_and_english_questions_find_their_section(
    settings: Settings, question: str, section: str
) -> None:
    assert bootstrap(settings).answerer.answer(question).sources[0].section == section


@pytest.mark.parametrize(
    "question",
    ["怎么配置 Kubernetes?", "明天上海会下雨吗", "how do I cook pasta", "帮我写一个 Python 排序函数"],
)
def test_questions_the_playbook_does_not_cover_get_no_sources(settings: Settings, question: str) -> None:
    answer = bootstrap(settings).answerer.answer(question)
    assert answer.sources == [] and answer.kind == "not_covered"
    assert any(words in answer.text for words in ("没有这部分内容", "手册没有讲", "does not cover"))


def test_reindexing_unchanged_files_embeds_nothing(settings: Settings) -> None:
    first = bootstrap(settings).knowledge.refresh()
    assert first.added == ["knowledge/playbook.md"] and first.records_embedded > 45
    second = bootstrap(settings).knowledge.refresh()
    assert second.records_embedded == 0
    assert second.unchanged == ["knowledge/playbook.md"] and not second.changed


def test_an_edited_file_is_replaced(settings: Settings, knowledge_dir: Path) -> None:
    bootstrap(settings).knowledge.refresh()
    playbook = knowledge_dir / "playbook.md"
    playbook.write_text(
        playbook.read_text(encoding="utf-8").replace("活动预热非常重要。", "活动预热至少提前七天开始。"),
        encoding="utf-8",
    )
    container = bootstrap(settings)
    report = container.knowledge.refresh()
    assert report.updated == ["knowledge/playbook.md"]
    assert "提前七天" in container.answerer.answer("活动预热怎么做?").text
    texts = _stored_texts(settings)
    assert not any("活动预热非常重要" in text for text in texts)


def test_new_documents_are_searchable_and_deleted_ones_vanish(
    settings: Settings, knowledge_dir: Path
) -> None:
    bootstrap(settings).knowledge.refresh()
    extra = knowledge_dir / "社群.md"
    extra.write_text(
        "---\ntitle: 社群运营手册\n---\n\n## 社群规则\n\n社群每周五晚上八点做一次话题互动。\n", "utf-8"
    )
    container = bootstrap(settings)
    assert container.knowledge.refresh().added == ["knowledge/社群.md"]
    answer = container.answerer.answer("社群多久做一次话题互动?")
    assert answer.sources[0].section == "社群运营手册 › 社群规则"
    assert answer.sources[0].source == "knowledge/社群.md"
    extra.unlink()
    report = bootstrap(settings).knowledge.refresh()
    assert report.removed == ["knowledge/社群.md"]
    assert not any("话题互动" in text for text in _stored_texts(settings))


def test_changing_the_embedder_rebuilds_the_index(settings: Settings) -> None:
    bootstrap(settings).knowledge.refresh()
    other = settings.model_copy(update={"embedder": "hashing"})
    report = bootstrap(other).knowledge.refresh()
    assert "embedder changed" in report.rebuilt_reason
    assert report.added == ["knowledge/playbook.md"]
    back = bootstrap(settings).knowledge.refresh()
    assert "embedder changed" in back.rebuilt_reason


def test_a_corrupt_index_is_rebuilt_not_used(settings: Settings) -> None:
    bootstrap(settings).knowledge.refresh()
    database = settings.data_dir / "chroma" / "chroma.sqlite3"
    database.write_bytes(b"this is not a database" * 100)
    container = bootstrap(settings)
    report = container.knowledge.refresh()
    assert report.rebuilt_reason
    assert report.added == ["knowledge/playbook.md"]
    assert container.answerer.answer("活动上线前怎么预热?").sources


def test_site_noise_is_never_retrievable(settings: Settings, knowledge_dir: Path) -> None:
    shutil.copy(SEED, knowledge_dir / "raw_page.txt")
    container = bootstrap(settings)
    container.knowledge.refresh()
    texts = _stored_texts(settings)
    for noise in ("滨河", "沈念sama", "最后编辑于", "著作权", "茶点故事"):
        assert not any(noise in text for text in texts)
    answer = container.answerer.answer("滨河市剥皮案的凶手是谁")
    assert answer.sources == []


def test_a_missing_knowledge_directory_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=tmp_path / "nowhere")
    with pytest.raises(KnowledgeBaseUnavailable, match="does not exist"):
        bootstrap(settings).answerer.answer("活动怎么预热")


def test_an_empty_knowledge_directory_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    settings = Settings(data_dir=tmp_path / "data", knowledge_dir=tmp_path / "empty")
    with pytest.raises(KnowledgeBaseUnavailable, match="no Markdown"):
        bootstrap(settings).answerer.answer("活动怎么预热")


def test_a_half_written_source_counts_as_changed() -> None:
    full = [{"source": "a.md", "fingerprint": "f1", "record_count": 2}] * 2
    assert complete_fingerprints(full) == {"a.md": "f1"}
    assert complete_fingerprints(full[:1]) == {"a.md": "incomplete"}
    mixed = [full[0], {"source": "a.md", "fingerprint": "f2", "record_count": 2}]
    assert complete_fingerprints(mixed) == {"a.md": "incomplete"}

"""The knowledge base carries the playbook's real structure, and none of the scraped noise."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.documents import parse_front_matter, read_document, strip_site_noise
from bot.knowledge.splitter import split_document
from tests.conftest import PLAYBOOK, SEED


def _sections(path: Path) -> list[str]:
    return [chunk.section for chunk in split_document(read_document(path, "knowledge/" + path.name))]


def test_content_operations_steps_are_inside_content_operations() -> None:
    sections = set(_sections(PLAYBOOK))
    for step in ("生产者", "信息载体", "用户消费", "反馈"):
        assert f"互联网运营大揭秘 › 内容运营 › {step}" in sections
    assert not any(section.endswith("› 信息载体") and "内容运营" not in section for section in sections)


def test_campaign_process_sections_follow_the_playbook() -> None:
    sections = _sections(PLAYBOOK)
    campaign = [s.split(" › ")[-1] for s in dict.fromkeys(sections) if "› 活动运营 ›" in s]
    assert campaign == ["活动目的", "活动策划", "资源确认", "宣传推广", "效果评估"]


def test_a_chunk_is_one_list_item_with_its_heading_path() -> None:
    chunks = split_document(read_document(PLAYBOOK, "knowledge/playbook.md"))
    review = [c.text for c in chunks if c.section.endswith("效果评估")]
    assert review[0] == "对于活动用户的反馈如何?"
    assert "复盘整个活动。" in review
    assert all(len(c.text) <= 600 for c in chunks)


def test_chunk_ids_are_stable_and_unique() -> None:
    first = [c.chunk_id for c in split_document(read_document(PLAYBOOK, "knowledge/playbook.md"))]
    again = [c.chunk_id for c in split_document(read_document(PLAYBOOK, "knowledge/playbook.md"))]
    assert first == again
    assert len(set(first)) == len(first)


def test_front_matter_gives_title_and_owner() -> None:
    document = read_document(PLAYBOOK, "knowledge/playbook.md")
    assert (document.title, document.owner) == ("互联网运营大揭秘", "运营团队")
    fields, body = parse_front_matter("---\ntitle: 周报\nowner: 小王\n---\n正文")
    assert fields == {"title": "周报", "owner": "小王"} and body == "正文"


def test_site_noise_after_last_edited_is_dropped_from_a_raw_page() -> None:
    text = SEED.read_text(encoding="utf-8")
    kept = strip_site_noise(text)
    assert "破局点" in kept
    for noise in ("最后编辑于", "著作权", "滨河", "沈念sama", "推荐阅读"):
        assert noise not in kept
    chunks = split_document(read_document(SEED, "knowledge/seed.txt"))
    assert chunks and not any("滨河" in c.text or ("阅读" in c.text and "评论" in c.text) for c in chunks)


def test_long_paragraphs_are_split_at_sentence_ends(tmp_path: Path) -> None:
    path = tmp_path / "long.md"
    sentence = "这是一个很长的运营段落,用来测试切分规则是否在句号处断开。"
    path.write_text("# 长文\n\n" + sentence * 40 + "\n", encoding="utf-8")
    chunks = split_document(read_document(path, "knowledge/long.md"))
    assert len(chunks) > 1
    assert all(len(c.text) <= 600 and c.text.endswith("。") for c in chunks)

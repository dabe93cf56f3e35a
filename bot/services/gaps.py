"""Knowledge gaps as use cases: record what opsbot could not answer, list them grouped, and turn an
editor's answer into knowledge that tells every asker once.

Recording runs after the reply has gone out and never raises: a gap lost to a database hiccup is
logged, an answer lost to one would be a bug. The rules (what counts, what is "the same question")
are in bot/domain/gaps.py.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.domain.clock import Clock
from bot.domain.errors import NotFound, OpsbotError
from bot.domain.gaps import (
    ASKED_AGAIN,
    GAP_KINDS,
    NOT_COVERED,
    THUMBS_DOWN,
    Gap,
    GapGroup,
    RecentAnswer,
    asked_again,
    group_gaps,
    group_of,
)
from bot.domain.models import Answer
from bot.domain.sources import KnowledgeSource
from bot.services.ports import AnswerStore, GapStore

log = logging.getLogger(__name__)

# Grouping reads at most this many open gaps, newest first (older ones wait for the next answer).
OPEN_GAPS_READ = 2000
# Conversations remembered for "asked again" in this process (the oldest are forgotten first).
RECENT_CONVERSATIONS = 5000
MAX_REASON_CHARS = 500
GAP_GONE = (
    "这个问题已经有人回答了,或已找不到。 / That question has already been answered or could not be found."
)
EMPTY_ANSWER = "标题和回答都不能为空。 / The title and the answer must not be empty."


class AlreadyAnswered(OpsbotError):
    """Every gap of the group was resolved meanwhile (another editor, or this submission retried)."""


class KnowledgeWriter(Protocol):
    """What answering a gap needs from the knowledge service (bot/services/knowledge.py)."""

    def require_editor(self, user: str) -> None: ...

    def learn_answer(self, user: str, title: str, body: str, source_id: str = "") -> KnowledgeSource: ...


class AnswerNotifier(Protocol):
    """Tells one person their question now has an answer (a direct message on Slack)."""

    def question_answered(self, user: str, question: str, title: str, body: str) -> None: ...


@dataclass(frozen=True)
class GapAnswered:
    """What the editor is told: the new entry, how many gaps it closed, how many askers were told."""

    source: KnowledgeSource
    resolved: int
    told: list[str]


class GapService:
    def __init__(
        self,
        store: GapStore,
        clock: Clock,
        words: Callable[[str], Iterable[str]],
        answers: AnswerStore | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._words = words
        self._answers = answers
        self._recent: OrderedDict[tuple[str, str], RecentAnswer] = OrderedDict()
        self._recent_lock = threading.Lock()

    def _now(self) -> float:
        return self._clock.now().timestamp()

    # -- recording --------------------------------------------------------------------------------

    def note_answer(self, answer: Answer, answer_id: str | None, user: str, conversation: str) -> None:
        """After an answer went out: "not covered" is a gap; so is a covered answer its asker asks
        about again within ten minutes in the same conversation (the earlier question is recorded)."""
        try:
            self._note_answer(answer, answer_id, user, conversation)
        except Exception as error:
            log.warning("could not record a knowledge gap: %s", type(error).__name__, exc_info=True)

    def _note_answer(self, answer: Answer, answer_id: str | None, user: str, conversation: str) -> None:
        if answer.kind == "small_talk" or not user:
            return  # "thanks" is never a question, let alone the same one again
        now = self._now()
        if answer.kind == "not_covered":
            self._store.add(NOT_COVERED, answer.question, user, conversation, now, answer_id)
        words = set(self._words(answer.question))
        top = answer.sources[0].section if answer.covered and answer.sources else None
        key = (user, conversation)
        with self._recent_lock:
            earlier = self._recent.pop(key, None)
            if answer.covered and not answer.unsure and top is not None:
                self._recent[key] = RecentAnswer(answer_id, answer.question, frozenset(words), top, now)
                while len(self._recent) > RECENT_CONVERSATIONS:
                    self._recent.popitem(last=False)
        if earlier is None or not asked_again(earlier, words, top, now):
            return
        if earlier.answer_id and self._store.find_open(ASKED_AGAIN, earlier.answer_id, user):
            return
        self._store.add(ASKED_AGAIN, earlier.question, user, conversation, now, earlier.answer_id)

    def note_vote(self, answer_id: str, user: str, channel: str, vote: str) -> None:
        """A 👎 is a gap with the answer's question (once per voter); their 👍 afterwards withdraws it."""
        try:
            self._note_vote(answer_id, user, channel, vote)
        except Exception as error:
            log.warning("could not record a 👎 as a knowledge gap: %s", type(error).__name__, exc_info=True)

    def _note_vote(self, answer_id: str, user: str, channel: str, vote: str) -> None:
        if vote == "up":
            self._store.withdraw(THUMBS_DOWN, answer_id, user)
            return
        if vote != "down" or any(self._store.find_open(kind, answer_id, user) for kind in GAP_KINDS):
            return  # already a gap of theirs (a 👎 on their own "not covered" answer counts once)
        record = self._answers.answer(answer_id) if self._answers is not None else None
        if record is None:
            return
        question = Answer.from_record(record).question
        self._store.add(THUMBS_DOWN, question, user, channel, self._now(), answer_id)

    def answer_exists(self, answer_id: str) -> bool:
        return bool(answer_id) and self._answers is not None and self._answers.answer(answer_id) is not None

    def give_reason(self, answer_id: str, user: str, reason: str) -> bool:
        """The reason for the person's own 👎 on that answer; False if they gave none (nothing stored)."""
        cleaned = reason.strip()[:MAX_REASON_CHARS]
        if not cleaned:
            return True  # the reason is optional: submitting the modal empty is fine
        return self._store.set_reason(answer_id, user, cleaned)

    # -- listing ----------------------------------------------------------------------------------

    def groups(self) -> list[GapGroup]:
        """Open gaps, similar questions together, most frequent first."""
        return group_gaps(self._store.open_gaps(OPEN_GAPS_READ), self._words)

    def group(self, gap_id: int) -> GapGroup:
        """The open group a gap (a button's value) belongs to now."""
        gap = self._store.get(gap_id)
        if gap is None or not gap.open:
            raise NotFound(GAP_GONE)
        found = group_of(self.groups(), gap_id)
        if found is None:  # older than what grouping reads: the gap alone
            return GapGroup((gap,), gap)
        return found

    # -- answering --------------------------------------------------------------------------------

    def answer(
        self,
        editor: str,
        gap_ids: list[int],
        title: str,
        body: str,
        knowledge: KnowledgeWriter,
        notifier: AnswerNotifier,
    ) -> GapAnswered:
        """Store the editor's answer as knowledge, close the gaps, tell each asker exactly once.

        The gaps are claimed for the new entry's id first (one UPDATE), so of two submissions only one
        stores an entry; an entry that cannot be stored reopens them.
        """
        knowledge.require_editor(editor)
        if not title.strip() or not body.strip():
            raise OpsbotError(EMPTY_ANSWER)
        source_id = uuid.uuid4().hex
        gaps = [gap for gap in (self._store.get(i) for i in gap_ids) if gap is not None and gap.open]
        resolved = self._store.resolve([gap.gap_id for gap in gaps], source_id, self._now())
        if not resolved:
            raise AlreadyAnswered(GAP_GONE)
        try:
            source = knowledge.learn_answer(editor, title, body, source_id)
        except BaseException:
            self._store.unresolve(source_id)
            raise
        return GapAnswered(source, resolved, self._tell_askers(gaps, source, notifier))

    def _tell_askers(self, gaps: list[Gap], source: KnowledgeSource, notifier: AnswerNotifier) -> list[str]:
        """Each distinct asker once: the claim (notified_at) is taken before the message is sent, so a
        retry or a second process never repeats it; a message Slack refuses is logged, not repeated."""
        told: list[str] = []
        ids = [gap.gap_id for gap in gaps]
        for user in dict.fromkeys(gap.user_id for gap in gaps if gap.user_id):
            if not self._store.claim_notice(ids, user, self._now()):
                continue
            question = next(gap.question for gap in gaps if gap.user_id == user)
            try:
                notifier.question_answered(user, question, source.title, source.body)
                told.append(user)
            except Exception as error:
                log.warning("could not tell an asker their question was answered: %s", type(error).__name__)
        return told

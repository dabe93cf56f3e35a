"""Asking the playbook as a use case: answer, keep the answer for sharing, record votes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.answering import Answerer, Scope
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.models import Answer
from bot.services.ports import AnswerStore

log = logging.getLogger(__name__)

VOTES = ("up", "down")
NOT_YOURS = "只有提问的人可以分享这个回答 / Only the person who asked can share this answer."
NOT_YOUR_QUESTION = "只有提问的人可以选择想问的内容 / Only the person who asked can pick what they meant."
NOT_IN_CHANNEL = "你不在这个频道里,不能把回答发到那里。 / You are not in that channel, so the answer cannot be posted there."
ANSWER_GONE = "这个回答已经找不到了,请重新提问 / This answer could not be found; please ask again."


@dataclass(frozen=True)
class StoredAnswer:
    answer_id: str
    answer: Answer


class AnswerService:
    """Answers are stored with an id so a Share or a vote can refer to them later."""

    def __init__(
        self,
        answerer: Answerer,
        store: AnswerStore,
        scopes: Callable[[str], Scope] | None = None,
        is_member: Callable[[str, str], bool] | None = None,
    ) -> None:
        self._is_member = is_member
        self.answerer = answerer
        self._store = store
        self._scopes = scopes

    def scope_of(self, channel: str) -> Scope:
        """The collections a channel answers from; None (everything) if it has no scope or it cannot be read.

        A scope narrows what is relevant, it does not guard secrets: a database hiccup answers from all.
        """
        if self._scopes is None or not channel:
            return None
        try:
            return self._scopes(channel)
        except Exception as error:
            log.warning("could not read the channel's scope: %s", type(error).__name__)
            return None

    def keep(self, answer: Answer, asked_by: str) -> str:
        return self._store.save_answer(answer.question, answer.to_record(), asked_by)

    def stored(self, answer_id: str) -> StoredAnswer:
        record = self._store.answer(answer_id) if answer_id else None
        if record is None:
            raise NotFound(ANSWER_GONE)
        return StoredAnswer(answer_id, Answer.from_record(record))

    def to_share(self, answer_id: str, user: str, channel: str = "") -> StoredAnswer:
        """Only the asker sees the Share button on their private answer, so only they may share it,
        and only into a channel they are in (a signed payload may name any channel opsbot is in)."""
        stored = self.stored(answer_id)
        if self._store.asker_of(answer_id) not in ("", user):
            raise NotAllowed(NOT_YOURS)
        self._require_member(channel, user)
        return stored

    def to_pick(self, answer_id: str, user: str, channel: str = "") -> StoredAnswer:
        """ "你是想问 A 还是 B?" is asked of the asker: only they pick, whoever else sees the buttons;
        `channel` is where the pick is to be posted for all to see (empty: privately)."""
        stored = self.stored(answer_id)
        if self._store.asker_of(answer_id) not in ("", user):
            raise NotAllowed(NOT_YOUR_QUESTION)
        self._require_member(channel, user)
        return stored

    def _require_member(self, channel: str, user: str) -> None:
        if channel and self._is_member is not None and not self._is_member(channel, user):
            raise NotAllowed(NOT_IN_CHANNEL)

    def vote(self, answer_id: str, user: str, vote: str) -> None:
        """A vote on an answer that exists; the user's latest vote replaces an earlier one."""
        if vote not in VOTES:
            raise NotFound(ANSWER_GONE)
        self.stored(answer_id)
        self._store.record_vote(answer_id, user, vote)

"""The answer pipeline every front end calls: validate, retrieve, then write a cited answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from bot.domain.errors import OpsbotError
from bot.domain.extractive import compose_extractive, compose_not_covered
from bot.domain.language import detect_language
from bot.domain.models import Answer, Language, Passage
from bot.domain.questions import clean_question

log = logging.getLogger(__name__)

# A section is cited beside the best one only when it scores nearly as well; weaker ones are noise.
CITATION_FLOOR = 0.72
# Follow-ups shorter than this are read together with the conversation's earlier questions.
FOLLOW_UP_CHARS = 16


@dataclass(frozen=True)
class Retrieval:
    """What the answer pipeline needs from retrieval: ranked passages and a coverage verdict."""

    passages: list[Passage]
    covered: bool


class PassageRetriever(Protocol):
    def retrieve(self, question: str, limit: int) -> Retrieval: ...

    def topics(self) -> list[str]: ...


class NotSupported(Exception):
    """The answer writer found that the passages do not answer the question."""


class AnswerWriter(Protocol):
    """Writes a grounded answer from numbered passages (an LLM); may raise NotSupported."""

    def write(self, question: str, language: Language, passages: list[Passage]) -> str: ...


class Answerer:
    """Answers a question from the knowledge base, with an LLM when one is configured and working."""

    def __init__(
        self, retriever: PassageRetriever, writer: AnswerWriter | None, max_question_chars: int, top_k: int
    ) -> None:
        self._retriever = retriever
        self._writer = writer
        self._max_chars = max_question_chars
        self._top_k = top_k

    def answer(self, raw_question: str, context: list[str] | None = None) -> Answer:
        """Answer one question; `context` holds earlier questions of the same conversation, oldest first."""
        question = clean_question(raw_question, self._max_chars)
        language = detect_language(question)
        retrieval = self._retriever.retrieve(question, self._top_k)
        if context and (not retrieval.covered or len(question) < FOLLOW_UP_CHARS):
            # A short follow-up ("那英文呢?", "and after launch?") is read together with what came before.
            earlier = " ".join(context[-2:])[-self._max_chars // 2 :]
            with_context = self._retriever.retrieve(f"{earlier} {question}", self._top_k)
            if with_context.covered:
                retrieval = with_context
        if not retrieval.covered or not retrieval.passages:
            return self._not_covered(question, language)
        passages = [p for p in retrieval.passages if p.score >= CITATION_FLOOR * retrieval.passages[0].score]
        if self._writer is None:
            return Answer(question, compose_extractive(language, passages), passages, language)
        try:
            text = self._writer.write(question, language, passages)
        except NotSupported:
            return self._not_covered(question, language)
        except OpsbotError:
            raise
        except Exception as error:  # any LLM failure falls back; the reason goes to the log only
            log.warning("LLM answer failed, falling back to extractive: %s", type(error).__name__)
            note = (
                "(LLM 暂不可用,以下为手册原文摘录)"
                if language == "zh"
                else ("(The LLM is unavailable; showing playbook excerpts instead.)")
            )
            return Answer(question, compose_extractive(language, passages), passages, language, note=note)
        return Answer(question, text, passages, language)

    def _not_covered(self, question: str, language: Language) -> Answer:
        return Answer(question, compose_not_covered(language, self._retriever.topics()), [], language)

"""With an LLM, a colloquial, misspelt or English question is also searched as the playbook would put it.

The rewrite is only ever a search query: it is never shown, never sent back to the model as the
question, and never logged, so whatever a model (or a question that manipulated it) writes there can
at worst pick other passages, which the answer writer then judges like any others. It can never make
retrieval worse either: the original question is always searched too, and a failing, slow, empty or
absurdly long rewrite is dropped in silence (the log says only why, by error type).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from bot.adapters.llm import NOT_COVERED_MARK
from bot.domain.answering import PassageRetriever, Retrieval, Scope

log = logging.getLogger(__name__)

# A search query longer than this is the model explaining or answering, not rewriting.
MAX_REWRITE_CHARS = 60
# "Query: …", "搜索词:…" and similar labels some models put before the query.
_LABEL = re.compile(r"^\s*(?:search\s+)?(?:query|rewrite|搜索词|查询|检索词|改写)\s*[::]\s*", re.IGNORECASE)
_QUOTES = "\"'`“”‘’「」『』"


class UnusableRewrite(ValueError):
    """The model's reply is not a short one-line search query."""


class LangChainQueryRewriter:
    """Asks the chat model for a short search query in the playbook's own words (prompts/query_rewrite.md)."""

    def __init__(self, model: Any, prompts_dir: Path) -> None:
        self._model = model
        self._prompt = (prompts_dir / "query_rewrite.md").read_text(encoding="utf-8")

    def rewrite(self, question: str, topics: list[str]) -> str:
        """The search query; raises whatever the model raises, or UnusableRewrite."""
        system = self._prompt.format(topics=", ".join(topics) or "-")
        reply = self._model.invoke([SystemMessage(system), HumanMessage(question)])
        content = reply.content if isinstance(reply.content, str) else str(reply.content)
        return clean_rewrite(content)


def clean_rewrite(reply: str) -> str:
    """The query alone: one line, labels and quotes stripped; anything else is unusable."""
    text = reply.strip()
    if "\n" in text:
        raise UnusableRewrite("more than one line")
    text = _LABEL.sub("", text).strip().strip(_QUOTES).strip()
    if not text or NOT_COVERED_MARK in text:
        raise UnusableRewrite("empty")
    if len(text) > MAX_REWRITE_CHARS:
        raise UnusableRewrite("too long")
    return text


def standing(retrieval: Retrieval) -> float:
    """How clearly retrieval found something: the best score plus its lead over the runner-up.

    Fused scores are normalised per query, so the best is often 1.0 for both queries; the lead says
    whether one section stood out or several were about as good.
    """
    if not retrieval.passages:
        return 0.0
    best = retrieval.passages[0].score
    runner_up = retrieval.passages[1].score if len(retrieval.passages) > 1 else 0.0
    return best + (best - runner_up)


class RewritingRetriever:
    """A PassageRetriever that searches the question and the model's rewrite, and keeps the better.

    Covered beats not covered; between two covered retrievals the one that stands out more wins
    (`standing`), and a tie keeps the asker's own words.
    """

    def __init__(self, retriever: PassageRetriever, rewriter: LangChainQueryRewriter) -> None:
        self._retriever = retriever
        self._rewriter = rewriter

    def retrieve(self, question: str, limit: int, collections: Scope = None) -> Retrieval:
        original = self._retrieve(question, limit, collections)
        try:
            query = self._rewriter.rewrite(question, self._retriever.topics())
        except Exception as error:  # timeouts, server errors, garbage: the original question it is
            log.warning("query rewrite skipped: %s", type(error).__name__)
            return original
        if query.casefold() == question.strip().casefold():
            return original
        rewritten = self._retrieve(query, limit, collections)
        if rewritten.covered and (not original.covered or standing(rewritten) > standing(original)):
            return rewritten
        return original

    def _retrieve(self, question: str, limit: int, collections: Scope) -> Retrieval:
        if collections is None:
            return self._retriever.retrieve(question, limit)
        return self._retriever.retrieve(question, limit, collections)

    def topics(self) -> list[str]:
        return self._retriever.topics()

"""The one place where clients and services are built from the settings, and handed on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.adapters.chroma_store import ChromaKnowledgeStore
from bot.adapters.embedding_cache import CachedEmbeddings
from bot.adapters.embeddings import make_embeddings
from bot.domain.answering import Answerer, AnswerWriter, Retrieval
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.glossary import Glossary
from bot.knowledge.indexer import ProgressFactory
from bot.settings import Settings

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


class KnowledgeRetriever:
    """Adapts the knowledge base to the answer pipeline's retriever interface."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self._knowledge = knowledge

    def retrieve(self, question: str, limit: int) -> Retrieval:
        result = self._knowledge.search(question, limit)
        return Retrieval(result.passages, result.covered)

    def topics(self) -> list[str]:
        return self._knowledge.topics()


@dataclass
class Container:
    """Everything a front end needs, built once."""

    settings: Settings
    knowledge: KnowledgeBase
    answerer: Answerer


def build_writer(settings: Settings) -> AnswerWriter | None:
    if not settings.llm:
        return None
    from bot.adapters.llm import LangChainAnswerWriter

    return LangChainAnswerWriter(settings, PROMPTS_DIR)


def bootstrap(settings: Settings, progress: ProgressFactory | None = None) -> Container:
    """Build the knowledge base and the answer pipeline; nothing is indexed until first use."""
    embeddings = CachedEmbeddings(make_embeddings(settings.embedder), settings.cache_dir)
    store = ChromaKnowledgeStore(settings, embeddings)
    knowledge = KnowledgeBase(
        store,
        settings.knowledge_dir,
        Glossary.load(),
        lambda text: np.asarray(embeddings.embed_query(text), dtype=np.float32),
        progress,
    )
    answerer = Answerer(
        KnowledgeRetriever(knowledge), build_writer(settings), settings.max_question_chars, settings.top_k
    )
    return Container(settings, knowledge, answerer)

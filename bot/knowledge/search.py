"""Hybrid retrieval: dense e5 scores on chunks, sections and headings, fused with BM25, glossary-expanded.

The weights and the coverage threshold were chosen by measurement (benchmarks/retrieval.py).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot.domain.language import detect_language
from bot.domain.models import Chunk, Passage
from bot.domain.sources import collection_of_source, is_run_time_source
from bot.knowledge.bm25 import BM25Index
from bot.knowledge.glossary import Glossary
from bot.knowledge.indexer import section_tail
from bot.knowledge.splitter import SECTION_SEPARATOR
from bot.knowledge.store import StoredRecords
from bot.knowledge.subjects import MissingSubjects, asks_for_figure, gives_a_figure
from bot.knowledge.text import tokenize
from bot.knowledge.typos import SoundAlikes

# Dense evidence: a chunk's own vector, plus its whole section's and its heading's.
SECTION_WEIGHT = 0.3
HEADING_WEIGHT = 0.6
# Fusion of min-max normalised dense scores with max-normalised BM25.
DENSE_SHARE = 0.7
# Glossary words count for less than the asker's own words in BM25.
EXPANSION_WEIGHT = 0.6
# e5 cosines are compressed (off-topic ≈ on-topic in absolute terms), so coverage is judged by how far
# the best chunk beats the best background passage, helped a little by lexical overlap.
LEXICAL_BONUS_PER_POINT = 0.006
LEXICAL_BONUS_CAP = 5.0
COVERAGE_THRESHOLD = 0.010
# A question is checked for a missing main subject only below these relevances: one closer to the
# documents is about them whatever other words it holds. Chosen on the blind dev split and the tuning
# sets: unknown names in capitals (GDPR 0.018, ASO 0.029) vs. answerable ones (D30, PM, PR ≥ 0.03);
# unfamiliar Chinese words (薪资 0.013, 规则 0.012) vs. answerable questions (海报 0.016, 设计 0.020).
NAME_CHECK_BELOW = 0.05
SUBJECT_CHECK_BELOW = 0.015
# Not covered, but relevant enough that the passages are worth listing as related reading (dev).
NEAR_FLOOR = 0.0
# A cited section is quoted whole when short; a long one only by its best chunks, up to this size.
SECTION_CHAR_BUDGET = 500

# "What are the types / stages / steps …" asks for the text that introduces a parent section.
OVERVIEW_INTENT = "@overview"
OVERVIEW_BONUS = 0.25
# A document's opening summarises all of it, so it matches every question a little; it answers only
# questions about the whole ("what does the playbook cover", "运营分哪几类").
OPENING_PENALTY = 0.1

QueryEmbedder = Callable[[str], np.ndarray]


@dataclass(frozen=True)
class SearchResult:
    """Sections ranked for one question, and whether the knowledge base covers it at all."""

    passages: list[Passage]
    relevance: float
    covered: bool
    # Not covered, but close enough that its passages are worth listing as related reading.
    near: bool = False
    # The question's main subject when the knowledge base never mentions it ("GMV 预测"), else None.
    missing_subject: str | None = None
    # Not covered within the allowed collections, but this other collection covers it ("文档").
    elsewhere: str | None = None

    def sections(self) -> list[str]:
        return [passage.section for passage in self.passages]


def _normalise(values: np.ndarray) -> np.ndarray:
    span = float(values.max() - values.min()) if values.size else 0.0
    return (values - values.min()) / span if span > 0 else np.zeros_like(values)


class HybridSearcher:
    """Scores every chunk exactly; the whole corpus lives in memory as one matrix (5,000 chunks ≈ 8 MB)."""

    def __init__(
        self,
        records: StoredRecords,
        glossary: Glossary,
        embed_query: QueryEmbedder,
        collections: Mapping[str, str] | None = None,
    ) -> None:
        """`collections` names the collection of run-time sources filed away from their kind's default."""
        self._glossary = glossary
        self._embed_query = embed_query
        kinds = [str(meta["kind"]) for meta in records.metadatas]
        chunk_rows = [i for i, kind in enumerate(kinds) if kind == "chunk"]
        self.chunks = [
            Chunk(
                records.ids[i],
                str(records.metadatas[i]["source"]),
                str(records.metadatas[i]["section"]),
                str(records.metadatas[i]["text"]),
                int(records.metadatas[i].get("position", 0)),
            )
            for i in chunk_rows
        ]
        dim = records.vectors.shape[1] if records.vectors.size else 1
        self._chunk_vectors = records.vectors[chunk_rows] if chunk_rows else np.zeros((0, dim), np.float32)
        self._section_vectors = self._per_chunk(records, kinds, "section", dim)
        self._heading_vectors = self._per_chunk(records, kinds, "heading", dim)
        # e5 rates same-language pairs higher, so a chunk is weighed against background in its language.
        background = [i for i, kind in enumerate(kinds) if kind == "background"]
        self._background_by_language: dict[str, np.ndarray] = {}
        for language in ("zh", "en"):
            rows = [i for i in background if detect_language(str(records.metadatas[i]["text"])) == language]
            self._background_by_language[language] = (
                records.vectors[rows] if rows else records.vectors[background]
            )
        self._chunk_languages = [detect_language(chunk.text) for chunk in self.chunks]
        known = collections or {}
        self._source_collections = {
            c.source: known.get(c.source) or collection_of_source(c.source) for c in self.chunks
        }
        self._chunk_collections = np.array(
            [self._source_collections[c.source] for c in self.chunks], dtype=object
        )
        self._masks: dict[frozenset[str], np.ndarray | None] = {}
        parents = {
            chunk.section.rsplit(SECTION_SEPARATOR, 1)[0]
            for chunk in self.chunks
            if SECTION_SEPARATOR in chunk.section
        }
        self._is_overview = np.array([chunk.section in parents for chunk in self.chunks], dtype=np.float32)
        self._is_opening = np.array(
            [SECTION_SEPARATOR not in chunk.section for chunk in self.chunks], dtype=np.float32
        )
        parts = (
            chunk.section.split(SECTION_SEPARATOR)
            for chunk in self.chunks
            if not is_run_time_source(chunk.source)
        )
        self._topics = list(dict.fromkeys(p[1] for p in parts if len(p) >= 2))
        self._bm25 = BM25Index(
            [tokenize(section_tail(c.section)) * 2 + tokenize(c.text) for c in self.chunks]
        )
        corpus_text = "\n".join(f"{c.section}\n{c.text}" for c in self.chunks)
        self._sound_alikes = SoundAlikes(self._bm25.vocabulary(), corpus_text)
        background_text = "\n".join(
            str(records.metadatas[i]["text"]) for i, kind in enumerate(kinds) if kind == "background"
        )
        embed_word = lru_cache(maxsize=1024)(lambda word: np.asarray(embed_query(word), dtype=np.float32))
        self._missing = MissingSubjects(
            corpus_text, background_text, glossary, lambda word: self._relevance(embed_word(word))
        )

    def _per_chunk(self, records: StoredRecords, kinds: list[str], kind: str, dim: int) -> np.ndarray:
        """The vector of each chunk's section (or heading), row-aligned with the chunks."""
        by_section = {
            (str(meta["source"]), str(meta["section"])): records.vectors[i]
            for i, meta in enumerate(records.metadatas)
            if kinds[i] == kind
        }
        zero = np.zeros(dim, dtype=np.float32)
        rows = [by_section.get((c.source, c.section), zero) for c in self.chunks]
        return np.vstack(rows) if rows else np.zeros((0, dim), np.float32)

    def _closest_within_budget(self, indexes: list[int], fused: np.ndarray) -> list[int]:
        """The section's best chunks that fit the budget (always one), back in document order."""
        picked: list[int] = []
        used = 0
        for index in sorted(indexes, key=lambda i: -fused[i]):
            size = len(self.chunks[index].text)
            if picked and used + size > SECTION_CHAR_BUDGET:
                continue
            picked.append(index)
            used += size
        return sorted(picked, key=lambda i: self.chunks[i].position)

    def __len__(self) -> int:
        return len(self.chunks)

    def section(self, tail: str) -> tuple[str, list[str]] | None:
        """The first section whose path ends with `tail` (e.g. "活动运营 › 宣传推广"), with its chunk texts."""
        for chunk in self.chunks:
            if is_run_time_source(chunk.source):  # a review is never the playbook's own section
                continue
            if chunk.section == tail or chunk.section.endswith(SECTION_SEPARATOR + tail):
                members = [c for c in self.chunks if (c.source, c.section) == (chunk.source, chunk.section)]
                return chunk.section, [c.text for c in sorted(members, key=lambda c: c.position)]
        return None

    def topics(self) -> list[str]:
        """The top-level sections of every document, for 'the playbook covers …'."""
        return self._topics

    def collection_of(self, source: str) -> str:
        """The collection of an indexed source (its kind's default when it is not indexed)."""
        return self._source_collections.get(source) or collection_of_source(source)

    def _allowed(self, collections: frozenset[str] | None) -> np.ndarray | None:
        """Which chunks a scope lets through; None when it lets every chunk through (the fast path)."""
        if collections is None:
            return None
        if collections not in self._masks:
            mask = np.isin(self._chunk_collections, list(collections))
            self._masks[collections] = None if bool(mask.all()) else mask
        return self._masks[collections]

    def search(
        self, question: str, limit: int = 3, collections: frozenset[str] | None = None
    ) -> SearchResult:
        """Best sections first; `covered` is False when the question is about something else.

        With `collections`, only passages from those collections are ranked, scored and judged, before
        the top `limit` are cut; a question only another collection covers is not covered, naming it.
        """
        allowed = self._allowed(collections)
        if not self.chunks or (allowed is not None and not allowed.any()):
            return SearchResult([], 0.0, False)
        question = unicodedata.normalize("NFKC", question)
        asked = tokenize(question)
        unknown = [token for token in asked if not self._bm25.document_frequency(token)]
        words = self._glossary.expand(question)
        typos = self._sound_alikes.corrections(question, unknown)
        words += typos
        intents = {word for word in words if word.startswith("@")}
        expansion = [word for word in words if not word.startswith("@")]
        query_text = f"{question} ({' '.join(expansion)})" if expansion else question
        query = np.asarray(self._embed_query(query_text), dtype=np.float32)

        dense = self._chunk_vectors @ query
        dense_mix = dense + SECTION_WEIGHT * (self._section_vectors @ query)
        dense_mix += HEADING_WEIGHT * (self._heading_vectors @ query)
        terms = dict.fromkeys(asked, 1.0)
        for term in tokenize(" ".join(expansion)):
            terms.setdefault(term, EXPANSION_WEIGHT)
        lexical = self._bm25.scores(terms)
        everywhere = (dense, float(lexical.max()), allowed) if allowed is not None else None
        if allowed is not None:  # normalised among the allowed passages only
            dense_mix = np.where(allowed, dense_mix, dense_mix[allowed].min())
            lexical = np.where(allowed, lexical, 0.0)
            dense = np.where(allowed, dense, -np.inf)
        lexical_max = float(lexical.max())
        lexical_norm = lexical / lexical_max if lexical_max > 0 else lexical
        fused = DENSE_SHARE * _normalise(dense_mix) + (1 - DENSE_SHARE) * lexical_norm
        if OVERVIEW_INTENT in intents:
            fused = fused + OVERVIEW_BONUS * self._is_overview
        else:
            fused = fused - OPENING_PENALTY * self._is_opening

        relevance = self._relevance(query, dense)
        relevance += LEXICAL_BONUS_PER_POINT * min(lexical_max, LEXICAL_BONUS_CAP)
        covered = relevance >= COVERAGE_THRESHOLD
        missing = None
        known = {word for word in words if not word.startswith("@")} | set(typos)
        if covered:
            # A specific names more of what is missing ("GMV 预测") than the bare name in it ("GMV").
            missing = self._missing.specific(question)
            if missing is None and relevance < NAME_CHECK_BELOW:
                missing = self._missing.subject(question, unknown, known, relevance < SUBJECT_CHECK_BELOW)
            covered = missing is None
        else:
            # Far from everything: still say what is missing when it can be named ("GMV 预测").
            missing = self._missing.specific(question) or self._missing.subject(
                question, unknown, known, False
            )
        if allowed is not None:
            fused = np.where(allowed, fused, -np.inf)
        passages = self._passages(fused, limit)
        # The best section must state an amount when the question asks for one.
        if (
            covered
            and asks_for_figure(question)
            and not (passages and gives_a_figure(passages[0].chunk.text))
        ):
            covered, missing = False, "具体数字" if detect_language(question) == "zh" else "specific figures"
        near = not covered and relevance >= NEAR_FLOOR
        # A subject no collection mentions (`missing`) is not elsewhere either.
        elsewhere = None
        if everywhere is not None and not covered and missing is None:
            elsewhere = self._covered_elsewhere(query, everywhere)
        return SearchResult(passages, relevance, covered, near, missing, elsewhere)

    def _covered_elsewhere(
        self, query: np.ndarray, everywhere: tuple[np.ndarray, float, np.ndarray]
    ) -> str | None:
        """The collection outside the scope whose best passage would cover the question, or None."""
        dense, lexical_max, allowed = everywhere
        best = int(dense.argmax())
        if allowed[best]:
            return None
        relevance = self._relevance(query, dense)
        relevance += LEXICAL_BONUS_PER_POINT * min(lexical_max, LEXICAL_BONUS_CAP)
        return str(self._chunk_collections[best]) if relevance >= COVERAGE_THRESHOLD else None

    def _relevance(self, query: np.ndarray, dense: np.ndarray | None = None) -> float:
        """How far the best chunk beats the best background passage in its language."""
        dense = self._chunk_vectors @ query if dense is None else dense
        best = int(dense.argmax())
        background = self._background_by_language[self._chunk_languages[best]]
        background_best = float((background @ query).max()) if len(background) else 0.0
        return float(dense[best]) - background_best

    def _passages(self, fused: np.ndarray, limit: int) -> list[Passage]:
        """One passage per section, best first: its closest chunks, in document order."""
        order = np.argsort(-fused, kind="stable")
        best_of: dict[tuple[str, str], float] = {}
        for index in order:
            if fused[index] == -np.inf:  # outside the scope: everything after it is too
                break
            chunk = self.chunks[index]
            key = (chunk.source, chunk.section)
            if key not in best_of:
                if len(best_of) == limit:
                    break
                best_of[key] = float(fused[index])
        members: dict[tuple[str, str], list[int]] = {key: [] for key in best_of}
        for index, chunk in enumerate(self.chunks):
            key = (chunk.source, chunk.section)
            if key in members:
                members[key].append(index)
        passages = []
        for key, score in best_of.items():
            picked = self._closest_within_budget(members[key], fused)
            first = self.chunks[picked[0]]
            text = "\n".join(self.chunks[i].text for i in picked)
            chunk = Chunk(first.chunk_id, first.source, first.section, text, first.position)
            passages.append(Passage(chunk, score, str(self._chunk_collections[picked[0]])))
        return passages

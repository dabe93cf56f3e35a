"""Is an LLM answer grounded in the passages it cites? A lexical check per claim, aware of language.

The prompt asks the model to answer only from the numbered passages, but a model may still answer
from its own knowledge and decorate the result with "[1]". This check catches that after the fact,
cheaply and without another model call:

- The answer is cut into claims (sentences and list items); a claim is checked against the passages it
  cites ([n]); a claim that cites none is checked against all of them.
- Same language (a Chinese answer over the Chinese playbook): the claim's content units (character
  bigrams for Chinese, stemmed words for English, particles and stopwords left out) must be found in
  the cited passages often enough (MIN_SUPPORT). Paraphrases keep most of the playbook's words, so they
  pass; an answer from elsewhere shares little beyond "活动" and "用户", so it does not.
- Across languages (an English answer over Chinese passages) words cannot be compared, so evidence is
  what the English prompt tells the model to add: the playbook's own term, quoted in Chinese (“留存”).
  Quoted terms, numbers and acronyms must all be in the passages. A claim without any is unsupported
  when the glossary's playbook words for its English terms (retention → 留存) are all missing from its
  passages, and otherwise unverified: one shared glossary word is too weak to vouch for a sentence.
- Any number in a claim must appear in its passages: made-up figures are the most harmful invention.
- A claim whose content is in the playbook but in another passage than it cites counts as supported:
  the content is grounded, only the number is off, and every passage is listed as a source anyway.

Verdict: ungrounded (refused as "not covered") when unsupported claims carry at least half of the
checked content; unverifiable when less than half of the content could be checked at all (an English
answer that ignored the quoting rule), which the caller answers by quoting the passages instead of
showing a text nobody checked. Content is weighed in content units, so long claims count for more.

Known limits: it is lexical, so a claim that reuses the passage's words but twists their meaning
passes; a short invented clause inside a mostly grounded answer passes; numbers written as words
(三天 vs 3 天) do not match; cross-language checks are only as good as the quotes and the glossary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from bot.domain.language import detect_language
from bot.domain.models import Passage
from bot.knowledge.glossary import Glossary
from bot.knowledge.text import STOPWORDS, english_words

CITATION = re.compile(r"\[(\d+)\]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]+\b")
_LIST_MARKER = re.compile(r"^\s*(?:[-*•]|\d+[.)、])\s+")
# Chinese sentence ends, and English ones followed by a space (so "1.5" and "e.g" stay whole).
_SENTENCE_END = re.compile(r"(?<=[。!?;!?;])|(?<=[.!?])\s+")
# Grammatical particles: a bigram holding one ("的方", "是提") says nothing about content.
_PARTICLES = frozenset("的了吗呢吧啊呀么嘛是在和与及或也都就还又被把着地得这那哪其之而并我你他她它们")

# A claim is supported when this share of its content units is found in its passages.
MIN_SUPPORT = 0.3
# A quoted Chinese term counts as found when this share of its bigrams is in the passages.
MIN_QUOTE_SUPPORT = 0.5
# Claims with fewer content units than this ("好的。", "Yes.") are not judged.
MIN_UNITS = 2
# The answer is refused when unsupported claims carry at least this share of the checked content.
MAX_UNSUPPORTED_SHARE = 0.5
# An answer is unverifiable when less than this share of its content could be checked at all.
MIN_CHECKED_SHARE = 0.5


@dataclass(frozen=True)
class Claim:
    """One sentence or list item of an answer, without its citations, and the passages it cites."""

    text: str
    cited: frozenset[int]


@dataclass
class GroundingVerdict:
    """How much of an answer's content (in content units) the passages support."""

    supported: int = 0
    unsupported: int = 0
    unverifiable: int = 0
    unsupported_claims: list[str] = field(default_factory=list)

    @property
    def checked(self) -> int:
        return self.supported + self.unsupported

    @property
    def ungrounded(self) -> bool:
        """Enough of what was checked is not in the passages: the model answered from elsewhere."""
        return self.unsupported > 0 and self.unsupported >= MAX_UNSUPPORTED_SHARE * self.checked

    @property
    def verifiable(self) -> bool:
        total = self.checked + self.unverifiable
        return self.checked > 0 and self.checked >= MIN_CHECKED_SHARE * total


@lru_cache(maxsize=1)
def _glossary() -> Glossary:
    return Glossary.load()


def claims(answer: str) -> list[Claim]:
    """Sentences and list items; a citation standing alone ("…告知。[1]") belongs to the claim before it."""
    found: list[Claim] = []
    for line in answer.splitlines():
        line = _LIST_MARKER.sub("", line)
        for sentence in _SENTENCE_END.split(line):
            cited = frozenset(int(number) for number in CITATION.findall(sentence))
            text = " ".join(CITATION.sub(" ", sentence).split())
            if not re.search(r"\w", text):
                if cited and found:
                    found[-1] = Claim(found[-1].text, found[-1].cited | cited)
                continue
            found.append(Claim(text, cited))
    return found


def _bigrams(text: str, skip_particles: bool) -> list[str]:
    units = []
    for run in _CJK_RUN.findall(text):
        for first, second in pairwise(run):
            if skip_particles and (first in _PARTICLES or second in _PARTICLES):
                continue
            units.append(first + second)
    return units


def _words(text: str) -> list[str]:
    return [word for word in english_words(text) if word not in STOPWORDS and len(word) > 1]


def content_units(text: str) -> list[str]:
    """What a claim says, as comparable pieces: Chinese character bigrams and stemmed English words."""
    return _bigrams(text, skip_particles=True) + _words(text)


@dataclass(frozen=True)
class _Evidence:
    """The text of some passages, pre-cut for lookups."""

    text: str
    units: frozenset[str]
    numbers: frozenset[str]
    language: str

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> _Evidence:
        text = "\n".join(f"{passage.section}\n{passage.text}" for passage in passages)
        units = frozenset(_bigrams(text, skip_particles=False) + _words(text))
        body = "\n".join(passage.text for passage in passages)
        return cls(text, units, frozenset(_NUMBER.findall(text)), detect_language(body))


def _numbers_found(claim: str, evidence: _Evidence) -> bool:
    return all(number in evidence.numbers for number in _NUMBER.findall(claim))


def _same_language_support(claim: str, evidence: _Evidence) -> bool | None:
    """True/False when the claim's words can be looked up in the passages; None when it is too short."""
    units = content_units(claim)
    if len(units) < MIN_UNITS:
        return None
    found = sum(unit in evidence.units for unit in units)
    return found >= MIN_SUPPORT * len(units) and _numbers_found(claim, evidence)


def _quote_found(quote: str, evidence: _Evidence) -> bool:
    if quote in evidence.text:
        return True
    bigrams = _bigrams(quote, skip_particles=False)
    return bool(bigrams) and sum(b in evidence.units for b in bigrams) >= MIN_QUOTE_SUPPORT * len(bigrams)


def _cross_language_support(claim: str, evidence: _Evidence) -> bool | None:
    """An answer in another language than its passages: quoted terms, numbers, acronyms, the glossary."""
    if evidence.language == "zh":
        quotes = _CJK_RUN.findall(claim)
        glossary_words = _glossary().expand(_CJK_RUN.sub(" ", claim))
    else:  # a Chinese answer over English passages quotes English terms
        quotes = _words(_CJK_RUN.sub(" ", claim))
        glossary_words = []
    hard = [_quote_found(quote, evidence) for quote in quotes]
    hard += [number in evidence.numbers for number in _NUMBER.findall(claim)]
    hard += [acronym.lower() in evidence.text.lower() for acronym in _ACRONYM.findall(claim)]
    if hard:
        return all(hard)
    if glossary_words and not any(word in evidence.text for word in glossary_words):
        return False  # its operations terms are all about something the passages never mention
    return None  # a glossary word in common is too weak to vouch for a whole English sentence


def _support(claim: str, evidence: _Evidence) -> bool | None:
    if detect_language(claim) == evidence.language:
        return _same_language_support(claim, evidence)
    return _cross_language_support(claim, evidence)


def judge_grounding(answer: str, passages: Sequence[Passage]) -> GroundingVerdict:
    """Weighs every claim of `answer` (citations numbered from 1) against the passages it cites."""
    verdict = GroundingVerdict()
    everything = _Evidence.of(passages)
    for claim in claims(answer):
        cited = [passages[n - 1] for n in sorted(claim.cited) if 1 <= n <= len(passages)]
        support = _support(claim.text, _Evidence.of(cited) if cited else everything)
        if support is False and cited:  # grounded, but in another passage than the one it cites
            support = _support(claim.text, everything)
        weight = max(len(content_units(claim.text)), 1)
        if support is None:
            verdict.unverifiable += weight
        elif support:
            verdict.supported += weight
        else:
            verdict.unsupported += weight
            verdict.unsupported_claims.append(claim.text)
    return verdict

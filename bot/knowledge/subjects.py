"""What a question is about that the documents never mention: the rules behind "not covered" near the domain.

Near the playbook's topics the embedding margin alone cannot tell "how do we retain users" from "how
is the DOU+ ROI computed": both share its words. These rules name the missing subject instead: a
specific only a document naming it can answer (an algorithm, a formula, a platform's rules), a name
the documents never use (GDPR, Canva), a Chinese word only the background knows, or an amount the
best section never states. The searcher decides when to ask them; each returns what is missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from bot.knowledge.glossary import Glossary

# An unfamiliar Chinese word is the missing subject when, asked alone, it is closer to the background
# than to the documents by this much (dev: 薪资 −0.028, 规则 −0.022; 知道 +0.005).
SUBJECT_FLOOR = -0.02
# At most this many unfamiliar words are embedded alone per question (each costs one query embedding).
SUBJECT_PROBES = 3

# A name in capitals (GDPR, CRM, D7, 用CDP): the documents' own would be in their vocabulary.
_ACRONYM = re.compile(r"(?<![A-Za-z0-9])[A-Z0-9]*(?:[A-Z]{2}|[A-Z][0-9]|[0-9][A-Z])[A-Z0-9]*(?![A-Za-z0-9])")
# A capitalised name inside a sentence (Canva, Xiaohongshu, Salesforce): a product, place or company.
_PROPER_NAME = re.compile(r"(?<![A-Za-z0-9])[A-Z][a-z]+(?:[A-Z][a-z]+)*(?![A-Za-z0-9])")
_SENTENCE_START = tuple(".!?:;—-\"'(“‘")
# Capitalised words that name no subject of a question: when, in which language, where it is asked.
_NOT_SUBJECTS = frozenset([
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    "english", "chinese", "mandarin", "slack", "opsbot",
    # holidays a campaign is planned around ("our Double Eleven campaign", "before Christmas")
    "christmas", "valentine", "valentines", "halloween", "easter", "thanksgiving", "double", "eleven",
    "twelve", "singles", "black", "new", "year", "spring", "festival", "national", "labor", "labour",
    "mid", "autumn", "day", "lunar",
])  # fmt: skip
# Acronyms that name a person, a time or a chat habit, never what a question is about ("our CEO",
# "Q3 的活动", "10AM 上线", "FYI").
_ORDINARY_ACRONYMS = frozenset([
    "ceo", "cto", "coo", "cfo", "cmo", "cpo", "cxo", "hr", "it", "ai", "ok", "fyi", "asap", "eod", "eow",
    "tbd", "b2b", "b2c", "2b", "2c", "cny", "q1", "q2", "q3", "q4", "h1", "h2",
])  # fmt: skip
_CLOCK_TIME = re.compile(r"\d{1,2}(?:am|pm)")
_CJK_WORD = re.compile(r"^[\u3400-\u9fff]{2,}$")
# Characters that end a phrase rather than qualify the noun after them (的规则, 用算法, 怎么配置).
_GRAMMAR_CHARS = set("的了是么个被把用在和与及要怎如何什啥哪该能会去来做有")
# A question asking for an amount (a price, a ratio, a threshold) is answered only by a passage that
# gives one: the documents explain how to think about a cost, rarely how much it should be.
_ASKS_FOR_FIGURE = re.compile(
    r"多少(?:钱|元|块)|几(?:块钱|元|毛钱|分钱|角钱)"
    r"|(?:比例|比列|比率|预算|费用|成本|价格|价钱|佣金|提成|抽成|门槛|阈值)[^,。?!?!]{0,8}(?:多少|几)"
    r"|(?:多少|几)[^,。?!?!]{0,4}(?:合适|合理|正常|健康|达标|及格)"
    # How often (一天推几条, 每周发几次): a frequency is a figure too.
    r"|(?:一天|每天|天天|一周|每周|一个月|每月)[^,。?!?!]{0,6}(?:几|多少)(?:条|次|篇|回)"
    r"|\bhow much\b|\bwhat (?:ratio|percentage|rate|budget)\b",
    re.IGNORECASE,
)
_GIVES_A_FIGURE = re.compile(r"\d|百分之|[一二三四五六七八九十两半]+(?:成|倍|元|块)")


@lru_cache(maxsize=1)
def _specifics() -> tuple[str, ...]:
    text = (Path(__file__).with_name("specifics.txt")).read_text(encoding="utf-8")
    return tuple(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def asks_for_figure(question: str) -> bool:
    """Whether the question asks for an amount (多少钱, 比例定多少, 一天推几条, how much)."""
    return _ASKS_FOR_FIGURE.search(question) is not None


def gives_a_figure(text: str) -> bool:
    """Whether a passage states an amount at all (a digit, 百分之…, 三成, 两倍 …)."""
    return _GIVES_A_FIGURE.search(text) is not None


def _is_ordinary(acronym: str) -> bool:
    lowered = acronym.lower()
    return lowered in _ORDINARY_ACRONYMS or _CLOCK_TIME.fullmatch(lowered) is not None


def proper_names(question: str) -> list[str]:
    """Capitalised words not at the start of a sentence ("on Xiaohongshu", "用 Canva 做…")."""
    names = []
    for match in _PROPER_NAME.finditer(question):
        before = question[: match.start()].rstrip()
        if before and not before.endswith(_SENTENCE_START) and match.group(0).lower() not in _NOT_SUBJECTS:
            names.append(match.group(0))
    return names


class MissingSubjects:
    """Finds what a question asks about that one knowledge base never mentions.

    `word_relevance` says how much closer a word asked alone is to the documents than to the
    background (negative: nearer the background); it costs one query embedding per call.
    """

    def __init__(
        self,
        corpus_text: str,
        background_text: str,
        glossary: Glossary,
        word_relevance: Callable[[str], float],
    ) -> None:
        self._vocabulary = corpus_text.lower()
        # Plain text, not tokens: segmenting every background passage would slow a cold start.
        self._background_text = background_text
        self._glossary = glossary
        self._word_relevance = word_relevance
        # Specifics (an algorithm, a formula, a tool's setup…) that no indexed document ever names.
        self._absent_specifics = [word for word in _specifics() if not self._documents_name(word)]

    def _documents_name(self, word: str) -> bool:
        """Whether the documents speak of `word`, in its own words or the glossary's ("dashboard": 看板)."""
        vocabulary = self._vocabulary
        return word in vocabulary or any(
            meaning.lower() in vocabulary for meaning in self._glossary.expand(word)
        )

    def specific(self, question: str) -> str | None:
        """The specific the question asks for ("推荐算法", "formula") when no document names it, or None.

        One the documents qualify ("office tools" where they speak of office skills, "拉新工具") is
        theirs to answer, so the word before the specific must be unknown to them too.
        """
        lowered = question.lower()
        for word in self._absent_specifics:
            if word.isascii():
                match = re.search(rf"\b{re.escape(word)}\w*", lowered)
                if not match:
                    continue
                previous = re.findall(r"\w+", lowered[: match.start()])[-1:]
                if previous and len(previous[0]) > 2 and previous[0] in self._vocabulary:
                    continue
                return question[match.start() : match.end()]
            at = lowered.find(word)
            if at < 0:
                continue
            # "推荐算法", "预警模型": the two characters before it say which one, unless they are grammar.
            before = question[max(at - 2, 0) : at]
            qualified = len(before) == 2 and _CJK_WORD.match(before) and not set(before) & _GRAMMAR_CHARS
            if qualified and before in self._vocabulary:
                continue
            if qualified:
                return before + word
            # "GMV 预测", "配置 Kubernetes": a Latin name right before or after it says which one.
            name = re.search(r"([A-Za-z][A-Za-z0-9/]*)\s?$", question[:at]) or re.match(
                r"\s?([A-Za-z][A-Za-z0-9/]*)", question[at + len(word) :]
            )
            return f"{name.group(1)} {word}" if name else word
        return None

    def subject(self, question: str, unknown: list[str], known: set[str], probe_words: bool) -> str | None:
        """A word the question is about that the documents never mention, or None.

        A name in capitals, or capitalised inside a sentence, that neither the documents nor the
        glossary use is one; so (when `probe_words`) is a Chinese word among the question's `unknown`
        tokens that the documents never use but the background does, and that asked alone sits closer
        to the background (everything the documents are not) than to them. Words the glossary or a
        typo correction read (`known`) are never probed.
        """
        acronyms: list[str] = _ACRONYM.findall(question)
        names = [name for name in acronyms if not _is_ordinary(name)] + proper_names(question)
        for name in names:
            if name.lower() not in self._vocabulary and not self._glossary.expand(name):
                return name
        if not probe_words:
            return None
        candidates = [
            word
            for word in dict.fromkeys(unknown)
            if _CJK_WORD.match(word)
            and word in self._background_text
            and not any(word in k or k in word for k in known)
        ]
        probed = sorted(candidates, key=len, reverse=True)[:SUBJECT_PROBES]
        missing = [word for word in probed if self._word_relevance(word) <= SUBJECT_FLOOR]
        # A Chinese noun phrase ends with its head (平均薪资 is about 薪资): the last such word is the subject.
        return max(missing, key=lambda word: question.rfind(word)) if missing else None

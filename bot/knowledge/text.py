"""Tokenising Chinese and English for lexical search, and telling which language a question is in."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import jieba

jieba.setLogLevel(logging.WARNING)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z][a-z0-9+#'-]*")
_WORD_CHAR = re.compile(r"[\w\u3400-\u9fff]")


def _load_stopwords() -> frozenset[str]:
    text = resources.files("bot.knowledge").joinpath("stopwords.txt").read_text("utf-8")
    return frozenset(word for line in text.splitlines() if not line.startswith("#") for word in line.split())


# Words that say how a question is asked, not what it is about.
STOPWORDS = _load_stopwords()


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    return word


def add_domain_words(words: Iterable[str]) -> None:
    """Teach the segmenter operations vocabulary (拉新, 复盘 …) so it keeps those words whole."""
    for word in words:
        if _CJK.search(word):
            jieba.add_word(word, freq=20000)


def tokenize(text: str) -> list[str]:
    """Content words of a text: jieba words and their sub-words for Chinese, stemmed words for English."""
    lowered = text.lower()
    tokens: list[str] = []
    for piece in jieba.cut_for_search(lowered):
        piece = piece.strip()
        if not piece or not _WORD_CHAR.search(piece):
            continue
        if _CJK.search(piece):
            if piece not in STOPWORDS:
                tokens.append(piece)
        else:
            for word in _LATIN_WORD.findall(piece):
                if word not in STOPWORDS and len(word) > 1:
                    tokens.append(_stem(word))
    return tokens


def english_words(text: str) -> list[str]:
    """Lower-cased, stemmed English words of a text, stopwords kept, for matching glossary phrases."""
    return [_stem(word) for word in _LATIN_WORD.findall(text.lower())]

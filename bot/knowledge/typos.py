"""Typo tolerance for Chinese: a word typed with a same-sounding wrong character (留纯 for 留存).

Pinyin input methods make the commonest Chinese typo a homophone, so a stretch of the question the
documents never contain is matched, by its sound, against the words they do contain. Sounds are
compared loosely (zh/z, ch/c, sh/s, -ng/-n), the way hurried or southern typists confuse them.
A slip is one character, inside a stretch that holds a word the documents do not know: two
stretches of ordinary words that merely sound alike (为什 and 微信, 终要 and 重要) are not typos.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
# Words of two to four characters: one character has too many homophones to tell anything.
MIN_WORD, MAX_WORD = 2, 4
# A character with many readings multiplies a word's sound keys; past this many, only the first are kept.
MAX_KEYS = 16


def _loose(syllable: str) -> str:
    """A toneless syllable with the distinctions typists blur removed."""
    plain = "".join(c for c in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(c))
    plain = plain.replace("ü", "v")
    for retroflex, flat in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if plain.startswith(retroflex):
            plain = flat + plain[2:]
    return plain[:-1] if plain.endswith("ng") else plain


@lru_cache(maxsize=1)
def _pinyin_table() -> dict[str, str]:
    """pypinyin's character table (code point → readings), read straight from its JSON file.

    Importing pypinyin itself costs about 0.3 s (it converts all 41,000 keys); the file alone 0.03 s.
    Without the package, typo tolerance is off.
    """
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
    try:
        table: dict[str, str] = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return table


@lru_cache(maxsize=8192)
def _readings(char: str) -> tuple[str, ...]:
    """Every loose reading of one character (a polyphone has several)."""
    raw = _pinyin_table().get(str(ord(char)), "")
    return tuple(dict.fromkeys(_loose(reading) for reading in raw.split(",") if reading))


def sound_keys(word: str) -> list[str]:
    """The loose pinyin spellings of a word, one per combination of its characters' readings."""
    readings = [_readings(char) for char in word]
    if not all(readings):
        return []
    return [" ".join(combo) for combo in itertools.islice(itertools.product(*readings), MAX_KEYS)]


def _one_slip(typed: str, word: str) -> bool:
    """True when exactly one character of a same-length word was typed differently."""
    return sum(a != b for a, b in zip(typed, word, strict=True)) == 1


class SoundAlikes:
    """The documents' Chinese words by sound, to correct a question's homophone typos."""

    def __init__(self, vocabulary: Iterable[str], corpus_text: str) -> None:
        self._words = sorted(
            {w for w in vocabulary if MIN_WORD <= len(w) <= MAX_WORD and _CJK_RUN.fullmatch(w)}
        )
        self._corpus_text = corpus_text
        self._by_sound: dict[str, list[str]] | None = None

    def _index(self) -> dict[str, list[str]]:
        if self._by_sound is None:  # built on the first question that needs it
            index: dict[str, list[str]] = {}
            for word in self._words:
                for key in sound_keys(word):
                    index.setdefault(key, []).append(word)
            self._by_sound = index
        return self._by_sound

    def corrections(self, question: str, unknown: Iterable[str]) -> list[str]:
        """Document words that sound like a stretch of the question holding one of its `unknown` words."""
        unknown = [word for word in unknown if _CJK_RUN.fullmatch(word)]
        found: list[str] = []
        if not unknown:
            return found
        for run in _CJK_RUN.findall(question):
            for size in range(MIN_WORD, min(MAX_WORD, len(run)) + 1):
                for start in range(len(run) - size + 1):
                    piece = run[start : start + size]
                    if piece in self._corpus_text or not any(w in piece or piece in w for w in unknown):
                        continue
                    for key in sound_keys(piece):
                        found.extend(w for w in self._index().get(key, ()) if _one_slip(piece, w))
        return list(dict.fromkeys(found))

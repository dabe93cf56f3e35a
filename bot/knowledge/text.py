"""Tokenising Chinese and English for lexical search, and telling which language a question is in."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

# jieba imports pkg_resources (a quarter of a second) only to open its own data files, and falls
# back to plain open() when it cannot: hide it while jieba loads unless something already paid for it.
_HIDDEN = "pkg_resources" not in sys.modules
if _HIDDEN:
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]
try:
    import jieba
finally:
    if _HIDDEN:
        del sys.modules["pkg_resources"]

jieba.setLogLevel(logging.WARNING)

log = logging.getLogger(__name__)

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


# Reading a frequency from the table costs a few microseconds; after this many, a process that
# segments a whole corpus is better served by jieba's own in-memory dictionary.
DISK_LOOKUPS_BEFORE_FULL_LOAD = 50_000


class _DiskFrequencies(dict[str, int]):
    """jieba's prefix dictionary (word → frequency, 0 for a mere prefix), read word by word from a table.

    Loading the whole dictionary costs a second or more per process; a question needs a few hundred
    of its half a million entries. Words added at run time (add_word) live in memory and win.
    """

    def __init__(self, table: Path, load_all: Any) -> None:
        super().__init__()
        self._db = sqlite3.connect(f"file:{table}?mode=ro", uri=True, check_same_thread=False)
        self._absent: set[str] = set()
        self._lock = threading.Lock()
        self._lookups = 0
        self._load_all = load_all
        row = self._db.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()
        self.total = int(row[0])
        self.added: dict[str, int] = {}

    def _find(self, word: str) -> int | None:
        if dict.__contains__(self, word):
            return dict.__getitem__(self, word)
        if word in self._absent:
            return None
        with self._lock:
            row = self._db.execute("SELECT freq FROM words WHERE word = ?", (word,)).fetchone()
            self._lookups += 1
        if self._lookups == DISK_LOOKUPS_BEFORE_FULL_LOAD:
            self._load_all()
        if row is None:
            self._absent.add(word)
            return None
        dict.__setitem__(self, word, int(row[0]))
        return int(row[0])

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._find(word) is not None

    def __getitem__(self, word: str) -> int:
        found = self._find(word)
        if found is None:
            raise KeyError(word)
        return found

    def get(self, word: str, default: Any = None) -> Any:
        found = self._find(word)
        return default if found is None else found

    def __setitem__(self, word: str, freq: int) -> None:
        self._absent.discard(word)
        self.added[word] = freq
        dict.__setitem__(self, word, freq)


class _Segmenter:
    """opsbot's own jieba tokenizer (the domain words never leak into jieba's global one).

    With a dictionary table in the cache directory it starts without loading jieba's dictionary.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._tokenizer: jieba.Tokenizer | None = None
        self._table_dir: Path | None = None
        self._domain_words: list[str] = []
        self._signature: str | None = None

    def use_table_in(self, cache_dir: Path) -> None:
        with self._lock:
            if self._tokenizer is None:
                self._table_dir = cache_dir

    def add_words(self, words: list[str]) -> None:
        with self._lock:
            self._domain_words.extend(words)
            self._signature = None
            if self._tokenizer is not None:
                for word in words:
                    self._tokenizer.add_word(word, freq=DOMAIN_WORD_FREQ)

    def signature(self) -> str:
        """What the tokens depend on: this code, the stopwords, jieba's dictionary and the added words."""
        with self._lock:
            if self._signature is None:
                digest = hashlib.sha256(Path(__file__).read_bytes())
                digest.update(" ".join(sorted(STOPWORDS)).encode())
                digest.update(f"{jieba.__version__}\0{self._dictionary_identity()}\0".encode())
                # The order words were added in does not change the dictionary, how often each was does.
                digest.update("\0".join(sorted(self._domain_words)).encode())
                self._signature = digest.hexdigest()
            return self._signature

    @staticmethod
    def _dictionary_identity() -> str:
        try:
            status = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME).stat()
        except OSError:
            return "unknown"
        return f"{status.st_size}-{status.st_mtime_ns}"

    def tokenizer(self) -> jieba.Tokenizer:
        with self._lock:
            if self._tokenizer is None:
                self._tokenizer = self._start()
                for word in self._domain_words:
                    self._tokenizer.add_word(word, freq=DOMAIN_WORD_FREQ)
            return self._tokenizer

    def _start(self) -> jieba.Tokenizer:
        tokenizer = jieba.Tokenizer()
        table = self._table()
        if table is None:
            tokenizer.initialize()
            return tokenizer
        try:
            frequencies = _DiskFrequencies(table, lambda: self._load_all(tokenizer))
        except (sqlite3.Error, TypeError, ValueError) as error:
            log.warning("jieba dictionary table unreadable (%s); loading the dictionary", error)
            tokenizer.initialize()
            return tokenizer
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = frequencies, frequencies.total, True
        return tokenizer

    def _load_all(self, tokenizer: jieba.Tokenizer) -> None:
        """Swap the table for the whole dictionary in memory, keeping the words added since."""
        full = jieba.Tokenizer()
        full.initialize()
        frequencies = tokenizer.FREQ
        added = frequencies.added if isinstance(frequencies, _DiskFrequencies) else {}
        merged: dict[str, int] = full.FREQ
        merged.update(added)
        tokenizer.FREQ = merged

    def _table(self) -> Path | None:
        """The dictionary as an SQLite table in the cache directory, written once per machine."""
        if self._table_dir is None:
            return None
        identity = self._dictionary_identity()
        if identity == "unknown":
            return None
        table = self._table_dir / f"jieba-{jieba.__version__}-{identity}.sqlite3"
        if not table.exists():
            self._write_table(table)
        return table if table.exists() else None

    @staticmethod
    def _write_table(table: Path) -> None:
        full = jieba.Tokenizer()
        full.initialize()
        temporary = table.with_name(f"{table.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            table.parent.mkdir(parents=True, exist_ok=True)
            temporary.unlink(missing_ok=True)
            with sqlite3.connect(temporary) as db:
                db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER NOT NULL) WITHOUT ROWID")
                db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                db.executemany("INSERT INTO words VALUES (?, ?)", full.FREQ.items())
                db.execute("INSERT INTO meta VALUES ('total', ?)", (str(full.total),))
            db.close()
            os.replace(temporary, table)
        except (OSError, sqlite3.Error) as error:
            log.warning("jieba dictionary table not written (%s)", type(error).__name__)
            temporary.unlink(missing_ok=True)


DOMAIN_WORD_FREQ = 20000
_SEGMENTER = _Segmenter()


def use_dictionary_table(cache_dir: Path) -> None:
    """Segment with jieba's dictionary read from a table in `cache_dir` (built there once) instead of
    loading all of it into memory in every process; the tokens are the same either way."""
    _SEGMENTER.use_table_in(cache_dir)


def add_domain_words(words: Iterable[str]) -> None:
    """Teach the segmenter operations vocabulary (拉新, 复盘 …) so it keeps those words whole."""
    _SEGMENTER.add_words([word for word in words if _CJK.search(word)])


# Tokens of the indexed texts, read from the index's cache, so a new process segments only the
# question; used only while the tokenizer's signature is still the one they were computed under.
_KNOWN: tuple[str, dict[str, list[str]]] = ("", {})


def tokenizer_signature() -> str:
    """Changes whenever tokenize() could give other tokens for the same text."""
    return _SEGMENTER.signature()


def remember_tokens(signature: str, known: dict[str, list[str]]) -> None:
    """Tokens computed earlier under `signature` for texts about to be tokenized."""
    global _KNOWN
    _KNOWN = (signature, known)


_RECORDING = threading.local()


@contextmanager
def recording_tokens() -> Iterator[dict[str, list[str]]]:
    """Collects every text this thread tokenizes meanwhile, with its tokens (to save them for later)."""
    seen: dict[str, list[str]] = {}
    _RECORDING.seen = seen
    try:
        yield seen
    finally:
        _RECORDING.seen = None


def tokenize(text: str) -> list[str]:
    """Content words of a text: jieba words and their sub-words for Chinese, stemmed words for English."""
    signature, known_tokens = _KNOWN
    tokens = known_tokens.get(text)
    if tokens is None or signature != _SEGMENTER.signature():
        tokens = _segment(text)
    seen: dict[str, list[str]] | None = getattr(_RECORDING, "seen", None)
    if seen is not None:
        seen[text] = tokens
    return list(tokens)


def _segment(text: str) -> list[str]:
    lowered = text.lower()
    tokens: list[str] = []
    for piece in _SEGMENTER.tokenizer().cut_for_search(lowered):
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

"""The operations glossary: expands a question with the playbook's own words (retention → 留存)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.knowledge.text import english_words

_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Glossary:
    """English phrases (as stemmed word tuples) and Chinese terms, each with playbook words."""

    english: dict[tuple[str, ...], tuple[str, ...]]
    chinese: dict[str, tuple[str, ...]]

    @classmethod
    def parse(cls, text: str) -> Glossary:
        english: dict[tuple[str, ...], tuple[str, ...]] = {}
        chinese: dict[str, tuple[str, ...]] = {}
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            term, _, expansion = line.partition("\t")
            words = tuple(expansion.split())
            if not term.strip() or not words:
                continue
            if _CJK.search(term):
                chinese[term.strip()] = words
            else:
                english[tuple(english_words(term))] = words
        return cls(english, chinese)

    @classmethod
    def load(cls, path: Path | None = None) -> Glossary:
        if path is not None:
            return cls.parse(path.read_text(encoding="utf-8"))
        return cls.parse(resources.files("bot.knowledge").joinpath("glossary.tsv").read_text("utf-8"))

    def playbook_words(self) -> set[str]:
        return {word for words in (*self.english.values(), *self.chinese.values()) for word in words}

    def expand(self, question: str) -> list[str]:
        """Playbook words for the glossary terms found in a question, in order, without repeats."""
        found: list[str] = []
        words = english_words(question)
        longest = max((len(term) for term in self.english), default=0)
        for start in range(len(words)):
            for size in range(min(longest, len(words) - start), 0, -1):
                expansion = self.english.get(tuple(words[start : start + size]))
                if expansion:
                    found.extend(expansion)
                    break
        for term, expansion in self.chinese.items():
            if term in question:
                found.extend(expansion)
        return list(dict.fromkeys(found))

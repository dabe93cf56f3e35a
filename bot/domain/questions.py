"""Turning raw user text into a question worth answering, or a clear reason why not."""

from __future__ import annotations

import re

from bot.domain.errors import InvalidQuestion

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def clean_question(raw: str, max_chars: int) -> str:
    """Normalise whitespace and refuse empty, oversized or unreadable input."""
    if "\x00" in raw or "\ufffd" in raw or any(0xDC80 <= ord(ch) <= 0xDCFF for ch in raw):
        raise InvalidQuestion("The question is not readable text; please type it as plain text.")
    if _CONTROL.search(raw):
        raise InvalidQuestion("The question contains control characters; please type it as plain text.")
    text = _SPACES.sub(" ", raw).strip()
    if not text:
        raise InvalidQuestion('The question is empty. Try: opsbot ask "活动上线前怎么预热?"')
    if len(text) > max_chars:
        raise InvalidQuestion(
            f"The question is {len(text):,} characters long; please keep it under {max_chars:,}."
        )
    if not any(ch.isalnum() for ch in text):
        raise InvalidQuestion('The question has no words in it. Try: opsbot ask "How do we retain users?"')
    return text

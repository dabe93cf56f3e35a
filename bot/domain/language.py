"""Which language a user wrote in, so replies are framed in it."""

from __future__ import annotations

import re

from bot.domain.models import Language

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> Language:
    """Chinese when CJK characters carry a fair share of the text (one hanzi says about as much as a word)."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return "zh" if cjk and cjk * 4 >= latin else "en"

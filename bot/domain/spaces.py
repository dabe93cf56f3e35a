"""One rule for spaces: a full-width space (U+3000, typed by Chinese input methods), NBSP and the
other Unicode spaces separate words exactly like an ASCII space, in every parser."""

from __future__ import annotations

# Unicode category Zs (every space separator), the tab, and the zero-width space and BOM that pasted
# text carries between words; line breaks are left alone.
_SPACES = (
    "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u202f\u205f\u3000\ufeff"
)
_TO_ASCII_SPACE = str.maketrans(dict.fromkeys(_SPACES, " "))


def normalize_spaces(text: str) -> str:
    """Every Unicode space becomes an ASCII space, one for one, so `remind　me` splits like `remind me`."""
    return text.translate(_TO_ASCII_SPACE)

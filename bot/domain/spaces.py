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


# C0 control characters except tab and line breaks, DEL, and lone UTF-16 surrogates (which JSON can
# carry but UTF-8 cannot encode): PostgreSQL refuses NUL in text, and none of them mean anything here.
_CONTROL = {code: None for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)}
_CONTROL.update({code: None for code in range(0xD800, 0xE000)})


def without_control_characters(text: str) -> str:
    """Typed or pasted text as it can be stored and shown: NUL, other control bytes and lone surrogates go."""
    return text.translate(_CONTROL)

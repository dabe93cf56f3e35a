"""Heading-aware splitting: a chunk is one list item or paragraph, carrying its heading path."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from langchain_text_splitters import RecursiveCharacterTextSplitter

from bot.domain.models import Chunk
from bot.knowledge.documents import KnowledgeDocument

SECTION_SEPARATOR = " › "
SPLITTER_VERSION = "1"
MAX_CHUNK_CHARS = 600

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)、]|[((]\d+[))])\s*")
# Plain-text playbooks number their parts "一. 标题" or "四、标题": treat those lines as headings.
_TXT_HEADING = re.compile(r"^[一二三四五六七八九十]+\s*[.、.]\s*(\S.{0,30})$")

_long_text_splitter = RecursiveCharacterTextSplitter(
    chunk_size=MAX_CHUNK_CHARS,
    chunk_overlap=0,
    separators=["\n", "。", "!", "?", "；", ";", ". ", ",", ",", " ", ""],
    keep_separator="end",
)


def _blocks(body: str, is_markdown: bool) -> Iterator[tuple[int, str] | str]:
    """Yield (level, heading) for headings and plain strings for paragraphs or list items."""
    paragraph: list[str] = []

    def flush() -> Iterator[str]:
        if paragraph:
            yield " ".join(line.strip() for line in paragraph)
            paragraph.clear()

    for line in body.splitlines():
        stripped = line.strip()
        heading = _MD_HEADING.match(stripped) if is_markdown else _TXT_HEADING.match(stripped)
        if heading:
            yield from flush()
            if is_markdown:
                yield (len(heading.group(1)), heading.group(2))
            else:
                yield (2, heading.group(1).strip())
        elif not stripped:
            yield from flush()
        elif _LIST_ITEM.match(line):
            yield from flush()
            paragraph.append(_LIST_ITEM.sub("", line, count=1))
        else:
            paragraph.append(stripped)
    yield from flush()


def long_text_pieces(text: str) -> list[str]:
    """A paragraph too long for one chunk, cut at sentence ends."""
    return _long_text_splitter.split_text(text)


def stable_id(source: str, section: str, text: str, seen: dict[str, int]) -> str:
    digest = hashlib.sha1(f"{source}\n{section}\n{text}".encode()).hexdigest()[:16]
    seen[digest] = seen.get(digest, 0) + 1
    return digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"


def split_document(document: KnowledgeDocument) -> list[Chunk]:
    """Split one document into chunks; ids depend only on source, section and text, so they stay stable."""
    headings: list[tuple[int, str]] = []
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for block in _blocks(document.body, document.is_markdown):
        if isinstance(block, tuple):
            level, title = block
            headings = [h for h in headings if h[0] < level]
            if not (level == 1 and title == document.title):
                headings.append(block)
            continue
        section = SECTION_SEPARATOR.join([document.title, *(title for _, title in headings)])
        pieces = [block] if len(block) <= MAX_CHUNK_CHARS else _long_text_splitter.split_text(block)
        for piece in pieces:
            text = piece.strip()
            if not text:
                continue
            chunk_id = stable_id(document.source, section, text, seen)
            chunks.append(Chunk(chunk_id, document.source, section, text, position=len(chunks)))
    return chunks


def fingerprint_version(document: KnowledgeDocument) -> str:
    """What decides whether a file must be re-split: its bytes and the splitter's rules."""
    return f"{SPLITTER_VERSION}:{document.fingerprint}"

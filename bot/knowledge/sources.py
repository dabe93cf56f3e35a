"""Run-time sources (reviews) as the indexer sees them: read from the database, split as plain text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

from bot.domain.models import Chunk
from bot.domain.sources import (
    ANSWER,
    DOCUMENT,
    REVIEW,
    THREAD,
    KnowledgeSource,
    inline_text,
    neutral_text,
    review_answers,
    review_body,
    review_label,
)
from bot.knowledge.documents import KnowledgeDocument, parse_front_matter
from bot.knowledge.splitter import (
    MAX_CHUNK_CHARS,
    SECTION_SEPARATOR,
    SPLITTER_VERSION,
    long_text_pieces,
    split_document,
    stable_id,
)

_LEGACY_NAME = re.compile(r"^([0-9a-f]{6,32})-(\d{9,11})\.md$")
_LEGACY_QUESTION = re.compile(r"^## (.+)$")


class SourceCatalog(Protocol):
    """Where run-time sources live (the database): every process reads the same ones."""

    def all(self) -> list[KnowledgeSource]:
        """Every source ever added, tombstoned ones (deleted_at set) included."""
        ...

    def version(self) -> Hashable:
        """A cheap value that changes whenever a source is added or tombstoned."""
        ...


def source_fingerprint(source: KnowledgeSource) -> str:
    digest = hashlib.sha256(f"{source.kind}\n{source.title}\n{source.body}".encode()).hexdigest()
    return f"{SPLITTER_VERSION}:src:{digest}"


def chunks_for_source(source: KnowledgeSource) -> list[Chunk]:
    """The chunks a run-time source is cited by: a document's by its headings, a review's by its label."""
    if source.kind in (DOCUMENT, ANSWER):  # an editor's answer is Markdown, split by its headings
        return _document_chunks(source)
    if source.kind == THREAD:
        return _thread_chunks(source)
    if source.kind != REVIEW:
        return []
    return _review_chunks(source)


def _document_chunks(source: KnowledgeSource) -> list[Chunk]:
    """Sections under the document's own title ("方案标题 › 活动目标"); no heading can fake a deeper path."""
    title = inline_text(source.title, 200) or "?"
    body = source.body.replace(SECTION_SEPARATOR.strip(), "·")
    document = KnowledgeDocument(source.source, title, source.created_by, body, True, "")
    return split_document(document)


def _thread_chunks(source: KnowledgeSource) -> list[Chunk]:
    """A saved thread under its own title, consecutive messages packed together up to a chunk's size.

    Its body is Markdown opsbot wrote, one paragraph per message; neighbouring messages stay in one
    chunk because a reply ("用第二个方案") means little without the question before it. No line is
    read as a heading, so the section is always the thread's title.
    """
    section = inline_text(source.title, 200) or "?"
    body = neutral_text(source.body.replace(SECTION_SEPARATOR.strip(), "·"))
    pieces: list[str] = []
    for paragraph in (p.strip() for p in body.split("\n\n")):
        if paragraph:
            pieces.extend([paragraph] if len(paragraph) <= MAX_CHUNK_CHARS else long_text_pieces(paragraph))
    packed: list[str] = []
    for piece in pieces:
        if packed and len(packed[-1]) + 1 + len(piece) <= MAX_CHUNK_CHARS:
            packed[-1] = f"{packed[-1]}\n{piece}"
        else:
            packed.append(piece)
    seen: dict[str, int] = {}
    return [
        Chunk(stable_id(source.source, section, text, seen), source.source, section, text, position=index)
        for index, text in enumerate(t.strip() for t in packed)
    ]


def _review_chunks(source: KnowledgeSource) -> list[Chunk]:
    """One chunk per answered question (longer answers in pieces), all under the review's own label.

    Nothing inside the answers is read as structure: the section is the title, never a heading.
    """
    section = inline_text(source.title, 200)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for question, answer in review_answers(source.body):
        lines = [line.strip() for line in neutral_text(answer).splitlines() if line.strip()]
        label = inline_text(neutral_text(question), 150)
        text = f"{label}:{' '.join(lines)}" if label else " ".join(lines)
        pieces = [text] if len(text) <= MAX_CHUNK_CHARS else long_text_pieces(text)
        for piece in (p.strip() for p in pieces):
            if piece:
                chunk_id = stable_id(source.source, section, piece, seen)
                chunks.append(Chunk(chunk_id, source.source, section, piece, position=len(chunks)))
    return chunks


def legacy_review(path: Path, created_at: float | None = None) -> KnowledgeSource | None:
    """A review file written by an older opsbot (`<campaign>-<unix time>.md`), as a run-time source."""
    text = path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n").lstrip("\ufeff")
    fields, body = parse_front_matter(text)
    answers: list[tuple[str, str]] = []
    for line in body.splitlines():
        question = _LEGACY_QUESTION.match(line)
        if question:
            answers.append((question.group(1).strip(), ""))
        elif answers:
            answers[-1] = (answers[-1][0], f"{answers[-1][1]}\n{line}")
    answers = [(question, answer.strip()) for question, answer in answers if answer.strip()]
    if not answers:
        return None
    named = _LEGACY_NAME.match(path.name)
    when = float(named.group(2)) if named else (created_at or path.stat().st_mtime)
    campaign = fields.get("title", path.stem).removeprefix("复盘:").removeprefix("复盘:")
    try:
        day = date.fromisoformat(fields.get("date", ""))
    except ValueError:
        day = datetime.fromtimestamp(when, UTC).date()
    author = fields.get("owner", "")
    return KnowledgeSource(
        source_id="legacy-" + hashlib.sha256(path.name.encode()).hexdigest()[:32],
        kind=REVIEW,
        title=review_label(campaign, day, author),
        body=review_body(answers),
        campaign_id=named.group(1) if named else None,
        channel="",
        created_by=author[:32],
        created_at=when,
    )

"""Incremental indexing: unchanged sources are skipped, edited ones replaced, deleted ones removed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from bot.domain.models import Chunk
from bot.domain.sources import KnowledgeSource, is_run_time_source
from bot.knowledge.documents import knowledge_files, read_document, source_name
from bot.knowledge.sources import chunks_for_source, source_fingerprint
from bot.knowledge.splitter import SECTION_SEPARATOR, fingerprint_version, split_document
from bot.knowledge.store import IndexRecord, KnowledgeStore

BACKGROUND_SOURCE = "opsbot:background"
BATCH_SIZE = 64

ProgressFactory = Callable[[int], Callable[[int], None]]


@dataclass
class IndexReport:
    """What one indexing run did, for the command line and the logs."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    records_embedded: int = 0
    rebuilt_reason: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.removed)} removed",
            f"{len(self.unchanged)} unchanged",
        ]
        line = f"Indexed knowledge files: {', '.join(parts)}; {self.records_embedded} passages embedded."
        return f"{line} (Rebuilt: {self.rebuilt_reason}.)" if self.rebuilt_reason else line


def section_tail(section: str) -> str:
    """The section path without the document title: what a heading says in its own context."""
    parts = section.split(SECTION_SEPARATOR)
    return SECTION_SEPARATOR.join(parts[1:]) or parts[0]


def records_for_chunks(chunks: Sequence[Chunk], fingerprint: str) -> list[IndexRecord]:
    """Each chunk embedded with its heading, plus one record per section for its text and its heading."""
    records = [
        IndexRecord(
            c.chunk_id,
            "chunk",
            c.source,
            c.section,
            c.text,
            f"{section_tail(c.section)}: {c.text}",
            fingerprint,
            c.position,
        )
        for c in chunks
    ]
    by_section: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_section.setdefault(chunk.section, []).append(chunk)
    for section, members in by_section.items():
        key = hashlib.sha1(f"{members[0].source}\n{section}".encode()).hexdigest()[:16]
        body = " ".join(member.text for member in members)
        tail = section_tail(section)
        position = members[0].position
        records.append(
            IndexRecord(
                f"s-{key}",
                "section",
                members[0].source,
                section,
                body,
                f"{tail}: {body}",
                fingerprint,
                position,
            )
        )
        records.append(
            IndexRecord(f"h-{key}", "heading", members[0].source, section, tail, tail, fingerprint, position)
        )
    return records


def background_records() -> list[IndexRecord]:
    """Passages about unrelated subjects that calibrate 'the playbook does not cover this'."""
    text = resources.files("bot.knowledge").joinpath("background.txt").read_text("utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    fingerprint = "bg:" + hashlib.sha256(text.encode()).hexdigest()
    return [
        IndexRecord(f"bg-{i}", "background", BACKGROUND_SOURCE, "", line, line, fingerprint, i)
        for i, line in enumerate(lines)
    ]


def complete_fingerprints(metadatas: Sequence[dict[str, object]]) -> dict[str, str]:
    """Each stored source's fingerprint, or "incomplete" when a crash left only part of its records."""
    seen: dict[str, tuple[str, int, int]] = {}
    for meta in metadatas:
        source, fingerprint = str(meta["source"]), str(meta["fingerprint"])
        expected = int(str(meta.get("record_count", 0)))
        previous = seen.get(source)
        if previous and previous[0] != fingerprint:
            seen[source] = ("incomplete", 0, -1)
        elif not previous or previous[0] != "incomplete":
            seen[source] = (fingerprint, (previous[1] if previous else 0) + 1, expected)
    return {
        source: fingerprint if count == expected else "incomplete"
        for source, (fingerprint, count, expected) in seen.items()
    }


class KnowledgeIndexer:
    """Brings a store in line with the knowledge directory and the run-time sources, embedding only what changed.

    Several processes may share one store, so a source is deleted only when this process knows it is
    gone: a knowledge file no longer in the directory, or a run-time source tombstoned in the database.
    A run-time source it has not heard of yet was added by another process and is left alone.
    """

    def __init__(
        self,
        store: KnowledgeStore,
        knowledge_dir: Path,
        progress: ProgressFactory | None = None,
        sources: Sequence[KnowledgeSource] = (),
    ):
        self._store = store
        self._knowledge_dir = knowledge_dir
        self._sources = sources
        self._progress = progress

    def sync(self) -> IndexReport:
        report = IndexReport(rebuilt_reason=self._store.was_rebuilt_reason)
        wanted = self._wanted()
        tombstoned = {source.source for source in self._sources if source.deleted_at is not None}
        stored = complete_fingerprints(self._store.metadatas())
        pending: list[IndexRecord] = []
        for source in sorted(set(stored) - set(wanted)):
            if source in tombstoned or not is_run_time_source(source):
                self._store.delete_source(source)
                report.removed.append(source)
        for source, (fingerprint, records) in wanted.items():
            if stored.get(source) == fingerprint:
                report.unchanged.append(source)
                continue
            if source in stored:
                self._store.delete_source(source)
            (report.updated if source in stored else report.added).append(source)
            pending.extend(records)
        self._embed([replace(record, record_count=len(wanted[record.source][1])) for record in pending])
        report.records_embedded = len(pending)
        for names in (report.added, report.updated, report.unchanged):
            if BACKGROUND_SOURCE in names:
                names.remove(BACKGROUND_SOURCE)
        return report

    def _wanted(self) -> dict[str, tuple[str, list[IndexRecord]]]:
        """Each source that should be in the store: its fingerprint and its records."""
        wanted: dict[str, tuple[str, list[IndexRecord]]] = {}
        for path in knowledge_files(self._knowledge_dir):
            document = read_document(path, source_name(self._knowledge_dir, path))
            fingerprint = fingerprint_version(document)
            wanted[document.source] = (fingerprint, records_for_chunks(split_document(document), fingerprint))
        for source in self._sources:
            chunks = chunks_for_source(source) if source.deleted_at is None else []
            if chunks:
                fingerprint = source_fingerprint(source)
                wanted[source.source] = (fingerprint, records_for_chunks(chunks, fingerprint))
        background = background_records()
        wanted[BACKGROUND_SOURCE] = (background[0].fingerprint if background else "bg:none", background)
        return wanted

    def _embed(self, records: list[IndexRecord]) -> None:
        advance = self._progress(len(records)) if self._progress and records else None
        for start in range(0, len(records), BATCH_SIZE):
            batch = records[start : start + BATCH_SIZE]
            self._store.add(batch)
            if advance:
                advance(len(batch))

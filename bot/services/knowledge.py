"""Teaching opsbot: a knowledge editor shares a file, it becomes a cited source for every process."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.domain.clock import Clock
from bot.domain.editors import NOT_AN_EDITOR, KnowledgeEditors, NotAnEditor
from bot.domain.errors import NotFound
from bot.domain.sources import DOCUMENT, KnowledgeSource, inline_text
from bot.knowledge.conversion import MEGABYTE, ConversionLimits, UnreadableDocument, convert, too_big
from bot.services.ports import KnowledgeLibrary, People


class FetchedPageLike(Protocol):
    @property
    def url(self) -> str: ...

    @property
    def data(self) -> bytes: ...

    @property
    def mimetype(self) -> str: ...


class PageSource(Protocol):
    def fetch(self, url: str) -> FetchedPageLike:
        """The page's bytes; raises an OpsbotError saying why it may not or cannot be fetched."""
        ...


# A removed source can be restored for this long, then it is gone for good.
RESTORE_WINDOW_S = 30 * 86400
NOT_FOUND = "这条资料已经找不到了。 / That knowledge entry could not be found."
NOT_YOURS = (
    "只有知识库编辑或添加这条资料的人可以删除或恢复它。 / "
    "Only knowledge editors or the person who added it can remove or restore it."
)
TOO_OLD = "删除超过 30 天的资料无法恢复。 / Entries removed more than 30 days ago cannot be restored."


@dataclass(frozen=True)
class LearnedDocument:
    """What the editor is told: the document's own title, its sections, its size."""

    source_id: str
    title: str
    kind: str
    sections: list[str]
    chars: int


class KnowledgeService:
    """Checks who is teaching and what, converts, stores in the database (every process indexes it)."""

    def __init__(
        self,
        sources: KnowledgeLibrary,
        editors: KnowledgeEditors,
        people: People,
        clock: Clock,
        max_upload_mb: int,
        on_learned: Callable[[], object] | None = None,
        pages: PageSource | None = None,
    ) -> None:
        self._pages = pages
        self._sources = sources
        self._editors = editors
        self._people = people
        self._clock = clock
        self._limits = ConversionLimits(max_bytes=max_upload_mb * MEGABYTE)
        self._on_learned = on_learned

    def require_editor(self, user: str) -> None:
        if not self._editors.may_edit(user, self._people.is_admin, self._people.group_members):
            raise NotAnEditor(NOT_AN_EDITOR)

    def library(self) -> list[KnowledgeSource]:
        """What `/ops docs` lists: every source, and those removed within the restore window."""
        cutoff = self._clock.now().timestamp() - RESTORE_WINDOW_S
        return [s for s in self._sources.all() if s.deleted_at is None or s.deleted_at >= cutoff]

    def _owned_or_edited(self, user: str, source_id: str) -> KnowledgeSource:
        source = self._sources.get(source_id) if source_id else None
        if source is None:
            raise NotFound(NOT_FOUND)
        if source.created_by != user:
            try:
                self.require_editor(user)
            except NotAnEditor:
                raise NotAnEditor(NOT_YOURS) from None
        return source

    def remove(self, user: str, source_id: str) -> KnowledgeSource:
        """Gone from every answer at each process's next check; restorable for 30 days."""
        source = self._owned_or_edited(user, source_id)
        self._sources.tombstone(source.source_id, self._clock.now().timestamp(), user)
        if self._on_learned is not None:
            self._on_learned()
        return source

    def restore(self, user: str, source_id: str) -> KnowledgeSource:
        source = self._owned_or_edited(user, source_id)
        now = self._clock.now().timestamp()
        if not self._sources.restore(source.source_id, user, now, now - RESTORE_WINDOW_S):
            if source.deleted_at is None:
                return source  # already back: a second click changes nothing
            raise NotFound(TOO_OLD)
        if self._on_learned is not None:
            self._on_learned()
        return source

    def check_upload(self, user: str, size: int) -> None:
        """Before anything is downloaded: the sharer may teach, and the file is within the size limit."""
        self.require_editor(user)
        if size > self._limits.max_bytes:
            raise too_big(size, self._limits.max_bytes)

    def learn_page(self, user: str, channel: str, url: str) -> LearnedDocument:
        """A web page's main content, learned like a shared HTML file; the editor is checked first."""
        self.require_editor(user)
        if self._pages is None:
            raise UnreadableDocument("这个 opsbot 不能抓取网页。 / This opsbot cannot fetch web pages.")
        page = self._pages.fetch(url)
        name = page.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "page"
        suffix = ".html" if "html" in page.mimetype else ".txt" if page.mimetype == "text/plain" else ".md"
        return self._store(user, channel, name + suffix, page.data, page.mimetype)

    def learn_shared(
        self,
        user: str,
        channel: str,
        name: str,
        size: int,
        mimetype: str | None,
        fetch: Callable[[int], bytes],
    ) -> LearnedDocument:
        """A shared file: who shares it and its size are checked before `fetch(max_bytes)` downloads it."""
        self.check_upload(user, size)
        return self._store(user, channel, name, fetch(self._limits.max_bytes), mimetype)

    def learn(
        self, user: str, channel: str, filename: str, data: bytes, mimetype: str | None
    ) -> LearnedDocument:
        """Converted, stored and indexed; a file that cannot be read raises and leaves nothing behind."""
        return self.learn_shared(user, channel, filename, len(data), mimetype, lambda _: data)

    def _store(
        self, user: str, channel: str, filename: str, data: bytes, mimetype: str | None
    ) -> LearnedDocument:
        """The checks are done: convert (which enforces every limit again), store, index."""
        converted = convert(data, filename, mimetype, self._limits)
        title = inline_text(converted.title, 200) or inline_text(filename, 200)
        source = KnowledgeSource(
            source_id=uuid.uuid4().hex,
            kind=DOCUMENT,
            title=title,
            body=converted.markdown,
            campaign_id=None,
            channel=channel,
            created_by=user,
            created_at=self._clock.now().timestamp(),
        )
        self._sources.add(source)
        if self._on_learned is not None:
            self._on_learned()
        return LearnedDocument(source.source_id, title, converted.kind, converted.sections, converted.chars)

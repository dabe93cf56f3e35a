"""Teaching opsbot: a knowledge editor shares a file, it becomes a cited source for every process."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.domain.clock import Clock
from bot.domain.editors import NOT_AN_EDITOR, KnowledgeEditors, NotAnEditor
from bot.domain.sources import DOCUMENT, KnowledgeSource, inline_text
from bot.knowledge.conversion import MEGABYTE, ConversionLimits, UnreadableDocument, convert
from bot.services.ports import KnowledgeSourceStore, People


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
        sources: KnowledgeSourceStore,
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

    def check_upload(self, user: str, size: int) -> None:
        """Before anything is downloaded: the sharer may teach, and the file is within the size limit."""
        self.require_editor(user)
        if size > self._limits.max_bytes:
            mb = self._limits.max_bytes / MEGABYTE
            raise UnreadableDocument(
                f"文件太大({size / MEGABYTE:.1f} MB,上限 {mb:.0f} MB),请拆分后再发。 / "
                f"The file is {size / MEGABYTE:.1f} MB; the limit is {mb:.0f} MB. Please split it."
            )

    def learn_page(self, user: str, channel: str, url: str) -> LearnedDocument:
        """A web page's main content, learned like a shared HTML file; the editor is checked first."""
        self.require_editor(user)
        if self._pages is None:
            raise UnreadableDocument("这个 opsbot 不能抓取网页。 / This opsbot cannot fetch web pages.")
        page = self._pages.fetch(url)
        name = page.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "page"
        suffix = ".html" if "html" in page.mimetype else ".txt" if page.mimetype == "text/plain" else ".md"
        return self.learn(user, channel, name + suffix, page.data, page.mimetype)

    def learn(
        self, user: str, channel: str, filename: str, data: bytes, mimetype: str | None
    ) -> LearnedDocument:
        """Converted, stored and indexed; a file that cannot be read raises and leaves nothing behind."""
        self.check_upload(user, len(data))
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

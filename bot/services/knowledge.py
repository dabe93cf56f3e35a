"""Teaching opsbot: a knowledge editor shares a file, it becomes a cited source for every process."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.domain.clock import Clock
from bot.domain.editors import NOT_AN_EDITOR, KnowledgeEditors, NotAnEditor
from bot.domain.errors import NotAllowed, NotFound, OpsbotError
from bot.domain.sources import (
    ANSWER,
    DOCUMENT,
    PLAYBOOK_COLLECTION,
    THREAD,
    KnowledgeSource,
    collection_key,
    inline_text,
)
from bot.domain.threads import (
    NO_TITLE,
    NOT_IN_CHANNEL,
    NOTHING_SAID,
    NotInChannel,
    ThreadEntry,
    ThreadUnavailable,
)
from bot.knowledge.conversion import MEGABYTE, ConversionLimits, UnreadableDocument, convert, too_big
from bot.services.ports import KnowledgeLibrary, KnowledgeUsage, People, SourceUsage


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
# `/ops docs` counts citations and 👎 over this long.
USAGE_WINDOW_S = 30 * 86400
COLLECTION_CHARS = 64
NOT_FOUND = "这条资料已经找不到了。 / That knowledge entry could not be found."
NOT_YOURS = (
    "只有知识库编辑或添加这条资料的人可以替换、删除或恢复它。 / "
    "Only knowledge editors or the person who added it can replace, remove or restore it."
)
ALREADY_REMOVED = (
    "这条资料已被删除或替换,不能再替换;请先恢复它。 / "
    "That entry was removed or replaced already; restore it first to replace it."
)
NOT_YOUR_FILE = (
    "只能添加你自己上传的文件;请把文件重新上传给 opsbot。 / "
    "You can only add files you uploaded yourself; please upload the file to opsbot again."
)
TOO_OLD = "删除超过 30 天的资料无法恢复。 / Entries removed more than 30 days ago cannot be restored."
THREAD_TOO_LONG = (
    "这个讨论太长(超过 {limit:,} 字),没有保存;请把要点写成文档再添加。 / "
    "That thread holds more than {limit:,} characters and was not saved; add its gist as a document instead."
)
BAD_COLLECTION = (
    "分类名最多 64 个字,且只能是一行文字。 / A collection name is one line of at most 64 characters."
)


class NotYourFile(NotAllowed):
    """A Slack file someone else uploaded: a forged file id must not teach opsbot another person's file."""


PLAYBOOK_IS_READ_ONLY = (
    f"「{PLAYBOOK_COLLECTION}」是服务器上只读的手册文件,请换一个分类名。 / "
    f"{PLAYBOOK_COLLECTION} is the read-only playbook on the server; please choose another collection."
)


class InvalidCollection(OpsbotError):
    """A collection name that is too long, not one line of text, or the playbook's."""


def collection_from(text: str) -> str | None:
    """The collection an editor typed (e.g. 活动方案), kept as typed; None (the kind's default) when empty."""
    if "\n" in text.strip() or "\r" in text.strip() or "›" in text:
        raise InvalidCollection(BAD_COLLECTION)
    name = inline_text(text, COLLECTION_CHARS + 1)
    if len(name) > COLLECTION_CHARS or any(not ch.isprintable() for ch in name):
        raise InvalidCollection(BAD_COLLECTION)
    # The playbook is answered from in every channel, whatever its scope: nothing added from Slack joins it.
    if collection_key(name) == collection_key(PLAYBOOK_COLLECTION):
        raise InvalidCollection(PLAYBOOK_IS_READ_ONLY)
    return name or None


def _require_own_file(user: str, uploaded_by: str | None) -> None:
    """Slack's bot token reads every file opsbot can see; only the file's uploader may teach it."""
    if uploaded_by is not None and uploaded_by != user:
        raise NotYourFile(NOT_YOUR_FILE)


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
        usage: KnowledgeUsage | None = None,
    ) -> None:
        self._usage = usage
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

    def require_thread_saver(self, user: str, channel: str) -> None:
        """An editor who is in the channel: a signed payload may still name a channel its sender cannot read."""
        self.require_editor(user)
        if not channel or not self._people.is_member(channel, user):
            raise NotInChannel(NOT_IN_CHANNEL)

    def learn_thread(self, user: str, channel: str, entry: ThreadEntry) -> KnowledgeSource:
        """A saved Slack thread, stored under its own title in its collection ("讨论" unless named)."""
        self.require_thread_saver(user, channel)
        if not inline_text(entry.title):
            raise ThreadUnavailable(NO_TITLE)
        if entry.messages == 0:
            raise ThreadUnavailable(NOTHING_SAID)
        if len(entry.body) > self._limits.max_chars:  # the same bound as a shared file's text
            raise ThreadUnavailable(THREAD_TOO_LONG.format(limit=self._limits.max_chars))
        source = KnowledgeSource(
            source_id=uuid.uuid4().hex,
            kind=THREAD,
            title=inline_text(entry.title, 200),
            body=entry.body,
            campaign_id=None,
            channel=channel,
            created_by=user,
            created_at=self._clock.now().timestamp(),
            collection=collection_from(entry.collection or ""),
        )
        self._sources.add(source)
        if self._on_learned is not None:
            self._on_learned()
        return source

    def learn_answer(self, user: str, title: str, body: str, source_id: str = "") -> KnowledgeSource:
        """An editor's answer to a knowledge gap ("Answer this"): Markdown under its title, in "问答".

        `source_id` lets the caller claim the gaps it answers under the entry's id before storing it.
        """
        self.require_editor(user)
        source = KnowledgeSource(
            source_id=source_id or uuid.uuid4().hex,
            kind=ANSWER,
            title=inline_text(title, 200),
            body=body.replace("\r\n", "\n").strip(),
            campaign_id=None,
            channel="",
            created_by=user,
            created_at=self._clock.now().timestamp(),
        )
        self._sources.add(source)
        if self._on_learned is not None:
            self._on_learned()
        return source

    def library(self) -> list[KnowledgeSource]:
        """What `/ops docs` lists: every source, and those removed within the restore window."""
        cutoff = self._clock.now().timestamp() - RESTORE_WINDOW_S
        return [s for s in self._sources.all() if s.deleted_at is None or s.deleted_at >= cutoff]

    def usage(self) -> dict[str, SourceUsage]:
        """Citations and 👎 per source over the last 30 days (a source never cited is not in it)."""
        if self._usage is None:
            return {}
        return self._usage.usage(self._clock.now().timestamp() - USAGE_WINDOW_S)

    def check_replace(self, user: str, source_id: str) -> KnowledgeSource:
        """Who may replace an entry: its owner or an editor (as for removing), and only a live entry."""
        source = self._owned_or_edited(user, source_id)
        if source.deleted_at is not None:
            raise NotFound(ALREADY_REMOVED)
        return source

    def replace(
        self,
        user: str,
        source_id: str,
        name: str,
        size: int,
        mimetype: str | None,
        fetch: Callable[[int], bytes],
        uploaded_by: str | None = None,
    ) -> LearnedDocument:
        """A new version under its own title, in the old entry's collection, owned by the replacer.

        Permission, the file's uploader and its size are checked before `fetch` downloads; a file
        that cannot be read raises and the old entry stays as it was.
        """
        old = self.check_replace(user, source_id)
        _require_own_file(user, uploaded_by)
        if size > self._limits.max_bytes:
            raise too_big(size, self._limits.max_bytes)
        new, learned = self._converted(user, old.channel, name, fetch(self._limits.max_bytes), mimetype)
        new = dataclasses.replace(new, collection=old.collection)
        if not self._sources.replace(old.source_id, new, user, self._clock.now().timestamp()):
            raise NotFound(ALREADY_REMOVED)
        if self._on_learned is not None:
            self._on_learned()
        return learned

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

    def check_upload(self, user: str, size: int, uploaded_by: str | None = None) -> None:
        """Before anything is downloaded: the sharer may teach, uploaded the file themselves (when it
        is a Slack file), and the file is within the size limit."""
        self.require_editor(user)
        _require_own_file(user, uploaded_by)
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
        collection: str | None = None,
        uploaded_by: str | None = None,
    ) -> LearnedDocument:
        """A shared file: who shares it, who uploaded it (`uploaded_by`, Slack's `user` of the file;
        None for bytes handed over directly) and its size are checked before `fetch(max_bytes)`."""
        self.check_upload(user, size, uploaded_by)
        return self._store(user, channel, name, fetch(self._limits.max_bytes), mimetype, collection)

    def learn(
        self, user: str, channel: str, filename: str, data: bytes, mimetype: str | None
    ) -> LearnedDocument:
        """Converted, stored and indexed; a file that cannot be read raises and leaves nothing behind."""
        return self.learn_shared(user, channel, filename, len(data), mimetype, lambda _: data)

    def _store(
        self,
        user: str,
        channel: str,
        filename: str,
        data: bytes,
        mimetype: str | None,
        collection: str | None = None,
    ) -> LearnedDocument:
        """The checks are done: convert (which enforces every limit again), store, index."""
        source, learned = self._converted(user, channel, filename, data, mimetype)
        self._sources.add(dataclasses.replace(source, collection=collection))
        if self._on_learned is not None:
            self._on_learned()
        return learned

    def _converted(
        self, user: str, channel: str, filename: str, data: bytes, mimetype: str | None
    ) -> tuple[KnowledgeSource, LearnedDocument]:
        """A file as a new entry, not stored yet; raises for a file that cannot be read."""
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
        learned = LearnedDocument(
            source.source_id, title, converted.kind, converted.sections, converted.chars
        )
        return source, learned

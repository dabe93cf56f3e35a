"""Channel scopes as a use case: which collections a channel answers from, and who may change that.

The playbook (手册) is answered from everywhere and is never part of a scope's rows; a channel with
no rows answers from every collection, and a direct message is never scoped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.domain.answering import Scope
from bot.domain.clock import Clock
from bot.domain.editors import NotAnEditor
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.sources import PLAYBOOK_COLLECTION, KnowledgeSource, collection_key
from bot.services.ports import ChannelScope, ChannelScopeStore

NOT_A_SCOPE_EDITOR = (
    "只有知识库编辑可以修改频道的知识范围。 / Only knowledge editors can change a channel's collections."
)
NOT_IN_A_DM = (
    "私信里总是从全部资料回答,没有范围可改;请在频道里使用这个命令。 / Direct messages always answer "
    "from every collection; use this command in a channel."
)
NOT_A_MEMBER = (
    "你不是这个频道的成员,不能修改它的知识范围。 / "
    "You are not a member of that channel, so you cannot change its collections."
)
PLAYBOOK_STAYS = (
    f"「{PLAYBOOK_COLLECTION}」在每个频道都会被引用,不能移出范围。 / "
    f"The {PLAYBOOK_COLLECTION} (playbook) collection is answered from in every channel and cannot be removed."
)


class SourceList(Protocol):
    def all(self) -> list[KnowledgeSource]:
        """Every run-time source, removed ones included (their `deleted_at` set)."""
        ...


@dataclass(frozen=True)
class CollectionCount:
    name: str
    entries: int


@dataclass(frozen=True)
class ScopeView:
    """What `/ops scope` shows: the channel's collections (empty: all of them) and every collection."""

    channel: str
    collections: list[str]
    existing: list[CollectionCount]

    @property
    def scoped(self) -> bool:
        return bool(self.collections)


@dataclass(frozen=True)
class ScopeChange:
    """What a change did (`changed` False: it was already so) and the channel's scope after it."""

    collection: str
    changed: bool
    view: ScopeView


class UnknownCollection(NotFound):
    """A collection name that no entry is filed under."""


class ScopeService:
    """Add, remove, clear and show a channel's collections; only knowledge editors change them."""

    def __init__(
        self,
        scopes: ChannelScopeStore,
        library: SourceList,
        require_editor: Callable[[str], None],
        clock: Clock,
        is_member: Callable[[str, str], bool],
        playbook_entries: Callable[[], int] = lambda: 0,
    ) -> None:
        self._is_member = is_member
        self._scopes = scopes
        self._library = library
        self._require_editor = require_editor
        self._clock = clock
        self._playbook_entries = playbook_entries

    def collections_for(self, channel: str) -> Scope:
        return channel_collections(self._scopes, channel)

    def existing(self) -> list[CollectionCount]:
        """The playbook first, then every collection with live entries, the fullest first."""
        counts: dict[str, int] = {}
        for source in self._library.all():
            if source.deleted_at is None:
                counts[source.collection_name] = counts.get(source.collection_name, 0) + 1
        counts.pop(PLAYBOOK_COLLECTION, None)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [CollectionCount(PLAYBOOK_COLLECTION, self._playbook_entries())] + [
            CollectionCount(name, entries) for name, entries in ranked
        ]

    def show(self, channel: str) -> ScopeView:
        rows = [] if _is_direct_message(channel) else self._scopes.for_channel(channel)
        return ScopeView(channel, [row.collection for row in rows], self.existing())

    def add(self, user: str, channel: str, name: str) -> ScopeChange:
        """The collection as it is spelled where it exists; the playbook is always in, so adding it changes nothing."""
        self._check(user, channel)
        existing = self.existing()
        found = next((c.name for c in existing if collection_key(c.name) == collection_key(name)), None)
        if found is None:
            raise UnknownCollection(unknown_collection_text(name, existing))
        if found == PLAYBOOK_COLLECTION:
            return ScopeChange(found, False, self.show(channel))
        now = self._clock.now().timestamp()
        changed = self._scopes.add(ChannelScope(channel, found, user, now))
        return ScopeChange(found, changed, self.show(channel))

    def remove(self, user: str, channel: str, name: str) -> ScopeChange:
        """A collection in the channel's scope (even one whose entries are all gone) is taken out."""
        self._check(user, channel)
        if collection_key(name) == collection_key(PLAYBOOK_COLLECTION):
            raise NotAllowed(PLAYBOOK_STAYS)
        rows = self._scopes.for_channel(channel)
        found = next(
            (r.collection for r in rows if collection_key(r.collection) == collection_key(name)), None
        )
        if found is None:
            raise UnknownCollection(not_in_scope_text(name, [row.collection for row in rows]))
        changed = self._scopes.remove(channel, found)
        return ScopeChange(found, changed, self.show(channel))

    def clear(self, user: str, channel: str) -> ScopeView:
        """Back to answering from every collection."""
        self._check(user, channel)
        self._scopes.clear(channel)
        return self.show(channel)

    def _check(self, user: str, channel: str) -> None:
        """An editor, in the channel: a signed command may still name a channel its sender is not in."""
        if _is_direct_message(channel):
            raise NotAllowed(NOT_IN_A_DM)
        try:
            self._require_editor(user)
        except NotAnEditor:
            raise NotAnEditor(NOT_A_SCOPE_EDITOR) from None
        if not self._is_member(channel, user):
            raise NotAllowed(NOT_A_MEMBER)


def channel_collections(scopes: ChannelScopeStore, channel: str) -> Scope:
    """What a channel answers from: None (everything) for a DM or an unscoped channel, else the
    playbook and the channel's collections."""
    if _is_direct_message(channel):
        return None
    rows = scopes.for_channel(channel)
    if not rows:
        return None
    return frozenset({PLAYBOOK_COLLECTION, *(row.collection for row in rows)})


def _is_direct_message(channel: str) -> bool:
    """Direct-message channel ids start with D; a request without a channel is one too."""
    return not channel or channel.startswith("D")


def _names(names: list[str]) -> str:
    return "、".join(f"「{name}」" for name in names) or "—"


def unknown_collection_text(name: str, existing: list[CollectionCount]) -> str:
    """The reply to a name no entry is filed under, listing the collections there are."""
    shown = name.strip()[:64]
    return (
        f"没有叫「{shown}」的资料集合。现有的集合:{_names([c.name for c in existing])}。 / "
        f"There is no collection named “{shown}”. Existing collections: "
        f"{', '.join(c.name for c in existing)}."
    )


def not_in_scope_text(name: str, in_scope: list[str]) -> str:
    shown = name.strip()[:64]
    return (
        f"「{shown}」不在这个频道的范围里。本频道的范围:{_names(in_scope)}。 / "
        f"“{shown}” is not among this channel's collections: {', '.join(in_scope) or 'none (all collections)'}."
    )

"""The knowledge library without Slack: replacing an entry, collections, counts, and what `/ops docs` shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.domain.clock import FixedClock
from bot.domain.editors import KnowledgeEditors, NotAnEditor
from bot.domain.errors import NotFound
from bot.domain.sources import DOCUMENT, KnowledgeSource
from bot.knowledge.conversion import UnreadableDocument
from bot.services.knowledge import InvalidCollection, KnowledgeService, collection_from
from bot.services.ports import SourceUsage
from bot.slack.library import ENTRY_MENU, library_blocks
from tests.fakes import FakePeople
from tests.unit.test_knowledge_service import NOW, ListedSources

PLAN = "# 618 方案\n\n## 目标\n\n拉新一万人。".encode()
DECK = "# 双十一复盘\n\n## 经验\n\n海报要轮换。".encode()


class RecordedUsage:
    """The counts port: what it was asked for, and fixed answers."""

    def __init__(self, counts: dict[str, SourceUsage]) -> None:
        self.counts = counts
        self.asked_since: list[float] = []

    def usage(self, since: float) -> dict[str, SourceUsage]:
        self.asked_since.append(since)
        return self.counts


def knowledge_service(
    sources: ListedSources, editors: str, clock: FixedClock, usage: RecordedUsage | None = None
) -> KnowledgeService:
    people = FakePeople(admins={"U0ADMIN"}, groups={"S0OPS": {"U0GROUPIE"}})
    return KnowledgeService(sources, KnowledgeEditors.parse(editors), people, clock, 20, usage=usage)


def fetching(data: bytes, fetched: list[int]) -> Callable[[int], bytes]:
    def fetch(max_bytes: int) -> bytes:
        fetched.append(max_bytes)
        return data

    return fetch


def test_the_owner_replaces_an_entry_in_its_collection_and_the_old_one_is_restorable() -> None:
    sources, clock = ListedSources(), FixedClock(NOW)
    learned = knowledge_service(sources, "U0OWNER", clock).learn_shared(
        "U0OWNER", "D0O", "plan.md", len(PLAN), None, lambda _: PLAN, collection="活动方案"
    )
    clock.advance(timedelta(days=1))
    # No longer an editor, but still the owner: may replace, as they may remove.
    knowledge = knowledge_service(sources, "U0EDITOR", clock)
    fetched: list[int] = []
    with pytest.raises(NotAnEditor, match="只有知识库编辑或添加这条资料的人"):
        knowledge.replace(
            "U0STRANGER", learned.source_id, "deck.md", len(DECK), None, fetching(DECK, fetched)
        )
    assert fetched == []  # refused before a byte was downloaded

    new = knowledge.replace("U0OWNER", learned.source_id, "deck.md", len(DECK), None, fetching(DECK, fetched))
    assert new.title == "双十一复盘" and fetched
    old, current = sources.get(learned.source_id), sources.get(new.source_id)
    assert old is not None and old.deleted_at == clock.now().timestamp()
    assert current is not None and current.collection == "活动方案" and current.created_by == "U0OWNER"
    with pytest.raises(NotFound, match="已被删除或替换"):
        knowledge.check_replace("U0EDITOR", learned.source_id)  # the old version is no longer live
    knowledge.restore("U0OWNER", learned.source_id)  # …but restorable


def test_a_file_that_cannot_be_read_leaves_the_entry_as_it_was() -> None:
    sources, clock = ListedSources(), FixedClock(NOW)
    knowledge = knowledge_service(sources, "U0EDITOR", clock)
    learned = knowledge.learn("U0EDITOR", "D0E", "plan.md", PLAN, None)
    garbage = b"MZ\x90\x00" + bytes(range(256)) * 4
    with pytest.raises(UnreadableDocument):
        knowledge.replace("U0EDITOR", learned.source_id, "tool.exe", len(garbage), None, lambda _: garbage)
    assert [(s.source_id, s.deleted_at) for s in sources.all()] == [(learned.source_id, None)]


@pytest.mark.parametrize("typed", ["x" * 65, "活动\n方案", "a › b", "tab\x00bad"])
def test_a_collection_is_one_short_line(typed: str) -> None:
    with pytest.raises(InvalidCollection, match="64"):
        collection_from(typed)


def test_a_collection_is_kept_as_typed_and_empty_means_the_default() -> None:
    assert collection_from("  活动  方案 ") == "活动 方案"
    assert collection_from("   ") is None
    assert collection_from("x" * 64) == "x" * 64


def test_counts_cover_the_last_thirty_days() -> None:
    clock = FixedClock(NOW)
    counts = RecordedUsage({"document:a": SourceUsage(3, 1)})
    knowledge = knowledge_service(ListedSources(), "U0EDITOR", clock, counts)
    assert knowledge.usage() == {"document:a": SourceUsage(3, 1)}
    assert counts.asked_since == [(NOW - timedelta(days=30)).timestamp()]


def entry(number: int, deleted: bool = False) -> KnowledgeSource:
    return KnowledgeSource(
        source_id=f"id{number}",
        kind=DOCUMENT,
        title=f"方案 {number} <!channel>",
        body="",
        campaign_id=None,
        channel="D0E",
        created_by="U0OWNER",
        created_at=NOW.timestamp() + number,
        deleted_at=NOW.timestamp() if deleted else None,
        collection="活动方案" if number % 2 else None,
    )


def test_docs_shows_counts_a_menu_per_live_entry_and_read_only_playbook_files() -> None:
    sources = [entry(1), replace(entry(2), deleted_at=NOW.timestamp())]
    usage = {"document:id1": SourceUsage(4, 2), "knowledge/playbook.md": SourceUsage(7, 0)}
    blocks = library_blocks(sources, ["knowledge/playbook.md", "knowledge/faq/退款.md"], usage)
    live = next(b for b in blocks if "方案 1" in str(b))
    assert "引用 4 次" in live["text"]["text"] and "cited 4×" in live["text"]["text"]
    assert "👎 2" in live["text"]["text"] and "活动方案" in live["text"]["text"]
    assert "<!channel>" not in str(blocks)
    menu = live["accessory"]
    assert menu["type"] == "overflow" and menu["action_id"] == ENTRY_MENU
    assert [o["value"] for o in menu["options"]] == ["replace:id1", "remove:id1"]
    removed = next(b for b in blocks if "方案 2" in str(b))
    assert removed["accessory"]["action_id"] == "knowledge_restore"  # no Replace for a removed entry
    assert "文档" in removed["text"]["text"] and "cited 0×" in removed["text"]["text"]
    playbook = blocks[-1]
    assert "accessory" not in playbook
    assert "`playbook.md` · 近 30 天引用 7 次" in playbook["text"]["text"]
    assert "`faq/退款.md`" in playbook["text"]["text"] and "knowledge/" not in playbook["text"]["text"]


def test_docs_stays_within_slacks_fifty_blocks() -> None:
    sources = [entry(number) for number in range(120)]
    files = [f"knowledge/f{number}.md" for number in range(80)]
    blocks = library_blocks(sources, files, {})
    assert len(blocks) <= 50
    assert "另有 75 条" in str(blocks) and "另有 55 个" in str(blocks)
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if "text" in b)

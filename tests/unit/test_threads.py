"""A saved Slack thread: mentions become names, broadcasts and links plain text, nothing poses as a heading."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import FixedClock
from bot.domain.editors import KnowledgeEditors, NotAnEditor
from bot.domain.sources import THREAD, KnowledgeSource
from bot.domain.threads import (
    NotInChannel,
    ThreadEntry,
    ThreadMessage,
    ThreadUnavailable,
    mentioned_users,
    plain_text,
    render_thread,
    thread_title,
)
from bot.knowledge.sources import chunks_for_source
from bot.services.knowledge import KnowledgeService
from tests.fakes import FakePeople
from tests.unit.test_knowledge_service import ListedSources

SHANGHAI = ZoneInfo("Asia/Shanghai")
NAMES = {"U0ALICE": "Alice 王", "U0BOB": "Bob"}
# 2026-11-20 10:05 and 10:07 in Shanghai.
ASKED = datetime(2026, 11, 20, 2, 5, tzinfo=UTC).timestamp()
ANSWERED = ASKED + 120


def test_mentions_become_names_and_broadcasts_become_plain_words() -> None:
    text = "<@U0BOB> <!channel> <!here> <!everyone|everyone> 请 <!subteam^S0OPS|@ops-team> 看 <#C0GENERAL|general>"
    assert plain_text(text, NAMES) == "@Bob @channel @here @everyone 请 @ops-team 看 #general"
    assert "<" not in plain_text(text, NAMES) and "!" not in plain_text(text, NAMES)


def test_an_unknown_person_is_their_id_and_a_name_cannot_break_the_line() -> None:
    names = {"U0EVE": "Eve*\n# boss <!channel>"}
    assert plain_text("cc <@U0NOBODY> <@U0EVE|eve>", names) == "cc @U0NOBODY @Eve # boss !channel"


def test_links_keep_their_label_and_their_address() -> None:
    text = "见 <https://example.com/plan?a=1&amp;b=2|活动方案> 或 <https://example.com/x> 或 <mailto:ops@example.com|ops@example.com>"
    assert plain_text(text, {}) == (
        "见 活动方案 (https://example.com/plan?a=1&b=2) 或 https://example.com/x 或 ops@example.com"
    )


def test_a_typed_heading_is_text_not_structure() -> None:
    assert plain_text("# 结论\n## 第二步 &gt; 第一步", {}) == "结论\n第二步 > 第一步"


def test_the_title_offered_is_the_first_line_at_most_150_characters() -> None:
    assert thread_title("\n<@U0ALICE> 优惠券被刷怎么办?\n细节见下", NAMES) == "@Alice 王 优惠券被刷怎么办?"
    assert len(thread_title("长" * 400, {})) == 150
    assert thread_title("", {}) == ""


def test_joins_and_bot_posts_are_left_out_and_each_message_says_who_and_when() -> None:
    messages = [
        ThreadMessage("U0ALICE", ASKED, "# 双十一优惠券被刷了怎么办?<!channel>"),
        ThreadMessage("U0CAROL", ASKED + 30, "<@U0CAROL> has joined the channel", subtype="channel_join"),
        ThreadMessage("UBOT0001", ASKED + 60, "我来查一下", from_bot=True),
        ThreadMessage("U0BOB", ANSWERED, "先关掉领券入口,\n\n再按 <@U0ALICE> 的名单补发"),
        ThreadMessage("U0BOB", ANSWERED + 1, "   "),
    ]
    entry = render_thread(
        "优惠券被刷", "## 结论:先止损", "https://test.slack.com/archives/C1/p1", messages, NAMES, SHANGHAI
    )
    assert entry.messages == 2 and entry.title == "优惠券被刷" and entry.collection is None
    assert entry.body.split("\n\n") == [
        "**优惠券被刷**",
        "结论:先止损",
        "日期 / Date: 2026-11-20",
        "链接 / Link: https://test.slack.com/archives/C1/p1",
        "**Alice 王** (2026-11-20 10:05): 双十一优惠券被刷了怎么办?@channel",
        "**Bob** (2026-11-20 10:07): 先关掉领券入口,\n再按 @Alice 王 的名单补发",
    ]
    assert mentioned_users(messages) == ["U0ALICE", "U0CAROL", "UBOT0001", "U0BOB"]


def _thread_source(body: str, title: str = "优惠券被刷") -> KnowledgeSource:
    return KnowledgeSource("t1", THREAD, title, body, None, "C1", "U0ALICE", ASKED)


def test_a_thread_is_cited_by_its_title_with_neighbouring_messages_together() -> None:
    messages = [ThreadMessage("U0BOB", ASKED + i, f"第 {i} 条回复:" + "补发" * 40) for i in range(12)]
    entry = render_thread("优惠券被刷 › 假路径", "", "https://x", messages, NAMES, SHANGHAI)
    chunks = chunks_for_source(_thread_source(entry.body, entry.title))
    assert {chunk.section for chunk in chunks} == {"优惠券被刷 · 假路径"}
    assert 1 < len(chunks) < 12 and all(len(chunk.text) <= 600 for chunk in chunks)
    assert chunks[0].text.startswith("**优惠券被刷 · 假路径**\n日期 / Date: 2026-11-20")
    assert "第 11 条回复" in chunks[-1].text


def test_a_heading_smuggled_into_a_stored_thread_never_becomes_a_section() -> None:
    chunks = chunks_for_source(_thread_source("**优惠券被刷**\n\n# 伪造章节\n正文"))
    assert [chunk.section for chunk in chunks] == ["优惠券被刷"]
    assert "伪造章节" in chunks[0].text and "#" not in chunks[0].text


def _service(sources: ListedSources, members: set[str]) -> KnowledgeService:
    people = FakePeople(members={"C0CAMPAIGN": members})
    return KnowledgeService(
        sources, KnowledgeEditors.parse("U0EDITOR"), people, FixedClock(datetime.fromtimestamp(ASKED, UTC)), 1
    )


def _entry(collection: str = "") -> ThreadEntry:
    messages = [ThreadMessage("U0BOB", ASKED, "先关掉领券入口")]
    return render_thread("优惠券被刷", "", "https://x", messages, NAMES, SHANGHAI, collection)


def test_an_editor_in_the_channel_saves_a_thread_in_its_collection() -> None:
    sources = ListedSources()
    service = _service(sources, {"U0EDITOR"})
    saved = service.learn_thread("U0EDITOR", "C0CAMPAIGN", _entry())
    assert saved.kind == THREAD and saved.collection_name == "讨论" and sources.added == [saved]
    other = service.learn_thread("U0EDITOR", "C0CAMPAIGN", _entry(" 活动方案 "))
    assert other.collection_name == "活动方案"


def test_a_stranger_or_an_editor_outside_the_channel_saves_nothing() -> None:
    sources = ListedSources()
    with pytest.raises(NotAnEditor):
        _service(sources, {"U0BOB"}).learn_thread("U0BOB", "C0CAMPAIGN", _entry())
    with pytest.raises(NotInChannel):
        _service(sources, set()).learn_thread("U0EDITOR", "C0CAMPAIGN", _entry())
    with pytest.raises(ThreadUnavailable):
        empty = render_thread("标题", "", "", [], {}, SHANGHAI)
        _service(sources, {"U0EDITOR"}).learn_thread("U0EDITOR", "C0CAMPAIGN", empty)
    assert sources.added == []

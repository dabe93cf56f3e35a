"""Nothing opsbot posts can notify a channel or a person, however the text arrives: `safe()` and the
guard that releases streamed LLM text."""

from __future__ import annotations

import re

import pytest

from bot.domain.models import Answer, Chunk, Passage
from bot.slack.blocks import SECTION_LIMIT, answer_blocks, answer_fallback_text, safe
from bot.slack.responder import StreamGuard

# What Slack would turn into a notification or a link if it reached a message as written.
LIVE = re.compile(r"[<>]|[@＠](channel|here|everyone)", re.IGNORECASE)


@pytest.mark.parametrize(
    "text",
    [
        "<!channel> 活动上线了",
        "<!here|here> 看一下",
        "<!everyone>",
        "<@U0BOSS> 负责审批",
        "<@W0BOB|bob>",
        "<!subteam^S0OPS|@ops> 跟进",
        "<#C0WEEKLY|weekly>",
        "@channel 活动上线了",
        "@here, please look",
        "@Everyone!",
        "请 @here注意",
        "＠here 注意",
        "<https://evil.example|click>",
    ],
)
def test_mentions_and_markup_are_neutralised(text: str) -> None:
    made_safe = safe(text)
    assert not LIVE.search(made_safe), made_safe
    assert made_safe.replace("\u200b", "").replace("&lt;", "<").replace("&gt;", ">") == text


def test_ampersands_and_angle_brackets_are_escaped_once() -> None:
    assert safe("A&B <b> 1 > 0") == "A&amp;B &lt;b&gt; 1 &gt; 0"
    assert safe("&lt;!here&gt;") == "&amp;lt;!here&amp;gt;"


def test_plain_text_is_untouched() -> None:
    text = "活动预热:提前告知用户上线时间 [1]。Email ops@example.com"
    assert safe(text) == text


def test_long_text_is_cut_to_the_limit_with_an_ellipsis() -> None:
    assert safe("预" * 10, limit=5) == "预预预预…"
    assert len(safe("x" * 100_000)) == SECTION_LIMIT
    assert safe("x" * SECTION_LIMIT) == "x" * SECTION_LIMIT


def test_a_cut_never_leaves_half_an_escape_or_half_a_neutralised_mention() -> None:
    assert safe("ab<<<<", limit=8) == "ab&lt;…"  # not "ab&lt;&…"
    assert safe("ab<<<<", limit=6) == "ab…"  # not "ab&lt…"
    assert not LIVE.search(safe("x" * 10 + "@here", limit=12))


def test_empty_huge_and_binary_text() -> None:
    assert safe("") == ""
    huge = safe("<!channel>" * 50_000, limit=SECTION_LIMIT)
    assert len(huge) <= SECTION_LIMIT and not LIVE.search(huge)
    binary = safe("\x00\x01PNG\x1a\x7f\udcff 活动\n第二行\t完")
    assert binary == "PNG 活动\n第二行\t完"


def test_a_reply_to_small_talk_is_its_text_alone() -> None:
    greeting = Answer("hi", "Hi! I'm opsbot <@U0X>", [], "en", kind="small_talk")
    assert answer_blocks(greeting, "a1", shareable=True) == [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Hi! I'm opsbot &lt;@U0X&gt;", "verbatim": True},
        }
    ]
    assert answer_fallback_text(greeting) == "Hi! I'm opsbot &lt;@U0X&gt;"


def test_a_cited_answer_keeps_its_sources_and_buttons() -> None:
    passage = Passage(Chunk("c1", "knowledge/playbook.md", "手册 › 活动运营 › 宣传推广", "预热"), 0.9)
    rendered = str(answer_blocks(Answer("q", "预热 [1]", [passage]), "a1", shareable=True))
    assert "宣传推广" in rendered and "feedback_up" in rendered and "share_answer" in rendered


# -- the stream guard ----------------------------------------------------------------------------


def _stream(pieces: list[str]) -> list[str]:
    guard = StreamGuard()
    return [guard.feed(piece) for piece in pieces] + [guard.flush()]


def test_a_mention_split_across_pieces_is_never_released_half_made() -> None:
    released = _stream(["提醒 @he", "re 和 <!chan", "nel> 都要审批。"])
    assert released[0] == "提醒 "
    assert not any(LIVE.search(piece) for piece in released)
    assert "".join(released) == safe("提醒 @here 和 <!channel> 都要审批。")


@pytest.mark.parametrize("word", ["@here", "@channel", "@everyone", "<!channel>", "<@U0BOSS>", "@here注意"])
def test_every_split_point_of_a_mention_stays_inert(word: str) -> None:
    text = f"活动上线前 {word} 要先审批。"
    for cut in range(len(text) + 1):
        released = _stream([text[:cut], text[cut:]])
        assert not any(LIVE.search(piece) for piece in released), (cut, released)
        assert "".join(released) == safe(text, limit=100_000)


def test_text_is_held_back_only_to_the_next_word_boundary() -> None:
    guard = StreamGuard()
    assert guard.feed("预热最简单的方式是") == ""
    assert guard.feed("提前告知,再加") == "预热最简单的方式是提前告知,"
    assert guard.flush() == "再加"
    assert guard.flush() == ""


def test_flush_releases_the_rest_safely() -> None:
    guard = StreamGuard()
    assert guard.feed("最后 @here") == "最后 "
    assert guard.flush() == "@\u200bhere"


def test_related_reading_is_listed_under_a_not_covered_answer_never_as_sources() -> None:
    near = Passage(Chunk("c", "knowledge/playbook.md", "手册 › 活动运营 › 效果评估", "复盘。"), 0.5)
    answer = Answer(
        "GMV 预测怎么做?", "手册没有讲 GMV 预测;相关的内容有:效果评估。", [], "zh", related=[near]
    )
    shown = str(answer_blocks(answer, "a1"))
    assert "相关内容:" in shown and "• 手册 › 活动运营 › 效果评估" in shown and "[1]" not in shown
    assert "相关内容:\n• 手册 › 活动运营 › 效果评估" in answer_fallback_text(answer)
    assert "pick_section" not in shown

"""Saving a Slack thread as knowledge: the "Save to knowledge" message shortcut, its modal, the save.

Every request is signed as Slack signs it; a valid signature is not permission, so strangers,
channels the saver is not in and threads opsbot cannot read are each refused with a private reply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.adapters.knowledge_source_store import SqlKnowledgeSources
from bot.domain.clock import FixedClock
from bot.domain.sources import THREAD, KnowledgeSource
from bot.settings import Settings
from tests.slack.conftest import RunningBot, running_bot
from tests.slack.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack
from tests.slack.review_modal import FORM, payload_body

EDITOR, STRANGER = "U0EDITOR", "U0BOB"
ROOT, REPLY = "1800005000.000100", "1800005060.000100"
TITLE = "双十一直播间抽奖口令"
LIVE_MENTION = re.compile(r"<!(?:channel|here|everyone)|<!subteam|(?<![\w\u200b])@(?:channel|here|everyone)")

THREAD_MESSAGES: list[dict[str, Any]] = [
    {"type": "message", "user": "U0ALICE", "ts": ROOT, "thread_ts": ROOT, "reply_count": 4,
     "text": f"{TITLE}是什么?直播前要发给主播 <@{EDITOR}>"},
    {"type": "message", "subtype": "channel_join", "user": "U0CAROL", "ts": "1800005010.000100",
     "thread_ts": ROOT, "text": "<@U0CAROL> has joined the channel"},
    {"type": "message", "user": STRANGER, "ts": REPLY, "thread_ts": ROOT,
     "text": "<!channel> 口令是「海豚蓝莓七号」,只在 <#C0LIVE|live-room> 公布\n# 不要外传"},
    {"type": "message", "bot_id": "B0OTHER", "user": "U0OTHERBOT", "ts": "1800005070.000100",
     "thread_ts": ROOT, "text": "<!here> 我是别的机器人"},
    {"type": "message", "user": EDITOR, "ts": "1800005120.000100", "thread_ts": ROOT,
     "text": "收到,流程见 <https://wiki.example.com/live|直播 SOP>,<!subteam^S0OPS|@ops-team> 请知悉"},
]  # fmt: skip


@pytest.fixture
def saving_bot(slack_settings: Settings, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[RunningBot]:
    """opsbot with one knowledge editor; #campaign holds a thread of five messages (two not spoken)."""
    settings = slack_settings.model_copy(update={"knowledge_editors": EDITOR})
    fake_slack.members["C0CAMPAIGN"] = [BOT_USER_ID, EDITOR, STRANGER, "U0ALICE", "U0CAROL"]
    fake_slack.members["C0SECRET"] = [BOT_USER_ID, "U0ALICE"]
    fake_slack.names.update({EDITOR: "Eddie 编辑", STRANGER: "Bob 李", "U0ALICE": "Alice 王"})
    fake_slack.thread_messages[("C0CAMPAIGN", ROOT)] = THREAD_MESSAGES
    fake_slack.replies_page_size = 2  # the parent and one reply per page: the save must follow the cursor
    with running_bot(settings, fake_slack, clock) as running:
        yield running


def use_shortcut(bot: RunningBot, user: str, channel: str = "C0CAMPAIGN", on: str = REPLY) -> int:
    """A click on "Save to knowledge" in a message's menu: Slack's `message_action` payload."""
    message = next(m for m in THREAD_MESSAGES if m["ts"] == on)
    payload = {
        "type": "message_action",
        "token": "legacy-verification-token",
        "action_ts": "1800005200.000001",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID, "name": user.lower()},
        "channel": {"id": channel, "name": "campaign"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "save_to_knowledge",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "response_url": bot.slack.response_url("sc"),
        "message_ts": on,
        "message": message,
    }
    return bot.post(payload_body(payload), FORM).status


def opened_view(bot: RunningBot) -> dict[str, Any]:
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("views.open")))
    view = bot.slack.called("views.open")[-1].params["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def submit(
    bot: RunningBot,
    user: str,
    title: str,
    summary: str = "",
    collection: str = "讨论",
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A signed `view_submission` of the save_thread modal; the acknowledgement's JSON ({} when none)."""
    private = metadata if metadata is not None else {"channel": "C0CAMPAIGN", "thread_ts": ROOT}
    values = {
        name: {"value": {"type": "plain_text_input", "value": value}}
        for name, value in (("title", title), ("summary", summary), ("collection", collection))
    }
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0OPSBOT",
        "trigger_id": "13345224609.738474920.8088930838d88f008e1",
        "view": {
            "id": "V0SAVE",
            "type": "modal",
            "callback_id": "save_thread",
            "private_metadata": json.dumps(private),
            "blocks": [],
            "state": {"values": values},
        },
    }
    reply = bot.post(payload_body(payload), FORM)
    assert reply.status == 200
    return dict(reply.json()) if reply.body else {}


def saved(bot: RunningBot) -> list[KnowledgeSource]:
    return [s for s in SqlKnowledgeSources(bot.runtime.engine).all() if s.kind == THREAD]


def private_texts(bot: RunningBot) -> list[str]:
    """What people were told privately: ephemeral messages and direct messages."""
    return [str(c.params.get("text")) for c in bot.slack.called("chat.postEphemeral")] + [
        str(c.params.get("text")) for c in bot.slack.called("chat.postMessage")
    ]


def everything_posted(bot: RunningBot) -> str:
    return "\n".join(
        json.dumps(call.params, ensure_ascii=False)
        for call in bot.slack.calls
        if call.method.startswith(("chat.", "/response/"))
    )


def test_an_editor_saves_a_thread_and_the_next_answer_cites_it(saving_bot: RunningBot) -> None:
    bot = saving_bot
    assert use_shortcut(bot, EDITOR) == 200
    view = opened_view(bot)
    assert view["callback_id"] == "save_thread"
    assert json.loads(view["private_metadata"]) == {"channel": "C0CAMPAIGN", "thread_ts": ROOT}
    fields = {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}
    assert fields["title"]["element"]["initial_value"] == f"{TITLE}是什么?直播前要发给主播 @Eddie 编辑"
    assert fields["summary"]["optional"] and fields["summary"]["element"]["multiline"]
    assert fields["collection"]["element"]["initial_value"] == "讨论"
    # Only the thread's first message was read before the modal opened, never the whole thread.
    assert [c.params.get("limit") for c in bot.slack.called("conversations.replies")] == ["1"]

    assert submit(bot, EDITOR, TITLE, summary="## 口令只给主播") == {}
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.postEphemeral")), timeout=30)
    confirmation = bot.slack.called("chat.postEphemeral")[0].params
    assert confirmation["channel"] == "C0CAMPAIGN" and confirmation["user"] == EDITOR
    assert (
        f"已保存讨论《{TITLE}》(3 条消息" in confirmation["text"]
        and "Saved the thread" in confirmation["text"]
    )

    [entry] = saved(bot)
    assert entry.title == TITLE and entry.collection_name == "讨论" and entry.created_by == EDITOR
    assert entry.body.split("\n\n") == [
        f"**{TITLE}**",
        "口令只给主播",
        "日期 / Date: 2027-01-15",
        f"链接 / Link: https://test.slack.com/archives/C0CAMPAIGN/p{ROOT.replace('.', '')}",
        f"**Alice 王** (2027-01-15 17:23): {TITLE}是什么?直播前要发给主播 @Eddie 编辑",
        "**Bob 李** (2027-01-15 17:24): @channel 口令是「海豚蓝莓七号」,只在 #live-room 公布\n不要外传",
        "**Eddie 编辑** (2027-01-15 17:25): 收到,流程见 直播 SOP (https://wiki.example.com/live),"
        "@ops-team 请知悉",
    ]
    cursors = [c.params.get("cursor") for c in bot.slack.called("conversations.replies")][1:]
    assert cursors == [None, "1", "2", "3"]

    bot.command("ask 直播间抽奖口令是什么?", user=STRANGER, response="ask")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("ask")), timeout=30)
    answer = str(bot.slack.responses("ask")[-1]["blocks"])
    assert TITLE in answer and f"thread:{entry.source_id}" in answer and "海豚蓝莓七号" in answer
    posted = everything_posted(bot)
    assert "@\u200bchannel" in posted and LIVE_MENTION.search(posted) is None


def test_someone_who_is_not_an_editor_is_refused_and_nothing_opens_or_is_saved(
    saving_bot: RunningBot,
) -> None:
    bot = saving_bot
    assert use_shortcut(bot, STRANGER) == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("sc")))
    assert "只有知识库编辑可以添加资料" in bot.slack.responses("sc")[0]["text"]
    assert bot.slack.responses("sc")[0]["response_type"] == "ephemeral"

    # The modal's submission, forged by the same person, is refused too: in a direct message.
    assert submit(bot, STRANGER, TITLE) == {}
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.postMessage")))
    refusal = bot.slack.called("chat.postMessage")[0].params
    assert refusal["channel"] == STRANGER and "只有知识库编辑" in refusal["text"]
    assert bot.slack.called("views.open") == [] and bot.slack.called("conversations.replies") == []
    assert saved(bot) == []


def test_a_channel_the_editor_is_not_in_is_refused_before_anything_is_read(saving_bot: RunningBot) -> None:
    bot = saving_bot
    bot.slack.thread_messages[("C0SECRET", ROOT)] = THREAD_MESSAGES
    assert use_shortcut(bot, EDITOR, channel="C0SECRET", on=ROOT) == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("sc")))
    assert "你不是这个频道的成员" in bot.slack.responses("sc")[0]["text"]

    assert submit(bot, EDITOR, TITLE, metadata={"channel": "C0SECRET", "thread_ts": ROOT}) == {}
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.postMessage")))
    assert "You are not a member of that channel" in bot.slack.called("chat.postMessage")[0].params["text"]
    assert bot.slack.called("views.open") == [] and bot.slack.called("conversations.replies") == []
    assert saved(bot) == []


@pytest.mark.parametrize(
    ("title", "metadata", "shown"),
    [
        ("   ", None, "请填写标题"),
        (TITLE, {"channel": "C0CAMPAIGN"}, "这个表单已失效"),
    ],
)
def test_an_empty_title_or_a_form_that_is_not_ours_keeps_the_modal_open(
    saving_bot: RunningBot, title: str, metadata: dict[str, str] | None, shown: str
) -> None:
    reply = submit(saving_bot, EDITOR, title, metadata=metadata)
    assert reply["response_action"] == "errors" and shown in reply["errors"]["title"]
    assert saving_bot.runtime.responder.drain(timeout=30)
    assert saved(saving_bot) == [] and saving_bot.slack.called("conversations.replies") == []


def test_a_collection_name_too_long_is_shown_under_its_field(saving_bot: RunningBot) -> None:
    reply = submit(saving_bot, EDITOR, TITLE, collection="活动" * 40)
    assert reply["response_action"] == "errors" and "collection" in reply["errors"]
    assert saved(saving_bot) == []


@pytest.mark.parametrize(
    ("fault", "told"),
    [
        ("not_in_channel", "opsbot 不在这个频道里"),
        ("thread_not_found", "找不到这个讨论"),
        ("http500", "Slack 暂时没有返回这个讨论"),
    ],
)
def test_a_thread_opsbot_cannot_read_gets_a_clear_reply_and_nothing_is_stored(
    saving_bot: RunningBot, fault: str, told: str
) -> None:
    bot = saving_bot
    if fault == "not_in_channel":
        bot.slack.unreadable_channels["C0CAMPAIGN"] = fault
    elif fault == "thread_not_found":
        bot.slack.missing_threads.add(("C0CAMPAIGN", ROOT))
    else:
        bot.slack.fail_next("conversations.replies", fault)
    assert submit(bot, EDITOR, TITLE) == {}
    assert bot.slack.wait_for(lambda: bool(private_texts(bot)), timeout=30)
    [reply] = private_texts(bot)
    assert told in reply and "nothing was saved" in reply
    assert bot.slack.called("chat.postMessage")[0].params["channel"] == EDITOR
    assert saved(bot) == []


def test_the_shortcut_says_why_when_the_modal_cannot_be_opened(saving_bot: RunningBot) -> None:
    bot = saving_bot
    bot.slack.unreadable_channels["C0CAMPAIGN"] = "not_in_channel"
    assert use_shortcut(bot, EDITOR, on=REPLY) == 200  # the first message is read for the title
    assert bot.slack.wait_for(lambda: len(bot.slack.responses("sc")) == 1)
    assert "opsbot 不在这个频道里" in bot.slack.responses("sc")[0]["text"]

    bot.slack.unreadable_channels.clear()
    bot.slack.fail_next("views.open", "fatal_error")  # e.g. the trigger expired
    assert use_shortcut(bot, EDITOR, on=ROOT) == 200
    assert bot.slack.wait_for(lambda: len(bot.slack.responses("sc")) == 2)
    assert "请再点一次" in bot.slack.responses("sc")[1]["text"]
    assert bot.slack.called("views.open") == [] and saved(bot) == []

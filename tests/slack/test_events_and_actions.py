"""Direct messages, mentions and buttons through the real Bolt app: once, in a thread, never a broadcast."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.adapters.state_store import feedback
from tests.slack.conftest import RunningBot, signed_headers
from tests.slack.fake_slack import BOT_ID, BOT_USER_ID


def dm(text: str, ts: str = "1800000100.000100", user: str = "U0ALICE", **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": "D0ALICE",
        "user": user,
        "text": text,
        "ts": ts,
        **extra,
    }


def mention(text: str, ts: str = "1800000200.000100") -> dict[str, Any]:
    return {
        "type": "app_mention",
        "channel": "C0CAMPAIGN",
        "user": "U0ALICE",
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
    }


def posts(bot: RunningBot) -> list[dict[str, Any]]:
    return [call.params for call in bot.slack.called("chat.postMessage")]


def settle(bot: RunningBot) -> None:
    """Wait until the answer workers are idle, so work that should NOT happen would have shown itself.

    Which messages are answered is decided before the acknowledgement (a Bolt matcher), so once the
    request has returned, whatever was accepted has been handed to the workers.
    """
    assert bot.runtime.responder.drain(timeout=30)


def test_a_direct_message_is_answered_in_its_thread_with_a_working_reaction(bot: RunningBot) -> None:
    assert bot.event(dm("拉新有哪些渠道?"), "Ev100").status == 200
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1)
    reply = posts(bot)[0]
    assert (reply["channel"], reply["thread_ts"]) == ("D0ALICE", "1800000100.000100")
    assert "互联网运营大揭秘 › 用户运营 › 拉新" in str(reply["blocks"])
    assert bot.slack.wait_for(lambda: len(bot.slack.called("reactions.remove")) == 1)
    added = bot.slack.called("reactions.add")[0]
    assert added.params["name"] == "eyes" and added.params["timestamp"] == "1800000100.000100"
    assert (
        added.at <= bot.slack.called("chat.postMessage")[0].at <= bot.slack.called("reactions.remove")[0].at
    )


def test_a_mention_is_answered_in_a_thread_under_it(bot: RunningBot) -> None:
    bot.event(mention("what should we check after a campaign ends?"), "Ev200")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1)
    reply = posts(bot)[0]
    assert (reply["channel"], reply["thread_ts"]) == ("C0CAMPAIGN", "1800000200.000100")
    assert "Here is what the playbook says" in reply["text"] and "效果评估" in str(reply["blocks"])


def test_retries_and_double_deliveries_are_answered_once(bot: RunningBot) -> None:
    event = dm("活动预热怎么做?", ts="1800000300.000100")
    assert bot.event(event, "Ev300").status == 200
    assert bot.event(event, "Ev300", retry=1).status == 200
    assert bot.event(event, "Ev300", retry=2).status == 200
    both = mention("活动预热怎么做?", ts="1800000400.000100")
    bot.event(both, "Ev400")
    bot.event({**both, "type": "message", "channel_type": "channel"}, "Ev401")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 2)
    settle(bot)
    assert sorted(post["thread_ts"] for post in posts(bot)) == ["1800000300.000100", "1800000400.000100"]


def test_the_bot_never_answers_itself_or_other_bots(bot: RunningBot) -> None:
    bot.event(dm("活动怎么预热", user=BOT_USER_ID), "Ev500")
    bot.event(dm("活动怎么预热", ts="1800000501.000100", bot_id="B0OTHER", user="U0OTHERBOT"), "Ev501")
    bot.event(dm("活动怎么预热", ts="1800000502.000100", subtype="bot_message", bot_id=BOT_ID), "Ev502")
    bot.event(dm("活动怎么预热", ts="1800000503.000100", subtype="message_changed"), "Ev503")
    settle(bot)
    assert posts(bot) == []


def test_broadcast_mentions_are_never_posted_live(bot: RunningBot, tmp_path: Path) -> None:
    knowledge = bot.settings.knowledge_dir / "risky.md"
    knowledge.write_text(
        "# 通知规范\n\n## 群发\n\n群发通知前 <!channel> 和 @here 都要先审批,<@U0BOSS> 负责。\n", "utf-8"
    )
    bot.container.knowledge.refresh()
    bot.event(dm("<!channel> <!here|here> <!subteam^S123|ops-team> <@U0CAROL> 群发通知要注意什么?"), "Ev600")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1)
    posted = str(posts(bot)[0])
    assert "审批" in posted
    for live in ("<!channel>", "<!here", "<!everyone>", "<!subteam", "<@U0BOSS>", "<@U0CAROL>", "@here"):
        assert live not in posted


def test_unknown_events_and_malformed_bodies_get_2xx_or_4xx_and_the_server_goes_on(bot: RunningBot) -> None:
    assert bot.event({"type": "emoji_changed", "subtype": "add", "name": "party"}, "Ev700").status == 200
    assert bot.event({"type": "reaction_added", "user": "U0ALICE", "reaction": "+1"}, "Ev701").status == 200
    body = b'{"type": "event_callback", "event": {'
    assert 400 <= bot.post(body, "application/json", signed_headers(body)).status < 500
    assert 400 <= bot.post(b"\xff\xfe\x00", "application/json", signed_headers(b"\xff\xfe\x00")).status < 500
    assert bot.get("/healthz").status == 200
    assert bot.get("/nowhere").status == 404
    settle(bot)
    assert posts(bot) == []


def test_an_empty_mention_and_a_huge_message_get_clear_replies(bot: RunningBot) -> None:
    bot.event({**mention(""), "text": f"<@{BOT_USER_ID}>"}, "Ev800")
    bot.event(dm("问" * 40_000, ts="1800000801.000100"), "Ev801")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 2)
    texts = sorted(post["text"] for post in posts(bot))
    assert any("empty" in text for text in texts) and any("40,000" in text for text in texts)


def test_rate_limited_posts_are_retried_after_retry_after(bot: RunningBot) -> None:
    bot.slack.rate_limited["chat.postMessage"] = 1
    bot.event(dm("用户留存怎么做?", ts="1800000900.000100"), "Ev900")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1, timeout=20)
    limited = bot.slack.called("chat.postMessage#429")[0]
    delivered = bot.slack.called("chat.postMessage")[0]
    assert delivered.at - limited.at >= 0.9
    settle(bot)
    assert len(posts(bot)) == 1


def test_follow_ups_in_a_dm_thread_use_the_thread(bot: RunningBot) -> None:
    bot.slack.thread_messages[("D0ALICE", "1800001000.000100")] = [
        {"ts": "1800001000.000100", "user": "U0ALICE", "text": "活动预热怎么做?"},
        {"ts": "1800001001.000100", "bot_id": BOT_ID, "text": "手册里是这样说的…"},
        {"ts": "1800001002.000100", "user": "U0ALICE", "text": "那具体要提前告知什么?"},
    ]
    bot.event(dm("那具体要提前告知什么?", ts="1800001002.000100", thread_ts="1800001000.000100"), "Ev1000")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1)
    reply = posts(bot)[0]
    assert reply["thread_ts"] == "1800001000.000100"
    assert "宣传推广" in str(reply["blocks"])


def test_votes_are_recorded_and_acknowledged_to_the_clicker_only(bot: RunningBot) -> None:
    bot.command("ask 活动怎么预热")
    assert bot.slack.wait_for(lambda: len(bot.slack.responses()) >= 1)
    answer_id = bot.slack.responses()[0]["blocks"][-1]["elements"][1]["value"]
    assert bot.action("feedback_up", answer_id, user="U0BOB").status == 200
    assert bot.action("feedback_down", answer_id, user="U0CAROL", response="a2").status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("a1")) and bool(bot.slack.responses("a2")))
    thanks = bot.slack.responses("a1")[0]
    assert thanks["response_type"] == "ephemeral" and thanks["replace_original"] is False
    state = bot.runtime.responder._state
    assert state.votes(answer_id) == {"U0BOB": "up", "U0CAROL": "down"}
    with state._engine.connect() as db:
        assert len(db.execute(select(feedback)).all()) == 2


def test_sharing_posts_the_answer_in_the_channel_and_removes_the_private_copy(bot: RunningBot) -> None:
    bot.command("ask 活动怎么预热")
    assert bot.slack.wait_for(lambda: len(bot.slack.responses()) >= 1)
    answer_id = bot.slack.responses()[0]["blocks"][-1]["elements"][0]["value"]
    bot.action("share_answer", answer_id, user="U0ALICE", response="share")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1 and bool(bot.slack.responses("share")))
    shared = posts(bot)[0]
    assert shared["channel"] == "C0CAMPAIGN" and "<@U0ALICE>" in str(shared["blocks"])
    assert "share_answer" not in str(shared["blocks"])
    assert bot.slack.responses("share")[0] == {"delete_original": True}


def test_the_messages_tab_greets_once_with_suggested_questions(bot: RunningBot) -> None:
    opened = {"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "messages"}
    bot.event(opened, "Ev1100")
    bot.event(opened, "Ev1101")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1)
    assert "ask_suggested_0" in str(posts(bot)[0]["blocks"])
    bot.action("ask_suggested_0", "活动上线前怎么预热?", user="U0ALICE")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 2)
    settle(bot)
    assert len(posts(bot)) == 2 and "宣传推广" in str(posts(bot)[1]["blocks"])


def test_slackbot_is_never_answered(bot: RunningBot) -> None:
    removed = dm(
        "You have been removed from #campaign by <@U0ADMIN>", user="USLACKBOT", ts="1800001200.000100"
    )
    assert bot.event(removed, "Ev1200").status == 200
    settle(bot)
    assert posts(bot) == [] and bot.slack.called("reactions.add") == []


def test_a_reply_also_sent_to_the_dm_is_answered_once_in_its_thread(bot: RunningBot) -> None:
    root = "1800001300.000100"
    broadcast = dm(
        "活动预热怎么做?",
        ts="1800001301.000100",
        subtype="thread_broadcast",
        thread_ts=root,
        root={"type": "message", "user": "U0ALICE", "text": "问个问题", "ts": root, "thread_ts": root},
    )
    bot.event(broadcast, "Ev1300")
    bot.event({**mention("活动预热怎么做?", ts="1800001301.000100"), "channel": "D0ALICE"}, "Ev1301")
    replied = dm("", ts=root, subtype="message_replied", message={"ts": root, "thread_ts": root})
    bot.event({k: v for k, v in replied.items() if k != "user"}, "Ev1302")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1)
    settle(bot)
    (reply,) = posts(bot)
    assert (reply["channel"], reply["thread_ts"]) == ("D0ALICE", root)
    assert "宣传推广" in str(reply["blocks"])


def test_greetings_get_a_friendly_reply_saying_what_opsbot_does(bot: RunningBot) -> None:
    bot.event(dm("Hi there!", ts="1800001400.000100"), "Ev1400")
    bot.event(mention("你好", ts="1800001401.000100"), "Ev1401")
    bot.event(dm("waves", ts="1800001402.000100", subtype="me_message"), "Ev1402")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 3)
    replies = {post["thread_ts"]: post for post in posts(bot)}
    english, chinese, emote = (replies[f"180000140{i}.000100"] for i in range(3))
    assert "Here is what I can do" in english["text"] and "`/ops remind me" in english["text"]
    assert "我是 opsbot" in chinese["text"] and "`/ops checklist" in chinese["text"]
    assert "Here is what I can do" in emote["text"]
    for reply in (english, chinese, emote):
        assert "does not cover" not in reply["text"] and "手册里没有" not in reply["text"]
        assert [block["type"] for block in reply["blocks"]] == ["section"]  # nothing to vote on


def test_a_remind_command_typed_with_full_width_spaces_is_a_reminder(bot: RunningBot) -> None:
    bot.command("remind\u3000me\u3000tomorrow 9am 交活动方案", response="full-width")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("full-width")))
    confirmation = bot.slack.responses("full-width")[0]["text"]
    assert confirmation.startswith("⏰") and "交活动方案 ✔" in confirmation

"""Checklists in Slack: drafted by /ops checklist, ticked through signed block_actions, kept in the database."""

from __future__ import annotations

import json
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from bot.adapters.schema import campaigns
from tests.slack.conftest import Reply, RunningBot
from tests.waiting import wait_until


def post_checklist(
    bot: RunningBot, text: str = "双十二拉新活动,目标新增1万注册 launch 2026-12-12 end 2026-12-14"
) -> dict[str, Any]:
    reply = bot.command(f"checklist {text}", response="cl")
    assert reply.status == 200 and "生成活动清单" in reply.json()["text"]
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.postMessage")))
    # Slack has the message before opsbot has stored its ts; a click needs the stored one.
    assert wait_until(lambda: posted_checklists(bot) > 0)
    return bot.slack.called("chat.postMessage")[0].params


def posted_checklists(bot: RunningBot) -> int:
    with bot.runtime.engine.connect() as db:
        return int(db.execute(select(func.count()).where(campaigns.c.message_ts != "")).scalar_one())


def tick(
    bot: RunningBot,
    message_blocks: list[dict[str, Any]],
    block_id: str,
    selected: list[str],
    user: str,
    channel: str = "C0CAMPAIGN",
) -> Reply:
    block = next(b for b in message_blocks if b.get("block_id") == block_id)
    element = block["elements"][0]
    options = {o["value"]: o for o in element["options"]}
    action = {
        "type": "checkboxes",
        "action_id": element["action_id"],
        "block_id": block_id,
        "selected_options": [options[value] for value in selected],
    }
    return bot.message_action(action, user, channel, "tick", message_blocks)


def test_the_checklist_is_posted_in_the_channel_with_stages_owners_and_progress(bot: RunningBot) -> None:
    message = post_checklist(bot)
    assert message["channel"] == "C0CAMPAIGN"
    rendered = json.dumps(message["blocks"], ensure_ascii=False)
    assert "0/19 done" in rendered and "用户拉新" in rendered
    for stage in ("目的", "活动策划", "资源确认", "宣传推广", "执行跟踪", "效果评估"):
        assert f"*{stage}*" in rendered
    assert "拉新渠道投放:微信、微博、百度、地推" in rendered
    assert rendered.count('"users_select"') == 6 and "Export Markdown" in rendered
    groups = [b["elements"][0] for b in message["blocks"] if b.get("block_id", "").startswith("items:")]
    assert all(len(group["options"]) <= 10 for group in groups)


def test_ticks_persist_and_update_the_message_in_place(bot: RunningBot) -> None:
    message = post_checklist(bot)
    blocks = message["blocks"]
    block_id = next(
        b["block_id"]
        for b in blocks
        if b.get("block_id", "").startswith("items:") and ":promotion:" in b["block_id"]
    )
    group = next(b for b in blocks if b.get("block_id") == block_id)["elements"][0]["options"]
    assert tick(bot, blocks, block_id, [group[0]["value"]], "U0ALICE").status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.update")))
    update = bot.slack.called("chat.update")[-1].params
    assert (update["ts"] == bot.slack.called("chat.postMessage")[0].params and False) or update[
        "channel"
    ] == "C0CAMPAIGN"
    assert "1/19 done" in json.dumps(update["blocks"], ensure_ascii=False)


def test_two_people_ticking_different_items_at_once_both_keep_their_tick(bot: RunningBot) -> None:
    message = post_checklist(bot)
    blocks = message["blocks"]
    block_id = next(
        b["block_id"]
        for b in blocks
        if b.get("block_id", "").startswith("items:") and ":promotion:" in b["block_id"]
    )
    options = next(b for b in blocks if b.get("block_id") == block_id)["elements"][0]["options"]
    # Both saw the same message with nothing ticked; each ticks a different item at the same moment.
    with ThreadPoolExecutor(max_workers=2) as pool:
        replies = list(
            pool.map(
                lambda pair: tick(bot, blocks, block_id, [pair[0]], pair[1]),
                [(options[0]["value"], "U0ALICE"), (options[1]["value"], "U0BOB")],
            )
        )
    assert all(reply.status == 200 for reply in replies)
    assert bot.slack.wait_for(
        lambda: any(
            "2/19 done" in json.dumps(c.params["blocks"], ensure_ascii=False)
            for c in bot.slack.called("chat.update")
        )
    )
    last = bot.slack.called("chat.update")[-1].params
    assert "2/19 done" in json.dumps(last["blocks"], ensure_ascii=False)


def test_bad_requests_get_a_private_message_saying_what_to_fix(bot: RunningBot) -> None:
    bot.command("checklist 拉新活动 launch 2026-12-14 end 2026-12-12", response="bad1")
    bot.command("checklist 拉新活动 launch 2026-02-30", response="bad2")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("bad1")) and bool(bot.slack.responses("bad2")))
    assert "早于上线日期" in bot.slack.responses("bad1")[0]["text"]
    assert "not a real date" in bot.slack.responses("bad2")[0]["text"]
    assert bot.slack.called("chat.postMessage") == []


def test_channel_checklists_are_listed_and_exported_as_markdown(bot: RunningBot) -> None:
    post_checklist(bot)
    bot.command("checklists", response="list")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("list")))
    listing = bot.slack.responses("list")[0]
    assert "双十二拉新活动" in json.dumps(listing["blocks"], ensure_ascii=False)
    campaign_id = listing["blocks"][0]["accessory"]["value"]
    bot.action("checklist_export", campaign_id, response="export")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("export")))
    exported = bot.slack.responses("export")[0]["text"]
    assert "# 双十二拉新活动" in exported and "- [ ] 复盘整个活动" in exported


def test_choosing_a_stage_owner_persists_and_shows_in_the_message(bot: RunningBot) -> None:
    message = post_checklist(bot)
    owner_picker = next(
        b["accessory"] for b in message["blocks"] if b.get("accessory", {}).get("type") == "users_select"
    )
    payload = {
        "type": "block_actions",
        "team": {"id": "T0000001"},
        "user": {"id": "U0LEAD"},
        "api_app_id": "A0OPSBOT",
        "channel": {"id": "C0CAMPAIGN"},
        "message": {"ts": "1800000001.000100", "blocks": message["blocks"]},
        "response_url": bot.slack.response_url("owner"),
        "actions": [
            {
                "type": "users_select",
                "action_id": owner_picker["action_id"],
                "block_id": "b1",
                "selected_user": "U0CAROL",
            }
        ],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    assert bot.post(body, "application/x-www-form-urlencoded").status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.update")))
    updated = bot.slack.called("chat.update")[-1].params["blocks"]
    assert (
        next(b["accessory"] for b in updated if b.get("accessory", {}).get("type") == "users_select")[
            "initial_user"
        ]
        == "U0CAROL"
    )


def test_a_signed_tick_from_another_channel_changes_nothing(bot: RunningBot) -> None:
    message = post_checklist(bot)
    blocks = message["blocks"]
    block_id = next(b["block_id"] for b in blocks if b.get("block_id", "").startswith("items:"))
    group = next(b for b in blocks if b.get("block_id") == block_id)["elements"][0]["options"]
    assert tick(bot, blocks, block_id, [group[0]["value"]], "U0EVE", channel="C0ELSEWHERE").status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("tick")))
    assert "找不到这个清单" in bot.slack.responses("tick")[0]["text"]
    assert bot.runtime.responder.drain(10)
    assert not bot.slack.called("chat.update")


LIVE = ("<!", "<@", "<#", "<http", "<mailto")


def live_mentions(params: dict[str, Any]) -> list[str]:
    """Every `text` Slack would parse for mentions and links (the message text and mrkdwn) that has one."""
    found = [str(params.get("text", ""))]
    stack: list[Any] = [params.get("blocks") or []]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(str(node.get("text", "")))
            stack.extend(value for value in node.values() if isinstance(value, dict | list))
    return [text for text in found if any(marker in text for marker in LIVE)]


def test_a_campaign_name_never_notifies_anyone(bot: RunningBot) -> None:
    name = "<!channel> 双十二 <@U123> <!subteam^S0TEAM> <https://evil.example|x>"
    message = post_checklist(bot, f"{name} launch 2026-12-12 end 2026-12-14")
    assert live_mentions(message) == []
    assert "双十二" in message["text"] and "&lt;!channel&gt;" in message["text"]
    block_id = next(b["block_id"] for b in message["blocks"] if b.get("block_id", "").startswith("items:"))
    first = next(b for b in message["blocks"] if b.get("block_id") == block_id)["elements"][0]["options"][0]
    assert tick(bot, message["blocks"], block_id, [first["value"]], "U0ALICE").status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.update")))
    for call in bot.slack.called("chat.postMessage") + bot.slack.called("chat.update"):
        assert live_mentions(call.params) == [], call.params["text"]
    assert "1/" in bot.slack.called("chat.update")[-1].params["text"]

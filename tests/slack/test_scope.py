"""`/ops scope` through signed requests: an editor limits a channel to some collections, and from then
on that channel's answers cite only them and the playbook, while a direct message still cites all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.adapters.knowledge_source_store import SqlKnowledgeSources
from bot.adapters.scope_store import SqlChannelScopes
from bot.domain.clock import FixedClock
from bot.settings import Settings
from tests.integration.test_scoped_retrieval import LIVESTREAM, PLAN
from tests.slack.conftest import RunningBot, running_bot
from tests.slack.fake_slack import DEFAULT_MEMBERS, FakeSlack
from tests.slack.test_events_and_actions import dm, mention

EDITOR, STRANGER = "U0EDITOR", "U0STRANGER"
LIVESTREAM_QUESTION = "直播间选品有什么规则?"


@pytest.fixture
def scoped_bot(slack_settings: Settings, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[RunningBot]:
    """A bot whose database holds a campaign plan (活动方案) and a livestream handbook (文档)."""
    settings = slack_settings.model_copy(update={"knowledge_editors": EDITOR})
    fake_slack.members["C0CAMPAIGN"] = [*DEFAULT_MEMBERS, EDITOR, STRANGER]
    with running_bot(settings, fake_slack, clock) as running:
        sources = SqlKnowledgeSources(running.runtime.engine)
        sources.add(PLAN)
        sources.add(LIVESTREAM)
        running.container.knowledge.refresh()
        yield running


def private_reply(bot: RunningBot, name: str) -> dict[str, Any]:
    assert bot.slack.wait_for(lambda: len(bot.slack.responses(name)) >= 1), f"no reply on {name}"
    return bot.slack.responses(name)[0]


def scope_rows(bot: RunningBot) -> list[str]:
    return [row.collection for row in SqlChannelScopes(bot.runtime.engine).for_channel("C0CAMPAIGN")]


def posts(bot: RunningBot) -> list[dict[str, Any]]:
    return [call.params for call in bot.slack.called("chat.postMessage")]


def test_a_scoped_channel_cites_only_its_collections_and_a_dm_still_cites_everything(
    scoped_bot: RunningBot,
) -> None:
    bot = scoped_bot
    assert bot.command("scope", user=STRANGER, response="show").status == 200
    shown = private_reply(bot, "show")
    assert shown["response_type"] == "ephemeral"
    assert "本频道从全部集合回答" in shown["text"]
    assert "• 活动方案 · 1 条" in shown["text"] and "• 文档 · 1 条" in shown["text"]

    bot.command("scope add 活动方案", user=EDITOR, response="add")
    added = private_reply(bot, "add")
    assert added["response_type"] == "ephemeral"
    assert "已把「活动方案」加入本频道的范围" in added["text"] and "「手册」、「活动方案」" in added["text"]
    assert scope_rows(bot) == ["活动方案"]

    bot.command(f"ask {LIVESTREAM_QUESTION}", response="excluded")
    excluded = private_reply(bot, "excluded")
    assert "这个频道的范围里没有;「文档」里有相关内容" in excluded["text"]
    assert "〔文档〕" not in str(excluded["blocks"]) and LIVESTREAM.source not in str(excluded["blocks"])

    bot.command("ask 618 大促预热期每天做什么?", response="plan")
    plan = private_reply(bot, "plan")
    assert f"[1] 〔活动方案〕618 大促方案 › 预热节奏    `{PLAN.source}`" in plan["text"]

    bot.command("ask 活动上线前怎么预热?", response="playbook")
    assert "〔手册〕互联网运营大揭秘 › 活动运营 › 宣传推广" in private_reply(bot, "playbook")["text"]

    assert bot.event(mention(LIVESTREAM_QUESTION), "Ev-scope-mention").status == 200
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1)
    in_channel = posts(bot)[0]
    assert in_channel["channel"] == "C0CAMPAIGN" and "「文档」里有相关内容" in in_channel["text"]

    assert bot.event(dm(LIVESTREAM_QUESTION), "Ev-scope-dm").status == 200
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 2)
    direct = posts(bot)[1]
    assert direct["channel"] == "D0ALICE"
    assert f"〔文档〕直播带货操作手册 › 直播间选品规则    `{LIVESTREAM.source}`" in direct["text"]

    bot.command("scope clear", user=EDITOR, response="clear")
    assert "本频道从全部集合回答" in private_reply(bot, "clear")["text"]
    bot.command(f"ask {LIVESTREAM_QUESTION}", response="again")
    assert "〔文档〕直播带货操作手册 › 直播间选品规则" in private_reply(bot, "again")["text"]


def test_someone_who_is_not_an_editor_is_refused_politely(scoped_bot: RunningBot) -> None:
    bot = scoped_bot
    bot.command("scope add 活动方案", user=STRANGER, response="refused")
    refused = private_reply(bot, "refused")
    assert refused["response_type"] == "ephemeral"
    assert "只有知识库编辑可以修改频道的知识范围" in refused["text"]
    assert scope_rows(bot) == []


def test_an_unknown_collection_gets_a_reply_listing_the_existing_ones(scoped_bot: RunningBot) -> None:
    bot = scoped_bot
    bot.command("scope add 活动计划", user=EDITOR, response="unknown")
    text = private_reply(bot, "unknown")["text"]
    assert "没有叫「活动计划」的资料集合" in text
    assert all(name in text for name in ("手册", "活动方案", "文档"))
    bot.command("scope remove 手册", user=EDITOR, response="playbook")
    assert "不能移出范围" in private_reply(bot, "playbook")["text"]
    bot.command("scope add <!here> 活动方案", user=EDITOR, response="broadcast")
    assert "<!here>" not in private_reply(bot, "broadcast")["text"]
    assert scope_rows(bot) == []

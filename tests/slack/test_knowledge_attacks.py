"""Teaching opsbot, attacked by someone who holds the signing secret: every request below is validly
signed, but the user, channel, ids and private_metadata are whatever the attacker chose.

A valid signature is not permission: a file id is learned only from the person who uploaded it, a
channel's scope is changed only by an editor in it, and a modal delivered twice acts once.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from bot.adapters.knowledge_source_store import SqlKnowledgeSources
from bot.adapters.scope_store import SqlChannelScopes
from bot.domain.clock import FixedClock
from bot.domain.sources import THREAD
from bot.services.ports import ChannelScope
from bot.settings import Settings
from tests.slack.conftest import BOT_TOKEN, RunningBot, running_bot
from tests.slack.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack
from tests.slack.review_modal import FORM, payload_body
from tests.slack.test_learning import DOCUMENTS, DOCX, PLAN_TITLE, downloads, share
from tests.slack.test_library import button_value, dms_to, opened_view, submit, uploaded
from tests.slack.test_save_thread import ROOT, THREAD_MESSAGES
from tests.slack.test_save_thread import submit as submit_thread
from tests.slack.test_unsure_answers import _stored_unsure_answer as stored_unsure_answer

EDITOR, OWNER, VICTIM = "U0EDITOR", "U0OWNER", "U0ALICE"
NOT_YOUR_FILE = "只能添加你自己上传的文件"
HR_PAGE = (DOCUMENTS / "campaign_page.html").read_bytes()


@pytest.fixture
def attacked_bot(slack_settings: Settings, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[RunningBot]:
    """Two editors; #campaign has the editor in it and a thread, #secret has neither editor."""
    settings = slack_settings.model_copy(update={"knowledge_editors": f"{EDITOR},{OWNER}"})
    fake_slack.bot_token = BOT_TOKEN
    fake_slack.members["C0CAMPAIGN"] = [BOT_USER_ID, EDITOR, VICTIM]
    fake_slack.members["C0SECRET"] = [BOT_USER_ID, VICTIM]
    fake_slack.thread_messages[("C0CAMPAIGN", ROOT)] = THREAD_MESSAGES
    with running_bot(settings, fake_slack, clock) as running:
        yield running


def stored(bot: RunningBot) -> list[Any]:
    return SqlKnowledgeSources(bot.runtime.engine).all()


def someone_elses_file(bot: RunningBot) -> dict[str, Any]:
    """A file another person (not an editor) uploaded somewhere opsbot can see it, e.g. a private
    HR page; the attacker names its id as if their own upload held it."""
    return uploaded(bot, "F0HRPRIVATE", "salaries.html", "text/html", HR_PAGE, by=VICTIM)


def test_an_upload_form_naming_someone_elses_file_is_refused_before_a_byte_is_read(
    attacked_bot: RunningBot,
) -> None:
    bot = attacked_bot
    bot.command("learn", user=EDITOR, response="learn")
    view = opened_view(bot, 0)
    assert submit(bot, view, EDITOR, [someone_elses_file(bot)]).status == 200
    assert bot.slack.wait_for(lambda: bool(dms_to(bot, EDITOR)), timeout=30)
    assert NOT_YOUR_FILE in dms_to(bot, EDITOR)[0]
    assert downloads(bot) == [] and stored(bot) == []


def test_a_forged_replace_naming_someone_elses_file_leaves_the_entry_as_it_was(
    attacked_bot: RunningBot,
) -> None:
    bot = attacked_bot
    plan = bot.slack.share_file(
        "F0PLAN", "plan.docx", DOCX, (DOCUMENTS / "campaign_plan.docx").read_bytes(), OWNER
    )
    share(bot, OWNER, plan, "1800006000.000100", "EvAttack1")
    assert bot.slack.wait_for(lambda: len(stored(bot)) == 1, timeout=30)
    (entry,) = stored(bot)
    forged = {"type": "modal", "callback_id": "knowledge_replace",
              "private_metadata": json.dumps({"source": entry.source_id}),
              "blocks": [{"type": "input", "block_id": "file"}]}  # fmt: skip
    # The owner may replace their entry, but not with a file someone else uploaded.
    assert submit(bot, forged, OWNER, [someone_elses_file(bot)]).status == 200
    assert bot.slack.wait_for(lambda: bool(dms_to(bot, OWNER)), timeout=30)
    assert NOT_YOUR_FILE in dms_to(bot, OWNER)[-1]
    assert len(downloads(bot)) == 1  # only the plan, when its owner shared it
    assert [(s.title, s.deleted_at) for s in stored(bot)] == [(PLAN_TITLE, None)]


def test_a_forged_direct_message_sharing_someone_elses_file_learns_nothing(
    attacked_bot: RunningBot,
) -> None:
    bot = attacked_bot
    forged = {**someone_elses_file(bot), "user": EDITOR}  # the event's copy says whatever it likes
    share(bot, EDITOR, forged, "1800006100.000100", "EvAttack2")
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.postEphemeral")), timeout=30)
    assert NOT_YOUR_FILE in str(bot.slack.called("chat.postEphemeral")[0].params["text"])
    assert downloads(bot) == [] and stored(bot) == []


def test_a_save_thread_submission_delivered_twice_saves_one_entry_and_confirms_once(
    attacked_bot: RunningBot,
) -> None:
    bot = attacked_bot
    assert submit_thread(bot, EDITOR, "直播口令") == {}
    assert submit_thread(bot, EDITOR, "直播口令") == {}  # the same view (V0SAVE) again
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.postEphemeral")), timeout=30)
    assert bot.runtime.responder.drain(timeout=30)
    assert [s.title for s in stored(bot) if s.kind == THREAD] == ["直播口令"]
    assert len(bot.slack.called("chat.postEphemeral")) == 1


def test_an_upload_submission_delivered_twice_learns_each_file_once(attacked_bot: RunningBot) -> None:
    bot = attacked_bot
    bot.command("learn", user=EDITOR, response="learn")
    view = opened_view(bot, 0)
    plan = uploaded(bot, "F0UPTWICE", "plan.docx", DOCX, (DOCUMENTS / "campaign_plan.docx").read_bytes())
    assert submit(bot, view, EDITOR, [plan]).status == 200
    assert submit(bot, view, EDITOR, [plan]).status == 200
    assert bot.slack.wait_for(lambda: bool(dms_to(bot, EDITOR)), timeout=30)
    assert bot.runtime.responder.drain(timeout=30)
    assert [s.title for s in stored(bot)] == [PLAN_TITLE] and len(downloads(bot)) == 1
    assert len(dms_to(bot, EDITOR)) == 1


def signed_command(bot: RunningBot, text: str, user: str, channel: str, response_url: str) -> None:
    """`/ops …` as Slack signs it, from whichever channel and with whichever response URL the sender names."""
    form = {"token": "legacy", "team_id": TEAM_ID, "channel_id": channel, "channel_name": "x",
            "user_id": user, "user_name": "x", "command": bot.settings.slash_command, "text": text,
            "response_url": response_url, "trigger_id": "1.2.3", "api_app_id": "A0OPSBOT"}  # fmt: skip
    assert bot.post(urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded").status == 200


def scope_command(bot: RunningBot, text: str, user: str, channel: str, response: str) -> dict[str, Any]:
    signed_command(bot, f"scope {text}", user, channel, bot.slack.response_url(response))
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses(response)), timeout=30)
    return bot.slack.responses(response)[0]


def test_an_editor_cannot_change_the_scope_of_a_channel_they_are_not_in(attacked_bot: RunningBot) -> None:
    bot = attacked_bot
    plan = bot.slack.share_file(
        "F0PLAN", "plan.docx", DOCX, (DOCUMENTS / "campaign_plan.docx").read_bytes(), EDITOR
    )
    share(bot, EDITOR, plan, "1800006200.000100", "EvAttack3")
    assert bot.slack.wait_for(lambda: len(stored(bot)) == 1, timeout=30)

    scopes = SqlChannelScopes(bot.runtime.engine)
    scopes.add(ChannelScope("C0SECRET", "活动方案", VICTIM, 0.0))  # #secret's own choice
    refused = scope_command(bot, "add 文档", EDITOR, "C0SECRET", "secret")
    assert "你不是这个频道的成员" in refused["text"] and refused["response_type"] == "ephemeral"
    for verb in ("clear", "remove 活动方案"):
        assert "你不是这个频道的成员" in scope_command(bot, verb, EDITOR, "C0SECRET", verb.split()[0])["text"]
    assert [row.collection for row in scopes.for_channel("C0SECRET")] == ["活动方案"]

    added = scope_command(bot, "add 文档", EDITOR, "C0CAMPAIGN", "campaign")  # their own channel
    assert "已把「文档」加入本频道的范围" in added["text"]
    assert [row.collection for row in scopes.for_channel("C0CAMPAIGN")] == ["文档"]


def test_a_response_url_that_is_not_slacks_gets_nothing(attacked_bot: RunningBot) -> None:
    """Another host (here the same server under another name) never receives a reply or a probe."""
    bot = attacked_bot
    elsewhere = bot.slack.response_url("leak").replace("127.0.0.1", "localhost")
    signed_command(bot, "docs", EDITOR, "C0CAMPAIGN", elsewhere)
    signed_command(bot, "docs", EDITOR, "C0CAMPAIGN", bot.slack.response_url("docs"))
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("docs")), timeout=30)
    assert bot.runtime.responder.drain(timeout=30)
    assert "知识库" in bot.slack.responses("docs")[0]["text"]
    assert bot.slack.responses("leak") == []


def forged_button(
    bot: RunningBot, action_id: str, value: str, user: str, channel: str, response: str
) -> None:
    """A click on a button under a message in a thread of `channel`, as Slack signs it."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user},
        "api_app_id": "A0OPSBOT",
        "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "is_ephemeral": False},
        "trigger_id": "123.456",
        "response_url": bot.slack.response_url(response),
        "message": {"ts": "1800006300.000100", "text": "answer"},
        "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button"}],
    }
    assert bot.post(payload_body(payload), FORM).status == 200


def test_an_answer_is_never_shared_into_a_channel_the_asker_is_not_in(attacked_bot: RunningBot) -> None:
    bot = attacked_bot
    bot.command("ask 活动怎么预热?", user=EDITOR, response="ask")
    assert bot.slack.wait_for(lambda: any("blocks" in r for r in bot.slack.responses("ask")), timeout=30)
    answer = next(r for r in bot.slack.responses("ask") if "blocks" in r)
    answer_id = button_value(answer, "share_answer")

    forged_button(bot, "share_answer", answer_id, EDITOR, "C0SECRET", "secret")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("secret")), timeout=30)
    assert "你不在这个频道里" in bot.slack.responses("secret")[0]["text"]
    assert [c for c in bot.slack.called("chat.postMessage") if c.params["channel"] == "C0SECRET"] == []

    forged_button(bot, "share_answer", answer_id, EDITOR, "C0CAMPAIGN", "campaign")  # their own channel
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.postMessage")), timeout=30)
    assert [c.params["channel"] for c in bot.slack.called("chat.postMessage")] == ["C0CAMPAIGN"]


def test_nothing_added_from_slack_joins_the_playbook_which_every_scoped_channel_answers_from(
    attacked_bot: RunningBot,
) -> None:
    bot = attacked_bot
    bot.command("learn", user=EDITOR, response="learn")
    view = opened_view(bot, 0)
    plan = uploaded(bot, "F0PLAYBOOK", "plan.docx", DOCX, (DOCUMENTS / "campaign_plan.docx").read_bytes())
    upload = submit(bot, view, EDITOR, [plan], collection="手册").json()
    assert upload["response_action"] == "errors" and "只读的手册" in upload["errors"]["collection"]
    thread = submit_thread(bot, EDITOR, "直播口令", collection=" 手册 ")
    assert thread["response_action"] == "errors" and "只读的手册" in thread["errors"]["collection"]
    assert bot.runtime.responder.drain(timeout=30)
    assert stored(bot) == [] and downloads(bot) == []


def test_a_pick_of_an_unsure_answer_is_never_posted_into_a_channel_the_asker_is_not_in(
    attacked_bot: RunningBot,
) -> None:
    bot = attacked_bot
    answer_id, _ = stored_unsure_answer(bot, asked_by=EDITOR)
    forged_button(bot, "pick_section_0", f"{answer_id}:0", EDITOR, "C0SECRET", "pick")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("pick")), timeout=30)
    assert "你不在这个频道里" in bot.slack.responses("pick")[0]["text"]
    assert bot.runtime.responder.drain(timeout=30)
    assert bot.slack.called("chat.postMessage") == []


def test_a_thread_longer_than_any_document_may_be_is_refused_and_nothing_is_stored(
    attacked_bot: RunningBot,
) -> None:
    bot = attacked_bot
    root = "1800006400.000100"
    flood = [
        {
            "type": "message",
            "user": VICTIM,
            "ts": f"18000064{i:02d}.000100",
            "thread_ts": root,
            "text": "刷" * 40_000,
        }
        for i in range(60)
    ]  # Slack's longest message, 60 times: 2.4 million characters
    bot.slack.thread_messages[("C0CAMPAIGN", root)] = flood
    assert submit_thread(bot, EDITOR, "刷屏", metadata={"channel": "C0CAMPAIGN", "thread_ts": root}) == {}
    assert bot.slack.wait_for(lambda: bool(dms_to(bot, EDITOR)), timeout=60)
    assert "这个讨论太长" in dms_to(bot, EDITOR)[0]
    assert stored(bot) == []

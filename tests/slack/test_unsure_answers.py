"""An unsure answer (two near-tied sections) offers both as buttons; a click answers with the one meant."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from bot.adapters.state_store import SqlStateStore
from bot.domain.models import Answer, Passage
from bot.slack.blocks import answer_blocks
from tests.slack.conftest import RunningBot, signed_headers
from tests.slack.fake_slack import TEAM_ID

RETENTION = "互联网运营大揭秘 › 用户运营 › 留存"
ACQUISITION = "互联网运营大揭秘 › 用户运营 › 拉新"
THREAD = "1800000300.000100"


def _section(bot: RunningBot, section: str) -> Passage:
    passage = bot.container.answerer._sections.passage(section)  # type: ignore[union-attr]
    assert passage is not None
    return passage


def _stored_unsure_answer(bot: RunningBot, asked_by: str = "U0ALICE") -> tuple[str, Answer]:
    """What the pipeline keeps for an unsure answer: both sections, `unsure` set."""
    sources = [_section(bot, RETENTION), _section(bot, ACQUISITION)]
    answer = Answer("用户不来了怎么办", "你是想问「留存」还是「拉新」?", sources, "zh", unsure=True)
    answer_id = SqlStateStore(bot.runtime.engine).save_answer(answer.question, answer.to_record(), asked_by)
    return answer_id, answer


def _click(
    bot: RunningBot, value: str, index: int = 0, ephemeral: bool = False, user: str = "U0ALICE"
) -> int:
    """A block_actions payload shaped like Slack's: a thread reply's button, or a private answer's."""
    container: dict[str, Any] = {"type": "message", "channel_id": "C0CAMPAIGN", "is_ephemeral": ephemeral}
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0OPSBOT",
        "channel": {"id": "C0CAMPAIGN", "name": "campaign"},
        "container": container,
        "trigger_id": "123.456",
        "response_url": bot.slack.response_url("pick"),
        "actions": [
            {
                "action_id": f"pick_section_{index}",
                "block_id": f"pick:{value.partition(':')[0]}",
                "value": value,
                "type": "button",
                "action_ts": "1800000400.000200",
            }
        ],
    }
    if not ephemeral:
        container["message_ts"] = "1800000301.000100"
        payload["message"] = {"ts": "1800000301.000100", "thread_ts": THREAD, "text": "answer"}
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    return bot.post(body, "application/x-www-form-urlencoded", signed_headers(body)).status


def _posts(bot: RunningBot) -> list[dict[str, Any]]:
    return [call.params for call in bot.slack.called("chat.postMessage")]


def test_an_unsure_answer_offers_each_section_and_a_click_answers_with_that_one(bot: RunningBot) -> None:
    answer_id, answer = _stored_unsure_answer(bot)
    buttons = [b for b in answer_blocks(answer, answer_id) if b.get("block_id") == f"pick:{answer_id}"]
    assert [(e["text"]["text"], e["value"]) for e in buttons[0]["elements"]] == [
        ("留存", f"{answer_id}:0"),
        ("拉新", f"{answer_id}:1"),
    ]
    shared = answer_blocks(answer, answer_id, shared_by="U0ALICE")
    assert "pick_section_0" not in str(shared)

    # Someone else seeing the buttons may not pick for the asker (a forged user id included).
    assert _click(bot, f"{answer_id}:1", ephemeral=True, user="U0BOB") == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("pick")))
    assert "只有提问的人" in bot.slack.responses("pick")[0]["text"] and _posts(bot) == []

    # A click under a thread reply answers in that thread with the section picked, alone.
    assert _click(bot, f"{answer_id}:1") == 200
    assert bot.slack.wait_for(lambda: len(_posts(bot)) == 1)
    reply = _posts(bot)[0]
    assert (reply["channel"], reply["thread_ts"]) == ("C0CAMPAIGN", THREAD)
    assert ACQUISITION in str(reply["blocks"]) and RETENTION not in str(reply["blocks"])
    assert "pick_section" not in str(reply["blocks"])

    # A click under a private answer (a slash command's) replaces it.
    assert _click(bot, f"{answer_id}:0", ephemeral=True) == 200
    assert bot.slack.wait_for(lambda: len(bot.slack.responses("pick")) == 2)
    replaced = bot.slack.responses("pick")[-1]
    assert replaced["replace_original"] is True and replaced["response_type"] == "ephemeral"
    assert RETENTION in str(replaced["blocks"]) and ACQUISITION not in str(replaced["blocks"])
    assert len(_posts(bot)) == 1


def test_forged_picks_post_nothing_and_say_the_answer_is_gone(bot: RunningBot) -> None:
    answer_id, _ = _stored_unsure_answer(bot)
    plain = Answer("拉新", "手册里是这样说的", [_section(bot, ACQUISITION)], "zh")
    plain_id = SqlStateStore(bot.runtime.engine).save_answer(plain.question, plain.to_record(), "U0ALICE")
    forged = [f"{answer_id}:7", f"{answer_id}:-1", f"{answer_id}:x", f"{plain_id}:0", "nope:0", ":0", ""]
    for value in forged:
        assert _click(bot, value, ephemeral=True) == 200
    assert bot.slack.wait_for(lambda: len(bot.slack.responses("pick")) == len(forged))
    assert bot.runtime.responder.drain(timeout=30)
    assert _posts(bot) == []
    for reply in bot.slack.responses("pick"):
        assert "找不到" in reply["text"] and "blocks" not in reply

"""Writing a campaign's review the way a person does: the button, then the modal Slack opened."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from bot.adapters.reminder_store import SqlReminderStore
from tests.slack.conftest import RunningBot
from tests.waiting import wait_until

FORM = "application/x-www-form-urlencoded"


def campaign_with_a_review(bot: RunningBot, engine: Any) -> str:
    """`/ops checklist …` in #campaign; the campaign id, once its review reminder is scheduled."""
    bot.command("checklist 双十二拉新活动 launch 2026-12-12 end 2026-12-14", response="cl")
    store = SqlReminderStore(engine)
    assert wait_until(lambda: any(r.kind == "review" for r in store.active()), timeout=30)
    campaign_id = next(r.campaign_id for r in store.active() if r.kind == "review")
    assert campaign_id is not None
    return campaign_id


def payload_body(payload: dict[str, Any]) -> bytes:
    return urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()


def open_review(bot: RunningBot, campaign_id: str, user: str = "U0LEAD") -> dict[str, Any]:
    """Click **Write the review**; the modal view opsbot asked Slack to open."""
    click = {
        "type": "block_actions",
        "team": {"id": "T0000001"},
        "user": {"id": user},
        "api_app_id": "A0OPSBOT",
        "trigger_id": "trigger-123",
        "channel": {"id": "C0CAMPAIGN"},
        "message": {"ts": "1.2", "blocks": []},
        "response_url": bot.slack.response_url("rv"),
        "actions": [{"type": "button", "action_id": "review_write", "block_id": "b", "value": campaign_id}],
    }
    opened = len(bot.slack.called("views.open"))
    assert bot.post(payload_body(click), FORM).status == 200
    assert bot.slack.wait_for(lambda: len(bot.slack.called("views.open")) > opened)
    view = bot.slack.called("views.open")[-1].params["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def review_submission(view: dict[str, Any], answers: dict[int, str], user: str = "U0LEAD") -> bytes:
    """The signed-to-be body of submitting `view` with `answers` by input position (others empty)."""
    # The review's questions (q0, q1 …); the action-item rows after them are left empty.
    inputs = [block for block in view["blocks"] if block["type"] == "input" and block["block_id"][:1] == "q"]
    values = {b["block_id"]: {"answer": {"type": "plain_text_input", "value": ""}} for b in inputs}
    for position, text in answers.items():
        values[inputs[position]["block_id"]]["answer"]["value"] = text
    return payload_body(
        {
            "type": "view_submission",
            "team": {"id": "T0000001"},
            "user": {"id": user},
            "api_app_id": "A0OPSBOT",
            "view": {**view, "id": "V1", "state": {"values": values}},
        }
    )

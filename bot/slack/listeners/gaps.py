"""Knowledge gaps: **Answer this** (button and modal) and the optional reason after a 👎."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack.gaps import ANSWER_ACTION, ANSWER_CALLBACK, REASON_CALLBACK
from bot.slack.listeners.context import Services
from bot.slack.request import SlackRequest


def register(app: App, services: Services) -> None:
    gaps = services.gaps
    if gaps is None:
        return

    @app.action(ANSWER_ACTION)
    def handle_answer_this(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        # The trigger_id lives 3 seconds, so the modal opens here rather than on the worker pool.
        services.replier.run(gaps.open_answer, SlackRequest.from_action(body), str(action.get("value") or ""))

    @app.view(ANSWER_CALLBACK)
    def handle_gap_answer(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        refusal = gaps.answer_refusal(view)
        if refusal is not None:
            ack(**refusal)
            return
        ack()
        services.submit(gaps.save_answer, SlackRequest.from_action(body), view)

    @app.view(REASON_CALLBACK)
    def handle_reason(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        services.submit(gaps.save_reason, SlackRequest.from_action(body), view)

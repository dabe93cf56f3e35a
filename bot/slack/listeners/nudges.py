"""The **Done** button in a morning nudge: acknowledged at once, ticked and re-rendered after."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.logging_setup import log_context
from bot.slack.listeners.context import Services
from bot.slack.nudges import DONE_ACTION
from bot.slack.request import SlackRequest


def register(app: App, services: Services) -> None:
    nudges = services.nudges
    if nudges is None:
        return

    @app.action(DONE_ACTION)
    def handle_done(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        value = str(action.get("value") or "")
        message = body.get("message") or {}
        # The DM is re-rendered from what it showed: it lists that morning's items, which no store keeps.
        shown = [block for block in message.get("blocks") or [] if isinstance(block, dict)]
        with log_context(campaign=value.partition(":")[0]):
            services.submit(
                nudges.tick, SlackRequest.from_action(body), value, shown, str(message.get("text") or "")
            )

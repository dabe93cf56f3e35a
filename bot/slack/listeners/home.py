"""App Home's Done and Cancel buttons (the tab being opened is listeners/events.py's app_home_opened)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.logging_setup import log_context
from bot.slack.home import CANCEL_ACTION, DONE_ACTION
from bot.slack.listeners.context import Services
from bot.slack.request import SlackRequest


def register(app: App, services: Services) -> None:
    home = services.home
    if home is None:
        return

    @app.action(DONE_ACTION)
    def handle_item_done(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        value = str(action.get("value") or "")
        with log_context(campaign=value.partition(":")[0]):
            services.submit(home.complete_item, SlackRequest.from_action(body), value)

    @app.action(CANCEL_ACTION)
    def handle_reminder_cancel(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        reminder_id = str(action.get("value") or "")
        with log_context(reminder=reminder_id):
            services.submit(home.cancel_reminder, SlackRequest.from_action(body), reminder_id)

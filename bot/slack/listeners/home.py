"""App Home: the Home tab opened (published for that person), and its Done and Cancel buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.logging_setup import log_context
from bot.slack.home import CANCEL_ACTION, DONE_ACTION
from bot.slack.listeners.context import Services
from bot.slack.request import SlackRequest


def _home_tab(event: dict[str, Any]) -> bool:
    """Only the Home tab publishes; the Messages tab is the greeting's (listeners/events.py)."""
    return event.get("tab") == "home" and bool(event.get("user"))


def register(app: App, services: Services) -> None:
    home = services.home
    if home is None:
        return

    @app.event("app_home_opened", matchers=[_home_tab])
    def handle_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        with log_context(event=body.get("event_id")):
            services.submit(home.opened, SlackRequest.from_event(event, body))

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

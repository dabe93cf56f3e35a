"""Direct messages and @mentions: answered once, in a thread, never for bots or the bot itself."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App

from bot.slack.listeners.context import Services
from bot.slack.parsing import plain_text

# Edits, deletions, joins and the like are not questions.
_IGNORED_SUBTYPES = {
    "bot_message",
    "message_changed",
    "message_deleted",
    "channel_join",
    "channel_leave",
    "thread_broadcast",
    "message_replied",
}


def _is_from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    if event.get("bot_id") or event.get("bot_profile") or event.get("subtype") in _IGNORED_SUBTYPES:
        return False
    return bool(event.get("user")) and event.get("user") != bot_user_id


def _answer_once(
    services: Services, event: dict[str, Any], bot_user_id: str | None, team_id: str | None
) -> None:
    """One reply per message, even when it arrives both as `message` and as `app_mention`."""
    if not _is_from_a_person(event, bot_user_id):
        return
    question = plain_text(event.get("text", ""), bot_user_id)
    if not services.state.claim(f"message:{event['channel']}:{event['ts']}"):
        return
    services.responder.submit(
        services.responder.answer_message,
        event["channel"],
        event["ts"],
        event.get("thread_ts"),
        question,
        event["user"],
    )


def register(app: App, services: Services) -> None:
    @app.event("app_mention")
    def handle_mention(event: dict[str, Any], context: dict[str, Any]) -> None:
        _answer_once(services, event, context.get("bot_user_id"), context.get("team_id"))

    @app.event({"type": "message", "channel_type": "im"})
    def handle_direct_message(event: dict[str, Any], context: dict[str, Any]) -> None:
        _answer_once(services, event, context.get("bot_user_id"), context.get("team_id"))

    @app.event("app_home_opened")
    def handle_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab") == "messages" and event.get("channel"):
            services.responder.submit(services.responder.greet, event["channel"], event["user"])

    @app.event(re.compile(".*"))
    def acknowledge_anything_else() -> None:
        """Other events (channel messages without a mention, …) are acknowledged and left alone."""

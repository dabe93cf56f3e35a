"""Direct messages and @mentions: answered once, in a thread, never for bots, Slackbot or the bot itself."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.health import is_storage_failure
from bot.logging_setup import log_context
from bot.slack.listeners.context import Services
from bot.slack.parsing import plain_text
from bot.slack.request import SlackRequest

log = logging.getLogger(__name__)

SLACKBOT_USER_ID = "USLACKBOT"
# Only these are a person writing: a plain message, a thread reply also sent to the conversation, a
# `/me` message and a file shared with a comment. Edits, deletions, joins and whatever subtypes
# Slack adds next are not questions.
_PERSON_SUBTYPES = {None, "thread_broadcast", "me_message", "file_share"}


def _is_from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Slackbot ("You have been removed from #…") has a user id but no bot_id, so it is named here."""
    if event.get("bot_id") or event.get("bot_profile") or event.get("subtype") not in _PERSON_SUBTYPES:
        return False
    return bool(event.get("user")) and event.get("user") not in (bot_user_id, SLACKBOT_USER_ID)


def _first_from_a_person(services: Services) -> Callable[..., bool]:
    """A Bolt matcher: runs before the acknowledgement, so an ignored or repeated message is settled
    within the request and never reaches a worker. One reply per message, even when it arrives both
    as `message` and as `app_mention`."""

    def matches(event: dict[str, Any], context: dict[str, Any]) -> bool:
        return _is_from_a_person(event, context.get("bot_user_id")) and _claim(services, _message_key(event))

    return matches


def _message_key(event: dict[str, Any]) -> str:
    return f"message:{event['channel']}:{event['ts']}"


def _claim(services: Services, key: str) -> bool:
    """Claimed for answering; a claim that cannot be written (disk full) still answers, once here."""
    try:
        return services.state.claim_event(key)
    except Exception as error:
        if not is_storage_failure(error):
            raise
        log.warning("could not record the message as seen; answering it anyway")
        return True


def _question(event: dict[str, Any], bot_user_id: str | None) -> str:
    text = plain_text(event.get("text", ""), bot_user_id)
    # Slack sends `/me waves` as "waves"; the marker tells the answer pipeline it is a gesture.
    return f"/me {text}" if event.get("subtype") == "me_message" else text


def _shared_file_ids(event: dict[str, Any]) -> list[str]:
    return [str(file["id"]) for file in event.get("files") or [] if isinstance(file, dict) and file.get("id")]


def _answer(services: Services, event: dict[str, Any], context: dict[str, Any], body: dict[str, Any]) -> None:
    """Answered in the message's thread: `thread_ts` for a reply (also a broadcast one), else its own ts.

    Files shared in a direct message are knowledge to learn, not a question.
    """
    question = _question(event, context.get("bot_user_id"))
    request = SlackRequest.from_event(event, body).with_text(question)
    claims = [_message_key(event)] + ([f"event:{body['event_id']}"] if body.get("event_id") else [])
    files = _shared_file_ids(event)
    if files and event.get("channel_type") == "im":

        def learn(request: SlackRequest, files: list[str]) -> None:
            """Marked answered however it ends, so Slack's retry of the event never learns it twice."""
            try:
                services.knowledge.learn_files(request, files)
            finally:
                services.responder.mark_answered(claims)

        with log_context(event=body.get("event_id")):
            services.submit(learn, request, files)
        return
    # Both claims are marked answered once the reply is out (a retry then is only acknowledged).
    with log_context(event=body.get("event_id")):
        services.submit(services.responder.answer_message, request, claims)


def register(app: App, services: Services) -> None:
    first_from_a_person = _first_from_a_person(services)

    @app.event("app_mention", matchers=[first_from_a_person])
    def handle_mention(event: dict[str, Any], context: dict[str, Any], body: dict[str, Any]) -> None:
        _answer(services, event, context, body)

    @app.event({"type": "message", "channel_type": "im"}, matchers=[first_from_a_person])
    def handle_direct_message(event: dict[str, Any], context: dict[str, Any], body: dict[str, Any]) -> None:
        _answer(services, event, context, body)

    @app.event("app_home_opened")
    def handle_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        """The Messages tab greets once; the Home tab is published for that person (App Home)."""
        if event.get("tab") == "messages" and event.get("channel"):
            services.responder.submit(services.responder.greet, event["channel"], event["user"])
        elif event.get("tab") == "home" and event.get("user") and services.home is not None:
            with log_context(event=body.get("event_id")):
                services.submit(services.home.opened, SlackRequest.from_event(event, body))

    @app.event(re.compile(".*"))
    def acknowledge_anything_else() -> None:
        """Everything else (channel messages without a mention, ignored messages …) is acknowledged."""

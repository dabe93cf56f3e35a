"""Builds the Bolt app: Web API client on SLACK_API_URL, retry-safe event handling, our listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.adapters.state_store import SqlStateStore
from bot.slack import listeners
from bot.slack.config import SlackCredentials
from bot.slack.listeners.context import Services
from bot.slack.responder import retry_handlers

log = logging.getLogger(__name__)


def make_web_client(credentials: SlackCredentials, api_url: str) -> WebClient:
    return WebClient(
        token=credentials.bot_token, base_url=api_url, timeout=15, retry_handlers=retry_handlers()
    )


def _skip_retried_events(state: SqlStateStore) -> Callable[..., Any]:
    """Slack re-sends an event it thinks we missed (X-Slack-Retry-Num); each event_id is handled once."""

    def middleware(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not state.claim(f"event:{event_id}"):
            return BoltResponse(status=200, body="")
        return next()

    return middleware


def build_app(credentials: SlackCredentials, services: Services, client: WebClient) -> App:
    app = App(
        client=client,
        signing_secret=credentials.signing_secret or None,
        process_before_response=False,
        # Listeners only acknowledge and hand work on, so acks never wait behind answers.
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="bolt-ack"),
        request_verification_enabled=not credentials.socket_mode,
    )
    app.use(_skip_retried_events(services.state))

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        log.error("listener failed on a %s request: %s", body.get("type", "?"), type(error).__name__)
        return BoltResponse(status=200, body="")

    listeners.register(app, services)
    return app

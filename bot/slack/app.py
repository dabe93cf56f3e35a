"""Builds the Bolt app: Web API client on SLACK_API_URL, retry-safe event handling, our listeners."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot import metrics
from bot.adapters.state_store import SqlStateStore
from bot.health import is_storage_failure
from bot.logging_setup import log_context
from bot.slack import listeners
from bot.slack.config import SlackCredentials
from bot.slack.listeners.context import Services
from bot.slack.retries import web_client_retry_handlers

log = logging.getLogger(__name__)


def make_web_client(
    credentials: SlackCredentials, api_url: str, timeout_s: int = 10, max_retry_wait_s: float = 60.0
) -> WebClient:
    """A hung call times out after `timeout_s`; 429s wait at most `max_retry_wait_s` per call."""
    return WebClient(
        token=credentials.bot_token,
        base_url=api_url,
        timeout=timeout_s,
        retry_handlers=web_client_retry_handlers(max_retry_wait_s),
    )


def _skip_retried_events(state: SqlStateStore) -> Callable[..., Any]:
    """Slack re-sends an event it thinks we missed (X-Slack-Retry-Num); each event_id is answered once.

    A retry is taken over only when the first claimant died before answering (see `claim_event`). If
    the claim cannot be written (disk full) the event is still handled: an answer, possibly twice, is
    better than silence, and a 5xx would only bring retries that fail the same way.
    """

    def middleware(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return next()
        with log_context(event=str(event_id)):
            try:
                first = state.claim_event(f"event:{event_id}")
            except Exception as error:
                if not is_storage_failure(error):
                    raise
                log.warning("could not record the event as seen; handling it anyway")
                first = True
            return next() if first else BoltResponse(status=200, body="")

    return middleware


# Slack's ids (U…, W…, C…, D…, G…, T…, E…) are capitals and digits; our columns hold 32 characters.
_SLACK_ID = re.compile(r"^[A-Z0-9]{1,32}$")


def _refuse_malformed_ids(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse | None:
    """A signed payload with a user, channel or team id no Slack id looks like is forged: a 400, before
    any listener stores it (a 200-character "user" would otherwise fail a write with a stack trace)."""
    for name in ("user_id", "channel_id", "team_id", "enterprise_id"):
        value = context.get(name)
        if value and not _SLACK_ID.match(str(value)):
            log.warning("refused a request whose %s is not a Slack id", name)
            return BoltResponse(status=400, body="")
    return next()


class OpsbotApp(App):
    """Bolt's App, timing each request from receipt to acknowledgement (HTTP and Socket Mode alike)."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        try:
            return super().dispatch(req)
        finally:
            metrics.ACK_SECONDS.observe(time.perf_counter() - started)


def build_app(credentials: SlackCredentials, services: Services, client: WebClient) -> App:
    app = OpsbotApp(
        client=client,
        signing_secret=credentials.signing_secret or None,
        process_before_response=False,
        # Listeners only acknowledge and hand work on, so acks never wait behind answers.
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="bolt-ack"),
        request_verification_enabled=not credentials.socket_mode,
    )
    app.use(_refuse_malformed_ids)
    app.use(_skip_retried_events(services.state))

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        log.error("listener failed on a %s request: %s", body.get("type", "?"), type(error).__name__)
        return BoltResponse(status=200, body="")

    listeners.register(app, services)
    return app

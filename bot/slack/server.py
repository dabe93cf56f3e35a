"""Running the Bolt app: HTTP under uvicorn (production ASGI server) or Socket Mode."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.asgi import SlackRequestHandler
from slack_bolt.adapter.asgi.http_request import AsgiHttpRequest
from slack_bolt.adapter.asgi.http_response import AsgiHttpResponse
from slack_bolt.request import BoltRequest

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


class OpsbotAsgi(SlackRequestHandler):
    """Bolt's ASGI adapter, with Bolt's work moved off the event loop and a health check beside it."""

    def __init__(self, app: App, ready: Callable[[], bool]) -> None:
        super().__init__(app, path=EVENTS_PATH)
        self._ready = ready

    async def dispatch(self, request: AsgiHttpRequest) -> BoltResponse:
        try:
            body = await request.get_raw_body()
        except UnicodeDecodeError:
            return BoltResponse(status=400, body="the request body is not UTF-8")
        # Verification and the acknowledging listener run on a thread, so one slow request never
        # holds back the acknowledgement of the next.
        return await asyncio.to_thread(
            self._dispatch_safely, body, request.query_string, dict(request.get_headers())
        )

    def _dispatch_safely(
        self, body: str, query: str, headers: dict[str, str | Sequence[str]]
    ) -> BoltResponse:
        try:
            return self.app.dispatch(BoltRequest(body=body, query=query, headers=headers))
        except Exception as error:  # a malformed body must get a 4xx, and the server must go on
            log.warning("could not handle a request: %s", type(error).__name__)
            return BoltResponse(status=400, body="bad request")

    async def _get_http_response(self, method: str, path: str, request: AsgiHttpRequest) -> AsgiHttpResponse:
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            ready = self._ready()
            return AsgiHttpResponse(
                status=200 if ready else 503,
                headers={"content-type": ["text/plain;charset=utf-8"]},
                body="ok" if ready else "loading the knowledge base",
            )
        return await super()._get_http_response(method, path, request)


def serve_http(asgi: OpsbotAsgi, port: int, host: str = "0.0.0.0") -> None:
    import uvicorn

    uvicorn.run(asgi, host=host, port=port, log_level="warning", access_log=False, lifespan="off")


def serve_socket_mode(app: App, app_token: str, stop: threading.Event | None = None) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token=app_token, web_client=app.client)
    handler.connect()  # type: ignore[no-untyped-call]
    if handler.client.is_connected():
        log.warning("opsbot connected over Socket Mode")
    else:  # slack_sdk keeps trying to reconnect by itself
        log.error("Socket Mode connection failed; retrying in the background")
    (stop or threading.Event()).wait()
    handler.close()  # type: ignore[no-untyped-call]

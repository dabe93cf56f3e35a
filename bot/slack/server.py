"""Running the Bolt app: HTTP under uvicorn (production ASGI server) or Socket Mode."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt import App, BoltResponse
from slack_bolt.adapter.asgi import SlackRequestHandler
from slack_bolt.adapter.asgi.http_request import AsgiHttpRequest
from slack_bolt.adapter.asgi.http_response import AsgiHttpResponse
from slack_bolt.request import BoltRequest

from bot import metrics
from bot.health import Health

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
# On stop, requests already in flight get this long to finish before uvicorn cancels them.
HTTP_GRACE_S = 3
JSON = "application/json"


def probe(path: str, health: Health) -> tuple[int, str, str] | None:
    """Status, content type and body for /healthz, /readyz and /metrics; None for any other path."""
    if path == METRICS_PATH:
        return 200, CONTENT_TYPE_LATEST, metrics.render().decode()
    if path == HEALTH_PATH:
        return 200, "text/plain;charset=utf-8", health.alive().body
    if path == READY_PATH:
        status = health.ready()
        return status.code, JSON, status.body
    return None


def _timestamp_is_malformed(headers: dict[str, str | Sequence[str]]) -> bool:
    """Bolt would raise on `int("abc")` and its error handler would answer 200: refuse it here."""
    stamp = headers.get("x-slack-request-timestamp")
    value = stamp if isinstance(stamp, str) or stamp is None else next(iter(stamp), "")
    return value is not None and not (value.isascii() and value.isdigit() and len(value) <= 12)


class OpsbotAsgi(SlackRequestHandler):
    """Bolt's ASGI adapter, with Bolt's work moved off the event loop and the probes beside it."""

    def __init__(self, app: App, health: Health) -> None:
        super().__init__(app, path=EVENTS_PATH)
        self.health = health
        self.accepting = True

    def stop_taking_work(self) -> None:
        """From now on Slack's requests get 503 (Slack retries events elsewhere); the probes still answer."""
        self.accepting = False

    async def dispatch(self, request: AsgiHttpRequest) -> BoltResponse:
        if not self.accepting:
            return BoltResponse(status=503, body="shutting down", headers={"retry-after": "1"})
        headers = dict(request.get_headers())
        if _timestamp_is_malformed(headers):
            return BoltResponse(status=401, body="invalid request timestamp")
        try:
            body = await request.get_raw_body()
        except UnicodeDecodeError:
            return BoltResponse(status=400, body="the request body is not UTF-8")
        # Verification and the acknowledging listener run on a thread, so one slow request never
        # holds back the acknowledgement of the next.
        return await asyncio.to_thread(self._dispatch_safely, body, request.query_string, headers)

    def _dispatch_safely(
        self, body: str, query: str, headers: dict[str, str | Sequence[str]]
    ) -> BoltResponse:
        try:
            return self.app.dispatch(BoltRequest(body=body, query=query, headers=headers))
        except Exception as error:  # a malformed body must get a 4xx, and the server must go on
            log.warning("could not handle a request: %s", type(error).__name__)
            return BoltResponse(status=400, body="bad request")

    async def _get_http_response(self, method: str, path: str, request: AsgiHttpRequest) -> AsgiHttpResponse:
        answer = probe(path, self.health) if method in ("GET", "HEAD") else None
        if answer is not None:
            status, content_type, body = answer
            return AsgiHttpResponse(status=status, headers={"content-type": [content_type]}, body=body)
        return await super()._get_http_response(method, path, request)


class HealthServer:
    """/healthz, /readyz and /metrics on a small port of their own, for Socket Mode (no HTTP server)."""

    def __init__(self, health: Health, port: int, host: str = "0.0.0.0") -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                answer = probe(self.path.split("?")[0], health) or (404, "text/plain", "not found")
                status, content_type, text = answer
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command == "GET":
                    self.wfile.write(body)

            do_HEAD = do_GET

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="health", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def wait_for(stop: threading.Event) -> None:
    """Wait in short steps: a SIGTERM the kernel hands to a busy worker thread runs its Python handler
    only once the main thread executes bytecode again, which an endless wait never does."""
    while not stop.wait(0.5):
        pass


def serve_http(
    asgi: OpsbotAsgi, port: int, host: str = "0.0.0.0", stop: threading.Event | None = None
) -> bool:
    """Serve until `stop` is set, then refuse new requests and let those in flight finish.

    uvicorn runs on a thread so that it installs no signal handlers of its own (it would re-raise
    SIGTERM after its shutdown and kill the process before ours ran). False if the server could
    not start, e.g. the port is taken.
    """
    import uvicorn

    stop = stop or threading.Event()
    server = uvicorn.Server(
        uvicorn.Config(
            asgi,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=HTTP_GRACE_S,
        )
    )

    def run() -> None:
        try:
            server.run()
        finally:
            stop.set()  # a server that could not start (or died) must not leave us waiting

    thread = threading.Thread(target=run, name="http-server", daemon=True)
    thread.start()
    wait_for(stop)
    asgi.stop_taking_work()
    server.should_exit = True
    thread.join(HTTP_GRACE_S + 1)
    return bool(server.started)


def serve_socket_mode(
    app: App,
    app_token: str,
    stop: threading.Event | None = None,
    health: Health | None = None,
    health_port: int = 0,
) -> None:
    """Serve over Socket Mode until `stop`; with `health` and a port, the probes are served too."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    probes = None
    if health is not None and health_port:
        try:
            probes = HealthServer(health, health_port).start()
        except OSError as error:  # a taken port costs the probes, never the bot
            log.error("could not serve /healthz on port %s: %s", health_port, error)

    handler = SocketModeHandler(app, app_token=app_token, web_client=app.client)
    handler.connect()  # type: ignore[no-untyped-call]
    if handler.client.is_connected():
        log.warning("opsbot connected over Socket Mode")
    else:  # slack_sdk keeps trying to reconnect by itself
        log.error("Socket Mode connection failed; retrying in the background")
    wait_for(stop or threading.Event())
    handler.close()  # type: ignore[no-untyped-call]
    if probes is not None:
        probes.stop()

"""Socket Mode end to end: the real Bolt app connects over a real local WebSocket that speaks Slack's side.

`apps.connections.open` (answered by the fake Web API) hands the bot a `ws://127.0.0.1:…/link` URL; a
`websockets` server there says hello, sends envelopes the way Slack does, and records every message the
bot sends back, so acknowledgements are checked on the wire rather than inside Bolt.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import SecretStr
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from bot import metrics
from bot.container import SlackRuntime, bootstrap, bootstrap_slack
from bot.settings import Settings
from bot.slack.config import slack_credentials
from bot.slack.server import serve_socket_mode
from tests.slack.conftest import free_port
from tests.slack.fake_slack import TEAM_ID, FakeSlack

APP_TOKEN = "xapp-1-A111-222-TESTAPPTOKEN"
APP_ID = "A0OPSBOT"
TIMEOUT = 20.0


@dataclass
class Received:
    """One text frame the bot sent, parsed, with when it arrived."""

    message: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class SocketModeServer:
    """Slack's end of a Socket Mode link on 127.0.0.1, served by `websockets` on its own event loop."""

    def __init__(self) -> None:
        self.port = 0
        self.paths: list[str] = []
        self.received: list[Received] = []
        self._connections: list[ServerConnection] = []
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._listening = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="fake-socket-mode", daemon=True)

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        assert self._listening.wait(TIMEOUT), "the WebSocket server did not start"
        assert self._failure is None, f"the WebSocket server failed: {self._failure!r}"

    def stop(self) -> None:
        if self._thread.is_alive() and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(TIMEOUT)
        assert not self._thread.is_alive(), "the WebSocket server did not stop"

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as error:
            self._failure = error
        finally:
            self._listening.set()
            self._loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        async with serve(self._session, "127.0.0.1", 0) as server:  # port 0: a free port, no race
            self.port = int(server.sockets[0].getsockname()[1])
            self._listening.set()
            await self._stopping.wait()

    async def _session(self, connection: ServerConnection) -> None:
        with self._changed:
            self.paths.append(connection.request.path if connection.request is not None else "")
            self._connections.append(connection)
            self._changed.notify_all()
        try:
            await connection.send(
                json.dumps(
                    {
                        "type": "hello",
                        "num_connections": 1,
                        "debug_info": {
                            "host": "applink-test-1",
                            "build_number": 1,
                            "approximate_connection_time": 18060,
                        },
                        "connection_info": {"app_id": APP_ID},
                    }
                )
            )
            async for frame in connection:
                text = frame if isinstance(frame, str) else frame.decode()
                with self._changed:
                    self.received.append(Received(json.loads(text)))
                    self._changed.notify_all()
        except ConnectionClosed:  # the bot hung up without a closing handshake
            pass

    # -- talking to the bot -----------------------------------------------------------------------

    def connections(self) -> int:
        with self._changed:
            return len(self._connections)

    def send(self, envelope: dict[str, Any]) -> float:
        """Send one envelope on the newest connection (raw UTF-8, as Slack does); returns when it went."""
        with self._changed:
            assert self._connections, "the bot is not connected"
            connection = self._connections[-1]
        sent_at = time.monotonic()
        future = asyncio.run_coroutine_threadsafe(
            connection.send(json.dumps(envelope, ensure_ascii=False)), self._loop
        )
        future.result(timeout=TIMEOUT)
        return sent_at

    def acks(self, envelope_id: str) -> list[Received]:
        with self._changed:
            return [item for item in self.received if item.message.get("envelope_id") == envelope_id]

    def wait_for(self, condition: Callable[[], bool], timeout: float = TIMEOUT) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True


@dataclass
class SocketBot:
    socket: SocketModeServer
    slack: FakeSlack
    runtime: SlackRuntime
    settings: Settings
    health_port: int = 0

    def probe(self, path: str) -> tuple[int, str]:
        """GET one of the probes on the small health port Socket Mode serves them on."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.health_port}{path}", timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def acked(self, envelope: dict[str, Any]) -> dict[str, Any]:
        """Send an envelope; the bot must acknowledge it (same envelope_id).

        How fast is measured in benchmarks/slack_load.py, not asserted here.
        """
        envelope_id = str(envelope["envelope_id"])
        self.socket.send(envelope)
        assert self.socket.wait_for(lambda: bool(self.socket.acks(envelope_id))), (
            f"no acknowledgement for {envelope_id}; the bot sent {[r.message for r in self.socket.received]}"
        )
        return self.socket.acks(envelope_id)[0].message


@pytest.fixture
def socket_server() -> Iterator[SocketModeServer]:
    server = SocketModeServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def socket_bot(
    slack_settings: Settings, fake_slack: FakeSlack, socket_server: SocketModeServer
) -> Iterator[SocketBot]:
    fake_slack.socket_url = socket_server.url  # before the bot asks apps.connections.open
    settings = slack_settings.model_copy(update={"slack_app_token": SecretStr(APP_TOKEN)})
    credentials = slack_credentials(settings)
    assert credentials.socket_mode and credentials.app_token == APP_TOKEN
    container = bootstrap(settings)
    runtime = bootstrap_slack(container, credentials)
    runtime.load_knowledge_in_background(container.knowledge).join(120)
    assert runtime.ready.is_set(), "the knowledge base did not load"

    stop = threading.Event()
    failures: list[BaseException] = []
    health_port = free_port()

    def run() -> None:
        try:
            serve_socket_mode(runtime.app, credentials.app_token or "", stop, runtime.health, health_port)
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=run, name="opsbot-socket-mode", daemon=True)
    thread.start()
    try:
        assert socket_server.wait_for(lambda: socket_server.connections() >= 1), (
            f"the bot did not connect over Socket Mode (failures: {failures!r})"
        )
        yield SocketBot(socket_server, fake_slack, runtime, settings, health_port)
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert not thread.is_alive(), "serve_socket_mode did not return after the stop event"
    assert failures == []


def envelope_id() -> str:
    return str(uuid.uuid4())


def test_the_bot_opens_the_link_with_the_app_token_and_connects_once(socket_bot: SocketBot) -> None:
    opened = socket_bot.slack.called("apps.connections.open")
    assert len(opened) == 1
    assert opened[0].headers["authorization"] == f"Bearer {APP_TOKEN}"
    assert socket_bot.socket.paths in (["/link?"], ["/link"])
    assert socket_bot.socket.connections() == 1


def test_a_slash_command_envelope_is_acked_then_answered_at_the_response_url(socket_bot: SocketBot) -> None:
    slack = socket_bot.slack
    ask = envelope_id()
    ack = socket_bot.acked(
        {
            "envelope_id": ask,
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "token": "legacy-verification-token",
                "team_id": TEAM_ID,
                "channel_id": "C0CAMPAIGN",
                "channel_name": "campaign",
                "user_id": "U0ALICE",
                "user_name": "alice",
                "command": socket_bot.settings.slash_command,
                "text": "ask 活动上线前怎么预热?",
                "response_url": slack.response_url("s1"),
                "trigger_id": "13345224609.738474920.8088930838d88f008e0",
                "api_app_id": APP_ID,
            },
        }
    )
    # The ack carries the working note; the answer replaces it through the response URL.
    assert ack["envelope_id"] == ask
    assert ack["payload"]["response_type"] == "ephemeral" and "正在查手册" in ack["payload"]["text"]

    assert slack.wait_for(lambda: len(slack.responses("s1")) >= 1, timeout=TIMEOUT)
    answer = slack.responses("s1")[0]
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is True
    rendered = str(answer["blocks"])
    assert "互联网运营大揭秘 › 活动运营 › 宣传推广" in rendered and "knowledge/playbook.md" in rendered
    assert slack.called("chat.postMessage") == []


def test_a_help_command_is_answered_in_the_ack_payload(socket_bot: SocketBot) -> None:
    helped = envelope_id()
    ack = socket_bot.acked(
        {
            "envelope_id": helped,
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "team_id": TEAM_ID,
                "channel_id": "C0CAMPAIGN",
                "user_id": "U0ALICE",
                "command": socket_bot.settings.slash_command,
                "text": "help",
                "response_url": socket_bot.slack.response_url("h1"),
                "trigger_id": "13345224609.738474920.8088930838d88f008e0",
                "api_app_id": APP_ID,
            },
        }
    )
    assert "/ops ask 活动上线前怎么预热?" in str(ack["payload"]["blocks"])
    assert socket_bot.slack.responses("h1") == []


def direct_message_envelope(envelope: str, retry_attempt: int) -> dict[str, Any]:
    return {
        "envelope_id": envelope,
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": retry_attempt,
        "retry_reason": "" if retry_attempt == 0 else "timeout",
        "payload": {
            "type": "event_callback",
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event_id": "Ev1",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": "D0ALICE",
                "user": "U0ALICE",
                "text": "拉新有哪些渠道?",
                "ts": "1800000001.000100",
            },
        },
    }


def test_a_direct_message_event_is_acked_and_answered_once_even_when_slack_retries(
    socket_bot: SocketBot,
) -> None:
    slack = socket_bot.slack
    first = envelope_id()
    assert socket_bot.acked(direct_message_envelope(first, retry_attempt=0)) == {"envelope_id": first}
    assert slack.wait_for(lambda: len(slack.called("chat.postMessage")) >= 1, timeout=TIMEOUT)
    (reply,) = slack.called("chat.postMessage")
    assert reply.params["channel"] == "D0ALICE" and reply.params["thread_ts"] == "1800000001.000100"
    assert reply.params["text"] and reply.params["blocks"]
    # The working reaction comes off once the answer is out.
    assert slack.wait_for(lambda: len(slack.called("reactions.remove")) >= 1, timeout=TIMEOUT)

    retried = envelope_id()
    assert socket_bot.acked(direct_message_envelope(retried, retry_attempt=1)) == {"envelope_id": retried}
    # The retry is dropped before its acknowledgement, so once the workers are idle nothing more comes.
    assert socket_bot.runtime.responder.drain(timeout=TIMEOUT)
    assert len(slack.called("chat.postMessage")) == 1
    assert len(slack.called("reactions.add")) == 1
    # Each envelope was acknowledged exactly once.
    assert [len(socket_bot.socket.acks(e)) for e in (first, retried)] == [1, 1]


def test_probes_and_metrics_are_served_on_the_health_port_and_acks_are_timed(socket_bot: SocketBot) -> None:
    assert socket_bot.probe("/healthz") == (200, "ok")
    status, body = socket_bot.probe("/readyz")
    assert status == 200 and json.loads(body)["checks"]["knowledge"] == "ok"
    acks = metrics.REGISTRY.get_sample_value("opsbot_ack_seconds_count") or 0.0

    socket_bot.acked(direct_message_envelope(envelope_id(), retry_attempt=0))
    assert socket_bot.runtime.responder.drain(timeout=TIMEOUT)
    status, exposed = socket_bot.probe("/metrics")
    assert status == 200 and "opsbot_answers_total" in exposed
    assert (metrics.REGISTRY.get_sample_value("opsbot_ack_seconds_count") or 0.0) >= acks + 1
    assert socket_bot.probe("/nothing-here")[0] == 404

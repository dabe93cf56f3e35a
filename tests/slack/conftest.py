"""A running opsbot: the real Bolt app behind uvicorn on a free port, talking to a fake Slack."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from pydantic import SecretStr

from bot.container import Container, SlackRuntime, bootstrap, bootstrap_slack
from bot.domain.clock import Clock, FixedClock, SystemClock
from bot.settings import Settings
from bot.slack.config import slack_credentials
from tests.slack.fake_slack import TEAM_ID, FakeSlack

BOT_TOKEN = "xoxb-1111-2222-TESTBOTTOKEN"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def signed_headers(body: bytes, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Reply:
    status: int
    body: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RunningBot:
    url: str
    slack: FakeSlack
    runtime: SlackRuntime
    settings: Settings
    container: Container

    def post(self, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> Reply:
        request = urllib.request.Request(
            self.url + "/slack/events",
            data=body,
            headers={
                "Content-Type": content_type,
                **(headers if headers is not None else signed_headers(body)),
            },
            method="POST",
        )
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode(), time.perf_counter() - start)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), time.perf_counter() - start)

    def command(self, text: str, user: str = "U0ALICE", response: str = "r1", **headers: str) -> Reply:
        form = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "channel_id": "C0CAMPAIGN",
            "channel_name": "campaign",
            "user_id": user,
            "user_name": "alice",
            "command": self.settings.slash_command,
            "text": text,
            "response_url": self.slack.response_url(response),
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
            "api_app_id": "A0OPSBOT",
        }
        body = urllib.parse.urlencode(form).encode()
        return self.post(body, "application/x-www-form-urlencoded", headers or None)

    def event(self, event: dict[str, Any], event_id: str, retry: int | None = None) -> Reply:
        envelope = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A0OPSBOT",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOT0001", "is_bot": True}],
            "event": event,
        }
        body = json.dumps(envelope).encode()
        headers = signed_headers(body)
        if retry is not None:
            headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
        return self.post(body, "application/json", headers)

    def message_action(
        self,
        action: dict[str, Any],
        user: str,
        channel: str,
        response: str,
        blocks: list[dict[str, Any]] | None = None,
    ) -> Reply:
        """A block_actions click on the channel message opsbot posted (ts 1800000001.000100)."""
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": user},
            "api_app_id": "A0OPSBOT",
            "channel": {"id": channel},
            "container": {"type": "message", "channel_id": channel, "message_ts": "1800000001.000100"},
            "message": {"ts": "1800000001.000100", "blocks": blocks or []},
            "response_url": self.slack.response_url(response),
            "actions": [action],
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")

    def action(self, action_id: str, value: str, user: str = "U0BOB", response: str = "a1") -> Reply:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": user},
            "api_app_id": "A0OPSBOT",
            "channel": {"id": "C0CAMPAIGN"},
            "container": {"type": "message", "channel_id": "C0CAMPAIGN", "is_ephemeral": True},
            "trigger_id": "123.456",
            "response_url": self.slack.response_url(response),
            "message": {"ts": "1800000000.000001", "text": "answer"},
            "actions": [
                {"action_id": action_id, "block_id": f"answer:{value}", "value": value, "type": "button"}
            ],
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")

    def get(self, path: str) -> Reply:
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return Reply(response.status, response.read().decode(), time.perf_counter() - start)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), time.perf_counter() - start)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def slack_settings(settings: Settings, fake_slack: FakeSlack) -> Settings:
    return settings.model_copy(
        update={
            "slack_bot_token": SecretStr(BOT_TOKEN),
            "slack_signing_secret": SecretStr(SIGNING_SECRET),
            "slack_api_url": fake_slack.api_url,
        }
    )


@contextmanager
def running_bot(settings: Settings, slack: FakeSlack, clock: Clock) -> Iterator[RunningBot]:
    """The real Bolt app under uvicorn on a free port, ready (knowledge loaded) when it yields."""
    container = bootstrap(settings, clock=clock)
    runtime = bootstrap_slack(container, slack_credentials(settings))
    runtime.load_knowledge_in_background(container.knowledge).join(timeout=120)
    assert runtime.ready.is_set()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(runtime.asgi, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield RunningBot(f"http://127.0.0.1:{port}", slack, runtime, settings, container)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if runtime.scheduler is not None:
            runtime.scheduler.shutdown()


@pytest.fixture
def bot(slack_settings: Settings, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[RunningBot]:
    """opsbot on the frozen test clock; its reminder scheduler is built but not started."""
    with running_bot(slack_settings, fake_slack, clock) as running:
        yield running


@pytest.fixture
def live_bot(slack_settings: Settings, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    """opsbot on the machine's clock with its scheduler running, for reminders that really fire.

    APScheduler waits on the machine's clock, so these tests use only relative times ("in 3
    seconds") and nothing in them depends on which day it is.
    """
    with running_bot(slack_settings, fake_slack, SystemClock(slack_settings.timezone)) as running:
        scheduler = running.runtime.scheduler
        scheduler.start()
        deadline = time.monotonic() + 10
        while not scheduler.leading:
            assert time.monotonic() < deadline, "the scheduler did not take the lease"
            time.sleep(0.05)
        yield running

"""A real `opsbot serve` in Socket Mode, stopped with SIGTERM: the answer in flight is finished, the
link is closed, the scheduler lock is released and the process exits 0 within 10 seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.slack.conftest import BOT_TOKEN, free_port
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.test_shutdown import STOP_WITHIN_S, sqlite_leadership
from tests.slack.test_socket_mode import APP_ID, APP_TOKEN, SocketModeServer, envelope_id
from tests.waiting import wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def link() -> Iterator[SocketModeServer]:
    server = SocketModeServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def test_sigterm_in_socket_mode_finishes_the_answer_and_exits_within_ten_seconds(
    settings: Settings, fake_slack: FakeSlack, link: SocketModeServer, tmp_path: Path
) -> None:
    fake_slack.socket_url = link.url
    health_port = free_port()
    log = tmp_path / "serve.log"
    environment = {
        **os.environ,
        "OPSBOT_DATA_DIR": str(settings.data_dir),
        "OPSBOT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "OPSBOT_CACHE_DIR": str(settings.cache_dir),
        "OPSBOT_EMBEDDER": "hashing",
        "OPSBOT_HEALTH_PORT": str(health_port),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
    }
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        assert wait_until(lambda: _ready(health_port) or process.poll() is not None, timeout=120)
        assert process.poll() is None, log.read_text()
        assert link.wait_for(lambda: link.connections() >= 1)
        leadership = sqlite_leadership(settings)
        assert wait_until(lambda: (leadership.holder() or "").endswith(f":{process.pid}"), timeout=10)

        # Slack's first answer is 429 with Retry-After: 1, so the answer is surely in flight at SIGTERM.
        fake_slack.fail_next("/response/late", "429:1")
        ask = envelope_id()
        link.send(
            {
                "envelope_id": ask,
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "team_id": TEAM_ID,
                    "channel_id": "C0CAMPAIGN",
                    "user_id": "U0ALICE",
                    "command": settings.slash_command,
                    "text": "ask 活动上线前怎么预热?",
                    "response_url": fake_slack.response_url("late"),
                    "trigger_id": "13345224609.738474920.8088930838d88f008e0",
                    "api_app_id": APP_ID,
                },
            }
        )
        assert link.wait_for(lambda: bool(link.acks(ask)))
        assert fake_slack.wait_for(lambda: bool(fake_slack.called("/response/late#429:1")), timeout=30)

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=STOP_WITHIN_S + 5)
        assert time.monotonic() - started < STOP_WITHIN_S
        assert process.returncode == 0, log.read_text()
        assert len(fake_slack.responses("late")) == 1  # finished, once
        assert leadership.holder() is None  # the lock is free for the next process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

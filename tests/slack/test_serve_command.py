"""`opsbot serve` as a real process: refuses bad credentials in one line, serves HTTP under uvicorn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bot.settings import Settings
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, RunningBot, free_port
from tests.slack.fake_slack import FakeSlack


def serve(settings: Settings, *args: str, **env: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "OPSBOT_DATA_DIR": str(settings.data_dir),
        "OPSBOT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "OPSBOT_CACHE_DIR": str(settings.cache_dir),
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "not-a-token", "SLACK_SIGNING_SECRET": SIGNING_SECRET}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "short!"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xoxb-wrong-kind-1234"}, "SLACK_APP_TOKEN"),
    ],
)
def test_bad_credentials_get_one_line_naming_the_variable(
    settings: Settings, env: dict[str, str], variable: str
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        env.setdefault(name, "")
    process = serve(settings, **env)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1 and variable in lines[0]
    for value in env.values():
        if len(value) > 8:
            assert value not in lines[0]


def serve_and_wait(settings: Settings, slack: FakeSlack, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    """`opsbot serve --http` on a free port against the fake Slack, once /readyz says it is ready."""
    port = free_port()
    environment = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": slack.api_url,
        **env,
    }
    process = serve(settings, "--http", "--port", str(port), **environment)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # the knowledge base loads slowly on a busy machine
    last = ""
    while True:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except urllib.error.HTTPError as error:
            last = error.read().decode()
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            _, stderr = process.communicate()
            raise AssertionError(f"opsbot serve did not become ready: {last}\n{stderr.decode()[-2000:]}")
        time.sleep(0.2)


@pytest.fixture
def served(settings: Settings, fake_slack: FakeSlack) -> Iterator[tuple[str, FakeSlack]]:
    process, url = serve_and_wait(settings, fake_slack, SLACK_APP_TOKEN="xapp-1-ignored-with-http")
    try:
        yield url, fake_slack
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_serve_answers_a_signed_command_over_http(served: tuple[str, FakeSlack], settings: Settings) -> None:
    url, slack = served
    bot = RunningBot(url, slack, None, settings.model_copy(), None)  # type: ignore[arg-type]
    reply = bot.command("ask 活动上线前怎么预热?")
    assert reply.status == 200
    assert slack.wait_for(lambda: len(slack.responses()) >= 1, timeout=30)
    assert "宣传推广" in str(slack.responses()[0]["blocks"])
    assert slack.called("auth.test")
    assert bot.command("help", response="x").status == 200


def test_serve_logs_json_lines_with_the_event_id_and_serves_probes_and_metrics(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    process, url = serve_and_wait(settings, fake_slack, OPSBOT_LOG_JSON="1")
    try:
        bot = RunningBot(url, fake_slack, None, settings.model_copy(), None)  # type: ignore[arg-type]
        event = {"type": "message", "channel_type": "im", "channel": "D0ALICE", "user": "U0ALICE"}
        assert (
            bot.event({**event, "text": "拉新有哪些渠道?", "ts": "1800000900.000100"}, "EvServe1").status
            == 200
        )
        assert fake_slack.wait_for(lambda: len(fake_slack.called("reactions.remove")) >= 1, timeout=30)
        with urllib.request.urlopen(url + "/readyz", timeout=5) as response:
            assert json.loads(response.read())["status"] == "ready"
        with urllib.request.urlopen(url + "/metrics", timeout=5) as response:
            exposed = response.read().decode()
        assert 'opsbot_answers_total{covered="true"} 1.0' in exposed
        assert "opsbot_ack_seconds_count" in exposed
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    lines = [json.loads(line) for line in stderr.decode().splitlines() if line.strip()]
    replied = [line for line in lines if line["message"].startswith("replied to a message")]
    assert replied and replied[0]["event"] == "EvServe1" and replied[0]["level"] == "INFO"
    assert BOT_TOKEN not in stderr.decode() and SIGNING_SECRET not in stderr.decode()

"""SIGTERM on `opsbot serve`: it stops taking work, finishes what is in flight, hands over, exits in 10 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.adapters.leadership import FileLockLeadership, Leadership
from bot.domain.clock import FixedClock
from bot.settings import Settings
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, RunningBot, free_port, running_bot
from tests.slack.fake_slack import FakeSlack
from tests.waiting import wait_until

STOP_WITHIN_S = 10.0


@dataclass
class Served:
    """One `opsbot serve --http` process, its URL and where its log goes."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def client(self, slack: FakeSlack, settings: Settings) -> RunningBot:
        return RunningBot(self.url, slack, None, settings, None)  # type: ignore[arg-type]

    def stop(self) -> float:
        """SIGTERM; the seconds it took to exit."""
        start = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_WITHIN_S + 5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"opsbot serve ignored SIGTERM; log:\n{self.log.read_text()}") from None
        return time.monotonic() - start


def launch(settings: Settings, slack: FakeSlack, log: Path, **env: str) -> Served:
    """`opsbot serve --http` against the fake Slack; its log goes to `log` (a pipe nobody reads
    would fill and stall the process)."""
    port = free_port()
    environment = {
        **os.environ,
        "OPSBOT_DATA_DIR": str(settings.data_dir),
        "OPSBOT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "OPSBOT_CACHE_DIR": str(settings.cache_dir),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": slack.api_url,
        # The model-free embedder: these tests are about processes, and the model costs a minute
        # of CPU per process on a shared machine.
        "OPSBOT_EMBEDDER": "hashing",
        **env,
    }
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port)],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Served(process, f"http://127.0.0.1:{port}", log)


def wait_ready(served: Served) -> Served:
    process = served.process
    assert wait_until(lambda: _healthy(served.url) or process.poll() is not None, timeout=90)
    if process.poll() is not None:
        raise AssertionError(f"opsbot serve exited at start; log:\n{served.log.read_text()}")
    return served


@contextmanager
def serving(settings: Settings, slack: FakeSlack, log: Path, **env: str) -> Iterator[Served]:
    with serving_all([(settings, log)], slack, **env) as (served,):
        yield served


@contextmanager
def serving_all(
    replicas: list[tuple[Settings, Path]], slack: FakeSlack, **env: str
) -> Iterator[list[Served]]:
    """Several processes started at once (each ready when this yields), killed if still running after."""
    started = [launch(settings, slack, log, **env) for settings, log in replicas]
    try:
        yield [wait_ready(served) for served in started]
    finally:
        for served in started:
            if served.process.poll() is None:
                served.process.kill()
                served.process.wait()


def _healthy(url: str) -> bool:
    """Ready: /readyz says 200 (knowledge loaded, database reachable, a scheduler leader known)."""
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except urllib.error.HTTPError as error:
        return error.code == 404 and _alive(url)  # before /readyz existed, /healthz meant ready
    except OSError:
        return False


def _alive(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def leads(leadership: Leadership, served: Served) -> Callable[[], bool]:
    """True while `served` holds the scheduler lock (the holder is written as host:pid)."""
    return lambda: (leadership.holder() or "").endswith(f":{served.process.pid}")


def sqlite_leadership(settings: Settings) -> Leadership:
    return FileLockLeadership(Path(f"{settings.data_dir / 'opsbot.sqlite3'}.reminder-scheduler.lock"))


@pytest.fixture
def quick_bot(slack_settings: Settings, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[RunningBot]:
    """opsbot in this process with the model-free embedder: these tests never search."""
    with running_bot(slack_settings.model_copy(update={"embedder": "hashing"}), fake_slack, clock) as bot:
        yield bot


@pytest.mark.slow
def test_sigterm_exits_within_ten_seconds_and_a_standby_takes_over(
    settings: Settings, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    leadership = sqlite_leadership(settings)
    with serving(settings, fake_slack, tmp_path / "one.log") as one:
        assert wait_until(leads(leadership, one), timeout=10), "the first process never led"
        with serving(settings, fake_slack, tmp_path / "two.log") as two:
            took = one.stop()
            assert one.process.returncode == 0, one.log.read_text()
            assert took < STOP_WITHIN_S
            assert wait_until(leads(leadership, two), timeout=6), "the standby did not take over"
            assert two.stop() < STOP_WITHIN_S and two.process.returncode == 0
    assert leadership.holder() is None


@pytest.mark.slow
def test_sigterm_finishes_an_answer_in_flight(
    settings: Settings, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    with serving(settings, fake_slack, tmp_path / "serve.log") as served:
        # Slack's first answer is 429 with Retry-After: 1, so the answer is surely in flight at SIGTERM.
        fake_slack.fail_next("/response/late", "429:1")
        reply = served.client(fake_slack, settings).command("ask 活动上线前怎么预热?", response="late")
        assert reply.status == 200
        assert fake_slack.wait_for(lambda: bool(fake_slack.called("/response/late#429:1")), timeout=30)
        assert fake_slack.responses("late") == []
        assert served.stop() < STOP_WITHIN_S
        assert served.process.returncode == 0, served.log.read_text()
    answers = fake_slack.responses("late")
    assert len(answers) == 1 and "宣传推广" in str(answers[0]["blocks"])


def test_a_stopping_server_answers_503_and_still_reports_health(quick_bot: RunningBot) -> None:
    bot = quick_bot
    bot.runtime.asgi.stop_taking_work()
    assert bot.command("help").status == 503
    assert bot.get("/healthz").status == 200


def test_stopping_the_runtime_frees_the_scheduler_lock(quick_bot: RunningBot) -> None:
    """What SIGTERM leads to after the server closed: jobs stop, the lock is free for the next leader."""
    bot = quick_bot
    scheduler = bot.runtime.scheduler
    scheduler.start()
    assert wait_until(lambda: scheduler.leading, timeout=10)
    assert bot.runtime.stop(5.0)
    assert not scheduler.leading
    assert sqlite_leadership(bot.settings).holder() is None

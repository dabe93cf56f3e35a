"""A real `opsbot serve` killed with -9 while Slack holds its reminder post: the next process posts it once."""

from __future__ import annotations

import os
import signal

import pytest

from bot.settings import Settings
from tests.slack.conftest import RunningBot
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_reminders import _engine, delivered_and_done, reminder_id_in, reminder_posts
from tests.slack.test_serve_command import serve_and_wait
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

# A 2-second Web API timeout and no in-call 429 waits make a claim last 3 * 2 + 0 + 30 = 36 s.
QUICK_CLAIMS = {
    "OPSBOT_SLACK_TIMEOUT_S": "2",
    "OPSBOT_SLACK_MAX_RETRY_WAIT_S": "0",
    "OPSBOT_EMBEDDER": "hashing",  # about processes, not retrieval: no model to load twice
}


def test_a_kill_minus_9_during_the_post_is_posted_once_by_the_next_process(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    fake_slack.hang_seconds = 120  # longer than the test: the first process dies inside the call
    fake_slack.fail_next("chat.postMessage", "hang")
    first, url = serve_and_wait(settings, fake_slack, **QUICK_CLAIMS)
    try:
        client = RunningBot(url, fake_slack, None, settings, None)  # type: ignore[arg-type]
        assert client.command("remind here in 3 seconds 被杀也要发出", response="k").status == 200
        assert fake_slack.wait_for(lambda: bool(fake_slack.responses("k")))
        assert fake_slack.wait_for(lambda: bool(fake_slack.called("chat.postMessage#hang")), timeout=30)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    reminder_id = reminder_id_in(fake_slack.responses("k")[0]["text"])
    assert reminder_posts(fake_slack, "被杀也要发出") == []  # the only attempt hung and its process died

    second, _ = serve_and_wait(settings, fake_slack, **QUICK_CLAIMS)
    try:
        # The claim of the dead process expires (36 s), then the leader's sweep (every 15 s) posts it.
        assert fake_slack.wait_for(lambda: bool(reminder_posts(fake_slack, "被杀也要发出")), timeout=90)
        assert wait_until(delivered_and_done(_engine(settings), reminder_id), timeout=20)
        assert len(reminder_posts(fake_slack, "被杀也要发出")) == 1
    finally:
        second.terminate()
        second.wait(timeout=15)

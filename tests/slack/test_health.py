"""/healthz, /readyz and /metrics over real HTTP, and request timestamps Bolt would have let through."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from bot import metrics
from bot.health import Health, WriteFailures, scheduler_check
from tests.slack.conftest import SIGNING_SECRET, RunningBot, signed_headers
from tests.slack.test_events_and_actions import dm, posts


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_readiness_names_each_check_and_metrics_count_answers_and_acks(bot: RunningBot) -> None:
    assert (bot.get("/healthz").status, bot.get("/healthz").body) == (200, "ok")
    ready = bot.get("/readyz")
    assert ready.status == 200
    assert ready.json()["checks"] == {
        "knowledge": "ok",
        "database": "ok",
        "scheduler": "ok",  # not started in this test: not applicable
        "writes": "ok",
    }
    covered, acks = sample("opsbot_answers_total", covered="true"), sample("opsbot_ack_seconds_count")

    bot.event(dm("拉新有哪些渠道?", ts="1800000800.000100"), "Ev800")
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1)
    assert bot.runtime.responder.drain(timeout=30)

    exposed = bot.get("/metrics").body
    assert "opsbot_answers_total" in exposed and "opsbot_ack_seconds_bucket" in exposed
    assert "opsbot_reminder_lateness_seconds_bucket" in exposed and "opsbot_llm_fallbacks_total" in exposed
    assert sample("opsbot_answers_total", covered="true") == covered + 1
    assert sample("opsbot_ack_seconds_count") >= acks + 1


def test_a_non_numeric_or_replayed_timestamp_is_refused_with_401(bot: RunningBot) -> None:
    body = b"token=x&team_id=T0000001&user_id=U0ALICE&command=%2Fops&text=help&response_url=x"
    form = "application/x-www-form-urlencoded"
    signed = signed_headers(body)
    # A valid signature, made with the app's secret, over the timestamp "abc".
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:abc:" + body, hashlib.sha256).hexdigest()
    forged = {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": f"v0={digest}"}
    assert bot.post(body, form, forged).status == 401
    replayed = signed_headers(body, timestamp=int(time.time()) - 6 * 60)
    assert bot.post(body, form, replayed).status == 401
    assert bot.post(body, form, signed).status == 200
    assert bot.runtime.responder.drain(timeout=30)


def test_a_write_failure_makes_readiness_503_until_it_is_old() -> None:
    now = [1000.0]
    writes = WriteFailures(window_s=60, now=lambda: now[0])
    health = Health({"scheduler": scheduler_check(lambda: False)}, writes)
    assert json.loads(health.ready().body)["checks"]["scheduler"] == "no scheduler leader known"

    health = Health({"scheduler": scheduler_check(lambda: None)}, writes)
    assert health.ready().code == 200
    writes.record(OSError(28, "No space left on device"))
    assert health.ready().code == 503 and "No space left" in health.ready().body
    now[0] += 61
    assert health.ready().code == 200

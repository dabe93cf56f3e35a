"""Under load every command is acknowledged and answered once; no secret is logged.

How fast the acknowledgements are (Slack allows 3 seconds) is measured by benchmarks/slack_load.py.
"""

from __future__ import annotations

import logging
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.logging_setup import RedactingFilter
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, RunningBot


def test_fifty_simultaneous_commands_are_all_acknowledged_and_answered(bot: RunningBot) -> None:
    questions = [
        "活动上线前怎么预热?",
        "拉新有哪些渠道?",
        "How do we retain users?",
        "运营总监需要什么能力?",
        "怎么配置 Kubernetes?",
    ]
    with ThreadPoolExecutor(max_workers=50) as pool:
        replies = list(
            pool.map(lambda i: bot.command(f"ask {questions[i % 5]}", response=f"load{i}"), range(50))
        )
    assert all(reply.status == 200 for reply in replies)
    assert bot.slack.wait_for(
        lambda: all(len(bot.slack.responses(f"load{i}")) >= 1 for i in range(50)), timeout=60
    )
    for i in range(50):
        final = bot.slack.responses(f"load{i}")[-1]
        assert final["replace_original"] is True and final["text"]
        assert len(bot.slack.responses(f"load{i}")) == 1


def test_tokens_and_the_signing_secret_never_reach_the_logs(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(RedactingFilter([BOT_TOKEN, SIGNING_SECRET]))
    with caplog.at_level(logging.DEBUG):
        bot.command("ask 活动怎么预热")
        bot.slack.rate_limited["chat.postMessage"] = 1
        bot.event(
            {"type": "app_mention", "channel": "C1", "user": "U1", "text": "<@UBOT0001> 预热", "ts": "1.2"},
            "EvS",
        )
        assert bot.slack.wait_for(
            lambda: len(bot.slack.responses()) >= 1 and bool(bot.slack.called("chat.postMessage"))
        )
        logging.getLogger("slack_sdk").debug("token=%s secret=%s", BOT_TOKEN, SIGNING_SECRET)
    assert BOT_TOKEN not in caplog.text and SIGNING_SECRET not in caplog.text
    assert "xoxb-[redacted]" in caplog.text
    authorization = bot.slack.called("chat.postMessage")[0].headers["authorization"]
    assert authorization == f"Bearer {BOT_TOKEN}"


def test_the_redacting_filter_masks_secrets_in_messages_and_tracebacks() -> None:
    redactor = RedactingFilter(["s3cr3t-value"])
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "auth with %s and xapp-1-AAA", ("s3cr3t-value",), None
    )
    try:
        raise RuntimeError("boom xoxb-123-456-abc")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    assert redactor.filter(record)
    assert "s3cr3t-value" not in record.getMessage() and "xapp-1-AAA" not in record.getMessage()
    assert record.exc_text is not None and "xoxb-123" not in record.exc_text

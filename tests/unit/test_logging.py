"""Log lines carry time, level and the ids being worked on; JSON lines parse; secrets never appear."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.logging_setup import configure_from_settings, configure_logging, log_context
from bot.settings import Settings

BOT_TOKEN = "xoxb-1111-2222-SECRETBOTTOKEN"
APP_TOKEN = "xapp-1-A111-222-SECRETAPPTOKEN"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
OPENAI_KEY = "sk-proj-ABCDEF0123456789secret"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    out = io.StringIO()
    yield out
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def secret_settings(settings: Settings, **update: object) -> Settings:
    return settings.model_copy(
        update={
            "slack_bot_token": SecretStr(BOT_TOKEN),
            "slack_app_token": SecretStr(APP_TOKEN),
            "slack_signing_secret": SecretStr(SIGNING_SECRET),
            "llm_api_key": SecretStr(OPENAI_KEY),
            **update,
        }
    )


def test_each_line_has_a_timestamp_a_level_and_the_ids_in_context(stream: io.StringIO) -> None:
    configure_logging(logging.INFO, [], stream=stream)
    log = logging.getLogger("bot.test")
    with log_context(event="Ev123"), log_context(campaign="c42"):
        log.info("answering")
    log.info("outside")
    first, second = stream.getvalue().splitlines()
    assert first.endswith("INFO bot.test [event=Ev123 campaign=c42]: answering")
    assert first[:4].isdigit() and first[4] == "-"  # 2026-… the time comes first
    assert second.endswith("INFO bot.test: outside")


def test_serve_logs_info_and_a_terminal_warnings_unless_the_level_is_set(
    settings: Settings, stream: io.StringIO
) -> None:
    configure_from_settings(settings, logging.INFO, stream=stream)
    assert logging.getLogger().level == logging.INFO
    configure_from_settings(settings, logging.WARNING, stream=stream)
    assert logging.getLogger().level == logging.WARNING
    configure_from_settings(settings.model_copy(update={"log_level": "debug"}), logging.WARNING, stream)
    assert logging.getLogger().level == logging.DEBUG
    # Configuring again replaces our handler: one line per record, never two.
    logging.getLogger("bot.test").warning("once")
    assert stream.getvalue().count("once") == 1


def test_json_lines_parse_and_carry_the_ids(settings: Settings, stream: io.StringIO) -> None:
    configure_from_settings(settings.model_copy(update={"log_json": True}), logging.INFO, stream)
    with log_context(reminder="r7", event=None):
        logging.getLogger("bot.test").info("posted %s", "今天的提醒")
    line = json.loads(stream.getvalue())
    assert line["message"] == "posted 今天的提醒" and line["reminder"] == "r7" and "event" not in line
    assert line["level"] == "INFO" and line["logger"] == "bot.test" and line["time"].startswith("20")


@pytest.mark.parametrize("json_lines", [False, True])
def test_secrets_never_appear_in_any_line(settings: Settings, stream: io.StringIO, json_lines: bool) -> None:
    configure_from_settings(secret_settings(settings, log_json=json_lines), logging.DEBUG, stream)
    log = logging.getLogger("slack_sdk.test")
    log.setLevel(logging.DEBUG)
    log.warning("Authorization: Bearer %s", BOT_TOKEN)
    log.warning("app token %s, key %s", APP_TOKEN, OPENAI_KEY)
    log.warning("signing with " + SIGNING_SECRET)
    try:
        raise RuntimeError(f"refused {BOT_TOKEN}")
    except RuntimeError:
        log.exception("failed")
    text = stream.getvalue()
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, OPENAI_KEY, "SECRETBOTTOKEN", "SECRETAPP"):
        assert secret not in text
    assert "xoxb-[redacted]" in text and "RuntimeError" in text

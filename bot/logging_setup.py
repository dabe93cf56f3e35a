"""Logging, configured once: level, timestamps, the event/reminder/campaign id on every line, optional
JSON lines, and never a token or secret, whatever a library decides to log."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.settings import Settings

_TOKEN = re.compile(r"\b(xox[abpers]-|xapp-|sk-)[A-Za-z0-9_-]+")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"
# Ids of what is being worked on; set by `log_context`, copied into each record by `ContextFilter`.
_IDS: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("opsbot_log_ids", default=())


@contextmanager
def log_context(**ids: str | None) -> Iterator[None]:
    """Every line logged inside names these ids (event=…, reminder=…, campaign=…).

    Context variables do not follow work onto a thread pool by themselves; submit with
    `contextvars.copy_context().run` (as `SlackResponder.submit` does) to carry them.
    """
    merged = {**dict(_IDS.get()), **{key: str(value) for key, value in ids.items() if value}}
    token = _IDS.set(tuple(merged.items()))
    try:
        yield
    finally:
        _IDS.reset(token)


def current_ids() -> Mapping[str, str]:
    return dict(_IDS.get())


class ContextFilter(logging.Filter):
    """Adds `ids` (a dict) and `context` (" [event=Ev1 campaign=c1]" or "") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = dict(_IDS.get())
        record.ids = ids
        record.context = " [" + " ".join(f"{k}={v}" for k, v in ids.items()) + "]" if ids else ""
        return True


class RedactingFilter(logging.Filter):
    """Masks Slack tokens, API keys and any configured secret value in every record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if len(secret) >= 6]

    def redact(self, text: str) -> str:
        text = _TOKEN.sub(lambda match: match.group(1) + "[redacted]", text)
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message or record.exc_info or record.exc_text:
            record.msg, record.args = redacted, None
            if record.exc_info:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
                record.exc_info = None
            if record.exc_text:
                record.exc_text = self.redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the context ids, any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "ids", {}),
        }
        if record.exc_info:
            record.exc_text = record.exc_text or self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class _OpsbotHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so reconfiguring finds and replaces it."""


def parse_level(name: str, default: int) -> int:
    """`OPSBOT_LOG_LEVEL` (debug, info, warning, error), or `default` when unset or unknown."""
    level = logging.getLevelName(name.strip().upper()) if name.strip() else default
    return level if isinstance(level, int) else default


def settings_secrets(settings: Settings) -> list[str]:
    values = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.llm_api_key,
    )
    return [value.get_secret_value() for value in values if value is not None]


def configure_logging(
    level: int, secrets: list[str], *, json_lines: bool = False, stream: TextIO | None = None
) -> logging.Handler:
    """Install our handler on the root logger; calling again replaces it, so nothing is duplicated.

    Handlers others added (pytest's capture, say) stay.
    """
    handler = _OpsbotHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter(secrets))
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OpsbotHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # The libraries' INFO lines are per request and name URLs; warnings and errors still show.
    for noisy in ("slack_bolt", "slack_sdk", "httpx", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    return handler


def configure_from_settings(settings: Settings, default_level: int, stream: TextIO | None = None) -> None:
    """The one call `opsbot` makes: INFO by default for `serve`, WARNING for terminal commands."""
    configure_logging(
        parse_level(settings.log_level, default_level),
        settings_secrets(settings),
        json_lines=settings.log_json,
        stream=stream,
    )

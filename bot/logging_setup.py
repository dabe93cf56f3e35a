"""Logging that can never print a token or secret, whatever a library decides to log."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"\b(xox[abpers]-|xapp-|sk-)[A-Za-z0-9_-]+")


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
        if redacted != message or record.exc_info:
            record.msg, record.args = redacted, None
            if record.exc_info:
                record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


def configure_logging(level: int, secrets: list[str]) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redactor = RedactingFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    logging.getLogger("slack_bolt").setLevel(max(level, logging.WARNING))
    logging.getLogger("slack_sdk").setLevel(max(level, logging.WARNING))

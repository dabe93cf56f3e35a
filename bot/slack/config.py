"""Slack credentials, checked once at start-up with a message that names the variable (never its value)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.errors import OpsbotError
from bot.settings import Settings

_BOT_TOKEN = re.compile(r"^xoxb-[A-Za-z0-9-]{8,}$")
_APP_TOKEN = re.compile(r"^xapp-[A-Za-z0-9-]{8,}$")
_SIGNING_SECRET = re.compile(r"^[A-Za-z0-9]{16,128}$")


class SlackConfigError(OpsbotError):
    """A Slack credential is missing or malformed."""


@dataclass(frozen=True)
class SlackCredentials:
    bot_token: str
    signing_secret: str
    app_token: str | None

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


def _value(secret: object) -> str:
    return str(secret.get_secret_value()).strip() if secret is not None else ""  # type: ignore[attr-defined]


def slack_credentials(settings: Settings, force_http: bool = False) -> SlackCredentials:
    """Socket Mode when SLACK_APP_TOKEN is set (unless HTTP is forced), otherwise HTTP."""
    bot_token = _value(settings.slack_bot_token)
    if not bot_token:
        raise SlackConfigError(
            "SLACK_BOT_TOKEN is not set (the bot token, xoxb-…, from OAuth & Permissions)."
        )
    if not _BOT_TOKEN.match(bot_token):
        raise SlackConfigError("SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb-.")
    app_token = _value(settings.slack_app_token)
    socket_mode = bool(app_token) and not force_http
    if socket_mode and not _APP_TOKEN.match(app_token):
        raise SlackConfigError("SLACK_APP_TOKEN is malformed: an app-level token starts with xapp-.")
    signing_secret = _value(settings.slack_signing_secret)
    if not socket_mode and not signing_secret:
        raise SlackConfigError(
            "SLACK_SIGNING_SECRET is not set (Basic Information › Signing Secret); HTTP mode needs it."
        )
    if signing_secret and not _SIGNING_SECRET.match(signing_secret):
        raise SlackConfigError("SLACK_SIGNING_SECRET is malformed: it is a string of letters and digits.")
    return SlackCredentials(bot_token, signing_secret, app_token if socket_mode else None)

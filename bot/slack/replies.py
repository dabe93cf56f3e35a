"""Replies only the acting person sees, and the one place a user's mistake becomes such a reply."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.errors import OpsbotError
from bot.health import is_storage_failure
from bot.slack.blocks import safe
from bot.slack.request import SlackRequest

log = logging.getLogger(__name__)

PostWebhook = Callable[[str, dict[str, Any]], None]
NOT_SAVED = (
    "没能保存(机器人的存储已满或不可写),这次操作没有生效,请稍后再试。\n"
    "I couldn't save that: the bot's storage is full or read-only, so it did not take effect. "
    "Please try again later."
)


def private_note(text: str, blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A new message only the person who acted sees (the message they acted on stays)."""
    message: dict[str, Any] = {"response_type": "ephemeral", "replace_original": False, "text": text}
    if blocks:
        message["blocks"] = blocks
    return message


class Replier:
    """Answers the acting person privately: through the response URL, else as an ephemeral message."""

    def __init__(self, client: WebClient, post_webhook: PostWebhook) -> None:
        self._client = client
        self._post_webhook = post_webhook

    def private(self, request: SlackRequest, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        if request.response_url:
            self._post_webhook(request.response_url, private_note(text, blocks))
            return
        try:
            if request.channel_id and request.user_id:
                self._client.chat_postEphemeral(
                    channel=request.channel_id, user=request.user_id, text=text, blocks=blocks
                )
            elif request.user_id:  # a modal's submission has neither: a DM is as private
                self._client.chat_postMessage(channel=request.user_id, text=text, blocks=blocks)
        except SlackApiError as error:
            log.info("could not reply privately: %s", error.response.get("error"))

    def mistake(self, request: SlackRequest, error: OpsbotError) -> None:
        self.private(request, safe(str(error), 1500))

    def run(self, work: Callable[..., None], request: SlackRequest, *args: Any) -> None:
        """Run one unit of work; a typed user error (bad date, unknown campaign …) becomes a reply, and
        so does a write the disk refused (a review, a vote, a reminder is never lost without a word)."""
        try:
            work(request, *args)
        except OpsbotError as error:
            self.mistake(request, error)
        except Exception as error:
            if not is_storage_failure(error):
                raise
            log.error("could not save %s: %s", getattr(work, "__name__", "the work"), type(error).__name__)
            self.private(request, NOT_SAVED)

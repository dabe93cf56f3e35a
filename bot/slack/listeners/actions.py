"""Buttons: share an answer in the channel, vote on it, or ask a suggested question."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.slack.listeners.context import Services


def _channel(body: dict[str, Any]) -> str:
    return str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")


def register(app: App, services: Services) -> None:
    responder = services.responder

    @app.action("share_answer")
    def handle_share(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        responder.submit(
            responder.share, action["value"], _channel(body), body["user"]["id"], body.get("response_url")
        )

    @app.action(re.compile(r"^feedback_(up|down)$"))
    def handle_vote(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        vote = "up" if action["action_id"] == "feedback_up" else "down"
        responder.submit(
            responder.record_vote, action["value"], body["user"]["id"], vote, body.get("response_url")
        )

    @app.action(re.compile(r"^ask_suggested_\d+$"))
    def handle_suggestion(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        message = body.get("message") or {}
        responder.submit(
            responder.answer_message,
            _channel(body),
            message.get("ts", ""),
            None,
            action["value"],
            body["user"]["id"],
        )

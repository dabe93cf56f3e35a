"""One typed object for an incoming Slack request, made at the edge so nothing is dropped on the way."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from bot.domain.spaces import without_control_characters


@dataclass(frozen=True)
class SlackRequest:
    """Who asked, where, and what: the same shape for commands, messages and interactive payloads.

    `team_id` travels with every request because some Web API calls need it (a streamed answer in a
    channel thread must name `recipient_team_id`).
    """

    team_id: str
    user_id: str
    channel_id: str = ""
    enterprise_id: str | None = None
    text: str = ""
    ts: str = ""
    thread_ts: str | None = None
    response_url: str = ""
    trigger_id: str = ""

    def with_text(self, text: str) -> SlackRequest:
        return replace(self, text=without_control_characters(text))

    @classmethod
    def from_command(cls, command: dict[str, Any]) -> SlackRequest:
        return cls(
            team_id=str(command.get("team_id") or ""),
            enterprise_id=command.get("enterprise_id") or None,
            user_id=str(command.get("user_id") or ""),
            channel_id=str(command.get("channel_id") or ""),
            text=without_control_characters(str(command.get("text") or "")),
            response_url=str(command.get("response_url") or ""),
            trigger_id=str(command.get("trigger_id") or ""),
        )

    @classmethod
    def from_event(cls, event: dict[str, Any], body: dict[str, Any] | None = None) -> SlackRequest:
        """A message or app_mention event; the team comes from the event or its envelope."""
        body = body or {}
        team = event.get("team") or event.get("user_team") or body.get("team_id") or ""
        return cls(
            team_id=str(team),
            enterprise_id=body.get("enterprise_id") or None,
            user_id=str(event.get("user") or ""),
            channel_id=str(event.get("channel") or ""),
            text=without_control_characters(str(event.get("text") or "")),
            ts=str(event.get("ts") or ""),
            thread_ts=event.get("thread_ts") or None,
        )

    @classmethod
    def from_action(cls, body: dict[str, Any]) -> SlackRequest:
        """A block_actions or view_submission payload."""
        team = body.get("team") or {}
        user = body.get("user") or {}
        channel = (
            (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
        )
        message = body.get("message") or {}
        enterprise = body.get("enterprise") or {}
        return cls(
            team_id=str(team.get("id") or user.get("team_id") or ""),
            enterprise_id=(enterprise.get("id") if isinstance(enterprise, dict) else None) or None,
            user_id=str(user.get("id") or ""),
            channel_id=str(channel),
            ts=str(message.get("ts") or ""),
            thread_ts=message.get("thread_ts") or None,
            response_url=str(body.get("response_url") or ""),
            trigger_id=str(body.get("trigger_id") or ""),
        )


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """What a modal was opened for (its `private_metadata`, JSON we wrote); empty when it is not ours."""
    try:
        metadata = json.loads(str(view.get("private_metadata") or ""))
    except ValueError:
        return {}
    return metadata if isinstance(metadata, dict) else {}


def field_errors(errors: dict[str, str]) -> dict[str, Any]:
    """Slack's `response_action: errors`: each message under its field, and the modal stays open."""
    return {
        "response_action": "errors",
        "errors": {block: message[:150] for block, message in errors.items()},
    }

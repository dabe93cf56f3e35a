"""The slash command (`/ops` by default): ask, help, and help for anything unknown."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.language import detect_language
from bot.slack import blocks
from bot.slack.listeners.context import Services
from bot.slack.parsing import parse_command


def register(app: App, services: Services) -> None:
    command_name = services.settings.slash_command

    @app.command(command_name)
    def handle_command(ack: Ack, command: dict[str, Any]) -> None:
        parsed = parse_command(command.get("text", ""))
        if parsed.name == "ask" and parsed.argument:
            # The acknowledgement itself is the visible sign of work; the answer replaces it.
            ack(response_type="ephemeral", text=blocks.working_text(detect_language(parsed.argument)))
            services.responder.submit(
                services.responder.answer_command,
                parsed.argument,
                command["response_url"],
                command["user_id"],
            )
            return
        if parsed.name == "checklist" and parsed.argument.lower().startswith("move "):
            ack()
            services.responder.submit(
                services.checklists.move_dates,
                parsed.argument[5:].strip(),
                command["channel_id"],
                command["user_id"],
                command["response_url"],
            )
            return
        if parsed.name == "checklist" and parsed.argument:
            ack(response_type="ephemeral", text="⏳ 正在按手册生成活动清单… / Drafting the checklist…")
            services.responder.submit(
                services.checklists.draft_and_post,
                parsed.argument,
                command["channel_id"],
                command["user_id"],
                command["response_url"],
            )
            return
        if parsed.name == "checklists":
            ack()
            services.responder.submit(
                services.checklists.list_for_channel, command["channel_id"], command["response_url"]
            )
            return
        if parsed.name == "remind" and parsed.argument:
            ack()
            reminders = services.reminders
            first, _, rest = parsed.argument.partition(" ")
            if first.lower() == "cancel":
                services.responder.submit(reminders.cancel, rest, command["user_id"], command["response_url"])
            else:
                services.responder.submit(
                    reminders.create,
                    parsed.argument,
                    command["user_id"],
                    command["channel_id"],
                    command["response_url"],
                )
            return
        if parsed.name == "review" and parsed.argument:
            ack()
            services.responder.submit(
                services.reminders.review_by_hand,
                parsed.argument,
                command["user_id"],
                command["channel_id"],
                command["response_url"],
            )
            return
        if parsed.name == "reminders":
            ack()
            services.responder.submit(
                services.reminders.list_for,
                command["channel_id"],
                command["user_id"],
                command["response_url"],
            )
            return
        unknown = parsed.argument if parsed.name == "unknown" else None
        ack(text=blocks.help_text(command_name), blocks=blocks.help_blocks(command_name, unknown))

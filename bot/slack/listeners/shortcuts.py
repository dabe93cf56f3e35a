"""Message shortcuts: "Save to knowledge" on any message saves its thread after a modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack.listeners.context import Services
from bot.slack.request import SlackRequest
from bot.slack.threads import CALLBACK_ID, SHORTCUT_ID


def register(app: App, services: Services) -> None:
    saver = services.threads
    if saver is None:
        return

    @app.shortcut({"type": "message_action", "callback_id": SHORTCUT_ID})
    def handle_save_to_knowledge(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        # The trigger_id lives 3 seconds, so the modal opens here rather than on the worker pool.
        text = str((body.get("message") or {}).get("text") or "")
        services.replier.run(saver.open_modal, SlackRequest.from_action(body), text)

    @app.view(CALLBACK_ID)
    def handle_save_thread(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        refusal = saver.refusal(view)
        if refusal is not None:
            ack(**refusal)
            return
        ack()
        if services.first_submission(view):
            services.submit(saver.save, SlackRequest.from_action(body), view)

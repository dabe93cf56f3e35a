"""Checklist buttons and menus: ticks, stage owners, Markdown export."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.slack.listeners.context import Services


def _shown_state(body: dict[str, Any], block_id: str) -> tuple[list[str], list[str]]:
    """The options of the ticked group and which of them were ticked in the message this person saw."""
    for block in (body.get("message") or {}).get("blocks", []):
        if block.get("block_id") == block_id:
            element = block["elements"][0]
            group = [option["value"] for option in element.get("options", [])]
            ticked = [option["value"] for option in element.get("initial_options", [])]
            return group, ticked
    return [], []


def register(app: App, services: Services) -> None:
    checklists = services.checklists
    submit = services.responder.submit

    @app.action(re.compile(r"^checklist_tick:"))
    def handle_tick(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        _, campaign_id, _stage, _part = action["action_id"].split(":", 3)
        group, shown = _shown_state(body, action["block_id"])
        selected = [option["value"] for option in action.get("selected_options", [])]
        submit(checklists.tick, campaign_id, selected, shown, group, body["user"]["id"])

    @app.action(re.compile(r"^checklist_owner:"))
    def handle_owner(ack: Ack, action: dict[str, Any]) -> None:
        ack()
        _, campaign_id, stage_key = action["action_id"].split(":", 2)
        submit(checklists.set_owner, campaign_id, stage_key, action.get("selected_user"))

    @app.action("reminder_cancel")
    def handle_reminder_cancel(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        submit(services.reminders.cancel, action["value"], body["user"]["id"], body.get("response_url", ""))

    @app.action("review_write")
    def handle_review_write(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        services.reviews.open_review(action["value"], body["trigger_id"])

    @app.view("review_submit")
    def handle_review_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        submit(services.reviews.save_review, view.get("private_metadata", ""), body["user"]["id"], view)

    @app.action("checklist_export")
    def handle_export(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        submit(checklists.export, action["value"], body.get("response_url", ""))

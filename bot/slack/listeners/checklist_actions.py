"""Checklist buttons and menus (ticks, stage owners, Markdown export), reminder Cancel and the review modal."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.logging_setup import log_context
from bot.slack.ack_budget import done_in_time, start_before_ack
from bot.slack.listeners.context import Services
from bot.slack.request import SlackRequest


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

    @app.action(re.compile(r"^checklist_tick:"))
    def handle_tick(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        _, campaign_id, _stage, _part = action["action_id"].split(":", 3)
        group, shown = _shown_state(body, action["block_id"])
        selected = [option["value"] for option in action.get("selected_options", [])]
        with log_context(campaign=campaign_id):
            services.submit(
                checklists.tick, SlackRequest.from_action(body), campaign_id, selected, shown, group
            )

    @app.action(re.compile(r"^checklist_owner:"))
    def handle_owner(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        _, campaign_id, stage_key = action["action_id"].split(":", 2)
        request = SlackRequest.from_action(body)
        with log_context(campaign=campaign_id):
            services.submit(
                checklists.set_owner, request, campaign_id, stage_key, action.get("selected_user")
            )

    @app.action("checklist_export")
    def handle_export(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        campaign_id = str(action.get("value") or "")
        with log_context(campaign=campaign_id):
            services.submit(checklists.export, SlackRequest.from_action(body), campaign_id)

    @app.action("reminder_cancel")
    def handle_reminder_cancel(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        reminder_id = str(action.get("value") or "")
        with log_context(reminder=reminder_id):
            services.submit(services.reminders.cancel, SlackRequest.from_action(body), reminder_id)

    @app.action("review_write")
    def handle_review_write(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        # The trigger_id lives 3 seconds, so the modal opens here rather than on the worker pool.
        campaign_id = str(action.get("value") or "")
        with log_context(campaign=campaign_id):
            services.replier.run(services.reviews.open_review, SlackRequest.from_action(body), campaign_id)

    @app.view("review_submit")
    def handle_review_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        # Slack waits 3 s: checks still asking Slack about owners then are made again by the save.
        checking = start_before_ack(lambda: services.reviews.refusal(view))
        refusal = checking.result() if done_in_time(checking) else None
        if refusal is not None:
            ack(**refusal)
            return
        ack()
        if services.first_submission(view):  # a redelivered review saves no second copy of its items
            services.submit(services.reviews.save_review, SlackRequest.from_action(body), view)

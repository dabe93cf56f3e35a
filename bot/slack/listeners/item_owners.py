"""Owners per checklist item: the **Assign items** button opens a modal, its submission sets them."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.logging_setup import log_context
from bot.slack.ack_budget import done_in_time
from bot.slack.checklist_blocks import ASSIGN_ACTION, OWNERS_CALLBACK
from bot.slack.listeners.context import Services
from bot.slack.request import SlackRequest


def register(app: App, services: Services) -> None:
    checklists = services.checklists

    @app.action(re.compile(rf"^{ASSIGN_ACTION}:"))
    def handle_assign(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        # A forged action_id may lack the stage: then no stage matches and the clicker is told so.
        campaign_id, _, stage_key = str(action["action_id"]).removeprefix(f"{ASSIGN_ACTION}:").partition(":")
        # The trigger_id lives 3 seconds, so the modal opens here rather than on the worker pool.
        with log_context(campaign=campaign_id):
            services.replier.run(
                checklists.open_owners, SlackRequest.from_action(body), campaign_id, stage_key
            )

    @app.view(OWNERS_CALLBACK)
    def handle_owners(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        # A view_submission carries no channel: the service checks the person belongs to the checklist's.
        request = SlackRequest.from_action(body)
        saving = checklists.assign_owners(request, view)
        # Slack waits 3 s: a save still asking Slack about people then is finished after the ack.
        refusal = checklists.owner_errors(view, saving) if done_in_time(saving) else None
        if refusal is not None:
            ack(**refusal)
            return
        ack()
        services.submit(checklists.finish_assigning, request, view, saving)

"""The **Export calendar (.ics)** button; `/ops calendar <name>` is routed in commands.py."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.logging_setup import log_context
from bot.slack.listeners.context import Services
from bot.slack.request import SlackRequest

EXPORT_ICS = "checklist_export_ics"


def register(app: App, services: Services) -> None:
    calendar = services.calendar
    if calendar is None:  # bootstrap_slack always wires it; a partial test app may not
        return

    @app.action(EXPORT_ICS)
    def handle_export_ics(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        campaign_id = str(action.get("value") or "")
        with log_context(campaign=campaign_id):
            services.submit(calendar.export_campaign, SlackRequest.from_action(body), campaign_id)

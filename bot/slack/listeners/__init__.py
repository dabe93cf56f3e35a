"""Bolt listeners, one module per kind of request; each only acknowledges, parses and hands on."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import (
    actions,
    calendar,
    checklist_actions,
    commands,
    events,
    gaps,
    home,
    item_owners,
    knowledge,
    nudges,
    shortcuts,
)
from bot.slack.listeners.context import Services


def register(app: App, services: Services) -> None:
    commands.register(app, services)
    events.register(app, services)
    home.register(app, services)
    actions.register(app, services)
    checklist_actions.register(app, services)
    knowledge.register(app, services)
    shortcuts.register(app, services)
    gaps.register(app, services)
    calendar.register(app, services)
    item_owners.register(app, services)
    nudges.register(app, services)

"""Bolt listeners, one module per kind of request; each only acknowledges, parses and hands on."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import actions, checklist_actions, commands, events
from bot.slack.listeners.context import Services


def register(app: App, services: Services) -> None:
    commands.register(app, services)
    events.register(app, services)
    actions.register(app, services)
    checklist_actions.register(app, services)

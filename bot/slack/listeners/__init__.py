"""Bolt listeners, one module per kind of request; each only acknowledges, parses and hands on."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import actions, checklist_actions, commands, events, gaps, knowledge, shortcuts
from bot.slack.listeners.context import Services


def register(app: App, services: Services) -> None:
    commands.register(app, services)
    events.register(app, services)
    actions.register(app, services)
    checklist_actions.register(app, services)
    knowledge.register(app, services)
    shortcuts.register(app, services)
    gaps.register(app, services)

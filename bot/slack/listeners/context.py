"""What listeners are handed: the responder, the state store and the settings, built once."""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters.state_store import SqlStateStore
from bot.settings import Settings
from bot.slack.checklists import ChecklistResponder
from bot.slack.reminders import ReminderResponder
from bot.slack.responder import SlackResponder
from bot.slack.reviews import ReviewResponder


@dataclass(frozen=True)
class Services:
    settings: Settings
    responder: SlackResponder
    state: SqlStateStore
    checklists: ChecklistResponder
    reminders: ReminderResponder
    reviews: ReviewResponder

"""What listeners are handed: the Slack-side responders over the services, built once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.adapters.state_store import SqlStateStore
from bot.settings import Settings
from bot.slack.checklists import ChecklistResponder
from bot.slack.knowledge import KnowledgeResponder
from bot.slack.reminders import ReminderResponder
from bot.slack.replies import Replier
from bot.slack.request import SlackRequest
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
    replier: Replier
    knowledge: KnowledgeResponder

    def submit(self, work: Callable[..., None], request: SlackRequest, *args: Any) -> None:
        """Run after the ack on a worker thread; a user's mistake is answered by `Replier.run`."""
        self.responder.submit(self.replier.run, work, request, *args)

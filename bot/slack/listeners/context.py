"""What listeners are handed: the Slack-side responders over the services, built once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.adapters.state_store import SqlStateStore
from bot.health import is_storage_failure
from bot.settings import Settings
from bot.slack.calendar_export import CalendarResponder
from bot.slack.checklists import ChecklistResponder
from bot.slack.gaps import GapResponder
from bot.slack.home import HomeResponder
from bot.slack.knowledge import KnowledgeResponder
from bot.slack.nudges import NudgeResponder
from bot.slack.reminders import ReminderResponder
from bot.slack.replies import Replier
from bot.slack.request import SlackRequest
from bot.slack.responder import SlackResponder
from bot.slack.reviews import ReviewResponder
from bot.slack.scopes import ScopeResponder
from bot.slack.threads import ThreadSaver


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
    # The "Save to knowledge" message shortcut; None where it is not wired (it then is not registered).
    threads: ThreadSaver | None = None
    # `/ops scope …`; None where it is not wired (its subcommands then answer that it is unavailable).
    scopes: ScopeResponder | None = None
    # `/ops gaps`, **Answer this** and the 👎 reason modal; None where it is not wired.
    gaps: GapResponder | None = None
    # App Home: publishing it when opened, its Done and Cancel buttons; None where it is not wired.
    home: HomeResponder | None = None
    # The morning nudges' **Done** button and `/ops nudges …`; None where it is not wired.
    nudges: NudgeResponder | None = None
    # **Export calendar (.ics)** and `/ops calendar <name>`; None where it is not wired.
    calendar: CalendarResponder | None = None

    def first_submission(self, view: dict[str, Any]) -> bool:
        """A modal acted on once: Slack's redelivery or a double click brings the same view id again.

        Claimed only once the form is accepted (a refused form stays open and is submitted again);
        a claim the disk refuses still lets the submission through, once here.
        """
        view_id = str(view.get("id") or "")
        if not view_id:
            return True
        try:
            return self.state.claim(f"view:{view_id}")
        except Exception as error:
            if not is_storage_failure(error):
                raise
            return True

    def submit(self, work: Callable[..., None], request: SlackRequest, *args: Any) -> None:
        """Run after the ack on a worker thread; a user's mistake is answered by `Replier.run`."""
        self.responder.submit(self.replier.run, work, request, *args)

"""Campaign reviews (复盘): the questions to ask, and saving the answers as searchable knowledge."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.clock import Clock
from bot.domain.errors import NotFound, OpsbotError
from bot.domain.sources import REVIEW, KnowledgeSource, review_body, review_label
from bot.services.ports import ChecklistStore, KnowledgeSourceStore

MAX_QUESTIONS = 8
ANYTHING_ELSE = "其他总结 / Anything else"
_CAMPAIGN_ID = re.compile(r"^[0-9a-f]{6,32}$")
NO_SUCH_CAMPAIGN = "找不到这个活动,复盘没有保存 / This campaign does not exist; the review was not saved."


class EmptyReview(OpsbotError):
    """Every answer of the review was left blank."""


@dataclass(frozen=True)
class ReviewForm:
    campaign_id: str
    campaign_name: str
    questions: list[str]


class ReviewService:
    """Reviews go to the database twice: as the campaign's record, and as knowledge every process indexes."""

    def __init__(
        self,
        checklists: ChecklistStore,
        review_questions: Callable[[], list[str]],
        sources: KnowledgeSourceStore,
        clock: Clock,
        on_review_saved: Callable[[], object] | None = None,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._checklists = checklists
        self._review_questions = review_questions
        self._sources = sources
        self._clock = clock
        self._on_review_saved = on_review_saved
        self._new_id = new_id

    def form_for(self, campaign_id: str, channel: str) -> ReviewForm:
        """The playbook's review questions for one of this channel's campaigns."""
        name = self._campaign_name(campaign_id, channel)
        return ReviewForm(campaign_id, name, [*self._review_questions()[:MAX_QUESTIONS], ANYTHING_ELSE])

    def check_campaign(self, campaign_id: str, channel: str) -> None:
        """Raises NotFound unless it is this channel's campaign (checked before the modal is acknowledged)."""
        self._campaign_name(campaign_id, channel)

    def save(
        self, campaign_id: str, channel: str, author: str, answers: list[tuple[str, str]]
    ) -> KnowledgeSource:
        """Saved under an id of its own (two reviews never overwrite each other), then indexed.

        Its citation label is made here from the campaign, the day and the author; nothing the
        reviewer typed can change where it is cited from.
        """
        name = self._campaign_name(campaign_id, channel)
        answers = [(question, answer) for question, answer in answers if answer.strip()]
        if not answers:
            raise EmptyReview("复盘是空的 / The review is empty: answer at least one question.")
        self._checklists.save_review(campaign_id, author, answers)
        now = self._clock.now()
        source = KnowledgeSource(
            source_id=self._new_id(),
            kind=REVIEW,
            title=review_label(name, now.date(), author),
            body=review_body(answers),
            campaign_id=campaign_id,
            channel=channel,
            created_by=author,
            created_at=now.timestamp(),
        )
        self._sources.add(source)
        if self._on_review_saved:
            self._on_review_saved()
        return source

    def _campaign_name(self, campaign_id: str, channel: str) -> str:
        if (
            not _CAMPAIGN_ID.match(campaign_id)
            or not channel
            or self._checklists.channel_of(campaign_id) != channel
        ):
            raise NotFound(NO_SUCH_CAMPAIGN)
        checklist = self._checklists.load(campaign_id)
        if checklist is None:
            raise NotFound(NO_SUCH_CAMPAIGN)
        return checklist.campaign.name

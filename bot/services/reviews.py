"""Campaign reviews (复盘): the questions to ask, and saving the answers as searchable knowledge."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.clock import Clock
from bot.domain.errors import NotAllowed, NotFound, OpsbotError
from bot.domain.review_actions import (
    ACTIONS_QUESTION,
    REVIEW_ACTIONS_NAME,
    REVIEW_ACTIONS_STAGE,
    ActionItemDraft,
    action_item_problems,
    action_items,
    actions_answer,
)
from bot.domain.sources import REVIEW, KnowledgeSource, review_body, review_label
from bot.services.ports import ChecklistStore, KnowledgeSourceStore, People

MAX_QUESTIONS = 8
LABEL_CHARS = 150  # a Slack input label's limit: the form's labels are the questions cut to this
ANYTHING_ELSE = "其他总结 / Anything else"
_CAMPAIGN_ID = re.compile(r"^[0-9a-f]{6,32}$")
NO_SUCH_CAMPAIGN = "找不到这个活动,复盘没有保存 / This campaign does not exist; the review was not saved."
NOT_A_MEMBER = (
    "只有这个活动频道的成员才能写复盘 / Only members of the campaign's channel can write its review."
)


class EmptyReview(OpsbotError):
    """Every answer of the review was left blank."""


class InvalidActionItems(OpsbotError):
    """An action item row that cannot be tracked as written (the modal says which field)."""


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
        people: People | None = None,
    ) -> None:
        self._checklists = checklists
        self._review_questions = review_questions
        self._sources = sources
        self._clock = clock
        self._on_review_saved = on_review_saved
        self._new_id = new_id
        self._people = people

    def form_for(self, campaign_id: str, channel: str, user: str) -> ReviewForm:
        """The playbook's review questions for one of this channel's campaigns, for a member of it."""
        name = self._campaign_name(campaign_id, channel)
        self._check_member(channel, user)
        return ReviewForm(campaign_id, name, [*self._review_questions()[:MAX_QUESTIONS], ANYTHING_ELSE])

    def check_campaign(self, campaign_id: str, channel: str) -> None:
        """Raises NotFound unless it is this channel's campaign (checked before the modal is acknowledged)."""
        self._campaign_name(campaign_id, channel)

    def action_problems(self, actions: list[ActionItemDraft]) -> dict[tuple[int, str], str]:
        """What is wrong with each action-item row, by (row, field); checked before the modal closes."""
        is_person = self._people.is_person if self._people is not None else lambda _user: True
        return action_item_problems(actions, self._clock.today(), is_person)

    def save(
        self,
        campaign_id: str,
        channel: str,
        author: str,
        answers: list[tuple[str, str]],
        actions: list[ActionItemDraft] | None = None,
    ) -> KnowledgeSource:
        """Saved under an id of its own (two reviews never overwrite each other), then indexed.

        Its citation label is made here from the campaign, the day and the author; nothing the
        reviewer typed can change where it is cited from. Action items become checklist items of
        the campaign citing that label, and are part of the indexed text.
        """
        name = self._campaign_name(campaign_id, channel)
        self._check_member(channel, author)  # the modal's channel is whatever its metadata says
        # The submitted form names its questions; one the form never asked is filed under "anything
        # else", so a forged label cannot make an answer a carried-over lesson.
        # (Slack shows a label of 150 characters at most: the form's label is matched on those.)
        asked = {q[:LABEL_CHARS]: q for q in [*self._review_questions()[:MAX_QUESTIONS], ANYTHING_ELSE]}
        answers = [
            (asked.get(question[:LABEL_CHARS], ANYTHING_ELSE), answer)
            for question, answer in answers
            if answer.strip()
        ]
        actions = actions or []
        problems = self.action_problems(actions)
        if problems:
            raise InvalidActionItems(next(iter(problems.values())))
        listed = actions_answer(actions)
        if not answers and not listed:
            raise EmptyReview("复盘是空的 / The review is empty: answer at least one question.")
        now = self._clock.now()
        label = review_label(name, now.date(), author)
        review_id = self._checklists.save_review(campaign_id, author, answers, now.timestamp())
        items = action_items(review_id, actions, label)
        if items:
            self._checklists.append_stage(campaign_id, REVIEW_ACTIONS_STAGE, REVIEW_ACTIONS_NAME, items)
        source = KnowledgeSource(
            source_id=self._new_id(),
            kind=REVIEW,
            title=label,
            body=review_body([*answers, (ACTIONS_QUESTION, listed)] if listed else answers),
            campaign_id=campaign_id,
            channel=channel,
            created_by=author,
            created_at=now.timestamp(),
        )
        self._sources.add(source)
        if self._on_review_saved:
            self._on_review_saved()
        return source

    def _check_member(self, channel: str, user: str) -> None:
        """A signed payload proves it came from Slack, not that its sender is in the campaign's channel."""
        if self._people is not None and not self._people.is_member(channel, user):
            raise NotAllowed(NOT_A_MEMBER)

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

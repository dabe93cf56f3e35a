"""What the last reviews of a kind of campaign leave for the next one: "上次复盘的改进项".

The next checklist of the same kind gets a stage with (a) the earlier campaigns' action items
nobody has ticked yet, copied with their text, owner and citation, due a few working days before
the new launch, and (b) the lessons of the last review, each citing the review it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.checklists import Checklist, ChecklistItem
from bot.domain.review_actions import ACTIONS_QUESTION, FIXED_DUE, REVIEW_ACTIONS_STAGE
from bot.domain.sources import inline_text, review_label

LAST_REVIEW_STAGE = "last_review"
LAST_REVIEW_NAME = "上次复盘的改进项"
CARRIED_PREFIX = "carry-"
LESSON_PREFIX = "lesson-"
# Improvements should be in place before the launch: five working days before it.
CARRIED_DUE_WORKDAYS = -5
SOURCE_CAMPAIGNS = 2
MAX_CARRIED = 20
MAX_LESSONS = 5
LESSON_LIMIT = 120
# Questions whose answers are lessons: the playbook's "活动有哪些不好的地方,需要怎么样优化和调整?" and the like.
LESSON_WORDS = ("教训", "优化", "调整", "不好", "不足", "改进", "lesson", "improve", "better")
_PIECES = re.compile(r"[\n。;;!!]+")
_EDGES = re.compile(r"^[\s,,::]+|[\s,,::]+$")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.、)))]|[((]?\d+[))])\s*")


@dataclass(frozen=True)
class CampaignReview:
    """One saved review of a campaign, as the carry-over reads it."""

    review_id: int
    campaign_id: str
    campaign_name: str
    author: str
    answers: list[tuple[str, str]]
    created_at: float

    def label(self, zone: ZoneInfo) -> str:
        """The citation label the review's knowledge entry got on the day it was saved."""
        day = datetime.fromtimestamp(self.created_at, zone).date()
        return review_label(self.campaign_name, day, self.author)


@dataclass
class CarryOverPlan:
    """The new stage's items, and the earlier items they replace (closed so nobody is nudged twice)."""

    items: list[ChecklistItem] = field(default_factory=list)
    replaced: dict[str, list[str]] = field(default_factory=dict)


def is_action_item(stage_key: str, item_id: str) -> bool:
    """A review's action item, or one carried over from an earlier campaign (lessons are not)."""
    return stage_key == REVIEW_ACTIONS_STAGE or (
        stage_key == LAST_REVIEW_STAGE and item_id.startswith(CARRIED_PREFIX)
    )


def open_action_items(checklist: Checklist) -> list[ChecklistItem]:
    """The campaign's action items nobody has ticked: its own review's and those carried over."""
    return [
        item
        for stage in checklist.stages
        for item in stage.items
        if not item.done and is_action_item(stage.key, item.item_id)
    ]


def lessons_of(answers: list[tuple[str, str]]) -> list[str]:
    """Short lessons from the answers to the review's "what to improve" questions, one per sentence."""
    found: list[str] = []
    for question, answer in answers:
        if question == ACTIONS_QUESTION or not any(word in question.lower() for word in LESSON_WORDS):
            continue
        for piece in _PIECES.split(answer):
            text = _EDGES.sub("", inline_text(_BULLET.sub("", piece), LESSON_LIMIT))
            if len(text) >= 2 and text not in found:
                found.append(text)
    return found


def source_campaigns(reviews: list[CampaignReview], new_campaign: str) -> list[str]:
    """The most recently reviewed earlier campaigns (reviews come newest first)."""
    campaigns: list[str] = []
    for review in reviews:
        if review.campaign_id != new_campaign and review.campaign_id not in campaigns:
            campaigns.append(review.campaign_id)
    return campaigns[:SOURCE_CAMPAIGNS]


def plan_carry_over(
    reviews: list[CampaignReview],
    earlier: dict[str, Checklist],
    new_campaign: Checklist,
    zone: ZoneInfo,
) -> CarryOverPlan:
    """Open action items of the `earlier` campaigns, then the lessons of the newest reviewed one.

    Copies are due CARRIED_DUE_WORKDAYS before the new launch (or its end when it has no launch),
    and move with it; lessons have no due date and no owner: they are there to be read.
    """
    plan = CarryOverPlan()
    anchor = "launch" if new_campaign.campaign.launch else "end"
    for campaign_id in source_campaigns(reviews, new_campaign.campaign.campaign_id):
        checklist = earlier.get(campaign_id)
        for item in open_action_items(checklist) if checklist else []:
            if len(plan.items) >= MAX_CARRIED:
                break
            plan.items.append(
                ChecklistItem(
                    f"{CARRIED_PREFIX}{len(plan.items) + 1}",
                    item.text,
                    None,
                    item.source,
                    owner=item.owner,
                    anchor=anchor,
                    offset=CARRIED_DUE_WORKDAYS,
                )
            )
            plan.replaced.setdefault(campaign_id, []).append(item.item_id)
    newest = source_campaigns(reviews, new_campaign.campaign.campaign_id)[:1]
    lessons = [
        (lesson, review.label(zone))
        for review in reviews
        if review.campaign_id in newest
        for lesson in lessons_of(review.answers)
    ]
    for n, (lesson, label) in enumerate(lessons[:MAX_LESSONS], start=1):
        plan.items.append(ChecklistItem(f"{LESSON_PREFIX}{n}", lesson, None, label, anchor=FIXED_DUE))
    return plan

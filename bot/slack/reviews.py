"""Writing a campaign review (复盘) in Slack: a modal of the playbook's questions and a few action
items (text, owner, due date), saved as knowledge; the action items are tracked on the checklist."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from slack_sdk import WebClient

from bot.domain.checklists import ChecklistItem
from bot.domain.errors import OpsbotError
from bot.domain.people import is_user_id
from bot.domain.review_actions import ACTION_TEXT_LIMIT, ActionItemDraft
from bot.domain.spaces import without_control_characters
from bot.services.reviews import LABEL_CHARS, ReviewService
from bot.slack.blocks import safe
from bot.slack.request import SlackRequest, field_errors, view_metadata

CALLBACK_ID = "review_submit"
ACTION_ROWS = 3
_QUESTION_BLOCK = re.compile(r"^q\d+$")


def submitted_answers(view: dict[str, Any]) -> list[tuple[str, str]]:
    """(question, answer) pairs from a submitted review modal, in the modal's order (NUL, control
    bytes and lone surrogates, which no store takes, dropped as from every typed text)."""
    labels = {
        block["block_id"]: block["label"]["text"]
        for block in view.get("blocks", [])
        if block.get("type") == "input"
    }
    values = (view.get("state") or {}).get("values") or {}
    # Slack's state.values does not follow the blocks' order: the blocks give it.
    position = {block.get("block_id"): n for n, block in enumerate(view.get("blocks", []))}
    keys = sorted(
        (key for key in values if _QUESTION_BLOCK.match(key)), key=lambda k: position.get(k, len(position))
    )
    return [
        (
            labels.get(key, key),
            without_control_characters(str((values[key].get("answer") or {}).get("value") or "")),
        )
        for key in keys
    ]


def _action_block(row: int, part: str) -> str:
    return f"action{row}_{part}"


def _iso_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def submitted_actions(view: dict[str, Any]) -> list[ActionItemDraft]:
    """Each action-item row: plain_text_input `value`, users_select `selected_user`, datepicker
    `selected_date` (each None when left empty, as Slack sends them)."""
    values = (view.get("state") or {}).get("values") or {}

    def field(row: int, part: str, key: str) -> object:
        return ((values.get(_action_block(row, part)) or {}).get(part) or {}).get(key)

    return [
        ActionItemDraft(
            without_control_characters(str(field(row, "text", "value") or "")),
            str(field(row, "owner", "selected_user") or "") or None,
            _iso_date(field(row, "due", "selected_date")),
        )
        for row in range(1, ACTION_ROWS + 1)
    ]


def _action_inputs(row: int) -> list[dict[str, Any]]:
    """One row as three optional input blocks: inputs never send block_actions, so nothing to ack."""

    def block(part: str, label: str, element: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": _action_block(row, part),
            "optional": True,
            "label": {"type": "plain_text", "text": label},
            "element": {"action_id": part, **element},
        }

    return [
        block(
            "text",
            f"改进项 {row} / Action item {row}",
            {"type": "plain_text_input", "max_length": ACTION_TEXT_LIMIT},
        ),
        block(
            "owner",
            "负责人 / Owner",
            {"type": "users_select", "placeholder": {"type": "plain_text", "text": "选择负责人 / Pick"}},
        ),
        block(
            "due",
            "截止日 / Due date",
            {"type": "datepicker", "placeholder": {"type": "plain_text", "text": "选择日期 / Pick a date"}},
        ),
    ]


def action_rows() -> list[dict[str, Any]]:
    """The action-items part of the modal: a heading, then ACTION_ROWS rows."""
    heading = {
        "type": "section",
        "block_id": "actions_heading",
        "text": {
            "type": "mrkdwn",
            "text": "*改进项 / Action items* (可选 / optional) — 会加到活动清单里跟进,"
            "并列入同类下一个活动的清单 / tracked on the checklist and carried to the next campaign.",
        },
    }
    return [heading, *(block for row in range(1, ACTION_ROWS + 1) for block in _action_inputs(row))]


def reviewed_campaign(view: dict[str, Any]) -> tuple[str, str]:
    """(campaign id, channel) the modal was opened for; ("", "") when the metadata is not ours."""
    metadata = view_metadata(view)
    return str(metadata.get("campaign") or ""), str(metadata.get("channel") or "")


def modal_errors(view: dict[str, Any], message: str) -> dict[str, Any]:
    """Slack's `response_action: errors` shows the message under the modal's first field."""
    first = next((b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"), "q0")
    return field_errors({first: message})


class ReviewResponder:
    def __init__(
        self,
        service: ReviewService,
        client: WebClient,
        refresh_checklist: Callable[[str], None] | None = None,
    ) -> None:
        self.service = service
        self._client = client
        # Re-renders the campaign's checklist message once action items were added to it.
        self.refresh_checklist = refresh_checklist

    def open_review(self, request: SlackRequest, campaign_id: str) -> None:
        """Opens the modal at once (a trigger_id lives 3 seconds): one field per playbook question."""
        form = self.service.form_for(campaign_id, request.channel_id, request.user_id)
        inputs = [
            {
                "type": "input",
                "block_id": f"q{index}",
                "optional": True,
                "label": {"type": "plain_text", "text": question[:LABEL_CHARS]},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "answer",
                    "multiline": True,
                    "max_length": 3000,
                },
            }
            for index, question in enumerate(form.questions)
        ]
        self._client.views_open(
            trigger_id=request.trigger_id,
            view={
                "type": "modal",
                "callback_id": CALLBACK_ID,
                "private_metadata": json.dumps({"campaign": form.campaign_id, "channel": request.channel_id}),
                "title": {"type": "plain_text", "text": "活动复盘 / Review"},
                "submit": {"type": "plain_text", "text": "保存 / Save"},
                "blocks": [
                    {
                        "type": "section",
                        "text": {"type": "mrkdwn", "text": f"*{safe(form.campaign_name, 150)}*"},
                    },
                    *inputs,
                    *action_rows(),
                ],
            },
        )

    def refusal(self, view: dict[str, Any]) -> dict[str, Any] | None:
        """Checked before the acknowledgement: a review for a missing campaign, an empty one or one with
        a bad action-item row stays open, each message under its field."""
        try:
            self.service.check_campaign(*reviewed_campaign(view))
        except OpsbotError as error:
            return modal_errors(view, str(error))
        actions = submitted_actions(view)
        problems = self.service.action_problems(actions)
        if problems:
            return field_errors(
                {_action_block(row + 1, part): text for (row, part), text in problems.items()}
            )
        answered = any(answer.strip() for _, answer in submitted_answers(view))
        if not answered and all(row.blank for row in actions):
            return modal_errors(
                view, "复盘是空的,请回答一个问题或写一个改进项 / Answer a question or add an action item."
            )
        return None

    def save_review(self, request: SlackRequest, view: dict[str, Any]) -> None:
        campaign_id, channel = reviewed_campaign(view)
        actions = submitted_actions(view)
        self.service.save(campaign_id, channel, request.user_id, submitted_answers(view), actions)
        if self.refresh_checklist is not None and not all(row.blank for row in actions):
            self.refresh_checklist(campaign_id)


def action_item_lines(items: list[ChecklistItem], limit: int = 10) -> list[str]:
    """Open action items as a review reminder lists them: text, owner (mentioned: it is theirs), due."""
    if not items:
        return []
    lines = ["待跟进的复盘改进项 / Open action items:"]
    for item in items[:limit]:
        owner = (
            f" · <@{item.owner}>" if item.owner and is_user_id(item.owner) else " · 未指定负责人 / no owner"
        )
        due = f" · due {item.due.isoformat()}" if item.due else ""
        lines.append(f"• {safe(item.text, 200)}{owner}{due}")
    if len(items) > limit:
        lines.append(f"…还有 {len(items) - limit} 项 / and {len(items) - limit} more")
    return lines

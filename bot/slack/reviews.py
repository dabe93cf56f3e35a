"""Writing a campaign review (复盘) in Slack: a modal of the playbook's questions, saved as knowledge."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk import WebClient

from bot.domain.errors import OpsbotError
from bot.services.reviews import ReviewService
from bot.slack.blocks import safe
from bot.slack.request import SlackRequest, field_errors, view_metadata

CALLBACK_ID = "review_submit"


def submitted_answers(view: dict[str, Any]) -> list[tuple[str, str]]:
    """(question, answer) pairs from a submitted review modal, in the modal's order."""
    labels = {
        block["block_id"]: block["label"]["text"]
        for block in view.get("blocks", [])
        if block.get("type") == "input"
    }
    values = (view.get("state") or {}).get("values") or {}
    return [
        (labels.get(key, key), str((field.get("answer") or {}).get("value") or ""))
        for key, field in values.items()
    ]


def reviewed_campaign(view: dict[str, Any]) -> tuple[str, str]:
    """(campaign id, channel) the modal was opened for; ("", "") when the metadata is not ours."""
    metadata = view_metadata(view)
    return str(metadata.get("campaign") or ""), str(metadata.get("channel") or "")


def modal_errors(view: dict[str, Any], message: str) -> dict[str, Any]:
    """Slack's `response_action: errors` shows the message under the modal's first field."""
    first = next((b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"), "q0")
    return field_errors({first: message})


class ReviewResponder:
    def __init__(self, service: ReviewService, client: WebClient) -> None:
        self.service = service
        self._client = client

    def open_review(self, request: SlackRequest, campaign_id: str) -> None:
        """Opens the modal at once (a trigger_id lives 3 seconds): one field per playbook question."""
        form = self.service.form_for(campaign_id, request.channel_id)
        inputs = [
            {
                "type": "input",
                "block_id": f"q{index}",
                "optional": True,
                "label": {"type": "plain_text", "text": question[:150]},
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
                ],
            },
        )

    def refusal(self, view: dict[str, Any]) -> dict[str, Any] | None:
        """Checked before the acknowledgement: a review for a missing campaign, or an empty one, stays open."""
        try:
            self.service.check_campaign(*reviewed_campaign(view))
        except OpsbotError as error:
            return modal_errors(view, str(error))
        if not any(answer.strip() for _, answer in submitted_answers(view)):
            return modal_errors(view, "复盘是空的,请至少回答一个问题 / Answer at least one question.")
        return None

    def save_review(self, request: SlackRequest, view: dict[str, Any]) -> None:
        campaign_id, channel = reviewed_campaign(view)
        self.service.save(campaign_id, channel, request.user_id, submitted_answers(view))

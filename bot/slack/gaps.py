"""Knowledge gaps in Slack: `/ops gaps`, the weekly digest, **Answer this** and the 👎 reason modal.

Block building is here; who may do what and what is stored is decided in bot/services/gaps.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.gaps import ASKED_AGAIN, NOT_COVERED, THUMBS_DOWN, GapGroup
from bot.domain.sources import inline_text
from bot.services.gaps import MAX_REASON_CHARS, GapService, KnowledgeWriter
from bot.slack.blocks import safe
from bot.slack.replies import Replier
from bot.slack.request import SlackRequest, field_errors, view_metadata

log = logging.getLogger(__name__)

ANSWER_CALLBACK = "gap_answer"
REASON_CALLBACK = "feedback_reason"
ANSWER_ACTION = "gap_answer"
# Slack allows 50 blocks in a message: a header, one block per group, and a line saying how many more.
GROUPS_SHOWN = 45
QUESTIONS_IN_MODAL = 10
GAP_IDS_IN_MODAL = 300
KIND_LABELS: dict[str, str] = {
    NOT_COVERED: "未覆盖 not covered",
    THUMBS_DOWN: "👎",
    ASKED_AGAIN: "又问了一遍 asked again",
}
NO_GAPS = "目前没有待补充的问题 🎉 / No open knowledge gaps."
NOT_YOUR_VOTE = "只能为自己的 👎 填写原因。 / You can only give a reason for your own 👎."


def group_line(group: GapGroup, zone: ZoneInfo) -> str:
    """ "*活动预算怎么审批?* ×3 · 未覆盖 ×2 · 👎 ×1 · last 11-25 10:00" and the 👎 reasons."""
    kinds = " · ".join(f"{KIND_LABELS.get(kind, kind)} ×{n}" for kind, n in group.kinds.most_common())
    last = datetime.fromtimestamp(group.last_asked, zone).strftime("%m-%d %H:%M")
    lines = [
        f"*{safe(inline_text(group.representative.question, 300), 300)}*  ×{group.count}",
        f"{kinds} · 最近 / last {last}",
    ]
    others = len(group.questions) - 1
    if others > 0:
        lines.append(f"另有 {others} 种问法 / {others} more wordings")
    lines += [f"> 👎 {safe(inline_text(reason, 200), 200)}" for reason in group.reasons[:3]]
    return "\n".join(lines)[:2900]


def gap_blocks(groups: list[GapGroup], heading: str, zone: ZoneInfo) -> list[dict[str, Any]]:
    """One section per group with its **Answer this** button (the value names one gap of the group)."""
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": heading}}]
    for group in groups[:GROUPS_SHOWN]:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": group_line(group, zone), "verbatim": True},
                "accessory": {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "回答 / Answer this"},
                    "action_id": ANSWER_ACTION,
                    "value": str(group.representative.gap_id),
                },
            }
        )
    if len(groups) > GROUPS_SHOWN:
        more = len(groups) - GROUPS_SHOWN
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"… 另有 {more} 组 / {more} more"}]}
        )
    return blocks


def answer_modal(group: GapGroup) -> dict[str, Any]:
    """The editor's form: the question(s) asked, a title prefilled with the question, the answer."""
    asked = "\n".join(f"• {safe(inline_text(q, 300), 300)}" for q in group.questions[:QUESTIONS_IN_MODAL])
    ids = group.gap_ids[:GAP_IDS_IN_MODAL]
    return {
        "type": "modal",
        "callback_id": ANSWER_CALLBACK,
        "private_metadata": json.dumps({"gaps": ids}),
        "title": {"type": "plain_text", "text": "回答问题 / Answer"},
        "submit": {"type": "plain_text", "text": "保存 / Save"},
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*被问到 / Asked* (×{group.count})\n{asked}"[:2900]},
            },
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "标题 / Title"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "title",
                    "max_length": 200,
                    "initial_value": inline_text(group.representative.question, 200),
                },
            },
            {
                "type": "input",
                "block_id": "body",
                "label": {"type": "plain_text", "text": "回答 / Answer"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "body",
                    "multiline": True,
                    "max_length": 3000,
                },
            },
        ],
    }


def reason_modal(answer_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": REASON_CALLBACK,
        "private_metadata": answer_id[:100],
        "title": {"type": "plain_text", "text": "反馈 / Feedback"},
        "submit": {"type": "plain_text", "text": "发送 / Send"},
        "close": {"type": "plain_text", "text": "跳过 / Skip"},
        "blocks": [
            {
                "type": "input",
                "block_id": "reason",
                "optional": True,
                "label": {"type": "plain_text", "text": "哪里不对?(可选)/ What was wrong? (optional)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "reason",
                    "multiline": True,
                    "max_length": MAX_REASON_CHARS,
                },
            }
        ],
    }


def _value(view: dict[str, Any], block: str) -> str:
    values = (view.get("state") or {}).get("values") or {}
    return str(((values.get(block) or {}).get(block) or {}).get("value") or "")


def _gap_ids(view: dict[str, Any]) -> list[int]:
    ids = view_metadata(view).get("gaps")
    return [int(i) for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


class GapResponder:
    """The Slack side of knowledge gaps; also what tells askers and posts the digest (Slack ports)."""

    def __init__(
        self,
        service: GapService,
        knowledge: KnowledgeWriter,
        client: WebClient,
        replier: Replier,
        timezone: str,
    ) -> None:
        self.service = service
        self._knowledge = knowledge
        self._client = client
        self._replier = replier
        self._zone = ZoneInfo(timezone)
        # Set by the container: an editor answered gaps (their App Home republishes).
        self.on_answered: Callable[[list[str]], None] | None = None

    def list_gaps(self, request: SlackRequest) -> None:
        """`/ops gaps`, privately: the open gaps, grouped, each with **Answer this**."""
        groups = self.service.groups()
        if not groups:
            self._replier.private(request, NO_GAPS)
            return
        total = sum(group.count for group in groups)
        heading = f"*待补充的知识 / Knowledge gaps* · {total} 个问题,{len(groups)} 组 / questions in {len(groups)} groups"
        self._replier.private(request, heading, gap_blocks(groups, heading, self._zone))

    def open_answer(self, request: SlackRequest, gap_id: str) -> None:
        """**Answer this**: editors only (others get a private refusal); opens at once (trigger_id lives 3 s)."""
        self._knowledge.require_editor(request.user_id)
        group = self.service.group(int(gap_id) if gap_id.isdigit() and len(gap_id) < 12 else -1)
        self._client.views_open(trigger_id=request.trigger_id, view=answer_modal(group))

    @staticmethod
    def answer_refusal(view: dict[str, Any]) -> dict[str, Any] | None:
        """Checked before the acknowledgement: an empty title or answer keeps the modal open."""
        errors = {}
        if not _value(view, "title").strip():
            errors["title"] = "请填写标题 / Please give a title."
        if not _value(view, "body").strip():
            errors["body"] = "请填写回答 / Please write the answer."
        return field_errors(errors) if errors else None

    def save_answer(self, request: SlackRequest, view: dict[str, Any]) -> None:
        answered = self.service.answer(
            request.user_id,
            _gap_ids(view),
            _value(view, "title"),
            _value(view, "body"),
            self._knowledge,
            self,
        )
        if self.on_answered is not None:
            self.on_answered([request.user_id])
        self._replier.private(
            request,
            f"✅ 已加入知识库《{safe(answered.source.title, 200)}》,关闭 {answered.resolved} 个问题,"
            f"已通知 {len(answered.told)} 位提问者。 / Saved to the knowledge base; {answered.resolved} "
            f"questions closed, {len(answered.told)} askers told.",
        )

    def ask_reason(self, request: SlackRequest, answer_id: str) -> None:
        """After a 👎: a small optional form; nothing opens for an answer that is gone."""
        if not request.trigger_id or not self.service.answer_exists(answer_id):
            return
        try:
            self._client.views_open(trigger_id=request.trigger_id, view=reason_modal(answer_id))
        except SlackApiError as error:  # the vote counts without a reason
            log.info("could not open the 👎 reason form: %s", error.response.get("error"))

    def save_reason(self, request: SlackRequest, view: dict[str, Any]) -> None:
        answer_id = str(view.get("private_metadata") or "")
        if not self.service.give_reason(answer_id, request.user_id, _value(view, "reason")):
            self._replier.private(request, NOT_YOUR_VOTE)

    # -- ports for the services ---------------------------------------------------------------------

    def question_answered(self, user: str, question: str, title: str, body: str) -> None:
        """The direct message to someone whose question an editor just answered."""
        shown_question = safe(inline_text(question, 200), 200)
        shown_title = safe(inline_text(title, 200), 200)
        text = (
            f"📚 你之前问的「{shown_question}」现在有答案了:《{shown_title}》\n"
            f"Your question “{shown_question}” now has an answer: “{shown_title}”.\n\n{safe(body, 1500)}"
        )
        self._client.chat_postMessage(channel=user, text=text, unfurl_links=False, unfurl_media=False)

    def post_digest(self, recipient: str, groups: list[GapGroup], week: str) -> None:
        total = sum(group.count for group in groups)
        heading = (
            f"*本周待补充的知识 / This week's knowledge gaps* ({week}) · {total} 个问题,{len(groups)} 组"
            f" / questions in {len(groups)} groups"
        )
        self._client.chat_postMessage(
            channel=recipient, text=heading, blocks=gap_blocks(groups, heading, self._zone)
        )

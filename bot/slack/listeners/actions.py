"""Buttons: share an answer in the channel, vote on it, pick one side of an unsure answer, or ask a suggested question."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.slack.listeners.context import Services
from bot.slack.request import SlackRequest


def register(app: App, services: Services) -> None:
    responder = services.responder

    @app.action("share_answer")
    def handle_share(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        services.submit(responder.share, SlackRequest.from_action(body), str(action.get("value") or ""))

    @app.action(re.compile(r"^feedback_(up|down)$"))
    def handle_vote(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        vote = "up" if action["action_id"] == "feedback_up" else "down"
        request, answer_id = SlackRequest.from_action(body), str(action.get("value") or "")
        services.submit(responder.record_vote, request, answer_id, vote)
        if vote == "down" and services.gaps is not None:
            # The optional reason's modal opens here: the trigger_id lives 3 seconds.
            services.replier.run(services.gaps.ask_reason, request, answer_id)

    @app.action(re.compile(r"^pick_section_\d+$"))
    def handle_pick(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        answer_id, _, index = str(action.get("value") or "").rpartition(":")
        pick = int(index) if index.isdigit() and len(index) < 3 else -1
        private = bool((body.get("container") or {}).get("is_ephemeral"))
        services.submit(responder.answer_pick, SlackRequest.from_action(body), answer_id, pick, private)

    @app.action(re.compile(r"^knowledge_(remove|restore)$"))
    def handle_knowledge_change(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        knowledge = services.knowledge
        work = knowledge.remove if action["action_id"] == "knowledge_remove" else knowledge.restore
        services.submit(work, SlackRequest.from_action(body), str(action.get("value") or ""))

    @app.action(re.compile(r"^ask_suggested_\d+$"))
    def handle_suggestion(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        request = SlackRequest.from_action(body)
        # Asked in the Messages tab: answered in a thread under the greeting that offered it.
        question = request.with_text(str(action.get("value") or ""))
        services.submit(responder.answer_message, question)

"""The knowledge library's menu (Replace, Remove), and the Replace and upload modals' submissions."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.errors import OpsbotError
from bot.services.knowledge import collection_from
from bot.slack.library import (
    COLLECTION_BLOCK,
    ENTRY_MENU,
    FILE_BLOCK,
    NO_FILE,
    REPLACE_CALLBACK,
    UPLOAD_CALLBACK,
    entry_choice,
    field_error,
    submitted_collection,
    submitted_file_ids,
)
from bot.slack.listeners.context import Services
from bot.slack.request import SlackRequest


def upload_refusal(view: dict[str, Any]) -> dict[str, Any] | None:
    """Checked before the acknowledgement, so the modal stays open: a file, and a valid collection."""
    if not submitted_file_ids(view):
        return field_error(FILE_BLOCK, NO_FILE)
    try:
        collection_from(submitted_collection(view))
    except OpsbotError as error:
        return field_error(COLLECTION_BLOCK, str(error))
    return None


def register(app: App, services: Services) -> None:
    knowledge = services.knowledge

    @app.action(ENTRY_MENU)
    def handle_entry_menu(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        what, source_id = entry_choice(action)
        request = SlackRequest.from_action(body)
        if what == "replace":  # the trigger_id lives 3 seconds: the modal opens here, not on the pool
            services.replier.run(knowledge.open_replace, request, source_id)
        elif what == "remove":
            services.submit(knowledge.remove, request, source_id)

    @app.action("knowledge_replace")
    def handle_replace(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        request = SlackRequest.from_action(body)
        services.replier.run(knowledge.open_replace, request, str(action.get("value") or ""))

    @app.view(REPLACE_CALLBACK)
    def handle_replace_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        if not submitted_file_ids(view):
            ack(**field_error(FILE_BLOCK, NO_FILE))
            return
        ack()
        services.submit(knowledge.replace_with_upload, SlackRequest.from_action(body), view)

    @app.view(UPLOAD_CALLBACK)
    def handle_upload_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        refusal = upload_refusal(view)
        if refusal is not None:
            ack(**refusal)
            return
        ack()
        if services.first_submission(view):
            services.submit(knowledge.learn_uploaded, SlackRequest.from_action(body), view)

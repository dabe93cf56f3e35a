"""Teaching opsbot from Slack: a file shared in a direct message becomes knowledge, confirmed in its thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.web_pages import learn_target
from bot.domain.errors import OpsbotError
from bot.services.knowledge import KnowledgeService, LearnedDocument, collection_from
from bot.slack.blocks import safe
from bot.slack.files import SlackFiles
from bot.slack.library import (
    library_blocks,
    modal_metadata,
    replace_modal,
    submitted_collection,
    submitted_file_ids,
    upload_modal,
)
from bot.slack.replies import Replier
from bot.slack.request import SlackRequest

log = logging.getLogger(__name__)

SECTIONS_SHOWN = 8
FORM_UNAVAILABLE = "没能打开窗口,请再试一次。 / Slack did not open the form; please try again."


class FormUnavailable(OpsbotError):
    """Slack refused to open a modal (its trigger expired, say)."""


def learned_text(learned: LearnedDocument) -> str:
    """ "学到了《618 方案》: 5 个章节, 3,200 字" with the first sections, in both languages."""
    shown = [f"• {safe(section, 200)}" for section in learned.sections[:SECTIONS_SHOWN]]
    more = len(learned.sections) - SECTIONS_SHOWN
    if more > 0:
        shown.append(f"… 另有 {more} 个章节 / {more} more")
    return "\n".join(
        [
            f"📚 学到了《{safe(learned.title, 200)}》({learned.kind}):{len(learned.sections)} 个章节,"
            f"{learned.chars:,} 字。以后的回答会引用它。 / Learned “{safe(learned.title, 200)}”: "
            f"{len(learned.sections)} sections, {learned.chars:,} characters; answers will cite it.",
            *shown,
        ]
    )


class KnowledgeResponder:
    def __init__(
        self,
        service: KnowledgeService,
        files: SlackFiles,
        client: WebClient,
        replier: Replier | None = None,
        playbook_names: Callable[[], list[str]] | None = None,
    ) -> None:
        self._playbook_names = playbook_names
        self.service = service
        self._files = files
        self._client = client
        self._replier = replier

    def list_docs(self, request: SlackRequest) -> None:
        """`/ops docs`, privately: what was added from Slack, and the read-only playbook files."""
        sources = self.service.library()
        text = f"知识库:{len(sources)} 条从 Slack 添加 / Knowledge added from Slack: {len(sources)}"
        if self._replier is not None:
            usage = self.service.usage()
            self._replier.private(request, text, library_blocks(sources, self._playbook_files(), usage))

    def remove(self, request: SlackRequest, source_id: str) -> None:
        removed = self.service.remove(request.user_id, source_id)
        self._after_change(
            request,
            f"已删除《{safe(removed.title, 150)}》,30 天内可恢复。 / Removed; restorable for 30 days.",
        )

    def restore(self, request: SlackRequest, source_id: str) -> None:
        restored = self.service.restore(request.user_id, source_id)
        self._after_change(request, f"已恢复《{safe(restored.title, 150)}》。 / Restored.")

    def _after_change(self, request: SlackRequest, text: str) -> None:
        if self._replier is not None:
            blocks = library_blocks(self.service.library(), self._playbook_files(), self.service.usage())
            self._replier.private(request, text, blocks)

    def _playbook_files(self) -> list[str]:
        """The playbook files as answers cite them ("knowledge/playbook.md")."""
        return self._playbook_names() if self._playbook_names is not None else []

    def learn(self, request: SlackRequest) -> None:
        """`/ops learn`: with an address, that page; without one, the upload form (a slash command
        cannot carry a file)."""
        if request.text.strip():
            self.learn_page(request)
        else:
            self.open_upload(request)

    def open_upload(self, request: SlackRequest) -> None:
        """Only an editor gets the form; the trigger_id of the command lives 3 seconds."""
        self.service.require_editor(request.user_id)
        self._open(request, upload_modal(request.channel_id))

    def learn_uploaded(self, request: SlackRequest, view: dict[str, Any]) -> None:
        """Each uploaded file learned like a shared one, into the chosen collection, confirmed privately.

        The editor is checked again (a submission can be forged) before any file is looked up.
        """
        self.service.require_editor(request.user_id)
        collection = collection_from(submitted_collection(view))
        channel = modal_metadata(view).get("channel", "")
        for file_id in submitted_file_ids(view):
            shared = self._files.info(file_id)
            learned = self.service.learn_shared(
                request.user_id,
                channel,
                shared.name,
                shared.size,
                shared.mimetype,
                partial(self._files.download, shared),
                collection=collection,
                uploaded_by=shared.uploaded_by,
            )
            log.info("learned an uploaded %s document (%d sections)", learned.kind, len(learned.sections))
            self._private(request, learned_text(learned))

    def open_replace(self, request: SlackRequest, source_id: str) -> None:
        """Replace: only the owner or an editor gets the form for a live entry."""
        self._open(request, replace_modal(self.service.check_replace(request.user_id, source_id)))

    def replace_with_upload(self, request: SlackRequest, view: dict[str, Any]) -> None:
        """The new file replaces the entry; a file that cannot be read leaves the old entry as it was."""
        source_id = modal_metadata(view).get("source", "")
        self.service.check_replace(request.user_id, source_id)  # before the file is looked up
        shared = self._files.info(submitted_file_ids(view)[0])
        learned = self.service.replace(
            request.user_id,
            source_id,
            shared.name,
            shared.size,
            shared.mimetype,
            partial(self._files.download, shared),
            uploaded_by=shared.uploaded_by,
        )
        self._private(
            request, "🔁 已替换旧版本(30 天内可恢复)。 / Replaced the old version.\n" + learned_text(learned)
        )

    def _open(self, request: SlackRequest, view: dict[str, Any]) -> None:
        try:
            self._client.views_open(trigger_id=request.trigger_id, view=view)
        except SlackApiError as error:
            log.info("could not open a knowledge form: %s", error.response.get("error"))
            raise FormUnavailable(FORM_UNAVAILABLE) from None

    def _private(self, request: SlackRequest, text: str) -> None:
        if self._replier is not None:
            self._replier.private(request, text)

    def learn_page(self, request: SlackRequest) -> None:
        """`/ops learn https://…`: the page's main content, confirmed privately to the editor."""
        learned = self.service.learn_page(request.user_id, request.channel_id, learn_target(request.text))
        log.info("learned a web page (%d sections)", len(learned.sections))
        self._private(request, learned_text(learned))

    def learn_files(self, request: SlackRequest, file_ids: list[str]) -> None:
        """Each file in turn: who shares it and its size are checked before a byte is downloaded.

        A file that cannot be learned raises an OpsbotError, which `Replier.run` turns into a private
        reply; files after it are not read, so the sharer sees exactly where it stopped.
        """
        for file_id in file_ids:
            shared = self._files.info(file_id)
            learned = self.service.learn_shared(
                request.user_id,
                request.channel_id,
                shared.name,
                shared.size,
                shared.mimetype,
                partial(self._files.download, shared),
                uploaded_by=shared.uploaded_by,
            )
            log.info("learned a %s document (%d sections)", learned.kind, len(learned.sections))
            self._client.chat_postMessage(
                channel=request.channel_id,
                thread_ts=request.thread_ts or request.ts,
                text=learned_text(learned),
                unfurl_links=False,
                unfurl_media=False,
            )

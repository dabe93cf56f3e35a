"""Teaching opsbot from Slack: a file shared in a direct message becomes knowledge, confirmed in its thread."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.adapters.web_pages import learn_target
from bot.knowledge.conversion import MEGABYTE
from bot.services.knowledge import KnowledgeService, LearnedDocument
from bot.slack.blocks import safe
from bot.slack.files import SlackFiles
from bot.slack.replies import Replier
from bot.slack.request import SlackRequest

log = logging.getLogger(__name__)

SECTIONS_SHOWN = 8


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
        max_upload_mb: int,
        replier: Replier | None = None,
    ) -> None:
        self.service = service
        self._files = files
        self._client = client
        self._max_bytes = max_upload_mb * MEGABYTE
        self._replier = replier

    def learn_page(self, request: SlackRequest) -> None:
        """`/ops learn https://…`: the page's main content, confirmed privately to the editor."""
        learned = self.service.learn_page(request.user_id, request.channel_id, learn_target(request.text))
        log.info("learned a web page (%d sections)", len(learned.sections))
        if self._replier is not None:
            self._replier.private(request, learned_text(learned))

    def learn_files(self, request: SlackRequest, file_ids: list[str]) -> None:
        """Each file in turn: who shares it and its size are checked before a byte is downloaded.

        A file that cannot be learned raises an OpsbotError, which `Replier.run` turns into a private
        reply; files after it are not read, so the sharer sees exactly where it stopped.
        """
        self.service.require_editor(request.user_id)
        for file_id in file_ids:
            shared = self._files.info(file_id)
            self.service.check_upload(request.user_id, shared.size)
            data = self._files.download(shared, self._max_bytes)
            learned = self.service.learn(
                request.user_id, request.channel_id, shared.name, data, shared.mimetype
            )
            log.info("learned a %s document (%d sections)", learned.kind, len(learned.sections))
            self._client.chat_postMessage(
                channel=request.channel_id,
                thread_ts=request.thread_ts or request.ts,
                text=learned_text(learned),
                unfurl_links=False,
                unfurl_media=False,
            )

"""Teaching opsbot from Slack: a file shared in a direct message becomes knowledge, confirmed in its thread."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from slack_sdk import WebClient

from bot.adapters.web_pages import learn_target
from bot.domain.sources import DOCUMENT, KnowledgeSource
from bot.services.knowledge import RESTORE_WINDOW_S, KnowledgeService, LearnedDocument
from bot.slack.blocks import safe
from bot.slack.files import SlackFiles
from bot.slack.replies import Replier
from bot.slack.request import SlackRequest

log = logging.getLogger(__name__)

SECTIONS_SHOWN = 8
# Slack allows 50 blocks in a message: the newest entries are listed, then how many more there are.
ENTRIES_SHOWN = 40
KIND_NAMES = {DOCUMENT: "文档 / document", "review": "复盘 / review"}


def _owner(user: str) -> str:
    return f"<@{user}>" if re.fullmatch(r"[UW][A-Z0-9]{2,20}", user) else "—"


def _day(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).date().isoformat()


def library_blocks(sources: list[KnowledgeSource], playbook_files: list[str]) -> list[dict[str, Any]]:
    """`/ops docs`: each entry with its kind, owner and date, and a Remove or Restore button."""
    newest = sorted(sources, key=lambda s: -s.created_at)
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*知识库 / Knowledge* · {len(sources)} 条从 Slack 添加 / added from Slack",
            },
        }
    ]
    for source in newest[:ENTRIES_SHOWN]:
        removed = source.deleted_at is not None
        line = (
            f"*{safe(source.title, 150)}*\n{KIND_NAMES.get(source.kind, safe(source.kind, 20))}"
            f" · {_owner(source.created_by)} · {_day(source.created_at)}"
        )
        if source.deleted_at is not None:
            line += f" · ~已删除~ removed {_day(source.deleted_at)}, 可恢复至 / restorable until " + _day(
                source.deleted_at + RESTORE_WINDOW_S
            )
        action = "knowledge_restore" if removed else "knowledge_remove"
        label = "恢复 / Restore" if removed else "删除 / Remove"
        button: dict[str, Any] = {
            "type": "button",
            "text": {"type": "plain_text", "text": label},
            "action_id": action,
            "value": source.source_id,
        }
        if not removed:
            button["style"] = "danger"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": line}, "accessory": button})
    if len(newest) > ENTRIES_SHOWN:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"… 另有 {len(newest) - ENTRIES_SHOWN} 条 / more"}],
            }
        )
    files = ", ".join(f"`{safe(name, 80)}`" for name in playbook_files[:10]) or "—"
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"手册文件(只读,在服务器上编辑)/ playbook files (read-only here): {files}",
                }
            ],
        }
    )
    return blocks


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
            self._replier.private(request, text, library_blocks(sources, self._playbook_files()))

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
            self._replier.private(
                request, text, library_blocks(self.service.library(), self._playbook_files())
            )

    def _playbook_files(self) -> list[str]:
        return self._playbook_names() if self._playbook_names is not None else []

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
        for file_id in file_ids:
            shared = self._files.info(file_id)
            learned = self.service.learn_shared(
                request.user_id,
                request.channel_id,
                shared.name,
                shared.size,
                shared.mimetype,
                partial(self._files.download, shared),
            )
            log.info("learned a %s document (%d sections)", learned.kind, len(learned.sections))
            self._client.chat_postMessage(
                channel=request.channel_id,
                thread_ts=request.thread_ts or request.ts,
                text=learned_text(learned),
                unfurl_links=False,
                unfurl_media=False,
            )

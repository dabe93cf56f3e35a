"""Saving a Slack thread as knowledge: the "Save to knowledge" message shortcut, its modal, the save."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import tzinfo
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.errors import OpsbotError
from bot.domain.sources import DEFAULT_COLLECTIONS, THREAD, KnowledgeSource
from bot.domain.threads import (
    NO_TITLE,
    SUMMARY_LIMIT,
    TITLE_LIMIT,
    ThreadEntry,
    ThreadMessage,
    ThreadUnavailable,
    mentioned_users,
    render_thread,
    thread_title,
)
from bot.services.knowledge import KnowledgeService, collection_from
from bot.slack.blocks import safe
from bot.slack.replies import Replier
from bot.slack.request import SlackRequest, field_errors, view_metadata

log = logging.getLogger(__name__)

SHORTCUT_ID = "save_to_knowledge"
CALLBACK_ID = "save_thread"
REPLIES_PAGE = 200
# 10,000 messages: far past any thread worth saving, short of paging forever on a broken cursor.
MAX_PAGES = 50
DEFAULT_COLLECTION = DEFAULT_COLLECTIONS[THREAD]

NOT_IN_CHANNEL = (
    "opsbot 不在这个频道里,读不到这个讨论。请先邀请它(/invite @opsbot)再保存;什么也没有保存。 / "
    "opsbot is not in that channel, so it cannot read the thread. Invite it (/invite @opsbot) and "
    "try again; nothing was saved."
)
THREAD_GONE = (
    "找不到这个讨论,可能已被删除;什么也没有保存。 / "
    "That thread could not be found (it may have been deleted); nothing was saved."
)
SLACK_FAILED = (
    "Slack 暂时没有返回这个讨论,什么也没有保存,请稍后再试。 / "
    "Slack would not return that thread just now, so nothing was saved; please try again later."
)
MODAL_FAILED = (
    "保存表单没能打开(Slack 只给 3 秒),请再点一次“Save to knowledge”。 / "
    "The form could not be opened in time; please use “Save to knowledge” again."
)
NOT_OUR_MODAL = "这个表单已失效,请重新打开。 / This form is no longer valid; please open it again."
_GONE = {"thread_not_found", "message_not_found"}
_NOT_IN = {"not_in_channel", "channel_not_found"}


class Names(Protocol):
    def name_of(self, user: str) -> str:
        """What Slack shows for a person; their id when it cannot tell."""
        ...


def thread_of(view: dict[str, Any]) -> tuple[str, str]:
    """(channel, thread ts) the modal was opened for; ("", "") when the metadata is not ours."""
    metadata = view_metadata(view)
    return str(metadata.get("channel") or ""), str(metadata.get("thread_ts") or "")


def submitted_fields(view: dict[str, Any]) -> tuple[str, str, str]:
    """(title, summary, collection) as typed in the modal."""
    values = (view.get("state") or {}).get("values") or {}

    def value(block: str) -> str:
        return str(((values.get(block) or {}).get("value") or {}).get("value") or "").strip()

    return value("title"), value("summary"), value("collection")


def _input(block_id: str, label: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {"type": "plain_text_input", "action_id": "value", **element},
    }


def save_thread_view(channel: str, thread_ts: str, title: str) -> dict[str, Any]:
    """The modal: a title (prefilled from the thread's first line), an optional summary and collection."""
    title_field: dict[str, Any] = {"max_length": TITLE_LIMIT}
    if title:
        title_field["initial_value"] = title[:TITLE_LIMIT]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": json.dumps({"channel": channel, "thread_ts": thread_ts}),
        "title": {"type": "plain_text", "text": "保存讨论 / Save thread"},
        "submit": {"type": "plain_text", "text": "保存 / Save"},
        "close": {"type": "plain_text", "text": "取消 / Cancel"},
        "blocks": [
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "保存整个讨论:每条消息、作者、时间和链接。 / "
                        "Saves the whole thread: every message, who wrote it, when, and its link.",
                    }
                ],
            },
            _input("title", "标题 / Title", title_field),
            _input(
                "summary",
                "摘要 / Summary",
                {"multiline": True, "max_length": SUMMARY_LIMIT},
                optional=True,
            ),
            _input(
                "collection",
                "分类 / Collection",
                {"initial_value": DEFAULT_COLLECTION, "max_length": 64},
                optional=True,
            ),
        ],
    }


def saved_text(source: KnowledgeSource, messages: int) -> str:
    title, collection = safe(source.title, 150), safe(source.collection_name, 64)
    return (
        f"📚 已保存讨论《{title}》({messages} 条消息,分类「{collection}」),以后的回答会引用它。 / "
        f"Saved the thread “{title}” ({messages} messages, collection {collection}); answers will cite it."
    )


def _unavailable(error: Exception) -> ThreadUnavailable:
    code = str(error.response.get("error") or "") if isinstance(error, SlackApiError) else ""
    log.info("could not read a thread: %s", code or type(error).__name__)
    if code in _NOT_IN:
        return ThreadUnavailable(NOT_IN_CHANNEL)
    return ThreadUnavailable(THREAD_GONE if code in _GONE else SLACK_FAILED)


def _message(raw: dict[str, Any]) -> ThreadMessage:
    """One message of `conversations.replies` as the domain reads it."""
    subtype = str(raw.get("subtype") or "")
    try:
        at = float(raw.get("ts") or 0)
    except ValueError:
        at = 0.0
    return ThreadMessage(
        author=str(raw.get("user") or ""),
        at=at,
        text=str(raw.get("text") or ""),
        subtype=subtype,
        from_bot=bool(raw.get("bot_id")) or subtype == "bot_message",
    )


class ThreadSaver:
    """Opens the modal from the shortcut, and saves the thread when the modal is submitted."""

    def __init__(
        self, service: KnowledgeService, client: WebClient, replier: Replier, names: Names, zone: tzinfo
    ) -> None:
        self.service = service
        self._client = client
        self._replier = replier
        self._names = names
        self._zone = zone

    def open_modal(self, request: SlackRequest, message_text: str) -> None:
        """Checks who asks, then opens the modal at once (a trigger_id lives 3 seconds): the thread
        itself is read only on submission; at most its first message is fetched, to offer a title."""
        self.service.require_thread_saver(request.user_id, request.channel_id)
        thread_ts = request.thread_ts or request.ts
        first = message_text if thread_ts == request.ts else self._first_text(request, thread_ts)
        names = {user: self._names.name_of(user) for user in mentioned_users([ThreadMessage("", 0, first)])}
        try:
            self._client.views_open(
                trigger_id=request.trigger_id,
                view=save_thread_view(request.channel_id, thread_ts, thread_title(first, names)),
            )
        except (SlackClientError, OSError) as error:
            log.info(
                "views.open failed: %s", getattr(error, "response", {}).get("error", type(error).__name__)
            )
            raise ThreadUnavailable(MODAL_FAILED) from None

    def _first_text(self, request: SlackRequest, thread_ts: str) -> str:
        try:
            page = self._client.conversations_replies(channel=request.channel_id, ts=thread_ts, limit=1)
        except (SlackClientError, OSError) as error:
            raise _unavailable(error) from None
        messages = list(page.get("messages") or [])
        return str(messages[0].get("text") or "") if messages else ""

    def refusal(self, view: dict[str, Any]) -> dict[str, Any] | None:
        """Checked before the acknowledgement, so the modal stays open with the mistake shown."""
        title, _, collection = submitted_fields(view)
        if not all(thread_of(view)):
            return field_errors({"title": NOT_OUR_MODAL})
        if not title:
            return field_errors({"title": NO_TITLE})
        try:
            collection_from(collection)
        except OpsbotError as error:
            return field_errors({"collection": str(error)})
        return None

    def save(self, request: SlackRequest, view: dict[str, Any]) -> None:
        """Reads the whole thread and stores it; the checks run again first, as the metadata may be forged."""
        channel, thread_ts = thread_of(view)
        title, summary, collection = submitted_fields(view)
        self.service.require_thread_saver(request.user_id, channel)
        entry = self._entry(channel, thread_ts, title, summary, collection)
        source = self.service.learn_thread(request.user_id, channel, entry)
        log.info("saved a thread of %d messages", entry.messages)
        self._replier.private(replace(request, channel_id=channel), saved_text(source, entry.messages))

    def _entry(self, channel: str, thread_ts: str, title: str, summary: str, collection: str) -> ThreadEntry:
        messages = self._read(channel, thread_ts)
        try:
            permalink = str(
                self._client.chat_getPermalink(channel=channel, message_ts=thread_ts)["permalink"]
            )
        except (SlackClientError, OSError, KeyError) as error:
            raise _unavailable(error) from None
        names = {user: self._names.name_of(user) for user in mentioned_users(messages)}
        return render_thread(title, summary, permalink, messages, names, self._zone, collection)

    def _read(self, channel: str, thread_ts: str) -> list[ThreadMessage]:
        """Every page of `conversations.replies`, following `response_metadata.next_cursor`.

        Slack repeats the parent message at the head of every page; each message is kept once.
        """
        messages: dict[str, ThreadMessage] = {}
        cursor = ""
        for _ in range(MAX_PAGES):
            try:
                page = self._client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=REPLIES_PAGE, cursor=cursor or None
                )
            except (SlackClientError, OSError) as error:
                raise _unavailable(error) from None
            for raw in page.get("messages") or []:
                messages.setdefault(str(raw.get("ts") or len(messages)), _message(dict(raw)))
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        if not any(message.spoken for message in messages.values()):
            raise ThreadUnavailable(THREAD_GONE)
        return sorted(messages.values(), key=lambda message: message.at)

"""Answering into Slack: runs after the acknowledgement, on worker threads, and always replies."""

from __future__ import annotations

import contextvars
import logging
import re
import threading
import urllib.parse
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot import metrics
from bot.adapters.llm import NOT_COVERED_MARK
from bot.adapters.state_store import SqlStateStore
from bot.domain.answering import Draft, Scope
from bot.domain.errors import InvalidQuestion, NotFound, OpsbotError
from bot.domain.language import detect_language
from bot.domain.models import Answer
from bot.health import is_storage_failure
from bot.services.answers import ANSWER_GONE, AnswerService
from bot.services.gaps import GapService
from bot.slack import blocks
from bot.slack.request import SlackRequest

log = logging.getLogger(__name__)

WORKING_REACTION = "eyes"
# Characters of an LLM answer held back before streaming starts, to catch a NOT_COVERED refusal.
REFUSAL_WINDOW = 24
STREAM_BUFFER = 64
_SAFE_BREAK = re.compile(r"[\s。,!?;:、,.!?;:)\]]")
NOT_SAVED = {
    "zh": "已回答,但没能保存这个回答(存储已满或不可写):分享和投票暂时不可用。",
    "en": "Answered, but I couldn't save this answer (storage is full or read-only): "
    "Share and votes won't work for it.",
}


class StreamGuard:
    """Releases streamed text only up to a word boundary, made safe, so `@he` + `re` cannot slip by."""

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, piece: str) -> str:
        self._pending += piece
        cut = max((m.end() for m in _SAFE_BREAK.finditer(self._pending)), default=0)
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return blocks.safe(ready, limit=100_000)

    def flush(self) -> str:
        ready, self._pending = self._pending, ""
        return blocks.safe(ready, limit=100_000)


def retry_handlers() -> list[Any]:
    """429s wait for Retry-After and are retried; dropped connections are retried too."""
    return [RateLimitErrorRetryHandler(max_retry_count=5), ConnectionErrorRetryHandler(max_retry_count=2)]


def post_to_response_url(url: str, message: dict[str, Any]) -> None:
    response = WebhookClient(url=url, timeout=10, retry_handlers=retry_handlers()).send_dict(message)
    if response.status_code >= 400:
        log.warning("response_url answered %s", response.status_code)


SLACK_RESPONSE_HOSTS = frozenset({("https", "hooks.slack.com"), ("https", "hooks.slack-gov.com")})


def response_url_poster(api_url: str) -> Callable[[str, dict[str, Any]], None]:
    """Posts only to Slack's response hosts (or SLACK_API_URL's, for a local server): a signed payload
    may name any `response_url`, and opsbot must not carry answers to, or probe, another host."""
    api = urllib.parse.urlsplit(api_url)
    allowed = SLACK_RESPONSE_HOSTS | {(api.scheme, api.netloc)}

    def post(url: str, message: dict[str, Any]) -> None:
        parts = urllib.parse.urlsplit(url)
        if (parts.scheme, parts.netloc) not in allowed:
            log.warning("ignored a response_url that is not Slack's (%s)", parts.netloc[:100])
            return
        post_to_response_url(url, message)

    return post


def _answer_blocks(answer: Answer, answer_id: str | None, **options: Any) -> list[dict[str, Any]]:
    """The answer's blocks; an unsaved one (None) has no buttons, and a note saying why."""
    if answer_id is not None or answer.kind == "small_talk":
        return blocks.answer_blocks(answer, answer_id or "", **options)
    shown = [block for block in blocks.answer_blocks(answer, "", **options) if block["type"] != "actions"]
    note = {"type": "mrkdwn", "text": NOT_SAVED[answer.language if answer.language == "zh" else "en"]}
    return [*shown, {"type": "context", "elements": [note]}]


class SlackResponder:
    """Turns questions into Slack replies; each public method is one unit of work for a worker thread."""

    def __init__(
        self,
        answers: AnswerService,
        state: SqlStateStore,
        client: WebClient,
        workers: Executor,
        post_webhook: Callable[[str, dict[str, Any]], None] = post_to_response_url,
        gaps: GapService | None = None,
    ) -> None:
        self._gaps = gaps
        self._answers = answers
        self._answerer = answers.answerer
        self._state = state
        self._client = client
        self._workers = workers
        self._post_webhook = post_webhook
        self._unfinished = 0
        self._idle = threading.Condition()

    def submit(self, work: Callable[..., None], *args: Any) -> None:
        """Run after the ack; a failure is logged and told to the user, never dropped silently."""
        with self._idle:
            self._unfinished += 1
        try:
            # The log context (event id …) follows the work onto the worker thread.
            self._workers.submit(contextvars.copy_context().run, self._guarded, work, *args)
        except BaseException:
            self._done()
            raise

    def _guarded(self, work: Callable[..., None], *args: Any) -> None:
        try:
            work(*args)
        except Exception as error:
            log.error("answering failed: %s", type(error).__name__, exc_info=True)
        finally:
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._unfinished -= 1
            if self._unfinished == 0:
                self._idle.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait until all submitted work has finished; False if some is still running after `timeout`.

        Lets a test or a shutdown wait for an event instead of sleeping.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout)

    def _answer(
        self, question: str, context: list[str] | None = None, collections: Scope = None
    ) -> tuple[Answer | None, str]:
        """The answer (from the channel's `collections`), or the user-facing reason there is none."""
        language = detect_language(question)
        try:
            return self._answerer.answer(question, context, collections), ""
        except InvalidQuestion as error:
            return None, blocks.error_text(language, str(error))
        except OpsbotError as error:
            log.warning("knowledge base unavailable: %s", error)
            detail = (
                "手册暂时无法使用,请稍后再试。"
                if language == "zh"
                else "the playbook is unavailable right now; try again soon."
            )
            return None, blocks.error_text(language, detail)
        except Exception as error:
            log.error("answer pipeline failed: %s", type(error).__name__, exc_info=True)
            detail = (
                "回答时出错了,请再试一次。"
                if language == "zh"
                else "something went wrong while answering; please try again."
            )
            return None, blocks.error_text(language, detail)

    # -- slash commands ------------------------------------------------------------------------

    def answer_command(self, request: SlackRequest) -> None:
        """Private to the asker: the answer replaces the acknowledgement's working note, with a Share button."""
        response_url = request.response_url
        answer, problem = self._answer(request.text, None, self._answers.scope_of(request.channel_id))
        if answer is None:
            self._post_webhook(
                response_url, {"response_type": "ephemeral", "replace_original": True, "text": problem}
            )
            return
        answer_id = self._record(answer, request.user_id, request.channel_id)
        self._post_webhook(
            response_url,
            {
                "response_type": "ephemeral",
                "replace_original": True,
                "text": blocks.answer_fallback_text(answer),
                "blocks": _answer_blocks(answer, answer_id, shareable=True),
            },
        )

    def _record(self, answer: Answer, user_id: str, conversation: str | None = None) -> str | None:
        """Count the answer and keep it for Share and votes; None if it could not be saved.

        A failed write never holds the answer back: it goes out without buttons, saying so. With the
        `conversation` (channel) it was asked in, knowledge gaps are recorded afterwards, on the pool.
        """
        if answer.kind != "small_talk":
            metrics.ANSWERS.labels(covered=str(answer.covered).lower()).inc()
        if answer.note:  # only the extractive fallback for a failed LLM carries a note
            metrics.LLM_FALLBACKS.inc()
        answer_id: str | None = None
        try:
            answer_id = self._answers.keep(answer, user_id)
        except Exception as error:
            if not is_storage_failure(error):
                raise
            log.warning("answered, but the answer could not be saved")
        if conversation is not None and self._gaps is not None:
            self._note(self._gaps.note_answer, answer, answer_id, user_id, conversation)
        return answer_id

    def _note(self, record: Callable[..., None], *args: Any) -> None:
        """Knowledge-gap bookkeeping runs after the reply on the pool, and can never cost the reply."""
        try:
            self.submit(record, *args)
        except Exception as error:
            log.warning("could not queue knowledge-gap recording: %s", type(error).__name__)

    # -- direct messages and mentions -----------------------------------------------------------

    def answer_message(self, request: SlackRequest, claims: list[str] | None = None) -> None:
        """Reply in the thread of the message, with a reaction showing work while the answer is made.

        With an LLM the answer streams into its message as it is written (to the asker's team). Once
        replied, the event `claims` are marked answered, so a retry of the event is not answered again.
        """
        channel, ts, thread_ts, question = request.channel_id, request.ts, request.thread_ts, request.text
        user_id, team_id = request.user_id, request.team_id or None
        self._react("reactions_add", channel, ts)
        try:
            reply_to = thread_ts or ts
            context = self._earlier_questions(channel, thread_ts, ts) if thread_ts else []
            prepared, problem = self._prepare(question, context, self._answers.scope_of(channel))
            if isinstance(prepared, Draft):
                prepared = self._stream(prepared, channel, reply_to, user_id, team_id)
            if prepared is None and problem:
                self._client.chat_postMessage(channel=channel, thread_ts=reply_to, text=problem)
            elif isinstance(prepared, Answer):
                self._post_answer(prepared, channel, reply_to, user_id)
            self.mark_answered(claims or [])
            log.info("replied to a message in %s", channel)
        finally:
            self._react("reactions_remove", channel, ts)

    def _prepare(
        self, question: str, context: list[str], collections: Scope = None
    ) -> tuple[Answer | Draft | None, str]:
        if not self._answerer.writes_with_llm:
            return self._answer(question, context, collections)
        language = detect_language(question)
        try:
            return self._answerer.prepare(question, context, collections), ""
        except InvalidQuestion as error:
            return None, blocks.error_text(language, str(error))
        except Exception:
            return self._answer(question, context, collections)

    def mark_answered(self, claims: list[str]) -> None:
        try:
            self._state.mark_answered(claims)
        except Exception as error:  # the reply is out; a retry may repeat it, which beats failing it
            if not is_storage_failure(error):
                raise

    def _post_answer(self, answer: Answer, channel: str, thread_ts: str, user_id: str) -> None:
        answer_id = self._record(answer, user_id, channel)
        self._client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=blocks.answer_fallback_text(answer),
            blocks=_answer_blocks(answer, answer_id),
            unfurl_links=False,
            unfurl_media=False,
        )

    def _stream(
        self, draft: Draft, channel: str, thread_ts: str, user_id: str, team_id: str | None
    ) -> Answer | None:
        """Stream the LLM's words into one message; returns an Answer to post instead when it cannot."""
        streamer = None
        text = ""
        try:
            pieces = iter(self._answerer.stream(draft))
            # Hold the first words back: a refusal must never start a visible message.
            for piece in pieces:
                text += piece
                if len(text) >= REFUSAL_WINDOW:
                    break
            if NOT_COVERED_MARK in text or not text.strip():
                return self._answerer.finish(draft, text)
            streamer = self._client.chat_stream(
                channel=channel,
                thread_ts=thread_ts,
                recipient_user_id=user_id,
                recipient_team_id=team_id,
                buffer_size=STREAM_BUFFER,
            )
            guard = StreamGuard()
            streamer.append(markdown_text=guard.feed(text))
            for piece in pieces:
                text += piece
                if safe_text := guard.feed(piece):
                    streamer.append(markdown_text=safe_text)
            answer = self._answerer.finish(draft, text)
            answer_id = self._record(answer, user_id, channel)
            if answer.kind == "answer" and not answer.note:
                streamer.stop(
                    markdown_text=guard.flush() or None,
                    blocks=_answer_blocks(answer, answer_id, text=False),
                )
                return None
            # Refused or unverifiable once whole: the streamed words are replaced, never left standing.
            stopped = streamer.stop(markdown_text=guard.flush() or None)
            self._client.chat_update(
                channel=channel,
                ts=str(stopped.get("ts") or ""),
                text=blocks.answer_fallback_text(answer),
                blocks=_answer_blocks(answer, answer_id),
            )
            return None
        except Exception as error:
            log.warning("streaming the LLM answer failed: %s", type(error).__name__)
            if streamer is not None:
                try:
                    streamer.stop(markdown_text="…")
                except Exception:
                    log.info("could not close the stream")
            return self._answerer.fallback(draft)

    def _react(self, method: str, channel: str, ts: str) -> None:
        try:
            getattr(self._client, method)(channel=channel, timestamp=ts, name=WORKING_REACTION)
        except SlackApiError as error:  # a missing reaction must never cost the answer
            log.info("%s failed: %s", method, error.response.get("error"))

    def _earlier_questions(self, channel: str, thread_ts: str, current_ts: str) -> list[str]:
        """What the person asked earlier in this thread, oldest first (the bot's own replies left out)."""
        from bot.slack.parsing import plain_text

        try:
            replies = self._client.conversations_replies(channel=channel, ts=thread_ts, limit=50)
        except SlackApiError as error:
            log.info("conversations.replies failed: %s", error.response.get("error"))
            return []
        return [
            plain_text(message.get("text", ""))
            for message in list(replies.get("messages") or [])
            if message.get("ts") != current_ts and not message.get("bot_id") and message.get("text")
        ]

    # -- buttons --------------------------------------------------------------------------------

    def share(self, request: SlackRequest, answer_id: str) -> None:
        """Post a stored answer in the channel, saying who shared it; the private copy goes away."""
        answer = self._answers.to_share(answer_id, request.user_id, request.channel_id).answer
        self._client.chat_postMessage(
            channel=request.channel_id,
            text=blocks.answer_fallback_text(answer),
            blocks=blocks.answer_blocks(answer, answer_id, shared_by=request.user_id),
            unfurl_links=False,
        )
        if request.response_url:
            self._post_webhook(request.response_url, {"delete_original": True})

    def answer_pick(self, request: SlackRequest, answer_id: str, pick: int, private: bool) -> None:
        """The section the asker meant, from the stored unsure answer (the button names only its id);
        nobody but the asker may pick.

        Under a private answer it replaces that answer; under a thread reply it answers in the thread.
        """
        in_public = not private and bool(request.ts and request.channel_id)
        channel = request.channel_id if in_public else ""
        stored = self._answers.to_pick(answer_id, request.user_id, channel).answer
        if not stored.unsure or not 0 <= pick < len(stored.sources):
            raise NotFound(ANSWER_GONE)
        answer = self._answerer.answer_section(stored.question, stored.sources[pick].section)
        new_id = self._record(answer, request.user_id)
        if in_public:
            self._client.chat_postMessage(
                channel=request.channel_id,
                thread_ts=request.thread_ts or request.ts,
                text=blocks.answer_fallback_text(answer),
                blocks=_answer_blocks(answer, new_id),
                unfurl_links=False,
                unfurl_media=False,
            )
        elif request.response_url:
            self._post_webhook(
                request.response_url,
                {
                    "response_type": "ephemeral",
                    "replace_original": True,
                    "text": blocks.answer_fallback_text(answer),
                    "blocks": _answer_blocks(answer, new_id, shareable=True),
                },
            )

    def record_vote(self, request: SlackRequest, answer_id: str, vote: str) -> None:
        """Only a vote on an answer that exists is thanked; otherwise the user is told it was not kept."""
        self._answers.vote(answer_id, request.user_id, vote)
        if self._gaps is not None:
            self._note(self._gaps.note_vote, answer_id, request.user_id, request.channel_id, vote)
        thanks = "谢谢反馈!/ Thanks for the feedback!" + (
            " 👍" if vote == "up" else " 👎 We'll use it to improve."
        )
        if request.response_url:
            self._post_webhook(
                request.response_url,
                {"response_type": "ephemeral", "replace_original": False, "text": thanks},
            )

    def greet(self, channel: str, user_id: str) -> None:
        if self._state.greet_once(user_id):
            self._client.chat_postMessage(
                channel=channel, text="Hi! Ask me about the ops playbook.", blocks=blocks.greeting_blocks()
            )

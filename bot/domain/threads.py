"""A Slack thread saved as knowledge: who said what and when, as inert Markdown under its own title.

Slack message text is mrkdwn with live tokens in angle brackets (`<@U…>`, `<!channel>`, links). A
saved thread is read again in every answer that cites it, so each token becomes the plain words it
stands for ("@Alice", "@channel", "label (https://…)") and no line of it can pose as a heading.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.domain.errors import OpsbotError
from bot.domain.sources import inline_text, neutral_text

TITLE_LIMIT = 150
SUMMARY_LIMIT = 3000
# Messages people wrote (a reply also sent to the channel, a shared file's comment, a /me line);
# joins, topic changes and the like are not what anyone said about the question.
SPOKEN_SUBTYPES = frozenset({"", "thread_broadcast", "file_share", "me_message"})

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_BROADCAST = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_USER_GROUP = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>")
_OTHER_SPECIAL = re.compile(r"<!([^>|]*)(?:\|([^>]*))?>")
_LINK = re.compile(r"<([a-z][a-z0-9+.-]*:[^>|]+)(?:\|([^>]*))?>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n+")


NOT_IN_CHANNEL = (
    "你不是这个频道的成员,不能保存它的讨论。 / "
    "You are not a member of that channel, so you cannot save its threads."
)

NO_TITLE = "请填写标题。 / Please give the thread a title."
NOTHING_SAID = (
    "这个讨论里没有可以保存的消息(可能已被删除)。 / "
    "That thread has no messages to save (it may have been deleted)."
)


class ThreadUnavailable(OpsbotError):
    """The thread cannot be read (deleted, opsbot not in the channel, Slack failing); nothing is saved."""


class NotInChannel(OpsbotError):
    """Someone tried to save a thread from a channel they are not a member of."""


@dataclass(frozen=True)
class ThreadMessage:
    """One message of a thread as Slack sent it: its author, its time (seconds), its mrkdwn text."""

    author: str
    at: float
    text: str
    subtype: str = ""
    from_bot: bool = False

    @property
    def spoken(self) -> bool:
        """Written by a person: bot posts and channel events (joins, renames) are left out."""
        return not self.from_bot and self.subtype in SPOKEN_SUBTYPES and bool(self.text.strip())


@dataclass(frozen=True)
class ThreadEntry:
    """What is stored: the title it is cited by, its Markdown, how many messages it holds."""

    title: str
    body: str
    messages: int
    collection: str | None


def mentioned_users(messages: list[ThreadMessage]) -> list[str]:
    """Every author and every mentioned person, once each, in order of appearance: whose names are needed."""
    seen: dict[str, None] = {}
    for message in messages:
        seen.setdefault(message.author, None)
        for user in _USER.findall(message.text):
            seen.setdefault(user, None)
    return [user for user in seen if user]


def display_name(user: str, names: Mapping[str, str]) -> str:
    """A person's name fit to sit in bold on one line: no line break, no `*`, no angle brackets."""
    name = inline_text(names.get(user) or user, 80)
    return re.sub(r"[*<>`]", "", name) or user


def _label(label: str | None, fallback: str) -> str:
    return inline_text(label or "", 80).lstrip("@#") or fallback


def plain_text(text: str, names: Mapping[str, str]) -> str:
    """Slack mrkdwn as words: mentions become names, broadcasts and links plain text, no heading marks."""
    text = _USER.sub(lambda m: "@" + display_name(m.group(1), names), text)
    text = _CHANNEL.sub(lambda m: "#" + _label(m.group(2), m.group(1)), text)
    text = _BROADCAST.sub(lambda m: "@" + m.group(1), text)
    text = _USER_GROUP.sub(lambda m: "@" + _label(m.group(2), m.group(1)), text)
    text = _OTHER_SPECIAL.sub(lambda m: inline_text(m.group(2) or "", 80), text)
    text = _LINK.sub(_link_words, text)
    # Slack escapes only these three; the text is made inert again wherever it is shown (`safe`).
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return neutral_text(text)


def _link_words(match: re.Match[str]) -> str:
    url, label = match.group(1), (match.group(2) or "").strip()
    shown = url.removeprefix("mailto:")
    if not label or label in (url, shown):
        return shown
    return f"{label} ({shown})"


def thread_title(first_message: str, names: Mapping[str, str]) -> str:
    """The title a modal offers: the first line of the thread's first message, at most 150 characters."""
    for line in plain_text(first_message, names).splitlines():
        if line.strip():
            return inline_text(line, TITLE_LIMIT)
    return ""


def _stamp(at: float, zone: tzinfo) -> datetime:
    return datetime.fromtimestamp(at, zone)


def render_thread(
    title: str,
    summary: str,
    permalink: str,
    messages: list[ThreadMessage],
    names: Mapping[str, str],
    zone: tzinfo,
    collection: str = "",
) -> ThreadEntry:
    """The entry's Markdown: title, summary, date, link, then "**Name** (YYYY-MM-DD HH:MM): text" per message.

    Every message is one paragraph (its blank lines folded), so the chunker never splits one in two
    at a blank line and never mistakes a line of it for a heading.
    """
    spoken = [message for message in messages if message.spoken]
    heading = inline_text(neutral_text(title), TITLE_LIMIT)
    lines = [f"**{heading}**"]
    about = _BLANK_LINES.sub("\n", plain_text(summary[:SUMMARY_LIMIT], {}))
    if about:
        lines.append(about)
    if spoken:
        lines.append(f"日期 / Date: {_stamp(spoken[0].at, zone).date().isoformat()}")
    if permalink:
        lines.append(f"链接 / Link: {permalink}")
    for message in spoken:
        said = _BLANK_LINES.sub("\n", plain_text(message.text, names))
        when = _stamp(message.at, zone).strftime("%Y-%m-%d %H:%M")
        lines.append(f"**{display_name(message.author, names)}** ({when}): {said}")
    return ThreadEntry(
        title=heading,
        body="\n\n".join(lines),
        messages=len(spoken),
        collection=collection.strip() or None,
    )

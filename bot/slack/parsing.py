"""Turning Slack payload text into plain questions and subcommands."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from bot.domain.spaces import normalize_spaces

SUBCOMMANDS = {
    "ask": "ask",
    "问": "ask",
    "checklist": "checklist",
    "清单": "checklist",
    "checklists": "checklists",
    "mine": "mine",
    "我的": "mine",
    "remind": "remind",
    "提醒": "remind",
    "reminders": "reminders",
    "review": "review",
    "复盘": "review",
    "learn": "learn",
    "学习": "learn",
    "docs": "docs",
    "资料": "docs",
    "scope": "scope",
    "gaps": "gaps",
    "缺口": "gaps",
    "calendar": "calendar",
    "日历": "calendar",
    "nudges": "nudges",
    "nudge": "nudges",
    "早间提醒": "nudges",
    "help": "help",
    "帮助": "help",
    "?": "help",
    "\uff1f": "help",
}

# Whole commands of more than one word: `/ops my items`.
PHRASES = {"my items": "mine"}

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_GROUP = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|@?([^>]*))?>")
_DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
_OTHER = re.compile(r"<![^>]*>")


@dataclass(frozen=True)
class Command:
    """A parsed slash command: `ask` with a question, `help`, or an unknown word the user typed."""

    name: str
    argument: str = ""


def parse_command(text: str) -> Command:
    """`ask …`, `help`; a bare question is asked; a single unknown word gets help.

    Any Unicode space separates words (Chinese input methods type U+3000), and a subcommand typed
    in full-width letters (`ｒｅｍｉｎｄ`) still counts.
    """
    stripped = normalize_spaces(text).strip()
    if not stripped:
        return Command("help")
    phrase = PHRASES.get(" ".join(unicodedata.normalize("NFKC", stripped).lower().split()))
    if phrase:
        return Command(phrase)
    first, *more = stripped.split(maxsplit=1)
    rest = more[0] if more else ""
    name = SUBCOMMANDS.get(unicodedata.normalize("NFKC", first).lower())
    if name:
        return Command(name, rest)
    if not rest and re.fullmatch(r"[A-Za-z][\w-]*", first):
        return Command("unknown", first)
    return Command("ask", stripped)


def plain_text(slack_text: str, bot_user_id: str | None = None) -> str:
    """Slack markup to the words a person typed: mentions of the bot removed, links and channels named."""
    text = slack_text
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    text = _USER_MENTION.sub(lambda m: "@someone", text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub(lambda m: f"@{m.group(1)}", text)
    text = _GROUP.sub(lambda m: f"@{m.group(1) or 'group'}", text)
    text = _DATE.sub(lambda m: m.group(1), text)
    text = _OTHER.sub(" ", text)
    return html.unescape(text).strip()

"""Knowledge added at run time (reviews and shared documents): what it is, and how a review becomes one.

A review's text comes from users, so it is never read as Markdown: a heading or a scraped-page
footer typed into a review is just text, and where it is cited from is fixed by the review itself.
A shared document is Markdown made by opsbot's own converter, so its headings are its sections.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.domain.people import is_user_id

REVIEW = "review"
# A file a knowledge editor shared with opsbot, converted to Markdown with its own headings.
DOCUMENT = "document"
# A Slack thread a knowledge editor saved with the "Save to knowledge" message shortcut.
THREAD = "thread"
# An editor's answer to a knowledge gap ("Answer this"): Markdown, indexed like a document.
ANSWER = "answer"
REVIEW_LABEL_PREFIX = "复盘 · "
# Every passage belongs to one collection; the playbook files in knowledge/ are always answered from.
PLAYBOOK_COLLECTION = "手册"
DEFAULT_COLLECTIONS = {REVIEW: "复盘", DOCUMENT: "文档", THREAD: "讨论", ANSWER: "问答"}
# Run-time sources are cited as "<kind>:<id>"; a knowledge file is always "<folder>/<path>".
_RUN_TIME_SOURCE = re.compile(r"^[a-z]+:[0-9A-Za-z_-]+$")
_HEADING_MARKS = re.compile(r"^[ \t]{0,3}#{1,6}(?=[ \t]|$)[ \t]*", re.MULTILINE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class KnowledgeSource:
    """One run-time source; `title` is what citations call it, `body` its kind's own encoding."""

    source_id: str
    kind: str
    title: str
    body: str
    campaign_id: str | None
    channel: str
    created_by: str
    created_at: float
    deleted_at: float | None = None
    # The collection it is answered from (`/ops scope`); None means its kind's default collection.
    collection: str | None = None

    @property
    def source(self) -> str:
        return f"{self.kind}:{self.source_id}"

    @property
    def collection_name(self) -> str:
        return self.collection or DEFAULT_COLLECTIONS.get(self.kind, self.kind)


@dataclass(frozen=True)
class KnowledgeChange:
    """One line of the knowledge log: who added, removed or restored which source, and when."""

    source_id: str
    action: str
    actor: str
    at: float


def is_run_time_source(source: str) -> bool:
    """True for a source that came from the database rather than from a knowledge file."""
    return bool(_RUN_TIME_SOURCE.match(source))


def collection_of_source(source: str) -> str:
    """The collection a source's name implies: a knowledge file is the playbook, "<kind>:<id>" its kind's default.

    A run-time source filed in another collection is known only from the database (`collection_name`).
    """
    if not is_run_time_source(source):
        return PLAYBOOK_COLLECTION
    kind = source.split(":", 1)[0]
    return DEFAULT_COLLECTIONS.get(kind, kind)


def collection_key(name: str) -> str:
    """Collection names match after trimming and case-folding (" Campaign Plans " is "campaign plans")."""
    return " ".join(name.split()).casefold()


def inline_text(text: str, limit: int = 120) -> str:
    """User text fit for one line of a label: no line breaks, and no section separator (›) to fake a path."""
    return _SPACES.sub(" ", text.replace("›", "·")).strip()[:limit]


def review_label(campaign: str, day: date, author: str) -> str:
    """How every passage of a review is cited: `复盘 · 双十二拉新活动 (2026-12-20, by <@U…>)`."""
    who = f"<@{author}>" if is_user_id(author) else "?"
    return f"{REVIEW_LABEL_PREFIX}{inline_text(campaign) or '?'} ({day.isoformat()}, by {who})"


_AUTHOR_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,20})>")


def readable_label(label: str, name_of: Callable[[str], str] | None = None) -> str:
    """A citation label for plain text (a checkbox description, a calendar file): `<@U…>` as `@name`."""
    return _AUTHOR_MENTION.sub(lambda m: "@" + (name_of(m[1]) if name_of else m[1]), label)


def neutral_text(text: str) -> str:
    """User text with Markdown heading marks taken off, so that it reads as text wherever it is quoted."""
    return _HEADING_MARKS.sub("", text.replace("\r\n", "\n")).strip()


def review_body(answers: list[tuple[str, str]]) -> str:
    return json.dumps([[question, answer] for question, answer in answers], ensure_ascii=False)


def review_answers(body: str) -> list[tuple[str, str]]:
    """The (question, answer) pairs of a stored review; anything unreadable is no answer."""
    try:
        pairs = json.loads(body)
    except ValueError:
        return []
    if not isinstance(pairs, list):
        return []
    return [
        (str(pair[0]), str(pair[1]))
        for pair in pairs
        if isinstance(pair, list) and len(pair) == 2 and str(pair[1]).strip()
    ]

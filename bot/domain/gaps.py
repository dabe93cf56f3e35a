"""Knowledge gaps: what opsbot could not answer well, when two questions are about the same thing,
how gaps are grouped for an editor, and when the weekly digest is due.

"The same thing" is decided on content words (the search tokenizer's, stopwords dropped), so it
needs no model and gives the same verdict on every process:
- two questions are *similar* when they share at least two content words and those make up at
  least half of all the words either uses (Jaccard ≥ 0.5), or when their content words are the
  same set (one-word questions such as "KOL?");
- a question *asked again* is about the same thing as the earlier answered one when it is similar
  to it, or when its own answer cites the same top section (the asker rephrased and got the same
  passage back).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

GapKind = Literal["not_covered", "thumbs_down", "asked_again"]
NOT_COVERED: GapKind = "not_covered"
THUMBS_DOWN: GapKind = "thumbs_down"
ASKED_AGAIN: GapKind = "asked_again"
GAP_KINDS: tuple[GapKind, ...] = (NOT_COVERED, THUMBS_DOWN, ASKED_AGAIN)

# A question asked again within this long after a covered answer, in the same conversation, says the
# answer did not help.
ASKED_AGAIN_WINDOW_S = 10 * 60
SIMILAR_JACCARD = 0.5
SIMILAR_SHARED_WORDS = 2

Tokenizer = Callable[[str], Iterable[str]]


@dataclass(frozen=True)
class Gap:
    """One recorded gap; `user_id` is who asked (or voted 👎), the person told once it is answered."""

    gap_id: int
    kind: GapKind
    question: str
    user_id: str
    channel: str
    asked_at: float
    answer_id: str | None = None
    reason: str | None = None
    resolved_source_id: str | None = None
    resolved_at: float | None = None
    notified_at: float | None = None

    @property
    def open(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True)
class GapGroup:
    """Similar open gaps, shown as one line: the question most asked, how often, why, when last."""

    gaps: tuple[Gap, ...]
    representative: Gap

    @property
    def count(self) -> int:
        return len(self.gaps)

    @property
    def kinds(self) -> Counter[str]:
        return Counter(gap.kind for gap in self.gaps)

    @property
    def reasons(self) -> list[str]:
        """The 👎 reasons given, newest first, each once."""
        seen: list[str] = []
        for gap in sorted(self.gaps, key=lambda g: -g.asked_at):
            reason = (gap.reason or "").strip()
            if reason and reason not in seen:
                seen.append(reason)
        return seen

    @property
    def last_asked(self) -> float:
        return max(gap.asked_at for gap in self.gaps)

    @property
    def gap_ids(self) -> list[int]:
        return [gap.gap_id for gap in self.gaps]

    @property
    def questions(self) -> list[str]:
        """Each differently worded question once, most asked first."""
        counts = Counter(_normal(gap.question) for gap in self.gaps)
        return [text for text, _ in counts.most_common()]


def _normal(question: str) -> str:
    return " ".join(question.split())


def _atoms(words: set[str]) -> set[str]:
    """The words that hold no other word of the set: 活动预热 beside 活动 and 预热 counts once.

    The segmenter gives a known compound together with its parts, and which compounds it knows grows
    with the glossary; without this, teaching it a word would make two questions less alike.
    """
    return {word for word in words if not any(other != word and other in word for other in words)}


def similar(first: set[str], second: set[str]) -> bool:
    """The rule in the module docstring, on two sets of content words."""
    first, second = _atoms(first), _atoms(second)
    if not first or not second:
        return False
    if first == second:
        return True
    shared = len(first & second)
    return shared >= SIMILAR_SHARED_WORDS and shared / len(first | second) >= SIMILAR_JACCARD


def group_gaps(gaps: Sequence[Gap], words: Tokenizer) -> list[GapGroup]:
    """Open gaps grouped by similar questions, most frequent group first (then the most recent).

    Oldest first, each gap joins the first group whose first question it is similar to, so the
    grouping does not depend on the order rows come back in.
    """
    members: list[list[Gap]] = []
    anchors: list[set[str]] = []
    for gap in sorted((g for g in gaps if g.open), key=lambda g: (g.asked_at, g.gap_id)):
        tokens = set(words(gap.question))
        for index, anchor in enumerate(anchors):
            if similar(anchor, tokens) or (not tokens and not anchor):
                members[index].append(gap)
                break
        else:
            anchors.append(tokens)
            members.append([gap])
    groups = [GapGroup(tuple(found), _representative(found)) for found in members]
    return sorted(groups, key=lambda group: (-group.count, -group.last_asked))


def _representative(gaps: list[Gap]) -> Gap:
    """The latest gap whose wording was asked most often."""
    counts = Counter(_normal(gap.question) for gap in gaps)
    top = max(counts.values())
    return max((g for g in gaps if counts[_normal(g.question)] == top), key=lambda g: (g.asked_at, g.gap_id))


def group_of(groups: Iterable[GapGroup], gap_id: int) -> GapGroup | None:
    return next((group for group in groups if gap_id in group.gap_ids), None)


@dataclass(frozen=True)
class RecentAnswer:
    """A covered answer just given in a conversation, remembered to spot the same question again."""

    answer_id: str | None
    question: str
    words: frozenset[str]
    top_section: str
    at: float


def asked_again(earlier: RecentAnswer, words: set[str], top_section: str | None, at: float) -> bool:
    """The later question (its words, its answer's top cited section) repeats the earlier one in time."""
    if at - earlier.at > ASKED_AGAIN_WINDOW_S or at < earlier.at:
        return False
    if top_section is not None and top_section == earlier.top_section:
        return True
    return similar(set(earlier.words), words)


# -- the weekly digest's schedule --------------------------------------------------------------

_DAYS = {
    "mon": 0, "monday": 0, "周一": 0, "星期一": 0,
    "tue": 1, "tuesday": 1, "周二": 1, "星期二": 1,
    "wed": 2, "wednesday": 2, "周三": 2, "星期三": 2,
    "thu": 3, "thursday": 3, "周四": 3, "星期四": 3,
    "fri": 4, "friday": 4, "周五": 4, "星期五": 4,
    "sat": 5, "saturday": 5, "周六": 5, "星期六": 5,
    "sun": 6, "sunday": 6, "周日": 6, "星期日": 6, "周天": 6, "星期天": 6,
}  # fmt: skip
_SCHEDULE = re.compile(r"^\s*(\S+)\s+(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class DigestSchedule:
    """A weekday and a time of day in the team's time zone: "mon 10:00"."""

    weekday: int
    at: time
    timezone: str = "Asia/Shanghai"
    window: timedelta = field(default=timedelta(days=7))

    @classmethod
    def parse(cls, text: str, timezone: str = "Asia/Shanghai") -> DigestSchedule | None:
        """None for "" (the digest is off); ValueError for anything else that is not "<day> HH:MM"."""
        if not text.strip():
            return None
        found = _SCHEDULE.match(text.lower())
        day = _DAYS.get(found.group(1)) if found else None
        if found is None or day is None or int(found.group(2)) > 23 or int(found.group(3)) > 59:
            raise ValueError(f"{text!r} is not a day and a time such as 'mon 10:00' or '周一 10:00'")
        return cls(day, time(int(found.group(2)), int(found.group(3))), timezone)

    def last_due(self, now: datetime) -> datetime:
        """The latest scheduled time not after `now`: which week a (possibly late) run stands for."""
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        for days_back in range(8):
            day = local.date() - timedelta(days=days_back)
            if day.weekday() == self.weekday:
                due = datetime.combine(day, self.at, zone)
                if due <= local:
                    return due
        raise AssertionError("a weekday recurs within eight days")

    def week_of(self, due: datetime) -> str:
        """The ISO week a digest is for ("2026-W48"): one delivery per recipient and week."""
        year, week, _ = due.isocalendar()
        return f"{year}-W{week:02d}"

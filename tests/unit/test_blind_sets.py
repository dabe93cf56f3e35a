"""The blind question sets stay well-formed: unique ids, a half/half split per kind, and every expected
section a real heading path of the documents asked about (or a saved review's label)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
BLIND = ROOT / "benchmarks" / "blind"
KB2 = ROOT / "benchmarks" / "kb2"
UNANSWERED = {"not_covered", "small_talk"}
_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*$")


def heading_paths(markdown: str) -> set[str]:
    """Every H1, H1 › H2 and H1 › H2 › H3 path of a Markdown document."""
    trail: list[str] = []
    paths: set[str] = set()
    for line in markdown.splitlines():
        if match := _HEADING.match(line):
            level = len(match[1])
            trail = [*trail[: level - 1], match[2]]
            paths.add(" › ".join(trail))
    return paths


def review_labels() -> set[str]:
    reviews = json.loads((KB2 / "reviews.json").read_text(encoding="utf-8"))
    return {f"复盘 · {r['campaign']} ({r['date']}, by <@{r['author']}>)" for r in reviews}


def rows(name: str) -> list[dict[str, object]]:
    lines = (BLIND / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


SETS = {
    "set_a.jsonl": lambda: heading_paths((ROOT / "knowledge" / "playbook.md").read_text(encoding="utf-8")),
    "set_b.jsonl": lambda: heading_paths((ROOT / "knowledge" / "playbook.md").read_text(encoding="utf-8")),
    "set_c.jsonl": lambda: heading_paths((ROOT / "knowledge" / "playbook.md").read_text(encoding="utf-8")),
    "set_d.jsonl": lambda: heading_paths((ROOT / "knowledge" / "playbook.md").read_text(encoding="utf-8")),
    "set_e.jsonl": lambda: heading_paths((ROOT / "knowledge" / "playbook.md").read_text(encoding="utf-8")),
    "set_f.jsonl": lambda: heading_paths((ROOT / "knowledge" / "playbook.md").read_text(encoding="utf-8")),
    "kb2.jsonl": lambda: set().union(
        *(heading_paths(p.read_text(encoding="utf-8")) for p in (KB2 / "docs").glob("*.md")), review_labels()
    ),
}


def test_there_are_at_least_300_blind_questions_about_the_playbook() -> None:
    assert sum(len(rows(name)) for name in ("set_a.jsonl", "set_b.jsonl", "set_c.jsonl")) >= 300


@pytest.mark.parametrize("name", sorted(SETS))
def test_a_blind_set_is_well_formed(name: str) -> None:
    questions = rows(name)
    known = SETS[name]()
    assert len({q["id"] for q in questions}) == len(questions)
    for question in questions:
        expected = question["expected"]
        assert isinstance(expected, list) and str(question["question"]).strip()
        assert (not expected) == (question["kind"] in UNANSWERED), question["id"]
        assert set(expected) <= known, (question["id"], set(expected) - known)
    per_kind = Counter((q["kind"], q["split"]) for q in questions)
    for kind in {str(q["kind"]) for q in questions}:
        assert abs(per_kind[(kind, "dev")] - per_kind[(kind, "test")]) <= 1, kind

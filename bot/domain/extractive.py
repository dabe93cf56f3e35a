"""Answers without an LLM: the most relevant playbook passages, each with its numbered citation."""

from __future__ import annotations

import re

from bot.domain.models import Language, Passage

MAX_PASSAGE_CHARS = 400


def _shorten(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_PASSAGE_CHARS else text[: MAX_PASSAGE_CHARS - 1].rstrip() + "…"


def _heading(section: str) -> str:
    return section.split(" › ")[-1]


def _join_items(items: list[str]) -> str:
    """List items read as one sentence: questions keep their marks, others are separated by ';'."""
    parts = []
    for index, item in enumerate(items):
        last = index == len(items) - 1
        if item.endswith(("?", "?", "!", "!")):
            parts.append(item)
        else:
            parts.append(re.sub(r"[。.;;]+$", "", item) + ("。" if last else ";"))
    return "".join(parts)


def compose_extractive(language: Language, passages: list[Passage]) -> str:
    """A short answer framed in the question's language; facts stay in the playbook's words."""
    intro = (
        "手册里是这样说的:"
        if language == "zh"
        else "Here is what the playbook says (quoted in its original Chinese):"
    )
    lines = [intro]
    for number, passage in enumerate(passages, start=1):
        body = _join_items([item.strip() for item in passage.text.split("\n") if item.strip()])
        lines.append(f"• {_heading(passage.section)}:{_shorten(body)} [{number}]")
    return "\n".join(lines)


def compose_not_covered(language: Language, topics: list[str]) -> str:
    """The honest reply when nothing in the knowledge base answers the question."""
    if language == "zh":
        covered = "、".join(topics) if topics else "(暂无内容)"
        return f"手册里没有这部分内容。目前手册涵盖:{covered}。"
    covered = ", ".join(topics) if topics else "(nothing yet)"
    return f"The playbook does not cover this. It currently covers: {covered}."


def format_citation(number: int, passage: Passage) -> str:
    return f"[{number}] {passage.section}    {passage.source}"

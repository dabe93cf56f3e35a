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


def compose_not_covered(
    language: Language,
    topics: list[str],
    missing_subject: str | None = None,
    related: list[Passage] | None = None,
) -> str:
    """The honest reply when nothing answers the question: what is missing, and what comes close."""
    related = related or []
    if language == "zh":
        headline = f"手册没有讲{_spaced(missing_subject)}" if missing_subject else "手册里没有这部分内容"
        if related:
            names = "、".join(_heading(p.section) for p in related)
            return f"{headline};相关的内容有:{names}。"
        covered = "、".join(topics) if topics else "(暂无内容)"
        return f"{headline}。目前手册涵盖:{covered}。"
    headline = (
        f"The playbook does not cover {missing_subject}"
        if missing_subject
        else "The playbook does not cover this"
    )
    if related:
        names = ", ".join(_heading(p.section) for p in related)
        return f"{headline}; related sections: {names}."
    covered = ", ".join(topics) if topics else "(nothing yet)"
    return f"{headline}. It currently covers: {covered}."


def compose_elsewhere(language: Language, collection: str) -> str:
    """A scoped channel's "not here": the answer exists in a collection this channel does not answer from."""
    if language == "zh":
        return f"这个频道的范围里没有;「{collection}」里有相关内容(不在本频道的范围内)。"
    return f"Not in this channel's collections; the {collection} collection has something."


def _spaced(subject: str) -> str:
    """A Latin word is set off by a space after Chinese ("讲 GMV 预测"); Chinese runs on ("讲拉新")."""
    return f" {subject}" if subject[:1].isascii() else subject


def compose_unsure(language: Language, passages: list[Passage]) -> str:
    """Both near-tied sections, quoted, under the question of which one was meant."""
    first, second = (_heading(p.section) for p in passages[:2])
    if language == "zh":
        intro = f"你是想问「{first}」还是「{second}」?手册里这两部分是这样说的:"
    else:
        intro = f"Did you mean {first} or {second}? The playbook says this about each (quoted as written):"
    body = compose_extractive(language, passages).split("\n", 1)[1]
    return f"{intro}\n{body}"


def format_citation(number: int, passage: Passage) -> str:
    """`[1] 〔文档〕618 方案 › 预热节奏    document:…`: every citation says which collection it is from."""
    return f"[{number}] 〔{passage.collection_name}〕{passage.section}    {passage.source}"

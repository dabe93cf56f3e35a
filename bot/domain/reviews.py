"""Campaign reviews (复盘) as Markdown the knowledge base can index and cite."""

from __future__ import annotations

import re
from datetime import date


def review_markdown(campaign: str, author: str, day: date, answers: list[tuple[str, str]]) -> str:
    """Front matter, then one section per review question the team answered."""
    title = f"复盘:{campaign}"
    lines = [
        "---",
        f"title: {title}",
        f"owner: {author}",
        f"date: {day.isoformat()}",
        "---",
        "",
        f"# {title}",
        "",
    ]
    for question, answer in answers:
        text = answer.strip()
        if not text:
            continue
        heading = re.sub(r"[??\s]+$", "", re.sub(r"[#\n]+", " ", question)).strip() or "总结"
        lines += [f"## {heading}", "", text, ""]
    return "\n".join(lines)

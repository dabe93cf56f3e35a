"""Reads the team's knowledge files: front matter, body, and nothing of the scraped noise after them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from bot.domain.errors import KnowledgeBaseUnavailable

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt")

# Pages copied from blogs end with the site's footer and teasers of unrelated stories; everything from
# the first such line on is not playbook and must never be indexed.
NOISE_MARKERS = ("最后编辑于", "©著作权归作者所有", "推荐阅读更多精彩内容")

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


@dataclass(frozen=True)
class KnowledgeDocument:
    """One file of the knowledge base, ready to be split."""

    source: str
    title: str
    owner: str
    body: str
    is_markdown: bool
    fingerprint: str


def strip_site_noise(text: str) -> str:
    """Cut the text at the first footer line a scraped page carries."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.strip().startswith(NOISE_MARKERS):
            return "\n".join(lines[:index])
    return text


def parse_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split `key: value` front matter from the body; a file without it has none."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, text[match.end() :]


def _title_of(path: Path, fields: dict[str, str], body: str) -> str:
    if fields.get("title"):
        return fields["title"]
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("# "):
            return stripped[2:].strip()
        if stripped and path.suffix.lower() == ".txt":
            return re.sub(r"[!!。.]+$", "", stripped)[:60]
        if stripped:
            break
    return path.stem


def read_document(path: Path, source: str) -> KnowledgeDocument:
    raw = path.read_bytes()
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n").lstrip("\ufeff")
    fields, body = parse_front_matter(text)
    body = strip_site_noise(body)
    return KnowledgeDocument(
        source=source,
        title=_title_of(path, fields, body),
        owner=fields.get("owner", ""),
        body=body,
        is_markdown=path.suffix.lower() != ".txt",
        fingerprint=hashlib.sha256(raw).hexdigest(),
    )


def knowledge_files(knowledge_dir: Path) -> list[Path]:
    """Every supported file below the directory, in a stable order; hidden files are skipped."""
    if not knowledge_dir.is_dir():
        raise KnowledgeBaseUnavailable(
            f"The knowledge directory {knowledge_dir} does not exist. "
            "Create it with your playbook in Markdown, or set OPSBOT_KNOWLEDGE_DIR."
        )
    return sorted(
        path
        for path in knowledge_dir.rglob("*")
        if path.is_file()
        and path.suffix.lower() in SUPPORTED_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(knowledge_dir).parts)
    )


def source_name(knowledge_dir: Path, path: Path) -> str:
    """How citations name a file: the knowledge folder's name and the path inside it."""
    return f"{knowledge_dir.name}/{path.relative_to(knowledge_dir).as_posix()}"

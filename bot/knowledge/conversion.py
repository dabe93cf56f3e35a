"""Turns a shared file's bytes into Markdown whose headings are the document's own, so citations name sections.

Every format ends up as `# title` followed by `##`/`###` headings, paragraphs and `- ` items: the shape
`bot.knowledge.splitter` cuts into one chunk per paragraph or item, each carrying "title › heading" paths.
Bad input is refused with `UnreadableDocument` before any parser sees it whenever that can be decided
from the bytes alone (size, zip bomb, encryption, unknown format). Parsers are imported lazily: each costs
0.1-0.7 s to import and most processes never convert a file.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from html.parser import HTMLParser
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from bot.domain.errors import OpsbotError

if TYPE_CHECKING:
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph
    from pptx.shapes.base import BaseShape

MEGABYTE = 1024 * 1024

SUPPORTED_FORMATS = ".md .txt .docx .pdf .html .pptx .xlsx"


class UnreadableDocument(OpsbotError):
    """The shared file cannot or must not be turned into knowledge; the message says why and what to do."""


@dataclass(frozen=True)
class ConversionLimits:
    """Bounds that keep one shared file from exhausting the bot's memory or time."""

    max_bytes: int = 20 * MEGABYTE
    max_chars: int = 2_000_000
    max_uncompressed_bytes: int = 200 * MEGABYTE
    max_compression_ratio: float = 100.0
    max_archive_members: int = 10_000
    max_sheet_rows: int = 10_000
    max_sheet_columns: int = 100


DEFAULT_LIMITS = ConversionLimits()


@dataclass(frozen=True)
class ConvertedDocument:
    """A file as the knowledge base indexes it."""

    title: str
    markdown: str
    sections: list[str]
    kind: str
    chars: int


# ---------------------------------------------------------------------------------------------------------
# Refusals: one place for the wording users see.


def too_big(size: int, limit: int) -> UnreadableDocument:
    return UnreadableDocument(
        f"文件太大（{size / MEGABYTE:.1f} MB，上限 {limit / MEGABYTE:.0f} MB），请拆分后再发。 / "
        f"The file is {size / MEGABYTE:.1f} MB; the limit is {limit / MEGABYTE:.0f} MB. Please split it."
    )


def _too_long(chars: int, limit: int) -> UnreadableDocument:
    return UnreadableDocument(
        f"文件的文字太多（超过 {limit:,} 字），请拆分后再发。 / "
        f"The document holds more than {limit:,} characters of text (at least {chars:,}); please split it."
    )


ENCRYPTED = UnreadableDocument(
    "文件有密码保护，无法读取，请去掉密码后再发。 / "
    "The file is password-protected; please remove the password and share it again."
)
SCANNED_PDF = UnreadableDocument(
    "这个 PDF 没有文字层（像是扫描件或图片），无法读取，请发带文字的版本。 / "
    "This PDF has no text layer (it looks scanned); please share a version with selectable text."
)
EMPTY = UnreadableDocument("文件里没有可读的文字。 / The file holds no readable text.")
SUSPICIOUS_ARCHIVE = UnreadableDocument(
    "文件解压后过大或压缩比异常，已拒绝读取。 / "
    "The file expands to too much data when unpacked (a possible zip bomb), so it was not opened."
)
LEGACY_OFFICE = UnreadableDocument(
    "这是旧版 Office 格式（.doc/.xls/.ppt），请另存为 .docx/.xlsx/.pptx 后再发。 / "
    "This is an old binary Office file; please save it as .docx, .xlsx or .pptx and share it again."
)
UNSUPPORTED = UnreadableDocument(
    f"不支持这种文件格式，支持：{SUPPORTED_FORMATS}。 / "
    f"This file type is not supported; supported formats: {SUPPORTED_FORMATS}."
)


def _damaged(kind: str) -> UnreadableDocument:
    return UnreadableDocument(
        f"文件已损坏或不是有效的 {kind} 文件。 / The file is damaged or not a valid {kind} file."
    )


# ---------------------------------------------------------------------------------------------------------
# Public entry point.


def convert(
    data: bytes,
    filename: str,
    mimetype: str | None = None,
    limits: ConversionLimits = DEFAULT_LIMITS,
) -> ConvertedDocument:
    """Convert one file; raise UnreadableDocument with a message fit for the user when it cannot be."""
    if len(data) > limits.max_bytes:
        raise too_big(len(data), limits.max_bytes)
    if not data.strip():
        raise EMPTY
    kind = detect_kind(data, filename, mimetype)
    fallback_title = PurePath(filename).stem.strip() or filename
    if kind in ("docx", "pptx", "xlsx"):
        _check_archive(data, limits)
    title, markdown = _CONVERTERS[kind](data, fallback_title, limits)
    markdown = markdown.strip() + "\n"
    if len(markdown) > limits.max_chars:
        raise _too_long(len(markdown), limits.max_chars)
    if not _has_body_text(markdown):
        raise SCANNED_PDF if kind == "pdf" else EMPTY
    return ConvertedDocument(
        title=title,
        markdown=markdown,
        sections=heading_paths(markdown, title),
        kind=kind,
        chars=len(markdown),
    )


# ---------------------------------------------------------------------------------------------------------
# Telling formats apart and refusing dangerous bytes before parsing.

_SUFFIX_KINDS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".docx": "docx",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".pptx": "pptx",
    ".xlsx": "xlsx",
}
_MIME_KINDS = {
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
    "text/html": "html",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
_OOXML_MAIN_PARTS = {"word/document.xml": "docx", "ppt/presentation.xml": "pptx", "xl/workbook.xml": "xlsx"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted .docx/.xlsx/.pptx is an OLE container holding this stream (MS-OFFCRYPTO).
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def detect_kind(data: bytes, filename: str, mimetype: str | None = None) -> str:
    """The format by the bytes' signature first (names lie), then the file name, then Slack's mimetype."""
    head = data[:1024]
    if head.startswith(_OLE_MAGIC):
        raise ENCRYPTED if _ENCRYPTED_PACKAGE in data else LEGACY_OFFICE
    if head.lstrip().startswith(b"%PDF-") or head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(data)
    claimed = _SUFFIX_KINDS.get(PurePath(filename).suffix.lower()) or _MIME_KINDS.get(
        (mimetype or "").split(";")[0].strip().lower()
    )
    if claimed in ("pdf", "docx", "pptx", "xlsx"):
        raise _damaged(claimed.upper())
    if _looks_binary(head):
        raise UNSUPPORTED
    if claimed is not None:
        return claimed
    lowered = head.lower()
    if b"<html" in lowered or b"<!doctype html" in lowered:
        return "html"
    raise UNSUPPORTED


def _ooxml_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as error:
        raise _damaged("Office") from error
    for part, kind in _OOXML_MAIN_PARTS.items():
        if part in names:
            return kind
    raise UNSUPPORTED


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > len(head) // 20


def _check_archive(data: bytes, limits: ConversionLimits) -> None:
    """Refuse a zip whose members would expand past the limits; only the central directory is read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise _damaged("Office") from error
    if len(members) > limits.max_archive_members:
        raise SUSPICIOUS_ARCHIVE
    total = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members)
    if total > limits.max_uncompressed_bytes:
        raise SUSPICIOUS_ARCHIVE
    # Small members of repetitive XML legitimately compress 100:1; only big expansions are a threat.
    if total > MEGABYTE and total > limits.max_compression_ratio * max(compressed, 1):
        raise SUSPICIOUS_ARCHIVE
    for member in members:
        if member.file_size > MEGABYTE and member.file_size > limits.max_compression_ratio * max(
            member.compress_size, 1
        ):
            raise SUSPICIOUS_ARCHIVE


# ---------------------------------------------------------------------------------------------------------
# Shared Markdown helpers.

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def heading_paths(markdown: str, title: str) -> list[str]:
    """Every heading's path as the splitter cites it: the title, then the enclosing headings."""
    # Imported here: the splitter pulls in langchain (0.4 s), which converting alone does not need.
    from bot.knowledge.splitter import SECTION_SEPARATOR

    stack: list[tuple[int, str]] = []
    paths: list[str] = []
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else _MD_HEADING.match(line.strip())
        if not match:
            continue
        level, text = len(match.group(1)), match.group(2)
        stack = [entry for entry in stack if entry[0] < level]
        if level == 1 and text == title:
            continue
        stack.append((level, text))
        paths.append(SECTION_SEPARATOR.join([title, *(entry[1] for entry in stack)]))
    return paths


def _has_body_text(markdown: str) -> bool:
    return any(
        any(ch.isalnum() for ch in line) for line in markdown.splitlines() if not _MD_HEADING.match(line)
    )


def _clean(text: str) -> str:
    """One line of text: runs of spaces collapsed, private-use glyphs (PDF bullets) dropped."""
    text = "".join(ch for ch in text if not 0xE000 <= ord(ch) <= 0xF8FF)
    return _SPACES.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()


def _heading(level: int, text: str) -> str:
    return f"{'#' * max(1, min(level, 6))} {text}"


def _format_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _clean(str(value))


def _table_lines(rows: list[list[str]]) -> Iterator[str]:
    """A table as one `- header: value; …` item per row, so each row is a chunk that names its columns."""
    rows = [row for row in rows if any(cell for cell in row)]
    if not rows:
        return
    header, body = rows[0], rows[1:]
    if not body or len(header) < 2:
        for row in rows:
            yield "- " + "; ".join(cell for cell in row if cell)
        return
    for row in body:
        pairs = []
        for index, cell in enumerate(row):
            if not cell:
                continue
            name = header[index] if index < len(header) and header[index] else ""
            pairs.append(f"{name}: {cell}" if name and name != cell else cell)
        if pairs:
            yield "- " + "; ".join(pairs)


class _Budget:
    """Stops a converter as soon as its output passes the character limit, before memory fills up."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, text: str) -> str:
        self.used += len(text) + 1
        if self.used > self.limit:
            raise _too_long(self.used, self.limit)
        return text


def _assemble(title: str, blocks: Iterable[str]) -> str:
    """`# title` then blocks separated by blank lines, consecutive `- ` items kept together."""
    out = [_heading(1, title), ""]
    previous_item = False
    for block in blocks:
        is_item = block.startswith("- ") or bool(re.match(r"^\d+\. ", block))
        if out[-1] != "" and not (is_item and previous_item):
            out.append("")
        out.append(block)
        previous_item = is_item
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------
# Plain text and Markdown.

_TXT_HEADING = re.compile(r"^[一二三四五六七八九十]+\s*[.、.]\s*(\S.{0,30})$")
_FRONT_MATTER_TITLE = re.compile(r"\A---\s*\n(?:.*\n)*?title:\s*(.+?)\s*\n(?:.*\n)*?---\s*\n")


def _decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030: what Chinese Windows editors save."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.replace("\r\n", "\n").replace("\r", "\n")
    raise UNSUPPORTED


def _convert_markdown(data: bytes, fallback_title: str, limits: ConversionLimits) -> tuple[str, str]:
    text = _decode_text(data)
    front = _FRONT_MATTER_TITLE.match(text)
    title = front.group(1).strip("\"' ") if front else ""
    if not title:
        for line in text.splitlines():
            match = _MD_HEADING.match(line.strip())
            if match and len(match.group(1)) == 1:
                title = match.group(2)
                break
    title = title or fallback_title
    if front or any(line.strip() == _heading(1, title) for line in text.splitlines()):
        return title, text
    return title, f"{_heading(1, title)}\n\n{text}"


def _convert_text(data: bytes, fallback_title: str, limits: ConversionLimits) -> tuple[str, str]:
    """Plain text keeps its paragraphs; numbered part lines ("一、目标") become `##` headings."""
    lines = _decode_text(data).splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    title = fallback_title
    if first and len(first) <= 60 and not _TXT_HEADING.match(first):
        title = re.sub(r"[!！。.]+$", "", first)
        lines = lines[lines.index(next(line for line in lines if line.strip())) + 1 :]
    converted = []
    for line in lines:
        match = _TXT_HEADING.match(line.strip())
        converted.append(_heading(2, match.group(1).strip()) if match else line.rstrip())
    return title, f"{_heading(1, title)}\n\n" + "\n".join(converted)


# ---------------------------------------------------------------------------------------------------------
# Word.

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLES = {"title", "标题"}


def _style_names(paragraph: DocxParagraph) -> Iterator[str]:
    """The paragraph's style and the styles it is based on: a custom style built on Heading 2 is one."""
    style = paragraph.style
    for _ in range(4):
        if style is None:
            return
        yield (style.name or "").strip()
        style = style.base_style


def _word_role(paragraph: DocxParagraph) -> tuple[str, int]:
    for name in _style_names(paragraph):
        if name.lower() in _TITLE_STYLES:
            return "title", 1
        match = _HEADING_STYLE.match(name)
        if match:
            return "heading", int(match.group(1))
        if name.lower().startswith("list number"):
            return "number", 0
        if name.lower().startswith(("list bullet", "list paragraph", "列表")):
            return "bullet", 0
    if paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None:
        return "bullet", 0
    return "text", 0


def _convert_docx(data: bytes, fallback_title: str, limits: ConversionLimits) -> tuple[str, str]:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises bare KeyError/ValueError/lxml errors on bad parts
        raise _damaged("Word") from error
    budget = _Budget(limits.max_chars)
    title = ""
    blocks: list[str] = []
    number = 0
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            number = 0
            blocks.extend(budget.take(line) for line in _table_lines(_docx_rows(item)))
            continue
        text = _clean(item.text)
        if not text:
            continue
        role, level = _word_role(item)
        number = number + 1 if role == "number" else 0
        if role == "title" and not title:
            title = text
        elif role in ("title", "heading"):
            blocks.append(budget.take(_heading(level + 1, text)))
        elif role == "number":
            blocks.append(budget.take(f"{number}. {text}"))
        elif role == "bullet":
            blocks.append(budget.take(f"- {text}"))
        else:
            blocks.append(budget.take(text))
    title = title or _clean(document.core_properties.title or "") or fallback_title
    return title, _assemble(title, blocks)


def _docx_rows(table: DocxTable) -> list[list[str]]:
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = _clean(cell.text)
            # A merged cell repeats in every grid column it spans: keep it once.
            if not cells or text != cells[-1]:
                cells.append(text)
        rows.append(cells)
    return rows


# ---------------------------------------------------------------------------------------------------------
# PDF.

_SENTENCE_END = re.compile(r"[。！？!?：:;；)）」”]$")
_LIST_START = re.compile(r"^(?:[-*•·●▪]\s*|\d+[.)、]\s*|[((]\d+[))]\s*)")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_GENERIC_PDF_TITLES = re.compile(r"^(untitled|microsoft word - .*|.*\.(docx?|pdf))$", re.IGNORECASE)


_PUA_BULLET = re.compile(r"^\s*[\ue000-\uf8ff]\s*")


def _pdf_line(raw: str) -> str:
    """A PDF text line; symbol-font bullets (private-use glyphs) become `•` so lists stay lists."""
    return _clean(_PUA_BULLET.sub("• ", raw))


def _looks_like_table_row(line: str) -> bool:
    """Short space-separated fields ("续费率 65% 会员组"): a table row that must not be joined to the next."""
    fields = line.split(" ")
    return len(fields) >= 3 and len(line) <= 60 and all(len(field) <= 15 for field in fields)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _convert_pdf(data: bytes, fallback_title: str, limits: ConversionLimits) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Owner-password-only PDFs (print/copy restrictions) open with an empty user password.
            try:
                opened = reader.decrypt("")
            except Exception as error:
                raise ENCRYPTED from error
            if not opened:
                raise ENCRYPTED
        outline = _pdf_outline(reader)
        budget = _Budget(limits.max_chars)
        pages: list[list[str]] = []
        for page in reader.pages:
            text = page.extract_text() or ""
            budget.take(text)
            pages.append([line for line in map(_pdf_line, text.splitlines()) if line])
        metadata_title = _clean(str(reader.metadata.get("/Title") or "")) if reader.metadata else ""
    except UnreadableDocument:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise _damaged("PDF") from error
    if not any(pages):
        raise SCANNED_PDF
    title = metadata_title if metadata_title and not _GENERIC_PDF_TITLES.match(metadata_title) else ""
    if not title:
        # No metadata: a short first line above the first bookmark reads as the title (a Title paragraph
        # is not bookmarked); otherwise the first bookmark; otherwise the file name.
        first_line = next(line for lines in pages for line in lines)
        first_bookmark = outline[0][1] if outline else ""
        if len(first_line) <= 60 and _squash(first_line) != _squash(first_bookmark):
            title = first_line
        else:
            title = first_bookmark or fallback_title
    return title, _assemble(title, _pdf_blocks(pages, outline, title))


def _pdf_outline(reader: Any) -> list[tuple[int, str, int]]:
    """Bookmarks as (depth, title, page index), in document order; a broken outline is just ignored."""
    entries: list[tuple[int, str, int]] = []

    def walk(items: list[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:
                continue
            title = _clean(str(getattr(item, "title", "") or ""))
            if title and page is not None and page >= 0:
                entries.append((depth, title, page))

    try:
        walk(list(reader.outline), 0)
    except Exception:
        return []
    return entries


def _pdf_blocks(pages: list[list[str]], outline: list[tuple[int, str, int]], title: str) -> Iterator[str]:
    """Lines of each page, bookmarked lines turned into headings and wrapped lines joined into paragraphs."""
    by_page: dict[int, list[tuple[int, str]]] = {}
    for depth, text, page in outline:
        by_page.setdefault(page, []).append((depth, text))
    skipped_title = False
    paragraph: list[str] = []

    def flush() -> Iterator[str]:
        if paragraph:
            joined = paragraph[0]
            for line in paragraph[1:]:
                gap = "" if _CJK.search(joined[-1:]) or _CJK.search(line[:1]) else " "
                joined += gap + line
            paragraph.clear()
            yield joined

    for page_index, lines in enumerate(pages):
        pending = by_page.get(page_index, [])
        matched = _match_headings(lines, pending)
        for depth, text in (entry for index, entry in enumerate(pending) if index not in matched.values()):
            yield from flush()
            yield _heading(depth + 2, text)
        for line_index, line in enumerate(lines):
            if not skipped_title and _squash(line) == _squash(title):
                skipped_title = True
                continue
            if line_index in matched:
                yield from flush()
                depth, text = pending[matched[line_index]]
                yield _heading(depth + 2, text)
                continue
            if _LIST_START.match(line):
                yield from flush()
                paragraph.append("- " + _LIST_START.sub("", line, count=1))
            elif _looks_like_table_row(line):
                yield from flush()
                yield line
                continue
            else:
                paragraph.append(line)
            if _SENTENCE_END.search(line):
                yield from flush()
        yield from flush()


def _match_headings(lines: list[str], pending: list[tuple[int, str]]) -> dict[int, int]:
    """Line index -> outline entry index for bookmarks found as lines of their page, in order."""
    matched: dict[int, int] = {}
    start = 0
    for entry_index, (_, text) in enumerate(pending):
        wanted = _squash(text)
        for line_index in range(start, len(lines)):
            if _squash(lines[line_index]) == wanted:
                matched[line_index] = entry_index
                start = line_index + 1
                break
    return matched


# ---------------------------------------------------------------------------------------------------------
# PowerPoint.


def _convert_pptx(data: bytes, fallback_title: str, limits: ConversionLimits) -> tuple[str, str]:
    from pptx import Presentation

    try:
        presentation = Presentation(io.BytesIO(data))
    except Exception as error:  # python-pptx raises bare KeyError/ValueError/lxml errors on bad parts
        raise _damaged("PowerPoint") from error
    budget = _Budget(limits.max_chars)
    slides: list[tuple[str, list[str]]] = []
    for number, slide in enumerate(presentation.slides, start=1):
        shapes = sorted(_flatten_shapes(slide.shapes), key=lambda shape: (shape.top or 0, shape.left or 0))
        title_shape = slide.shapes.title or _title_like_shape(shapes)
        slide_title = _clean(title_shape.text_frame.text) if title_shape is not None else ""
        body: list[str] = []
        for shape in shapes:
            if title_shape is not None and shape.shape_id == title_shape.shape_id:
                continue
            body.extend(budget.take(block) for block in _shape_blocks(shape))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = _clean(slide.notes_slide.notes_text_frame.text)
            if notes:
                body.append(budget.take(f"备注 / Notes: {notes}"))
        slides.append((slide_title or f"第 {number} 页 / Slide {number}", body))
    deck_title = ""
    if slides and not slides[0][0].startswith("第 1 页"):
        deck_title = slides[0][0]
    title = deck_title or _clean(presentation.core_properties.title or "") or fallback_title
    blocks: list[str] = []
    for index, (slide_title, body) in enumerate(slides):
        if not (index == 0 and slide_title == title):
            blocks.append(_heading(2, slide_title))
        blocks.extend(body)
    return title, _assemble(title, blocks)


def _flatten_shapes(shapes: Iterable[BaseShape]) -> Iterator[BaseShape]:
    from pptx.shapes.group import GroupShape

    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _flatten_shapes(shape.shapes)
        else:
            yield shape


def _title_like_shape(shapes: list[BaseShape]) -> Any:
    """Decks exported without placeholders: the topmost short one-line text box reads as the title."""
    for shape in shapes:
        if getattr(shape, "has_text_frame", False):
            text = _clean(shape.text_frame.text)  # type: ignore[attr-defined]
            if text:
                return shape if len(text) <= 60 and len(shape.text_frame.paragraphs) == 1 else None  # type: ignore[attr-defined]
    return None


def _shape_blocks(shape: BaseShape) -> Iterator[str]:
    if getattr(shape, "has_table", False):
        table = shape.table  # type: ignore[attr-defined]
        yield from _table_lines([[_clean(cell.text) for cell in row.cells] for row in table.rows])
    elif getattr(shape, "has_text_frame", False):
        paragraphs = [_clean(p.text) for p in shape.text_frame.paragraphs]  # type: ignore[attr-defined]
        paragraphs = [text for text in paragraphs if text]
        if len(paragraphs) == 1:
            yield paragraphs[0]
        else:
            yield from (f"- {text}" for text in paragraphs)


# ---------------------------------------------------------------------------------------------------------
# Excel.


def _convert_xlsx(data: bytes, fallback_title: str, limits: ConversionLimits) -> tuple[str, str]:
    import openpyxl

    try:
        # read_only streams rows instead of building every cell object; data_only reads cached values.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises bare KeyError/ValueError/lxml errors on bad parts
        raise _damaged("Excel") from error
    budget = _Budget(limits.max_chars)
    blocks: list[str] = []
    try:
        for sheet in workbook.worksheets:
            rows: list[list[str]] = []
            dropped = 0
            for values in sheet.iter_rows(values_only=True, max_col=limits.max_sheet_columns):
                cells = [_format_value(value) for value in values]
                if not any(cells):
                    continue
                if len(rows) >= limits.max_sheet_rows:
                    dropped += 1
                    continue
                rows.append(cells)
                budget.take(" ".join(cells))
            lines = list(_table_lines(rows))
            if not lines:
                continue
            blocks.append(_heading(2, _clean(str(sheet.title))))
            blocks.extend(lines)
            if dropped:
                blocks.append(
                    f"（本表另有 {dropped:,} 行未收录 / {dropped:,} more rows of this sheet are not included）"
                )
        title = _clean(workbook.properties.title or "") or fallback_title
    finally:
        workbook.close()
    return title, _assemble(title, blocks)


# ---------------------------------------------------------------------------------------------------------
# HTML.


class _TitleFinder(HTMLParser):
    """The page's <title> and its <h1>s, found without building a tree."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1s: list[str] = []
        self._inside: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("title", "h1") and self._inside is None:
            self._inside, self._text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._inside:
            text = _clean("".join(self._text))
            if tag == "title" and not self.title:
                self.title = text
            elif tag == "h1" and text:
                self.h1s.append(text)
            self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside:
            self._text.append(data)


def _convert_html(data: bytes, fallback_title: str, limits: ConversionLimits) -> tuple[str, str]:
    import trafilatura

    text = _decode_html(data)
    finder = _TitleFinder()
    finder.feed(text)
    finder.close()
    # A page's one <h1> is its own title; <title> often carries the site's name as well.
    title = finder.h1s[0] if len(finder.h1s) == 1 else finder.title or fallback_title
    extracted = trafilatura.extract(
        text,
        output_format="markdown",
        include_formatting=True,
        include_tables=True,
        include_links=False,
        include_images=False,
        include_comments=False,
        favor_recall=True,
        with_metadata=False,
    )
    if not extracted:
        raise EMPTY
    lines = extracted.replace("\r\n", "\n").splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    if first == _heading(1, title):
        return title, "\n".join(lines)
    return title, f"{_heading(1, title)}\n\n" + "\n".join(lines)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


def _decode_html(data: bytes) -> str:
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    return _decode_text(data)


_CONVERTERS: dict[str, Callable[[bytes, str, ConversionLimits], tuple[str, str]]] = {
    "markdown": _convert_markdown,
    "text": _convert_text,
    "docx": _convert_docx,
    "pdf": _convert_pdf,
    "pptx": _convert_pptx,
    "xlsx": _convert_xlsx,
    "html": _convert_html,
}

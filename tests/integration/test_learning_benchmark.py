"""benchmarks/learning.py still runs: its documents convert with the fact inside, and the path it times
(learn, refresh, answer) ends in an answer that cites the learned document."""

from __future__ import annotations

from pathlib import Path

from benchmarks.learning import DOCX_TYPE, learn_and_ask
from benchmarks.learning_documents import FACT, TITLE, make_docx, make_markdown, make_pdf
from bot.knowledge.conversion import convert
from bot.settings import Settings


def test_the_generated_pdf_and_word_file_convert_with_their_sections_and_the_fact(tmp_path: Path) -> None:
    pdf, docx = tmp_path / "report.pdf", tmp_path / "report.docx"
    make_pdf(pdf, 5, tmp_path)
    make_docx(docx, 30)
    for path, sections in ((pdf, 5), (docx, 3)):
        converted = convert(path.read_bytes(), path.name)
        assert converted.title == TITLE and len(converted.sections) == sections, path.name
        assert FACT in converted.markdown, path.name


def test_a_learned_document_is_cited_by_the_first_answer(tmp_path: Path, settings: Settings) -> None:
    note, report = tmp_path / "note.md", tmp_path / "report.docx"
    make_markdown(note)
    make_docx(report, 30)
    for path, kind, section in (
        (note, "text/markdown", "会员日速记 › 核销情况"),
        (report, DOCX_TYPE, f"{TITLE} › 第 3 部分 渠道复盘"),
    ):
        phases = learn_and_ask(path, kind, "hashing", settings.cache_dir)
        assert phases is not None
        assert phases.cited_first_time and phases.cited_section == section, phases
        assert phases.records_embedded > 0 and phases.index_s > 0 and phases.store_s > 0


def test_the_answers_asked_while_a_document_is_indexed_are_timed(tmp_path: Path, settings: Settings) -> None:
    note = tmp_path / "note.md"
    make_markdown(note)
    phases = learn_and_ask(note, "text/markdown", "hashing", settings.cache_dir, ask_while_indexing=True)
    assert phases is not None and phases.cited_first_time
    assert phases.longest_answer_while_indexing_s > 0

"""Shared files become Markdown whose headings are the document's own; bad files are refused before parsing."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import docx
import pptx
import pypdf
import pytest

from bot.knowledge import conversion
from bot.knowledge.conversion import ConversionLimits, UnreadableDocument, convert
from bot.knowledge.documents import KnowledgeDocument
from bot.knowledge.splitter import split_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
PLAN_TITLE = "618 大促会员增长活动方案"
PLAN_SECTIONS = [
    f"{PLAN_TITLE} › 活动目标",
    f"{PLAN_TITLE} › 活动目标 › 核心指标",
    f"{PLAN_TITLE} › 活动目标 › 目标拆解",
    f"{PLAN_TITLE} › 活动节奏",
    f"{PLAN_TITLE} › 分工与协作",
    f"{PLAN_TITLE} › 风险预案",
    f"{PLAN_TITLE} › 风险预案 › 流量高峰",
    f"{PLAN_TITLE} › 风险预案 › 优惠券被刷",
]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def refusal(data: bytes, filename: str, limits: ConversionLimits | None = None) -> str:
    with pytest.raises(UnreadableDocument) as caught:
        convert(data, filename, limits=limits or ConversionLimits())
    return str(caught.value)


def test_fixtures_stay_small() -> None:
    for path in FIXTURES.iterdir():
        assert path.stat().st_size < 100 * 1024, path.name


# --- real documents made with LibreOffice -----------------------------------------------------------------


def test_word_document_keeps_title_headings_lists_and_table() -> None:
    document = convert(fixture("campaign_plan.docx"), "campaign_plan.docx")
    assert document.kind == "docx"
    assert document.title == PLAN_TITLE
    assert document.sections == PLAN_SECTIONS
    assert document.markdown.startswith(f"# {PLAN_TITLE}\n")
    assert "\n## 活动目标\n" in document.markdown
    assert "\n### 核心指标\n" in document.markdown
    assert "- 指标: 新增付费会员; 目标值: 30000; 负责人: 增长组 王芳" in document.markdown
    assert "1. 预热期：六月一日至六月十日，发布会员日海报并开放预约。" in document.markdown
    assert "- 客服组：负责活动规则答疑和售后跟进。" in document.markdown
    assert document.chars == len(document.markdown)


def test_word_markdown_indexes_into_sections_cited_by_heading_path() -> None:
    converted = convert(fixture("campaign_plan.docx"), "campaign_plan.docx")
    indexed = KnowledgeDocument(
        source="slack/campaign_plan.docx",
        title=converted.title,
        owner="",
        body=converted.markdown,
        is_markdown=True,
        fingerprint="test",
    )
    chunks = split_document(indexed)
    sections = {chunk.section for chunk in chunks}
    assert f"{PLAN_TITLE} › 活动目标" in sections
    # 风险预案 has no text of its own, only subsections, so no chunk is cited by it alone.
    assert set(PLAN_SECTIONS) - {f"{PLAN_TITLE} › 风险预案"} <= sections
    by_text = {chunk.text: chunk.section for chunk in chunks}
    assert by_text["指标: 续费率; 目标值: 65%; 负责人: 会员组 李雷"] == f"{PLAN_TITLE} › 活动目标 › 核心指标"
    assert by_text["增长组：负责投放素材和裂变玩法。"] == f"{PLAN_TITLE} › 分工与协作"


def test_pdf_bookmarks_become_headings() -> None:
    document = convert(fixture("campaign_plan.pdf"), "campaign_plan.pdf")
    assert document.kind == "pdf"
    assert document.title == PLAN_TITLE
    assert document.sections == PLAN_SECTIONS
    assert "活动期间新增付费会员三万人，老会员续费率提升到百分之六十五" in document.markdown
    assert "续费率 65% 会员组 李雷" in document.markdown
    assert "- 预热期：六月一日至六月十日，发布会员日海报并开放预约。" in document.markdown


def test_powerpoint_slide_titles_become_sections() -> None:
    document = convert(fixture("campaign_deck.pptx"), "campaign_deck.pptx")
    assert document.kind == "pptx"
    assert document.title == "618 大促复盘汇报"
    assert document.sections == ["618 大促复盘汇报 › 核心数据", "618 大促复盘汇报 › 下次改进"]
    assert "- 续费率 61%，比目标低四个百分点" in document.markdown
    assert "运营团队 · 六月二十五日" in document.markdown


def test_powerpoint_title_placeholders_and_tables() -> None:
    deck = pptx.Presentation()
    cover = deck.slides.add_slide(deck.slide_layouts[0])
    cover.shapes.title.text = "会员运营周报"
    content = deck.slides.add_slide(deck.slide_layouts[5])
    content.shapes.title.text = "渠道数据"
    table = content.shapes.add_table(2, 2, 0, 0, 3_000_000, 1_000_000).table
    for row, values in enumerate((("渠道", "新增"), ("小程序", "1200"))):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    content.notes_slide.notes_text_frame.text = "小程序的数据含裂变。"
    buffer = io.BytesIO()
    deck.save(buffer)

    document = convert(buffer.getvalue(), "weekly.pptx")
    assert document.title == "会员运营周报"
    assert document.sections == ["会员运营周报 › 渠道数据"]
    assert "- 渠道: 小程序; 新增: 1200" in document.markdown
    assert "小程序的数据含裂变。" in document.markdown


def test_spreadsheet_sheets_become_sections_and_rows_name_their_columns() -> None:
    document = convert(fixture("campaign_budget.xlsx"), "campaign_budget.xlsx")
    assert document.kind == "xlsx"
    assert document.title == "618 大促预算与排期"
    assert document.sections == ["618 大促预算与排期 › 预算", "618 大促预算与排期 › 排期"]
    assert "- 渠道: 小程序裂变; 预算（元）: 120000; 负责人: 王芳" in document.markdown
    assert "- 渠道: 合计; 预算（元）: 165000" in document.markdown  # a formula's cached value
    assert "- 阶段: 预热期; 开始: 2025-06-01; 结束: 2025-06-10" in document.markdown


def test_spreadsheet_rows_are_bounded_and_say_so() -> None:
    limits = ConversionLimits(max_sheet_rows=2)
    document = convert(fixture("campaign_budget.xlsx"), "campaign_budget.xlsx", limits=limits)
    assert "另有 2 行未收录" in document.markdown


def test_html_keeps_main_content_and_its_headings() -> None:
    document = convert(fixture("campaign_page.html"), "campaign_page.html", "text/html")
    assert document.kind == "html"
    assert document.title == "双十一会员拉新活动复盘"
    assert document.sections == [
        "双十一会员拉新活动复盘 › 活动概况",
        "双十一会员拉新活动复盘 › 活动概况 › 渠道分工",
        "双十一会员拉新活动复盘 › 目标与结果",
        "双十一会员拉新活动复盘 › 经验与改进",
        "双十一会员拉新活动复盘 › 经验与改进 › 下次要做的事",
    ]
    assert "首单转化率" in document.markdown
    assert "- 小程序：负责裂变分享，老会员邀请好友得积分。" in document.markdown
    for chrome in ("热门文章", "京ICP备", "关于我们", "window.analytics", "年货节"):
        assert chrome not in document.markdown


# --- documents made in the test ---------------------------------------------------------------------------


def test_word_chinese_style_names_and_core_title() -> None:
    made = docx.Document()
    made.core_properties.title = "社群运营手册"
    made.styles["Heading 1"].name = "标题 1"
    made.add_paragraph("拉新", style="标题 1")
    made.add_paragraph("每周二在群里发起接龙。")
    buffer = io.BytesIO()
    made.save(buffer)

    document = convert(buffer.getvalue(), "handbook.docx")
    assert document.title == "社群运营手册"
    assert document.sections == ["社群运营手册 › 拉新"]


def test_markdown_keeps_its_own_title() -> None:
    text = "# 预热清单\n\n## 素材\n\n- 海报三套\n"
    document = convert(text.encode(), "list.md")
    assert (document.kind, document.title, document.markdown) == ("markdown", "预热清单", text)
    assert document.sections == ["预热清单 › 素材"]


def test_plain_text_in_gb18030_with_numbered_parts() -> None:
    text = "活动复盘要点\n\n一、目标\n新增会员三万。\n二、问题\n优惠券门槛偏高。\n"
    document = convert(text.encode("gb18030"), "notes.txt")
    assert document.title == "活动复盘要点"
    assert document.sections == ["活动复盘要点 › 目标", "活动复盘要点 › 问题"]


def test_file_without_title_falls_back_to_its_name() -> None:
    document = convert("只有一段话，没有标题，也没有换行的长长的一段文字。".encode() * 3, "会议纪要.md")
    assert document.title == "会议纪要"


# --- refusals ---------------------------------------------------------------------------------------------


def test_encrypted_pdf_is_refused() -> None:
    assert "密码" in refusal(fixture("campaign_plan_encrypted.pdf"), "plan.pdf")


def test_scanned_pdf_is_refused() -> None:
    message = refusal(fixture("scanned_page.pdf"), "scan.pdf")
    assert "扫描" in message
    assert "no text layer" in message


def test_password_protected_office_file_is_refused() -> None:
    # What Word writes for a password-protected .docx: an OLE container with an EncryptedPackage stream.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptedPackage".encode("utf-16-le")
    assert "password-protected" in refusal(ole + b"\x00" * 4096, "plan.docx")


def test_old_binary_office_file_is_refused_with_advice() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096
    assert ".docx" in refusal(ole, "plan.doc")


def test_oversized_file_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser must not see an oversized file")

    monkeypatch.setattr(pypdf, "PdfReader", must_not_parse)
    data = b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024)
    started = time.perf_counter()
    message = refusal(data, "huge.pdf")
    assert time.perf_counter() - started < 0.5
    assert "50.0 MB" in message
    assert "20 MB" in message


def _zip_with(member: str, payload_chunks: int, chunk: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(member, "w") as target:
            for _ in range(payload_chunks):
                target.write(chunk)
    return buffer.getvalue()


def test_zip_bomb_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser must not open a zip bomb")

    monkeypatch.setattr(docx, "Document", must_not_parse)
    bomb = _zip_with("word/document.xml", 20, b"\0" * 1024 * 1024)  # 20 MB of zeros in ~20 KB
    assert len(bomb) < 100 * 1024
    assert "zip bomb" in refusal(bomb, "plan.docx")


def test_archive_expanding_past_the_limit_is_refused() -> None:
    # Text-like data compresses about 4:1, so only the total size can catch it.
    varied = bytes(range(256)) * 4096
    archive = _zip_with("xl/workbook.xml", 3, varied)
    limits = ConversionLimits(max_uncompressed_bytes=2 * 1024 * 1024)
    assert "zip bomb" in refusal(archive, "budget.xlsx", limits)


def test_text_over_the_character_limit_is_refused_not_truncated() -> None:
    message = refusal(fixture("campaign_plan.docx"), "plan.docx", ConversionLimits(max_chars=300))
    assert "300" in message


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8, "tool.bin"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "chart.png"),
        (b"PK\x03\x04" + b"\x00" * 64, "notes.zip"),
    ],
)
def test_unknown_or_binary_formats_are_refused(data: bytes, filename: str) -> None:
    message = refusal(data, filename)
    assert "不支持" in message or "damaged" in message


def test_renamed_file_is_refused_as_damaged() -> None:
    assert "not a valid PDF" in refusal(b"just some text, not a PDF at all", "plan.pdf")


@pytest.mark.parametrize("filename", ["empty.md", "empty.txt"])
def test_empty_files_are_refused(filename: str) -> None:
    assert "no readable text" in refusal(b" \n\n ", filename)


def test_office_file_without_text_is_refused() -> None:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    assert "no readable text" in refusal(buffer.getvalue(), "blank.docx")


def test_supported_formats_are_named_in_the_refusal() -> None:
    assert conversion.SUPPORTED_FORMATS in refusal(b"\x00\x01\x02" * 100, "data.bin")

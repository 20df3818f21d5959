"""Passages: exact spans, cuts at the places directives are laid out, sections and pages."""

from __future__ import annotations

from conftest import DIRECTIVE_TEXT

from directive_rag.chunking import Chunker, ChunkSettings, encoder_text
from directive_rag.loaders.base import make_document
from directive_rag.models import Document
from directive_rag.structure import SectionIndex

STATE_TEXT = """QUYẾT ĐỊNH
Ban hành Quy chế mẫu

Chương I
QUY ĐỊNH CHUNG

Điều 1. Phạm vi điều chỉnh
Quy chế này quy định việc tiếp công dân tại trụ sở.

Điều 2. Đối tượng áp dụng
1. Cán bộ, công chức làm công tác tiếp công dân.
2. Công dân đến khiếu nại, tố cáo, kiến nghị.

Chương II
TỔ CHỨC TIẾP CÔNG DÂN

Điều 3. Lịch tiếp công dân
a) Chủ tịch tiếp công dân mỗi tháng một ngày.
b) Phó Chủ tịch tiếp công dân mỗi tuần một buổi.
đ) Lịch được niêm yết công khai.
"""


def test_every_passage_is_the_exact_span_of_the_document_text():
    document = Document("d", DIRECTIVE_TEXT * 3)
    chunks = Chunker(ChunkSettings(size=300, overlap=60)).split(document)
    assert len(chunks) > 5
    for order, chunk in enumerate(chunks):
        assert chunk.order == order
        assert document.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip() and len(chunk.text) <= 300
    assert [chunk.start for chunk in chunks] == sorted(chunk.start for chunk in chunks)


def test_cuts_fall_before_items_and_headings():
    chunks = Chunker(ChunkSettings(size=120, overlap=0)).split(Document("d", STATE_TEXT))
    starts = [chunk.text.split()[0] for chunk in chunks]
    assert all(start in {"QUYẾT", "Chương", "Điều", "1.", "2.", "a)", "b)", "đ)", "QUY", "TỔ", "Quy"} for start in starts), starts


def test_sections_follow_chapters_and_articles():
    index = SectionIndex(STATE_TEXT)
    assert index.path_at(STATE_TEXT.index("Cán bộ, công chức")) == "Chương I › Điều 2. Đối tượng áp dụng"
    assert index.path_at(STATE_TEXT.index("mỗi tuần")) == "Chương II › Điều 3. Lịch tiếp công dân"
    assert index.path_at(0) == ""


def test_party_roman_numeral_parts_are_sections():
    index = SectionIndex(DIRECTIVE_TEXT)
    assert index.path_at(DIRECTIVE_TEXT.index("Hạt Kiểm lâm")) == "II. NHIỆM VỤ, GIẢI PHÁP"


def test_pdf_pages_reach_the_passages():
    document = make_document("p", ["Trang đầu. " * 40, "Trang sau. " * 40], paged=True)
    chunks = Chunker(ChunkSettings(size=200, overlap=0)).split(document)
    assert chunks[0].page == 1 and chunks[-1].page == 2
    for chunk in chunks:
        assert document.page_at(chunk.start) == chunk.page


def test_encoder_text_puts_document_and_section_before_the_clean_passage():
    document = Document("d", STATE_TEXT, number="15/2024/QĐ-UBND", type="Quyết định", title="Ban hành Quy chế mẫu")
    chunk = Chunker(ChunkSettings(size=120, overlap=0)).split(document)[3]
    text = encoder_text(document, chunk)
    assert text.startswith("Quyết định 15/2024/QĐ-UBND Ban hành Quy chế mẫu › Chương I")
    assert text.endswith(chunk.text) and "15/2024" not in chunk.text

"""Passages: exact spans, one article at most, cuts at the places directives are laid out, sections and pages."""

from __future__ import annotations

import json
import re

from conftest import DIRECTIVE_TEXT, shared_data

from directive_rag.chunking import Chunker, ChunkSettings, encoder_text
from directive_rag.loaders.base import make_document
from directive_rag.models import Document
from directive_rag.structure import ARTICLE, SectionIndex

STATE_TEXT = """QUYẾT ĐỊNH
Ban hành Quy chế mẫu

Chương I
QUY ĐỊNH CHUNG

Điều 1. Phạm vi điều chỉnh
Văn bản mẫu này điều chỉnh việc tiếp công dân tại trụ sở.

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


def test_passages_never_straddle_two_articles():
    chunks = Chunker(ChunkSettings(size=2000, overlap=200)).split(Document("d", STATE_TEXT))
    for chunk in chunks:
        assert len(re.findall(r"^Điều \d+\.", chunk.text, re.M)) <= 1, chunk.text
    assert any(chunk.text.startswith("Chương II") and "Điều 3." in chunk.text for chunk in chunks)


def test_a_passage_is_named_after_the_deepest_unit_holding_all_of_it():
    chunks = Chunker(ChunkSettings(size=2000, overlap=0)).split(Document("d", STATE_TEXT))
    by_first_line = {chunk.text.split("\n", 1)[0]: chunk.section for chunk in chunks}
    assert by_first_line == {
        "QUYẾT ĐỊNH": "",
        "Chương I": "Chương I › Điều 1. Phạm vi điều chỉnh",  # a chapter heading goes with its first article
        "Điều 2. Đối tượng áp dụng": "Chương I › Điều 2. Đối tượng áp dụng",
        "Chương II": "Chương II › Điều 3. Lịch tiếp công dân",
    }
    small = Chunker(ChunkSettings(size=60, overlap=0)).split(Document("d", STATE_TEXT))
    inside = next(chunk for chunk in small if chunk.text.startswith("b) Phó Chủ tịch"))
    assert inside.section == "Chương II › Điều 3. Lịch tiếp công dân › Điểm b"


def test_real_documents_split_into_exact_spans_within_one_article():
    path = shared_data("vn_official_party_state_docs/docs.jsonl")
    with path.open(encoding="utf-8") as handle:
        records = [json.loads(line) for line, _ in zip(handle, range(40))]
    chunker = Chunker()
    for record in records:
        document = Document(record["doc_id"], record["text"])
        sections = SectionIndex(document.text)
        articles = [heading.start for heading in sections.headings if heading.kind == ARTICLE]
        for chunk in chunker.split(document):
            assert document.text[chunk.start : chunk.end] == chunk.text
            inside = [start for start in articles if chunk.start < start < chunk.end]
            # An article may begin inside a passage only when the passage holds no earlier article's text.
            in_an_article = re.search(r"Điều \d", sections.path_at(chunk.start))
            assert not inside or (len(inside) == 1 and not in_an_article), chunk.section


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

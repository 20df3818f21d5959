"""Lecture handouts: grouping and order, Markdown, and a DOCX opened again with python-docx."""

from __future__ import annotations

import docx
import pytest

from directive_rag import Library
from directive_rag.handout import Handout, HandoutItem


def item(doc_id, number, date, start, quote, section="", page=None, note="", kind="Chỉ thị", issuer="Tỉnh ủy"):
    return HandoutItem(doc_id, number, f"Về việc {doc_id}", kind, date, issuer, section, page, quote, start,
                       start + len(quote), f"{doc_id}#0", note)


def test_documents_by_date_excerpts_in_text_order_duplicates_merged_with_their_notes():
    items = [
        item("new", "2-CT/TU", "2024-05-01", 300, "Đoạn sau của văn bản mới."),
        item("old", "1-CT/TU", "2019-01-02", 50, "Đoạn của văn bản cũ.", note="Nhấn mạnh khi giảng."),
        item("new", "2-CT/TU", "2024-05-01", 10, "Đoạn đầu của văn bản mới."),
        item("undated", "", "", 0, "Đoạn của bài viết không rõ ngày."),
        item("old", "1-CT/TU", "2019-01-02", 50, "Đoạn của văn bản cũ.", note="Liên hệ thực tiễn."),
    ]
    groups = Handout("Bài giảng", items).groups()
    assert [first.doc_id for first, _ in groups] == ["old", "new", "undated"]
    assert [excerpt.start for excerpt in groups[1][1]] == [10, 300]
    assert len(groups[0][1]) == 1 and groups[0][1][0].note == "Nhấn mạnh khi giảng.\nLiên hệ thực tiễn."
    arranged = Handout("Bài giảng", items, keep_order=True).groups()  # as the trainer arranged them
    assert [first.doc_id for first, _ in arranged] == ["new", "old", "undated"]
    assert [excerpt.start for excerpt in arranged[0][1]] == [300, 10]


def test_markdown_has_vietnamese_headings_and_a_full_source_for_every_excerpt():
    items = [item("ct", "53-CT/ĐU", "2018-05-16", 0, "a) Mỗi chi bộ phân công đảng viên\ntheo dõi quần chúng;",
                  section="II. NHIỆM VỤ › 2.2. › a)", page=3, note="Ví dụ ở đơn vị.", issuer="Đảng ủy Quân sự tỉnh")]
    text = Handout("Giáo dục chính trị", items).to_markdown()
    assert text.startswith("# Giáo dục chính trị\n")
    assert "## 1. Chỉ thị số 53-CT/ĐU — Về việc ct" in text
    assert "- **Ngày ban hành:** 16/05/2018" in text and "- **Cơ quan ban hành:** Đảng ủy Quân sự tỉnh" in text
    assert "### Trích đoạn 1.1: II. NHIỆM VỤ › 2.2. › a)" in text
    assert "> a) Mỗi chi bộ phân công đảng viên theo dõi quần chúng;" in text
    assert "Chỉ thị số 53-CT/ĐU; ngày 16/05/2018; Đảng ủy Quân sự tỉnh; II. NHIỆM VỤ › 2.2. › a); trang 3" in text
    assert "**Ghi chú:** Ví dụ ở đơn vị." in text


def test_write_picks_the_format_by_suffix(tmp_path):
    handout = Handout("", [item("a", "1-CT/TU", "2020-01-01", 0, "Nội dung.")])
    assert handout.title == "Tài liệu trích dẫn văn bản"
    assert handout.write(tmp_path / "h.md").read_text(encoding="utf-8") == handout.to_markdown()
    assert docx.Document(str(handout.write(tmp_path / "h.docx"))).core_properties.title == handout.title
    with pytest.raises(ValueError, match=".docx"):
        handout.write(tmp_path / "h.pdf")


@pytest.fixture(scope="module")
def library(corpus_index):
    return Library(corpus_index)


def test_a_handout_from_real_hits_and_citations_opens_in_word(library, tmp_path):
    hits = library.search("phòng cháy, chữa cháy tại khu dân cư", k=4)
    answer = library.ask("Thời hạn kiện toàn Ban Chỉ huy phòng, chống thiên tai các cấp là khi nào?")
    items = [HandoutItem.from_hit(hit) for hit in hits] + [HandoutItem.from_citation(c, note="Hạn chót") for c in answer.citations]
    path = tmp_path / "bai-giang.docx"
    handout = Handout("Phòng cháy và phòng chống thiên tai", items)
    handout.write(path)

    document = docx.Document(str(path))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    styles = {paragraph.text: paragraph.style.name for paragraph in document.paragraphs}
    assert paragraphs[0] == "Phòng cháy và phòng chống thiên tai" and styles[paragraphs[0]] == "Title"
    body = "\n".join(paragraphs)
    for hit in hits:
        first_line = " ".join(hit.text.splitlines()[0].split()) if hit.text.strip() else ""
        assert first_line in body
    headings = [text for text, style in styles.items() if style == "Heading 1"]
    dated = [library.document(first.doc_id)["date"] for first, _ in handout.groups()]
    assert len(headings) == len(dated) and dated == sorted(dated)
    assert any(heading.startswith("1. Chỉ thị số 07/CT-UBND") for heading in headings)
    plan = next(c for c in answer.citations if c.doc_id == "ke-hoach-120-kh-ubnd.pdf")
    source = next(text for text in paragraphs if text.startswith("Nguồn: Kế hoạch số 120/KH-UBND"))
    assert "ngày 26/02/2025" in source and plan.issuer in source and plan.section in source
    assert f"trang {plan.page}" in source
    assert "Ghi chú: Hạn chót" in paragraphs
    # The same handout as Markdown says the same.
    markdown = handout.to_markdown()
    assert "## 1. Chỉ thị số 07/CT-UBND" in markdown and "**Ghi chú:** Hạn chót" in markdown


def test_library_export_from_chunks_and_a_question(library, tmp_path):
    chunk_ids = [hit.chunk_id for hit in library.search("tiếp công dân định kỳ", k=2)]
    handout = library.export(tmp_path / "tiep-cong-dan.md", chunk_ids=chunk_ids + ["khong-co#9"],
                             question="Chủ tịch Ủy ban nhân dân tỉnh tiếp công dân định kỳ vào ngày nào?")
    assert handout.title == "Chủ tịch Ủy ban nhân dân tỉnh tiếp công dân định kỳ vào ngày nào?"
    assert {excerpt.chunk_id for excerpt in handout.items} >= set(chunk_ids)
    for excerpt in handout.items:
        assert library.document(excerpt.doc_id)["text"][excerpt.start : excerpt.end] == excerpt.quote
    text = (tmp_path / "tiep-cong-dan.md").read_text(encoding="utf-8")
    assert "Quyết định số 15/2024/QĐ-UBND" in text and "ngày 15 hằng tháng" in text

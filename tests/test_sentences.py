"""Sentence spans used for answer quotes."""

from __future__ import annotations

from directive_rag.sentences import is_heading, is_item, is_lead_in, sentence_spans


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


def test_items_labels_and_hard_wraps():
    text = (
        "**Điều 4. Phạm vi phối hợp**\n\n"
        "1. Chi bộ thôn, bản ở vùng biên giới.\n"
        "2. Đồn biên phòng phối hợp tuần tra trên\ntuyến sông theo lịch tháng.\n"
        "- Căn cứ Quy định số 379-QĐ/TW của\nBan Bí thư về giao dịch điện tử;\n"
        "a) điểm thứ nhất; b) điểm thứ hai; còn tiếp.\n"
        "Ông A. Nguyễn đồng ý. Năm 2020 tăng 5. Hết."
    )
    assert sentences(text) == [
        "**Điều 4. Phạm vi phối hợp**",
        "1. Chi bộ thôn, bản ở vùng biên giới.",
        "2. Đồn biên phòng phối hợp tuần tra trên\ntuyến sông theo lịch tháng.",
        "- Căn cứ Quy định số 379-QĐ/TW của\nBan Bí thư về giao dịch điện tử;",
        "a) điểm thứ nhất;",
        "b) điểm thứ hai; còn tiếp.",
        "Ông A. Nguyễn đồng ý.",
        "Năm 2020 tăng 5.",
        "Hết.",
    ]


def test_offsets_are_shifted_and_exact():
    text = "  Câu một.   Câu hai!  "
    spans = sentence_spans(text, offset=100)
    assert [text[start - 100 : end - 100] for start, end in spans] == ["Câu một.", "Câu hai!"]


def test_headings_are_recognized():
    assert is_heading("Điều 2. Đối tượng áp dụng")
    assert is_heading("QUY ĐỊNH CHUNG")
    assert not is_heading("Chi bộ thôn, bản ở vùng biên giới họp mỗi tháng.")


def test_lead_ins_and_items():
    assert is_lead_in("9. Hộ gia đình, cá nhân tại khu dân cư có trách nhiệm")
    assert is_lead_in("Các cơ quan có trách nhiệm sau:")
    assert not is_lead_in("Chi bộ thôn, bản ở vùng biên giới họp mỗi tháng.")
    assert is_item("a) Trang bị ít nhất 01 bình chữa cháy;")
    assert is_item("- Tăng cường kiểm tra")
    assert is_item("1.2. Nội dung")
    assert not is_item("Trang bị bình chữa cháy.")

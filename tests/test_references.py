"""Mentions of other documents: forms, keys, details, resolution, storage, and query routing."""

from __future__ import annotations

import pytest
from conftest import DIRECTIVE_TEXT

from directive_rag import Library
from directive_rag.chunking import Chunker
from directive_rag.references import ReferenceGraph, Resolver, find_references


def keys(text: str) -> list[str]:
    return [reference.key for reference in find_references(text)]


def mentions(text: str) -> list[str]:
    return [text[reference.start : reference.end] for reference in find_references(text)]


def test_numbers_in_party_and_state_forms():
    text = "Theo 53-CT/ĐU, 08-QĐi/TU, 30/2020/NĐ-CP, 187/QĐ-TTg, Luật số 50/2019/QH14 và 5-CT/TW."
    assert keys(text) == ["53-CT/ĐU", "08-QĐi/TU", "30/2020/NĐ-CP", "187/QĐ-TTg", "50/2019/QH14", "05-CT/TW"]
    assert mentions(text)[4] == "Luật số 50/2019/QH14"


def test_type_with_number_in_every_form_shares_the_short_key():
    text = "Thực hiện Chỉ thị 53, Chỉ thị số 53 và CT 53; Nghị quyết số 57-NQ/TW; Chỉ thị số 53-CT/ĐU."
    assert keys(text) == ["Chỉ thị 53", "Chỉ thị 53", "Chỉ thị 53", "57-NQ/TW", "53-CT/ĐU"]
    assert mentions(text) == ["Chỉ thị 53", "Chỉ thị số 53", "CT 53", "Nghị quyết số 57-NQ/TW", "Chỉ thị số 53-CT/ĐU"]
    assert [reference.type for reference in find_references(text)] == ["Chỉ thị"] * 3 + ["Nghị quyết", "Chỉ thị"]
    assert keys("chỉ thị 53 yêu cầu gì, được quy định 5 loại") == ["Chỉ thị 53"]  # lower case: no verbs


def test_date_and_issuer_after_a_mention():
    first, second, third = find_references(
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về văn thư; "
        "Chỉ thị số 53-CT/ĐU ngày 16 tháng 5 năm 2018 của Ban Thường vụ Đảng ủy Quân sự tỉnh về huấn luyện; "
        "Chỉ thị số 23 của Ban Bí thư khóa XII."
    )
    assert (first.date, first.issuer) == ("2020-03-05", "Chính phủ")
    assert (second.date, second.issuer) == ("2018-05-16", "Ban Thường vụ Đảng ủy Quân sự tỉnh")
    assert (third.key, third.issuer, third.term) == ("Chỉ thị 23", "Ban Bí thư", "XII")


def test_plenum_resolutions_mean_their_number_in_that_term():
    text = (
        "Nghị quyết Trung ương 4 khóa XII; Nghị quyết Hội nghị lần thứ tư Ban Chấp hành Trung ương Đảng "
        "khóa XI; Nghị quyết Trung ương năm 2016."
    )
    references = find_references(text)
    assert [(reference.key, reference.term) for reference in references] == [("04-NQ/TW", "XII"), ("04-NQ/TW", "XI")]


def test_dates_years_periods_and_amounts_are_not_references():
    text = "Ngày 16/5/2018, Kế hoạch 2026, Báo cáo 6 tháng đầu năm, 2.000.000 đồng, khoản 2 Điều 5, quyết định 3 lần."
    assert find_references(text) == []


def test_resolution_by_number_then_by_unique_type_and_number():
    resolver = Resolver([
        {"doc_id": "ct53", "number": "53-CT/ĐU", "type": "Chỉ thị", "date": "2018-05-16"},
        {"doc_id": "ct07", "number": "07/CT-UBND", "type": "Chỉ thị", "date": "2024-03-18"},
        {"doc_id": "nq04", "number": "04-NQ/TW", "type": "Nghị quyết", "date": "2016-10-30"},
    ])
    named = [resolver.resolve(key) for key in keys("Chỉ thị 53, Chỉ thị số 53-CT/ĐU, CT 53, Chỉ thị 7")]
    assert named == ["ct53", "ct53", "ct53", "ct07"]
    assert resolver.resolve("53-CT/TW") is None  # a full number never falls back to type and number
    assert resolver.resolve("04-NQ/TW", "XII") == "nq04"
    assert resolver.resolve("04-NQ/TW", "XI") is None


def test_a_short_form_shared_by_two_documents_resolves_to_neither():
    resolver = Resolver([
        {"doc_id": "a", "number": "53-CT/ĐU", "type": "Chỉ thị", "date": ""},
        {"doc_id": "b", "number": "53-CT/TU", "type": "Chỉ thị", "date": ""},
    ])
    assert resolver.resolve("Chỉ thị 53") is None
    assert resolver.resolve("53-CT/TU") == "b"


NAMED_DIRECTIVE = """ĐẢNG ỦY QUÂN SỰ TỈNH MẪU
Số 53-CT/ĐU

ĐẢNG CỘNG SẢN VIỆT NAM
Thành phố Mẫu, ngày 16 tháng 5 năm 2018

CHỈ THỊ
về tăng cường rèn luyện kỷ luật trong huấn luyện

I. NHIỆM VỤ

1. Cán bộ chủ trì các cấp phải có mặt tại thao trường ít nhất hai buổi mỗi tuần.

2. Đơn vị đóng quân gần rừng phối hợp với kiểm lâm địa phương khi được yêu cầu.
"""

IMPLEMENTING_PLAN = """ỦY BAN NHÂN DÂN HUYỆN MẪU
Số: 12/KH-UBND

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Huyện Mẫu, ngày 01 tháng 6 năm 2018

KẾ HOẠCH
Thực hiện Chỉ thị số 53-CT/ĐU

Thực hiện Chỉ thị số 53-CT/ĐU ngày 16 tháng 5 năm 2018 của Ban Thường vụ Đảng ủy Quân sự tỉnh, Ủy ban nhân dân
huyện bố trí thao trường cho dân quân huấn luyện. Việc phối hợp thực hiện Chỉ thị 09 về rừng do Hạt Kiểm lâm chủ trì.
"""


@pytest.fixture(scope="module")
def routed_library(tmp_path_factory) -> Library:
    folder = tmp_path_factory.mktemp("named-documents")
    texts = {"chi-thi-53.txt": NAMED_DIRECTIVE, "chi-thi-09.txt": DIRECTIVE_TEXT, "ke-hoach-12.txt": IMPLEMENTING_PLAN}
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    library = Library(tmp_path_factory.mktemp("named-index"))
    report = library.ingest([folder])
    assert report.failed == [] and report.added == 3
    return library


def test_references_are_stored_per_passage_with_their_span(routed_library):
    catalog = routed_library.store.catalog
    text = routed_library.document("ke-hoach-12.txt")["text"]
    stored = catalog.references("ke-hoach-12.txt")
    assert [row["key"] for row in stored] == ["53-CT/ĐU", "53-CT/ĐU", "Chỉ thị 9"]
    chunks = Chunker().split(catalog.get_document("ke-hoach-12.txt"))
    for row in stored:
        assert text[row["start"] : row["end"]] in ("Chỉ thị số 53-CT/ĐU", "Chỉ thị 09")
        assert chunks[row["ord"]].start <= row["start"] and row["end"] <= chunks[row["ord"]].end
    assert stored[1]["date"] == "2018-05-16" and stored[1]["issuer"] == "Ban Thường vụ Đảng ủy Quân sự tỉnh"
    assert catalog.references("chi-thi-53.txt") == []  # its own "Số 53-CT/ĐU" is not a reference


def test_reference_graph_links_library_documents(routed_library):
    graph = ReferenceGraph(routed_library.store.catalog)
    assert graph.cites("ke-hoach-12.txt") == ["chi-thi-09.txt", "chi-thi-53.txt"]
    assert graph.cited_by("chi-thi-53.txt") == ["ke-hoach-12.txt"]
    assert graph.cited_by("ke-hoach-12.txt") == []


def test_a_query_naming_a_document_by_short_form_ranks_it_first(routed_library):
    question = "Chỉ thị 53 yêu cầu gì về bảo vệ rừng đầu nguồn?"
    lexical = routed_library.search(question, k=10, mode="lexical")
    assert lexical[0].doc_id == "chi-thi-09.txt"  # the other directive matches the words better
    hybrid = routed_library.search(question, k=10)
    assert hybrid[0].doc_id == "chi-thi-53.txt"
    assert {hit.chunk_id for hit in lexical} <= {hit.chunk_id for hit in hybrid}  # favoured, nothing removed
    assert routed_library.ask(question).hits[0].doc_id == "chi-thi-53.txt"

"""Extractive answers on the sample corpus: cited, exact, readable, and declined when there is no evidence."""

from __future__ import annotations

import re

import pytest

from directive_rag import Library
from directive_rag.answer import DECLINE_MESSAGE, asks_for_list, display_sentence
from directive_rag.models import Filters

CITED = re.compile(r"\[(\d+)\]")


@pytest.fixture(scope="module")
def library(corpus_index):
    return Library(corpus_index)


def assert_verifiable(library: Library, answer) -> None:
    """Every sentence or bullet ends with [n], every [n] is a citation, every quote is the document's text."""
    assert {int(n) for n in CITED.findall(answer.answer)} == {citation.n for citation in answer.citations}
    for citation in answer.citations:
        document = library.document(citation.doc_id)
        assert document["text"][citation.start : citation.end] == citation.quote
        assert citation.number == document["number"] and citation.type == document["type"]
        assert citation.date == document["date"] and citation.issuer == document["issuer"]
    for part in re.split(r"(?<=\])\s+", answer.answer.strip()):
        assert CITED.search(part.rstrip()[-5:]), part


@pytest.mark.parametrize(("question", "doc_id", "evidence"), [
    ("Cán bộ chủ trì các cấp phải có mặt tại thao trường bao nhiêu buổi mỗi tuần?", "chi-thi-53-ct-du.txt", "02 buổi"),
    ("Chủ tịch Ủy ban nhân dân tỉnh tiếp công dân định kỳ vào ngày nào?", "quyet-dinh-15-2024-qd-ubnd.docx", "ngày 15"),
    ("Thời hạn kiện toàn Ban Chỉ huy phòng, chống thiên tai các cấp là khi nào?", "ke-hoach-120-kh-ubnd.pdf", "31 tháng 3"),
    ("Mức hỗ trợ chi phí đào tạo nghề tối đa cho người khuyết tật là bao nhiêu?", "nghi-quyet-05-2023-nq-hdnd.txt", "6.000.000"),
])
def test_answers_quote_the_evidence_with_exact_citations(library, question, doc_id, evidence):
    answer = library.ask(question)
    assert answer.answered and answer.mode == "extractive" and answer.note == ""
    assert any(citation.doc_id == doc_id and evidence in citation.quote for citation in answer.citations)
    assert len(CITED.sub("", answer.answer).split()) <= 120
    assert_verifiable(library, answer)


def test_citations_carry_section_path_and_page(library):
    answer = library.ask("Thời hạn kiện toàn Ban Chỉ huy phòng, chống thiên tai các cấp là khi nào?")
    citation = next(c for c in answer.citations if c.doc_id == "ke-hoach-120-kh-ubnd.pdf")
    assert citation.page and citation.page >= 1
    assert "III. NHIỆM VỤ, GIẢI PHÁP" in citation.section
    answer = library.ask("Chủ tịch Ủy ban nhân dân tỉnh tiếp công dân định kỳ vào ngày nào?")
    assert any("Điều 4" in citation.section for citation in answer.citations)


def test_questions_about_measures_are_answered_as_a_bulleted_list(library):
    answer = library.ask("Những biện pháp nào bảo đảm an toàn, an ninh thông tin trong các cơ quan đảng?")
    lines = answer.answer.splitlines()
    assert len(lines) >= 2 and all(line.startswith("- ") and CITED.search(line) for line in lines)
    assert any("bảo vệ 4 lớp" in citation.quote for citation in answer.citations)
    assert len(CITED.sub("", answer.answer).split()) <= 120
    assert_verifiable(library, answer)


def test_answers_hold_no_near_duplicates(library):
    for question in ("Chỉ thị 53 yêu cầu gì về rèn luyện kỷ luật trong huấn luyện?",
                     "Kế hoạch 120/KH-UBND giao nhiệm vụ gì cho Ủy ban nhân dân cấp xã?"):
        answer = library.ask(question)
        quotes = [set(citation.quote.lower().split()) for citation in answer.citations]
        for index, first in enumerate(quotes):
            for second in quotes[index + 1 :]:
                assert len(first & second) / min(len(first), len(second)) < 0.7
        assert_verifiable(library, answer)


@pytest.mark.parametrize("question", [
    "Cách nấu phở bò ngon nhất là gì?",
    "Ngày mai thời tiết Hà Nội có mưa không?",
    "Máy tính Windows bị màn hình xanh phải làm sao?",
    "What is the capital of Australia?",
    "Lịch thi đấu Ngoại hạng Anh tuần này?",
])
def test_out_of_domain_questions_are_declined_with_the_nearest_passages(library, question):
    answer = library.ask(question)
    assert answer.answered is False and answer.citations == []
    assert answer.answer.startswith(DECLINE_MESSAGE)
    assert answer.hits  # the nearest passages are still shown
    assert answer.to_dict()["mode"] == "extractive"


def test_empty_question_is_declined_without_search(library):
    answer = library.ask("   ")
    assert answer.answered is False and answer.citations == [] and answer.hits == []


def test_filters_restrict_the_documents_answers_come_from(library):
    question = "Cơ quan nào là cơ quan thường trực theo dõi, đôn đốc việc thực hiện?"
    answer = library.ask(question, filters=Filters(types=("Chỉ thị",)))
    assert answer.answered
    assert {citation.doc_id for citation in answer.citations} <= {"chi-thi-07-ct-ubnd.txt", "chi-thi-53-ct-du.txt"}
    assert all(hit.type == "Chỉ thị" for hit in answer.hits)
    assert_verifiable(library, answer)


def test_streaming_without_a_model_yields_only_the_final_answer(library, monkeypatch):
    monkeypatch.delenv("DIRECTIVE_RAG_LLM_BASE_URL", raising=False)
    question = "Đảng viên vắng mặt phải học bù trong thời hạn bao lâu?"
    streamed = list(library.ask_stream(question))
    assert len(streamed) == 1
    assert streamed[0].to_dict() == library.ask(question).to_dict()
    assert_verifiable(library, streamed[0])


def test_list_questions_and_display_of_quotes():
    assert asks_for_list("Những biện pháp nào bảo đảm an toàn thông tin?")
    assert asks_for_list("Kế hoạch giao nhiệm vụ gì cho cấp xã?")
    assert asks_for_list("Trách nhiệm của người đứng đầu là gì?")
    assert not asks_for_list("Văn bản nào quy định trách nhiệm nêu gương?")
    assert not asks_for_list("Chủ tịch tiếp công dân vào ngày nào?")
    assert display_sentence("a) Trang bị ít nhất 01 bình\nchữa cháy xách tay;") == "Trang bị ít nhất 01 bình chữa cháy xách tay."
    assert display_sentence("2. Văn phòng Tỉnh ủy là cơ quan thường trực.") == "Văn phòng Tỉnh ủy là cơ quan thường trực."
    assert display_sentence("- có hiệu lực từ ngày 01 tháng 8 năm 2023./.") == "Có hiệu lực từ ngày 01 tháng 8 năm 2023."

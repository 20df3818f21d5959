"""The web app's handlers and its served API, over a real index of one small directive."""

from __future__ import annotations

import socket

import pytest
from gradio_client import Client

from directive_rag import Library
from directive_rag.webapp import (
    DOCUMENT_HEADERS,
    EMPTY_QUERY_MESSAGE,
    EMPTY_QUESTION_MESSAGE,
    answer_html,
    build_app,
    documents_table,
    search_html,
)

DIRECTIVE = """ĐẢNG BỘ XÃ AN BÌNH
Số 07-CT/ĐU
An Bình, ngày 15 tháng 3 năm 2024

CHỈ THỊ
về tăng cường công tác phòng, chống cháy rừng trong mùa khô

I. TÌNH HÌNH
Những năm qua, công tác phòng, chống cháy rừng trên địa bàn xã được các cấp ủy quan tâm lãnh đạo,
số vụ cháy rừng giảm rõ rệt. Tuy nhiên, thời tiết nắng nóng kéo dài, nguy cơ cháy rừng còn rất cao.

II. NHIỆM VỤ, GIẢI PHÁP
1. Các chi bộ thôn tổ chức tuần tra rừng hằng ngày trong mùa khô, từ tháng 3 đến hết tháng 6,
phân công đảng viên trực tại các điểm có nguy cơ cháy cao.
2. Ủy ban nhân dân xã bố trí kinh phí mua sắm máy thổi gió, bình chữa cháy và dụng cụ
phòng cháy rừng cho các tổ đội xung kích.
3. Biểu mẫu báo cáo trực tuyến phải hiển thị nguyên văn các ký tự đặc biệt như
<script>alert(1)</script> và [liên kết](http://example.com) mà không làm thay đổi nội dung báo cáo.

III. TỔ CHỨC THỰC HIỆN
Văn phòng Đảng ủy theo dõi, đôn đốc việc thực hiện Chỉ thị này, định kỳ hằng tháng
báo cáo Ban Thường vụ Đảng ủy kết quả tuần tra và các vụ cháy rừng xảy ra trên địa bàn.
"""

QUESTION = "Các chi bộ thôn tuần tra rừng vào thời gian nào?"
QUOTE_WORDS = "tuần tra rừng hằng ngày trong mùa khô"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("webapp")
    source = folder / "chi-thi-07.txt"
    source.write_text(DIRECTIVE, encoding="utf-8")
    library = Library(folder / "index")
    report = library.ingest([source])
    assert not report.failed
    yield library
    library.close()


def test_answer_cites_the_passage(library):
    page = answer_html(library, QUESTION)
    assert QUOTE_WORDS in page
    assert 'href="#citation-1"' in page
    assert '<li class="dr-card" id="citation-1">' in page
    assert '<blockquote class="dr-quote">' in page
    assert "07-CT/ĐU" in page


def test_declined_question_lists_nearest_passages(library):
    page = answer_html(library, "Cách nấu phở bò ngon?")
    assert "Không tìm thấy căn cứ" in page
    assert "Các đoạn gần nhất" in page


def test_search_escapes_document_text(library):
    page = search_html(library, "ký tự đặc biệt biểu mẫu báo cáo trực tuyến", k=5, mode="lexical")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page
    assert "[liên kết](http://example.com)" in page  # Markdown is not interpreted either
    assert "example.com\"" not in page
    assert '<span class="dr-label">#1</span>' in page


def test_user_input_is_escaped(library):
    page = search_html(library, "<img src=x onerror=alert(1)> cháy rừng", k=3, mode="hybrid")
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_empty_input_gets_a_message(library):
    assert EMPTY_QUESTION_MESSAGE in answer_html(library, "   ")
    assert EMPTY_QUERY_MESSAGE in search_html(library, "", k=10, mode="hybrid")


def test_missing_index_explains_how_to_ingest(tmp_path):
    empty = Library(tmp_path / "no-index")
    assert "ingest" in answer_html(empty, QUESTION)
    assert "ingest" in search_html(empty, "cháy rừng", k=10, mode="dense")
    summary, rows = documents_table(empty)
    assert "ingest" in summary and rows == []


def test_documents_table(library):
    summary, rows = documents_table(library)
    assert "1 văn bản" in summary
    assert len(rows) == 1 and len(rows[0]) == len(DOCUMENT_HEADERS)
    assert rows[0][:2] == ["chi-thi-07.txt", "07-CT/ĐU"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_served_app_answers_through_the_api(library):
    demo = build_app(library)
    demo.launch(prevent_thread_lock=True, server_port=_free_port(), quiet=True)
    try:
        client = Client(demo.local_url, verbose=False)
        page = client.predict(QUESTION, api_name="/ask")
    finally:
        demo.close()
    assert QUOTE_WORDS in page
    assert 'id="citation-1"' in page

"""The web app's handlers, uploads, settings and served API, over real indexes built by the real pipeline.

The browser-level behaviour (clicks, highlights, downloads) is in test_browser.py.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from gradio_client import Client

from conftest import write_docx
from directive_rag import Library
from directive_rag.encoders import DEFAULT_ENCODER
from directive_rag.models import Answer, Filters, Hit
from directive_rag.settings import resolve_auth, resolve_host, resolve_max_upload_bytes
from directive_rag.webapp import (
    DOCUMENT_HEADERS,
    EMPTY_QUERY_MESSAGE,
    EMPTY_QUESTION_MESSAGE,
    answer_html,
    build_app,
    launch_options,
    search_html,
)
from directive_rag.webapp.ask import answer_turns, conversation_excerpts, render_conversation
from directive_rag.webapp.basket import ascii_slug, basket_action, export_files, render_basket
from directive_rag.webapp.collection import (
    document_rows,
    list_documents,
    reindex_documents,
    remove_documents,
    render_upload_statuses,
    status_html,
)
from directive_rag.webapp.coverage import coverage_view
from directive_rag.webapp.excerpts import excerpt_action, handout_item
from directive_rag.webapp.filter_inputs import FilterError, describe_filters, read_filters
from directive_rag.webapp.search import group_by_document, search_view
from directive_rag.webapp.uploads import (
    DONE,
    FAILED,
    LibraryWriter,
    reindex_targets,
    safe_upload_name,
    upload_files,
    upload_problem,
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
MEGABYTE = 1024 * 1024


def _regulation(articles: int) -> str:
    """A State-style text with ``articles`` short articles (one passage each)."""
    body = "\n\n".join(
        f"Điều {n}. Nhiệm vụ số {n} của tổ nuôi ong\nTổ nuôi ong số {n} chăm sóc {n + 2} thùng ong ở đồi keo phía "
        f"{'đông tây nam bắc'.split()[n % 4]} và ghi sổ theo dõi mật ong hằng tuần."
        for n in range(1, articles + 1)
    )
    return f"ỦY BAN NHÂN DÂN XÃ THỬ NGHIỆM\nSố: 12/2024/QĐ-UBND\n\nQUYẾT ĐỊNH\nBan hành quy chế tổ nuôi ong\n\n{body}\n"


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


@pytest.fixture
def writable(tmp_path):
    """A fresh index of its own (reading Library, LibraryWriter) for tests that change it."""
    index = tmp_path / "index"
    source = tmp_path / "chi-thi-07.txt"
    source.write_text(DIRECTIVE, encoding="utf-8")
    writer = LibraryWriter(index)
    assert not writer.ingest([source]).failed
    reader = Library(index)
    yield reader, writer
    reader.close()
    writer.close()


# --- Hỏi đáp ------------------------------------------------------------------------------

def test_answer_links_each_marker_to_its_citation(library):
    page = answer_html(library, QUESTION)
    assert QUOTE_WORDS in page
    assert '<button type="button" class="dr-marker" data-action="open" data-ref="0" data-card="dr-passage-0">[1]</button>' in page
    assert '<li class="dr-card" id="dr-passage-0">' in page
    assert '<blockquote class="dr-quote">' in page
    assert "07-CT/ĐU" in page and "ngày 15/03/2024" in page


def test_conversation_numbers_passages_across_turns(library):
    turns = []
    steps = list(answer_turns(library, QUESTION, turns))
    assert steps[0][-1].answer is None and "Đang tìm căn cứ" in render_conversation(steps[0])
    turns = steps[-1]
    turns = list(answer_turns(library, "Xã mua sắm những dụng cụ gì để chữa cháy rừng?", turns))[-1]
    assert len(turns) == 2
    excerpts = conversation_excerpts(turns)
    first_turn = len(turns[0].answer.citations)
    page = render_conversation(turns)
    assert f'data-ref="{first_turn}"' in page  # the second answer's [1] points past the first's passages
    assert excerpts[first_turn].n == 1


class StreamingLibrary:
    """Stands in for a Library whose language model streams its answer in pieces."""

    def __init__(self, citation, failure: Exception | None = None):
        self.citation, self.failure = citation, failure

    def ask_stream(self, question, filters=None):
        if self.failure:
            raise self.failure
        yield Answer(question, True, "Các chi bộ thôn", [], mode="llm")
        yield Answer(question, True, "Các chi bộ thôn tuần tra rừng hằng ngày [1]. Đội <b>xung kích</b> trực [9].",
                     [self.citation], mode="llm", note="Đã kiểm tra trích dẫn.")


def test_streamed_answers_grow_in_the_conversation(library):
    citation = library.ask(QUESTION).citations[0]
    steps = [render_conversation(turns) for turns in answer_turns(StreamingLibrary(citation), QUESTION, [])]
    assert len(steps) == 3 and "Đang tìm căn cứ" in steps[0]
    assert "Các chi bộ thôn" in steps[1] and "dr-marker" not in steps[1]
    assert 'data-ref="0" data-card="dr-passage-0">[1]</button>' in steps[2]
    assert "[9]" in steps[2] and 'data-ref="1"' not in steps[2]  # a marker without a citation stays text
    assert "&lt;b&gt;xung kích&lt;/b&gt;" in steps[2]
    assert "mô hình ngôn ngữ" in steps[2] and "Đã kiểm tra trích dẫn." in steps[2]


def test_a_failing_answer_ends_its_turn_with_a_message(library, tmp_path):
    citation = library.ask(QUESTION).citations[0]
    failed = list(answer_turns(StreamingLibrary(citation, RuntimeError("boom")), QUESTION, []))[-1]
    assert "Đã xảy ra lỗi khi xử lý yêu cầu (RuntimeError)" in render_conversation(failed)
    missing = list(answer_turns(Library(tmp_path / "no-index"), QUESTION, []))[-1]
    assert "ingest" in missing[0].error


def test_declined_question_lists_nearest_passages(library):
    page = answer_html(library, "Cách nấu phở bò ngon?")
    assert "Không tìm thấy căn cứ" in page
    assert "Các đoạn gần nhất" in page
    assert 'data-action="open"' in page  # the nearest passages can be opened too


def test_empty_input_gets_a_message(library):
    assert list(answer_turns(library, "   ", [])) == [[]]
    assert EMPTY_QUESTION_MESSAGE == "Vui lòng nhập câu hỏi."
    assert EMPTY_QUERY_MESSAGE in search_html(library, "", k=10, mode="hybrid")


def test_document_viewer_highlights_the_cited_span(library):
    answer = library.ask(QUESTION)
    citation = answer.citations[0]
    viewer, basket = excerpt_action(library, [citation], [], {"action": "open", "ref": "0"})
    assert f'<mark class="dr-highlight">{citation.quote}</mark>' in viewer
    for label in ("Loại văn bản", "Số hiệu", "Ngày ban hành", "Cơ quan ban hành", "Phần trích"):
        assert label in viewer
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in viewer and "<script" not in viewer
    assert basket == {"__type__": "update"}  # gr.skip(): the basket is left as it is


def test_passage_buttons_add_once_and_ignore_bad_references(library):
    hits = library.search("máy thổi gió bình chữa cháy", k=3)
    _, basket = excerpt_action(library, hits, [], {"action": "add", "ref": "1"})
    assert [item.chunk_id for item in basket] == [hits[1].chunk_id]
    _, again = excerpt_action(library, hits, basket, {"action": "add", "ref": 1})
    assert again == basket
    for data in ({"action": "add", "ref": "7"}, {"action": "add", "ref": "-1"}, {"action": "open", "ref": "x"},
                 {"action": "delete", "ref": "0"}, None):
        assert excerpt_action(library, hits, basket, data) == ({"__type__": "update"}, {"__type__": "update"})


# --- Tìm kiếm -----------------------------------------------------------------------------

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


def _hit(rank: int, doc_id: str) -> Hit:
    return Hit(rank=rank, score=1 / rank, doc_id=doc_id, number="", title="", section="", page=None,
               chunk_id=f"{doc_id}#{rank}", text="…", start=0, end=1, type="", date="", issuer="")


def test_passages_are_grouped_by_document_in_order_of_their_best_passage():
    hits = [_hit(1, "b"), _hit(2, "a"), _hit(3, "b"), _hit(4, "c"), _hit(5, "a")]
    groups = group_by_document(hits)
    assert [[position for position, _ in group] for group in groups] == [[0, 2], [1, 4], [3]]


def test_search_applies_filters(library):
    page, hits = search_view(library, "cháy rừng", k=5, filters=Filters(numbers=("07-CT/ĐU",)))
    assert hits and all(hit.number == "07-CT/ĐU" for hit in hits)
    assert "lọc theo số hiệu: 07-CT/ĐU" in page
    page, hits = search_view(library, "cháy rừng", k=5, filters=Filters(types=("Nghị quyết",)))
    assert hits == [] and "Không tìm thấy" in page and "loại: Nghị quyết" in page


def test_filter_inputs_are_read_and_checked():
    assert read_filters([], [], "", None, 0) is None
    filters = read_filters(["Chỉ thị"], [" Đảng ủy "], "53-CT/ĐU; 30/2020/NĐ-CP,", 2018.0, 2024)
    assert filters == Filters(types=("Chỉ thị",), issuers=("Đảng ủy",), numbers=("53-CT/ĐU", "30/2020/NĐ-CP"),
                              year_from=2018, year_to=2024)
    assert describe_filters(filters) == "loại: Chỉ thị; cơ quan: Đảng ủy; số hiệu: 53-CT/ĐU, 30/2020/NĐ-CP; năm 2018–2024"
    with pytest.raises(FilterError, match="Từ năm"):
        read_filters([], [], "", 2024, 2018)
    with pytest.raises(FilterError, match="1900"):
        read_filters([], [], "", 20, None)


# --- Văn bản nào điều chỉnh? ----------------------------------------------------------------

def test_coverage_lists_provisions_that_quote_the_document(library):
    page, citations = coverage_view(library, "tuần tra phòng chống cháy rừng mùa khô", k=5)
    assert citations and "07-CT/ĐU" in page and "Các quy định liên quan" in page
    text = library.document(citations[0].doc_id)["text"]
    for citation in citations:
        assert text[citation.start:citation.end] == citation.quote
    assert 'data-action="add"' in page
    assert "Vui lòng mô tả" in coverage_view(library, " ", k=5)[0]


# --- Trích đoạn bài giảng -------------------------------------------------------------------

def test_basket_reorders_removes_and_annotates(library):
    items = [handout_item(hit) for hit in library.search("cháy rừng", k=3)]
    first, second, third = items
    assert basket_action(items, {"action": "down", "ref": "0"}) == [second, first, third]
    assert basket_action(items, {"action": "up", "ref": "2"}) == [first, third, second]
    assert basket_action(items, {"action": "up", "ref": "0"}) == items
    assert basket_action(items, {"action": "remove", "ref": "1"}) == [first, third]
    noted = basket_action(items, {"action": "note", "ref": "1", "note": "  <b>Nhấn mạnh</b> khi giảng  "})
    assert noted[1].note == "<b>Nhấn mạnh</b> khi giảng" and items[1].note == ""
    page = render_basket(noted)
    assert "&lt;b&gt;Nhấn mạnh&lt;/b&gt;" in page and "<b>" not in page
    assert basket_action(items, {"action": "remove", "ref": "9"}) == items
    assert "Chưa có đoạn trích nào" in render_basket([])


def test_handout_exports_docx_and_markdown(library):
    import docx

    items = [handout_item(hit) for hit in library.search("máy thổi gió", k=2)]
    items[0].note = "Ghi chú của giảng viên"
    docx_path, markdown_path = export_files(items, "Bài giảng: phòng cháy rừng")
    assert docx_path.name == "bai-giang-phong-chay-rung.docx" and markdown_path.suffix == ".md"
    text = "\n".join(paragraph.text for paragraph in docx.Document(str(docx_path)).paragraphs)
    assert text.startswith("Bài giảng: phòng cháy rừng") and "Ghi chú của giảng viên" in text and "07-CT/ĐU" in text
    assert "Ghi chú của giảng viên" in markdown_path.read_text(encoding="utf-8")
    assert export_files([], "x") == (None, None)
    assert ascii_slug("Đề cương: Trích đoạn!") == "de-cuong-trich-doan" and ascii_slug("…") == "trich-doan-bai-giang"


# --- Kho văn bản ----------------------------------------------------------------------------

def test_documents_table(library):
    documents, problem = list_documents(library)
    rows = document_rows(documents)
    assert problem == "" and len(rows) == 1 and len(rows[0]) == len(DOCUMENT_HEADERS)
    assert rows[0][:4] == ["chi-thi-07.txt", "07-CT/ĐU", "Chỉ thị", "15/03/2024"]
    stats = status_html(library)
    assert DEFAULT_ENCODER in stats and "Đoạn" in stats


def test_missing_index_explains_how_to_ingest(tmp_path):
    empty = Library(tmp_path / "no-index")
    assert "ingest" in answer_html(empty, QUESTION)
    assert "ingest" in search_html(empty, "cháy rừng", k=10, mode="dense")
    assert "ingest" in coverage_view(empty, "cháy rừng")[0]
    assert "ingest" in status_html(empty)
    documents, problem = list_documents(empty)
    assert documents == [] and "ingest" in problem


@pytest.mark.parametrize("name, safe", [
    ("Chỉ thị 05 (bản cuối).DOCX", "Chỉ-thị-05-bản-cuối.docx"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\Windows\\evil.txt", "evil.txt"),
    (".hidden.md", "hidden.md"),
    ("<script>alert(1)</script>.txt", "script.txt"),  # the "/" makes everything before it a folder
    ("<img src=x onerror=alert(1)>.txt", "img-src-x-onerror-alert-1.txt"),
    ("a" * 300 + ".pdf", "a" * 100 + ".pdf"),
    ("...", "van-ban"),
    ("tệp.tar.gz", "tệp-tar.gz"),
])
def test_upload_names_are_made_safe(name, safe):
    assert safe_upload_name(name) == safe


def test_uploads_are_checked_for_type_size_and_content(tmp_path):
    (tmp_path / "a.exe").write_bytes(b"MZ")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "big.txt").write_bytes(b"x" * (MEGABYTE + 1))
    (tmp_path / "ok.md").write_text("Nội dung", encoding="utf-8")
    assert "loại tệp không được nhận (.exe)" in upload_problem(tmp_path / "a.exe", MEGABYTE)
    assert upload_problem(tmp_path / "empty.txt", MEGABYTE) == "tệp rỗng"
    assert upload_problem(tmp_path / "big.txt", MEGABYTE) == "tệp quá lớn (1 MB; tối đa 1 MB)"
    assert upload_problem(tmp_path / "ok.md", MEGABYTE) == ""


def test_upload_stores_safe_copies_and_reports_each_file(writable, tmp_path):
    reader, writer = writable
    sent = tmp_path / "sent"
    sent.mkdir()
    good = write_docx(sent / "Kế hoạch nuôi ong.docx", _regulation(3).splitlines())
    bad = sent / "bang-tinh.xlsx"
    bad.write_bytes(b"PK")
    broken = sent / "hong.pdf"
    broken.write_bytes(b"not a pdf at all")
    heard = []
    steps = list(upload_files(writer, [good, bad, broken], MEGABYTE, progress=lambda *told: heard.append(told)))
    final = steps[-1]
    assert [status.state for status in final] == [DONE, FAILED, FAILED]
    shares = [share for share, _ in heard]
    assert shares == sorted(shares) and shares[0] == 0 and shares[-1] == pytest.approx(1)  # by the broken PDF's end
    assert heard[0][1] == "Đang nạp tệp 1/3: đang đọc và mã hóa…"
    assert any(text.startswith("Đang nạp tệp 1/3: mã hóa ") for _, text in heard)
    assert any(text.startswith("Đang nạp tệp 3/3: lỗi: hong.pdf: ") for _, text in heard)
    assert final[0].message == "đã thêm vào kho" and final[0].stored_as == "Kế-hoạch-nuôi-ong.docx"
    assert "loại tệp không được nhận" in final[1].message and final[2].message.startswith("lỗi: ")
    assert any(status.state == "working" for step in steps for status in step)
    assert (reader.index_dir / "uploads" / "Kế-hoạch-nuôi-ong.docx").is_file()
    assert reader.document("Kế-hoạch-nuôi-ong.docx")["number"] == "12/2024/QĐ-UBND"  # the reader sees it
    page = render_upload_statuses(final)
    assert "1/3 tệp đã nạp, 2 tệp lỗi" in page and 'data-state="failed"' in page

    again = list(upload_files(writer, [good], MEGABYTE))[-1]
    assert again[0].message == "không thay đổi (đã có trong kho)"


def test_app_keeps_answering_while_an_upload_is_indexed(writable, tmp_path):
    reader, writer = writable
    assert reader.search("cháy rừng", k=1)  # warm: encoder and indexes loaded
    upload = tmp_path / "quy-che-nuoi-ong.txt"
    upload.write_text(_regulation(48), encoding="utf-8")
    answered_during_ingest = False
    for statuses in upload_files(writer, [upload], MEGABYTE):
        if statuses[0].message.startswith("mã hóa 16/") and not answered_during_ingest:
            hits = reader.search("tuần tra rừng mùa khô", k=3)
            assert hits and hits[0].doc_id == "chi-thi-07.txt"
            answered_during_ingest = reader.document("quy-che-nuoi-ong.txt") is None
    assert statuses[0].state == DONE
    assert answered_during_ingest, "the search did not run while the upload was being indexed"
    assert reader.search("thùng ong ở đồi keo", k=1)[0].doc_id == "quy-che-nuoi-ong.txt"


def test_remove_deletes_documents_and_their_uploads(writable, tmp_path):
    reader, writer = writable
    upload = tmp_path / "ke-hoach.txt"
    upload.write_text(_regulation(2), encoding="utf-8")
    list(upload_files(writer, [upload], MEGABYTE))
    stored = reader.index_dir / "uploads" / "ke-hoach.txt"
    assert stored.is_file()
    assert "Chưa chọn văn bản nào" in remove_documents(reader, writer, [])
    message = remove_documents(reader, writer, ["ke-hoach.txt", "khong-co.txt"])
    assert "Đã xóa 1 văn bản" in message and "Không tìm thấy: khong-co.txt" in message
    assert not stored.exists()
    assert [document["doc_id"] for document in reader.documents()] == ["chi-thi-07.txt"]


def test_reindex_reads_sources_again(writable, tmp_path):
    reader, writer = writable
    source = Path(reader.document("chi-thi-07.txt")["source"])
    source.write_text(DIRECTIVE.replace("hằng ngày", "hai lần mỗi ngày"), encoding="utf-8")
    heard = []
    pages = list(reindex_documents(reader, writer, ["chi-thi-07.txt"], progress=lambda *told: heard.append(told)))
    assert "Đang chờ" in pages[0] and "Đang nạp" in pages[1] and "đã cập nhật" in pages[-1]
    assert heard[0] == (0, "Đang nạp tệp 1/1: đang đọc và mã hóa…") and heard[-1][0] == pytest.approx(1)
    assert "hai lần mỗi ngày" in reader.document("chi-thi-07.txt")["text"]

    targets, refused = reindex_targets([
        {"doc_id": "gone.txt", "source": str(tmp_path / "gone.txt")},
        {"doc_id": "sub/nested.txt", "source": str(source)},
        {"doc_id": "chi-thi-07.txt", "source": str(source)},
    ])
    assert targets == [source]
    assert [doc_id for doc_id, _ in refused] == ["gone.txt", "sub/nested.txt"]
    assert "không còn tệp nguồn" in refused[0][1] and "thư mục con" in refused[1][1]


# --- settings, start-up and serving ---------------------------------------------------------

def test_host_auth_and_upload_limit_settings():
    assert resolve_host(environ={}) == "127.0.0.1"
    assert resolve_host(environ={"GRADIO_SERVER_NAME": "0.0.0.0"}) == "0.0.0.0"
    assert resolve_host(environ={"GRADIO_SERVER_NAME": "0.0.0.0", "DIRECTIVE_RAG_HOST": "10.0.0.5"}) == "10.0.0.5"
    assert resolve_host("::1", environ={"DIRECTIVE_RAG_HOST": "10.0.0.5"}) == "::1"
    assert resolve_auth(environ={}) is None
    assert resolve_auth(environ={"DIRECTIVE_RAG_AUTH": "canbo:mat:khau"}) == ("canbo", "mat:khau")
    for malformed in ("canbo", "canbo:", ":matkhau"):
        with pytest.raises(ValueError, match="tên:mật khẩu"):
            resolve_auth(environ={"DIRECTIVE_RAG_AUTH": malformed})
    assert resolve_max_upload_bytes(environ={}) == 50 * MEGABYTE
    assert resolve_max_upload_bytes(environ={"DIRECTIVE_RAG_MAX_UPLOAD_MB": "2.5"}) == int(2.5 * MEGABYTE)
    for bad in ("nhiều", "0", "-3"):
        with pytest.raises(ValueError, match="DIRECTIVE_RAG_MAX_UPLOAD_MB"):
            resolve_max_upload_bytes(environ={"DIRECTIVE_RAG_MAX_UPLOAD_MB": bad})


def test_launch_options_bind_loopback_unless_told(monkeypatch):
    for name in ("DIRECTIVE_RAG_HOST", "GRADIO_SERVER_NAME", "DIRECTIVE_RAG_AUTH", "DIRECTIVE_RAG_MAX_UPLOAD_MB"):
        monkeypatch.delenv(name, raising=False)
    options = launch_options()
    assert options["server_name"] == "127.0.0.1" and options["auth"] is None and options["server_port"] is None
    monkeypatch.setenv("DIRECTIVE_RAG_AUTH", "canbo:matkhau")
    monkeypatch.setenv("DIRECTIVE_RAG_MAX_UPLOAD_MB", "3")
    options = launch_options(host="0.0.0.0", port=8123)
    assert (options["server_name"], options["server_port"], options["auth"]) == ("0.0.0.0", 8123, ("canbo", "matkhau"))
    assert options["max_file_size"] == 6 * MEGABYTE  # Gradio's own guard, above the app's per-file check


def test_start_up_embeds_nothing(library, monkeypatch):
    def refuse(spec):
        raise AssertionError("the encoder was loaded at start-up")

    monkeypatch.setattr("directive_rag.library.load_encoder", refuse)
    fresh = Library(library.index_dir)
    build_app(fresh)
    assert list_documents(fresh)[0]
    fresh.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_served_app_answers_through_the_api(library):
    demo = build_app(library)
    demo.launch(prevent_thread_lock=True, server_port=_free_port(), quiet=True)
    try:
        client = Client(demo.local_url, verbose=False)
        page, question = client.predict(QUESTION, [], [], "", None, None, api_name="/ask")
        results = client.predict("máy thổi gió", 3, "hybrid", [], [], "07-CT/ĐU", None, None, api_name="/search")
    finally:
        demo.close()
    assert QUOTE_WORDS in page and 'id="dr-passage-0"' in page and question == ""
    assert "07-CT/ĐU" in results


def test_login_is_required_when_auth_is_set(library):
    demo = build_app(library)
    demo.launch(prevent_thread_lock=True, server_port=_free_port(), quiet=True, auth=("canbo", "matkhau"))
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(demo.local_url + "config", timeout=10)
        assert refused.value.code == 401
        login = urllib.request.Request(demo.local_url + "login", data=b"username=canbo&password=matkhau",
                                       headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(login, timeout=10) as response:
            assert json.loads(response.read())["success"] is True
    finally:
        demo.close()

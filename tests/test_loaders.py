"""Every loader on real files the tests write, and the reasons given for files that cannot be read."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from conftest import write_docx, write_pdf

from directive_rag.loaders import discover, load_file
from directive_rag.models import Failure


def load_one(path: Path, doc_id: str = "doc"):
    loaded = load_file(path, doc_id)
    assert loaded.failures == [], loaded.failures
    assert len(loaded.documents) == 1
    return loaded.documents[0]


def test_text_file_is_nfc_normalized_with_one_kind_of_line_break(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Nghị quyết về chuyển đổi số")
    path = tmp_path / "a.txt"
    path.write_bytes(f"\ufeff{decomposed}\r\nDòng hai\u200b.\r\n".encode("utf-8"))
    document = load_one(path, "a.txt")
    assert document.text == "Nghị quyết về chuyển đổi số\nDòng hai."
    assert unicodedata.is_normalized("NFC", document.text)


def test_markdown_file_loads_as_text_without_markup(tmp_path):
    path = tmp_path / "b.md"
    path.write_text("# Kế hoạch\n\nNội dung **quan trọng**.\n\n| Mục | Hạn |\n|---|---|", encoding="utf-8")
    assert load_one(path).text == "Kế hoạch\n\nNội dung quan trọng.\n\nMục | Hạn"


def test_html_drops_markup_scripts_and_navigation(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Chỉ thị số 05</title><style>p{color:red}</style></head><body>"
        "<nav>Trang chủ | Tìm kiếm</nav><script>alert('x')</script>"
        "<h1>CHỈ THỊ</h1><p>Về việc <b>tăng cường</b> kỷ luật.</p><p>Đoạn hai.</p>"
        "<footer>Bản quyền</footer></body></html>",
        encoding="utf-8",
    )
    document = load_one(path)
    assert document.title == "Chỉ thị số 05"
    assert "Về việc tăng cường kỷ luật." in document.text
    assert "Đoạn hai." in document.text
    for cruft in ("alert", "color:red", "Trang chủ", "Bản quyền", "<"):
        assert cruft not in document.text


def test_pdf_keeps_vietnamese_text_and_page_of_every_offset(tmp_path):
    pages = ["Trang một: Điều 1. Phạm vi điều chỉnh của quy định.", "Trang hai: Điều 2. Đối tượng áp dụng là cán bộ."]
    document = load_one(write_pdf(tmp_path / "two.pdf", pages))
    first = document.text.index("Phạm vi điều chỉnh")
    second = document.text.index("Đối tượng áp dụng")
    assert unicodedata.is_normalized("NFC", document.text)
    assert document.page_at(first) == 1
    assert document.page_at(second) == 2


def test_docx_reads_paragraphs_and_tables_in_order(tmp_path):
    path = write_docx(
        tmp_path / "d.docx",
        ["QUYẾT ĐỊNH", "Về việc ban hành quy chế tiếp công dân."],
        table=[["ỦY BAN NHÂN DÂN TỈNH MẪU", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"], ["Số: 15/2024/QĐ-UBND", "Độc lập - Tự do - Hạnh phúc"]],
    )
    text = load_one(path).text
    assert "ỦY BAN NHÂN DÂN TỈNH MẪU | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert text.index("Số: 15/2024/QĐ-UBND") < text.index("QUYẾT ĐỊNH") < text.index("tiếp công dân")


def test_jsonl_fields_override_and_bad_lines_are_reported_by_number(tmp_path):
    path = tmp_path / "docs.jsonl"
    lines = [
        json.dumps({"id": "a", "text": "Số: 1/CT-UBND\nCHỈ THỊ\nVề phòng cháy.", "number": "01/CT-UBND", "date": "2024-01-02"}),
        "{not json",
        json.dumps({"doc_id": "b", "text": "Văn bản thứ hai.", "title": "Tiêu đề B"}),
        json.dumps({"id": "c"}),
        json.dumps({"text": "không có mã"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_file(path, "docs.jsonl")
    assert [document.doc_id for document in loaded.documents] == ["a", "b"]
    assert loaded.documents[0].number == "01/CT-UBND" and loaded.documents[0].date == "2024-01-02"
    assert loaded.documents[1].title == "Tiêu đề B"
    reasons = {failure.path.rsplit(":", 1)[1]: failure.error for failure in loaded.failures}
    assert set(reasons) == {"2", "4", "5"}
    assert "JSON" in reasons["2"] and "text" in reasons["4"] and "id" in reasons["5"]


def test_bad_files_are_reported_with_a_reason(tmp_path):
    cases = {
        "empty.txt": b"",
        "blank.txt": b"  \n\n ",
        "fake.pdf": b"this is not a pdf at all",
        "fake.docx": b"plain bytes, not a zip",
        "latin1.txt": "Chỉ thị".encode("utf-16-le")[2:] + b"\xff\xfe\xfd",
        "image.png": b"\x89PNG\r\n",
    }
    expected = {
        "empty.txt": "rỗng",
        "blank.txt": "rỗng",
        "fake.pdf": "PDF",
        "fake.docx": "zip",
        "latin1.txt": "UTF-8",
        "image.png": "không được hỗ trợ",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        loaded = load_file(path, name)
        assert loaded.documents == [], name
        assert len(loaded.failures) == 1 and expected[name] in loaded.failures[0].error, (name, loaded.failures)


def test_encrypted_and_textless_pdfs_say_why(tmp_path):
    locked = write_pdf(tmp_path / "locked.pdf", ["Nội dung mật."], password="secret")
    assert "mật khẩu" in load_file(locked, "locked.pdf").failures[0].error

    from fpdf import FPDF

    scanned = FPDF()
    scanned.add_page()
    scanned.rect(10, 10, 100, 100, style="F")
    scanned.output(str(tmp_path / "scan.pdf"))
    assert "OCR" in load_file(tmp_path / "scan.pdf", "scan.pdf").failures[0].error


def test_truncated_pdf_is_reported(tmp_path):
    whole = write_pdf(tmp_path / "whole.pdf", ["Điều 1. Nội dung đầy đủ của văn bản."])
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(whole.read_bytes()[:200])
    loaded = load_file(truncated, "truncated.pdf")
    assert loaded.documents == [] and loaded.failures


def test_folders_are_walked_recursively_with_relative_ids(tmp_path):
    (tmp_path / "party" / "2024").mkdir(parents=True)
    (tmp_path / "party" / "2024" / "ct.txt").write_text("x", encoding="utf-8")
    (tmp_path / "top.md").write_text("y", encoding="utf-8")
    (tmp_path / "notes.xyz").write_text("z", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "h.txt").write_text("h", encoding="utf-8")
    found = list(discover([tmp_path, tmp_path / "top.md", tmp_path / "missing.txt"]))
    pairs = [item for item in found if not isinstance(item, Failure)]
    assert [doc_id for _, doc_id in pairs] == ["party/2024/ct.txt", "top.md", "top.md"]
    failures = [item for item in found if isinstance(item, Failure)]
    assert len(failures) == 1 and failures[0].path.endswith("missing.txt")

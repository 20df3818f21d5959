"""Bad and odd documents through the real ingest (``Library.ingest`` and the ``directive-rag`` command).

One folder mixes files that cannot be indexed with files that can but are awkward (legacy
encodings, decomposed text, names with spaces and Vietnamese letters, HTML with scripts, JSONL
with bad lines, a copy of another file). For every bad file the report names the file and says
why; everything else is indexed; the index stays consistent; the command exits 1.
(tests/test_loaders.py checks each loader's reasons on its own; here they go through ingest.)
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
from conftest import run_cli, write_pdf

from directive_rag import Library
from directive_rag.legacy_encodings import _TCVN3_CODES, _TCVN3_LETTERS, _VNI_LETTERS, _VNI_MARKS
from directive_rag.loaders import MAX_TEXT_FILE_BYTES

SUBFOLDER = "thư mục con"
ODD_NAME = "Quyết định 7 (bản cuối).txt"
DECISION = """ỦY BAN NHÂN DÂN XÃ HÒA AN
Số: 07/QĐ-UBND

QUYẾT ĐỊNH
Về việc thành lập tổ thu gom rác thải nhựa

Điều 1. Thành lập tổ thu gom rác thải nhựa tại các thôn ven sông, mỗi thôn ba người.

Điều 2. Tổ thu gom làm việc vào sáng thứ Bảy hằng tuần và báo cáo khối lượng rác cho Ủy ban nhân dân xã.
"""
TCVN3_TEXT = ("Thông báo về lịch tiêm phòng bệnh dại cho chó mèo. Các hộ nuôi chó phải đưa chó đến điểm tiêm "
              "tại nhà văn hóa thôn vào ngày mười lăm hằng tháng.")
VNI_TEXT = ("Hướng dẫn nuôi cá lồng trên hồ thủy lợi: mỗi lồng thả không quá năm trăm con cá giống, cho ăn "
            "hai lần mỗi ngày và vệ sinh lưới định kỳ.")
NFD_TEXT = ("# Kế hoạch trồng cây xanh\n\nMỗi đoàn viên thanh niên trồng và chăm sóc ít nhất hai cây bóng mát "
            "dọc đường liên xã trong tháng ba.")
HTML_PAGE = """<!doctype html><html><head><title>Công văn về phòng, chống đuối nước</title>
<style>body { background: url(javascript:alert(1)) }</style>
<script>document.write('đoạn mã độc chèn vào trang');</script></head>
<body onload="steal()"><noscript>Trình duyệt không chạy được kịch bản</noscript>
<p onclick="steal()">Các trường học tổ chức dạy bơi miễn phí cho học sinh trong dịp hè.</p>
<script type="module">import('https://example.com/x.js')</script></body></html>"""
BULLETINS = [
    json.dumps({"id": "tb-1", "text": "Thông báo cắt điện luân phiên tại khu công nghiệp phía bắc từ bảy giờ đến "
                                      "mười một giờ sáng Chủ nhật.", "type": "Thông báo"}, ensure_ascii=False),
    '{"id": "tb-x", "text": "dòng bị cắt',
    json.dumps({"id": "tb-y", "title": "thiếu nội dung"}, ensure_ascii=False),
    json.dumps({"id": "tb-2", "text": "Thông báo tuyển dụng giáo viên mầm non hợp đồng cho trường mầm non xã Hòa An."},
               ensure_ascii=False),
]

# Each bad file: what it holds, and words its reason must contain.
BAD_FILES = {
    "rong.txt": (b"", ["rỗng"]),
    "khoang-trang.md": (b"  \n\t\n \r\n", ["rỗng"]),
    "anh-chup.pdf": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, ["PDF"]),
    "nhi-phan.docx": (bytes(range(255, -1, -1)) * 8, ["DOCX", "zip"]),
    "van-ban-thuong.docx": ("Đây là văn bản thường được đổi đuôi thành docx.".encode("utf-8"), ["DOCX", "zip"]),
    "tron-bang-ma.txt": (("Ủy ban nhân dân tỉnh. " + "Uû ban nh©n d©n tØnh ban hµnh ChØ thÞ vÒ c«ng t¸c.")
                         .encode("utf-8"), ["bảng mã cũ"]),
}
PDF_REASONS = {
    "cat-ngang.pdf": ["PDF hỏng"],
    "co-mat-khau.pdf": ["mật khẩu"],
    "ban-scan.pdf": ["không có lớp văn bản", "OCR"],
    "zip-khac.docx": ["DOCX hỏng"],
}
GOOD_DOCUMENTS = {
    f"{SUBFOLDER}/{ODD_NAME}": "thu gom rác thải nhựa",
    "tcvn3.txt": "tiêm phòng bệnh dại cho chó",
    "vni.txt": "nuôi cá lồng trên hồ thủy lợi",
    "nfd.md": "trồng cây bóng mát",
    "trang-web.html": "dạy bơi miễn phí cho học sinh",
    "tb-1": "cắt điện luân phiên",
    "tb-2": "tuyển dụng giáo viên mầm non",
}
DUPLICATE = "van-ban-sao-chep.txt"


def tcvn3_bytes(text: str) -> bytes:
    """``text`` as a TCVN3 (ABC) font file would hold it (lower-case Vietnamese letters only)."""
    table = dict(zip(_TCVN3_LETTERS, _TCVN3_CODES))
    return "".join(table.get(char, char) for char in text).encode("latin-1")


def vni_bytes(text: str) -> bytes:
    """``text`` as a VNI font file would hold it: a base letter, then a code for its marks."""
    letters = {unicode: chr(code) for code, unicode in _VNI_LETTERS.items()}  # "ơ" -> "ô", "đ" -> "ñ" …
    # Keyed by the marks in canonical (NFD) order: "ộ" decomposes as o, dot below, circumflex.
    marks = {unicodedata.normalize("NFD", "a" + mark)[1:]: code for code, mark in _VNI_MARKS.items() if code.islower()}
    out = []
    for char in text:
        if char in letters:
            out.append(letters[char])
            continue
        base, *rest = unicodedata.normalize("NFD", char)
        horn = "\u031b" in rest  # ơ, ư and their toned forms
        rest = [mark for mark in rest if mark != "\u031b"]
        out.append(letters[unicodedata.normalize("NFC", base + "\u031b")] if horn else base)
        if rest:
            out.append(marks["".join(rest)])
    return "".join(out).encode("cp1252")


def scanned_pdf(path: Path) -> Path:
    """A PDF whose only page is a picture (what a scanner produces): no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    picture = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(picture).text((20, 80), "CHI THI SO 5 (ban scan)", fill=0)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(picture, x=10, y=10, w=150)
    pdf.output(str(path))
    return path


def make_inputs(folder: Path) -> Path:
    (folder / SUBFOLDER).mkdir(parents=True)
    (folder / SUBFOLDER / ODD_NAME).write_text(DECISION, encoding="utf-8")
    (folder / DUPLICATE).write_text(DECISION, encoding="utf-8")
    (folder / "tcvn3.txt").write_bytes(tcvn3_bytes(TCVN3_TEXT))
    (folder / "vni.txt").write_bytes(vni_bytes(VNI_TEXT))
    (folder / "nfd.md").write_bytes(unicodedata.normalize("NFD", NFD_TEXT).encode("utf-8"))
    (folder / "trang-web.html").write_text(HTML_PAGE, encoding="utf-8")
    (folder / "ban-tin.jsonl").write_text("\n".join(BULLETINS) + "\n", encoding="utf-8")
    for name, (data, _) in BAD_FILES.items():
        (folder / name).write_bytes(data)
    whole = write_pdf(folder / "nguyen-ven.pdf", ["Điều 1. Văn bản đầy đủ về trực ban phòng cháy."]).read_bytes()
    (folder / "nguyen-ven.pdf").unlink()
    (folder / "cat-ngang.pdf").write_bytes(whole[: len(whole) // 3])
    write_pdf(folder / "co-mat-khau.pdf", ["Nội dung mật của văn bản."], password="matkhau")
    scanned_pdf(folder / "ban-scan.pdf")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("doc-toi.txt", "Một tệp zip bình thường, không phải DOCX.")
    (folder / "zip-khac.docx").write_bytes(archive.getvalue())
    return folder


def expected_reasons(folder: Path) -> dict[str, list[str]]:
    reasons = {str(folder / name): words for name, (_, words) in BAD_FILES.items()}
    reasons.update({str(folder / name): words for name, words in PDF_REASONS.items()})
    reasons[f"{folder / 'ban-tin.jsonl'}:2"] = ["dòng 2", "JSON"]
    reasons[f"{folder / 'ban-tin.jsonl'}:3"] = ["dòng 3", "text"]
    reasons[str(folder / DUPLICATE)] = ["trùng nội dung", ODD_NAME]
    return reasons


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    return make_inputs(tmp_path_factory.mktemp("bad-batch") / "inputs")


@pytest.fixture(scope="module")
def api_run(inputs, tmp_path_factory):
    index = tmp_path_factory.mktemp("api-index")
    library = Library(index)
    report = library.ingest([inputs])
    yield library, report
    library.close()


@pytest.fixture(scope="module")
def cli_run(inputs, tmp_path_factory):
    index = tmp_path_factory.mktemp("cli-index")
    return index, run_cli("ingest", str(inputs), "--json", index=index)


def test_every_bad_file_is_named_with_its_reason_and_the_rest_is_indexed(api_run, inputs):
    library, report = api_run
    failed = {failure.path: failure.error for failure in report.failed}
    expected = expected_reasons(inputs)
    assert set(failed) == set(expected), failed
    for path, words in expected.items():
        for word in words:
            assert word in failed[path], (path, failed[path])
    assert report.added == len(GOOD_DOCUMENTS)
    assert {document["doc_id"] for document in library.documents()} == set(GOOD_DOCUMENTS)


def test_the_command_reports_the_same_failures_and_exits_1(cli_run, inputs):
    index, result = cli_run
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    failed = {entry["path"]: entry["error"] for entry in report["failed"]}
    assert set(failed) == set(expected_reasons(inputs))
    assert report["added"] == report["documents"] == len(GOOD_DOCUMENTS)
    for path, error in failed.items():
        assert f"Không nạp được {path}: {error}" in result.stderr  # the person at the terminal sees each one
    docs = json.loads(run_cli("docs", "--json", index=index).stdout)
    assert {document["doc_id"] for document in docs} == set(GOOD_DOCUMENTS)


def test_index_stays_consistent_and_searchable(api_run):
    library, report = api_run
    status = library.status()
    documents = library.documents()
    assert status["documents"] == len(documents) == report.documents == len(GOOD_DOCUMENTS)
    assert status["passages"] == sum(document["n_chunks"] for document in documents) == report.chunks
    assert all(document["n_chunks"] >= 1 for document in documents)
    for doc_id, words in GOOD_DOCUMENTS.items():
        for mode in ("lexical", "hybrid"):
            hits = library.search(words, k=3, mode=mode)
            assert hits and hits[0].doc_id == doc_id, (mode, words, [hit.doc_id for hit in hits])
            text = library.document(doc_id)["text"]
            assert text[hits[0].start : hits[0].end] == hits[0].text


def test_legacy_encodings_and_nfd_are_stored_as_unicode(api_run):
    library, _ = api_run
    assert TCVN3_TEXT in library.document("tcvn3.txt")["text"]
    assert "nuôi cá lồng trên hồ thủy lợi" in library.document("vni.txt")["text"]
    nfd = library.document("nfd.md")["text"]
    assert unicodedata.is_normalized("NFC", nfd) and "trồng và chăm sóc ít nhất hai cây bóng mát" in nfd


def test_html_scripts_styles_and_handlers_are_not_indexed(api_run):
    library, _ = api_run
    page = library.document("trang-web.html")
    assert page["title"] == "Công văn về phòng, chống đuối nước"
    for leftover in ("document.write", "mã độc", "steal", "alert", "example.com", "<", "kịch bản"):
        assert leftover not in page["text"], leftover
    assert not any(hit.doc_id == "trang-web.html" for hit in library.search("đoạn mã độc chèn vào trang", mode="lexical"))


def test_a_copy_under_another_name_is_indexed_once_and_both_names_are_reported(api_run, inputs, tmp_path):
    library, report = api_run
    message = next(failure.error for failure in report.failed if failure.path == str(inputs / DUPLICATE))
    assert f"{SUBFOLDER}/{ODD_NAME}" in message and str(inputs / SUBFOLDER / ODD_NAME) in message
    assert DUPLICATE not in {document["doc_id"] for document in library.documents()}
    hits = library.search("thu gom rác thải nhựa", k=10, mode="lexical")
    assert {hit.doc_id for hit in hits} == {f"{SUBFOLDER}/{ODD_NAME}"}

    # Later, in another batch and another process, a third copy is refused the same way.
    another = tmp_path / "Bản sao thứ ba.txt"
    another.write_text(DECISION, encoding="utf-8")
    result = run_cli("ingest", str(another), "--json", index=library.index_dir)
    assert result.returncode == 1
    (failure,) = json.loads(result.stdout)["failed"]
    assert failure["path"] == str(another) and ODD_NAME in failure["error"]
    assert library.status()["documents"] == len(GOOD_DOCUMENTS)


def test_ingesting_the_batch_again_changes_nothing(cli_run, inputs):
    index, _ = cli_run
    result = run_cli("ingest", str(inputs), "--json", index=index)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 0, len(GOOD_DOCUMENTS))
    assert len(report["failed"]) == len(expected_reasons(inputs))


def test_paths_with_dot_dot_spaces_and_vietnamese_letters(inputs, tmp_path):
    roundabout = inputs / SUBFOLDER / ".." / SUBFOLDER / ODD_NAME
    index = tmp_path / "index"
    result = run_cli("ingest", str(roundabout), "--json", index=index)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["added"] == 1
    shown = run_cli("show", ODD_NAME, "--json", index=index)
    assert shown.returncode == 0 and json.loads(shown.stdout)["number"] == "07/QĐ-UBND"
    hit = json.loads(run_cli("search", "tổ thu gom rác", "-k", "1", "--json", index=index).stdout)["hits"][0]
    assert hit["doc_id"] == ODD_NAME and hit["chunk_id"].startswith(ODD_NAME + "#")
    missing = run_cli("ingest", str(inputs / ".." / "không có" / "tệp.txt"), "--json", index=index)
    assert missing.returncode == 1 and "không tìm thấy" in json.loads(missing.stdout)["failed"][0]["error"]


# --- a huge text file ----------------------------------------------------------------------------

PEAK_RSS = """
import resource, sys
from directive_rag.cli import main
code = main(sys.argv[1:])
print("PEAK_RSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def _ingest_measuring_memory(index: Path, *paths: Path) -> tuple[subprocess.CompletedProcess, int]:
    result = subprocess.run([sys.executable, "-c", PEAK_RSS, "--index", str(index), "ingest", *map(str, paths), "--json"],
                            capture_output=True, text=True, timeout=600)
    peak = next(int(line.split()[1]) for line in result.stderr.splitlines() if line.startswith("PEAK_RSS_KB"))
    return result, peak * 1024


def test_a_50_mb_text_file_is_refused_with_its_size_in_bounded_memory(tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "quyet-dinh.txt").write_text(DECISION, encoding="utf-8")
    line = "Các cơ quan, đơn vị thực hiện nghiêm túc chế độ báo cáo định kỳ hằng tháng và đột xuất.\n".encode("utf-8")
    with open(folder / "rat-lon.txt", "wb") as handle:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    assert (folder / "rat-lon.txt").stat().st_size > 50 * 1024 * 1024 > MAX_TEXT_FILE_BYTES

    baseline, baseline_peak = _ingest_measuring_memory(tmp_path / "baseline", folder / "quyet-dinh.txt")
    assert baseline.returncode == 0, baseline.stderr
    result, peak = _ingest_measuring_memory(tmp_path / "index", folder)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    (failure,) = report["failed"]
    assert failure["path"] == str(folder / "rat-lon.txt")
    assert "tệp quá lớn" in failure["error"] and "tối đa 10 MB" in failure["error"]
    assert report["added"] == report["documents"] == 1  # the rest of the batch is indexed
    # The big file was never read: the run used no more memory than ingesting the small file alone.
    assert peak < baseline_peak + 30 * 1024 * 1024, (peak, baseline_peak)


def test_an_index_made_before_text_hashes_gets_them_and_still_refuses_copies(directive_index, directive_file, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(directive_index, index)
    with sqlite3.connect(index / "catalog.sqlite") as db:  # the catalog as earlier versions wrote it
        db.execute("DROP INDEX documents_by_text_hash")
        db.execute("ALTER TABLE documents DROP COLUMN text_hash")
    copy = tmp_path / "ban-sao.txt"
    shutil.copyfile(directive_file, copy)
    library = Library(index)
    report = library.ingest([copy])
    assert report.added == 0 and len(report.failed) == 1 and directive_file.name in report.failed[0].error
    assert [document["doc_id"] for document in library.documents()] == [directive_file.name]
    library.close()

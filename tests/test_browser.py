"""The web app in a real browser: Debian's Chromium driven by Playwright against the real server.

The server is ``python app.py`` in a subprocess, on a free loopback port, over a copy of the
sample corpus's index (the tests upload and delete). Chromium is the system's /usr/bin/chromium
(``make test`` installs it with apt when missing); these tests skip only when it is absent.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, write_docx

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOT = REPO / "docs" / "screenshot.png"
MAX_UPLOAD_MB = 1
STARTUP_SECONDS = 180
ANSWER_MS = 120_000  # a first question loads the encoder; CI machines are shared

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM}: `make test` installs it with `apt-get install -y chromium` where apt is available",
)

QUESTION = "Chủ tịch UBND tỉnh tiếp công dân vào ngày nào?"
HOSTILE_TEXT = """CHỈ THỊ
về kiểm tra biểu mẫu trực tuyến của xã Thử Nghiệm

1. Ô nhập liệu của cổng đăng ký phải hiển thị nguyên văn <script>alert(1)</script> cùng
<img src=x onerror=alert(2)> và ${alert(3)} {{constructor}} [liên kết](javascript:alert(4)) mà không chạy mã nào.
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the app did not answer on {url} within {STARTUP_SECONDS} s:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def served_index(corpus_index, tmp_path_factory) -> Path:
    """A copy of the corpus index that this module's uploads and deletions may change."""
    index = tmp_path_factory.mktemp("browser") / "index"
    shutil.copytree(corpus_index, index)
    return index


@pytest.fixture(scope="module")
def app_url(served_index, tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("browser-log") / "app.log"
    environment = {**os.environ, "PYTHONUTF8": "1", "DIRECTIVE_RAG_MAX_UPLOAD_MB": str(MAX_UPLOAD_MB)}
    for name in ("DIRECTIVE_RAG_AUTH", "DIRECTIVE_RAG_HOST", "GRADIO_SERVER_NAME", "DIRECTIVE_RAG_LLM_BASE_URL"):
        environment.pop(name, None)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(REPO / "app.py"), "--index", str(served_index), "--port", str(port)],
            cwd=REPO, env=environment, stdout=output, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_serving(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh session on the app; every dialog the page opens is recorded (and dismissed)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(app_url)
    page.get_by_role("tab", name="Hỏi đáp").wait_for()
    yield page
    context.close()


def _open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def _search(page, query: str, numbers: str = "") -> None:
    _open_tab(page, "Tìm kiếm")
    page.locator("#dr-query textarea").fill(query)
    page.locator("#dr-search-numbers textarea").fill(numbers)
    page.locator("#dr-query-button").click()
    page.locator("#dr-results .dr-summary").wait_for(timeout=ANSWER_MS)


def _upload(page, *files: Path) -> str:
    _open_tab(page, "Kho văn bản")
    page.locator("input[data-testid$='-upload-button']").set_input_files([str(file) for file in files])
    page.get_by_text(f"/{len(files)} tệp đã nạp").wait_for()
    status = page.locator("#dr-upload-status")
    page.wait_for_function(
        "() => !document.querySelector('#dr-upload-status [data-state=working], #dr-upload-status [data-state=waiting]')",
        timeout=ANSWER_MS,
    )
    return status.inner_text()


def _record_upload_progress(page) -> None:
    """Keep every text Gradio's progress element over the upload table shows, in ``window.drProgressSeen``."""
    page.evaluate("""() => {
        window.drProgressSeen = [];
        new MutationObserver(() => {
            const tracker = document.querySelector('#dr-upload-status [data-testid=status-tracker]');
            const text = tracker ? tracker.innerText.trim() : '';
            if (text && !window.drProgressSeen.includes(text)) window.drProgressSeen.push(text);
        }).observe(document.body, {subtree: true, childList: true, characterData: true});
    }""")


def test_question_opens_its_citation_highlighted_in_the_document(page):
    from playwright.sync_api import expect

    page.locator("#dr-question textarea").fill(QUESTION)
    page.locator("#dr-question-button").click()
    marker = page.locator("#dr-conversation .dr-answer .dr-marker").first
    marker.wait_for(timeout=ANSWER_MS)
    quote = page.locator("#dr-conversation .dr-card .dr-quote").first.inner_text()
    marker.click()

    highlight = page.locator("#dr-ask-viewer mark.dr-highlight")
    expect(highlight).to_be_visible()
    expect(highlight).to_be_in_viewport()
    assert " ".join(highlight.inner_text().split()) == " ".join(quote.split())
    viewer = page.locator("#dr-ask-viewer").inner_text()
    for label in ("Loại văn bản", "Số hiệu", "Ngày ban hành", "Cơ quan ban hành", "Phần trích"):
        assert label in viewer
    assert "15/2024/QĐ-UBND" in viewer
    expect(page.locator("#dr-conversation .dr-card.dr-highlighted")).to_have_count(1)

    page.wait_for_timeout(300)  # let the smooth layout settle before the picture
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 20_000


def test_search_with_a_number_filter_then_add_to_the_handout(page):
    _search(page, "trách nhiệm nêu gương của cán bộ", numbers="53-CT/ĐU")
    heads = page.locator("#dr-results .dr-group-head").all_inner_texts()
    assert heads and all("53-CT/ĐU" in head for head in heads)
    first_passage = page.locator("#dr-results .dr-passage").first.inner_text()

    page.locator("#dr-results [data-action=add]").first.click()
    page.get_by_text("Đã thêm vào trích đoạn bài giảng (1 đoạn).").wait_for()
    _open_tab(page, "Trích đoạn bài giảng")
    card = page.locator("#dr-basket .dr-card")
    card.first.wait_for()
    assert card.count() == 1
    assert "53-CT/ĐU" in card.first.inner_text()
    assert " ".join(first_passage.split()) in " ".join(card.first.locator(".dr-quote").inner_text().split())


def test_handout_exports_a_docx_with_notes_and_citations(page, tmp_path):
    import docx
    from playwright.sync_api import expect

    _search(page, "phòng cháy, chữa cháy khu dân cư")
    adds = page.locator("#dr-results [data-action=add]")
    adds.nth(0).click()
    page.get_by_text("(1 đoạn)").wait_for()
    adds.nth(1).click()
    page.get_by_text("(2 đoạn)").wait_for()
    quotes = page.locator("#dr-results .dr-passage").all_inner_texts()[:2]

    _open_tab(page, "Trích đoạn bài giảng")
    basket_quotes = page.locator("#dr-basket .dr-card .dr-quote")
    basket_quotes.nth(1).wait_for()
    second = basket_quotes.nth(1).inner_text()
    page.locator("#dr-basket [data-action=down]").first.click()  # reorder: the first goes down
    expect(basket_quotes.first).to_have_text(second)
    note = "Nhấn mạnh trách nhiệm của trưởng thôn khi giảng."
    page.locator("#dr-basket textarea").first.fill(note)
    page.locator("#dr-handout-title textarea").fill("Bài giảng phòng cháy ở khu dân cư")
    page.locator("#dr-handout-title textarea").press("Enter")
    # The note is saved when its field loses focus; the basket is then drawn again with it.
    page.wait_for_function(
        "(note) => [...document.querySelectorAll('#dr-basket textarea')].some((field) => field.defaultValue === note)",
        arg=note,
    )
    export = page.locator("#dr-export-docx")
    expect(export).to_be_enabled()
    page.wait_for_timeout(1000)  # the buttons take the files written after the last change

    with page.expect_download() as download_info:
        export.click()
    download = download_info.value
    assert download.suggested_filename == "bai-giang-phong-chay-o-khu-dan-cu.docx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    text = "\n".join(paragraph.text for paragraph in docx.Document(str(path)).paragraphs)
    assert text.startswith("Bài giảng phòng cháy ở khu dân cư")
    assert note in text
    assert "Nguồn:" in text and "Ngày ban hành" in text
    flat = " ".join(text.split())
    first_lines = [" ".join(next(line for line in quote.splitlines() if line.strip()).split()) for quote in quotes]
    assert all(line in flat for line in first_lines)
    assert flat.index(first_lines[1]) < flat.index(first_lines[0])  # the export keeps the basket's order


def test_uploaded_docx_is_found_by_search_then_deleted(page, tmp_path, served_index):
    from playwright.sync_api import expect

    upload = write_docx(tmp_path / "Kế hoạch nuôi ong (bản 2).docx", [
        "ỦY BAN NHÂN DÂN XÃ THỬ NGHIỆM", "Số: 99/KH-UBND", "KẾ HOẠCH",
        "về phát triển nghề nuôi ong lấy mật trên đồi keo",
        "1. Các hộ nuôi ong đặt thùng ong cách khu dân cư ít nhất ba trăm mét.",
        "2. Hợp tác xã thu mua mật ong keo theo giá sàn do xã công bố mỗi vụ.",
    ])
    rejected = tmp_path / "cai-dat.exe"
    rejected.write_bytes(b"MZ not a document")
    oversized = tmp_path / "qua-lon.txt"
    oversized.write_text("chữ " * (MAX_UPLOAD_MB * 1024 * 1024 // 5 + 1000), encoding="utf-8")

    _open_tab(page, "Kho văn bản")
    _record_upload_progress(page)
    _upload(page, upload, rejected, oversized)
    rows = {row.split("\t")[0]: row for row in page.locator("#dr-upload-status tbody tr").all_inner_texts()}
    assert "Xong\tđã thêm vào kho" in rows["Kế hoạch nuôi ong (bản 2).docx"]
    assert any("Đang nạp tệp 1/3: " in text and "%" in text for text in page.evaluate("() => window.drProgressSeen"))
    assert "loại tệp không được nhận (.exe)" in rows["cai-dat.exe"]
    assert "tệp quá lớn" in rows["qua-lon.txt"]
    stored = served_index / "uploads" / "Kế-hoạch-nuôi-ong-bản-2.docx"
    assert stored.is_file()
    page.locator("#dr-documents").get_by_text("Kế-hoạch-nuôi-ong-bản-2.docx").first.wait_for()

    _search(page, "thùng ong cách khu dân cư bao xa")
    first_group = page.locator("#dr-results .dr-group").first
    assert "99/KH-UBND" in first_group.locator(".dr-group-head").inner_text()
    assert "thùng ong cách khu dân cư" in first_group.inner_text()

    _open_tab(page, "Kho văn bản")
    page.locator("#dr-documents").get_by_text("Kế-hoạch-nuôi-ong-bản-2.docx").first.click()
    page.get_by_role("button", name="Xóa khỏi kho").click()
    page.get_by_role("button", name="Xác nhận xóa").click()
    page.get_by_text("Đã xóa 1 văn bản khỏi kho.").wait_for()
    expect(page.locator("#dr-documents").get_by_text("Kế-hoạch-nuôi-ong-bản-2.docx")).to_have_count(0)
    assert not stored.exists()


def test_uploaded_markup_is_shown_as_text_and_never_runs(page, tmp_path):
    hostile = tmp_path / "bieu-mau.txt"
    hostile.write_text(HOSTILE_TEXT, encoding="utf-8")
    assert "đã thêm vào kho" in _upload(page, hostile)

    _search(page, "ô nhập liệu của cổng đăng ký hiển thị nguyên văn")
    passage = page.locator("#dr-results .dr-passage").first
    text = passage.inner_text()
    for literal in ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "${alert(3)}", "{{constructor}}",
                    "[liên kết](javascript:alert(4))"):
        assert literal in text
    page.locator("#dr-results [data-action=open]").first.click()
    page.locator("#dr-search-viewer mark.dr-highlight").wait_for()
    assert "<script>alert(1)</script>" in page.locator("#dr-search-viewer .dr-document").inner_text()

    for panel in ("#dr-results", "#dr-search-viewer"):
        assert page.locator(f"{panel} script, {panel} img, {panel} a").count() == 0
    _open_tab(page, "Kho văn bản")
    page.locator("#dr-documents").get_by_text("bieu-mau.txt").first.wait_for()
    page.wait_for_timeout(1000)  # give any injected handler the chance to fire
    assert page.dialogs == []
    assert page.evaluate("() => document.querySelectorAll('img[src=x]').length") == 0

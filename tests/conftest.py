"""Shared fixtures: real files written by the tests, real indexes built with the real encoder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from directive_rag import Library

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CLI = [sys.executable, "-m", "directive_rag.cli"]


def shared_data(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"shared data not available at {path}")
    return path


def write_pdf(path: Path, pages: list[str], password: str | None = None) -> Path:
    """A real PDF with one text page per item of ``pages``, in a font that has Vietnamese."""
    from fpdf import FPDF

    if not FONT.exists():
        pytest.skip(f"font for Vietnamese PDFs not installed: {FONT}")
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    if password:
        pdf.set_encryption(owner_password=password, user_password=password)
    pdf.output(str(path))
    return path


def write_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table):
            for cell, value in zip(row.cells, values):
                cell.text = value
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


def run_cli(*args: str, index: Path | None = None, check_json: bool = True) -> subprocess.CompletedProcess:
    command = [*CLI, *(["--index", str(index)] if index else []), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONUTF8": "1"})
    if check_json and "--json" in args and result.stdout.strip():
        for line in result.stdout.strip().splitlines():
            json.loads(line)  # stdout holds JSON only
    return result


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """Terminate a server the tests started; kill it when it does not stop within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


DIRECTIVE_TEXT = """ĐẢNG BỘ TỈNH MẪU
BAN THƯỜNG VỤ TỈNH ỦY
Số 09-CT/TU

ĐẢNG CỘNG SẢN VIỆT NAM
Thành phố Mẫu, ngày 02 tháng 01 năm 2020

CHỈ THỊ
về tăng cường bảo vệ rừng đầu nguồn

I. TÌNH HÌNH

Thời gian qua, diện tích rừng đầu nguồn của tỉnh bị thu hẹp do khai thác trái phép và cháy rừng vào mùa khô.

II. NHIỆM VỤ, GIẢI PHÁP

1. Các cấp ủy đảng phải đưa nhiệm vụ bảo vệ rừng vào nghị quyết hằng năm và kiểm tra việc thực hiện.

2. Ủy ban nhân dân các huyện tổ chức tuần tra rừng mỗi tuần một lần trong mùa khô, từ tháng 3 đến tháng 6.

3. Hạt Kiểm lâm chịu trách nhiệm lập bản đồ các điểm có nguy cơ cháy rừng cao và cập nhật hằng quý.

a) Người dân phát hiện cháy rừng phải báo ngay cho trưởng thôn hoặc kiểm lâm địa bàn.

b) Nghiêm cấm đốt nương rẫy ở khu vực giáp ranh rừng đầu nguồn.
"""


@pytest.fixture(scope="session")
def directive_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("directive")
    path = folder / "chi-thi-09.txt"
    path.write_text(DIRECTIVE_TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def directive_index(tmp_path_factory, directive_file) -> Path:
    """An index holding the one small directive above, built through the real pipeline."""
    index = tmp_path_factory.mktemp("directive-index")
    report = Library(index).ingest([directive_file])
    assert report.failed == [] and report.added == 1
    return index


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> Path:
    """The repository's sample corpus, ingested once for the session."""
    index = tmp_path_factory.mktemp("corpus-index")
    report = Library(index).ingest([REPO / "corpus"])
    assert report.failed == [], report.failed
    return index

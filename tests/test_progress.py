"""Ingest progress: the events of a real ingest, and their display as a bar on a terminal or as log lines.

The command's bar is checked on a real pseudo-terminal; the display's timing (redraws, log lines
during a long encoding) with a clock the test sets, so that it takes no real time.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest
from conftest import CLI, DIRECTIVE_TEXT, write_pdf

from directive_rag import Library
from directive_rag.progress import DONE, ENCODING, FAILED, INDEXING, READING, IngestProgress, ProgressDisplay

DIRECTIVES = 6  # three passages each: more than one encoding batch of 16


def _inputs(folder: Path, directives: int) -> Path:
    folder.mkdir()
    for number in range(1, directives + 1):
        (folder / f"chi-thi-{number:02}.txt").write_text(DIRECTIVE_TEXT.replace("09-CT/TU", f"{number:02}-CT/TU"),
                                                         encoding="utf-8")
    (folder / "hong.pdf").write_bytes(b"%PDF-1.4 nothing else")
    return folder


def test_ingest_reports_every_file_encoded_batch_and_failure(tmp_path):
    folder = _inputs(tmp_path / "inputs", DIRECTIVES)
    events: list[IngestProgress] = []
    report = Library(tmp_path / "index").ingest([folder], progress=events.append)

    assert report.added == DIRECTIVES and [failure.path for failure in report.failed] == [str(folder / "hong.pdf")]
    files = DIRECTIVES + 1
    assert {event.files_total for event in events} == {files}
    assert [event.files_done for event in events if event.stage == READING] == list(range(1, files + 1))
    (failure,) = [event for event in events if event.stage == FAILED]
    assert (failure.path, failure.detail) == (report.failed[0].path, report.failed[0].error)
    assert failure.message == f"lỗi: {failure.path}: {failure.detail}"
    encoded = [event.passages_encoded for event in events if event.stage == ENCODING]
    assert len(encoded) >= 2 and encoded == sorted(set(encoded))
    assert encoded[-1] == events[-1].passages_read == report.chunks
    fractions = [event.fraction for event in events]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1)
    assert [event.stage for event in events[-2:]] == [INDEXING, DONE]


def _read_terminal(terminal: int, seconds: float) -> str:
    """Everything written to the pseudo-terminal until its last writer closes it."""
    output = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not select.select([terminal], [], [], 1)[0]:
            continue
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # EIO: the command ended
            break
        if not chunk:
            break
        output += chunk
    return output.decode("utf-8")


def test_ingest_on_a_terminal_draws_a_bar_in_place_and_keeps_stdout_json(tmp_path):
    folder = _inputs(tmp_path / "inputs", 1)
    write_pdf(folder / "ke-hoach.pdf", ["KẾ HOẠCH\nPhòng, chống thiên tai năm 2025: sơ tán dân khỏi vùng ngập sâu."])
    screen, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    command = subprocess.Popen([*CLI, "--index", str(tmp_path / "index"), "ingest", str(folder), "--json"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal,
                               env={**os.environ, "PYTHONUTF8": "1"})
    os.close(terminal)
    try:
        shown = _read_terminal(screen, 300)
        stdout, _ = command.communicate(timeout=60)
    finally:
        os.close(screen)
        command.kill()

    assert command.returncode == 1  # hong.pdf
    assert json.loads(stdout)["added"] == 2
    assert shown.startswith("\r[") and "tệp · " in shown
    # The failure is printed on a line of its own, the bar cleared before it and drawn again after it.
    assert re.search(r"\r +\rlỗi: \S+hong\.pdf: [^\r\n]+\r\n\r\[", shown)
    # The bar ends full, with the elapsed time, and its line is ended.
    assert re.search(r"\r\[█{20}\] 3/3 tệp · \d+ đoạn[^\r\n]* · xong trong ~\d+ giây *\r\n", shown)
    assert shown.endswith("\r\n")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _events(now: list[float], seconds: int, batches_per_second: int):
    """(time, event) for an encoding of one file, ``batches_per_second`` batches of 16 passages each second."""
    total = seconds * batches_per_second
    for batch in range(1, total + 1):
        now[0] = batch / batches_per_second
        yield IngestProgress(ENCODING, 1, 2, 16 * total, 16 * batch, batch / total / 2)


def test_the_bar_is_redrawn_at_most_ten_times_a_second():
    now = [0.0]
    screen = _Terminal()
    show = ProgressDisplay(screen, clock=lambda: now[0])
    for event in _events(now, seconds=3, batches_per_second=50):
        show(event)
    show(IngestProgress(FAILED, 2, 2, 2400, 2400, 0.5, path="b.pdf", detail="tệp PDF hỏng"))
    show(IngestProgress(DONE, 2, 2, 2400, 2400, 1.0))
    text = screen.getvalue()

    bars_while_encoding = text.split("lỗi:")[0].count("\r[")
    assert 25 <= bars_while_encoding <= 31
    assert "800 đoạn/giây · còn ~3 giây" in text  # after 3 s, half done
    assert "\rlỗi: b.pdf: tệp PDF hỏng\n\r[" in text
    assert re.search(r"\[█{20}\] 2/2 tệp · 2400 đoạn · 800 đoạn/giây · xong trong ~3 giây *\n$", text)


def test_a_log_gets_a_line_per_file_and_failure_and_during_long_encodings_one_every_ten_seconds():
    now = [0.0]
    log = io.StringIO()
    show = ProgressDisplay(log, clock=lambda: now[0])
    show(IngestProgress(READING, 1, 2, 800, 0, 0.0, path="a.txt"))
    for event in _events(now, seconds=25, batches_per_second=2):
        show(event)
    show(IngestProgress(FAILED, 2, 2, 800, 800, 0.5, path="b.pdf", detail="tệp PDF hỏng"))
    show(IngestProgress(INDEXING, 2, 2, 800, 800, 1.0))
    show(IngestProgress(DONE, 2, 2, 800, 800, 1.0))

    assert log.getvalue().splitlines() == [
        "[1/2] a.txt", "mã hóa 320/800 đoạn", "mã hóa 640/800 đoạn", "lỗi: b.pdf: tệp PDF hỏng",
        "đang cập nhật chỉ mục tìm kiếm…", "đã nạp xong",
    ]

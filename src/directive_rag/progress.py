"""Ingest progress: the event the ingest reports after each step, and its display on a terminal or in a log.

Every consumer (the command line, the web app, the evaluation) receives the same ``IngestProgress``;
its ``message`` is the Vietnamese line to show.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Callable, TextIO

READING, ENCODING, INDEXING, DONE, FAILED = "reading", "encoding", "indexing", "done", "failed"


@dataclass(frozen=True)
class IngestProgress:
    """Where an ingest stands after one step.

    ``stage`` is READING (``path`` is the file just read), ENCODING (a batch of passages was encoded),
    INDEXING (the search indexes are being rebuilt, the last step), DONE, or FAILED (``path`` could
    not be ingested, ``detail`` says why). ``files_done`` counts the files read or failed so far, out of
    ``files_total``, known from the start; ``passages_read`` counts the passages cut from them so far,
    ``passages_encoded`` those already encoded. ``fraction`` (0 to 1) estimates the share of the whole
    ingest done: a file counts once its passages are encoded, since encoding takes most of the time.
    """

    stage: str
    files_done: int
    files_total: int
    passages_read: int
    passages_encoded: int
    fraction: float
    path: str = ""
    detail: str = ""

    @property
    def message(self) -> str:
        if self.stage == READING:
            return f"[{self.files_done}/{self.files_total}] {self.path}"
        if self.stage == ENCODING:
            return f"mã hóa {self.passages_encoded}/{self.passages_read} đoạn"
        if self.stage == INDEXING:
            return "đang cập nhật chỉ mục tìm kiếm…"
        if self.stage == DONE:
            return "đã nạp xong"
        return f"lỗi: {self.path}: {self.detail}"

    def __str__(self) -> str:
        return self.message


Progress = Callable[[IngestProgress], None]

BAR_CELLS = 20
REDRAW_SECONDS = 0.1
LOG_ENCODING_SECONDS = 10.0
ESTIMATE_AFTER_SECONDS = 2.0


def duration_text(seconds: float) -> str:
    """75 → "~1 phút", 40 → "~40 giây", 7300 → "~2 giờ 2 phút"."""
    if seconds < 60:
        return f"~{max(1, round(seconds))} giây"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"~{minutes} phút"
    return f"~{minutes // 60} giờ {minutes % 60} phút"


class ProgressDisplay:
    """Shows an ingest's progress on ``stream`` (standard error by default); pass it as the ingest's progress.

    On a terminal: one line, redrawn in place at most every REDRAW_SECONDS, such as
    ``[██████░░░░] 12/40 tệp · 350 đoạn · 45 đoạn/giây · còn ~2 phút``, with failures printed on
    their own lines above it. Elsewhere (a log, CI, a pipe): plain lines, one per file read, one per
    failure, the final indexing step, and the encoding count at most every LOG_ENCODING_SECONDS.
    The bar's line ends when the ingest is done; use the display as a context manager so that it
    also ends when the ingest stops early.
    """

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic):
        self._stream = stream or sys.stderr
        self._clock = clock
        self._on_terminal = self._stream.isatty()
        self._started = clock()
        self._last_shown = -float("inf")
        self._bar_width = 0  # characters of the bar line now on screen; 0 when there is none
        self._latest: IngestProgress | None = None

    def __enter__(self) -> ProgressDisplay:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __call__(self, event: IngestProgress) -> None:
        self._latest = event
        now = self._clock()
        if self._on_terminal:
            if event.stage == FAILED:
                self._clear_bar()
                self._write(event.message + "\n")
            if event.stage in (FAILED, INDEXING, DONE) or now - self._last_shown >= REDRAW_SECONDS:
                self._draw_bar(event, now)
            if event.stage == DONE:
                self._end_bar()
        elif event.stage != ENCODING or now - self._last_shown >= LOG_ENCODING_SECONDS:
            self._write(event.message + "\n")
            self._last_shown = now

    def close(self) -> None:
        """End the bar's line if the ingest stopped before it was done, showing where it stopped."""
        if self._bar_width and self._latest is not None:
            self._draw_bar(self._latest, self._clock())
            self._end_bar()

    def _end_bar(self) -> None:
        self._write("\n")
        self._bar_width = 0

    def _bar_text(self, event: IngestProgress, now: float) -> str:
        filled = round(min(max(event.fraction, 0.0), 1.0) * BAR_CELLS)
        parts = [f"[{'█' * filled}{'░' * (BAR_CELLS - filled)}] {event.files_done}/{event.files_total} tệp",
                 f"{event.passages_encoded} đoạn"]
        elapsed = now - self._started
        estimating = elapsed >= ESTIMATE_AFTER_SECONDS  # the first seconds give no steady rate
        if estimating and event.passages_encoded:
            parts.append(f"{event.passages_encoded / elapsed:.0f} đoạn/giây")
        if event.stage == INDEXING:
            parts.append("đang cập nhật chỉ mục…")
        elif event.stage == DONE:
            parts.append(f"xong trong {duration_text(elapsed)}")
        elif estimating and 0 < event.fraction < 1:
            parts.append(f"còn {duration_text(elapsed * (1 - event.fraction) / event.fraction)}")
        return " · ".join(parts)

    def _draw_bar(self, event: IngestProgress, now: float) -> None:
        text = self._fit(self._bar_text(event, now))
        # Spaces cover what is left of a longer previous line; "\r" alone does not erase it.
        self._write("\r" + text.ljust(self._bar_width))
        self._bar_width = len(text)
        self._last_shown = now

    def _clear_bar(self) -> None:
        if self._bar_width:
            self._write("\r" + " " * self._bar_width + "\r")
            self._bar_width = 0

    def _fit(self, text: str) -> str:
        """``text`` cut to the terminal's width: a line that wraps cannot be redrawn with "\\r"."""
        try:
            columns = os.get_terminal_size(self._stream.fileno()).columns
        except (OSError, ValueError, AttributeError):  # a stream without a terminal size
            return text
        return text[: columns - 1]

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()

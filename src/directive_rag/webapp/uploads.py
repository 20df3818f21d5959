"""Files uploaded through the web app: checked, stored under ``<index>/uploads/`` with safe names, ingested.

No Gradio here: ``upload_files`` yields the state of every file after each step, so the page can
show progress per file, and tells an optional ``BatchProgress`` (``gr.Progress`` is one) how much of
the whole batch is done, while a second ``Library`` on the same index folder does the writing and
the app's own ``Library`` keeps answering.
"""

from __future__ import annotations

import json
import queue
import re
import shutil
import threading
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator, Sequence

from ..library import Library
from ..loaders import SUPPORTED_SUFFIXES
from ..models import IngestReport
from ..progress import READING, IngestProgress

UPLOADS_FOLDER = "uploads"
MAX_STEM_CHARS = 100
DEFAULT_STEM = "van-ban"
_DASHES = re.compile(r"-{2,}")

WAITING, WORKING, DONE, FAILED = "waiting", "working", "done", "failed"
# Gradio refuses a whole batch, with an English message, when one file is over its own limit; its
# limit is set this many times above ours so that files just over ours get their reason here.
TRANSFER_LIMIT_FACTOR = 2


# Told (the share of a whole batch of files done, what is happening, in Vietnamese), as gr.Progress is.
BatchProgress = Callable[[float, str], None]


def megabytes(size: int) -> str:
    """1572864 → "1.5 MB"."""
    return f"{size / 1048576:.3g} MB"


@dataclass(frozen=True)
class FileStatus:
    """Where one uploaded file stands: ``state`` is waiting, working, done or failed."""

    name: str
    state: str = WAITING
    message: str = "đang chờ"
    stored_as: str = ""


def uploads_dir(index_dir: Path) -> Path:
    return Path(index_dir) / UPLOADS_FOLDER


class LibraryWriter:
    """The app's second ``Library`` on the same index folder, which does all the writing.

    It has its own SQLite connection and encoder, so the app's reading ``Library`` keeps
    answering during an ingest and sees the new state once it is committed. Writes run one at a
    time, even when a page left while its upload was still being indexed.
    """

    def __init__(self, index_dir: Path, encoder: str | None = None):
        self.index_dir = Path(index_dir)
        self._encoder = encoder
        self._library: Library | None = None
        self._lock = threading.Lock()

    def _get(self) -> Library:
        if self._library is None:
            self._library = Library(self.index_dir, encoder=self._encoder)
        return self._library

    def ingest(self, paths: Sequence[Path], progress=None) -> IngestReport:
        with self._lock:
            return self._get().ingest(list(paths), progress=progress)

    def remove(self, doc_ids: Sequence[str]) -> list[str]:
        with self._lock:
            return self._get().remove(list(doc_ids))

    def close(self) -> None:
        with self._lock:
            if self._library is not None:
                self._library.close()
                self._library = None


def safe_upload_name(name: str) -> str:
    """A file name safe to store: no folders, only letters (Vietnamese included), digits, "-" and "_".

    "../../Chỉ thị 05 (bản cuối).DOCX" → "Chỉ-thị-05-bản-cuối.docx".
    """
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    cleaned = "".join(char if char.isalnum() or char in "-_" else "-" for char in stem)
    cleaned = _DASHES.sub("-", cleaned).strip("-_")[:MAX_STEM_CHARS].strip("-_") or DEFAULT_STEM
    suffix = suffix.lower()
    return f"{cleaned}.{suffix}" if suffix.isalnum() else cleaned


_WEB_ADDRESS = re.compile(r"https?://", re.I)


def declared_source_problem(path: Path) -> str:
    """Why an uploaded .jsonl cannot be accepted: a record whose ``source`` is not a web address.

    A record's ``source`` is where its document was taken from; from a web upload it must not name
    a file or folder of the server, which re-reading sources would otherwise open.
    """
    with path.open("rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            try:
                record = json.loads(raw)
            except ValueError:
                continue  # the loader reports bad lines with their numbers
            source = record.get("source") if isinstance(record, dict) else None
            if source not in (None, "") and not _WEB_ADDRESS.match(str(source)):
                return (f"dòng {line_number}: trường 'source' của tệp tải lên chỉ được là địa chỉ web "
                        f"(http:// hoặc https://), không phải {str(source)[:80]!r}")
    return ""


def upload_problem(path: Path, max_bytes: int) -> str:
    """Why the uploaded file at ``path`` cannot be accepted, or "" when it can."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
        return f"loại tệp không được nhận ({suffix or 'không có phần mở rộng'}); chỉ nhận {allowed}"
    try:
        size = path.stat().st_size
    except OSError as error:
        return f"không đọc được tệp ({error.strerror or error})"
    if size == 0:
        return "tệp rỗng"
    if size > max_bytes:
        return f"tệp quá lớn ({megabytes(size)}; tối đa {megabytes(max_bytes)})"
    return declared_source_problem(path) if suffix == ".jsonl" else ""


def store_upload(source: Path, folder: Path, original_name: str) -> Path:
    """Copy an uploaded file into ``folder`` under its safe name; a file of that name is replaced."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_upload_name(original_name)
    if target.resolve().parent != folder.resolve():  # cannot happen with a safe name; refuse if it does
        raise ValueError(f"tên tệp không hợp lệ: {original_name!r}")
    shutil.copyfile(source, target)
    return target


def report_message(report: IngestReport) -> tuple[str, str]:
    """(state, Vietnamese message) for the ingest of one file."""
    if report.failed:
        return FAILED, "lỗi: " + "; ".join(failure.error for failure in report.failed)
    if report.added:
        return DONE, "đã thêm vào kho" if report.added == 1 else f"đã thêm {report.added} văn bản"
    if report.updated:
        return DONE, "đã cập nhật" if report.updated == 1 else f"đã cập nhật {report.updated} văn bản"
    if report.unchanged:
        return DONE, "không thay đổi (đã có trong kho)"
    return FAILED, "lỗi: tệp không có văn bản nào"


def ingest_with_progress(writer: LibraryWriter, path: Path) -> Iterator[IngestProgress]:
    """Ingest ``path`` in a worker thread, yielding its progress events; returns the report."""
    events: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            events.put(("done", writer.ingest([path], progress=lambda event: events.put(("progress", event)))))
        except BaseException as error:  # handed to the waiting generator, which raises it
            events.put(("error", error))

    threading.Thread(target=work, name="directive-rag-upload", daemon=True).start()
    while True:
        kind, value = events.get()
        if kind == "progress":
            yield value
        elif kind == "done":
            return value
        else:
            raise value


def ingest_into_row(writer: LibraryWriter, path: Path, statuses: list[FileStatus], position: int,
                    progress: BatchProgress | None = None) -> Iterator[list[FileStatus]]:
    """Ingest ``path`` for the row ``statuses[position]``, yielding all rows after each step.

    The row shows the step under way, then the outcome (done or failed). ``progress`` hears the share
    of all the rows done, the rows before this one counting as finished.
    """
    message, fraction = "đang đọc và mã hóa…", 0.0
    steps = ingest_with_progress(writer, path)
    while True:
        statuses[position] = replace(statuses[position], state=WORKING, message=message)
        yield list(statuses)
        # After the yield: the page shows the bar only when the progress arrives after the new rows.
        if progress is not None:  # not `if progress`: a gr.Progress with no iterables is falsy
            progress((position + fraction) / len(statuses),
                     f"Đang nạp tệp {position + 1}/{len(statuses)}: {message}")
        try:
            event = next(steps)
        except StopIteration as finished:
            state, message = report_message(finished.value)
            statuses[position] = replace(statuses[position], state=state, message=message)
            yield list(statuses)
            return
        # The "[1/1] path" line of a file read says nothing on the row of that one file.
        message = "đã đọc tệp" if event.stage == READING else event.message.replace(str(path), path.name)
        fraction = event.fraction


def upload_files(writer: LibraryWriter, files: Sequence[Path], max_bytes: int,
                 progress: BatchProgress | None = None) -> Iterator[list[FileStatus]]:
    """Check, store and ingest each uploaded file in turn; yields every file's status after each step.

    ``files`` are the paths Gradio saved the uploads to (their names are the names the user gave).
    A file that fails (wrong type, too big, unreadable) does not stop the others. ``progress`` hears
    how much of the whole batch is done.
    """
    folder = uploads_dir(writer.index_dir).resolve()  # sources are recorded as absolute paths
    statuses = [FileStatus(Path(file).name) for file in files]
    yield list(statuses)
    for position, file in enumerate(map(Path, files)):
        problem = upload_problem(file, max_bytes)
        if problem:
            statuses[position] = replace(statuses[position], state=FAILED, message=f"lỗi: {problem}")
            yield list(statuses)
            continue
        try:
            stored = store_upload(file, folder, file.name)
            statuses[position] = replace(statuses[position], stored_as=stored.name)
            yield from ingest_into_row(writer, stored, statuses, position, progress)
        except Exception as error:  # one file's failure is shown on its row; the others go on
            statuses[position] = replace(statuses[position], state=FAILED, message=f"lỗi: {error}")
            yield list(statuses)


def reindex_targets(documents: Sequence[dict]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The source files to ingest again so each document is re-read under its own id.

    Returns (files, [(doc_id, reason)] for the documents that cannot be re-read here): a file
    whose name is the document's id (or a .jsonl file) is ingested again as it is; a source that
    is gone, or one ingested from inside a folder tree, cannot be re-read from the web app.
    """
    targets: list[Path] = []
    refused: list[tuple[str, str]] = []
    for document in documents:
        doc_id, source = document["doc_id"], document.get("source") or ""
        path = Path(source)
        if not source or not path.is_file():
            refused.append((doc_id, f"không còn tệp nguồn ({source or 'không rõ'})"))
        elif path.suffix.lower() == ".jsonl" or path.name == doc_id:
            if path not in targets:
                targets.append(path)
        else:
            refused.append((doc_id, "văn bản được nạp từ một thư mục con; hãy nạp lại thư mục đó bằng "
                                    "lệnh directive-rag ingest"))
    return targets, refused


def delete_uploaded_files(removed: Sequence[dict], remaining: Sequence[dict], index_dir: Path) -> list[Path]:
    """Delete the stored uploads of removed documents that no remaining document comes from."""
    folder = uploads_dir(index_dir).resolve()
    still_used = {Path(document.get("source") or "").resolve() for document in remaining if document.get("source")}
    deleted = []
    for document in removed:
        if not document.get("source"):
            continue
        path = Path(document["source"]).resolve()
        if path.parent == folder and path not in still_used and path.is_file():
            path.unlink()
            deleted.append(path)
    return deleted

"""Kho văn bản: the documents in the library, index statistics, uploads, removal and re-reading.

Reading goes through the app's ``Library``; writing (uploads, removal, re-reading sources) through
the ``LibraryWriter``, so questions keep being answered while the library changes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterator, Sequence

from ..library import Library
from .errors import error_message
from .render import esc, format_date, message_html
from .uploads import (
    DONE,
    FAILED,
    WORKING,
    BatchProgress,
    FileStatus,
    LibraryWriter,
    delete_uploaded_files,
    ingest_into_row,
    reindex_targets,
)

DOCUMENT_HEADERS = ["Mã văn bản", "Số hiệu", "Loại", "Ngày", "Cơ quan ban hành", "Tiêu đề", "Số đoạn"]
NOTHING_SELECTED_MESSAGE = "Chưa chọn văn bản nào. Chọn văn bản trong ô «Văn bản đã chọn» hoặc bấm vào một dòng của bảng."
NO_FILES_MESSAGE = "Chưa chọn tệp nào để tải lên."
STATE_LABELS = {"waiting": "Đang chờ", WORKING: "Đang nạp", DONE: "Xong", FAILED: "Lỗi"}
STATE_CLASSES = {WORKING: "dr-working", DONE: "dr-ok", FAILED: "dr-failed"}


def list_documents(library: Library) -> tuple[list[dict], str]:
    """(documents, "") or ([], the message saying why there are none to list)."""
    try:
        return library.documents(), ""
    except Exception as error:
        return [], error_message(error)


def document_rows(documents: Sequence[dict]) -> list[list]:
    """One table row per document, in the order of DOCUMENT_HEADERS."""
    return [
        [document["doc_id"], document["number"], document["type"], format_date(document["date"] or ""),
         document["issuer"], document["title"], document["n_chunks"]]
        for document in documents
    ]


def document_choices(documents: Sequence[dict]) -> list[tuple[str, str]]:
    """(label, doc_id) for the selection drop-down: "53-CT/ĐU — title (doc_id)"."""
    choices = []
    for document in documents:
        label = " — ".join(part for part in (document["number"], document["title"][:80]) if part)
        choices.append((f"{label} ({document['doc_id']})" if label else document["doc_id"], document["doc_id"]))
    return choices


def _size(size_bytes: int) -> str:
    if size_bytes >= 1024 ** 3:
        return f"{size_bytes / 1024 ** 3:.2f} GB"
    if size_bytes >= 1024 ** 2:
        return f"{size_bytes / 1024 ** 2:.1f} MB"
    return f"{size_bytes / 1024:.0f} KB"


def status_html(library: Library) -> str:
    """Index statistics: documents, passages, encoder, index type, size on disk, folder."""
    try:
        status = library.status()
    except Exception as error:
        return message_html(error_message(error), is_error=True)
    stats = [
        ("Văn bản", f"{status['documents']:,}".replace(",", ".")),
        ("Đoạn", f"{status['passages']:,}".replace(",", ".")),
        ("Bộ mã hóa", status.get("encoder", "")),
        ("Loại chỉ mục", status.get("index_type", "")),
        ("Dung lượng", _size(int(status.get("size_bytes") or 0))),
    ]
    cells = "".join(f'<div class="dr-stat"><span class="dr-meta">{esc(name)}</span><strong>{esc(value)}</strong></div>'
                    for name, value in stats)
    folder = f'<div class="dr-meta">Thư mục chỉ mục: {esc(status.get("index_dir", library.index_dir))}</div>'
    return f'<div class="dr-stats">{cells}</div>{folder}'


def render_upload_statuses(statuses: Sequence[FileStatus]) -> str:
    """One row per uploaded file: its name, its state and what happened (or is happening)."""
    if not statuses:
        return message_html(NO_FILES_MESSAGE)
    rows = "".join(
        f"<tr><td>{esc(status.name)}</td>"
        f'<td class="{STATE_CLASSES.get(status.state, "")}">{esc(STATE_LABELS.get(status.state, status.state))}</td>'
        f'<td data-state="{esc(status.state)}">{esc(status.message)}</td></tr>'
        for status in statuses
    )
    done = sum(status.state == DONE for status in statuses)
    failed = sum(status.state == FAILED for status in statuses)
    summary = f"{done}/{len(statuses)} tệp đã nạp" + (f", {failed} tệp lỗi" if failed else "")
    return (f'<div class="dr-summary">{esc(summary)}</div>'
            f'<table class="dr-table"><thead><tr><th>Tệp</th><th>Trạng thái</th><th>Chi tiết</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def remove_documents(library: Library, writer: LibraryWriter, doc_ids: Sequence[str]) -> str:
    """Remove documents (and the stored uploads they came from); the outcome as safe HTML."""
    if not doc_ids:
        return message_html(NOTHING_SELECTED_MESSAGE)
    documents, problem = list_documents(library)
    if problem:
        return message_html(problem, is_error=True)
    try:
        removed = set(writer.remove(list(doc_ids)))
    except Exception as error:
        return message_html(error_message(error), is_error=True)
    gone = [document for document in documents if document["doc_id"] in removed]
    kept = [document for document in documents if document["doc_id"] not in removed]
    delete_uploaded_files(gone, kept, Path(library.index_dir))
    missing = [doc_id for doc_id in doc_ids if doc_id not in removed]
    message = f"Đã xóa {len(removed)} văn bản khỏi kho."
    if missing:
        message += f" Không tìm thấy: {', '.join(missing)}."
    return message_html(message)


def reindex_documents(library: Library, writer: LibraryWriter, doc_ids: Sequence[str],
                      progress: BatchProgress | None = None) -> Iterator[str]:
    """Read the selected documents' source files again (changed ones are re-indexed).

    Yields a table of every source's state after each step; ``progress`` hears how much is done.
    """
    if not doc_ids:
        yield message_html(NOTHING_SELECTED_MESSAGE)
        return
    documents, problem = list_documents(library)
    if problem:
        yield message_html(problem, is_error=True)
        return
    wanted = set(doc_ids)
    selected = [document for document in documents if document["doc_id"] in wanted]
    targets, refused = reindex_targets(selected)
    statuses = [FileStatus(doc_id, FAILED, f"lỗi: {reason}") for doc_id, reason in refused]
    statuses += [FileStatus(target.name) for target in targets]
    yield render_upload_statuses(statuses)
    for position, target in enumerate(targets, start=len(refused)):
        try:
            for rows in ingest_into_row(writer, target, statuses, position, progress):
                yield render_upload_statuses(rows)
        except Exception as error:
            statuses[position] = replace(statuses[position], state=FAILED, message=f"lỗi: {error_message(error)}")
            yield render_upload_statuses(statuses)

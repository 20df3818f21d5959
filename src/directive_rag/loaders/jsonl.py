"""JSON Lines: one document per line.

``id`` (or ``doc_id``) and ``text`` are required; ``title``, ``number``, ``type``,
``issuer``, ``date`` (ISO) and ``source`` are optional and, when given, take precedence
over what is extracted from the text. A bad line is reported with its line number and
the other lines are still loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..models import Document, Failure
from .base import LoadError, make_document

OPTIONAL_FIELDS = ("title", "number", "type", "issuer", "date", "source")


def _record_to_document(record, path: Path) -> Document:
    if not isinstance(record, dict):
        raise LoadError("dòng không phải một đối tượng JSON")
    doc_id = record.get("id", record.get("doc_id"))
    if doc_id is None or str(doc_id).strip() == "":
        raise LoadError("thiếu trường bắt buộc 'id'")
    text = record.get("text")
    if not isinstance(text, str):
        raise LoadError("thiếu trường bắt buộc 'text' (chuỗi)")
    metadata = {
        name: str(record[name]).strip()
        for name in OPTIONAL_FIELDS
        if record.get(name) not in (None, "")
    }
    metadata.setdefault("source", str(path))
    return make_document(str(doc_id).strip(), [text], **metadata)


def load_jsonl(path: Path) -> tuple[list[Document], list[Failure]]:
    documents: list[Document] = []
    failures: list[Failure] = []
    seen: set[str] = set()
    with path.open("rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8-sig" if line_number == 1 else "utf-8"))
                document = _record_to_document(record, path)
                if document.doc_id in seen:
                    raise LoadError(f"'id' {document.doc_id!r} bị trùng với một dòng trước")
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                failures.append(Failure(f"{path}:{line_number}", f"dòng {line_number}: JSON không hợp lệ ({error})"))
                continue
            except LoadError as error:
                failures.append(Failure(f"{path}:{line_number}", f"dòng {line_number}: {error}"))
                continue
            seen.add(document.doc_id)
            documents.append(document)
    if not documents and not failures:
        raise LoadError("tệp rỗng")
    return documents, failures

"""Plain text and Markdown files."""

from __future__ import annotations

from pathlib import Path

from ..models import Document
from .base import decode_text, make_document


def load_text(path: Path, doc_id: str) -> list[Document]:
    return [make_document(doc_id, [decode_text(path.read_bytes())], source=str(path))]

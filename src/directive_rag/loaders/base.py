"""What every loader shares: the error it raises and how it builds a Document."""

from __future__ import annotations

from ..models import Document
from ..normalize import normalize_text

PAGE_SEPARATOR = "\n\n"


class LoadError(Exception):
    """A file that cannot be turned into text; the message says why, in Vietnamese."""


def make_document(doc_id: str, pages: list[str], *, paged: bool = False, **metadata) -> Document:
    """Normalize each page and join them, remembering where each page starts when ``paged``."""
    texts = [normalize_text(page).strip() for page in pages]
    page_starts = []
    parts = []
    offset = 0
    for text in texts:
        page_starts.append(offset)
        parts.append(text)
        offset += len(text) + len(PAGE_SEPARATOR)
    document = Document(doc_id=doc_id, text=PAGE_SEPARATOR.join(parts), **metadata)
    if paged:
        document.page_starts = page_starts
    if not document.text.strip():
        raise LoadError("tệp không có nội dung văn bản")
    return document


def decode_text(data: bytes) -> str:
    if not data.strip():
        raise LoadError("tệp rỗng")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(f"không phải văn bản UTF-8 (byte lỗi ở vị trí {error.start})") from error

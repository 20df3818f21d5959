"""What every loader shares: the error it raises, decoding bytes, and building a Document."""

from __future__ import annotations

import re

from .. import legacy_encodings
from ..models import Document
from ..normalize import normalize_text

PAGE_SEPARATOR = "\n\n"
# Text extracted from one file or record beyond this is refused before it is cleaned or embedded.
MAX_TEXT_CHARS = 10_000_000
# A page number alone on the first or last line of a PDF page: "3", "- 3 -", "Trang 3/12".
_PAGE_NUMBER = r"[ \t]*(?:-[ \t]*)?(?:Trang[ \t]+)?\d{1,4}(?:[ \t]*/[ \t]*\d{1,4})?(?:[ \t]*-)?[ \t]*"
_PAGE_NUMBER_LINE = re.compile(rf"\A\s*{_PAGE_NUMBER}\n|\n{_PAGE_NUMBER}\s*\Z", re.I)


class LoadError(Exception):
    """A file that cannot be turned into text; the message says why, in Vietnamese."""


def _to_unicode(pages: list[str]) -> list[str]:
    """Pages converted from TCVN3 or VNI when the document is in one of them (decided on all pages)."""
    try:
        encoding = legacy_encodings.detect("\n".join(pages))
    except legacy_encodings.LegacyEncodingError as error:
        raise LoadError(str(error)) from error
    return [legacy_encodings.convert(page, encoding) for page in pages] if encoding else pages


def make_document(doc_id: str, pages: list[str], *, paged: bool = False, **metadata) -> Document:
    """Normalize each page and join them, remembering where each page starts when ``paged``."""
    length = sum(map(len, pages))
    if length > MAX_TEXT_CHARS:
        raise LoadError(f"văn bản quá dài ({length:,} ký tự; tối đa {MAX_TEXT_CHARS:,})".replace(",", "."))
    pages = _to_unicode(pages)
    if paged:
        pages = [_PAGE_NUMBER_LINE.sub("", page) for page in pages]
    texts = [normalize_text(page) for page in pages]
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
    """Text of a file: UTF-8 or UTF-16, else 8-bit Vietnamese (TCVN3, VNI, Windows-1258)."""
    if not data.strip():
        raise LoadError("tệp rỗng")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        try:
            text = legacy_encodings.decode_legacy_bytes(data)
        except legacy_encodings.LegacyEncodingError as legacy_error:
            raise LoadError(str(legacy_error)) from legacy_error
        if text is None:
            raise LoadError(f"không phải văn bản UTF-8 (byte lỗi ở vị trí {error.start})") from error
        return text

"""PDF files through pypdf, one page at a time so every passage knows its page."""

from __future__ import annotations

from pathlib import Path

from ..models import Document
from .base import LoadError, make_document


def load_pdf(path: Path, doc_id: str) -> list[Document]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if path.stat().st_size == 0:
        raise LoadError("tệp rỗng")
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("PDF được bảo vệ bằng mật khẩu")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise LoadError(f"PDF hỏng hoặc không đọc được ({type(error).__name__}: {error})") from error
    if not any(page.strip() for page in pages):
        raise LoadError("PDF không có lớp văn bản (bản quét): cần nhận dạng ký tự (OCR)")
    return [make_document(doc_id, pages, paged=True, source=str(path))]

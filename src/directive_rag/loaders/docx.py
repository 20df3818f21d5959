"""Word documents: paragraphs and tables, in document order."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..models import Document
from .base import LoadError, make_document


def _table_lines(table) -> list[str]:
    lines = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            text = cell.text.strip()
            # Merged cells come back once per grid column; keep one copy.
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            lines.append(" | ".join(cells))
    return lines


def load_docx(path: Path, doc_id: str) -> list[Document]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if not zipfile.is_zipfile(path):
        raise LoadError("không phải tệp DOCX hợp lệ (không phải định dạng zip)")
    try:
        document = docx.Document(str(path))
    except Exception as error:  # python-docx raises many unrelated types on bad packages
        raise LoadError(f"DOCX hỏng hoặc không đọc được ({type(error).__name__}: {error})") from error
    blocks = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            blocks.append(block.text)
        elif isinstance(block, Table):
            blocks.append("\n".join(_table_lines(block)))
    # The core-properties title is left out: it is usually a template's or an editor's leftover.
    return [make_document(doc_id, ["\n\n".join(b for b in blocks if b.strip())], source=str(path))]

"""Turn files and folders into Documents.

``load_inputs`` walks the given paths (folders recursively), picks a loader by file suffix
and gives each document its id: a .jsonl record's ``id``; otherwise the file's path
relative to the folder given, or its name when the file itself was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..models import Document, Failure
from .base import LoadError
from .docx import load_docx
from .html import load_html
from .jsonl import load_jsonl
from .pdf import load_pdf
from .text import load_text

MAX_FILE_BYTES = 200 * 1024 * 1024
# A text, Markdown or HTML file is its text: 10 MB is ten times the longest code of law. Larger ones
# are refused before being read (a 50 MB text would take hours to embed, and memory to hold).
MAX_TEXT_FILE_BYTES = 10 * 1024 * 1024
_TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})

_LOADERS: dict[str, Callable[[Path, str], list[Document]]] = {
    ".txt": load_text,
    ".md": load_text,
    ".markdown": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
}
SUPPORTED_SUFFIXES = frozenset(_LOADERS) | {".jsonl"}


@dataclass
class Loaded:
    """Documents read from one file, and what could not be read."""

    path: Path
    documents: list[Document] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def load_file(path: Path, doc_id: str) -> Loaded:
    loaded = Loaded(path)
    suffix = path.suffix.lower()
    try:
        if suffix not in SUPPORTED_SUFFIXES:
            raise LoadError(
                f"loại tệp không được hỗ trợ ({suffix or 'không có phần mở rộng'}); "
                f"hỗ trợ: {', '.join(sorted(SUPPORTED_SUFFIXES))}"
            )
        size = path.stat().st_size
        limit = MAX_TEXT_FILE_BYTES if suffix in _TEXT_SUFFIXES else MAX_FILE_BYTES
        if size > limit:
            raise LoadError(f"tệp quá lớn ({size / (1024 * 1024):.3g} MB; tối đa {limit // (1024 * 1024)} MB)")
        if suffix == ".jsonl":
            loaded.documents, loaded.failures = load_jsonl(path)
        else:
            loaded.documents = _LOADERS[suffix](path, doc_id)
    except LoadError as error:
        loaded.failures.append(Failure(str(path), str(error)))
    except OSError as error:
        loaded.failures.append(Failure(str(path), f"không đọc được tệp ({error.strerror or error})"))
    return loaded


def discover(paths: list[Path]) -> Iterator[tuple[Path, str] | Failure]:
    """(file, doc_id) for every supported file under ``paths``; a Failure for a missing path.

    Inside folders, files of unsupported types and hidden files are skipped; a file named
    explicitly is always attempted, so an unsupported type is reported.
    """
    for path in paths:
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = file.relative_to(path)
                if any(part.startswith(".") for part in relative.parts):
                    continue
                if file.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield file, relative.as_posix()
        elif path.is_file():
            yield path, path.name
        else:
            yield Failure(str(path), "không tìm thấy tệp hoặc thư mục")


__all__ = ["Loaded", "LoadError", "MAX_FILE_BYTES", "MAX_TEXT_FILE_BYTES", "SUPPORTED_SUFFIXES", "discover", "load_file"]

"""Best-effort document metadata from a Vietnamese official text's header.

Reads the number ("Số: 15/2024/QĐ-UBND", "Số 53-CT/ĐU"), the type heading ("CHỈ THỊ"),
the title lines under it and the date ("ngày 16 tháng 5 năm 2018"). Values already set
on the Document (for example from a .jsonl record) are kept. A full parser of issuers,
references and structure can replace ``describe`` without changing its callers.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .models import Document

HEADER_CHARS = 2500
_TYPES = [
    "Chỉ thị", "Nghị quyết", "Quy định", "Hướng dẫn", "Kết luận", "Quyết định", "Thông tư",
    "Thông tư liên tịch", "Nghị định", "Luật", "Bộ luật", "Kế hoạch", "Thông báo", "Công văn",
    "Điều lệ", "Quy chế", "Báo cáo", "Đề án", "Chương trình", "Tờ trình", "Pháp lệnh",
]
_TYPE_BY_HEADING = {name.upper(): name for name in _TYPES}
_NUMBER = re.compile(
    r"\bSố[ \t]*(?:hiệu)?[ \t]*:?[\s*_]*"
    r"(\d+[a-zA-Z]?(?:/\d{4})?[/-][A-ZĐa-zđ][\wĐđ]*(?:[-/.][\wĐđ]+)*)"
)
_DATE_WORDS = re.compile(r"ngày[\s*_]+(\d{1,2})[\s*_]+tháng[\s*_]+(\d{1,2})[\s*_]+năm[\s*_]+(\d{4})", re.I)
_DATE_NUMERIC = re.compile(r"ngày[\s*_]+(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", re.I)
_MARKUP = str.maketrans({"*": " ", "#": " ", "|": " ", "_": " "})


def _clean_lines(text: str) -> list[str]:
    return [" ".join(line.translate(_MARKUP).split()) for line in text.splitlines()]


def find_date(text: str) -> str:
    for pattern in (_DATE_WORDS, _DATE_NUMERIC):
        match = pattern.search(text)
        if match:
            day, month, year = (int(group) for group in match.groups())
            if 1 <= day <= 31 and 1 <= month <= 12:
                return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


def _type_and_title(lines: list[str]) -> tuple[str, str]:
    for index, line in enumerate(lines):
        doc_type = _TYPE_BY_HEADING.get(line.upper()) if line.isupper() else None
        if not doc_type:
            continue
        title_lines = []
        for following in lines[index + 1 :]:
            if not following:
                if title_lines:
                    break
                continue
            if following.startswith(("Căn cứ", "-", "—")) or following.strip("-–— ") == "":
                break
            title_lines.append(following)
            if len(title_lines) == 4:
                break
        return doc_type, " ".join(title_lines)
    return "", ""


def describe(document: Document) -> Document:
    """The document with number, type, title and date filled in where they were empty."""
    header = document.text[:HEADER_CHARS]
    lines = _clean_lines(header)
    doc_type, title = _type_and_title(lines)
    number_match = _NUMBER.search(header)
    found = {
        "number": number_match.group(1).rstrip(".") if number_match else "",
        "type": doc_type,
        "title": title,
        "date": find_date(header),
    }
    return replace(document, **{name: value for name, value in found.items() if value and not getattr(document, name)})

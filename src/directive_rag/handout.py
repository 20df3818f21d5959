"""Lecture handouts for trainers: selected passages or citations as a DOCX or Markdown document.

Excerpts are grouped by document, documents in the order they were issued (undated ones last),
excerpts in text order within a document; the same span chosen twice appears once, keeping every
note the trainer wrote. Each excerpt carries its document's type, number, date and issuer, its
section path and page, so it can be cited as it stands.

Usage::

    handout = Handout("Phòng cháy, chữa cháy ở khu dân cư", [HandoutItem.from_hit(hit) for hit in hits])
    handout.write("handout.docx")        # or "handout.md"; handout.to_markdown() for the text
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from .models import Citation, DocumentInfo, Hit

DEFAULT_TITLE = "Tài liệu trích dẫn văn bản"
FORMATS = (".docx", ".md")


@dataclass
class HandoutItem(DocumentInfo):
    """One excerpt: its document, where it stands in it, the exact quote and the trainer's note."""

    section: str
    page: int | None
    quote: str
    start: int
    end: int
    chunk_id: str
    note: str = ""

    @classmethod
    def from_hit(cls, hit: Hit, note: str = "") -> "HandoutItem":
        return cls(hit.doc_id, hit.number, hit.title, hit.type, hit.date, hit.issuer, hit.section, hit.page,
                   hit.text, hit.start, hit.end, hit.chunk_id, note)

    @classmethod
    def from_citation(cls, citation: Citation, note: str = "") -> "HandoutItem":
        return cls(citation.doc_id, citation.number, citation.title, citation.type, citation.date, citation.issuer,
                   citation.section, citation.page, citation.quote, citation.start, citation.end, citation.chunk_id, note)

    @classmethod
    def from_dict(cls, data: dict) -> "HandoutItem":
        """From a hit, citation or provision as the JSON output prints it (a hit's ``text`` is its quote)."""
        values = {item.name: data.get(item.name) for item in fields(cls)}
        values["quote"] = data.get("quote", data.get("text")) or ""
        for name in ("doc_id", "number", "title", "type", "date", "issuer", "section", "chunk_id", "note"):
            values[name] = values[name] or ""
        values["start"], values["end"] = int(data.get("start") or 0), int(data.get("end") or 0)
        return cls(**values)

    def to_dict(self) -> dict:
        return asdict(self)


def format_date(date: str) -> str:
    """ "2018-05-16" -> "16/05/2018"; anything else as it is."""
    parts = date.split("-")
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        return f"{parts[2]}/{parts[1]}/{parts[0]}"
    return date


def document_name(item: HandoutItem) -> str:
    """ "Chỉ thị số 53-CT/ĐU" (or the title, or the id, when the number is unknown)."""
    if item.number:
        return f"{item.type} số {item.number}" if item.type else f"Văn bản số {item.number}"
    return item.title or item.doc_id


def source_line(item: HandoutItem) -> str:
    """Everything needed to cite an excerpt: type and number, date, issuer, section path, page."""
    parts = [document_name(item)]
    if item.date:
        parts.append(f"ngày {format_date(item.date)}")
    if item.issuer:
        parts.append(item.issuer)
    if item.section:
        parts.append(item.section)
    if item.page:
        parts.append(f"trang {item.page}")
    return "; ".join(parts)


def _quote_lines(quote: str) -> list[str]:
    """The quote's paragraphs, each on one line: a line that goes on in lower case continues the one before."""
    paragraphs: list[str] = []
    for line in quote.splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        if paragraphs and line[0].islower():
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    return paragraphs


class Handout:
    """``keep_order``: documents in the order their first excerpt is given, excerpts as given (for a
    trainer who arranged them), instead of documents by date and excerpts in text order."""

    def __init__(self, title: str, items: list[HandoutItem], keep_order: bool = False):
        self.title = " ".join((title or "").split()) or DEFAULT_TITLE
        self.items = list(items)
        self.keep_order = keep_order

    def groups(self) -> list[tuple[HandoutItem, list[HandoutItem]]]:
        """(first item of the document, its excerpts) per document, in the order of the handout."""
        merged: dict[tuple[str, int, int], HandoutItem] = {}
        for item in self.items:
            key = (item.doc_id, item.start, item.end)
            if key in merged:
                notes = [note for note in (merged[key].note, item.note) if note]
                merged[key] = replace(merged[key], note="\n".join(dict.fromkeys(notes)))
            else:
                merged[key] = item
        by_document: dict[str, list[HandoutItem]] = defaultdict(list)
        for item in merged.values():
            by_document[item.doc_id].append(item)
        if self.keep_order:
            return [(excerpts[0], excerpts) for excerpts in by_document.values()]
        ordered = sorted(
            by_document.values(),
            key=lambda excerpts: (not excerpts[0].date, excerpts[0].date, excerpts[0].number, excerpts[0].doc_id),
        )
        return [(excerpts[0], sorted(excerpts, key=lambda item: (item.start, item.end))) for excerpts in ordered]

    def _summary(self, groups) -> str:
        excerpts = sum(len(items) for _, items in groups)
        order = "" if self.keep_order else ", xếp theo thời gian ban hành"
        return f"Gồm {excerpts} đoạn trích từ {len(groups)} văn bản{order}."

    def to_markdown(self) -> str:
        groups = self.groups()
        lines = [f"# {self.title}", "", f"*{self._summary(groups)}*", ""]
        for number, (document, excerpts) in enumerate(groups, start=1):
            heading = document_name(document)
            if document.title and document.title != heading:
                heading += f" — {document.title}"
            lines += [f"## {number}. {heading}", ""]
            details = [("Loại văn bản", document.type), ("Số, ký hiệu", document.number),
                       ("Ngày ban hành", format_date(document.date)), ("Cơ quan ban hành", document.issuer)]
            lines += [f"- **{label}:** {value}" for label, value in details if value]
            lines.append("")
            for index, item in enumerate(excerpts, start=1):
                lines += [f"### Trích đoạn {number}.{index}" + (f": {item.section}" if item.section else ""), ""]
                lines += [f"> {line}" for line in _quote_lines(item.quote)] + [">", f"> — *{source_line(item)}*", ""]
                if item.note:
                    lines += [f"**Ghi chú:** {' '.join(item.note.split())}", ""]
        if not groups:
            lines += ["*(Chưa có đoạn trích nào.)*", ""]
        return "\n".join(lines).rstrip() + "\n"

    def write_docx(self, path: str | os.PathLike) -> Path:
        import docx
        from docx.shared import Pt

        groups = self.groups()
        document = docx.Document()
        document.core_properties.title = self.title
        document.core_properties.language = "vi-VN"
        document.add_heading(self.title, level=0)
        document.add_paragraph(self._summary(groups)).runs[0].italic = True
        for number, (first, excerpts) in enumerate(groups, start=1):
            heading = document_name(first)
            if first.title and first.title != heading:
                heading += f" — {first.title}"
            document.add_heading(f"{number}. {heading}", level=1)
            details = [("Loại văn bản", first.type), ("Số, ký hiệu", first.number),
                       ("Ngày ban hành", format_date(first.date)), ("Cơ quan ban hành", first.issuer)]
            for label, value in details:
                if value:
                    paragraph = document.add_paragraph(style="List Bullet")
                    paragraph.add_run(f"{label}: ").bold = True
                    paragraph.add_run(value)
            for index, item in enumerate(excerpts, start=1):
                document.add_heading(f"Trích đoạn {number}.{index}" + (f": {item.section}" if item.section else ""), level=2)
                for line in _quote_lines(item.quote):
                    document.add_paragraph(line, style="Quote")
                source = document.add_paragraph()
                run = source.add_run(f"Nguồn: {source_line(item)}")
                run.italic = True
                run.font.size = Pt(9)
                if item.note:
                    note = document.add_paragraph()
                    note.add_run("Ghi chú: ").bold = True
                    note.add_run(" ".join(item.note.split()))
        if not groups:
            document.add_paragraph("(Chưa có đoạn trích nào.)")
        path = Path(path)
        document.save(str(path))
        return path

    def write(self, path: str | os.PathLike) -> Path:
        """Write as DOCX or Markdown, by the file's suffix (.docx, .md)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".docx":
            return self.write_docx(path)
        if suffix in (".md", ".markdown"):
            path.write_text(self.to_markdown(), encoding="utf-8")
            return path
        raise ValueError(f"không hỗ trợ định dạng {path.suffix or '(không có đuôi)'}: hãy dùng tệp .docx hoặc .md")

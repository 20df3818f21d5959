"""Văn bản nào điều chỉnh?: the documents that cover an issue, their provisions and who cites them.

Each provision becomes a ``Citation`` (numbered across the report) so the same "open" and
"add to handout" buttons work on it as on an answer's citations.
"""

from __future__ import annotations

from ..handout import format_date
from ..library import Library
from ..models import Citation, CoveredDocument, Filters
from .errors import error_message
from .filter_inputs import describe_filters
from .render import (
    document_details,
    document_label,
    esc,
    excerpt_actions,
    message_html,
    place_details,
)

EMPTY_ISSUE_MESSAGE = "Vui lòng mô tả vấn đề cần xác định văn bản điều chỉnh."
NO_COVERAGE_MESSAGE = "Không có văn bản nào trong kho điều chỉnh vấn đề này."


def provision_citations(documents: list[CoveredDocument]) -> list[Citation]:
    """Every provision of the report as a Citation numbered 1, 2, … in report order."""
    citations = []
    for document in documents:
        for provision in document.provisions:
            citations.append(Citation(
                n=len(citations) + 1, doc_id=document.doc_id, number=document.number, title=document.title,
                section=provision.section, page=provision.page, quote=provision.quote,
                chunk_id=provision.chunk_id, start=provision.start, end=provision.end,
                type=document.type, date=document.date, issuer=document.issuer,
            ))
    return citations


def _reference_html(reference: dict) -> str:
    label = reference.get("number") or reference.get("doc_id", "")
    if reference.get("type") and reference.get("number"):
        label = f'{reference["type"]} {reference["number"]}'
    parts = [f"<strong>{esc(label)}</strong>"]
    if reference.get("title"):
        parts.append(f' — {esc(reference["title"])}')
    if reference.get("date"):
        parts.append(f' <span class="dr-meta">({esc(format_date(reference["date"]))})</span>')
    return f"<li>{''.join(parts)}</li>"


def _provision_card(citation: Citation, ref: int) -> str:
    place = " · ".join(place_details(citation.section, citation.page)) or "Đoạn văn bản"
    return (
        '<li class="dr-card">'
        f'<div class="dr-meta"><span class="dr-label">[{citation.n}]</span>{esc(place)}</div>'
        f'<blockquote class="dr-quote">{esc(citation.quote)}</blockquote>'
        f"{excerpt_actions(ref)}"
        "</li>"
    )


def _document_html(rank: int, document: CoveredDocument, citations: list[Citation], offset: int) -> str:
    title = f' — <span class="dr-title">{esc(document.title)}</span>' if document.title else ""
    details = document_details(document) + [f"mức độ liên quan {document.score:.3f}"]
    cards = "".join(_provision_card(citation, offset + i) for i, citation in enumerate(citations))
    references = ""
    if document.referenced_by:
        items = "".join(_reference_html(reference) for reference in document.referenced_by)
        references = (f'<div class="dr-subhead">Văn bản trong kho dẫn chiếu văn bản này</div>'
                      f'<ul class="dr-references">{items}</ul>')
    return (
        '<section class="dr-group">'
        f'<div class="dr-group-head"><span class="dr-label">{rank}.</span>'
        f"<strong>{esc(document_label(document))}</strong>{title}</div>"
        f'<div class="dr-meta">{esc(" · ".join(details))}</div>'
        f'<div class="dr-subhead">Các quy định liên quan</div><ol class="dr-cards">{cards}</ol>'
        f"{references}"
        "</section>"
    )


def coverage_view(library: Library, issue: str, k: int = 10,
                  filters: Filters | None = None) -> tuple[str, list[Citation]]:
    """The coverage report (safe HTML) and the provisions its buttons refer to."""
    if not (issue or "").strip():
        return message_html(EMPTY_ISSUE_MESSAGE), []
    try:
        coverage = library.covers(issue, k=int(k), filters=filters)
    except Exception as error:
        return message_html(error_message(error), is_error=True), []
    if not coverage.documents:
        return message_html(NO_COVERAGE_MESSAGE), []
    citations = provision_citations(coverage.documents)
    summary = f"{len(coverage.documents)} văn bản điều chỉnh «{issue.strip()}», xếp theo mức độ liên quan"
    if filters is not None:
        summary += f"; lọc theo {describe_filters(filters)}"
    parts, offset = [f'<div class="dr-summary">{esc(summary)}</div>'], 0
    for rank, document in enumerate(coverage.documents, start=1):
        own = citations[offset: offset + len(document.provisions)]
        parts.append(_document_html(rank, document, own, offset))
        offset += len(own)
    return "".join(parts), citations

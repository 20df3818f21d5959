"""Tìm kiếm: ranked passages grouped by document, each with "open" and "add to handout" buttons.

Documents appear in the order of their best passage; inside a document, passages keep their rank.
"""

from __future__ import annotations

from ..library import Library
from ..models import Filters, Hit
from .errors import error_message
from .filter_inputs import describe_filters
from .render import document_details, document_label, esc, excerpt_actions, message_html, place_details

EMPTY_QUERY_MESSAGE = "Vui lòng nhập nội dung cần tìm."
NO_RESULTS_MESSAGE = "Không tìm thấy đoạn văn bản nào phù hợp."
MODE_LABELS = {"hybrid": "Kết hợp", "dense": "Ngữ nghĩa", "lexical": "Từ khóa"}


def group_by_document(hits: list[Hit]) -> list[list[tuple[int, Hit]]]:
    """(position in ``hits``, hit) grouped per document, documents ordered by their best hit."""
    groups: dict[str, list[tuple[int, Hit]]] = {}
    for position, hit in enumerate(hits):
        groups.setdefault(hit.doc_id, []).append((position, hit))
    return list(groups.values())


def _passage_card(hit: Hit, ref: int) -> str:
    place = " · ".join(place_details(hit.section, hit.page))
    meta = f'<div class="dr-meta">{esc(place)}</div>' if place else ""
    return (
        '<li class="dr-card">'
        f'<div><span class="dr-label">#{hit.rank}</span><span class="dr-score">điểm {hit.score:.4f}</span></div>'
        f"{meta}"
        f'<div class="dr-passage">{esc(hit.text)}</div>'
        f"{excerpt_actions(ref)}"
        "</li>"
    )


def _group_html(group: list[tuple[int, Hit]]) -> str:
    first = group[0][1]
    title = f' — <span class="dr-title">{esc(first.title)}</span>' if first.title else ""
    details = document_details(first) + [f"{len(group)} đoạn phù hợp"]
    cards = "".join(_passage_card(hit, position) for position, hit in group)
    return (
        '<section class="dr-group">'
        f'<div class="dr-group-head"><strong>{esc(document_label(first))}</strong>{title}</div>'
        f'<div class="dr-meta">{esc(" · ".join(details))}</div>'
        f'<ol class="dr-cards">{cards}</ol>'
        "</section>"
    )


def render_hits(query: str, hits: list[Hit], mode: str, filters: Filters | None = None) -> str:
    groups = group_by_document(hits)
    summary = (
        f"{len(hits)} đoạn trong {len(groups)} văn bản cho «{query.strip()}» "
        f"(cách tìm: {MODE_LABELS.get(mode, mode)})"
    )
    if filters is not None:
        summary += f"; lọc theo {describe_filters(filters)}"
    return f'<div class="dr-summary">{esc(summary)}</div>' + "".join(_group_html(group) for group in groups)


def search_view(library: Library, query: str, k: int = 10, mode: str = "hybrid",
                filters: Filters | None = None) -> tuple[str, list[Hit]]:
    """The results page (safe HTML) and the hits its buttons refer to."""
    if not (query or "").strip():
        return message_html(EMPTY_QUERY_MESSAGE), []
    try:
        hits = library.search(query, k=int(k), mode=mode, filters=filters)
    except Exception as error:
        return message_html(error_message(error), is_error=True), []
    if not hits:
        suffix = f" (lọc theo {describe_filters(filters)})" if filters is not None else ""
        return message_html(NO_RESULTS_MESSAGE + suffix), []
    return render_hits(query, hits, mode, filters), hits


def search_html(library: Library, query: str, k: int = 10, mode: str = "hybrid",
                filters: Filters | None = None) -> str:
    return search_view(library, query, k, mode, filters)[0]

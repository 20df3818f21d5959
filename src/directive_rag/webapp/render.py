"""HTML building blocks shared by the tabs: messages, passage cards, action buttons, the document viewer.

Every value taken from a document, a user or a file name goes through ``esc`` (``html.escape``)
before it reaches the page, and no panel is ever rendered as Markdown, so a document that contains
``<script>`` or ``[a](javascript:…)`` shows those characters literally.

A passage ("excerpt") is a ``Hit`` or a ``Citation``: both carry the document's identity (doc_id,
type, number, title, date, issuer) and the passage's place in it (section, page, start, end).
"""

from __future__ import annotations

import html
import re
from typing import Union

from ..handout import format_date
from ..models import Citation, Hit

Excerpt = Union[Hit, Citation]

# Control characters and bidirectional overrides a user may type or paste: they would reach the page
# raw (NUL) or reorder what is shown after them (U+202E). Document text never holds them (normalize.py).
_UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

VIEWER_HINT = "Bấm vào một số [n] hoặc nút «Xem trong văn bản» để mở văn bản nguồn tại đoạn được trích."


def esc(value) -> str:
    """Text as HTML text: every character that could start markup is escaped, control characters dropped."""
    return html.escape(_UNSHOWABLE.sub("", "" if value is None else str(value)), quote=True)


def message_html(message: str, is_error: bool = False) -> str:
    css_class = "dr-message dr-error" if is_error else "dr-message"
    return f'<div class="{css_class}">{esc(message)}</div>'


def hint_html(message: str) -> str:
    return f'<div class="dr-hint">{esc(message)}</div>'


def document_label(item) -> str:
    """"Chỉ thị 53-CT/ĐU", or the document's id when it has no number."""
    if not item.number:
        return item.doc_id
    return f"{item.type} {item.number}" if item.type else item.number


def excerpt_text(excerpt: Excerpt) -> str:
    return excerpt.quote if isinstance(excerpt, Citation) else excerpt.text


def place_details(section: str, page: int | None) -> list[str]:
    details = [section] if section else []
    if page:
        details.append(f"trang {page}")
    return details


def document_details(item) -> list[str]:
    details = []
    if item.date:
        details.append(f"ngày {format_date(item.date)}")
    if item.issuer:
        details.append(item.issuer)
    return details


def source_html(item, with_document_details: bool = True) -> str:
    """The document's label and title, then section, page, date and issuer."""
    source = f"<strong>{esc(document_label(item))}</strong>"
    if item.title:
        source += f' — <span class="dr-title">{esc(item.title)}</span>'
    details = place_details(item.section, item.page)
    if with_document_details:
        details += document_details(item)
    meta = f'<div class="dr-meta">{esc(" · ".join(details))}</div>' if details else ""
    return f"<div>{source}</div>{meta}"


def action_button(action: str, ref: int, label: str, card: str = "", css_class: str = "dr-button") -> str:
    card_attribute = f' data-card="{esc(card)}"' if card else ""
    return (
        f'<button type="button" class="{css_class}" data-action="{esc(action)}" data-ref="{int(ref)}"'
        f"{card_attribute}>{esc(label)}</button>"
    )


def excerpt_actions(ref: int, card: str = "") -> str:
    """"Open in the document" and "add to the handout" for the passage numbered ``ref``."""
    return (
        '<div class="dr-actions">'
        f'{action_button("open", ref, "Xem trong văn bản", card)}'
        f'{action_button("add", ref, "Thêm vào trích đoạn")}'
        "</div>"
    )


def parse_ref(value, count: int) -> int | None:
    """The passage index a browser event names, when it is a valid index into ``count`` passages."""
    try:
        ref = int(str(value))
    except (TypeError, ValueError):
        return None
    return ref if 0 <= ref < count else None


def _fields_html(fields: list[tuple[str, str]]) -> str:
    rows = "".join(f"<dt>{esc(name)}</dt><dd>{esc(value)}</dd>" for name, value in fields if value)
    return f'<dl class="dr-fields">{rows}</dl>'


def document_html(document: dict | None, excerpt: Excerpt, label: str = "") -> str:
    """The whole text of the excerpt's document with the excerpt highlighted, under its metadata.

    ``document`` is ``Library.document(doc_id)``; offsets outside its text are clamped, so a
    stale excerpt still shows the document.
    """
    if document is None:
        return message_html(f"Văn bản {excerpt.doc_id} không còn trong kho.", is_error=True)
    text = document["text"]
    start = max(0, min(excerpt.start, len(text)))
    end = max(start, min(excerpt.end, len(text)))
    heading = f"{esc(label)} " if label else ""
    title = f' — <span class="dr-title">{esc(document["title"])}</span>' if document.get("title") else ""
    fields = _fields_html([
        ("Loại văn bản", document.get("type", "")),
        ("Số hiệu", document.get("number", "")),
        ("Ngày ban hành", format_date(document.get("date") or "")),
        ("Cơ quan ban hành", document.get("issuer", "")),
        ("Phần trích", excerpt.section),
        ("Trang", str(excerpt.page) if excerpt.page else ""),
        ("Mã văn bản", document["doc_id"]),
    ])
    return (
        '<div class="dr-viewer">'
        f'<div class="dr-viewer-head"><div>{heading}<strong>{esc(document_label(excerpt))}</strong>{title}</div>'
        f"{fields}</div>"
        f'<div class="dr-document">{esc(text[:start])}<mark class="dr-highlight">{esc(text[start:end])}</mark>'
        f"{esc(text[end:])}</div>"
        "</div>"
    )

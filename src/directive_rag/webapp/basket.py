"""Trích đoạn bài giảng: the handout basket — reorder, remove, annotate, export as DOCX or Markdown.

The basket is a list of ``HandoutItem`` in the session's state; every tab adds to it. Whenever it
(or the handout's title) changes, both files are written again, so the download buttons always
hold the current handout.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import unicodedata
from dataclasses import replace
from pathlib import Path

from ..handout import Handout, HandoutItem
from .render import action_button, esc, hint_html, parse_ref, source_html

DEFAULT_TITLE = "Trích đoạn bài giảng"
EMPTY_BASKET_HINT = (
    "Chưa có đoạn trích nào. Dùng nút «Thêm vào trích đoạn» ở các thẻ Hỏi đáp, Tìm kiếm "
    "và Văn bản nào điều chỉnh? để đưa đoạn văn bản vào đây."
)
MAX_NOTE_CHARS = 2000
EXPORT_FOLDER = "directive-rag-handouts"


def render_basket(items: list[HandoutItem]) -> str:
    """The basket as safe HTML: each excerpt with its source, its note field and its buttons."""
    if not items:
        return hint_html(EMPTY_BASKET_HINT)
    cards = []
    for position, item in enumerate(items):
        buttons = [
            action_button("up", position, "↑ Lên") if position > 0 else "",
            action_button("down", position, "↓ Xuống") if position < len(items) - 1 else "",
            action_button("remove", position, "✕ Bỏ khỏi trích đoạn"),
        ]
        cards.append(
            '<li class="dr-card">'
            f'<div><span class="dr-label">{position + 1}.</span></div>'
            f"{source_html(item)}"
            f'<blockquote class="dr-quote">{esc(item.quote)}</blockquote>'
            f'<textarea class="dr-note-input" data-action="note" data-ref="{position}" maxlength="{MAX_NOTE_CHARS}" '
            f'placeholder="Ghi chú của giảng viên cho đoạn này (lưu khi rời ô)">{esc(item.note)}</textarea>'
            f'<div class="dr-actions">{"".join(buttons)}</div>'
            "</li>"
        )
    documents = len({item.doc_id for item in items})
    summary = f"{len(items)} đoạn trích từ {documents} văn bản."
    return f'<div class="dr-summary">{esc(summary)}</div><ol class="dr-cards">{"".join(cards)}</ol>'


def basket_action(items: list[HandoutItem], data: dict) -> list[HandoutItem]:
    """The basket after a button or note field of its page was used (``data`` from the browser)."""
    data = data if isinstance(data, dict) else {}
    position = parse_ref(data.get("ref"), len(items))
    if position is None:
        return items
    items = list(items)
    action = data.get("action")
    if action == "up" and position > 0:
        items[position - 1], items[position] = items[position], items[position - 1]
    elif action == "down" and position < len(items) - 1:
        items[position + 1], items[position] = items[position], items[position + 1]
    elif action == "remove":
        del items[position]
    elif action == "note":
        note = str(data.get("note") or "")[:MAX_NOTE_CHARS].strip()
        items[position] = replace(items[position], note=note)
    return items


def ascii_slug(text: str, fallback: str = "trich-doan-bai-giang") -> str:
    """"Trích đoạn bài giảng" → "trich-doan-bai-giang", for download file names."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    slug = "".join(char if char.isascii() and char.isalnum() else "-" for char in text)
    slug = "-".join(part for part in slug.split("-") if part)[:80].strip("-")
    return slug or fallback


def export_files(items: list[HandoutItem], title: str) -> tuple[Path | None, Path | None]:
    """The handout as (DOCX, Markdown) files in a temporary folder named by their content; None when empty."""
    if not items:
        return None, None
    title = (title or "").strip() or DEFAULT_TITLE
    content = json.dumps([title, [item.to_dict() for item in items]], ensure_ascii=False, sort_keys=True)
    folder = Path(tempfile.gettempdir()) / EXPORT_FOLDER / hashlib.sha256(content.encode("utf-8")).hexdigest()[:24]
    folder.mkdir(parents=True, exist_ok=True)
    handout = Handout(title, items, keep_order=True)  # the trainer arranged the basket
    name = ascii_slug(title)
    return handout.write(folder / f"{name}.docx"), handout.write(folder / f"{name}.md")

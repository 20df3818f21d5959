"""What the buttons on a passage do, in every tab: open it in its document, add it to the handout.

A tab keeps the passages it shows in a list (its ``gr.State``); a button's ``data-ref`` is an index
into that list, so the browser never tells the server what a passage says, only which one it means.
"""

from __future__ import annotations

import gradio as gr

from ..handout import HandoutItem
from ..library import Library
from ..models import Citation
from .errors import error_message
from .render import Excerpt, document_html, message_html, parse_ref

ADDED_MESSAGE = "Đã thêm vào trích đoạn bài giảng ({count} đoạn)."
ALREADY_ADDED_MESSAGE = "Đoạn này đã có trong trích đoạn bài giảng."


def excerpt_label(excerpt: Excerpt) -> str:
    return f"[{excerpt.n}]" if isinstance(excerpt, Citation) else ""


def open_excerpt(library: Library, excerpt: Excerpt) -> str:
    """The document viewer's HTML: the excerpt's document, the excerpt highlighted."""
    try:
        document = library.document(excerpt.doc_id)
    except Exception as error:  # an index that went away between the answer and the click
        return message_html(f"Không mở được văn bản {excerpt.doc_id}: {error_message(error)}", is_error=True)
    return document_html(document, excerpt, excerpt_label(excerpt))


def handout_item(excerpt: Excerpt) -> HandoutItem:
    if isinstance(excerpt, Citation):
        return HandoutItem.from_citation(excerpt)
    return HandoutItem.from_hit(excerpt)


def same_passage(first: HandoutItem, second: HandoutItem) -> bool:
    return (first.doc_id, first.start, first.end) == (second.doc_id, second.start, second.end)


def add_to_basket(basket: list[HandoutItem], excerpt: Excerpt) -> list[HandoutItem]:
    item = handout_item(excerpt)
    if any(same_passage(item, present) for present in basket):
        gr.Info(ALREADY_ADDED_MESSAGE, duration=3)
        return basket
    basket = [*basket, item]
    gr.Info(ADDED_MESSAGE.format(count=len(basket)), duration=3)
    return basket


def excerpt_action(library: Library, excerpts: list[Excerpt], basket: list[HandoutItem], data: dict):
    """(viewer HTML, basket) after a passage button was pressed; ``gr.skip()`` for what did not change.

    ``data`` is the event's payload from the browser: ``{"action": "open"|"add", "ref": "3"}``.
    """
    data = data if isinstance(data, dict) else {}
    ref = parse_ref(data.get("ref"), len(excerpts))
    if ref is None:
        return gr.skip(), gr.skip()
    excerpt = excerpts[ref]
    if data.get("action") == "open":
        return open_excerpt(library, excerpt), gr.skip()
    if data.get("action") == "add":
        return gr.skip(), add_to_basket(basket, excerpt)
    return gr.skip(), gr.skip()

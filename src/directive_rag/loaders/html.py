"""HTML pages: markup, scripts, styles and navigation dropped; block structure kept as lines."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from ..models import Document
from .base import decode_text, make_document

_NON_CONTENT = ["script", "style", "noscript", "template", "svg", "nav", "header", "footer", "form", "iframe"]
_BLOCKS = [
    "p", "div", "section", "article", "main", "aside", "blockquote", "pre", "table", "ul", "ol",
    "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "dt", "dd", "hr",
]
_BLANK_RUNS = re.compile(r"\n[ \t\xa0]*(?:\n[ \t\xa0]*)+")


def html_to_text(markup: str) -> tuple[str, str]:
    """(title, text) of an HTML page."""
    soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for element in soup(_NON_CONTENT):
        element.decompose()
    if soup.title:
        soup.title.decompose()
    # Inline markup (<b>, <a>, <span>) joins its neighbours; blocks and <br> break lines.
    for element in soup.find_all("br"):
        element.replace_with("\n")
    for element in soup.find_all(["td", "th"]):
        element.insert_after(" | ")
    for element in soup.find_all(_BLOCKS):
        element.insert_before("\n\n" if element.name not in ("li", "tr", "dt", "dd") else "\n")
        element.insert_after("\n")
    lines = [" ".join(line.split()).strip(" |") for line in soup.get_text().splitlines()]
    text = _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
    return title, text


def load_html(path: Path, doc_id: str) -> list[Document]:
    title, text = html_to_text(decode_text(path.read_bytes()))
    return [make_document(doc_id, [text], source=str(path), title=title)]

"""Sentence spans inside a passage, for picking answer sentences and quotes."""

from __future__ import annotations

import re

# Candidate boundaries: end punctuation followed by whitespace, or a line break.
_CANDIDATE = re.compile(r"(?P<punct>[.!?;:…])\s+|\n\s*")
_ITEM_START = re.compile(r"[\-–•+*]|\d+(?:\.\d+)*[.)]?\s|[a-zđ]\)\s|[IVXLC]+\.\s|[(\[\"“']")
_LINE_LABEL = re.compile(
    r"(?:^|\n)[ \t*#]*(?:\d+(?:\.\d+)*|[IVXLC]+|[a-zđ]|(?:Điều|Chương|Mục|Phần)\s+[\dIVXLC]+\w*)$"
)
_HEADING_LINE = re.compile(r"^[ \t*#]*(?:Điều|Chương|Mục|Phần|CHƯƠNG|MỤC|PHẦN)\s+[\dIVXLC]")
_INITIAL = re.compile(r"(?:^|\s)\w$")
_TRAILING_MARKUP = " \t*_#|"


def _ends_line_as_unit(line: str) -> bool:
    """A line that ends with end punctuation, or is a heading, is complete on its own."""
    line = line.rstrip(_TRAILING_MARKUP)
    if not line:
        return True
    if line[-1] in ".;:!?…":
        return True
    letters = [char for char in line if char.isalpha()]
    return bool(_HEADING_LINE.match(line)) or (bool(letters) and all(char.isupper() for char in letters))


def is_heading(sentence: str) -> bool:
    """A structure heading ("Điều 2. Đối tượng áp dụng", "QUY ĐỊNH CHUNG") rather than a statement."""
    line = sentence.strip(_TRAILING_MARKUP)
    return "\n" not in line and line[-1:] not in (".", ";", ":", "!", "?", "…") and _ends_line_as_unit(line)


def is_item(sentence: str) -> bool:
    """A list item: "a) …", "- …", "2. …", "1.1. …"."""
    return bool(_ITEM_START.match(sentence)) and not sentence.startswith(("(", "[", '"', "“", "'"))


def is_lead_in(sentence: str) -> bool:
    """A line that introduces the items below it: it ends with ":" or carries no end punctuation
    ("9. Hộ gia đình, cá nhân có trách nhiệm")."""
    line = sentence.rstrip(_TRAILING_MARKUP)
    return line.endswith(":") or (bool(line) and line[-1] not in ".;!?…" and "\n" not in line)


def _is_boundary(text: str, match: re.Match) -> bool:
    gap = match.group(0)
    if gap.count("\n") > 1:
        return True
    following = match.end()
    if following >= len(text):
        return False
    if "\n" in gap and not match.group("punct"):
        # A single line break: a new item, or the end of a complete line, starts a sentence;
        # otherwise it is a hard wrap inside a sentence (PDFs, scraped pages).
        if _ITEM_START.match(text, following):
            return True
        line_start = text.rfind("\n", 0, match.start()) + 1
        return _ends_line_as_unit(text[line_start : match.start()]) and text[following].isupper()
    if not (text[following].isupper() or _ITEM_START.match(text, following)):
        return "\n" in gap and bool(_ITEM_START.match(text, following))
    if match.group("punct") != "." or "\n" in gap:
        return True
    # A period that ends an item label ("1.", "IV.", "Điều 5.") or an initial
    # ("A. Nguyễn") does not end the sentence.
    before = text[: match.start()]
    if _LINE_LABEL.search(before):
        return False
    return not (_INITIAL.search(before) and before[-1].isupper())


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of ``text``, shifted by ``offset``.

    Spans are trimmed of surrounding whitespace and never empty.
    """
    pieces = []
    position = 0
    for match in _CANDIDATE.finditer(text):
        if not _is_boundary(text, match):
            continue
        cut = match.start("punct") + 1 if match.group("punct") else match.start()
        pieces.append((position, cut))
        position = match.end()
    pieces.append((position, len(text)))
    spans = []
    for start, end in pieces:
        piece = text[start:end]
        stripped = piece.strip()
        if not stripped:
            continue
        start += len(piece) - len(piece.lstrip())
        spans.append((start + offset, start + len(stripped) + offset))
    return spans

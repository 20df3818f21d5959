"""The structure of Vietnamese official texts, and the heading path in force at any offset.

State texts: Phần, Chương, Mục, Điều N., khoản "1.", điểm "a)" (a b c d đ e g h …, no f).
Party texts: parts "I." / "I-", items "1.", "1.1.", "a)"; some Party regulations use Điều.
A regulation attached to a decision restarts at Điều 1 (or Chương I, I. …) after the decision's
own articles; it becomes a top-level unit named after its type line ("Quy chế").

A label counts only at the start of a line that follows the end of a sentence, a blank line or
another label, so cross-references wrapped onto a new line ("… tại khoản 2\\nĐiều 5 của Luật")
and "a)" inside a sentence are not structure. Markdown residue ("**Điều 2. …**") is tolerated.

Usage::

    sections = SectionIndex(text)
    sections.path_at(offset)        # "Chương I › Điều 2. Đối tượng áp dụng › Khoản 1"
    sections.section(start, end)    # the deepest unit holding the whole span
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

ATTACHMENT = "attachment"  # a text attached to a decision: "Quy chế", "Quy định" …
PART = "part"  # Phần
CHAPTER = "chapter"  # Chương
ROMAN = "roman"  # Party part "I."
SECTION = "section"  # Mục
ARTICLE = "article"  # Điều
CLAUSE = "clause"  # khoản "1." and Party items "1.", "1.1."
POINT = "point"  # điểm "a)"
_LEVELS = {ATTACHMENT: 0, PART: 1, CHAPTER: 2, ROMAN: 2, SECTION: 3, ARTICLE: 4, CLAUSE: 5, POINT: 8}
ARTICLE_LEVEL = _LEVELS[ARTICLE]
TITLE_LIMIT = 40
SEPARATOR = " › "

_LEADING_MARKUP = re.compile(r"[ \t*_#>|]*")
_INNER_MARKUP = r"[ \t*_]*"
_LABEL_GAP = r"[ \t*_]*(?:\n[ \t*_]*)?"  # "Điều 5", "**Điều ****5", "**Chương\nI**" (a line broken by conversion)
_PART_LABEL = re.compile(rf"(?:PHẦN|Phần){_LABEL_GAP}(?P<number>(?:THỨ|thứ)[ \t]+\w+|[IVXLC]+|\d+)\b")
_CHAPTER_LABEL = re.compile(rf"(?:CHƯƠNG|Chương){_LABEL_GAP}(?P<number>[IVXLC]+|\d+)\b")
_SECTION_LABEL = re.compile(rf"(?:MỤC|Mục){_LABEL_GAP}(?P<number>[IVXLC]+|\d+)\b")
_ARTICLE_LABEL = re.compile(rf"(?:Điều|ĐIỀU){_LABEL_GAP}(?P<number>\d+[a-zđ]?){_INNER_MARKUP}[.:]")
_ROMAN_LABEL = re.compile(rf"(?P<number>[IVXLC]+){_INNER_MARKUP}[.\-–](?=[ \t*_])")
# Components of at most two digits, so that "2.000.000 đồng" is not a clause.
_CLAUSE_LABEL = re.compile(r"(?P<number>\d{1,2}(?:\.\d{1,2}){0,2})(?P<dot>\.?)(?!\d)")
_POINT_LABEL = re.compile(r"(?P<number>[abcdđeghiklmnopqrstuvxy])\)")
_ATTACHMENT_TYPE = re.compile(
    r"^[ \t*_#>|]*(?P<type>QUY CHẾ|QUY ĐỊNH|ĐIỀU LỆ|HƯỚNG DẪN|KẾ HOẠCH|CHƯƠNG TRÌNH|ĐỀ ÁN|PHƯƠNG ÁN|"
    r"NỘI QUY|QUY TRÌNH|DANH MỤC|PHỤ LỤC)(?! CHUNG)(?![^\n]*[a-zđ])[^\n]*$",
    re.M,
)
_SENTENCE_END = ".:;!?…)\"”"
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_FIRST_NUMBERS = {"1", "I", "THỨ NHẤT"}
_FIRST_ROMAN_LIMIT = 20  # the first part met may be any up to XX
# Units whose first number after an article opens an attached text (Mục restarts in every chapter).
_RESTARTING = (PART, CHAPTER, ROMAN, ARTICLE)


@dataclass(frozen=True)
class Heading:
    """A structural unit's start: its kind, its number as written and its title (may be empty)."""

    start: int
    level: int
    label: str
    kind: str = ""
    number: str = ""
    title: str = ""


def _roman_value(numeral: str) -> int:
    values = [_ROMAN_VALUES[char] for char in numeral]
    return sum(-value if value < following else value for value, following in zip(values, values[1:] + [0]))


def _clean(text: str) -> str:
    return " ".join(text.replace("*", " ").replace("_", " ").split())


def _shorten(title: str) -> str:
    if len(title) <= TITLE_LIMIT:
        return title
    return title[: TITLE_LIMIT + 1].rsplit(" ", 1)[0].rstrip(",;:-–") + "…"


def _ends_unit(line: str) -> bool:
    """Whether a line completes a sentence or a heading, so that the next line may open a unit."""
    stripped = line.strip(" \t*_#>|")
    letters = [char for char in stripped if char.isalpha()]
    return (
        not stripped
        or stripped[-1] in _SENTENCE_END
        or line.rstrip().endswith("**")
        or (bool(letters) and all(char.isupper() for char in letters))
    )


def _opens_text(text: str, position: int) -> bool:
    """After a label: the line ends, or the text goes on with something other than a lowercase word."""
    position = _LEADING_MARKUP.match(text, position).end()
    return position >= len(text) or text[position] == "\n" or not text[position].islower()


def _title(text: str, label_end: int, line_end: int, bold: bool) -> tuple[str, int]:
    """The text after a label up to the end of its line, and where it ends.

    In Markdown a heading's title is the bold run, which may go on over a few lines; a bold
    run that closes right after the label ("**Điều 20.** Quy định này …") leaves no title.
    """
    rest_end = line_end
    if bold:
        closing = text.find("*", label_end)
        if closing >= 0 and text[label_end:closing].strip() == "":
            return "", line_end
        if closing > line_end and text.count("\n", line_end, closing) <= 2:
            rest_end = closing
    return _clean(text[label_end:rest_end]), max(rest_end, line_end)


def _is_title(kind: str, text: str) -> bool:
    """Whether the text after a label names the unit rather than being its first sentence."""
    if not text:
        return False
    if kind == ARTICLE:  # "Điều 3. Hiệu lực thi hành." is a title, a long sentence is not
        return not (text.endswith((";", ":")) or (text.endswith(".") and len(text.split()) > 10))
    return text[-1] not in ".;:!?"


def _stands_alone(text: str, line_end: int) -> bool:
    """A clause line is a heading when the next line does not carry on its sentence."""
    following = text[line_end + 1 : line_end + 3]
    return not following[:1].islower() or _POINT_LABEL.match(following) is not None


def _match_label(text: str, position: int) -> tuple[str, re.Match] | None:
    for kind, pattern in (
        (PART, _PART_LABEL), (CHAPTER, _CHAPTER_LABEL), (SECTION, _SECTION_LABEL), (ARTICLE, _ARTICLE_LABEL),
        (ROMAN, _ROMAN_LABEL), (CLAUSE, _CLAUSE_LABEL), (POINT, _POINT_LABEL),
    ):
        match = pattern.match(text, position)
        if match and _opens_text(text, match.end()):
            return kind, match
    return None


def _attachment(text: str, since: int, until: int) -> Heading:
    """The unit an attached text opens: at its type line ("QUY CHẾ") when there is one."""
    type_lines = list(_ATTACHMENT_TYPE.finditer(text, since, until))
    if not type_lines:
        return Heading(until, _LEVELS[ATTACHMENT], "Văn bản kèm theo", ATTACHMENT)
    match = type_lines[-1]
    name = match.group("type").capitalize()
    return Heading(match.start("type"), _LEVELS[ATTACHMENT], name, ATTACHMENT, title=name)


def _standalone_label(kind: str, number: str, title: str) -> str:
    if kind in (PART, CHAPTER, SECTION):
        word = {PART: "Phần", CHAPTER: "Chương", SECTION: "Mục"}[kind]
        return f"{word} {number.lower() if number.upper().startswith('THỨ') else number}"
    label = {ARTICLE: f"Điều {number}", ROMAN: f"{number}.", CLAUSE: number, POINT: f"{number})"}[kind]
    if title:
        separator = " " if kind in (ROMAN, CLAUSE) else ". "
        return f"{label}{separator}{_shorten(title)}"
    return label


def _lines(text: str):
    """(start, end) of every line, without its line break."""
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield start, end
        start = end + 1


def _read_unit(text: str, line_start: int, content: int) -> tuple[Heading, int] | None:
    """The unit whose label opens the line at ``content``, and where its heading ends."""
    found = _match_label(text, content)
    if found is None:
        return None
    kind, match = found
    number = match.group("number")
    if kind == CLAUSE:
        if not (match.group("dot") or "." in number):
            return None  # "5 cán bộ": a bare number is not a clause
        number += "."
    label_end = text.find("\n", match.end())
    label_end = len(text) if label_end < 0 else label_end
    title, end = "", label_end
    if kind != POINT:
        title, end = _title(text, match.end(), label_end, "*" in text[line_start:content])
        if not _is_title(kind, title) or (kind == CLAUSE and not _stands_alone(text, end)):
            title, end = "", label_end
    title = title.rstrip(".")
    level = _LEVELS[kind] + (number.count(".") - 1 if kind == CLAUSE else 0)
    return Heading(content, level, _standalone_label(kind, number, title), kind, number, title), end


def parse(text: str) -> list[Heading]:
    """Every structural unit of ``text`` in order: headings, clauses and points."""
    headings: list[Heading] = []
    previous_roman = 0
    article_seen = False
    follows_unit = True
    heading_end = 0
    for line_start, line_end in _lines(text):
        if line_start < heading_end:  # the tail of a heading read over several lines
            continue
        content = _LEADING_MARKUP.match(text, line_start).end()
        read = _read_unit(text, line_start, content) if follows_unit and content < line_end else None
        if read and read[0].kind == ROMAN:
            # Party parts count I, II, III … (a passage may begin at any of them), so "C. Mác"
            # opening a line is not a part.
            value = _roman_value(read[0].number)
            in_sequence = value in (1, previous_roman + 1) or (not previous_roman and value <= _FIRST_ROMAN_LIMIT)
            read = read if in_sequence else None
            previous_roman = value if read else previous_roman
        if read is None:
            follows_unit = _ends_unit(text[line_start:line_end])
            continue
        unit, heading_end = read
        if unit.kind in _RESTARTING and unit.number.upper() in _FIRST_NUMBERS and article_seen:
            headings.append(_attachment(text, headings[-1].start, unit.start))
            article_seen = False
        article_seen = article_seen or unit.kind == ARTICLE
        headings.append(unit)
        follows_unit = True
    return headings


def find_headings(text: str) -> list[Heading]:
    """The units that name a place in the text: parts, chapters, articles, and titled items.

    Clauses and points whose line is body text are left out (see ``parse`` for everything).
    """
    return [heading for heading in parse(text) if heading.level <= ARTICLE_LEVEL or heading.title]


class SectionIndex:
    """Answers "which heading path is in force at this offset?"."""

    def __init__(self, text: str):
        self.headings = parse(text)
        self._starts = [heading.start for heading in self.headings]
        self._paths: list[tuple[int, ...]] = []
        self._labels: list[str] = []
        stack: list[int] = []
        for index, heading in enumerate(self.headings):
            while stack and self.headings[stack[-1]].level >= heading.level:
                stack.pop()
            in_article = any(self.headings[open_index].kind == ARTICLE for open_index in stack)
            stack.append(index)
            self._paths.append(tuple(stack))
            self._labels.append(self._label(heading, in_article))

    @staticmethod
    def _label(heading: Heading, in_article: bool) -> str:
        if in_article and heading.kind == CLAUSE and heading.number.count(".") == 1:
            return f"Khoản {heading.number.rstrip('.')}"
        if in_article and heading.kind == POINT:
            return f"Điểm {heading.number}"
        return heading.label

    def _path_indexes(self, offset: int) -> tuple[int, ...]:
        position = bisect.bisect_right(self._starts, offset) - 1
        return self._paths[position] if position >= 0 else ()

    def _render(self, indexes: tuple[int, ...]) -> str:
        return SEPARATOR.join(self._labels[index] for index in indexes)

    def path_at(self, offset: int) -> str:
        return self._render(self._path_indexes(offset))

    def section(self, start: int, end: int) -> str:
        """The path of the deepest unit holding all of ``[start, end)``."""
        first, last = self._path_indexes(start), self._path_indexes(max(start, end - 1))
        common = 0
        while common < min(len(first), len(last)) and first[common] == last[common]:
            common += 1
        return self._render(first[:common])

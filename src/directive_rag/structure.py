"""Best-effort section headings, so each passage can say where in its document it sits.

Recognizes the heading lines of State texts (Phần, Chương, Mục, Điều) and the Roman-numeral
parts of Party texts. A fuller parser (khoản, điểm, Party 1./1.1. items) can replace
``find_headings`` without changing its callers.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_MARKUP = r"[ \t#*_>|]*"
_HEADINGS = [
    (0, re.compile(rf"^{_MARKUP}(?:PHẦN|Phần)[ \t]+(?:THỨ[ \t]+\w+|[IVXLC]+|\d+)\b.*$", re.M)),
    (1, re.compile(rf"^{_MARKUP}(?:CHƯƠNG|Chương)[ \t]+(?:[IVXLC]+|\d+)\b.*$", re.M)),
    (1, re.compile(rf"^{_MARKUP}[IVXLC]+\.[ \t]+\S.*$", re.M)),
    (2, re.compile(rf"^{_MARKUP}(?:MỤC|Mục)[ \t]+\d+\b.*$", re.M)),
    (3, re.compile(rf"^{_MARKUP}Điều[ \t]+\d+[a-zđ]?[ \t]*[.:].*$", re.M)),
]
_LABEL_LENGTH = 60


@dataclass(frozen=True)
class Heading:
    start: int
    level: int
    label: str


def _label(line: str) -> str:
    label = " ".join(line.replace("*", " ").replace("#", " ").replace("|", " ").split())
    if len(label) > _LABEL_LENGTH:
        label = label[:_LABEL_LENGTH].rsplit(" ", 1)[0] + "…"
    return label


def find_headings(text: str) -> list[Heading]:
    headings = [
        Heading(match.start(), level, _label(match.group(0)))
        for level, pattern in _HEADINGS
        for match in pattern.finditer(text)
    ]
    return sorted(headings, key=lambda heading: heading.start)


class SectionIndex:
    """Answers "which heading path is in force at this offset?"."""

    def __init__(self, text: str):
        self._headings = find_headings(text)
        self._starts = [heading.start for heading in self._headings]

    def path_at(self, offset: int) -> str:
        active: dict[int, str] = {}
        for heading in self._headings[: bisect.bisect_right(self._starts, offset)]:
            active = {level: label for level, label in active.items() if level < heading.level}
            active[heading.level] = heading.label
        return " › ".join(active[level] for level in sorted(active))

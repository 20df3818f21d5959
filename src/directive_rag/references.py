"""Mentions of other documents in a text, and their resolution to documents of the library.

A mention is a document number in any form ("53-CT/ĐU", "30/2020/NĐ-CP", "187/QĐ-TTg",
"Luật số 50/2019/QH14"), a type with a bare number ("Chỉ thị 53", "Chỉ thị số 53", "CT 53"),
or a Party plenum ("Nghị quyết Trung ương 4 khóa XII", read as 04-NQ/TW of that term). A date
("ngày 16/5/2018") and an issuer ("của Bộ Chính trị", "khóa XII") right after it are kept.

Every mention gets a key: a full number its canonical number ("53-CT/ĐU"), a type with a bare
number a short key ("Chỉ thị 53"). A key resolves to a library document by exact canonical number,
or, for a short key, when exactly one library document has that type and leading number.

Usage::

    for reference in find_references(text):
        print(reference.key, text[reference.start : reference.end])
    Resolver(catalog.identities()).resolve("Chỉ thị 53")   # "chi-thi-53-ct-du.txt", or None
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from .models import Chunk, Document
from .understand import canonical_number, find_date, type_from_number

_TYPES = (
    "Chỉ thị|Nghị quyết liên tịch|Nghị quyết|Quy định|Hướng dẫn|Kết luận|Quyết định|Thông tư liên tịch|"
    "Thông tư|Nghị định|Bộ luật|Luật|Pháp lệnh|Kế hoạch|Thông báo|Thông tri|Công văn|Công điện|Quy chế|"
    "Đề án|Phương án|Chương trình|Báo cáo|Tờ trình"
    # Written in lower case (in a query) only those that are no verb: "quy định 5 loại" names no document.
    "|chỉ thị|nghị quyết|nghị định|thông tư"
)
# The abbreviations people put before a bare number ("CT 53"); Party "QĐ" may also be a Quy định,
# but a bare "QĐ 15" is read the State way.
_ABBREVIATIONS = {
    "CT": "Chỉ thị", "NQ": "Nghị quyết", "QĐi": "Quy định", "QĐ": "Quyết định", "KL": "Kết luận",
    "HD": "Hướng dẫn", "KH": "Kế hoạch", "NĐ": "Nghị định", "QC": "Quy chế", "CTr": "Chương trình", "ĐA": "Đề án",
}
_CODE = r"[A-ZĐ][A-Za-zĐđ0-9]*"
# Party "53-CT/ĐU", "08-QĐi/TU"; State "187/QĐ-TTg", "30/2020/NĐ-CP", "50/2019/QH14".
_NUMBER = rf"\d{{1,5}}[a-z]?(?:-{_CODE}/{_CODE}(?:-{_CODE})*|(?:/(?:19|20)\d\d)?/{_CODE}(?:-{_CODE})*)"
_FULL_NUMBER = re.compile(rf"(?<![\w/.-])(?:(?P<type>{_TYPES})\s+(?:số\s*:?\s*)?)?(?P<number>{_NUMBER})(?![\w/-])")
# A bare number, but not a year ("Kế hoạch 2026"), a period ("Báo cáo 6 tháng") or part of a longer number.
_BARE_NUMBER = r"(?P<number>(?!(?:19|20)\d\d\b)\d{1,5})(?![\w/-]|[.,]\d|\s*(?:tháng|quý|tuần|lần|giờ|%))"
_TYPED_SHORT_NUMBER = re.compile(rf"(?<!\w)(?P<type>{_TYPES})\s+(?:số\s+)?{_BARE_NUMBER}")
_ABBREVIATED_NUMBER = re.compile(
    rf"(?<![\w/-])(?P<code>{'|'.join(sorted(_ABBREVIATIONS, key=len, reverse=True))})\s+(?:số\s+)?{_BARE_NUMBER}"
)
_ORDINALS = {
    "một": 1, "nhất": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8,
    "chín": 9, "mười": 10, "mười một": 11, "mười hai": 12, "mười ba": 13, "mười bốn": 14, "mười lăm": 15,
}
# "Trung ương 4", "lần thứ tư"; not "Trung ương năm 2016".
_PLENUM_NUMBER = rf"(?:\d{{1,2}}|{'|'.join(sorted(_ORDINALS, key=len, reverse=True))})\b(?!\s*\d)"
_TERM = r"(?:khóa|khoá|Khóa|Khoá|KHÓA|KHOÁ)\s+(?P<term>[IVXL]+)\b"
_PLENUM = re.compile(
    r"Nghị quyết\s+(?:Hội nghị\s+)?(?:"
    rf"(?:Trung ương|TƯ|TW)\s+(?:lần\s+thứ\s+)?(?P<short>{_PLENUM_NUMBER})"
    rf"|lần\s+thứ\s+(?P<long>{_PLENUM_NUMBER})\s+Ban Chấp hành Trung ương(?:\s+Đảng)?"
    rf")(?:\s*[(,]?\s*{_TERM}\)?)?"
)
_DATE_AFTER = re.compile(
    r"\s*,?\s*(?:ban hành\s+)?ngày\s*\d{1,2}(?:\s*tháng\s*|\s*[/.-]\s*)\d{1,2}(?:\s*năm\s*|\s*[/.-]\s*)\d{4}"
)
# Words that end an issuer's name: what the document does ("về …", "quy định …", "phê duyệt …").
_ISSUER_STOP = (
    r"về|Về|v/v|V/v|quy|Quy|hướng|Hướng|ban hành|Ban hành|sửa|Sửa|phê|Phê|xác|giao|thực|đã|được|và|tại|"
    r"trong|thì|là|có|năm|ngày|nhằm|đối|cho|theo|khóa|khoá|với|đến|trên|từ|này|đó"
)
_ISSUER_AFTER = re.compile(rf"\s*,?\s*của\s+(?P<issuer>[A-ZĐÂĂÊÔƠƯ]\w*(?:\s+(?!(?:{_ISSUER_STOP})\b)\w+){{0,7}})")
_TERM_AFTER = re.compile(rf"\s*,?\s*\(?{_TERM}\)?")
# The month each Party Congress opened a term, to tell 04-NQ/TW of term XII from that of term XI.
_TERM_OPENINGS = [
    ("VIII", "1996-06"), ("IX", "2001-04"), ("X", "2006-04"), ("XI", "2011-01"),
    ("XII", "2016-01"), ("XIII", "2021-01"), ("XIV", "2026-01"),
]
_TERM_MONTHS = {  # term -> (its first month, the next term's first month)
    name: (opening, following)
    for (name, opening), (_, following) in zip(_TERM_OPENINGS, [*_TERM_OPENINGS[1:], ("", "9999-99")])
}
_LEADING_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Reference:
    """One mention of a document: ``text[start:end]`` of the text it was found in."""

    start: int
    end: int
    key: str
    type: str = ""
    date: str = ""
    issuer: str = ""
    term: str = ""


def short_key(doc_type: str, number: str) -> str:
    """The key of a type with a bare number: ("Chỉ thị", "053") -> "Chỉ thị 53"."""
    return f"{doc_type} {int(number)}"


def _details(text: str, end: int) -> tuple[str, str, str]:
    """Date, issuer and term written right after a mention that ends at ``end``."""
    date = issuer = term = ""
    match = _DATE_AFTER.match(text, end)
    if match:
        date, end = find_date(match.group(0)), match.end()
    match = _ISSUER_AFTER.match(text, end)
    if match:
        issuer, end = " ".join(match.group("issuer").split()), match.end()
    match = _TERM_AFTER.match(text, end)
    if match:
        term = match.group("term")
    return date, issuer, term


def _plenum_number(word: str) -> int:
    return int(word) if word.isdigit() else _ORDINALS[word]


def _candidates(text: str):
    """(start, end, key, type, term) of every mention, most specific patterns first."""
    for match in _PLENUM.finditer(text):
        number = _plenum_number(match.group("short") or match.group("long"))
        yield match.start(), match.end(), canonical_number(f"{number}-NQ/TW"), "Nghị quyết", match.group("term") or ""
    for match in _FULL_NUMBER.finditer(text):
        key = canonical_number(match.group("number"))
        if key:
            doc_type = match.group("type").capitalize() if match.group("type") else type_from_number(key)
            yield match.start(), match.end(), key, doc_type, ""
    for match in _TYPED_SHORT_NUMBER.finditer(text):
        doc_type = match.group("type").capitalize()
        yield match.start(), match.end(), short_key(doc_type, match.group("number")), doc_type, ""
    for match in _ABBREVIATED_NUMBER.finditer(text):
        doc_type = _ABBREVIATIONS[match.group("code")]
        yield match.start(), match.end(), short_key(doc_type, match.group("number")), doc_type, ""


def find_references(text: str) -> list[Reference]:
    """Every mention of a document in ``text``, in order; overlapping readings keep the first found."""
    taken: list[tuple[int, int]] = []
    references = []
    for start, end, key, doc_type, term in _candidates(text):
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        taken.append((start, end))
        date, issuer, written_term = _details(text, end)
        references.append(Reference(start, end, key, doc_type, date, issuer, term or written_term))
    return sorted(references, key=lambda reference: reference.start)


def passage_references(document: Document, chunks: list[Chunk]) -> list[tuple[int, Reference]]:
    """The document's mentions of other documents, each with the order of a passage holding it."""
    own_number = canonical_number(document.number) if document.number else ""
    starts = [chunk.start for chunk in chunks]
    held = []
    for reference in find_references(document.text):
        position = bisect.bisect_right(starts, reference.start) - 1
        if reference.key != own_number and position >= 0 and reference.start < chunks[position].end:
            held.append((chunks[position].order, reference))
    return held


def _within_term(date: str, term: str) -> bool:
    """Whether a document dated ``date`` belongs to Party term ``term`` (unknown dates and terms fit)."""
    if not term or not date or term not in _TERM_MONTHS:
        return True
    first, following = _TERM_MONTHS[term]
    return first <= date[:7] < following


class Resolver:
    """Resolves reference keys to the library's documents.

    ``documents`` are mappings with ``doc_id``, ``number``, ``type`` and ``date``, as
    ``Catalog.identities()`` returns them.
    """

    def __init__(self, documents: Iterable[dict]):
        self._by_number: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._by_short_key: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for document in documents:
            number = canonical_number(document["number"]) if document["number"] else ""
            if number:
                self._by_number[number].append((document["doc_id"], document["date"]))
            doc_type = document["type"] or type_from_number(number)
            leading = _LEADING_NUMBER.match(number)
            if doc_type and leading:
                self._by_short_key[short_key(doc_type, leading.group())].append((document["doc_id"], document["date"]))

    def resolve(self, key: str, term: str = "") -> str | None:
        """The one library document ``key`` names, or None when none or several fit."""
        candidates = self._by_number.get(key, []) if "/" in key else self._by_short_key.get(key, [])
        found = [doc_id for doc_id, date in candidates if _within_term(date, term)]
        return found[0] if len(found) == 1 else None

    def named_documents(self, references: Iterable[Reference]) -> list[str]:
        """The library documents the references name, in order of first mention."""
        named = (self.resolve(reference.key, reference.term) for reference in references)
        return list(dict.fromkeys(doc_id for doc_id in named if doc_id))


class ReferenceGraph:
    """Which library documents mention which, from the references stored at ingest."""

    def __init__(self, catalog):
        resolver = Resolver(catalog.identities())
        self._cites: dict[str, set[str]] = defaultdict(set)
        self._cited_by: dict[str, set[str]] = defaultdict(set)
        for doc_id, key, term in catalog.reference_keys():
            target = resolver.resolve(key, term)
            if target and target != doc_id:
                self._cites[doc_id].add(target)
                self._cited_by[target].add(doc_id)

    def cites(self, doc_id: str) -> list[str]:
        return sorted(self._cites.get(doc_id, ()))

    def cited_by(self, doc_id: str) -> list[str]:
        return sorted(self._cited_by.get(doc_id, ()))

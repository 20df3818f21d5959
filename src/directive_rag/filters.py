"""Search filters: which documents a query may draw from, resolved to the passage rows they own.

Filters are applied inside both retrieval modes before fusion (FAISS through an id selector,
BM25 through a score mask), so the k results are the best k among the allowed documents.
"""

from __future__ import annotations

import re

import numpy as np

from .catalog import Catalog
from .models import Filters
from .normalize import match_key
from .understand import canonical_number

_LEADING_NUMBER = re.compile(r"\d+")


def _number_matches(wanted: str, number: str) -> bool:
    """ "53-CT/ĐU" matches itself in any spelling; a bare "53" matches every number starting with 53."""
    if not number:
        return False
    wanted = wanted.strip()
    if wanted.isdigit():
        leading = _LEADING_NUMBER.match(number)
        return bool(leading) and int(leading.group(0)) == int(wanted)
    return (canonical_number(wanted.upper()) or wanted).lower() == number.lower()


def _year(date: str) -> int | None:
    return int(date[:4]) if len(date) >= 4 and date[:4].isdigit() else None


def document_matches(filters: Filters, document: dict) -> bool:
    """Whether a document's metadata (type, issuer, number, date) passes every filter that is set."""
    if filters.types and match_key(document["type"]) not in {match_key(kind) for kind in filters.types}:
        return False
    if filters.issuers and not any(match_key(issuer) in match_key(document["issuer"]) for issuer in filters.issuers):
        return False
    if filters.numbers and not any(_number_matches(wanted, document["number"]) for wanted in filters.numbers):
        return False
    if filters.year_from or filters.year_to:
        year = _year(document["date"])
        if year is None:
            return False
        if filters.year_from and year < filters.year_from:
            return False
        if filters.year_to and year > filters.year_to:
            return False
    return True


def allowed_rows(catalog: Catalog, filters: Filters) -> np.ndarray:
    """Sorted row ids of the passages of every document passing ``filters``."""
    doc_ids = [document["doc_id"] for document in catalog.list_documents() if document_matches(filters, document)]
    return catalog.chunk_rows(doc_ids)

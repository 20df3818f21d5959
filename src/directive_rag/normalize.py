"""Text normalization applied to every document at load and to every query.

This is the seam for the fuller Vietnamese normalization (tone-mark placement, legacy
encodings, line-break repair); whatever it does, spans in the index point into its output.
"""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\x00]")


def normalize_text(text: str) -> str:
    """NFC, one kind of line break, no invisible characters."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    return unicodedata.normalize("NFC", text)


def normalize_query(query: str) -> str:
    """Queries get the same treatment as documents, folded onto one line."""
    return " ".join(normalize_text(query).split())

"""Syllable tokenization for the lexical index.

Vietnamese words are written as space-separated syllables; a syllable with its diacritics
is the baseline unit of lexical matching. One-letter syllables ("ở", "ý", "a") are kept
and nothing is treated as a stopword, because short function syllables often decide the
meaning of an administrative phrase. Tone marks are put in one place first, so "hoà" and
"hòa", "thuỷ" and "thủy" are the same token.
"""

from __future__ import annotations

import re

from .normalize import match_key

_SYLLABLE = re.compile(r"\w+")


def syllables(text: str) -> list[str]:
    """Lower-cased syllables (letters with diacritics, digits) of ``text``, tone marks in one place."""
    return _SYLLABLE.findall(match_key(text))

"""Tokenization for the lexical index: syllables, optionally with syllable bigrams.

Vietnamese words are written as space-separated syllables; a syllable with its diacritics
is the baseline unit of lexical matching. One-letter syllables ("ở", "ý", "a") are kept
and nothing is treated as a stopword, because short function syllables often decide the
meaning of an administrative phrase. Tone marks are put in one place first, so "hoà" and
"hòa", "thuỷ" and "thủy" are the same token.

Bigrams of adjacent syllables ("trách_nhiệm") stand in for two-syllable words, which most
Vietnamese words are, without a word segmenter; eval/RESULTS.md compares the analyzers.
"""

from __future__ import annotations

import re
from typing import Callable

from .normalize import match_key

_SYLLABLE = re.compile(r"\w+")


def syllables(text: str) -> list[str]:
    """Lower-cased syllables (letters with diacritics, digits) of ``text``, tone marks in one place."""
    return _SYLLABLE.findall(match_key(text))


def syllables_and_bigrams(text: str) -> list[str]:
    """The syllables of ``text`` followed by every pair of adjacent syllables joined by "_"."""
    units = syllables(text)
    return units + [f"{first}_{second}" for first, second in zip(units, units[1:])]


ANALYZERS: dict[str, Callable[[str], list[str]]] = {
    "syllables": syllables,
    "syllables+bigrams": syllables_and_bigrams,
}


def analyzer(name: str) -> Callable[[str], list[str]]:
    try:
        return ANALYZERS[name]
    except KeyError:
        raise ValueError(f"Cách tách từ không hợp lệ: {name!r} (chọn một trong {', '.join(ANALYZERS)})") from None

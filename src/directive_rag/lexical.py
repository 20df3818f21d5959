"""Lexical search: BM25 over Vietnamese syllables (optionally with bigrams), keyed by chunk row id.

The index is a term-major sparse matrix of precomputed BM25 weights (the Lucene variant,
k1 = 1.5, b = 0.75), built in batches with numpy so that a million passages fit in a few GB,
and saved as plain arrays that are memory-mapped on load. A query adds up the rows of its terms.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from .tokenize import analyzer

K1 = 1.5
B = 0.75
BUILD_BATCH = 20_000  # passages analyzed and counted together
ENGINE = "bm25"

_SETTINGS_FILE = "settings.json"
_TERMS_FILE = "terms.json"
_ARRAYS = ("row_ids", "lengths", "starts", "positions", "counts", "weights")


@dataclass(frozen=True)
class LexicalSettings:
    """How passages become terms: the analyzer (tokenize.ANALYZERS) and whether each passage is
    indexed under its context (document type, number, title and section path) as well."""

    # Defaults chosen on the tune splits of ALQAC and UIT (eval/RESULTS.md, eval/tune_retrieval.py).
    tokens: str = "syllables+bigrams"
    with_context: bool = True

    @classmethod
    def from_dict(cls, data: dict) -> "LexicalSettings":
        return cls(data.get("tokens", cls.tokens), bool(data.get("with_context", cls.with_context)))

    def to_dict(self) -> dict:
        return {"engine": ENGINE, **asdict(self)}


class LexicalIndex:
    """``weights[starts[t]:starts[t + 1]]`` are term t's BM25 weights in the passages at
    ``positions[starts[t]:starts[t + 1]]`` (``counts``: how often the term occurs there);
    ``row_ids[position]`` is a passage's chunk row id, in increasing order, ``lengths[position]``
    its number of terms."""

    def __init__(self, terms: dict[str, int], row_ids: np.ndarray, lengths: np.ndarray, starts: np.ndarray,
                 positions: np.ndarray, counts: np.ndarray, weights: np.ndarray,
                 settings: LexicalSettings = LexicalSettings()):
        self._terms = terms
        self._row_ids = row_ids
        self._lengths = lengths
        self._starts = starts
        self._positions = positions
        self._counts = counts
        self._weights = weights
        self.settings = settings
        self._analyze = analyzer(settings.tokens)

    @classmethod
    def empty(cls, settings: LexicalSettings = LexicalSettings()) -> "LexicalIndex":
        no_rows, no_postings = np.zeros(0, np.int64), np.zeros(0, np.int32)
        return cls({}, no_rows, no_rows.astype(np.float32), np.zeros(1, np.int64), no_postings,
                   no_postings.astype(np.uint16), no_postings.astype(np.float32), settings)

    @classmethod
    def build(cls, passages: Iterable[tuple[int, str]], settings: LexicalSettings = LexicalSettings()) -> "LexicalIndex":
        """Index (row id, text) pairs, which may come from a generator."""
        return cls.empty(settings).updated(np.zeros(0, np.int64), passages)

    @property
    def row_ids(self) -> np.ndarray:
        return self._row_ids

    def updated(self, removed: np.ndarray, added: Iterable[tuple[int, str]]) -> "LexicalIndex":
        """A new index: this one without the passages of the ``removed`` row ids, plus the ``added``
        (row id, text) pairs. Only the added passages are analyzed; every weight is recomputed, since
        term rarity and the average length change with the collection."""
        keep = ~np.isin(self._row_ids, removed)
        renumbered = np.cumsum(keep, dtype=np.int64) - 1
        term_of_posting = np.repeat(np.arange(len(self._starts) - 1, dtype=np.int32), np.diff(self._starts))
        kept_postings = keep[self._positions]
        owners = [renumbered[self._positions[kept_postings]].astype(np.int32)]
        term_ids = [term_of_posting[kept_postings]]
        counts = [np.asarray(self._counts)[kept_postings]]
        lengths = [np.asarray(self._lengths)[keep]]
        ids = [np.asarray(self._row_ids)[keep]]

        terms: defaultdict[str, int] = defaultdict(None, self._terms)
        terms.default_factory = terms.__len__  # a new term gets the next id, without leaving C code
        first = len(ids[0])
        batch_ids: list[int] = []
        batch_terms: list[np.ndarray] = []
        for row_id, text in added:
            batch_ids.append(row_id)
            batch_terms.append(np.fromiter(map(terms.__getitem__, self._analyze(text)), np.int64))
            if len(batch_terms) == BUILD_BATCH:
                first = _count_batch(batch_ids, batch_terms, first, ids, owners, term_ids, counts, lengths)
                batch_ids, batch_terms = [], []
        _count_batch(batch_ids, batch_terms, first, ids, owners, term_ids, counts, lengths)
        return LexicalIndex._assemble(dict(terms), *map(np.concatenate, (ids, lengths, owners, term_ids, counts)),
                                      self.settings)

    @classmethod
    def _assemble(cls, terms: dict[str, int], row_ids: np.ndarray, lengths: np.ndarray, owners: np.ndarray,
                  term_ids: np.ndarray, counts: np.ndarray, settings: LexicalSettings) -> "LexicalIndex":
        """The index of (passage position, term, count) postings: BM25 weights, grouped by term."""
        if np.any(row_ids[1:] <= row_ids[:-1]):  # sorted row ids let a filter find its passages by bisection
            order = np.argsort(row_ids, kind="stable")
            row_ids, lengths = row_ids[order], lengths[order]
            owners = np.argsort(order).astype(np.int32)[owners]
        frequencies = np.bincount(term_ids, minlength=len(terms))
        idf = np.log1p((len(row_ids) - frequencies + 0.5) / (frequencies + 0.5)).astype(np.float32)
        average = float(lengths.mean()) if len(row_ids) else 1.0
        norms = (K1 * (1 - B + B * lengths / max(average, 1e-9))).astype(np.float32)
        # Stable: the kept postings are already grouped by term, so this mostly merges sorted runs.
        by_term = np.argsort(term_ids, kind="stable")
        owners, term_ids, counts = owners[by_term], term_ids[by_term], counts[by_term]
        weights = idf[term_ids] * counts / (counts + norms[owners])
        starts = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(frequencies, out=starts[1:])
        return cls(terms, row_ids, lengths, starts, owners, counts.astype(np.uint16), weights.astype(np.float32),
                   settings)

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        settings = json.loads((folder / _SETTINGS_FILE).read_text())
        if settings.get("engine") != ENGINE:
            raise ValueError(f"lexical index at {folder} was built by {settings.get('engine')!r}")
        terms = {term: position for position, term in enumerate(json.loads((folder / _TERMS_FILE).read_text()))}
        arrays = [np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAYS]
        return cls(terms, *arrays, settings=LexicalSettings.from_dict(settings))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(folder / f"{name}.npy", getattr(self, f"_{name}"), allow_pickle=False)
        (folder / _TERMS_FILE).write_text(json.dumps(list(self._terms), ensure_ascii=False))
        (folder / _SETTINGS_FILE).write_text(json.dumps(self.settings.to_dict()))

    def __len__(self) -> int:
        return len(self._row_ids)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row id, BM25 score) of the ``k`` best-matching passages, only rows in ``allowed`` when given;
        passages sharing no term are left out. A term repeated in the query counts as often."""
        if len(self) == 0 or k <= 0:
            return []
        known = [self._terms[term] for term in self._analyze(query) if term in self._terms]
        if not known:
            return []
        postings = [slice(self._starts[term], self._starts[term + 1]) for term in known]
        scores = np.bincount(np.concatenate([self._positions[span] for span in postings]),
                             np.concatenate([self._weights[span] for span in postings]), minlength=len(self))
        if allowed is not None:
            scores[~self._mask(allowed)] = 0
        k = min(k, int(np.count_nonzero(scores > 0)))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((self._row_ids[top], -scores[top]))]
        return [(int(self._row_ids[i]), float(scores[i])) for i in top]

    def _mask(self, allowed: np.ndarray) -> np.ndarray:
        """1 at the positions of the ``allowed`` row ids, 0 elsewhere."""
        allowed = np.asarray(allowed, dtype=np.int64)
        positions = np.searchsorted(self._row_ids, allowed)
        inside = positions < len(self)
        positions = positions[inside]
        mask = np.zeros(len(self), dtype=bool)
        mask[positions[self._row_ids[positions] == allowed[inside]]] = 1
        return mask


def _count_batch(batch_ids: list[int], batch_terms: list[np.ndarray], first: int, ids: list, owners: list,
                 term_ids: list, counts: list, lengths: list) -> int:
    """Append one batch of analyzed passages (positions from ``first`` on) as postings; the next position."""
    if not batch_terms:
        return first
    sizes = np.fromiter((len(terms) for terms in batch_terms), np.int64, len(batch_terms))
    flat = np.concatenate(batch_terms)
    local = np.repeat(np.arange(len(batch_terms), dtype=np.int64), sizes)
    span = int(flat.max()) + 1 if len(flat) else 1
    keys, repeats = np.unique(local * span + flat, return_counts=True)
    ids.append(np.asarray(batch_ids, dtype=np.int64))
    owners.append((keys // span + first).astype(np.int32))
    term_ids.append((keys % span).astype(np.int32))
    counts.append(repeats.astype(np.uint16))
    lengths.append(sizes.astype(np.float32))
    return first + len(batch_terms)

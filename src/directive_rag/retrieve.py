"""Retrieval: dense, lexical, and their fusion (hybrid) by scaled scores or reciprocal rank.

In hybrid mode a query that names a library document ("Chỉ thị 53", "12-NQ/TU") adds a third
ranked list to the fusion: that document's passages by similarity to the query.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .encoders import Encoder
from .index import IndexStore
from .models import Filters, Hit
from .normalize import normalize_query
from .references import find_references

MODES = ("hybrid", "dense", "lexical")
CANDIDATES = 50
_QUERY_WORK = ThreadPoolExecutor(max_workers=4, thread_name_prefix="directive-rag-query")


@dataclass(frozen=True)
class FusionSettings:
    """How hybrid search fuses its lists.

    ``method`` "rrf": reciprocal rank fusion, ``k`` damping the head of each list;
    "scores": each list's scores min-max scaled to [0, 1] over its candidates, then summed.
    Either way the weights scale each list's contribution.
    """

    # Defaults chosen on the tune splits of ALQAC and UIT (eval/RESULTS.md, eval/tune_retrieval.py).
    method: str = "scores"
    k: int = 60
    dense_weight: float = 0.5
    lexical_weight: float = 1.0
    named_weight: float = 2.0  # the passages of documents the query names by number: a strong signal


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], k: int = FusionSettings.k, weights: Sequence[float] | None = None
) -> list[tuple[int, float]]:
    """Fuse ranked lists of ids: each id scores the sum of weight / (k + rank) over the lists holding it.

    Every id of every list is kept, so one list can only add to another, never filter it.
    """
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings)):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def score_fusion(scored: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float]) -> list[tuple[int, float]]:
    """Fuse scored lists: each list's scores scaled to [0, 1] (best = 1), weighted and summed per id."""
    fused: dict[int, float] = {}
    for items, weight in zip(scored, weights):
        if not items:
            continue
        values = [score for _, score in items]
        low, high = min(values), max(values)
        for item, score in items:
            scaled = (score - low) / (high - low) if high > low else 1.0
            fused[item] = fused.get(item, 0.0) + weight * scaled
    return sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))


@dataclass
class CandidateLists:
    """What hybrid search fuses: (passage row id, score) lists, best first."""

    dense: list[tuple[int, float]]
    lexical: list[tuple[int, float]]
    named: list[tuple[int, float]]

    def fuse(self, settings: FusionSettings) -> list[tuple[int, float]]:
        lists = [self.dense, self.lexical, self.named]
        weights = [settings.dense_weight, settings.lexical_weight, settings.named_weight]
        if settings.method == "scores":
            return score_fusion(lists, weights)
        return reciprocal_rank_fusion([[row for row, _ in items] for items in lists], settings.k, weights)


class Retriever:
    def __init__(self, store: IndexStore, encoder_loader, fusion: FusionSettings = FusionSettings()):
        self._store = store
        self._encoder_loader = encoder_loader
        self.fusion = fusion

    @property
    def catalog(self):
        return self._store.catalog

    @property
    def encoder(self) -> Encoder:
        return self._encoder_loader()

    def query_vector(self, query: str) -> np.ndarray:
        return self.encoder.encode_queries([query])[0]

    def ranked(self, query: str, k: int, mode: str = "hybrid", filters: Filters | None = None) -> list[tuple[int, float]]:
        """(chunk row id, score) pairs, best first; ``query`` is already normalized.

        With ``filters`` only passages of the documents they allow are ranked, in every list.
        """
        if mode not in MODES:
            raise ValueError(f"chế độ tìm kiếm không hợp lệ: {mode!r} (chọn một trong {', '.join(MODES)})")
        if mode == "hybrid":
            return self.hybrid(query, k, filters)[0]
        allowed = self._allowed(filters)
        if mode == "lexical":
            return self._store.searchers()[1].search(query, k, allowed)
        return self._store.searchers()[0].search(self.query_vector(query), k, allowed)

    def hybrid(self, query: str, k: int, filters: Filters | None = None) -> tuple[list[tuple[int, float]], np.ndarray]:
        """Hybrid (row id, score) pairs, best first, and the query's vector; ``query`` is already normalized.

        The query is encoded and the dense list found on another thread while this one makes the
        lexical list (the encoder and FAISS release the GIL), so a hybrid search costs little more
        than its slower half.
        """
        allowed, depth = self._allowed(filters), max(k, CANDIDATES)
        dense, lexical = self._store.searchers()

        def dense_side() -> tuple[np.ndarray, list[tuple[int, float]]]:
            vector = self.query_vector(query)
            return vector, dense.search(vector, depth, allowed)

        meanwhile = _QUERY_WORK.submit(dense_side)
        lexical_list = lexical.search(query, depth, allowed)
        query_vector, dense_list = meanwhile.result()
        lists = CandidateLists(dense_list, lexical_list, self._named(query, query_vector, depth, allowed))
        return lists.fuse(self.fusion)[:k], query_vector

    def _allowed(self, filters: Filters | None) -> np.ndarray | None:
        return self._store.allowed_rows(filters) if filters and not filters.is_empty() else None

    def candidates(self, query: str, query_vector: np.ndarray, depth: int) -> CandidateLists:
        """The dense, lexical and named-document lists hybrid search fuses, ``depth`` deep, for a query
        already encoded (tuning tries many fusions of the same lists)."""
        dense, lexical = self._store.searchers()
        return CandidateLists(dense.search(query_vector, depth), lexical.search(query, depth),
                              self._named(query, query_vector, depth, None))

    def _named(self, query: str, query_vector: np.ndarray, depth: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        """The passages of the library documents ``query`` names, closest to it first; [] when it names none."""
        references = find_references(query)
        named_documents = self._store.resolver().named_documents(references) if references else []
        named = self._passages_by_similarity(named_documents, query_vector) if named_documents else []
        if allowed is not None and named:
            permitted = set(allowed.tolist())
            named = [(row, score) for row, score in named if row in permitted]
        return named[:depth]

    def _passages_by_similarity(self, doc_ids: list[str], query_vector: np.ndarray) -> list[tuple[int, float]]:
        """(row id, cosine) of the passages of the documents a query names, closest to the query first.

        Fused as a third list, it favours the named documents without removing anything.
        """
        rows, vectors = self.catalog.document_vectors(doc_ids)
        if not rows:
            return []
        similarities = vectors @ query_vector
        return [(rows[index], float(similarities[index])) for index in np.argsort(-similarities, kind="stable")]

    def chunk_vectors(self, rows: Sequence[int]) -> list[np.ndarray]:
        vectors = self._store.catalog.chunk_vectors(rows)
        return [vectors[row] for row in rows if row in vectors]

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: Filters | None = None) -> list[Hit]:
        query = normalize_query(query)
        if not query or k <= 0:
            return []
        return self.to_hits(self.ranked(query, k, mode, filters=filters))

    def to_hits(self, ranked: list[tuple[int, float]]) -> list[Hit]:
        if not ranked:
            return []
        chunks = self._store.catalog.get_chunks([row for row, _ in ranked])
        documents = self._store.catalog.document_metadata(sorted({chunk.doc_id for chunk in chunks.values()}))
        hits = []
        for row, score in ranked:
            chunk = chunks.get(row)
            document = documents.get(chunk.doc_id) if chunk is not None else None
            if document is None:  # removed by a concurrent ingest since the search (or since get_chunks)
                continue
            hits.append(Hit(
                rank=len(hits) + 1, score=round(score, 6), doc_id=chunk.doc_id,
                number=document["number"], title=document["title"], section=chunk.section,
                page=chunk.page, chunk_id=chunk.chunk_id, text=chunk.text, start=chunk.start, end=chunk.end,
                type=document["type"], date=document["date"], issuer=document["issuer"],
            ))
        return hits

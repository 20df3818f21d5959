"""Retrieval: dense, lexical, and their fusion by reciprocal rank (hybrid).

In hybrid mode a query that names a library document ("Chỉ thị 53", "12-NQ/TU") adds a third
ranked list to the fusion: that document's passages by similarity to the query.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .encoders import Encoder
from .index import IndexStore
from .models import Filters, Hit
from .normalize import normalize_query
from .references import find_references

MODES = ("hybrid", "dense", "lexical")
RRF_K = 60
CANDIDATES = 50


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Fuse ranked lists of ids: each id scores the sum of 1 / (k + rank) over the lists holding it.

    Every id of every list is kept, so one list can only add to another, never filter it.
    """
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


class Retriever:
    def __init__(self, store: IndexStore, encoder_loader):
        self._store = store
        self._encoder_loader = encoder_loader

    @property
    def catalog(self):
        return self._store.catalog

    @property
    def encoder(self) -> Encoder:
        return self._encoder_loader()

    def query_vector(self, query: str) -> np.ndarray:
        return self.encoder.encode_queries([query])[0]

    def ranked(
        self, query: str, k: int, mode: str = "hybrid", query_vector: np.ndarray | None = None,
        filters: Filters | None = None,
    ) -> list[tuple[int, float]]:
        """(chunk row id, score) pairs, best first; ``query`` is already normalized.

        With ``filters`` only passages of the documents they allow are ranked, in every list.
        """
        if mode not in MODES:
            raise ValueError(f"chế độ tìm kiếm không hợp lệ: {mode!r} (chọn một trong {', '.join(MODES)})")
        dense, lexical = self._store.searchers()
        allowed = self._store.allowed_rows(filters) if filters and not filters.is_empty() else None
        depth = max(k, CANDIDATES)
        if mode == "lexical":
            return lexical.search(query, k, allowed)
        if query_vector is None:
            query_vector = self.query_vector(query)
        dense_ranked = dense.search(query_vector, depth, allowed)
        if mode == "dense":
            return dense_ranked[:k]
        lexical_ranked = lexical.search(query, depth, allowed)
        rankings = [[row for row, _ in dense_ranked], [row for row, _ in lexical_ranked]]
        references = find_references(query)
        named = self._store.resolver().named_documents(references) if references else []
        if named:
            named_ranked = self._passages_by_similarity(named, query_vector)
            if allowed is not None:
                permitted = set(allowed.tolist())
                named_ranked = [row for row in named_ranked if row in permitted]
            rankings.append(named_ranked[:depth])
        return reciprocal_rank_fusion(rankings)[:k]

    def _passages_by_similarity(self, doc_ids: list[str], query_vector: np.ndarray) -> list[int]:
        """The passages of the documents a query names, closest to the query first.

        Fused as a third ranked list, it favours the named documents without removing anything.
        """
        rows, vectors = self.catalog.document_vectors(doc_ids)
        order = np.argsort(-(vectors @ query_vector), kind="stable") if rows else []
        return [rows[index] for index in order]

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
            if chunk is None:  # removed by a concurrent ingest since the search
                continue
            document = documents[chunk.doc_id]
            hits.append(Hit(
                rank=len(hits) + 1, score=round(score, 6), doc_id=chunk.doc_id,
                number=document["number"], title=document["title"], section=chunk.section,
                page=chunk.page, chunk_id=chunk.chunk_id, text=chunk.text, start=chunk.start, end=chunk.end,
                type=document["type"], date=document["date"], issuer=document["issuer"],
            ))
        return hits

"""Dense vector search: FAISS inner product over L2-normalized vectors, keyed by chunk row id."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

# A single query is fastest on one thread; more threads only add synchronization here.
faiss.omp_set_num_threads(1)


class DenseIndex:
    def __init__(self, index: faiss.Index):
        self._index = index

    @classmethod
    def build(cls, dim: int, row_ids: np.ndarray, vectors: np.ndarray) -> "DenseIndex":
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        if len(row_ids):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), row_ids.astype(np.int64))
        return cls(index)

    @classmethod
    def load(cls, path: Path) -> "DenseIndex":
        return cls(faiss.read_index(str(path)))

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @property
    def kind(self) -> str:
        """The FAISS index type serving the vectors, e.g. "IndexFlatIP"."""
        inner = faiss.downcast_index(self._index.index) if hasattr(self._index, "index") else self._index
        return type(inner).__name__

    def __len__(self) -> int:
        return self._index.ntotal

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row id, cosine) of the ``k`` nearest passages, best first; only rows in ``allowed`` when given."""
        if len(self) == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64)))
            k = min(k, len(allowed))
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, ids = self._index.search(query, min(k, len(self)), params=params)
        return [(int(row_id), float(score)) for row_id, score in zip(ids[0], scores[0]) if row_id >= 0]

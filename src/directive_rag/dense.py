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

    def __len__(self) -> int:
        return self._index.ntotal

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(row id, cosine) of the ``k`` nearest passages, best first."""
        if len(self) == 0 or k <= 0:
            return []
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), min(k, len(self)))
        return [(int(row_id), float(score)) for row_id, score in zip(ids[0], scores[0]) if row_id >= 0]

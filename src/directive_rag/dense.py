"""Dense vector search: FAISS inner product over L2-normalized vectors, keyed by chunk row id.

Up to ``DenseSettings.exact_limit`` passages the index is exact (a flat scan). Above it, an
inverted-file index (IVF) scans only the ``nprobe`` cells nearest the query; eval/bench.py measures
its recall@10 against exact search on real embeddings (eval/RESULTS.md).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

# A single query is fastest on one thread; more threads only add synchronization here.
faiss.omp_set_num_threads(1)

TRAINING_POINTS_PER_CELL = 64  # k-means sample size per IVF cell: FAISS needs ≥ 39, more only slows training
TRAINING_SEED = 1234


@dataclass(frozen=True)
class DenseSettings:
    """When the dense index turns approximate, and how widely an approximate one searches."""

    # Chosen with eval/bench.py (eval/RESULTS.md, "Scale"): the flat scan is exact and fast enough
    # below this size; above it IVF scans a tenth of the vectors, which finds 96% of the exact top
    # 10 on the real passage vectors (1/16 of them: 94%).
    exact_limit: int = 50_000
    probe_fraction: float = 0.1  # share of the IVF cells scanned per query

    @classmethod
    def from_dict(cls, data: dict) -> "DenseSettings":
        defaults = cls()
        return cls(int(data.get("exact_limit", defaults.exact_limit)),
                   float(data.get("probe_fraction", defaults.probe_fraction)))

    def to_dict(self) -> dict:
        return asdict(self)

    def approximate(self, count: int) -> bool:
        """Whether ``count`` passages are served by an approximate (IVF) index."""
        return count > self.exact_limit

    def cells(self, count: int) -> int:
        """IVF cells for ``count`` vectors: about √count, with enough points in each to train it."""
        return max(1, min(round(math.sqrt(count)), count // 39))

    def probes(self, cells: int) -> int:
        return max(1, min(cells, math.ceil(cells * self.probe_fraction)))


class DenseIndex:
    def __init__(self, index: faiss.Index):
        self._index = index
        self._inner = faiss.downcast_index(index.index if isinstance(index, (faiss.IndexIDMap, faiss.IndexIDMap2)) else index)
        self._ivf = self._inner if isinstance(self._inner, faiss.IndexIVF) else None

    @classmethod
    def build(cls, dim: int, row_ids: np.ndarray, vectors: np.ndarray,
              settings: DenseSettings = DenseSettings()) -> "DenseIndex":
        """Exact up to ``settings.exact_limit`` vectors, IVF above (k-means trained on a sample)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        row_ids = np.ascontiguousarray(row_ids, dtype=np.int64)
        if not settings.approximate(len(row_ids)):
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        else:
            cells = settings.cells(len(row_ids))
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, cells, faiss.METRIC_INNER_PRODUCT)
            index.nprobe = settings.probes(cells)
            sample = np.random.default_rng(TRAINING_SEED).permutation(len(row_ids))[: cells * TRAINING_POINTS_PER_CELL]
            index.train(vectors[np.sort(sample)])
        if len(row_ids):
            index.add_with_ids(vectors, row_ids)
        return cls(index)

    def updated(self, removed: np.ndarray, row_ids: np.ndarray, vectors: np.ndarray,
                settings: DenseSettings) -> "DenseIndex | None":
        """This index, changed in place: ``removed`` row ids taken out, ``vectors`` added under ``row_ids``.

        None when ``settings`` call for another index at the new size (exact turned approximate or
        back, or an IVF index grown well past the size it was trained for): build one instead.
        Only for an index no search is using (one just loaded from disk).
        """
        count = len(self) - len(removed) + len(row_ids)
        if settings.approximate(count) != self.approximate:
            return None
        if self._ivf is not None:
            if settings.cells(count) > 2 * self._ivf.nlist:
                return None
            self._ivf.nprobe = settings.probes(self._ivf.nlist)
        if len(removed):
            self._index.remove_ids(faiss.IDSelectorBatch(np.ascontiguousarray(removed, dtype=np.int64)))
        if len(row_ids):
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                     np.ascontiguousarray(row_ids, dtype=np.int64))
        return self

    @classmethod
    def load(cls, path: Path) -> "DenseIndex":
        return cls(faiss.read_index(str(path)))

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @property
    def kind(self) -> str:
        """The FAISS index type serving the vectors: "IndexFlatIP" or "IndexIVFFlat"."""
        return type(self._inner).__name__

    @property
    def approximate(self) -> bool:
        return self._ivf is not None

    def matches(self, settings: DenseSettings) -> bool:
        """Whether ``settings`` would serve this many passages with an index like this one."""
        if settings.approximate(len(self)) != self.approximate:
            return False
        return self._ivf is None or self._ivf.nprobe == settings.probes(self._ivf.nlist)

    @property
    def parameters(self) -> dict:
        """How an approximate index searches: its cells and the cells probed per query ({} when exact)."""
        return {"nlist": self._ivf.nlist, "nprobe": self._ivf.nprobe} if self._ivf is not None else {}

    def __len__(self) -> int:
        return self._index.ntotal

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row id, cosine) of the ``k`` nearest passages, best first; only rows in ``allowed`` when given.

        With ``allowed``, an IVF index that finds fewer than ``k`` allowed passages in its probed
        cells (a narrow filter) searches every cell, so a filter never hides a matching passage.
        """
        if len(self) == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        selector = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            k = min(k, len(allowed))
        k = min(k, len(self))
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if self._ivf is None:
            return self._search(query, k, selector)
        found = self._search(query, k, selector, self._ivf.nprobe)
        if selector is not None and len(found) < k:
            found = self._search(query, k, selector, self._ivf.nlist)
        return found

    def _search(self, query: np.ndarray, k: int, selector, probes: int = 0) -> list[tuple[int, float]]:
        params = faiss.SearchParametersIVF() if probes else faiss.SearchParameters()
        if probes:
            params.nprobe = probes
        if selector is not None:
            params.sel = selector
        scores, ids = self._index.search(query, k, params=params)
        return [(int(row_id), float(score)) for row_id, score in zip(ids[0], scores[0]) if row_id >= 0]

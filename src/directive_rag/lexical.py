"""Lexical search: BM25 (bm25s) over Vietnamese syllables, keyed by chunk row id."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .tokenize import syllables

_IDS_FILE = "row_ids.npy"


class LexicalIndex:
    def __init__(self, bm25, row_ids: np.ndarray):
        self._bm25 = bm25
        self._row_ids = row_ids

    @classmethod
    def build(cls, row_ids: np.ndarray, texts: list[str]) -> "LexicalIndex":
        import bm25s

        bm25 = bm25s.BM25()
        if len(texts):
            bm25.index([syllables(text) or [""] for text in texts], show_progress=False)
        return cls(bm25, np.asarray(row_ids, dtype=np.int64))

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        import bm25s

        row_ids = np.load(folder / _IDS_FILE, allow_pickle=False)
        bm25 = bm25s.BM25.load(str(folder), mmap=True) if len(row_ids) else bm25s.BM25()
        return cls(bm25, row_ids)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if len(self._row_ids):
            self._bm25.save(str(folder))
        np.save(folder / _IDS_FILE, self._row_ids, allow_pickle=False)
        (folder / "tokenizer.json").write_text(json.dumps({"tokenizer": "syllables"}))

    def __len__(self) -> int:
        return len(self._row_ids)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row id, BM25 score) of the ``k`` best-matching passages, only rows in ``allowed`` when given;
        passages sharing no term are left out."""
        if len(self) == 0 or k <= 0:
            return []
        token_ids = self._bm25.get_tokens_ids(syllables(query))
        if not token_ids:
            return []
        scores = self._bm25.get_scores_from_ids(token_ids)
        if allowed is not None:
            scores = np.where(np.isin(self._row_ids, allowed, assume_unique=True), scores, 0.0)
        k = min(k, int(np.count_nonzero(scores > 0)))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self._row_ids[i]), float(scores[i])) for i in top]

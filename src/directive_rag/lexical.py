"""Lexical search: BM25 (bm25s) over Vietnamese syllables (optionally with bigrams), keyed by chunk row id."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .tokenize import analyzer

_IDS_FILE = "row_ids.npy"
_SETTINGS_FILE = "settings.json"


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
        return {"engine": "bm25s", **asdict(self)}


class LexicalIndex:
    def __init__(self, bm25, row_ids: np.ndarray, settings: LexicalSettings = LexicalSettings()):
        self._bm25 = bm25
        self._row_ids = row_ids
        self.settings = settings
        self._analyze = analyzer(settings.tokens)

    @classmethod
    def build(cls, row_ids: np.ndarray, texts: list[str], settings: LexicalSettings = LexicalSettings()) -> "LexicalIndex":
        import bm25s

        analyze = analyzer(settings.tokens)
        bm25 = bm25s.BM25()
        if len(texts):
            bm25.index([analyze(text) or [""] for text in texts], show_progress=False)
        return cls(bm25, np.asarray(row_ids, dtype=np.int64), settings)

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        import bm25s

        row_ids = np.load(folder / _IDS_FILE, allow_pickle=False)
        settings = LexicalSettings.from_dict(json.loads((folder / _SETTINGS_FILE).read_text()))
        bm25 = bm25s.BM25.load(str(folder), mmap=True) if len(row_ids) else bm25s.BM25()
        return cls(bm25, row_ids, settings)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if len(self._row_ids):
            self._bm25.save(str(folder))
        np.save(folder / _IDS_FILE, self._row_ids, allow_pickle=False)
        (folder / _SETTINGS_FILE).write_text(json.dumps(self.settings.to_dict()))

    def __len__(self) -> int:
        return len(self._row_ids)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row id, BM25 score) of the ``k`` best-matching passages, only rows in ``allowed`` when given;
        passages sharing no term are left out."""
        if len(self) == 0 or k <= 0:
            return []
        token_ids = self._bm25.get_tokens_ids(self._analyze(query))
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

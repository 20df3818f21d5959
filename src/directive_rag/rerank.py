"""Optional second-stage reranking with a cross-encoder, loaded by sentence-transformers model name.

Off by default. The model must already be on this machine (a local path or the Hugging Face
cache): nothing is downloaded at run time, and a missing model is reported by name.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Sequence

from .models import Hit
from .normalize import canonical_tones

RERANK_MODE = "hybrid+rerank"
RERANK_DEPTH = 30  # hybrid candidates the cross-encoder rescores


class RerankerError(ValueError):
    """A reranker that is not configured or cannot be loaded."""


class CrossEncoderReranker:
    def __init__(self, name_or_path: str):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import CrossEncoder

        self.spec = name_or_path
        try:
            self._model = CrossEncoder(name_or_path, device="cpu")
        except Exception as error:
            raise RerankerError(
                f"Không nạp được mô hình xếp hạng lại {name_or_path!r} từ máy này "
                f"(không tải xuống khi chạy): {error}"
            ) from error

    def scores(self, query: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        pairs = [(canonical_tones(query), canonical_tones(text)) for text in texts]
        return [float(score) for score in self._model.predict(pairs, show_progress_bar=False)]

    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        """The hits reordered by cross-encoder score (ties keep their first-stage order), renumbered."""
        scores = self.scores(query, [f"{hit.section}\n{hit.text}" if hit.section else hit.text for hit in hits])
        order = sorted(range(len(hits)), key=lambda index: (-scores[index], index))
        return [replace(hits[index], rank=rank, score=round(scores[index], 6)) for rank, index in enumerate(order, start=1)]

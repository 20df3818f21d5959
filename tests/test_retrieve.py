"""Fusion arithmetic, syllable matching, and the three retrieval modes on a real index."""

from __future__ import annotations

import numpy as np
import pytest

from directive_rag import Library
from directive_rag.lexical import LexicalIndex
from directive_rag.lexical import LexicalSettings
from directive_rag.retrieve import CandidateLists, FusionSettings, reciprocal_rank_fusion, score_fusion
from directive_rag.tokenize import syllables, syllables_and_bigrams


def test_rrf_matches_hand_computed_scores():
    fused = dict(reciprocal_rank_fusion([[7, 3, 5], [3, 9]], k=60))
    assert fused[3] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[7] == pytest.approx(1 / 61)
    assert fused[9] == pytest.approx(1 / 62)
    assert fused[5] == pytest.approx(1 / 63)
    assert [item for item, _ in reciprocal_rank_fusion([[7, 3, 5], [3, 9]], k=60)] == [3, 7, 9, 5]


def test_rrf_keeps_items_found_by_one_side_only():
    fused = [item for item, _ in reciprocal_rank_fusion([[1, 2, 3], []])]
    assert fused == [1, 2, 3]


def test_weighted_rrf_by_hand():
    fused = dict(reciprocal_rank_fusion([[7, 3], [3]], k=10, weights=[0.5, 2.0]))
    assert fused[7] == pytest.approx(0.5 / 11)
    assert fused[3] == pytest.approx(0.5 / 12 + 2.0 / 11)


def test_score_fusion_scales_each_list_then_weights_it():
    dense = [(1, 0.90), (2, 0.80), (3, 0.70)]  # scaled: 1.0, 0.5, 0.0
    lexical = [(3, 12.0), (1, 4.0)]  # scaled: 1.0, 0.0
    fused = dict(score_fusion([dense, lexical, []], weights=[0.5, 1.0, 1.0]))
    assert fused == pytest.approx({1: 0.5, 2: 0.25, 3: 1.0})
    assert [row for row, _ in score_fusion([[(5, 3.0)]], [1.0])] == [5]  # a single score scales to 1
    lists = CandidateLists(dense, lexical, named=[(2, 0.8)])
    assert [row for row, _ in lists.fuse(FusionSettings(method="scores", dense_weight=0.5))] == [2, 3, 1]


def test_bigrams_follow_syllables():
    assert syllables_and_bigrams("Trách nhiệm nêu gương") == [
        "trách", "nhiệm", "nêu", "gương", "trách_nhiệm", "nhiệm_nêu", "nêu_gương"]


def test_bigrams_rank_the_phrase_above_scattered_syllables():
    texts = ["nhiệm vụ nêu rõ trách nhiệm của gương mẫu", "trách nhiệm nêu gương của cán bộ"]
    with_bigrams = LexicalIndex.build(zip([1, 2], texts), LexicalSettings("syllables+bigrams"))
    assert [row for row, _ in with_bigrams.search("trách nhiệm nêu gương", 2)][0] == 2


def test_syllables_keep_diacritics_and_one_letter_syllables():
    assert syllables("Ở đâu? Ý kiến của Bộ, 384-QĐ/TW.") == ["ở", "đâu", "ý", "kiến", "của", "bộ", "384", "qđ", "tw"]


def test_lexical_index_distinguishes_tones_and_finds_one_letter_words():
    texts = ["cán bộ ở cơ sở", "cán bộ đi học", "bộ trưởng và ý kiến"]
    index = LexicalIndex.build(zip([10, 20, 30], texts))
    assert [row for row, _ in index.search("ở", 5)] == [10]
    assert [row for row, _ in index.search("ý", 5)] == [30]
    assert index.search("khác hẳn", 5) == []


def test_lexical_index_round_trips_through_disk(tmp_path):
    index = LexicalIndex.build(zip([4, 8], ["phòng cháy chữa cháy", "tiếp công dân"]))
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert loaded.search("tiếp công dân", 2)[0][0] == 8


def test_modes_return_exact_spans_and_hybrid_keeps_dense_hits(directive_index):
    library = Library(directive_index)
    document = library.document("chi-thi-09.txt")
    query = "Ai lập bản đồ nguy cơ cháy rừng?"
    results = {mode: library.search(query, k=3, mode=mode) for mode in ("dense", "lexical", "hybrid")}
    for mode, hits in results.items():
        assert hits, mode
        assert [hit.rank for hit in hits] == list(range(1, len(hits) + 1))
        for hit in hits:
            assert document["text"][hit.start : hit.end] == hit.text
    assert "Hạt Kiểm lâm" in results["hybrid"][0].text
    everything = {hit.chunk_id for hit in library.search(query, k=50, mode="hybrid")}
    assert {hit.chunk_id for hit in library.search(query, k=50, mode="dense")} <= everything


def test_a_query_with_no_shared_syllable_still_gets_dense_hits(directive_index):
    library = Library(directive_index)
    assert library.search("xyzqw", k=3, mode="lexical") == []
    dense = library.search("xyzqw", k=3, mode="dense")
    assert dense and [hit.chunk_id for hit in library.search("xyzqw", k=3, mode="hybrid")] == [hit.chunk_id for hit in dense]


def test_blank_query_returns_nothing(directive_index):
    assert Library(directive_index).search("   ", k=5) == []

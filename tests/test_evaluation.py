"""The evaluation harness: metric arithmetic against hand-computed values, datasets, the `eval` command."""

from __future__ import annotations

import json
import math
import shutil

import pytest
from conftest import REPO, run_cli, shared_data

from directive_rag.encoders import DEFAULT_ENCODER
from directive_rag.eval_datasets import load_alqac, load_corpus, load_uit, split_of
from directive_rag.evaluation import (
    dataset_index_name, document_ranking, first_relevant_rank, hit_at, mrr_at, ndcg_at, percentile, retrieval_metrics,
)


def test_first_relevant_rank_is_counted_over_documents_not_passages():
    # passages of a, a, b: document b is the second document although its passage is third
    assert document_ranking(["a", "a", "b", "a", "c"]) == ["a", "b", "c"]
    assert first_relevant_rank(["a", "a", "b", "c"], "b") == 2
    assert first_relevant_rank(["a", "a", "b", "c"], ("c", "b")) == 2
    assert first_relevant_rank(["a"], "z") is None


def test_hit_and_mrr_by_hand():
    ranks = [1, 3, None, 12]
    assert hit_at(ranks, 1) == 0.25
    assert hit_at(ranks, 5) == 0.5
    assert hit_at(ranks, 10) == 0.5
    assert mrr_at(ranks, 10) == pytest.approx((1 + 1 / 3) / 4)
    assert hit_at([], 5) == 0.0


def test_ndcg_by_hand():
    assert ndcg_at(["g", "x"], ["g"], 10) == 1.0
    assert ndcg_at(["x", "g"], ["g"], 10) == pytest.approx(1 / math.log2(3))
    # two gold documents at ranks 1 and 3: (1 + 1/log2(4)) / (1 + 1/log2(3))
    assert ndcg_at(["g1", "x", "g2"], ["g1", "g2"], 10) == pytest.approx((1 + 0.5) / (1 + 1 / math.log2(3)))
    assert ndcg_at(["x1", "x2", "x3", "g"], ["g"], 3) == 0.0
    assert ndcg_at(["g", "g", "x"], ["g"], 10) == 1.0  # a document counts once


def test_retrieval_metrics_by_hand():
    rankings = [["a", "b"], ["c", "c", "a"], ["d"]]
    golds = [("a",), ("a",), ("z",)]
    metrics = retrieval_metrics(rankings, golds)
    assert metrics["hit@1"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["hit@5"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["mrr@10"] == pytest.approx((1 + 1 / 2) / 3, abs=1e-4)
    assert metrics["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 3, abs=1e-4)
    assert metrics["questions"] == 3


def test_nearest_rank_percentile():
    values = list(range(1, 21))  # 1..20
    assert percentile(values, 0.5) == 10
    assert percentile(values, 0.95) == 19
    assert percentile([7.0], 0.95) == 7.0


def test_splits_are_stable_and_keep_groups_together():
    assert split_of("g00005") == split_of("g00005")
    splits = {split_of(f"group-{number}") for number in range(50)}
    assert splits == {"tune", "report"}


def test_corpus_questions_cover_the_corpus_and_name_documents():
    dataset = load_corpus()
    in_domain = [question for question in dataset.questions if question.gold]
    assert len(in_domain) >= 40
    corpus_files = {path.name for path in (REPO / "corpus").iterdir()}
    assert {question.doc_id for question in in_domain} <= corpus_files
    assert sum(any(word in question.question for word in ("Chỉ thị", "Nghị quyết", "Kế hoạch", "Quyết định",
                                                           "Kết luận", "Quy định", "Hướng dẫn"))
               for question in in_domain) >= 10


def test_alqac_is_one_document_per_article_with_gold_articles(tmp_path):
    dataset = load_alqac(shared_data("alqac_legal_qa").parent, tmp_path)
    articles = [json.loads(line) for line in dataset.sources[0].read_text(encoding="utf-8").splitlines()]
    ids = {article["id"] for article in articles}
    assert len(articles) == len(ids) == 3238
    assert len(dataset.questions) == 437
    assert all(set(question.gold) <= ids for question in dataset.questions)
    assert {question.split for question in dataset.questions} == {"tune", "report"}
    before = dataset.sources[0].stat().st_mtime_ns
    load_alqac(shared_data("alqac_legal_qa").parent, tmp_path)
    assert dataset.sources[0].stat().st_mtime_ns == before  # unchanged data is not rewritten


def test_uit_gold_is_the_paragraph_holding_the_answer(tmp_path):
    dataset = load_uit(shared_data("uit_regulation_wiki_mrc").parent, tmp_path)
    paragraphs = {record["id"]: record["text"] for record in map(json.loads, dataset.sources[0].read_text(encoding="utf-8").splitlines())}
    assert len(dataset.questions) == 386
    assert all(question.evidence in paragraphs[question.doc_id] for question in dataset.questions if question.evidence)


def test_eval_command_reports_every_mode(tmp_path, corpus_index):
    runs = tmp_path / "runs"
    shutil.copytree(corpus_index, runs / dataset_index_name("corpus", DEFAULT_ENCODER))  # already holds corpus/: nothing is re-embedded
    result = run_cli("eval", "corpus", "--split", "all", "--runs", str(runs), "--json")
    assert result.returncode == 0, result.stderr
    [report] = json.loads(result.stdout)
    assert report["dataset"] == "corpus" and report["questions"] >= 40
    assert set(report["modes"]) == {"hybrid", "dense", "lexical"}
    for row in report["modes"].values():
        assert {"hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10", "p50_ms", "p95_ms"} <= set(row)
        assert 0 <= row["hit@1"] <= row["hit@5"] <= row["hit@10"] <= 1
    assert report["modes"]["hybrid"]["hit@10"] >= 0.9
    assert run_cli("eval", "nosuch").returncode == 2

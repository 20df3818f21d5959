"""Retrieval and answer quality over questions with known gold documents.

Retrieval is measured at document level: the ranked passages of a search are reduced to
their documents in order of first appearance, and a question counts as found at rank r when
the r-th document is one of its gold documents. nDCG@10 uses binary relevance.
"""

from __future__ import annotations

import math
import re
import statistics
import time
from pathlib import Path
from typing import Sequence

from .encoders import DEFAULT_ENCODER
from .eval_datasets import Dataset, Question, read_question_file
from .progress import Progress
from .lexical import LexicalSettings
from .library import Library
from .retrieve import MODES

CUTOFFS = (1, 5, 10)
SEARCH_DEPTH = 30  # passages fetched per question, so that ten distinct documents are usually reached


def read_questions(path: Path) -> list[Question]:
    return read_question_file(path)


def document_ranking(ranked_doc_ids: Sequence[str]) -> list[str]:
    """Documents in order of their first passage."""
    return list(dict.fromkeys(ranked_doc_ids))


def first_relevant_rank(ranked_doc_ids: Sequence[str], gold: str | Sequence[str]) -> int | None:
    """1-based rank of the first document that is (one of) the gold, or None."""
    wanted = {gold} if isinstance(gold, str) else set(gold)
    for rank, doc_id in enumerate(document_ranking(ranked_doc_ids), start=1):
        if doc_id in wanted:
            return rank
    return None


def ndcg_at(ranked_doc_ids: Sequence[str], gold: Sequence[str], k: int) -> float:
    """Binary-relevance nDCG@k over the document ranking."""
    wanted = set(gold)
    if not wanted:
        return 0.0
    gain = sum(1 / math.log2(rank + 1)
               for rank, doc_id in enumerate(document_ranking(ranked_doc_ids)[:k], start=1) if doc_id in wanted)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(k, len(wanted)) + 1))
    return gain / ideal


def hit_at(ranks: Sequence[int | None], k: int) -> float:
    return sum(1 for rank in ranks if rank is not None and rank <= k) / len(ranks) if ranks else 0.0


def mrr_at(ranks: Sequence[int | None], k: int) -> float:
    return sum(1 / rank for rank in ranks if rank is not None and rank <= k) / len(ranks) if ranks else 0.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def retrieval_metrics(rankings: Sequence[Sequence[str]], golds: Sequence[Sequence[str]]) -> dict:
    """Hit@1/5/10, MRR@10 and nDCG@10 of passage-level doc-id rankings against gold doc ids."""
    ranks = [first_relevant_rank(ranking, gold) for ranking, gold in zip(rankings, golds)]
    ndcg = [ndcg_at(ranking, gold, 10) for ranking, gold in zip(rankings, golds)]
    return {
        **{f"hit@{k}": round(hit_at(ranks, k), 4) for k in CUTOFFS},
        "mrr@10": round(mrr_at(ranks, 10), 4),
        "ndcg@10": round(sum(ndcg) / len(ndcg), 4) if ndcg else 0.0,
        "questions": len(ranks),
    }


def evaluate_retrieval(library: Library, questions: Sequence[Question], modes: Sequence[str] = MODES) -> dict:
    """Per mode: the retrieval metrics over the answerable questions, and query latency p50/p95 in ms."""
    answerable = [question for question in questions if question.gold]
    library.search("khởi động", k=1)  # load the encoder and indexes outside the timings
    results = {}
    for mode in modes:
        rankings, latencies = [], []
        for question in answerable:
            started = time.perf_counter()
            hits = library.search(question.question, k=SEARCH_DEPTH, mode=mode)
            latencies.append((time.perf_counter() - started) * 1000)
            rankings.append([hit.doc_id for hit in hits])
        results[mode] = {
            **retrieval_metrics(rankings, [question.gold for question in answerable]),
            "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
            "p95_ms": round(percentile(latencies, 0.95), 1),
        }
    return results


def evaluate_answers(library: Library, questions: Sequence[Question], details: list | None = None) -> dict:
    """Answer quality: how often in-domain questions are answered, cite the gold document and quote
    its evidence, how often out-of-domain questions are declined, and whether every citation's
    quote is exactly the document's text at its span.

    When ``details`` is a list, one record per question is appended to it (id, answered, cited
    documents, the answer text).
    """
    in_domain = [question for question in questions if question.doc_id]
    out_of_domain = [question for question in questions if not question.doc_id]
    answered = right_document = evidence_quoted = with_evidence = declined_outside = 0
    citations = exact = 0
    latencies = []
    texts: dict[str, str] = {}
    for question in questions:
        started = time.perf_counter()
        answer = library.ask(question.question)
        latencies.append((time.perf_counter() - started) * 1000)
        for citation in answer.citations:
            if citation.doc_id not in texts:
                texts[citation.doc_id] = (library.document(citation.doc_id) or {}).get("text", "")
            citations += 1
            exact += texts[citation.doc_id][citation.start : citation.end] == citation.quote
        if details is not None:
            details.append({
                "id": getattr(question, "id", ""), "question": question.question, "gold": question.doc_id,
                "answered": answer.answered, "cited": [citation.doc_id for citation in answer.citations],
                "answer": answer.answer,
            })
        if not question.doc_id:
            declined_outside += not answer.answered
            continue
        gold = set(getattr(question, "gold", ()) or (question.doc_id,))
        answered += answer.answered
        right_document += any(citation.doc_id in gold for citation in answer.citations)
        if question.evidence:
            with_evidence += 1
            evidence_quoted += any(question.evidence in citation.quote for citation in answer.citations)

    def share(count: int, total: int) -> float:
        return round(count / total, 4) if total else 0.0

    return {
        "answered_in_domain": share(answered, len(in_domain)),
        "declined_in_domain": share(len(in_domain) - answered, len(in_domain)),
        "right_document_cited": share(right_document, len(in_domain)),
        "evidence_quoted": share(evidence_quoted, with_evidence),
        "declined_out_of_domain": share(declined_outside, len(out_of_domain)),
        "citations_exact": share(exact, citations),
        "citations": citations,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "in_domain": len(in_domain),
        "out_of_domain": len(out_of_domain),
        "with_evidence": with_evidence,
    }


def dataset_index_name(dataset: str, encoder_spec: str) -> str:
    """The folder under the runs directory holding ``dataset`` embedded with ``encoder_spec``."""
    slug = re.sub(r"[^\w.-]+", "-", encoder_spec).strip("-")
    return f"{dataset}-{slug}"


def evaluate_dataset(
    dataset: Dataset, runs_dir: Path, split: str = "report", modes: Sequence[str] = MODES,
    encoder: str | None = None, reranker: str | None = None, progress: Progress | None = None,
) -> dict:
    """Index the dataset under ``runs_dir`` (incrementally: an unchanged dataset is not re-embedded)
    and measure every retrieval mode on the questions of ``split``."""
    encoder_spec = encoder or DEFAULT_ENCODER
    library = Library(runs_dir / dataset_index_name(dataset.name, encoder_spec), encoder=encoder_spec, reranker=reranker)
    report = library.ingest(dataset.sources, progress=progress)
    if report.failed:
        raise RuntimeError(f"Bộ dữ liệu {dataset.name} không nạp trọn vẹn: {report.failed[:3]}")
    library.store.configure(lexical=LexicalSettings())  # measure today's defaults on an older index too
    questions = dataset.select(split)
    return {
        "dataset": dataset.name, "split": split, "encoder": library.encoder_spec, "reranker": reranker or "",
        "documents": report.documents, "passages": report.chunks,
        "questions": sum(1 for question in questions if question.gold),
        "modes": evaluate_retrieval(library, questions, modes),
    }


def markdown_table(result: dict) -> str:
    lines = [
        f"**{result['dataset']}** ({result['split']} split, {result['questions']} questions, "
        f"{result['documents']} documents, {result['passages']} passages, encoder {result['encoder']})",
        "",
        "| mode | Hit@1 | Hit@5 | Hit@10 | MRR@10 | nDCG@10 | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for mode, row in result["modes"].items():
        lines.append(f"| {mode} | {row['hit@1']:.3f} | {row['hit@5']:.3f} | {row['hit@10']:.3f} | {row['mrr@10']:.3f} "
                     f"| {row['ndcg@10']:.3f} | {row['p50_ms']} | {row['p95_ms']} |")
    return "\n".join(lines)

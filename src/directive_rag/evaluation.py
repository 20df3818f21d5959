"""Retrieval and answer quality over a set of questions with known gold documents.

A question file is JSON Lines: ``question``, ``doc_id`` (the gold document, or null for a
question the library cannot answer) and optionally ``evidence`` (text that a correct
citation's quote must contain).
"""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .library import Library
from .retrieve import MODES

CUTOFFS = (1, 5, 10)


@dataclass(frozen=True)
class Question:
    question: str
    doc_id: str | None
    evidence: str | None = None


def read_questions(path: Path) -> list[Question]:
    with path.open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    return [Question(record["question"], record.get("doc_id"), record.get("evidence")) for record in records]


def first_relevant_rank(ranked_doc_ids: Sequence[str], gold: str) -> int | None:
    """1-based rank of the first result from the gold document, or None."""
    for rank, doc_id in enumerate(ranked_doc_ids, start=1):
        if doc_id == gold:
            return rank
    return None


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


def evaluate_retrieval(library: Library, questions: Sequence[Question], modes: Sequence[str] = MODES) -> dict:
    answerable = [question for question in questions if question.doc_id]
    library.search("khởi động", k=1)  # load the encoder and indexes outside the timings
    results = {}
    for mode in modes:
        ranks, latencies = [], []
        for question in answerable:
            started = time.perf_counter()
            hits = library.search(question.question, k=max(CUTOFFS), mode=mode)
            latencies.append((time.perf_counter() - started) * 1000)
            ranks.append(first_relevant_rank([hit.doc_id for hit in hits], question.doc_id))
        results[mode] = {
            **{f"hit@{k}": round(hit_at(ranks, k), 4) for k in CUTOFFS},
            "mrr@10": round(mrr_at(ranks, 10), 4),
            "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
            "p95_ms": round(percentile(latencies, 0.95), 1),
            "questions": len(answerable),
        }
    return results


def evaluate_answers(library: Library, questions: Sequence[Question]) -> dict:
    in_domain = [question for question in questions if question.doc_id]
    out_of_domain = [question for question in questions if not question.doc_id]
    answered = right_document = evidence_quoted = with_evidence = declined_outside = 0
    latencies = []
    for question in questions:
        started = time.perf_counter()
        answer = library.ask(question.question)
        latencies.append((time.perf_counter() - started) * 1000)
        if not question.doc_id:
            declined_outside += not answer.answered
            continue
        answered += answer.answered
        right_document += any(citation.doc_id == question.doc_id for citation in answer.citations)
        if question.evidence:
            with_evidence += 1
            evidence_quoted += any(question.evidence in citation.quote for citation in answer.citations)
    return {
        "answered_in_domain": round(answered / len(in_domain), 4) if in_domain else 0.0,
        "right_document_cited": round(right_document / len(in_domain), 4) if in_domain else 0.0,
        "evidence_quoted": round(evidence_quoted / with_evidence, 4) if with_evidence else 0.0,
        "declined_out_of_domain": round(declined_outside / len(out_of_domain), 4) if out_of_domain else 0.0,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "in_domain": len(in_domain),
        "out_of_domain": len(out_of_domain),
    }

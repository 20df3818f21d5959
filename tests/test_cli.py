"""The command-line JSON contract of DESIGN.md, through the real `directive-rag` command."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import DIRECTIVE_TEXT, run_cli, write_docx, write_pdf

# The contract's keys; more (type, date, issuer …) are allowed.
HIT_KEYS = {"rank", "score", "doc_id", "number", "title", "section", "page", "chunk_id", "text", "start", "end"}
CITATION_KEYS = {"n", "doc_id", "number", "title", "section", "page", "quote", "chunk_id", "start", "end"}
DOC_KEYS = {"doc_id", "title", "number", "type", "issuer", "date", "source", "n_chunks"}


@pytest.fixture(scope="module")
def library_folder(tmp_path_factory):
    """A folder with one document of each kind, plus a broken file."""
    folder = tmp_path_factory.mktemp("inputs")
    (folder / "party").mkdir()
    (folder / "party" / "chi-thi-09.txt").write_text(DIRECTIVE_TEXT, encoding="utf-8")
    write_pdf(folder / "ke-hoach.pdf", [
        "ỦY BAN NHÂN DÂN TỈNH MẪU\nSố: 120/KH-UBND\nKẾ HOẠCH\nPhòng, chống thiên tai năm 2025",
        "Điều 4. Sơ tán dân cư\nBan Chỉ huy phòng chống thiên tai cấp xã tổ chức sơ tán dân khỏi vùng ngập sâu trước khi bão đổ bộ.",
    ])
    write_docx(folder / "quy-che.docx", [
        "QUYẾT ĐỊNH", "Ban hành Quy chế tiếp công dân",
        "Điều 3. Lịch tiếp công dân", "Chủ tịch Ủy ban nhân dân tỉnh tiếp công dân định kỳ vào ngày 15 hằng tháng.",
    ], table=[["ỦY BAN NHÂN DÂN TỈNH MẪU", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"], ["Số: 15/2024/QĐ-UBND", "Độc lập - Tự do - Hạnh phúc"]])
    (folder / "bulletins.jsonl").write_text(
        json.dumps({"id": "tb-01", "text": "Thông báo lịch trực ban dịp Tết: các phòng trực 24/24 giờ từ ngày 28 tháng Chạp.",
                    "type": "Thông báo", "number": "01/TB-VP", "date": "2025-01-20", "issuer": "Văn phòng"}, ensure_ascii=False)
        + "\n{broken line\n",
        encoding="utf-8",
    )
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4 nothing else")
    return folder


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, library_folder):
    index = tmp_path_factory.mktemp("cli-index")
    result = run_cli("ingest", str(library_folder), "--json", index=index)
    return index, result


def test_ingest_reports_counts_and_failures_and_exits_1(ingested, library_folder):
    index, result = ingested
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"added", "updated", "unchanged", "failed", "documents", "chunks"}
    assert (report["added"], report["updated"], report["unchanged"], report["documents"]) == (4, 0, 0, 4)
    assert report["chunks"] >= 4
    failed = {entry["path"]: entry["error"] for entry in report["failed"]}
    assert set(failed) == {str(library_folder / "corrupt.pdf"), f"{library_folder / 'bulletins.jsonl'}:2"}
    assert "PDF" in failed[str(library_folder / "corrupt.pdf")]
    assert "corrupt.pdf" in result.stderr  # the person at the terminal sees it too


def test_ingest_progress_goes_to_stderr_as_plain_lines_when_it_is_not_a_terminal(ingested, library_folder):
    _, result = ingested
    assert len(result.stdout.splitlines()) == 1 and json.loads(result.stdout)
    lines = result.stderr.splitlines()
    assert "\r" not in result.stderr and "█" not in result.stderr
    read = [line for line in lines if line.startswith("[")]
    assert [line.split("]")[0] for line in read] == [f"[{done}/5" for done in range(1, 6)]
    files = ["party/chi-thi-09.txt", "ke-hoach.pdf", "quy-che.docx", "bulletins.jsonl", "corrupt.pdf"]
    assert sorted(line.split("] ", 1)[1] for line in read) == sorted(str(library_folder / file) for file in files)
    assert any(line.startswith(f"lỗi: {library_folder / 'corrupt.pdf'}: ") for line in lines)
    assert lines.index("đang cập nhật chỉ mục tìm kiếm…") > lines.index(read[-1])


def test_reingest_of_unchanged_files_embeds_nothing_and_exits_0(ingested, library_folder, tmp_path):
    index, _ = ingested
    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    result = run_cli("ingest", str(library_folder / "party"), "--json", index=copy)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # The file given inside its own folder gets the same relative id ("chi-thi-09.txt"),
    # different from the id it got under the parent folder ("party/chi-thi-09.txt").
    assert report["added"] == 1 and report["documents"] == 5


def test_docs_lists_metadata_and_passage_counts(ingested):
    index, _ = ingested
    documents = {doc["doc_id"]: doc for doc in json.loads(run_cli("docs", "--json", index=index).stdout)}
    assert set(documents) == {"party/chi-thi-09.txt", "ke-hoach.pdf", "quy-che.docx", "tb-01"}
    for document in documents.values():
        assert DOC_KEYS <= set(document) and document["n_chunks"] >= 1
    assert documents["party/chi-thi-09.txt"]["number"] == "09-CT/TU"
    assert documents["quy-che.docx"]["number"] == "15/2024/QĐ-UBND"
    assert documents["tb-01"] | {} == documents["tb-01"] and documents["tb-01"]["issuer"] == "Văn phòng"
    assert documents["tb-01"]["date"] == "2025-01-20"


def test_search_hits_follow_the_contract_and_point_into_show_text(ingested):
    index, _ = ingested
    result = json.loads(run_cli("search", "sơ tán dân khi có bão", "-k", "3", "--json", index=index).stdout)
    assert result["query"] == "sơ tán dân khi có bão"
    assert 1 <= len(result["hits"]) <= 3
    top = result["hits"][0]
    assert HIT_KEYS <= set(top)
    assert top["doc_id"] == "ke-hoach.pdf" and top["page"] in (1, 2)
    shown = json.loads(run_cli("show", "ke-hoach.pdf", "--json", index=index).stdout)
    for hit in result["hits"]:
        text = json.loads(run_cli("show", hit["doc_id"], "--json", index=index).stdout)["text"]
        assert text[hit["start"] : hit["end"]] == hit["text"]
    assert shown["number"] == "120/KH-UBND" and "text" in shown


def test_each_search_mode_answers(ingested):
    index, _ = ingested
    for mode in ("dense", "lexical", "hybrid"):
        hits = json.loads(run_cli("search", "tiếp công dân ngày 15", "--mode", mode, "--json", index=index).stdout)["hits"]
        assert hits[0]["doc_id"] == "quy-che.docx", mode


def test_ask_cites_exact_quotes(ingested):
    index, _ = ingested
    result = run_cli("ask", "Chủ tịch Ủy ban nhân dân tỉnh tiếp công dân vào ngày nào?", "--json", index=index)
    answer = json.loads(result.stdout)
    assert answer["answered"] is True
    assert answer["citations"] and "[1]" in answer["answer"]
    for citation in answer["citations"]:
        assert CITATION_KEYS <= set(citation)
        assert f"[{citation['n']}]" in answer["answer"]
        text = json.loads(run_cli("show", citation["doc_id"], "--json", index=index).stdout)["text"]
        assert text[citation["start"] : citation["end"]] == citation["quote"]
    assert any("ngày 15" in citation["quote"] for citation in answer["citations"])


def test_citations_carry_the_page_of_their_quote(ingested):
    index, _ = ingested
    answer = json.loads(run_cli("ask", "Ai tổ chức sơ tán dân khỏi vùng ngập sâu?", "--json", index=index).stdout)
    quoted = [citation for citation in answer["citations"] if "sơ tán dân" in citation["quote"]]
    assert quoted and quoted[0]["doc_id"] == "ke-hoach.pdf" and quoted[0]["page"] == 2


def test_ask_declines_out_of_domain_and_lists_nearest(ingested):
    index, _ = ingested
    answer = json.loads(run_cli("ask", "Công thức nấu phở bò ngon nhất là gì?", "--json", index=index).stdout)
    assert answer["answered"] is False
    assert answer["citations"] == []
    assert "Không tìm thấy căn cứ" in answer["answer"]
    assert answer["nearest"] and HIT_KEYS <= set(answer["nearest"][0])


def test_batch_modes_print_one_json_line_per_input_in_order(ingested, tmp_path):
    index, _ = ingested
    queries = tmp_path / "queries.txt"
    queries.write_text("sơ tán dân\n\ntrực ban dịp Tết\n", encoding="utf-8")
    lines = run_cli("search", "--queries", str(queries), "-k", "2", "--json", index=index).stdout.splitlines()
    assert [json.loads(line)["query"] for line in lines] == ["sơ tán dân", "trực ban dịp Tết"]
    lines = run_cli("ask", "--questions", str(queries), "--json", index=index).stdout.splitlines()
    assert [json.loads(line)["question"] for line in lines] == ["sơ tán dân", "trực ban dịp Tết"]


def test_usage_errors_exit_2(ingested, tmp_path):
    index, _ = ingested
    assert run_cli("search", index=index).returncode == 2
    assert run_cli("search", "x", "--mode", "fuzzy", index=index).returncode == 2
    assert run_cli("search", "--queries", str(tmp_path / "missing.txt"), index=index).returncode == 2
    missing = run_cli("search", "x", "--json", index=tmp_path / "nowhere")
    assert missing.returncode == 2 and missing.stdout == "" and "ingest" in missing.stderr


def test_show_of_unknown_document_exits_1(ingested):
    index, _ = ingested
    result = run_cli("show", "no-such-doc", "--json", index=index)
    assert result.returncode == 1 and result.stdout == "" and "no-such-doc" in result.stderr


def test_index_directory_comes_from_the_environment(ingested):
    index, _ = ingested
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "directive_rag.cli", "docs", "--json"],
        capture_output=True, text=True, env={**os.environ, "DIRECTIVE_RAG_INDEX": str(index)},
    )
    assert len(json.loads(result.stdout)) == 4


# -- covers and export (issue 5) -------------------------------------------------------------------

def test_ask_json_says_how_the_answer_was_written(ingested):
    index, _ = ingested
    answer = json.loads(run_cli("ask", "Ai tổ chức sơ tán dân khỏi vùng ngập sâu?", "--json", index=index).stdout)
    assert answer["mode"] == "extractive" and answer["note"] == ""


def test_covers_follows_the_contract_with_exact_provisions(ingested):
    index, _ = ingested
    result = run_cli("covers", "bảo vệ rừng đầu nguồn, phòng cháy rừng", "-k", "3", "--json", index=index)
    assert result.returncode == 0, result.stderr
    coverage = json.loads(result.stdout)
    assert coverage["issue"] == "bảo vệ rừng đầu nguồn, phòng cháy rừng"
    assert 1 <= len(coverage["documents"]) <= 3
    top = coverage["documents"][0]
    assert {"doc_id", "number", "title", "type", "date", "score", "provisions", "referenced_by"} <= set(top)
    assert (top["doc_id"], top["number"], top["type"], top["date"]) == ("party/chi-thi-09.txt", "09-CT/TU", "Chỉ thị", "2020-01-02")
    text = json.loads(run_cli("show", top["doc_id"], "--json", index=index).stdout)["text"]
    for provision in top["provisions"]:
        assert {"section", "quote", "start", "end"} <= set(provision)
        assert text[provision["start"] : provision["end"]] == provision["quote"]
    plain = run_cli("covers", "bảo vệ rừng đầu nguồn", index=index)
    assert plain.returncode == 0 and "09-CT/TU" in plain.stdout
    assert run_cli("covers", "x", "-k", "0", index=index).returncode == 2


def test_export_from_search_json_writes_a_docx_with_full_citations(ingested, tmp_path):
    import docx

    index, _ = ingested
    found = tmp_path / "search.json"
    found.write_text(run_cli("search", "sơ tán dân khi có bão", "-k", "2", "--json", index=index).stdout, encoding="utf-8")
    output = tmp_path / "handout.docx"
    result = run_cli("export", "--from-json", str(found), "-o", str(output), "--json", index=index)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["path"] == str(output) and report["excerpts"] >= 1 and report["title"] == "sơ tán dân khi có bão"
    paragraphs = [paragraph.text for paragraph in docx.Document(str(output)).paragraphs]
    assert paragraphs[0] == "sơ tán dân khi có bão"
    assert any(text.startswith("1. Kế hoạch số 120/KH-UBND") for text in paragraphs)
    assert any("sơ tán dân khỏi vùng ngập sâu" in text for text in paragraphs)
    source = next(text for text in paragraphs if text.startswith("Nguồn: Kế hoạch số 120/KH-UBND"))
    assert "trang 2" in source and "Điều 4" in source


def test_export_from_chunks_and_a_question_writes_markdown(ingested, tmp_path):
    index, _ = ingested
    output = tmp_path / "handout.md"
    result = run_cli("export", "--chunk", "quy-che.docx#0", "--question", "Chủ tịch Ủy ban nhân dân tỉnh tiếp công dân vào ngày nào?",
                     "--title", "Tiếp công dân", "-o", str(output), index=index)
    assert result.returncode == 0, result.stderr
    text = output.read_text(encoding="utf-8")
    assert text.startswith("# Tiếp công dân\n") and "Quyết định số 15/2024/QĐ-UBND" in text and "ngày 15 hằng tháng" in text


def test_export_usage_errors(ingested, tmp_path):
    index, _ = ingested
    assert run_cli("export", "-o", str(tmp_path / "h.md"), index=index).returncode == 2
    assert run_cli("export", "--chunk", "quy-che.docx#0", "-o", str(tmp_path / "h.pdf"), index=index).returncode == 2
    unknown = run_cli("export", "--chunk", "no-such#3", "-o", str(tmp_path / "h.md"), index=index)
    assert unknown.returncode == 1 and "no-such#3" in unknown.stderr and not (tmp_path / "h.md").exists()

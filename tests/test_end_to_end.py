"""The acceptance path on real published documents from ../shared/data."""

from __future__ import annotations

import json

from conftest import REPO, run_cli, shared_data

from directive_rag import Library


def test_question_about_regulation_384_is_answered_from_it(tmp_path):
    party_docs = shared_data("vn_official_party_state_docs/docs.jsonl")
    wanted = [line for line in party_docs.read_text(encoding="utf-8").splitlines() if '"so_hieu": "384-QĐ/TW"' in line]
    assert len(wanted) == 1
    subset = tmp_path / "party.jsonl"
    subset.write_text(wanted[0] + "\n", encoding="utf-8")
    index = tmp_path / "index"
    ingest = run_cli("ingest", str(shared_data("seed_articles")), str(subset), "--json", index=index)
    assert ingest.returncode == 0, ingest.stderr

    answer = json.loads(run_cli("ask", "Quy định 384-QĐ/TW áp dụng đối với những đối tượng nào?", "--json", index=index).stdout)
    assert answer["answered"] is True
    cited = [citation for citation in answer["citations"] if citation["number"] == "384-QĐ/TW"]
    assert cited
    text = json.loads(run_cli("show", cited[0]["doc_id"], "--json", index=index).stdout)["text"]
    for citation in cited:
        assert text[citation["start"] : citation["end"]] == citation["quote"]
    assert any("Các cơ quan đảng từ Trung ương đến cơ sở" in citation["quote"] for citation in cited)


def test_sample_corpus_answers_with_citations(corpus_index):
    library = Library(corpus_index)
    documents = library.documents()
    assert len(documents) >= 8
    assert {path.suffix for path in (REPO / "corpus").iterdir()} >= {".txt", ".docx", ".pdf"}
    for document in documents:
        assert document["number"], document["doc_id"]

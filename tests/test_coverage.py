"""Coverage for reviewers on the sample corpus: which documents cover an issue, ranked, with provisions."""

from __future__ import annotations

import pytest

from directive_rag import Library
from directive_rag.coverage import CoverageFinder
from directive_rag.models import Filters


@pytest.fixture(scope="module")
def library(corpus_index):
    return Library(corpus_index)


def assert_provisions_exact(library: Library, coverage) -> None:
    for document in coverage.documents:
        text = library.document(document.doc_id)["text"]
        assert document.provisions
        for provision in document.provisions:
            assert text[provision.start : provision.end] == provision.quote
            assert provision.chunk_id.startswith(document.doc_id + "#")


def test_the_directive_on_fire_safety_covers_fire_safety_first(library):
    coverage = library.covers("phòng cháy, chữa cháy tại khu dân cư", k=5)
    ranked = [document.doc_id for document in coverage.documents]
    assert ranked[0] == "chi-thi-07-ct-ubnd.txt"
    top = coverage.documents[0]
    assert (top.type, top.number, top.date) == ("Chỉ thị", "07/CT-UBND", "2024-03-18")
    assert len(top.provisions) >= 2 and any("phòng cháy" in p.quote for p in top.provisions)
    # The disaster plan tells its readers to carry out Chỉ thị 07 as well.
    assert "ke-hoach-120-kh-ubnd.pdf" in [entry["doc_id"] for entry in top.referenced_by]
    assert [document.score for document in coverage.documents] == sorted((d.score for d in coverage.documents), reverse=True)
    assert_provisions_exact(library, coverage)


def test_a_resolution_and_the_guidance_implementing_it_both_cover_its_issue(library):
    coverage = library.covers("chuyển đổi số trong các cơ quan đảng", k=5)
    ranked = [document.doc_id for document in coverage.documents]
    assert set(ranked[:2]) == {"nghi-quyet-12-nq-tu.txt", "huong-dan-64-hd-btgtu.txt"}
    resolution = coverage.documents[ranked.index("nghi-quyet-12-nq-tu.txt")]
    assert [entry["doc_id"] for entry in resolution.referenced_by] == ["huong-dan-64-hd-btgtu.txt"]
    assert resolution.referenced_by[0]["number"] == "64-HD/BTGTU" and resolution.referenced_by[0]["date"]
    assert_provisions_exact(library, coverage)


def test_scores_aggregate_several_passages_not_just_the_best(library):
    finder = CoverageFinder(library.retriever)
    issue = "trách nhiệm nêu gương của cán bộ, đảng viên"
    relevances = finder.relevances(issue)
    coverage = finder.covers(issue, k=3)
    settings = finder.settings
    top = coverage.documents[0]
    assert top.doc_id == "quy-dinh-08-qdi-tu.docx"
    own = [relevance for hit, relevance in relevances if hit.doc_id == top.doc_id and relevance > settings.floor]
    expected = sum((value - settings.floor) * settings.decay ** position for position, value in enumerate(own[: settings.counted]))
    assert top.score == pytest.approx(expected, abs=1e-5)
    assert top.score > own[0] - settings.floor  # more than its best passage alone


def test_an_issue_the_library_does_not_cover_gets_no_documents(library):
    assert library.covers("công thức nấu phở bò ngon", k=5).documents == []


def test_filters_and_the_contract_of_to_dict(library):
    coverage = library.covers("phòng cháy, chữa cháy tại khu dân cư", k=5, filters=Filters(types=("Kế hoạch",)))
    assert [document.doc_id for document in coverage.documents] == ["ke-hoach-120-kh-ubnd.pdf"]
    data = coverage.to_dict()
    assert set(data) == {"issue", "documents"} and data["issue"] == "phòng cháy, chữa cháy tại khu dân cư"
    document = data["documents"][0]
    assert {"doc_id", "number", "title", "type", "date", "score", "provisions", "referenced_by"} <= set(document)
    assert {"section", "quote", "start", "end"} <= set(document["provisions"][0])
    assert document["provisions"][0]["page"] >= 1  # a PDF: provisions carry their page
    assert_provisions_exact(library, coverage)

"""Filters by type, issuer, number and year: the matching rules, and retrieval restricted before fusion."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

from directive_rag import Library
from directive_rag.filters import document_matches
from directive_rag.models import Filters
from directive_rag.retrieve import MODES


def _document(**fields) -> dict:
    return {"type": "Chỉ thị", "issuer": "ỦY BAN NHÂN DÂN TỈNH AN HÒA", "number": "07/CT-UBND", "date": "2024-03-18", **fields}


def test_empty_filters_allow_everything():
    assert Filters().is_empty()
    assert document_matches(Filters(), _document(date="", number=""))


@pytest.mark.parametrize("filters, expected", [
    (Filters(types=("Chỉ thị",)), True),
    (Filters(types=("chỉ thị",)), True),
    (Filters(types=("Nghị quyết", "Chỉ thị")), True),
    (Filters(types=("Nghị quyết",)), False),
    (Filters(issuers=("Ủy ban nhân dân",)), True),
    (Filters(issuers=("uỷ ban nhân dân tỉnh an hoà",)), True),  # other tone placement
    (Filters(issuers=("Tỉnh ủy",)), False),
    (Filters(numbers=("07/CT-UBND",)), True),
    (Filters(numbers=("07 / ct-ubnd",)), True),
    (Filters(numbers=("7",)), True),
    (Filters(numbers=("70",)), False),
    (Filters(numbers=("07/QĐ-UBND",)), False),
    (Filters(year_from=2024), True),
    (Filters(year_from=2024, year_to=2024), True),
    (Filters(year_to=2023), False),
    (Filters(year_from=2025), False),
    (Filters(types=("Chỉ thị",), year_to=2020), False),
])
def test_document_matching(filters, expected):
    assert document_matches(filters, _document()) is expected


def test_a_year_filter_excludes_undated_documents():
    assert not document_matches(Filters(year_from=2000), _document(date=""))


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_returns_only_allowed_documents(corpus_index, mode):
    library = Library(corpus_index)
    filters = Filters(types=("Nghị quyết",))
    hits = library.search("trách nhiệm của cán bộ, đảng viên", k=8, mode=mode, filters=filters)
    assert hits and {hit.type for hit in hits} == {"Nghị quyết"}
    assert [hit.rank for hit in hits] == list(range(1, len(hits) + 1))


def test_filters_apply_before_ranking_not_after(corpus_index):
    """A filtered search still fills k results from the allowed documents, even when none of them
    would reach the unfiltered top k."""
    library = Library(corpus_index)
    query = "phòng cháy chữa cháy tại khu dân cư"
    unfiltered = library.search(query, k=5)
    assert "Hướng dẫn" not in {hit.type for hit in unfiltered}
    filtered = library.search(query, k=5, filters=Filters(types=("Hướng dẫn",)))
    assert len(filtered) == 5 and {hit.type for hit in filtered} == {"Hướng dẫn"}


def test_number_issuer_and_year_filters_on_the_corpus(corpus_index):
    library = Library(corpus_index)
    by_number = library.search("nhiệm vụ", k=20, filters=Filters(numbers=("53-CT/ĐU",)))
    assert by_number and {hit.number for hit in by_number} == {"53-CT/ĐU"}
    by_issuer = library.search("nhiệm vụ", k=20, filters=Filters(issuers=("Tỉnh ủy",)))
    assert by_issuer and all("TỈNH ỦY" in hit.issuer for hit in by_issuer)
    by_years = library.search("nhiệm vụ", k=50, filters=Filters(year_from=2023, year_to=2023))
    assert by_years and {hit.date[:4] for hit in by_years} == {"2023"}


def test_a_filter_matching_nothing_returns_no_hits(corpus_index):
    assert Library(corpus_index).search("phòng cháy", filters=Filters(types=("Thông tư",))) == []


def test_cli_filters(corpus_index):
    result = run_cli("search", "chính sách hỗ trợ", "--type", "Nghị quyết", "--year-from", "2023", "--json",
                     index=corpus_index)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)["hits"]
    assert hits and all(hit["type"] == "Nghị quyết" and hit["date"] >= "2023" for hit in hits)
    result = run_cli("search", "chính sách", "--year-from", "2024", "--year-to", "2020", index=corpus_index)
    assert result.returncode == 2 and "--year-from" in result.stderr
    result = run_cli("search", "chính sách", "--year-from", "năm ngoái", index=corpus_index)
    assert result.returncode == 2 and "năm không hợp lệ" in result.stderr

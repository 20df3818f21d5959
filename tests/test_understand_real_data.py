"""Header metadata on the real documents of ../shared/data, measured as eval/metadata_eval.py does.

The data sets are read once per text form (as ingest stores it, normalized; and as it arrived, raw);
every document must be described without an exception and the numbers read must agree with the
data sets' own numbers (see eval/metadata_eval.py for what counts as a real number).
"""

from __future__ import annotations

import importlib.util
import sys

import pytest
from conftest import REPO, shared_data

MIN_AGREEMENT = 0.95


def _metadata_eval():
    spec = importlib.util.spec_from_file_location("metadata_eval", REPO / "eval" / "metadata_eval.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=["normalized", "raw"])
def tallies(request):
    metadata_eval = _metadata_eval()
    data = shared_data("")
    for name in ("vn_official_party_state_docs", "vn_gazette_legal_docs", "seed_articles"):
        shared_data(name)
    raw = request.param == "raw"
    return {name: metadata_eval.tally(records, raw=raw) for name, records in metadata_eval.datasets(data).items()}


def test_every_document_is_described(tallies):
    assert tallies["vn_official_party_state_docs"].documents == 214
    assert tallies["vn_gazette_legal_docs"].documents == 412
    assert tallies["seed_articles"].documents == 5


def test_numbers_agree_with_the_data_sets(tallies):
    party_state, gazette = tallies["vn_official_party_state_docs"], tallies["vn_gazette_legal_docs"]
    real = party_state.real_numbers + gazette.real_numbers
    assert (party_state.agreeing + gazette.agreeing) / real >= MIN_AGREEMENT, party_state.failures + gazette.failures
    assert party_state.agreeing / party_state.real_numbers >= MIN_AGREEMENT, party_state.failures
    # Gazette numbers also count where the text holds them (scans without a text layer hold none).
    assert gazette.agreeing_in_text / gazette.real_in_text >= MIN_AGREEMENT, gazette.failures
    assert gazette.slug_agreeing_in_text / gazette.slug_in_text >= MIN_AGREEMENT, gazette.failures


def test_news_reports_get_no_number_and_no_wrong_type(tallies):
    articles = tallies["seed_articles"]
    assert articles.found["number"] == 0
    assert articles.types == {"Bài viết": articles.documents}

"""Hostile and odd queries through the Python API, the command line and the web app's handlers.

Empty and blank input, 10,000 characters, punctuation only, the syntax of lexical engines
(quotes, ``*``, AND, NEAR, parentheses), mixed scripts, control characters and an English
question: nothing raises; the answer is sensible results or a clear Vietnamese message.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import run_cli

from directive_rag import Library
from directive_rag.answer import DECLINE_MESSAGE, EMPTY_QUESTION
from directive_rag.normalize import MAX_QUERY_CHARS, normalize_query
from directive_rag.webapp import EMPTY_QUERY_MESSAGE, answer_html, search_html
from directive_rag.webapp.ask import answer_turns, render_conversation
from directive_rag.webapp.coverage import EMPTY_ISSUE_MESSAGE, NO_COVERAGE_MESSAGE, coverage_view
from directive_rag.webapp.errors import UNEXPECTED_ERROR_MESSAGE
from directive_rag.webapp.search import NO_RESULTS_MESSAGE

PATROL = "Ủy ban nhân dân các huyện tổ chức tuần tra rừng mỗi tuần một lần trong mùa khô? "
QUERIES = {
    "empty": "",
    "blank": " \n\t\u00a0 ",
    "invisible": "\u200b\u200c\ufeff\u2060",
    "long": (PATROL * 200)[:10_000],
    "long_unbroken": "tuầntrarừng" * 910,
    "punctuation": "?!.,;:…()[]{}<>\"'«»“”–—/\\|*&^%$#@~`+=_",
    "syntax": '"tuần tra" AND (rừng OR cháy) NEAR/3 kiểm* NOT -lâm:* ^2 ~ title:"rừng"',
    "syntax_words": "AND OR NOT NEAR ( ) \" * ",
    "mixed_scripts": "tuần tra rừng 森林パトロール пожар леса حريق الغابات 🔥🌲",
    "english": "How often must the district people's committees patrol the forests in the dry season?",
    "control": "\x00\u202e\ufeff tuần\u200b tra \x1b[31m rừng \x7f",
}
NOTHING_ASKED = {"empty", "blank", "invisible", "punctuation"}  # normalized to no query at all
ABOUT_PATROLS = {"long", "syntax", "mixed_scripts", "control"}


@pytest.fixture(scope="module")
def library(directive_index):
    library = Library(directive_index)
    yield library
    library.close()


def _assert_hits_point_into_documents(library: Library, hits) -> None:
    assert [hit.rank for hit in hits] == list(range(1, len(hits) + 1))
    for hit in hits:
        assert library.document(hit.doc_id)["text"][hit.start : hit.end] == hit.text


# --- the Python API ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", QUERIES)
@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_search_returns_hits_or_nothing_and_never_raises(library, name, mode):
    hits = library.search(QUERIES[name], k=5, mode=mode)
    _assert_hits_point_into_documents(library, hits)
    if name in NOTHING_ASKED:
        assert hits == []
    if name in ABOUT_PATROLS and mode != "dense":
        assert "tuần tra rừng" in hits[0].text


@pytest.mark.parametrize("name", QUERIES)
def test_ask_answers_with_exact_citations_or_says_why_in_vietnamese(library, name):
    answer = library.ask(QUERIES[name])
    assert answer.question == QUERIES[name]
    if name in NOTHING_ASKED:
        assert (answer.answered, answer.answer, answer.citations) == (False, EMPTY_QUESTION, [])
    elif not answer.answered:
        assert answer.answer.startswith(DECLINE_MESSAGE) and answer.citations == []
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.answer
        assert library.document(citation.doc_id)["text"][citation.start : citation.end] == citation.quote
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)} <= {c.n for c in answer.citations}
    if name == "long":
        assert answer.answered and any("tuần tra rừng" in citation.quote for citation in answer.citations)


@pytest.mark.parametrize("name", QUERIES)
def test_covers_lists_exact_provisions_or_nothing(library, name):
    coverage = library.covers(QUERIES[name], k=3)
    if name in NOTHING_ASKED:
        assert coverage.documents == []
    for document in coverage.documents:
        text = library.document(document.doc_id)["text"]
        for provision in document.provisions:
            assert text[provision.start : provision.end] == provision.quote


def test_long_queries_are_cut_before_they_reach_the_encoder(library, monkeypatch):
    encoder = library._get_encoder()
    seen: list[int] = []
    original = encoder.encode_queries

    def spy(texts):
        seen.extend(len(text) for text in texts)
        return original(texts)

    monkeypatch.setattr(encoder, "encode_queries", spy)
    for name in ("long", "long_unbroken"):
        library.search(QUERIES[name], k=3)
        library.ask(QUERIES[name])
        library.covers(QUERIES[name], k=3)
    assert len(seen) == 6 and max(seen) <= MAX_QUERY_CHARS
    cut = normalize_query(QUERIES["long"])
    assert QUERIES["long"].startswith(cut) and QUERIES["long"][len(cut)] == " "  # cut between words
    assert MAX_QUERY_CHARS - 20 < len(cut) <= MAX_QUERY_CHARS
    assert len(normalize_query(QUERIES["long_unbroken"])) == MAX_QUERY_CHARS


# --- the command line ----------------------------------------------------------------------------

def test_command_line_search_and_ask_take_every_query(directive_index, tmp_path):
    batch = tmp_path / "queries.txt"
    asked = [query for name, query in QUERIES.items() if name not in ("empty", "blank")]
    batch.write_text("\n".join(query.replace("\n", " ") for query in asked) + "\n", encoding="utf-8")
    for command, option, key in (("search", "--queries", "query"), ("ask", "--questions", "question")):
        result = run_cli(command, option, str(batch), "--json", index=directive_index)
        assert result.returncode == 0, result.stderr
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(lines) == len(asked)
        assert [line[key].strip("\x00\u202e\ufeff ") for line in lines] == [query.strip("\x00\u202e\ufeff ") for query in asked]
        punctuation = lines[asked.index(QUERIES["punctuation"])]
        assert punctuation.get("hits") == [] or punctuation.get("answer") == EMPTY_QUESTION


@pytest.mark.parametrize("name", ["punctuation", "long", "syntax"])
def test_command_line_covers_takes_odd_issues(directive_index, name):
    result = run_cli("covers", QUERIES[name], "--json", index=directive_index)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["issue"] == QUERIES[name]


def test_command_line_refuses_a_missing_query_in_vietnamese(directive_index):
    for command in ("search", "ask"):
        result = run_cli(command, "", "--json", index=directive_index)
        assert result.returncode == 2 and result.stdout == ""
        assert f"{command} cần" in result.stderr


# --- the web app's handlers ----------------------------------------------------------------------

@pytest.mark.parametrize("name", QUERIES)
def test_web_handlers_show_results_or_a_vietnamese_message(library, name):
    query = QUERIES[name]
    pages = {
        "search": search_html(library, query, k=5, mode="hybrid"),
        "ask": answer_html(library, query),
        "covers": coverage_view(library, query, k=3)[0],
    }
    for tab, page in pages.items():
        assert UNEXPECTED_ERROR_MESSAGE.split(" (")[0] not in page, (tab, page[:300])
        assert "<script" not in page and "\x00" not in page and "\u202e" not in page
    if name in ("empty", "blank"):
        assert EMPTY_QUERY_MESSAGE in pages["search"] and EMPTY_ISSUE_MESSAGE in pages["covers"]
        assert list(answer_turns(library, query, [])) == [[]]  # nothing asked, nothing added
    elif name in ("invisible", "punctuation"):
        assert NO_RESULTS_MESSAGE in pages["search"] and NO_COVERAGE_MESSAGE in pages["covers"]
        assert EMPTY_QUESTION in pages["ask"]
    else:
        assert 'class="dr-card"' in pages["search"]
        final = list(answer_turns(library, query, []))[-1]
        assert final[0].answer is not None and final[0].error == ""
        assert render_conversation(final) == pages["ask"]

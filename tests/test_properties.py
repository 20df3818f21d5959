"""Property tests (hypothesis) on arbitrary Unicode: normalization, chunking, metadata and structure.

Whatever text arrives, these stages must not raise, normalization must be idempotent, and every
span they hand out (passages, sentences, headings, references) must point at exactly the text it
claims. Texts are drawn from all of Unicode and, more often, from pieces of Vietnamese official
texts (labels, headers, numbers, Markdown residue, odd spaces and line breaks) so that the code
paths for real documents are reached. ``PROPERTY_EXAMPLES=5000`` runs more examples per property.
"""

from __future__ import annotations

import os
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directive_rag.chunking import Chunker, ChunkSettings, article_spans
from directive_rag.legacy_encodings import LegacyEncodingError, convert, detect
from directive_rag.loaders.base import LoadError, decode_text
from directive_rag.loaders.html import html_to_text
from directive_rag.models import Document
from directive_rag.normalize import (
    MAX_QUERY_CHARS,
    canonical_tones,
    match_key,
    normalize_query,
    normalize_text,
    strip_tones,
)
from directive_rag.references import find_references
from directive_rag.sentences import sentence_spans
from directive_rag.structure import SectionIndex, find_headings, parse
from directive_rag.understand import canonical_number, describe, find_date

# 200 examples a property keeps the file fast; PROPERTY_EXAMPLES=5000 searches harder.
PROPERTY_SETTINGS = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "200")), deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])

# Pieces that official texts are made of, including the ones that trip parsers.
PIECES = [
    "Điều 1.", "Điều 2. Phạm vi", "Chương I", "CHƯƠNG II", "Mục 1", "Phần thứ nhất", "I.", "II.", "IV-", "1.", "1.1.",
    "2)", "a)", "đ)", "- ", "+ ", "• ", "* ", "**", "*", "#", "## ", "|", " | ", "---", "(*)",
    "Số: 15/2024/QĐ-UBND", "Số 53-CT/ĐU", "05-CT/TW", "30/2020/NĐ-CP", "Chỉ thị 53", "Nghị quyết Trung ương 4 khóa XII",
    "CT 53", "Luật số 50/2019/QH14", "ngày 16/5/2018", "ngày 02 tháng 01 năm 2020", "Hà Nội, ngày 1 tháng 2 năm 2024",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ĐẢNG CỘNG SẢN VIỆT NAM", "CHỈ THỊ",
    "QUYẾT ĐỊNH", "TM. BAN THƯỜNG VỤ", "Nơi nhận:", "Căn cứ", "CÔNG BÁO/Số 302/Ngày 10-3-2024", "Trang 3/12",
    "Người ký:", "Thời gian ký: 2024", "V/v", "Về việc", "Ủy ban nhân dân", "hoà", "hòa", "thuỷ", "khoẻ", "Ð", "ð",
    "Uû ban nh©n d©n", "Nghò quyeát", "cán bộ", "đảng viên", "phòng cháy", "ở", "ý", "khoản", "điểm", "số",
    " ", "  ", "\t", "\n", "\n\n", "\r\n", "\u00a0", "\u200b", "\ufeff", "\u2028", "\x0c", "–", "—", "…", ".", ";", ":",
    ",", "?", "!", "(", ")", "\"", "“", "”", "'", "/", "0", "7", "12", "2024", "IV", "x", "A", "ạ", "\u0301", "\u0323",
]
vietnamese_text = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=300), vietnamese_text, vietnamese_text)


# --- normalization --------------------------------------------------------------------------------

@PROPERTY_SETTINGS
@given(any_text)
def test_normalize_text_never_raises_and_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert "\r" not in once and "\u00a0" not in once and "\u200b" not in once


@PROPERTY_SETTINGS
@given(st.one_of(any_text, st.lists(vietnamese_text, min_size=20, max_size=80).map(" ".join)))
def test_normalize_query_is_one_short_idempotent_line(text):
    query = normalize_query(text)
    assert normalize_query(query) == query
    assert "\n" not in query and query == query.strip() and len(query) <= MAX_QUERY_CHARS
    assert query == "" or any(char.isalnum() for char in query)


@PROPERTY_SETTINGS
@given(any_text)
def test_tone_canonicalization_keeps_length_and_is_idempotent(text):
    text = unicodedata.normalize("NFC", text)
    canonical = canonical_tones(text)
    assert len(canonical) == len(text) and len(strip_tones(text)) == len(text)
    assert canonical_tones(canonical) == canonical
    assert match_key(match_key(text)) == match_key(text)


@PROPERTY_SETTINGS
@given(st.binary(max_size=300))
def test_decoding_arbitrary_bytes_gives_text_or_a_load_error(data):
    try:
        assert isinstance(decode_text(data), str)
    except LoadError as error:
        assert str(error)


@PROPERTY_SETTINGS
@given(any_text)
def test_legacy_encoding_detection_decides_or_says_why(text):
    try:
        encoding = detect(text)
    except LegacyEncodingError as error:
        assert str(error)
        return
    if encoding:
        assert isinstance(convert(text, encoding), str)


@PROPERTY_SETTINGS
@given(any_text)
def test_html_of_any_text_gives_title_and_text(text):
    title, body = html_to_text(f"<html><head><title>{text}</title></head><body><p>{text}</p><script>x()</script></body></html>")
    assert isinstance(title, str) and "x()" not in body


# --- chunking -----------------------------------------------------------------------------------

def _check_chunks(document: Document, chunks) -> None:
    text = document.text
    assert [chunk.order for chunk in chunks] == list(range(len(chunks)))
    starts = [chunk.start for chunk in chunks]
    assert starts == sorted(starts)
    for chunk in chunks:
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip() and chunk.doc_id == document.doc_id


@PROPERTY_SETTINGS
@given(any_text, st.sampled_from([(40, 0), (60, 10), (120, 30)]))
def test_small_chunks_map_back_exactly_on_normalized_text(text, sizes):
    document = Document("d", normalize_text(text))
    chunker = Chunker(ChunkSettings(size=sizes[0], overlap=sizes[1]))
    _check_chunks(document, chunker.split(document))


@PROPERTY_SETTINGS
@given(any_text)
def test_chunks_map_back_exactly_on_raw_text(text):
    document = Document("d", text)
    _check_chunks(document, Chunker(ChunkSettings(size=50, overlap=10)).split(document))


@PROPERTY_SETTINGS
@given(st.lists(vietnamese_text, min_size=1, max_size=8).map("\n\n".join))
def test_default_chunks_map_back_exactly_on_long_texts(text):
    document = Document("d", normalize_text(text * 3))
    _check_chunks(document, Chunker().split(document))


@PROPERTY_SETTINGS
@given(any_text)
def test_article_spans_tile_the_text(text):
    spans = article_spans(parse(text), len(text))
    assert spans and spans[0][0] == 0 and spans[-1][1] == len(text)
    for (start, end, anchor), following in zip(spans, spans[1:] + [(len(text), len(text), len(text))]):
        assert start <= anchor <= end == following[0]


# --- metadata, structure, sentences and references ------------------------------------------------

@PROPERTY_SETTINGS
@given(any_text)
def test_describe_never_raises_and_fills_strings(text):
    described = describe(Document("d", normalize_text(text)))
    for name, value in described.metadata().items():
        assert isinstance(value, str), name
    if described.date:
        assert len(described.date) == 10 and described.date[4] == "-" and described.date[7] == "-"


@PROPERTY_SETTINGS
@given(any_text)
def test_describe_keeps_metadata_that_was_given(text):
    given_metadata = {"number": "01/TB-VP", "type": "Thông báo", "date": "2025-01-20", "issuer": "Văn phòng", "title": "T"}
    described = describe(Document("d", normalize_text(text), **given_metadata))
    assert {name: getattr(described, name) for name in given_metadata} == given_metadata


@PROPERTY_SETTINGS
@given(any_text)
def test_numbers_and_dates_never_raise(text):
    assert isinstance(canonical_number(text), str)
    assert isinstance(find_date(text), str)


@PROPERTY_SETTINGS
@given(any_text)
def test_headings_and_section_paths_point_into_the_text(text):
    text = normalize_text(text)
    headings = find_headings(text)
    assert [heading.start for heading in headings] == sorted(heading.start for heading in headings)
    for heading in headings:
        assert 0 <= heading.start <= len(text) and heading.label
    sections = SectionIndex(text)
    for offset in range(0, len(text) + 1, max(1, len(text) // 7)):
        assert isinstance(sections.path_at(offset), str)
        assert isinstance(sections.section(offset, len(text)), str)


@PROPERTY_SETTINGS
@given(any_text, st.integers(min_value=0, max_value=50))
def test_sentence_spans_are_ordered_and_inside_the_text(text, offset):
    text = normalize_text(text)
    spans = sentence_spans(text, offset)
    previous_end = offset
    for start, end in spans:
        assert offset <= previous_end <= start < end <= offset + len(text)
        assert text[start - offset : end - offset].strip()
        previous_end = end


@PROPERTY_SETTINGS
@given(any_text)
def test_references_are_disjoint_ordered_spans_with_keys(text):
    text = normalize_text(text)
    references = find_references(text)
    previous_end = 0
    for reference in references:
        assert previous_end <= reference.start < reference.end <= len(text)
        assert reference.key
        previous_end = reference.end


@pytest.mark.parametrize("text", ["", " ", "\n", "*", "**", "Điều", "1.", "a)", "I.", "\u0301", "Ð"])
def test_tiny_texts(text):
    normalized = normalize_text(text)
    assert normalize_text(normalized) == normalized
    document = Document("d", normalized)
    _check_chunks(document, Chunker(ChunkSettings(size=40, overlap=0)).split(document))
    describe(document)

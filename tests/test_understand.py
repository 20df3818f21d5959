"""Best-effort header metadata."""

from __future__ import annotations

from conftest import DIRECTIVE_TEXT

from directive_rag.models import Document
from directive_rag.understand import describe, find_date


def test_party_header():
    document = describe(Document("d", DIRECTIVE_TEXT))
    assert (document.number, document.type, document.date) == ("09-CT/TU", "Chỉ thị", "2020-01-02")
    assert document.title == "về tăng cường bảo vệ rừng đầu nguồn"


def test_state_header_with_markup_and_numeric_date():
    text = "|\n**ỦY BAN NHÂN DÂN**\n|\nSố:\n15/2024/QĐ-UBND\n|\n*An Hòa, ngày 5/3/2024*\n\n**QUYẾT ĐỊNH**\n\nBan hành quy chế\n\nCăn cứ Luật"
    document = describe(Document("d", text))
    assert (document.number, document.type, document.date, document.title) == (
        "15/2024/QĐ-UBND", "Quyết định", "2024-03-05", "Ban hành quy chế")


def test_given_metadata_wins_and_plain_articles_get_no_guess():
    document = describe(Document("d", DIRECTIVE_TEXT, number="99-CT/TU", type="Chỉ thị"))
    assert document.number == "99-CT/TU"
    article = describe(Document("n", "Sáng nay, đơn vị tổ chức hội thao chào mừng ngày thành lập."))
    assert (article.number, article.type, article.date) == ("", "", "")


def test_impossible_dates_are_ignored():
    assert find_date("ngày 45 tháng 13 năm 2020") == ""

"""Header metadata: each rule on small handwritten snippets, raw and normalized."""

from __future__ import annotations

import pytest
from conftest import DIRECTIVE_TEXT

from directive_rag.loaders.base import make_document
from directive_rag.models import Document
from directive_rag.understand import canonical_number, describe, find_date, type_from_number

# A State decision as a web page renders it: Markdown table cells, bold, wrapped lines.
STATE_MARKDOWN = """|
**ỦY BAN NHÂN
DÂN**
TỈNH AN HÒA
-------
|
**CỘNG HÒA XÃ
HỘI CHỦ NGHĨA VIỆT NAM**
Độc lập - Tự do - Hạnh phúc
---------------
|
|
Số:
15/2024/QĐ-UBND
|
*An Hòa, ngày 05
tháng 3 năm 2024*
|

**QUYẾT ĐỊNH**

BAN HÀNH QUY CHẾ PHỐI HỢP THỰC HIỆN QUYẾT ĐỊNH SỐ 06/QĐ-TTG
CỦA THỦ TƯỚNG CHÍNH PHỦ

**ỦY BAN NHÂN DÂN TỈNH AN HÒA**

*Căn cứ Luật (ngày 19 tháng 6 năm 2015) về chính quyền địa phương;*

*Căn cứ Quyết định số 06/QĐ-TTg ngày 06 tháng 01 năm 2022 của Thủ tướng Chính phủ;*

**QUYẾT ĐỊNH:**

**Điều 1.** Ban hành Quy chế phối hợp kèm theo Quyết định này.

**Điều 2.** Quyết định có hiệu lực từ ngày ký.

|
**Nơi nhận:**
- Như Điều 2;
- Lưu: VT.
|
**TM. ỦY BAN NHÂN DÂN**
**KT. CHỦ TỊCH**
**PHÓ CHỦ TỊCH**

**Trần Minh Khoa**
|
"""

# The same kind of header printed in two columns side by side, as in a plain-text file.
TWO_COLUMNS = """           UBND TỈNH AN HÒA                CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
              SỞ NỘI VỤ                       Độc lập - Tự do - Hạnh phúc
               -------                              ---------------
            Số: 18/HD-SNV                  An Hòa, ngày 10 tháng 10 năm 2024

                                   HƯỚNG DẪN
          Thực hiện chế độ báo cáo thống kê công tác văn thư
                                  -----------

Căn cứ Nghị định số 30/2020/NĐ-CP (ngày 05/3/2020) về văn thư;
"""

LAW = """QUỐC HỘI

Luật số: 50/2019/QH14

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

LUẬT
PHÒNG, CHỐNG THIÊN TAI Ở THÔN BẢN

Căn cứ Hiến pháp năm 2013;

Quốc hội ban hành Luật Phòng, chống thiên tai ở thôn bản.

Điều 1. Phạm vi điều chỉnh

Luật này quy định việc phòng, chống thiên tai ở thôn bản.

Luật này được Quốc hội khóa XIV, kỳ họp thứ 7 thông qua ngày 25 tháng 6 năm 2019.

CHỦ TỊCH QUỐC HỘI

Trần Văn Bình
"""

NEWS = """Đơn vị tổ chức học tập chuyên đề về vai trò nêu gương của cán bộ chủ trì

Ngày đăng: 25/10/2023

Thực hiện Chỉ thị số 53-CT/ĐU ngày 16/5/2018 (Ban Thường vụ Đảng ủy Quân sự tỉnh), Đảng ủy đơn vị
đã tổ chức cho cán bộ, đảng viên học tập chuyên đề về vai trò nêu gương. Các đồng chí cán bộ chủ trì
đã trao đổi kinh nghiệm, nêu những cách làm hay trong chỉ đạo huấn luyện, giáo dục chính trị và rèn
luyện kỷ luật; đồng thời chỉ ra những hạn chế cần khắc phục trong thời gian tới. Qua học tập, nhận
thức của cán bộ, đảng viên về trách nhiệm nêu gương được nâng lên rõ rệt, tạo sự chuyển biến trong
thực hiện nhiệm vụ của đơn vị. Đơn vị sẽ tiếp tục duy trì sinh hoạt chuyên đề hằng quý theo kế hoạch.

Thượng tá NGUYỄN VĂN BA, Bí thư Đảng ủy
"""

CONSOLIDATED = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

THÔNG TƯ
Hướng dẫn chế độ công tác phí

Thông tư số 40/2017/TT-BTC ngày 28 tháng 4 năm 2017 của Bộ trưởng Bộ Tài chính hướng dẫn chế độ
công tác phí, có hiệu lực kể từ ngày 01 tháng 7 năm 2017, được sửa đổi, bổ sung bởi:

Thông tư số 12/2020/TT-BTC ngày 10 tháng 3 năm 2020 của Bộ trưởng Bộ Tài chính.

Điều 1. Phạm vi điều chỉnh
Thông tư này hướng dẫn chế độ công tác phí./.

BỘ TÀI CHÍNH
Số: 21/VBHN-BTC
XÁC THỰC VĂN BẢN HỢP NHẤT
Hà Nội, ngày 12 tháng 5 năm 2020
KT. BỘ TRƯỞNG
THỨ TRƯỞNG

Lê Văn Cường
"""


def both_forms(text: str) -> list[Document]:
    """The text as ingest stores it (normalized) and as it arrived."""
    return [describe(make_document("d", [text])), describe(Document("d", text))]


def test_canonical_number_unifies_spacing_dashes_case_and_lookalike_letters():
    assert canonical_number("53 - CT/ĐU") == canonical_number("53–CT/ĐU") == "53-CT/ĐU"
    assert canonical_number("53-CT/\u00d0U") == "53-CT/ĐU"  # "Ð" U+00D0 read as "Đ"
    assert canonical_number("QUYẾT ĐỊNH SỐ 187/QĐ-TTG NGÀY") == "187/QĐ-TTg"
    assert canonical_number("Số: 30/2020/NĐ - CP") == "30/2020/NĐ-CP"
    assert canonical_number("Luật số 50/2019/QH14") == "50/2019/QH14"
    assert canonical_number("Quy định số 08-QĐI/TU") == "08-QĐi/TU"
    assert canonical_number("Chỉ thị 5-CT/TW") == "05-CT/TW"
    assert canonical_number("Số: 66.16/2026/NQ-CP") == "66.16/2026/NQ-CP"


def test_canonical_number_finds_none_in_page_headers_and_dates():
    assert canonical_number("CÔNG BÁO/Số 302/Ngày 02-06-2026") == ""
    assert canonical_number("ngày 16/5/2018") == ""


def test_type_codes_of_party_and_state_numbers():
    assert type_from_number("53-CT/ĐU") == "Chỉ thị"
    assert type_from_number("64-HD/BTGTW") == "Hướng dẫn"
    assert type_from_number("30/2020/NĐ-CP") == "Nghị định"
    assert type_from_number("12/2021/TT-BQP") == "Thông tư"
    assert type_from_number("57/VBHN-BCT") == "Văn bản hợp nhất"
    assert type_from_number("213-QĐ/TW") == ""  # Party QĐ: Quy định or Quyết định, the heading decides


def test_party_header():
    document = describe(Document("d", DIRECTIVE_TEXT))
    assert (document.number, document.type, document.date) == ("09-CT/TU", "Chỉ thị", "2020-01-02")
    assert document.title == "về tăng cường bảo vệ rừng đầu nguồn"
    assert document.issuer == "ĐẢNG BỘ TỈNH MẪU, BAN THƯỜNG VỤ TỈNH ỦY"
    assert document.place == "Thành phố Mẫu"


def test_party_qd_is_read_from_the_heading():
    header = "TỈNH ỦY AN HÒA\n*\nSố 08-QĐ/TU\n\nĐẢNG CỘNG SẢN VIỆT NAM\nAn Hòa, ngày 3 tháng 2 năm 2023\n\n"
    assert describe(Document("a", header + "QUY ĐỊNH\nvề nêu gương\n")).type == "Quy định"
    assert describe(Document("b", header + "QUYẾT ĐỊNH\nvề thành lập tổ công tác\n")).type == "Quyết định"


@pytest.mark.parametrize("document", both_forms(STATE_MARKDOWN), ids=["normalized", "raw"])
def test_state_header_in_markdown(document):
    assert document.number == "15/2024/QĐ-UBND"
    assert document.type == "Quyết định"
    assert document.issuer == "ỦY BAN NHÂN DÂN TỈNH AN HÒA"
    assert (document.place, document.date) == ("An Hòa", "2024-03-05")
    assert document.title == "BAN HÀNH QUY CHẾ PHỐI HỢP THỰC HIỆN QUYẾT ĐỊNH SỐ 06/QĐ-TTG CỦA THỦ TƯỚNG CHÍNH PHỦ"
    assert document.signer == "Trần Minh Khoa"


def test_state_header_with_markup_and_numeric_date():
    text = "|\n**ỦY BAN NHÂN DÂN**\n|\nSố:\n15/2024/QĐ-UBND\n|\n*An Hòa, ngày 5/3/2024*\n\n**QUYẾT ĐỊNH**\n\nBan hành quy chế\n\nCăn cứ Luật"
    document = describe(Document("d", text))
    assert (document.number, document.type, document.date, document.title) == (
        "15/2024/QĐ-UBND", "Quyết định", "2024-03-05", "Ban hành quy chế")


def test_state_header_in_two_columns():
    document = describe(Document("d", TWO_COLUMNS))
    assert (document.number, document.type, document.date) == ("18/HD-SNV", "Hướng dẫn", "2024-10-10")
    assert document.issuer == "UBND TỈNH AN HÒA, SỞ NỘI VỤ"
    assert document.title == "Thực hiện chế độ báo cáo thống kê công tác văn thư"


def test_law_number_type_and_adoption_date():
    document = describe(Document("d", LAW))
    assert (document.number, document.type, document.issuer) == ("50/2019/QH14", "Luật", "QUỐC HỘI")
    assert document.title == "PHÒNG, CHỐNG THIÊN TAI Ở THÔN BẢN"
    assert document.date == "2019-06-25"  # "… thông qua ngày …": a law's header has no date line
    assert document.signer == "Trần Văn Bình"


@pytest.mark.parametrize("document", both_forms(NEWS), ids=["normalized", "raw"])
def test_news_report_gets_no_number_and_its_publication_date(document):
    assert (document.type, document.number, document.issuer) == ("Bài viết", "", "")
    assert document.date == "2023-10-25"  # not 2018-05-16, the date of the directive it mentions
    assert document.title.startswith("Đơn vị tổ chức học tập chuyên đề")


def test_reference_in_the_body_is_not_the_documents_own_number():
    text = ("ỦY BAN NHÂN DÂN TỈNH AN HÒA\n\nKẾ HOẠCH\nTriển khai học tập chuyên đề năm 2024\n\n"
            "Thực hiện Chỉ thị số 05-CT/TW ngày 15 tháng 5 năm 2016 của Bộ Chính trị, Ủy ban nhân dân tỉnh ban hành kế hoạch.\n")
    document = describe(Document("d", text))
    assert (document.number, document.type, document.date) == ("", "Kế hoạch", "")
    assert document.issuer == "ỦY BAN NHÂN DÂN TỈNH AN HÒA"


def test_dates_in_legal_basis_lines_are_not_the_issue_date():
    text = ("BỘ TÀI CHÍNH\nSố: 12/2021/TT-BTC\n\nTHÔNG TƯ\nHướng dẫn quản lý kinh phí\n\n"
            "Căn cứ Luật Ngân sách (ngày 25 tháng 6 năm 2015);\n"
            "Căn cứ Nghị định số 87/2017/NĐ-CP ngày 26 tháng 7 năm 2017 của Chính phủ;\n")
    document = describe(Document("d", text))
    assert (document.number, document.type, document.date) == ("12/2021/TT-BTC", "Thông tư", "")


def test_consolidated_text_takes_number_and_date_from_its_authentication_block():
    document = describe(Document("d", CONSOLIDATED))
    assert (document.number, document.type) == ("21/VBHN-BTC", "Văn bản hợp nhất")
    assert (document.issuer, document.place, document.date) == ("BỘ TÀI CHÍNH", "Hà Nội", "2020-05-12")
    assert document.title == "Hướng dẫn chế độ công tác phí"
    assert document.signer == "Lê Văn Cường"


def test_letter_with_v_v_line_is_a_cong_van():
    text = ("UBND TỈNH AN HÒA\nVĂN PHÒNG\n\nSố: 123/VP-KT\nV/v triển khai kế hoạch phòng cháy\n\n"
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nAn Hòa, ngày 4 tháng 4 năm 2024\n\nKính gửi: Các sở, ngành\n")
    document = describe(Document("d", text))
    assert (document.number, document.type, document.date) == ("123/VP-KT", "Công văn", "2024-04-04")
    assert document.title == "V/v triển khai kế hoạch phòng cháy"


def test_header_block_placed_after_the_first_page_by_pdf_extraction():
    text = ("NGHỊ ĐỊNH\nQuy định chi tiết về công tác văn thư\n\nCăn cứ Luật Tổ chức Chính phủ;\n\n"
            "Điều 1. Phạm vi điều chỉnh\nNghị định này quy định về công tác văn thư.\n"
            "CHÍNH PHỦ\n\nSố: 30/2020/NĐ-CP\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            "Hà Nội, ngày 05 tháng 3 năm 2020\n\nĐiều 2. Đối tượng áp dụng\n")
    document = describe(Document("d", text))
    assert (document.number, document.type, document.issuer, document.date) == (
        "30/2020/NĐ-CP", "Nghị định", "CHÍNH PHỦ", "2020-03-05")


def test_given_metadata_wins_and_short_plain_texts_get_no_guess():
    document = describe(Document("d", DIRECTIVE_TEXT, number="99-CT/TU", type="Chỉ thị"))
    assert document.number == "99-CT/TU"
    note = describe(Document("n", "Sáng nay, đơn vị tổ chức hội thao chào mừng ngày thành lập."))
    assert (note.number, note.type, note.date) == ("", "", "")


def test_dates_in_words_and_digits():
    assert find_date("ngày 02 tháng 01 năm 2020") == "2020-01-02"
    assert find_date("ngày 16/5/2018") == "2018-05-16"
    assert find_date("ngày 45 tháng 13 năm 2020") == ""

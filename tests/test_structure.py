"""Structure of State and Party texts: one test per rule, on small handwritten snippets."""

from __future__ import annotations

from directive_rag.structure import SectionIndex, find_headings, parse


def path_of(text: str, needle: str) -> str:
    return SectionIndex(text).path_at(text.index(needle))


def test_state_parts_chapters_sections_and_articles():
    text = (
        "PHẦN THỨ NHẤT\nNHỮNG QUY ĐỊNH CHUNG\n\nChương I\nQUY ĐỊNH CHUNG\n\nMục 1\nPHẠM VI\n\n"
        "Điều 1. Phạm vi điều chỉnh\nLuật này quy định về lưu trữ.\n\n"
        "Chương 2\nTÀI LIỆU\n\nĐiều 2. Tài liệu lưu trữ\nTài liệu có giá trị.\n"
    )
    assert path_of(text, "Luật này") == "Phần thứ nhất › Chương I › Mục 1 › Điều 1. Phạm vi điều chỉnh"
    assert path_of(text, "Tài liệu có") == "Phần thứ nhất › Chương 2 › Điều 2. Tài liệu lưu trữ"


def test_clauses_and_points_inside_an_article():
    text = (
        "Điều 3. Lịch tiếp công dân\n1. Chủ tịch tiếp công dân:\na) Mỗi tháng một ngày;\n"
        "b) Khi cần thiết.\n2. Phó Chủ tịch tiếp công dân:\nd) Ngày thứ năm;\nđ) Ngày thứ sáu;\n"
        "e) Ngày thứ bảy;\ng) Ngày chủ nhật.\n"
    )
    assert path_of(text, "Mỗi tháng") == "Điều 3. Lịch tiếp công dân › Khoản 1 › Điểm a"
    assert path_of(text, "Phó Chủ tịch") == "Điều 3. Lịch tiếp công dân › Khoản 2"
    assert path_of(text, "Ngày thứ sáu") == "Điều 3. Lịch tiếp công dân › Khoản 2 › Điểm đ"
    assert path_of(text, "Ngày chủ nhật") == "Điều 3. Lịch tiếp công dân › Khoản 2 › Điểm g"


def test_points_skip_f():
    text = "Điều 1. Đối tượng\n1. Gồm:\ne) Cán bộ;\nf) Không phải một điểm;\n"
    assert path_of(text, "Không phải") == "Điều 1. Đối tượng › Khoản 1 › Điểm e"


def test_party_parts_items_subitems_points_and_dashes():
    text = (
        "I. MỤC ĐÍCH, YÊU CẦU\n\n1. Nâng cao nhận thức của cán bộ.\n\nII. NHIỆM VỤ, GIẢI PHÁP\n\n"
        "1. Đổi mới giáo dục chính trị\n\n1.1. Trước mỗi đợt huấn luyện phải quán triệt.\n\n"
        "1.2. Kết hợp giáo dục với huấn luyện, cụ thể:\n\na) Sinh hoạt tư tưởng đầu tuần;\n"
        "- Nói chuyện truyền thống;\n- Đọc báo mỗi sáng.\n\nb) Biểu dương kịp thời.\n"
    )
    assert path_of(text, "Nâng cao") == "I. MỤC ĐÍCH, YÊU CẦU › 1."
    assert path_of(text, "Trước mỗi") == "II. NHIỆM VỤ, GIẢI PHÁP › 1. Đổi mới giáo dục chính trị › 1.1."
    assert path_of(text, "Đọc báo") == "II. NHIỆM VỤ, GIẢI PHÁP › 1. Đổi mới giáo dục chính trị › 1.2. › a)"
    assert path_of(text, "Biểu dương") == "II. NHIỆM VỤ, GIẢI PHÁP › 1. Đổi mới giáo dục chính trị › 1.2. › b)"


def test_party_regulation_with_articles_under_dash_numbered_parts():
    text = (
        "I- QUY ĐỊNH CHUNG\n\nĐiều 1. Phạm vi\n1. Quy định này áp dụng chung.\n\n"
        "II- TRÁCH NHIỆM\n\nĐiều 2. Cấp ủy\nCấp ủy lãnh đạo.\n"
    )
    assert path_of(text, "áp dụng chung") == "I. QUY ĐỊNH CHUNG › Điều 1. Phạm vi › Khoản 1"
    assert path_of(text, "Cấp ủy lãnh đạo") == "II. TRÁCH NHIỆM › Điều 2. Cấp ủy"


def test_a_roman_numeral_out_of_sequence_is_not_a_part():
    text = "I. TÌNH HÌNH\nNội dung.\nC. Mác đã viết như vậy.\nII. NHIỆM VỤ\nViệc cần làm.\nV. Lênin viết.\n"
    assert path_of(text, "Mác") == "I. TÌNH HÌNH"
    assert path_of(text, "Lênin") == "II. NHIỆM VỤ"
    assert path_of("III. TỔ CHỨC THỰC HIỆN\nCác cấp ủy.\n", "Các cấp ủy") == "III. TỔ CHỨC THỰC HIỆN"


def test_cross_references_do_not_open_sections():
    text = (
        "Điều 4. Trách nhiệm\n1. Thực hiện theo khoản 2 Điều 5 của Luật này.\n"
        "2. Cơ quan thực hiện quy định tại khoản 2\nĐiều 5 của Luật Lưu trữ và quy định tại\n"
        "Điều 6. Các cơ quan khác phối hợp.\n"
    )
    assert path_of(text, "Các cơ quan khác") == "Điều 4. Trách nhiệm › Khoản 2"
    assert [heading.label for heading in parse(text) if heading.kind == "article"] == ["Điều 4. Trách nhiệm"]


def test_a_point_label_inside_a_sentence_is_not_a_point():
    text = "Điều 2. Áp dụng\n1. Trường hợp quy định tại a) và b) thì áp dụng theo điểm\na) khoản 3 Điều 5.\n"
    assert path_of(text, "khoản 3") == "Điều 2. Áp dụng › Khoản 1"
    assert not [heading for heading in parse(text) if heading.kind == "point"]


def test_numbers_opening_a_line_are_not_clauses():
    text = "Điều 1. Mức hỗ trợ\nMức hỗ trợ là\n2.000.000 đồng mỗi người.\n\n5 cán bộ được cử đi học.\n"
    assert [heading.kind for heading in parse(text)] == ["article"]


def test_an_attached_regulation_restarts_its_articles():
    text = (
        "QUYẾT ĐỊNH\nBan hành Quy chế tiếp công dân\n\nQUYẾT ĐỊNH:\n\n"
        "Điều 1. Ban hành kèm theo Quyết định này bản Quy chế tiếp công dân ở Trụ sở Tiếp công dân tỉnh.\n\n"
        "Điều 2. Quyết định này có hiệu lực từ ngày ký.\n\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\n"
        "QUY CHẾ\nTiếp công dân tại Trụ sở Tiếp công dân tỉnh\n(Ban hành kèm theo Quyết định số 15/2024/QĐ-UBND)\n\n"
        "Chương I\nQUY ĐỊNH CHUNG\n\nĐiều 1. Phạm vi điều chỉnh\nQuy chế này quy định việc tiếp công dân.\n"
    )
    assert path_of(text, "Ban hành kèm theo Quyết định này") == "Điều 1"
    assert path_of(text, "Tiếp công dân tại Trụ sở") == "Quy chế"
    assert path_of(text, "Quy chế này quy định") == "Quy chế › Chương I › Điều 1. Phạm vi điều chỉnh"


def test_markdown_residue_is_read_like_plain_text():
    text = (
        "**Chương\nII**\n\n**QUY ĐỊNH CỤ THỂ**\n\n**Điều 2. Đối tượng áp dụng**\n\nCán bộ, công chức.\n\n"
        "**Điều\n3. Phông lưu trữ Đảng Cộng\nsản Việt Nam**\n\nTài liệu của Đảng.\n\n"
        "**Điều ****4****.** Quy định này thay thế Quy định số 270-QĐ/TW.\n\n**2.** Trách nhiệm thi hành.\n"
    )
    assert path_of(text, "Cán bộ") == "Chương II › Điều 2. Đối tượng áp dụng"
    assert path_of(text, "Tài liệu của") == "Chương II › Điều 3. Phông lưu trữ Đảng Cộng sản Việt Nam"
    assert path_of(text, "Quy định này thay thế") == "Chương II › Điều 4"
    assert path_of(text, "Trách nhiệm thi hành") == "Chương II › Điều 4 › Khoản 2"


def test_long_titles_are_shortened():
    text = "Điều 7. Trách nhiệm của các cơ quan, tổ chức, cá nhân có liên quan trong việc thực hiện\nNội dung.\n"
    label = path_of(text, "Nội dung")
    assert label == "Điều 7. Trách nhiệm của các cơ quan, tổ chức, cá…"
    assert len(label) <= len("Điều 7. ") + 41


def test_a_span_is_named_after_the_deepest_unit_holding_all_of_it():
    text = "Điều 2. Đối tượng\n1. Cán bộ.\n2. Công chức.\nĐiều 3. Hiệu lực\nTừ ngày ký.\n"
    sections = SectionIndex(text)
    assert sections.section(text.index("1. Cán bộ"), text.index("Công chức") + 5) == "Điều 2. Đối tượng"
    assert sections.section(text.index("Công chức"), text.index("Công chức") + 5) == "Điều 2. Đối tượng › Khoản 2"
    assert sections.section(text.index("Cán bộ"), text.index("Từ ngày")) == ""


def test_find_headings_keeps_named_units_only():
    text = "II. NHIỆM VỤ\n1. Công an tỉnh\na) Kiểm tra nhà trọ.\n2. Sở Xây dựng rà soát giao thông.\n"
    assert [heading.label for heading in find_headings(text)] == ["II. NHIỆM VỤ", "1. Công an tỉnh"]

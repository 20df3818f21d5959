"""Vietnamese normalization: one test per rule on small handwritten snippets, legacy encodings,
and a run over the real documents in ../shared/data."""

from __future__ import annotations

import json
import random
import re
import unicodedata

import pytest
from conftest import shared_data

from directive_rag.legacy_encodings import TCVN3, VNI, detect
from directive_rag.loaders import load_file
from directive_rag.loaders.base import LoadError, make_document
from directive_rag.normalize import canonical_tones, match_key, normalize_query, normalize_text
from directive_rag.tokenize import syllables


def lines(text: str) -> list[str]:
    return normalize_text(text).split("\n")


# --- characters ---------------------------------------------------------------------------------


def test_nfc_and_one_kind_of_line_break():
    decomposed = unicodedata.normalize("NFD", "Nghị quyết về chuyển đổi số.")
    assert normalize_text(f"{decomposed}\r\nDòng hai.\rDòng ba.\u2028Dòng bốn.") == (
        "Nghị quyết về chuyển đổi số.\nDòng hai.\nDòng ba.\nDòng bốn."
    )


def test_eth_lookalikes_become_d_with_stroke_only_in_vietnamese():
    assert normalize_text("khoản 1 Ðiều 40; ðiều kiện, ðã") == "khoản 1 Điều 40; điều kiện, đã"
    assert normalize_text("Guðrún; ð 2-Chloroethyl") == "Guðrún; ð 2-Chloroethyl"


def test_odd_spaces_become_spaces_and_invisible_characters_go():
    text = "Chỉ\u00a0thị\u202fsố\u2009 53\u200b-CT/ĐU về kỷ\u00adluật\ufeff\u200d."
    assert normalize_text(text) == "Chỉ thị số  53-CT/ĐU về kỷluật."


def test_dashes_inside_document_numbers_are_hyphens():
    text = "Chỉ thị 53–CT/ĐU, Nghị định 30/2020/NĐ–CP, Thông tư 12/2021/TT−BQP và Quyết định 15/2014/QĐ- UBND"
    assert normalize_text(text) == (
        "Chỉ thị 53-CT/ĐU, Nghị định 30/2020/NĐ-CP, Thông tư 12/2021/TT-BQP và Quyết định 15/2014/QĐ-UBND"
    )
    assert normalize_text("giai đoạn 2021–2025, kinh tế – xã hội") == "giai đoạn 2021–2025, kinh tế – xã hội"


def test_queries_get_the_same_characters_on_one_line():
    assert normalize_query("  Chỉ thị\u00a053–CT/ĐU\nvề Ðảng ") == "Chỉ thị 53-CT/ĐU về Đảng"
    assert normalize_query("Video") == "Video"  # queries keep every word


# --- hard line breaks ---------------------------------------------------------------------------


def test_a_sentence_wrapped_before_a_lower_case_word_is_joined():
    assert normalize_text("Chánh Văn phòng Ủy ban nhân\ndân tỉnh chịu trách\nnhiệm thi hành.") == (
        "Chánh Văn phòng Ủy ban nhân dân tỉnh chịu trách nhiệm thi hành."
    )
    assert normalize_text("các tổ chức chính trị\n- xã hội và\n(sau đây gọi là đoàn thể)") == (
        "các tổ chức chính trị - xã hội và (sau đây gọi là đoàn thể)"
    )


def test_a_name_or_number_wrapped_mid_phrase_is_joined():
    assert normalize_text("theo quy định tại Luật\nNgười lao động Việt Nam, nước Cộng hòa xã hội chủ nghĩa\nViệt Nam;") == (
        "theo quy định tại Luật Người lao động Việt Nam, nước Cộng hòa xã hội chủ nghĩa Việt Nam;"
    )
    assert normalize_text("Căn cứ Nghị quyết số\n07/NQ-CP ngày\n12 tháng 02 năm 2025;") == (
        "Căn cứ Nghị quyết số 07/NQ-CP ngày 12 tháng 02 năm 2025;"
    )


def test_a_reference_wrapped_before_an_article_is_a_wrap_not_a_heading():
    assert normalize_text("trừ trường hợp quy định tại khoản 2\nĐiều 5 của Luật này.") == (
        "trừ trường hợp quy định tại khoản 2 Điều 5 của Luật này."
    )
    assert normalize_text("theo quy định tại Điều\n5 của Luật này.") == "theo quy định tại Điều 5 của Luật này."
    assert lines("Quyết định này có hiệu lực kể từ ngày ký.\nĐiều 5. Tổ chức thực hiện") == [
        "Quyết định này có hiệu lực kể từ ngày ký.",
        "Điều 5. Tổ chức thực hiện",
    ]


def test_a_point_label_inside_a_sentence_is_not_an_item():
    assert normalize_text("các trường hợp quy định tại điểm\na) và b) khoản 1 Điều này") == (
        "các trường hợp quy định tại điểm a) và b) khoản 1 Điều này"
    )
    assert normalize_text("Đối tượng quy định tại điểm a) khoản 1 được miễn.") == (
        "Đối tượng quy định tại điểm a) khoản 1 được miễn."
    )
    assert lines("1. Thời gian, địa điểm\n2. Nội dung") == ["1. Thời gian, địa điểm", "2. Nội dung"]


def test_headings_items_and_paragraphs_keep_their_lines():
    text = (
        "Chương I\nNHỮNG QUY ĐỊNH CHUNG\n\n"
        "Điều 1. Phạm vi điều chỉnh\nLuật này quy định việc tiếp công dân.\n"
        "Điều 2. Đối tượng áp dụng\n1. Cán bộ, công chức làm công tác tiếp công dân bao gồm:\n"
        "a) Người được giao nhiệm vụ;\nđ) Người khác.\n1.1. Nội dung\n- Tăng cường kiểm tra;\n+ Báo cáo hằng quý.\n\n"
        "II. NHIỆM VỤ, GIẢI PHÁP\na) Trình tự thực hiện\nBước 1: Nộp hồ sơ."
    )
    assert normalize_text(text) == text


def test_header_block_lines_stay_apart():
    text = (
        "ỦY BAN NHÂN DÂN\nTỈNH MẪU\nSố: 15/2024/QĐ-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\nMẫu Sơn, ngày 5 tháng 3 năm 2024\n\nQUYẾT ĐỊNH\nvề việc ban hành quy chế\n\n"
        "Căn cứ Luật Tổ chức chính quyền địa phương;\n\nNơi nhận:\n- Như Điều 3;\n- Lưu: VT.\n"
        "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\nNguyễn Văn A"
    )
    assert normalize_text(text) == text
    assert lines("Số:\n15/2024/QĐ-UBND\nHà Nội, ngày 5\ntháng 3 năm 2024") == [
        "Số: 15/2024/QĐ-UBND",
        "Hà Nội, ngày 5 tháng 3 năm 2024",
    ]


# --- page furniture, Markdown, web cruft --------------------------------------------------------


def test_gazette_page_headers_numbers_and_stamps_are_removed_and_the_page_break_mended():
    pdf_text = (
        " \nCÔNG BÁO/Số 1333 + 1334/Ngày 12-12-2024 \n3 \n \nCHÍNH PHỦ \n \nNGHỊ ĐỊNH \n"
        "Điều 1. Phạm vi điều chỉnh \nNghị định này điều chỉnh việc quản lý, sử dụng tài sản công tại cơ quan nhà \n"
        "Người ký: CỔNG THÔNG TIN ĐIỆN TỬ CHÍNH PHỦ\nEmail: thongtinchinhphu@chinhphu.vn\n"
        "Cơ quan: VĂN PHÒNG CHÍNH PHỦ\nThời gian ký: 28.08.2024 14:39:08 +07:00\n\n \n4 \n"
        "CÔNG BÁO/Số 1333 + 1334/Ngày 12-12-2024 \n  \nnước; bảng giá:\n1\n2\n"
        "5                             CÔNG BÁO/Số 1335/Ngày 13-12-2024\n(Xem tiếp Công báo số 1337 + 1338) \n"
    )
    assert lines(pdf_text) == [
        "CHÍNH PHỦ",
        "",
        "NGHỊ ĐỊNH",
        "Điều 1. Phạm vi điều chỉnh",
        "Nghị định này điều chỉnh việc quản lý, sử dụng tài sản công tại cơ quan nhà nước; bảng giá:",
        "1",
        "2",
    ]


def test_markdown_emphasis_and_table_residue_go_and_the_words_stay():
    markdown = (
        "|\n**ỦY BAN NHÂN\nDÂN **\n---------\n|\n*Hà Nội, ngày 5\ntháng 3 năm 2024 *\n|\n\n"
        "**Chương I****QUY ĐỊNH CHUNG**\n\n#### **Điều 1. **Ban\nhành kèm theo Quyết định này Quy chế.\n\n"
        "| Mức | Ghi chú (*) |\n* *\n** **\n\nTổng (1)*(2) = 6; * Mục tiêu: tăng *.xml"
    )
    assert lines(markdown) == [
        "ỦY BAN NHÂN DÂN",
        "",
        "Hà Nội, ngày 5 tháng 3 năm 2024",
        "",
        "Chương I QUY ĐỊNH CHUNG",
        "",
        "Điều 1. Ban hành kèm theo Quyết định này Quy chế.",
        "",
        "Mức | Ghi chú (*)",
        "",
        "Tổng (1)*(2) = 6; * Mục tiêu: tăng *.xml",
    ]


def test_web_cruft_lines_go_but_dates_and_forms_stay():
    page = (
        "Thứ sáu Ngày 19 Tháng 07 Năm 2024, 01:00:41\n\nGiữ vững vai trò nêu gương\n\n"
        "Cập nhật ngày: 07/12/2022 - 17:19\n\nNội dung bài viết.\n\nVideo\nChia sẻ\n\nTrả lời\n\n"
        "Thư điện tử của bạn sẽ không được hiển thị công khai.\n\nTìm kiếm theo ngày"
    )
    assert normalize_text(page) == "Giữ vững vai trò nêu gương\n\nCập nhật ngày: 07/12/2022 - 17:19\n\nNội dung bài viết."
    form = "CÂU HỎI\n\nTRẢ LỜI\n\nThứ hai\n\nThứ ba"
    assert normalize_text(form) == form


# --- idempotence, robustness --------------------------------------------------------------------

_PIECES = [
    "Điều 5.", "Chương II", "khoản 2", "a)", "đ)", "- ", "* ", "**", "*", "|", "---", "\n", "\n\n", "\r\n", " ",
    "\u00a0", "\u200b", "\u00ad", "Ð", "ð", "–", "53–CT/ĐU", "/NĐ–CP", "CÔNG BÁO/Số 12/Ngày 1-1-2020", "3",
    "hoà", "thuỷ", "Uû ban", "nh©n", "UÛy", "Ủy ban nhân dân", "xã hội", "VIỆT NAM", "Video", "Trả lời", "(*)",
    "Số:", "ngày", "của", "Việt", "#### ", "\ud800", "\u0301", "\x00", "😀", "é", "ß", "ﬁ", "İ",
]


def test_idempotent_and_never_raises_on_arbitrary_unicode():
    generator = random.Random(20240512)
    for _ in range(3000):
        text = "".join(generator.choice(_PIECES) for _ in range(generator.randint(0, 40)))
        once = normalize_text(text)
        assert normalize_text(once) == once, repr(text)
        assert normalize_query(text) == normalize_query(normalize_query(text))
        canonical_tones(text)
        syllables(text)


# --- tone marks ---------------------------------------------------------------------------------


def test_canonical_tones_unify_placements_and_keep_length():
    pairs = [("hoà", "hòa"), ("thuỷ", "thủy"), ("khoá", "khóa"), ("Uỷ ban", "Ủy ban"), ("khoẻ", "khỏe"),
             ("HOÀ BÌNH", "HÒA BÌNH"), ("qúy", "quý"), ("hòang", "hoàng"), ("tuỳ", "tùy")]
    for variant, canonical in pairs:
        assert canonical_tones(variant) == canonical_tones(canonical) == canonical
        assert len(canonical_tones(variant)) == len(variant)
    for word in ("hoàng", "huỳnh", "quỳnh", "ngoài", "khuya", "thuở", "toán"):
        assert canonical_tones(word) == word


def test_display_text_keeps_the_original_placement_and_matching_ignores_it():
    assert normalize_text("Uỷ ban nhân dân tỉnh Hoà Bình") == "Uỷ ban nhân dân tỉnh Hoà Bình"
    assert match_key("Uỷ ban tỉnh Hoà Bình") == match_key("ỦY BAN TỈNH HÒA BÌNH") == "ủy ban tỉnh hòa bình"
    assert syllables("thuỷ lợi, khoá XII, ở") == syllables("thủy lợi, khóa XII, ở") == ["thủy", "lợi", "khóa", "xii", "ở"]


# --- legacy encodings ---------------------------------------------------------------------------

TCVN3_SNIPPET = (
    "CéNG HOµ X· HéI CHñ NGHÜA VIÖT NAM\n§éc lËp - Tù do - H¹nh phóc\n"
    "Uû ban nh©n d©n tØnh ban hµnh ChØ thÞ vÒ c«ng t¸c phßng, chèng ch¸y rõng."
)
VNI_SNIPPET = (
    "COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM\nÑoäc laäp - Töï do - Haïnh phuùc\n"
    "UÛy ban nhaân daân tænh ban haønh Chæ thò veà coâng taùc phoøng, choáng chaùy röøng."
)
UNICODE_SNIPPET = (
    "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
    "Uỷ ban nhân dân tỉnh ban hành Chỉ thị về công tác phòng, chống cháy rừng."
)


def test_tcvn3_text_is_converted():
    assert detect(TCVN3_SNIPPET) == TCVN3
    assert make_document("d", [TCVN3_SNIPPET]).text == UNICODE_SNIPPET


def test_vni_text_is_converted():
    assert detect(VNI_SNIPPET) == VNI
    assert canonical_tones(make_document("d", [VNI_SNIPPET]).text) == canonical_tones(UNICODE_SNIPPET)


def test_unicode_english_and_signs_are_never_converted():
    for text in (
        UNICODE_SNIPPET,
        "Văn bản khoá XII, hoà giải, toà án, thuỷ lợi: những chữ giống mã VNI.",
        "© 2024 Cổng thông tin. Nhiệt độ 30ºC, 5 µm.",
        "Copyright © 2024 Acme®. A naïve café in Köln, Zürich; particle size 10 µm, 2×3.",
    ):
        assert detect(text) is None
        assert make_document("d", [text]).text == normalize_text(text)


def test_legacy_text_mixed_with_unicode_is_refused():
    with pytest.raises(LoadError, match="bảng mã cũ \\(TCVN3\\)"):
        make_document("d", [UNICODE_SNIPPET + "\n" + TCVN3_SNIPPET])


def test_legacy_text_with_too_few_telltales_is_refused():
    with pytest.raises(LoadError, match="quá ít dấu hiệu"):
        make_document("d", ["Uû ban"])


def _cp1258_bytes(text: str) -> bytes:
    """Windows-1258 keeps â, ê, ô, ă, ơ, ư, đ whole and writes the tone as a separate mark."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for character in text:
        parts = unicodedata.normalize("NFD", character)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones)))
        out.append("".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def test_8_bit_vietnamese_text_files_load(tmp_path):
    (tmp_path / "cp1258.txt").write_bytes(_cp1258_bytes(UNICODE_SNIPPET))
    (tmp_path / "tcvn3.txt").write_bytes(TCVN3_SNIPPET.encode("latin-1"))
    (tmp_path / "vni.txt").write_bytes(VNI_SNIPPET.encode("cp1252"))
    for name in ("cp1258.txt", "tcvn3.txt", "vni.txt"):
        loaded = load_file(tmp_path / name, name)
        assert loaded.failures == [], loaded.failures
        assert canonical_tones(loaded.documents[0].text) == canonical_tones(UNICODE_SNIPPET), name
    (tmp_path / "latin1.txt").write_bytes("A naïve café, Köln.".encode("latin-1"))
    assert "UTF-8" in load_file(tmp_path / "latin1.txt", "latin1.txt").failures[0].error


def test_pdf_page_numbers_at_page_edges_are_removed():
    document = make_document("p", ["3\nĐiều 1. Phạm vi\nLuật này quy định về\n", "- 4 -\nbảo hiểm xã hội.\nTrang 4/9"], paged=True)
    assert document.text == "Điều 1. Phạm vi\nLuật này quy định về\n\nbảo hiểm xã hội."
    assert document.page_at(document.text.index("bảo hiểm")) == 2


# --- the real documents -------------------------------------------------------------------------

_FURNITURE_LINE = re.compile(r"CÔNG BÁO|^\s*(?:Ký bởi|Người ký|Email|Cơ quan|Thời gian ký|Ngày ký):", re.I)


def _real_documents():
    seeds = shared_data("seed_articles")
    for path in sorted(seeds.glob("0*.txt")):
        yield path.name, path.read_text(encoding="utf-8")
    for folder, every in (("vn_official_party_state_docs", 1), ("vn_gazette_legal_docs", 6)):
        with shared_data(f"{folder}/docs.jsonl").open(encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if number % every == 0:
                    record = json.loads(line)
                    yield record["doc_id"], record["text"]


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def test_real_documents_normalize_idempotently_and_keep_their_words():
    """All seed articles and Party/State texts, every 6th gazette text (the rest takes minutes)."""
    for doc_id, text in _real_documents():
        normalized = normalize_text(text)
        assert normalize_text(normalized) == normalized, doc_id
        assert detect(text) is None, doc_id
        content = "\n".join(line for line in text.splitlines() if not _FURNITURE_LINE.search(line))
        assert _letters(normalized) >= 0.95 * _letters(content), doc_id

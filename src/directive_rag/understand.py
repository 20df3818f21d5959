"""Document metadata read from a Vietnamese official text.

``describe`` fills number, type, issuer, place, date, title and signer from the text; values
already set on the Document (for example from a .jsonl record) are kept. ``canonical_number``
gives the one spelling of a document number that every stage compares on.

Texts arrive raw (Markdown residue, table pipes, two columns side by side, hard line breaks,
Công báo page headers) or cleaned, so the text is first re-read as plain lines: markup, rules
and page headers dropped, columns split apart. The header is everything above the type heading
("CHỈ THỊ", "QUYẾT ĐỊNH" …): its left column names the issuer, the "Số …" line the number and
the "<place>, ngày … tháng … năm …" line the place and date. Texts with no official header
(news reports) get type "Bài viết" and their publication date, never a guessed number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from .models import Document

ARTICLE_TYPE = "Bài viết"
CONSOLIDATED_TYPE = "Văn bản hợp nhất"
HEADING_TYPES = [
    "Chỉ thị", "Nghị quyết", "Nghị quyết liên tịch", "Quy định", "Hướng dẫn", "Kết luận", "Quyết định",
    "Thông tư", "Thông tư liên tịch", "Nghị định", "Luật", "Bộ luật", "Pháp lệnh", "Hiến pháp", "Kế hoạch",
    "Thông báo", "Thông tri", "Công văn", "Công điện", "Điều lệ", "Quy chế", "Báo cáo", "Tờ trình", "Đề án",
    "Phương án", "Chương trình",
]
# Type codes in numbers: Party "53-CT/ĐU" puts the type before the slash, State "187/QĐ-TTg" after it.
# Party "QĐ" is either Quy định or Quyết định, so only the heading can tell.
PARTY_TYPE_CODES = {
    "NQ": "Nghị quyết", "CT": "Chỉ thị", "QĐi": "Quy định", "QyĐ": "Quy định", "QC": "Quy chế",
    "KL": "Kết luận", "HD": "Hướng dẫn", "TB": "Thông báo", "TT": "Thông tri", "KH": "Kế hoạch",
    "CTr": "Chương trình", "BC": "Báo cáo", "TTr": "Tờ trình", "ĐA": "Đề án", "PA": "Phương án",
    "CV": "Công văn",
}
STATE_TYPE_CODES = {
    "NĐ": "Nghị định", "TT": "Thông tư", "TTLT": "Thông tư liên tịch", "NQLT": "Nghị quyết liên tịch",
    "QĐ": "Quyết định", "CT": "Chỉ thị", "NQ": "Nghị quyết", "KH": "Kế hoạch", "TB": "Thông báo",
    "BC": "Báo cáo", "TTr": "Tờ trình", "HD": "Hướng dẫn", "CTr": "Chương trình", "ĐA": "Đề án",
    "PA": "Phương án", "QC": "Quy chế", "CĐ": "Công điện", "VBHN": CONSOLIDATED_TYPE,
}

# --- numbers ------------------------------------------------------------------------------
# Codes are written in capitals except these few; titles in capitals write them "QĐ-TTG".
_MIXED_CASE_CODES = {code.upper(): code for code in ("TTg", "QĐi", "QyĐ", "CTr", "TTr")}
_LOOKALIKE_CHARS = {"Ð": "Đ", "ð": "đ", "Ɖ": "Đ", "ɖ": "đ", "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-"}
_LOOKALIKE = re.compile("[" + "".join(_LOOKALIKE_CHARS) + "]")
# A code is capitals with at most single lower-case letters between them ("TTg", "QyĐ"), so words
# such as "Ngày" in "CÔNG BÁO/Số 302/Ngày …" are not codes.
_CODE = r"[A-ZĐ](?:[A-ZĐ0-9&]|[a-zđ](?![a-zđ]))*(?!\w)"
_CODES = rf"{_CODE}(?:\s*-\s*{_CODE})*"
NUMBER = re.compile(
    rf"(?P<n>\d{{1,5}}(?:\.\d{{1,3}})?[a-z]?)\s*(?:"  # "66.16/2026/NQ-CP" has a dotted number
    rf"-\s*(?P<party_type>{_CODE})\s*/\s*(?P<party_issuer>{_CODES})"
    rf"|(?:/\s*(?P<year>(?:19|20)\d\d))?\s*/\s*(?P<state_codes>{_CODES}))"
)
# "Số: 15/2024/QĐ-UBND" anywhere in the header; "Luật số: 04/2017/QH14", "Nghị quyết số: …" at a line start.
_OWN_NUMBER_LABEL = re.compile(
    r"(?:^(?P<type>" + "|".join(sorted(HEADING_TYPES, key=len, reverse=True)) + r")\s+số"
    r"|(?:^|(?<=\s))(?:Số|SỐ)(?:\s+hiệu)?)\s*:?\s*(?=\d)",
    re.M,
)

# --- dates and places ---------------------------------------------------------------------
_DAY_MONTH_YEAR = (
    r"ngày\s*(\d{1,2})\s+tháng\s*(\d{1,2})\s+năm\s*(\d{4})"
    r"|(?:ngày\s*)?(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})"
)
DATE = re.compile(_DAY_MONTH_YEAR, re.I)
_PLACE_DATE = re.compile(rf",\s*(?:{_DAY_MONTH_YEAR})", re.I)
_PUBLISHED = re.compile(
    rf"(?:ngày\s+đăng|đăng\s+ngày|ngày\s+cập\s+nhật|cập\s+nhật(?:\s+ngày)?)\s*:?\s*(?:{_DAY_MONTH_YEAR})", re.I
)
# "Luật này đã được Quốc hội … thông qua ngày 20 tháng 6 năm 2012": the date of texts without a dated header.
_ADOPTED = re.compile(
    rf"này\s+(?:đã\s+)?được\s+(?P<body>[^.;]{{3,160}}?)\s+thông\s+qua\s+(?:{_DAY_MONTH_YEAR})", re.I
)
_ADOPTING_BODY_END = re.compile(r"\s+(?:nước|khóa|khoá|tại)\s|,")
_PLACE_LOWERCASE_WORDS = {"phố", "xã", "thị", "trấn", "huyện", "tỉnh", "quận"}

# --- layout -------------------------------------------------------------------------------
_MOTTOS = re.compile(
    r"CỘNG\s+H[OÒ][AÀ]\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM|ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM"
    r"|Độc\s+lập\s*-\s*Tự\s+do\s*-\s*Hạnh\s+phúc"
)
_MARKUP = re.compile(r"[*#`>\\]+|_{2,}")
_RULE = re.compile(r"[-=~_.*]{3,}")
_SPACES = re.compile(r"[^\S\n]{2,}|[^\S\n ]")  # runs of spaces, tabs, "\r", no-break spaces
_COLUMN_GAP = re.compile(r"(?<=\S)(?:[ \t]*\t[ \t]*| {3,})(?=\S)")
_GAZETTE_PAGE = re.compile(r"CÔNG BÁO\s*/\s*Số")
# Công báo running headers and page numbers, and the digital-signature stamp.
_PAGE_NOISE = re.compile(r"^(?:\d{1,4}|CÔNG BÁO\s*/.*|(?:Ký bởi|Cơ quan|Email|Ngày ký|Thời gian ký)\s*:.*)$")
# Công báo section titles, sometimes on the line of the issuer: "VĂN BẢN HỢP NHẤT - VĂN PHÒNG QUỐC HỘI".
_GAZETTE_SECTION = re.compile(r"^(?:VĂN BẢN QUY PHẠM PHÁP LUẬT|VĂN BẢN PHÁP LUẬT KHÁC|VĂN BẢN HỢP NHẤT)\s*-?\s*")
_CONSOLIDATED_SECTION = re.compile(r"^\W*VĂN BẢN HỢP NHẤT\s*-", re.M)
_HEADING = re.compile(
    r"^(?P<type>" + "|".join(sorted((re.escape(name.upper()) for name in HEADING_TYPES), key=len, reverse=True))
    + r")(?:\d{1,2}|\[\d{1,2}\])?(?:\s+(?P<rest>.*))?$"  # a footnote mark may follow: "NGHỊ ĐỊNH1"
)
_BODY_START = re.compile(
    r"^(?:Căn cứ|Thực hiện|Xét |Theo đề nghị|Điều \d|Chương [IVXLC\d]|Phần |[IVX]+[.\-] |[-+•]"
    r"|Phụ lục|PHỤ LỤC|Mẫu số)"
)
_ARTICLE_MIN_WORDS = 80
_HEADER_LINES = 40  # non-blank lines searched for the type heading
_DISPLACED_HEADER_LINES = 400  # PDF text can put the header block after the first page's body
_DATE_LINE_CHARS = 80  # "Hà Nội, ngày …" is a short line; a dated sentence is not part of a header
_CONSOLIDATION = re.compile(r"XÁC\s+(?:THỰC|NHẬN)\s+VĂN\s+BẢN\s+HỢP\s+NHẤT")
_CONSOLIDATION_PREAMBLE = re.compile(r"được\s+sửa\s+đổi,\s*bổ\s+sung\s+bởi\s*:")
_ABOUT = re.compile(r"^V/v\b")
_NUMBER_LINE = re.compile(rf"^(?:Số|SỐ)\b|^{NUMBER.pattern}$")  # "Số:" and its number may sit on two lines
# A header line that starts a new level ("BAN CHẤP HÀNH TRUNG ƯƠNG" / "BAN TỔ CHỨC") rather than
# continuing a name wrapped over two lines ("ỦY BAN NHÂN" / "DÂN").
_ORGAN_START = re.compile(
    r"^(?:BAN|ĐẢNG (?:ỦY|UỶ|BỘ|ĐOÀN)|CHI BỘ|VĂN PHÒNG|SỞ|CỤC|TỔNG CỤC|VỤ|BỘ|(?:ỦY|UỶ) BAN|HỘI ĐỒNG"
    r"|TRƯỜNG|HỌC VIỆN|VIỆN|TÒA ÁN|TOÀ ÁN|THANH TRA|TRUNG TÂM|CÔNG AN|QUÂN KHU|SƯ ĐOÀN|LỮ ĐOÀN|TRUNG ĐOÀN"
    r"|PHÒNG|TỈNH ỦY|TỈNH UỶ|THÀNH ỦY|THÀNH UỶ|HUYỆN ỦY|HUYỆN UỶ|QUẬN ỦY|QUẬN UỶ|UBND)\b"
)
_WRAPPED_NAME = re.compile(r"(?:VÀ|-|,)\n|(?:ỦY|UỶ)\nBAN NHÂN DÂN")  # "CHỦ TỊCH ỦY" / "BAN NHÂN DÂN TỈNH"
_TITLE_CONTINUES = re.compile(r"^(?:VỀ|Về|về|CỦA|của|TẠI|tại|NĂM|năm|GIAI ĐOẠN|ĐẾN|KHÓA|KHOÁ|LẦN)\b")
_CONNECTIVES = {"là", "của", "và", "về", "với", "cho", "tại", "theo", "trong", "thuộc", "đến"}
_TITLE_MAX_LINES = 12
_CITED_TEXT = re.compile(r"^(?:" + "|".join(HEADING_TYPES) + r")(?:\s+số)?\s+\d")
_FOOTNOTE_MARK = re.compile(r"(?<=[^\W\d])\d{1,2}$")  # "Quy định về đăng ký thuế1"

# --- signature ----------------------------------------------------------------------------
_ON_BEHALF = re.compile(r"^(?:T/M|TM)(?:\.\s*|\s+)(?P<body>[A-ZĐỦ].*)$")  # thay mặt: on behalf of
_SIGNING_MARK = re.compile(r"^(?:T/M|TM|K/T|KT|Q|TL|TUQ|T\.L)(?:\.\s*|\s+)[A-ZĐỦ]")
_SIGNING_TITLE = re.compile(
    r"^(?:PHÓ |TỔNG )?(?:CHỦ TỊCH|BÍ THƯ|BỘ TRƯỞNG|THỨ TRƯỞNG|THỦ TƯỚNG|TRƯỞNG BAN|GIÁM ĐỐC|CHÁNH VĂN PHÒNG"
    r"|CHỦ NHIỆM|CHÁNH ÁN|VIỆN TRƯỞNG|THỐNG ĐỐC|KIỂM TOÁN NHÀ NƯỚC|CỤC TRƯỞNG|CHÍNH ỦY|CHÍNH UỶ|TƯ LỆNH)\b"
)
_RANK = re.compile(r"^(?:Đại|Thượng|Trung|Thiếu)\s+(?:tướng|tá|úy|uý)\s+")
_RECIPIENT = re.compile(r"^(?:[-+•]|Nơi nhận)")
_SIGNATURE_NOTE = re.compile(r"^\(?(?:đã ký|Đã ký|ĐÃ KÝ)[^)]*\)?$")


def canonical_number(raw: str) -> str:
    """The canonical form of the first document number in ``raw``, or "" when it holds none.

    Party numbers read "53-CT/ĐU", State numbers "30/2020/NĐ-CP", "187/QĐ-TTg" or "50/2019/QH14":
    spaces and dash variants around the separators go, "Ð" (U+00D0) becomes "Đ", codes are
    capitalized except the mixed-case ones (TTg, QĐi, QyĐ, CTr, TTr), and a one-digit number gets
    the leading zero official texts write ("5-CT/TW" -> "05-CT/TW").

    >>> canonical_number("Chỉ thị số 53 – CT/ĐU")
    '53-CT/ĐU'
    >>> canonical_number("06/QĐ-TTG")
    '06/QĐ-TTg'
    """
    text = _unify(raw)
    match = NUMBER.search(text)
    if not match:
        return ""
    number = match["n"].zfill(2)
    if match["party_type"]:
        return f"{number}-{_code(match['party_type'])}/{_codes(match['party_issuer'])}"
    year = f"{match['year']}/" if match["year"] else ""
    return f"{number}/{year}{_codes(match['state_codes'])}"


def _unify(text: str) -> str:
    """NFC, with "Ð" (U+00D0) read as "Đ" and every dash as "-"."""
    return _LOOKALIKE.sub(lambda match: _LOOKALIKE_CHARS[match.group()], unicodedata.normalize("NFC", text))


def _code(code: str) -> str:
    upper = code.upper()
    return _MIXED_CASE_CODES.get(upper, upper)


def _codes(codes: str) -> str:
    return "-".join(_code(part.strip()) for part in codes.split("-"))


def type_from_number(number: str) -> str:
    """The document type a canonical number's type code names, or "" when it names none."""
    party = re.fullmatch(r"[^-/]+-([^/]+)/.+", number)
    if party:
        return PARTY_TYPE_CODES.get(party[1], "")
    state = re.fullmatch(r"[^/]+(?:/\d{4})?/([^-]+)(?:-.*)?", number)
    return STATE_TYPE_CODES.get(state[1], "") if state else ""


def find_date(text: str) -> str:
    """The first valid date in ``text`` as ISO "YYYY-MM-DD", or ""."""
    for match in DATE.finditer(text):
        date = _iso_date(match)
        if date:
            return date
    return ""


def _iso_date(match: re.Match) -> str:
    day, month, year = (int(value) for value in match.groups()[-6:] if value is not None)
    if 1 <= day <= 31 and 1 <= month <= 12:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


def _clean_lines(text: str) -> list[str]:
    """The text as plain lines: no markup, table pipes, rules or page headers; columns split apart.

    Empty strings stand for blank lines and dropped rules, which separate blocks.
    """
    text = _COLUMN_GAP.sub("\n", _unify(text).replace("|", "\n"))
    text = _SPACES.sub(" ", _RULE.sub(" ", _MARKUP.sub(" ", text)))
    lines = [line.strip() for line in text.split("\n")]
    return ["" if _PAGE_NOISE.match(line) else _GAZETTE_SECTION.sub("", line) for line in lines]


def describe(document: Document) -> Document:
    """The document with number, type, issuer, place, date, title and signer filled where empty."""
    found = _read_metadata(document.text)
    return replace(document, **{name: value for name, value in found.items() if value and not getattr(document, name)})


def _read_metadata(text: str) -> dict[str, str]:
    """Everything ``describe`` can read from ``text``; empty strings for what it cannot."""
    lines = _clean_lines(text)
    heading_at, heading_type, heading_rest = _find_heading(lines)
    header_text = "\n".join(_header_lines(lines, heading_at))
    has_motto = bool(_MOTTOS.search(header_text))
    header_text = _MOTTOS.sub("\n", header_text)
    number, label_type = _own_number(header_text)
    signer = _signer(lines, heading_at or 0)
    if not (number or heading_type or has_motto or signer or _GAZETTE_PAGE.search(text[:3000])):
        # No official header: a news report or similar prose, unless too short to tell.
        if len(text.split()) < _ARTICLE_MIN_WORDS:
            return {}
        return {"type": ARTICLE_TYPE, "date": _published_date(lines), "title": _headline(lines)}

    place, date = _place_and_date(header_text)
    issuer = _issuer(header_text)
    # A consolidated text may repeat the header of the text it consolidates; its own number,
    # date and issuer are in the "XÁC THỰC VĂN BẢN HỢP NHẤT" block after the body.
    consolidation = _consolidation_block(lines)
    if consolidation and _own_number(consolidation)[0]:
        number = _own_number(consolidation)[0]
        place, date = _place_and_date(consolidation) if find_date(consolidation) else (place, date)
        issuer = _issuer(_CONSOLIDATION.sub("\n", consolidation)) or issuer
    adopted = None if date else _ADOPTED.search("\n".join(lines))
    if adopted:
        date = _iso_date(adopted)
        issuer = issuer or _ADOPTING_BODY_END.split(adopted["body"], 1)[0].upper()
    # A "V/v …" (về việc) line makes a letter: its number's code names a unit, not a type ("5680/CT-CS").
    about = next((line for line in header_text.split("\n") if _ABOUT.match(line)), "")
    code_type = type_from_number(number)
    if code_type == CONSOLIDATED_TYPE or consolidation or _is_consolidated(text, lines, heading_at):
        doc_type = CONSOLIDATED_TYPE
    else:
        doc_type = heading_type or label_type or ("Công văn" if about else code_type)
    return {
        "number": number, "type": doc_type, "issuer": issuer or _on_behalf_of(lines, heading_at or 0),
        "place": place, "date": date, "signer": signer,
        "title": _title(lines, heading_at, heading_rest) if heading_at is not None else about,
    }


def _find_heading(lines: list[str]) -> tuple[int | None, str, str]:
    """(index of its last line, type, rest of the line) of the header's type heading, if any."""
    for index in _first_nonblank(lines, _HEADER_LINES):
        line = lines[index]
        if _BODY_START.match(line):
            break
        candidates = [(index, line)]
        following = next((later for later in range(index + 1, min(index + 3, len(lines))) if lines[later]), None)
        if following is not None and line.isupper() and len(line.split()) == 1:  # "QUYẾT" / "ĐỊNH"
            candidates.append((following, f"{line} {lines[following]}"))
        for end, candidate in candidates:
            match = _HEADING.match(candidate)
            rest = (match["rest"] or "") if match else ""
            # the type alone, or followed by its title: in capitals, capitalized, or "về …"
            if match and (not rest or rest[0].isupper() or rest.startswith("về")):
                return end, next(name for name in HEADING_TYPES if name.upper() == match["type"]), rest
    return None, "", ""


def _first_nonblank(lines: list[str], count: int) -> list[int]:
    return [index for index, line in enumerate(lines) if line][:count]


def _header_lines(lines: list[str], heading_at: int | None) -> list[str]:
    """The lines above the heading (or above the body), or the header block PDF text moved below it."""
    if heading_at is None:
        heading_at = next((index for index in _first_nonblank(lines, _HEADER_LINES) if _BODY_START.match(lines[index])),
                          min(len(lines), _HEADER_LINES))
    header = lines[:heading_at]
    joined = "\n".join(header)
    if _MOTTOS.search(joined) or _own_number(joined)[0]:
        return header
    below = "\n".join(lines[heading_at : heading_at + _DISPLACED_HEADER_LINES])
    motto = _MOTTOS.search(below)
    if not motto:
        return header
    displaced = _header_block(lines, heading_at + below.count("\n", 0, motto.start()))
    return displaced if _own_number("\n".join(displaced))[0] else header


def _header_block(lines: list[str], at: int) -> list[str]:
    """The header-like lines (capitals, "Số …", dates, mottos, blanks) around line ``at``."""
    start = at
    while start > 0 and at - start < 12 and _header_like(lines[start - 1]):
        start -= 1
    end = at
    while end < len(lines) and end - at < 16 and _header_like(lines[end]):
        end += 1
    return lines[start:end]


def _header_like(line: str) -> bool:
    dated = len(line) <= _DATE_LINE_CHARS and DATE.search(line)
    blank = not any(ch.isalnum() for ch in line)
    return blank or _is_caps(line) or bool(_OWN_NUMBER_LABEL.match(line) or dated or _MOTTOS.search(line))


def _own_number(header_text: str) -> tuple[str, str]:
    """The header's own number in canonical form, and the type its label names ("Luật số …")."""
    for label in _OWN_NUMBER_LABEL.finditer(header_text):
        match = NUMBER.match(header_text, label.end())
        # In a header the number ends its line or "<place>, ngày …" follows; "Số 349/GP-BTTTT do Bộ … cấp"
        # in running text (a table cell of a web page, say) is not a document's own number.
        rest = header_text[match.end() :].split("\n", 1)[0].strip() if match else ""
        if match and (not rest or rest.startswith("ngày") or _PLACE_DATE.search(rest) or _ABOUT.match(rest)):
            return canonical_number(match.group()), label["type"] or ""
    return "", ""


def _place_and_date(header_text: str) -> tuple[str, str]:
    """From "<place>, ngày … tháng … năm …", else the date of a short dated line."""
    for match in _PLACE_DATE.finditer(header_text):
        date = _iso_date(match)
        if date:
            return _place_before(header_text[: match.start()]), date
    for line in header_text.split("\n"):
        if len(line) <= _DATE_LINE_CHARS and not _ABOUT.match(line) and find_date(line):
            return "", find_date(line)
    return "", ""


def _place_before(text: str) -> str:
    """The place name that ends ``text``: capitalized words, on this line or wrapped from the last."""
    words = []
    for word in reversed(text.rsplit("\n\n", 1)[-1].split()[-8:]):
        capitalized = word[:1].isupper() and not any(ch.isdigit() or ch == "/" for ch in word)
        all_caps = word.isupper() and len(word) > 1 and not word.endswith(".")
        if not ((capitalized and not all_caps) or word in _PLACE_LOWERCASE_WORDS):
            break
        words.append(word)
    while words and words[-1] in _PLACE_LOWERCASE_WORDS:  # the walk ran into the end of a sentence
        words.pop()
    return " ".join(reversed(words))


def _issuer(header_text: str) -> str:
    """The header's left column above the number and date: wrapped lines joined, levels by ", "."""
    blocks: list[list[str]] = [[]]
    for line in header_text.split("\n"):
        if _NUMBER_LINE.match(line) or DATE.search(line) or _ABOUT.match(line) or _SIGNING_MARK.match(line):
            break
        if not line:
            blocks.append([])
        elif _is_caps(line):
            blocks[-1].append(line)
    distinct: list[list[str]] = []
    for block in blocks:  # Công báo pages repeat the issuer above the document's own header
        if block and " ".join(block) not in (" ".join(seen) for seen in distinct):
            distinct.append(block)
    issuer = ""
    for line in (line for block in distinct for line in block):
        if issuer and _ORGAN_START.match(line) and not _WRAPPED_NAME.search(f"{issuer}\n{line}"):
            issuer += ", "
        elif issuer:
            issuer += " "
        issuer += line
    return issuer


def _is_caps(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _mostly_caps(line: str) -> bool:
    """In capitals but for a stray letter or two ("PHÓ THỦ TƯỚNGy]" in extracted PDF text)."""
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 2 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


def _consolidation_block(lines: list[str]) -> str:
    """The lines around "XÁC THỰC VĂN BẢN HỢP NHẤT", where a consolidated text has its number."""
    for index, line in enumerate(lines):
        if line.startswith("XÁC"):
            block = "\n".join(_header_block(lines, index))
            if _CONSOLIDATION.search(block):
                return block
    return ""


def _is_consolidated(text: str, lines: list[str], heading_at: int | None) -> bool:
    """Whether a Công báo section title or the lines under the title ("… được sửa đổi, bổ sung bởi:")
    say the text is a consolidated one."""
    if _CONSOLIDATED_SECTION.search(text[:3000]):
        return True
    return heading_at is not None and bool(_CONSOLIDATION_PREAMBLE.search(" ".join(lines[heading_at : heading_at + 30])))


def _title(lines: list[str], heading_at: int, heading_rest: str) -> str:
    """The lines under the type heading, up to a blank line, a rule, "Căn cứ …" or the enacting body."""
    title = [heading_rest] if heading_rest else []
    index = heading_at + 1
    while index < len(lines) and len(title) < _TITLE_MAX_LINES:
        line = lines[index]
        if not line:
            following = next((later for later in lines[index + 1 : index + 4] if later), "")
            if title and not _title_continues(title[-1], following):
                break
        elif (_BODY_START.match(line) and (title or not line.startswith("Thực hiện"))  # a title may read "Thực hiện …"
              or line.startswith("(") or _SIGNING_MARK.match(line) or _SIGNING_TITLE.match(line)
              or _starts_preamble(lines, index)):
            break
        else:
            title.append(line)
        index += 1
    return _FOOTNOTE_MARK.sub("", " ".join(title))


def _title_continues(last: str, following: str) -> bool:
    """Whether a title goes on after a blank line: "… trước hết là" / "Ủy viên …", "…" / "trong …"."""
    words = last.split()
    return bool(_TITLE_CONTINUES.match(following) or following[:1].islower()
                or (words and words[-1] in _CONNECTIVES))


def _starts_preamble(lines: list[str], index: int) -> bool:
    """Whether a consolidated text's preamble ("Thông tư số … được sửa đổi, bổ sung bởi:") starts here;
    it may follow the title without a blank line."""
    return bool(_CITED_TEXT.match(lines[index]) and _CONSOLIDATION_PREAMBLE.search(" ".join(lines[index : index + 6])))


def _signer(lines: list[str], start: int) -> str:
    """The name under the first signing block ("TM. …", "KT. …", "CHỦ TỊCH" …) after the header."""
    for pattern in (_SIGNING_MARK, _SIGNING_TITLE):
        for index in range(start, len(lines)):
            if pattern.match(lines[index]):
                name = _name_after(lines, index + 1)
                if name:
                    return name
    return ""


def _name_after(lines: list[str], start: int) -> str:
    # Printed side by side, the recipients list ("Nơi nhận: - Như Điều 3; …") interleaves with the signature.
    candidates = [line for line in lines[start : start + 24] if line and not _RECIPIENT.match(line)][:6]
    for position, line in enumerate(candidates):
        if _mostly_caps(line) or _SIGNATURE_NOTE.match(line) or _CONSOLIDATION.search(line):
            continue
        if len(line.split()) == 1 and position + 1 < len(candidates):  # "Phan" / "Thị Thắng"
            line = f"{line} {candidates[position + 1]}"
        return line if _is_person_name(line) else ""
    return ""


def _is_person_name(line: str) -> bool:
    words = _RANK.sub("", line).split()
    return 2 <= len(words) <= 5 and all(word.isalpha() and word[0].isupper() and word[1:] == word[1:].lower() for word in words)


def _on_behalf_of(lines: list[str], start: int) -> str:
    """The body a signature acts for ("TM. CHÍNH PHỦ" -> "CHÍNH PHỦ"), for texts whose header lost it."""
    for line in lines[start:]:
        match = _ON_BEHALF.match(line)
        if match and _is_caps(match["body"]):
            return match["body"]
    return ""


def _published_date(lines: list[str]) -> str:
    """A news report's date: a labelled one ("Ngày đăng: …") or a short date line near the top."""
    top = [line for line in lines if line][:8]
    for line in top:
        match = _PUBLISHED.search(line)
        if match and _iso_date(match):
            return _iso_date(match)
    for line in top:
        if len(line) <= 60 and find_date(line):
            return find_date(line)
    return ""


def _headline(lines: list[str]) -> str:
    for line in [line for line in lines if line][:5]:
        if 8 <= len(line.split()) <= 40 and not DATE.search(line):
            return line
    return ""

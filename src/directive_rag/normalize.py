"""Text normalization: the document text every span points into, queries, and matching keys.

``normalize_text`` turns a loaded page into clean, readable text: NFC, one kind of space and
line break, "Ð" read as "Đ", identifiers with plain hyphens, no Markdown or table residue, no
running page headers, signature stamps or web-page cruft, and lines broken only where the
document breaks them (headings, items, header blocks, paragraphs), not where a PDF or a web
page wrapped a sentence. It is idempotent and never raises.

Tone-mark placement ("hoà"/"hòa", "thuỷ"/"thủy") is left as written in that text; matching
uses ``canonical_tones`` / ``match_key``, which put every mark in one place.
"""

from __future__ import annotations

import re
import unicodedata

# --- Vietnamese letters -------------------------------------------------------------------------

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_BASE_VOWELS = "aăâeêioôơuưy"
_UNTONED = {
    unicodedata.normalize("NFC", base + mark): base
    for vowel in _BASE_VOWELS
    for base in (vowel, vowel.upper())
    for mark in TONE_MARKS
}
VOWELS = _BASE_VOWELS + _BASE_VOWELS.upper() + "".join(_UNTONED)
_STRIP_TONES = str.maketrans(_UNTONED)


def strip_tones(text: str) -> str:
    """``text`` with the five tone marks removed from Vietnamese vowels (same length)."""
    return text.translate(_STRIP_TONES)


# --- characters ---------------------------------------------------------------------------------

_LINE_BREAKS = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n"})
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_ODD_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Lower-case "ð" is a Vietnamese "đ" only at the start of a syllable, before a vowel
# ("ðiều"); elsewhere it is Icelandic or a symbol-font bullet ("ð 2-Chloroethyl…").
_VIETNAMESE_ETH = re.compile(rf"ð(?<![^\W\d_]ð)(?=[{VOWELS}])")
_DASHES = "\u2010-\u2015\u2212\ufe63\uff0d"
# "53–CT/ĐU" (number–TYPE/ISSUER) and "30/2020/NĐ–CP", "15/QĐ- UBND" (…/TYPE–ISSUER).
_ODD_DASH = re.compile(f"[{_DASHES}]")
_PARTY_NUMBER_DASH = re.compile(rf"(\d) ?[{_DASHES}] ?(?=[A-ZĐ][A-Za-zĐđ]*/[A-ZĐ])")
_STATE_NUMBER_DASH = re.compile(rf"(/[A-ZĐ][A-Za-zĐđ]*) ?[-{_DASHES}] ?(?=[A-ZĐ]{{2}})")


def normalize_characters(text: str) -> str:
    """Character-level cleanup shared by documents and queries (no line is added or removed)."""
    text = text.replace("\r\n", "\n").translate(_LINE_BREAKS)
    text = _INVISIBLE.sub("", text)
    text = _ODD_SPACES.sub(" ", text)
    text = unicodedata.normalize("NFC", text).replace("Ð", "Đ")
    text = _VIETNAMESE_ETH.sub("đ", text)
    if _ODD_DASH.search(text):
        text = _PARTY_NUMBER_DASH.sub(r"\1-", text)
    return _STATE_NUMBER_DASH.sub(r"\1-", text)


# --- Markdown and table residue -----------------------------------------------------------------

# "**X**", "*X*", "***X***" over several lines of one paragraph; "(*)", "2*3", "*.xml" and "* item" are not emphasis.
_EMPHASIS = re.compile(r"(?<![\w)*])(\*{1,3})(?=[^\s*.,;:)])((?:[^*\n]|\n(?![ \t]*\n))*?)(?<=[^\s(])[ \t]*\1(?![\w(*])")
_STARS_BETWEEN_WORDS = re.compile(r"(?<=\w)\*{2,}(?=\w)")  # "Chương I****QUY ĐỊNH CHUNG"
_STRAY_STARS = re.compile(r"(?<!\()\*{2,}(?!\))")
# Markdown heading hashes and table pipes at the ends of a line: "#### Điều 1.", "| a | b |".
_LINE_EDGES = re.compile(r"^(?:[ \t|]+|#{1,6}(?=[ \t|]|$))+|[ \t|]+$")
# A line of only pipes, rules and hashes ("|", "---", "=====", "-", "####"), once its asterisks are gone.
_RESIDUE_LINE = re.compile(r"[|_=~#\-–— \t]*")


def _unwrap_emphasis(match: re.Match) -> str:
    # Markdown treats a newline inside emphasis as a space: "**ỦY BAN NHÂN\nDÂN**" is one line.
    return re.sub(r"[ \t]*\n[ \t]*", " ", match.group(2)).rstrip()


# --- page furniture and web cruft ---------------------------------------------------------------

_RUNNING_HEADER = re.compile(
    r"(?:(?P<page_before>\d{1,4})\s+)?CÔNG BÁO\s*/\s*Số[^/\n]{1,30}/\s*Ngày\s*[\d.\-/ ]+?(?:\s+(?P<page_after>\d{1,4}))?", re.I
)
_PAGE_NUMBER = re.compile(r"(?:- ?)?\d{1,4}(?: ?-)?|Trang \d{1,4}(?: ?/ ?\d{1,4})?", re.I)
_CONTINUED_IN = re.compile(r"\((?:Xem )?tiếp(?: theo)? Công báo(?: số)?[\d +]*\)", re.I)
# The digital-signature stamp of the gazette PDFs: "Người ký: …", "Email: …", "Cơ quan: …", "Thời gian ký: …".
_STAMP_START = re.compile(r"(?:Ký bởi|Người ký):", re.I)
_STAMP_FIELD = re.compile(r"(?:Email|Cơ quan|Chức vụ|Nơi ký):")
_STAMP_END = re.compile(r"(?:Thời gian ký|Ngày ký):.*\d", re.I)
_STAMP_LINES = 6
_WEB_CRUFT = re.compile(
    r"(?:Trả lời|Video|Tìm kiếm|Tìm kiếm theo ngày|Chia sẻ|Chia sẻ bài viết|In bài|In bài viết|Bản in|"
    r"Gửi bài viết|Gửi email|Quay lại|Về đầu trang|Lên đầu trang|Bình luận|Gửi bình luận|Viết bình luận|"
    r"Ý kiến bạn đọc|Gửi ý kiến|Tin liên quan|Bài viết liên quan|Tin khác|Các tin khác|Xem thêm|Đọc thêm|"
    r"Facebook|Twitter|Zalo|Tweet|Share|Print|Trang chủ|Đăng nhập|Đăng ký nhận tin)[ :.]*"
    r"|(?:Thư điện tử|Email|Địa chỉ email) của bạn sẽ không được (?:hiển thị|công bố).*"
    r"|Các trường bắt buộc được đánh dấu.*|Lưu tên của tôi, email.*|Để lại (?:một )?bình luận.*"
    r"|Lượt xem:? ?\d[\d.,]*"
    # The site's clock, not the document's date: "Thứ sáu Ngày 19 Tháng 07 Năm 2024, 01:00:41".
    r"|(?:Thứ (?:hai|ba|tư|năm|sáu|bảy|[2-7])|Chủ nhật),? (?:[Nn]gày )?\d(?:[\s,/:.\-]|\d|[Nn]gày|[Tt]háng|[Nn]ăm)*",
)


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i]:
        i += 1
    return i


def _stamp_end(lines: list[str], i: int) -> int | None:
    if not _STAMP_START.match(lines[i]):
        return None
    for j in range(i + 1, min(i + _STAMP_LINES, len(lines))):
        if _STAMP_END.match(lines[j]):
            return j
        if not (_STAMP_FIELD.match(lines[j]) or lines[j][:1].islower()):  # a field, or a wrapped word
            return None
    return None


def _without_stars(line: str) -> str:
    # Lines are judged as emphasis removal will leave them, so that normalizing twice changes nothing.
    return _LINE_EDGES.sub("", line.replace("*", ""))


def _drop_page_furniture(lines: list[str]) -> list[str]:
    """Remove running headers with their page numbers, gazette notes and signature stamps.

    The text on both sides of a page break is brought together (one line break), so a
    sentence cut by the break can be mended like any other hard wrap.
    """
    kept: list[str] = []
    bare = [_without_stars(line) for line in lines]
    i = 0
    while i < len(lines):
        stamp_end = _stamp_end(bare, i)
        if stamp_end is not None:
            i = stamp_end + 1
            continue
        header = _RUNNING_HEADER.fullmatch(bare[i])
        if not header and not _CONTINUED_IN.fullmatch(bare[i]):
            kept.append(lines[i])
            i += 1
            continue
        while kept and not kept[-1]:
            kept.pop()
        i = _skip_blank(lines, i + 1)
        if header and not (header["page_before"] or header["page_after"]):
            # Gazette pages put their number after the header (odd pages) or before it (even ones).
            if i < len(lines) and _PAGE_NUMBER.fullmatch(bare[i]):
                i = _skip_blank(lines, i + 1)
            elif kept and _PAGE_NUMBER.fullmatch(_without_stars(kept[-1])):
                kept.pop()
                while kept and not kept[-1]:
                    kept.pop()
    return kept


# --- hard line breaks ---------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?;:…][\"'”’»)\]]*$")
_REFERENCE_WORD = r"(?:điều|khoản|điểm|tiết|chương|mục|phần)"
# A reference word at the end of a line continues into the label on the next one:
# "khoản\n2", "Chương\nII", "tại điểm\na) và b)" (but not "… địa điểm\n3. Nội dung", an item).
_DANGLING_REFERENCE = re.compile(rf"(?:^|\s){_REFERENCE_WORD}$", re.I)
_LABEL = re.compile(r"(?:\d+[a-zđ]?|[IVXLC]+|[a-zđ]\))(?![\w/])[ .,;:]*")
# "Số:\n15/2024/QĐ-UBND", "Nghị quyết số\n03/NQ-CP".
_DANGLING_NUMBER_LABEL = re.compile(r"(?:^|\s)số\s*:?$", re.I)
_IDENTIFIER_START = re.compile(r"\d+[/-]")
# "… theo khoản 2\nĐiều 5 của Luật", "… khoản 1 Điều 3\nThông tư này": a reference running on.
_REFERENCE_TAIL = re.compile(rf"(?:^|\s){_REFERENCE_WORD}\s+[\w.]+$", re.I)
# Only the first word of the next line is looked at, so that mending is idempotent.
_REFERENCE_START = re.compile(r"(?:Điều|Chương|Mục|Phần|Luật|Bộ|Pháp|Hiến|Nghị|Thông|Quyết|Chỉ|Quy)\b")
_STRUCTURAL_HEADING = re.compile(
    r"(?:PHẦN|Phần|CHƯƠNG|Chương|MỤC|Mục)\s+(?:[IVXLC]+|\d+|THỨ|thứ)\b"
    r"|(?:Điều|ĐIỀU)\s+\d+[a-zđ]?\s*[.:]"
    r"|[IVXLC]+\s*[.\-–)](?:\s|$)"
)
# "1.", "1.2.", "1.2", "2)", "a)", "a.", "b.5)", "a1)", "(ii)", "(a)", "(1)", "-", "+", "•" (after any opening quote).
_ITEM = re.compile(
    r"[\"“‘']?(?:\d{1,3}(?:\.\d{1,2})*[.)]|\d{1,2}(?:\.\d{1,2})+|[a-zđ](?:\.?\d{1,2})?[).]|\((?:[ivx]+|[a-zđ]|\d{1,2})\))(?:\s|$)"
    r"|[-+•●▪◦–—*](?:\s|$)"
)
# Header-block lines that stand alone: motto, number, signing authority, place and date, form name.
_HEADER_LINE = re.compile(
    r"Độc lập\s*[-–]\s*Tự do"
    r"|Số\s*:?\s*\d"
    r"|(?:TM|KT|TL|TUQ|Q|PP|T/M|K/T)\.?\s+[A-ZĐ]"
    r"|[A-ZĐ][^\W\d_]*(?: [^\W\d_]+){0,5}, ngày \d{1,2}(?:/\d{1,2}/\d{4}| tháng \d{1,2} năm \d{4})"
    r"|Mẫu(?: số)?\s*:?\s*[\w.-]+$"
)
_BLOCK_START = re.compile(r"Căn cứ|Nơi nhận|Phụ lục|PHỤ LỤC")
_OPEN_END = re.compile(r"[,(/&+\-–]$")
_CONNECTIVES = frozenset(
    "của và các những với cho tại theo về là được bị để trong từ đến hoặc hay mà thì nếu khi do bởi "
    "như có nhằm qua trên dưới giữa cùng một mọi vào gồm thuộc ngày tháng năm".split()
)
_NAME_CONTINUATION = re.compile(r"Việt\b")  # "… xã hội chủ nghĩa\nViệt Nam", "Đảng Cộng sản\nViệt Nam"
_FIRST_CHARACTER = re.compile(r"[\"'“‘(\[]*(.)")


def _is_capitals(line: str) -> bool:
    return line == line.upper() and line != line.lower()


def _starts_lowercase(line: str) -> bool:
    first = _FIRST_CHARACTER.match(line)
    return bool(first and first.group(1).islower())


def _is_running_label(line: str) -> bool:
    """Whether ``line`` starts with a label that a sentence runs on from ("2 Điều 5", "a) và b)")."""
    label = _LABEL.match(line)
    if not label:
        return False
    rest = line[label.end():]
    return not rest or rest[0].islower() or bool(_REFERENCE_START.match(rest))


def _starts_block(line: str, after_sentence: bool) -> bool:
    """Whether ``line`` opens a heading, an item or a header line of its own."""
    if _ITEM.match(line):
        # Inside a sentence, "- xã hội" is the second half of "chính trị - xã hội", not a bullet.
        return after_sentence or not (line[:2] in ("- ", "– ") and _starts_lowercase(line[2:]))
    return bool(_STRUCTURAL_HEADING.match(line) or _HEADER_LINE.match(line) or _BLOCK_START.match(line) or _is_capitals(line))


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` continues ``previous`` (all of it so far) across a hard line break."""
    if line[0] == "*":
        return False  # a star left after emphasis removal must not become a closing one by joining
    end = previous[-40:]
    if _DANGLING_REFERENCE.search(end) and _is_running_label(line):
        return True
    if _DANGLING_NUMBER_LABEL.search(end) and _IDENTIFIER_START.match(line):
        return True
    if _is_capitals(previous) or _HEADER_LINE.match(previous):
        return False
    if _starts_block(line, after_sentence=bool(_SENTENCE_END.search(end))):
        return False
    if _starts_lowercase(line[2:] if line[:2] in ("- ", "– ") else line) or _NAME_CONTINUATION.match(line):
        return True  # even after "." or ";": a lower-case line never starts a paragraph of its own
    if _SENTENCE_END.search(end) or _STRUCTURAL_HEADING.match(previous):
        return False  # "Điều 1. Phạm vi điều chỉnh" then "Luật này quy định …"
    last_word = end.rsplit(None, 1)[-1]
    if _OPEN_END.search(end):
        return True
    if line[0].isdigit():  # numbers after a line that does not ask for one are table cells
        return last_word in _CONNECTIVES
    return (
        last_word in _CONNECTIVES
        or (last_word[0].isupper() and not last_word.isupper())  # a name cut in two: "Luật\nNgười lao động"
        or bool(_REFERENCE_TAIL.search(end) and _REFERENCE_START.match(line))
    )


def _join_wrapped_lines(lines: list[str]) -> list[str]:
    joined: list[str] = []
    for line in lines:
        if line and joined and joined[-1] and _continues(joined[-1], line):
            joined[-1] += " " + line
        else:
            joined.append(line)
    return joined


# --- the document text --------------------------------------------------------------------------


def _clean_line(line: str) -> str:
    line = _LINE_EDGES.sub("", line)
    bare = _without_stars(line)
    return "" if _RESIDUE_LINE.fullmatch(bare) or _WEB_CRUFT.fullmatch(bare) else line


def _strip_emphasis(text: str) -> str:
    while True:  # "*a **b** c*": the outer pair is only seen once the inner stars are gone
        stripped = _EMPHASIS.sub(_unwrap_emphasis, text)
        stripped = _STRAY_STARS.sub("", _STARS_BETWEEN_WORDS.sub(" ", stripped))
        if stripped == text:
            return text
        text = stripped


def normalize_text(text: str) -> str:
    """The normalized document text (see the module docstring); idempotent, never raises."""
    lines = [_clean_line(line) for line in normalize_characters(text).split("\n")]
    text = "\n".join(_drop_page_furniture(lines))
    if "*" in text:
        text = _strip_emphasis(text)
    text = "\n".join(_join_wrapped_lines([_LINE_EDGES.sub("", line) for line in text.split("\n")]))
    text = normalize_characters(text)  # identifiers split by a line break are whole again
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Queries are cut (at a space) to this many characters: about 300 e5 tokens, inside the encoder's
# 512-token window. A 10,000-character query took 15-20 s to embed and rank and says no more.
MAX_QUERY_CHARS = 1000


def normalize_query(query: str) -> str:
    """Queries get the same characters as documents, folded onto one line and cut to MAX_QUERY_CHARS;
    "" when no letter or digit is left (a query of punctuation or symbols only asks for nothing)."""
    query = " ".join(normalize_characters(query[: 4 * MAX_QUERY_CHARS]).split())
    if len(query) > MAX_QUERY_CHARS:
        cut = query.rfind(" ", 0, MAX_QUERY_CHARS + 1)
        query = query[: cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS].rstrip()
    return query if any(char.isalnum() for char in query) else ""


# --- matching -----------------------------------------------------------------------------------

# Syllables whose tone placement varies: "oa", "oe", "uy" after any onset ("qu" keeps the
# mark on the vowel after "u"), optionally closed by a final consonant.
_MOVABLE_TONE = re.compile(r"(?<![^\W\d_])(q?)[bcdđghklmnprstvx]*(o[ae]|uy)(ch|ng|nh|[cmnpt])?(?![^\W\d_])", re.I)


def _move_tone(text: list[str], source: int, target: int) -> None:
    decomposed = unicodedata.normalize("NFD", text[source])
    mark = next(c for c in decomposed if c in TONE_MARKS)
    text[source] = unicodedata.normalize("NFC", decomposed.replace(mark, ""))
    text[target] = unicodedata.normalize("NFC", text[target] + mark)


def canonical_tones(text: str) -> str:
    """``text`` with one tone placement: "hoà"→"hòa", "thuỷ"→"thủy", "khoẻ"→"khỏe", "hòang"→"hoàng".

    The traditional placement most official texts use: in an open "oa"/"oe"/"uy" the mark
    sits on the first vowel, in a closed one ("hoàng", "huỳnh") and after "qu" on the second.
    Same length as ``text``, so offsets stay valid.
    """
    bare = strip_tones(text)
    chars: list[str] | None = None
    for match in _MOVABLE_TONE.finditer(bare):
        first = match.start(2)
        target = first + 1 if match.group(1) or match.group(3) else first
        source = 2 * first + 1 - target
        if text[target] == bare[target] and text[source] != bare[source]:
            chars = chars or list(text)
            _move_tone(chars, source, target)
    return text if chars is None else "".join(chars)


def match_key(text: str) -> str:
    """What two spellings must agree on to match: canonical tone placement, lower case."""
    return canonical_tones(text).lower()

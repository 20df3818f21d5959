"""Vietnamese text in pre-Unicode encodings: TCVN3 (ABC), VNI and Windows-1258.

Text typed with the old fonts reaches us as Latin-1 look-alikes, one byte per glyph:

- TCVN3 (TCVN 5712:1993 VN3, the ".Vn…" fonts): one code per lower-case letter with its
  marks, "Uû ban nh©n d©n" for "Uỷ ban nhân dân"; capitals come from a capitals-only font
  using the same codes, so "C¤NG HOµ" is "CÔNG HOÀ".
- VNI (the "VNI-…" fonts): a base letter followed by a mark code, "UÛy ban nhaân daân".
- Windows-1258 files: a letter followed by a separate tone mark (decomposed text).

Detection converts the words that carry the tell-tale codes and checks that they become
Vietnamese syllables. Unicode text, English, and text with "©" or "º" signs do not.
"""

from __future__ import annotations

import re
import unicodedata

from .normalize import TONE_MARKS, strip_tones

TCVN3 = "TCVN3"
VNI = "VNI"

# TCVN3 codes (as Latin-1 characters) and their letters, one row per base letter; tones in the
# order huyền, hỏi, ngã, sắc, nặng.
_TCVN3_CODES = (
    "¡¢£¤¥¦§" "¨©ª«¬\u00ad®"
    "µ¶·¸¹" "»¼½¾Æ" "ÇÈÉÊË" "ÌÎÏÐÑ" "ÒÓÔÕÖ" "×ØÜÝÞ" "ßáâãä" "åæçèé" "êëìíî" "ïñòóô" "õö÷øù" "úûüýþ"
)
_TCVN3_LETTERS = (
    "ĂÂÊÔƠƯĐ" "ăâêôơưđ"
    "àảãáạ" "ằẳẵắặ" "ầẩẫấậ" "èẻẽéẹ" "ềểễếệ" "ìỉĩíị" "òỏõóọ" "ồổỗốộ" "ờởỡớợ" "ùủũúụ" "ừửữứự" "ỳỷỹýỵ"
)
_TCVN3_TABLE = str.maketrans(dict(zip(_TCVN3_CODES, _TCVN3_LETTERS, strict=True)))

# VNI: codes that are letters by themselves, and codes that add marks to the letter before them.
_VNI_LETTERS = str.maketrans(dict(zip("ôÔöÖñÑòÒóÓæÆîÎ", "ơƠưƯđĐịỊĩĨỉỈỵỴ", strict=True)))
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRCUMFLEX, _BREVE = "\u0302", "\u0306"
_VNI_MARKS = {
    codes[case]: marks
    for codes, marks in {
        "ùÙ": _ACUTE, "øØ": _GRAVE, "ûÛ": _HOOK, "õÕ": _TILDE, "ïÏ": _DOT,
        "âÂ": _CIRCUMFLEX, "áÁ": _CIRCUMFLEX + _ACUTE, "àÀ": _CIRCUMFLEX + _GRAVE,
        "åÅ": _CIRCUMFLEX + _HOOK, "ãÃ": _CIRCUMFLEX + _TILDE, "äÄ": _CIRCUMFLEX + _DOT,
        "êÊ": _BREVE, "éÉ": _BREVE + _ACUTE, "èÈ": _BREVE + _GRAVE,
        "úÚ": _BREVE + _HOOK, "üÜ": _BREVE + _TILDE, "ëË": _BREVE + _DOT,
    }.items()
    for case in (0, 1)
}
_VNI_MARKED = re.compile(f"([aeiouyơưAEIOUYƠƯ])([{''.join(_VNI_MARKS)}])")

# Latin-1 letters Vietnamese uses itself: never evidence of a legacy encoding.
_VIETNAMESE_LATIN1 = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
_TCVN3_TELLTALES = "".join(sorted(set(_TCVN3_CODES) - _VIETNAMESE_LATIN1))
_VNI_TELLTALES = "".join(sorted((set(_VNI_MARKS) | set("ôÔöÖñÑòÒóÓæÆîÎ")) - _VIETNAMESE_LATIN1))
_LATIN_WORD = re.compile("[A-Za-z\u00a1-\u00ff]+")
# An ASCII letter next to a tell-tale code ("nh©n", "§iÒu"; "nhaân", "ñieàu") marks a word as evidence.
_EVIDENCE = {
    TCVN3: re.compile(f"[A-Za-z][{_TCVN3_TELLTALES}]|[{_TCVN3_TELLTALES}][A-Za-z]"),
    VNI: re.compile(f"[A-Za-z][{_VNI_TELLTALES}]|[{_VNI_TELLTALES}][A-Za-z]|[aeoAEO][âÂ]|[aA][êÊ]"),
}
# Letters only Unicode Vietnamese has (not in Latin-1, so never produced by a legacy font).
_UNICODE_VIETNAMESE = re.compile("[ĂăĐđĨĩŨũƠơƯư\u1ea0-\u1ef9]")

_ONSET = "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
_NUCLEUS = (
    "(?:uyê|uya|uyu|iêu|yêu|ươi|ươu|uôi|oai|oay|oao|oeo|uây"
    "|ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ưu|ươ|yê"
    "|[aăâeêioôơuưy])"
)
_SYLLABLE = re.compile(f"{_ONSET}{_NUCLEUS}(?:ch|ng|nh|[cmnpt])?")
_WORD = re.compile(r"[^\W\d_]+")
_MIN_EVIDENCE = 3
_MIN_VALID_SHARE = 0.6
_MAX_LEFTOVER_SHARE = 0.1
_MIN_SYLLABLE_SHARE = 0.5


class LegacyEncodingError(ValueError):
    """Text that looks legacy-encoded but cannot be converted safely (the message is Vietnamese)."""


def is_syllable(word: str) -> bool:
    """Whether ``word`` is a well-formed Vietnamese syllable (at most one tone mark)."""
    word = unicodedata.normalize("NFC", word.lower())
    tones = sum(c in TONE_MARKS for c in unicodedata.normalize("NFD", word))
    return tones <= 1 and bool(_SYLLABLE.fullmatch(strip_tones(word)))


def _from_tcvn3(text: str) -> str:
    return "\n".join(map(_restore_capitals, text.translate(_TCVN3_TABLE).split("\n")))


def _restore_capitals(line: str) -> str:
    """Upper-case what was typed in a capitals font: its codes come out as lower-case letters.

    A word whose ASCII letters are capitals ("HOµ" → "HOÀ") was typed in that font, and so was
    a line of such words, one-letter ones included ("C¤NG HOµ X· HéI" → "CÔNG HOÀ XÃ HỘI").
    """
    ascii_letters = ["".join(c for c in word if c.isascii()) for word in _WORD.findall(line)]
    capital_words = sum(len(letters) >= 2 for letters in ascii_letters)
    if capital_words >= 3 and all(letters.isupper() for letters in ascii_letters if letters):
        return line.upper()
    return _WORD.sub(lambda word: word[0].upper() if _typed_in_capitals(word[0]) else word[0], line)


def _typed_in_capitals(word: str) -> bool:
    ascii_letters = "".join(c for c in word if c.isascii())
    return len(ascii_letters) >= 2 and ascii_letters.isupper()


def _from_vni(text: str) -> str:
    text = _VNI_MARKED.sub(lambda m: m[1] + _VNI_MARKS[m[2]], text.translate(_VNI_LETTERS))
    return unicodedata.normalize("NFC", text)


_CONVERTERS = {TCVN3: _from_tcvn3, VNI: _from_vni}


def convert(text: str, encoding: str) -> str:
    """``text`` read as ``encoding`` (TCVN3 or VNI), in Unicode NFC."""
    return _CONVERTERS[encoding](text)


def _evidence(text: str, encoding: str) -> list[str]:
    mark = _EVIDENCE[encoding]
    if not mark.search(text):
        return []
    return [word for word in _LATIN_WORD.findall(text) if mark.search(word)]


def detect(text: str) -> str | None:
    """The legacy encoding of ``text`` (TCVN3 or VNI), or None for Unicode text.

    Legacy text shows at least three different words that become Vietnamese syllables once
    converted. Raises LegacyEncodingError when such text also holds Unicode Vietnamese (mixed),
    or when a short text shows only one or two such words (too few to decide).
    """
    best, best_valid = None, []
    for encoding in _EVIDENCE:
        words = _evidence(text, encoding)
        valid = [word for word in words if is_syllable(convert(word, encoding))]
        if valid and len(valid) >= _MIN_VALID_SHARE * len(words) and len(set(valid)) > len(set(best_valid)):
            best, best_valid = encoding, valid
    if best is None:
        return None
    unicode_vietnamese = _UNICODE_VIETNAMESE.search(text)
    if len(set(best_valid)) < _MIN_EVIDENCE:
        # One or two look-alikes ("µm" reads as "àm") in Unicode or English text are no evidence;
        # in a short text of Vietnamese syllables they are, but too little to convert safely.
        words = _LATIN_WORD.findall(text)
        if unicode_vietnamese or sum(map(is_syllable, words)) < _MIN_SYLLABLE_SHARE * len(words):
            return None
        raise LegacyEncodingError(
            f"văn bản có vẻ dùng bảng mã cũ ({best}) nhưng quá ít dấu hiệu để chuyển đổi an toàn; "
            "hãy chuyển văn bản sang Unicode trước khi nạp"
        )
    if unicode_vietnamese:
        raise LegacyEncodingError(
            f"văn bản trộn lẫn bảng mã cũ ({best}) với Unicode nên không chuyển đổi an toàn được; "
            "hãy chuyển toàn bộ văn bản sang Unicode trước khi nạp"
        )
    if len(_evidence(convert(text, best), best)) > _MAX_LEFTOVER_SHARE * len(best_valid):
        raise LegacyEncodingError(f"văn bản dùng bảng mã cũ ({best}) nhưng không chuyển đổi an toàn được")
    return best


def _looks_vietnamese(text: str) -> bool:
    """Whether the words with non-ASCII letters are Vietnamese syllables, with no mark left loose."""
    words = re.findall(r"[^\W\d_]*[^\W\d_\x00-\x7f][^\W\d_]*", text)
    loose_marks = sum(map(unicodedata.combining, text))
    return len(words) >= _MIN_EVIDENCE and not loose_marks and sum(map(is_syllable, words)) >= 0.8 * len(words)


def decode_legacy_bytes(data: bytes) -> str | None:
    """Text of 8-bit Vietnamese bytes (TCVN3, VNI or Windows-1258), or None when they are not."""
    text = data.decode("latin-1")
    encoding = detect(text)
    if encoding:
        return convert(text, encoding)
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        return None
    return text if _looks_vietnamese(text) else None

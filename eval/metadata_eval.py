"""Document metadata (understand.describe) on the real documents in ../shared/data.

    .venv/bin/python eval/metadata_eval.py [--data DIR] [--failures] [--json]

Every document becomes a Document through loaders.base.make_document (the normalization ingest
applies) and goes through describe(). Per dataset it reports the share of documents with each field
found and how often the number read from the text agrees with the dataset's own "so_hieu":

- a "real number" is a so_hieu that holds a document number (canonical_number finds one in it,
  e.g. "383-QĐ/TW", "Nghị định số 186/2026/NĐ-CP"); both sides are compared in canonical form;
- most gazette so_hieu values are URL slugs ("nghi-dinh-so-188-2025-nd-cp-45593"): the part after
  "-so-" without the trailing page id is compared, as a second column, with the extracted number
  folded the same way (lower case, no diacritics, separators as "-", no leading zeros);
- both agreements are also given over the documents whose text holds that number at all (some
  gazette texts are scans with no text layer, some lack the page that carries the number);
- gazette "loai" (type as in the source index) is compared with the type read, where it names one.

Rows marked "raw" run describe() on the unnormalized text (NFC only), to check that the rules hold
for texts that arrive with Markdown residue, table pipes and hard line breaks.
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from directive_rag.loaders.base import make_document
from directive_rag.models import Document
from directive_rag.understand import NUMBER, canonical_number, describe

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FIELDS = ("number", "type", "date", "issuer", "title", "signer")
GAZETTE_TYPES = {
    "Thông tư": "Thông tư", "VB HN": "Văn bản hợp nhất", "Văn bản hợp nhất": "Văn bản hợp nhất",
    "Nghị định": "Nghị định", "NQ": "Nghị quyết", "Nghị quyết": "Nghị quyết", "QĐ": "Quyết định",
    "Quyết định": "Quyết định", "Luật": "Luật", "Bộ luật": "Bộ luật", "TT Liên tịch": "Thông tư liên tịch",
}
_SLUG = re.compile(r"-so-(?P<number>.+?)-\d+$")


@dataclass
class Record:
    """One dataset document: its text, and what the dataset says about it."""

    doc_id: str
    text: str
    so_hieu: str = ""
    loai: str = ""

    def numbers_in_text(self) -> set[str]:
        return {canonical_number(match.group()) for match in NUMBER.finditer(self.text)}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


@dataclass
class Tally:
    documents: int = 0
    found: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    real_numbers: int = 0
    agreeing: int = 0
    real_in_text: int = 0
    agreeing_in_text: int = 0
    slug_numbers: int = 0
    slug_agreeing: int = 0
    slug_in_text: int = 0
    slug_agreeing_in_text: int = 0
    typed: int = 0
    type_agreeing: int = 0
    types: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def row(self) -> dict:
        return {
            "documents": self.documents,
            **{f"{name}_found": _share(count, self.documents) for name, count in self.found.items()},
            "real_numbers": self.real_numbers, "number_agreement": _share(self.agreeing, self.real_numbers),
            "real_in_text": self.real_in_text, "number_agreement_in_text": _share(self.agreeing_in_text, self.real_in_text),
            "slug_numbers": self.slug_numbers, "slug_agreement": _share(self.slug_agreeing, self.slug_numbers),
            "slug_in_text": self.slug_in_text, "slug_agreement_in_text": _share(self.slug_agreeing_in_text, self.slug_in_text),
            "typed": self.typed, "type_agreement": _share(self.type_agreeing, self.typed),
        }


def fold(number: str) -> str:
    """A number as a URL slug writes it: "30/2020/NĐ-CP" -> "30-2020-nd-cp", "66.16/…" -> "6616-…"
    (leading zeros dropped)."""
    text = unicodedata.normalize("NFD", number.replace("Đ", "D").replace("đ", "d").replace(".", ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return "-".join(part.lstrip("0") or "0" for part in re.split(r"[^a-z0-9]+", text) if part)


def load_jsonl(path: Path) -> list[Record]:
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return [Record(row["doc_id"], row["text"], row.get("so_hieu") or "", row.get("loai") or "") for row in rows]


def load_articles(folder: Path) -> list[Record]:
    return [Record(path.name, path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.txt"))]


def datasets(data: Path) -> dict[str, list[Record]]:
    return {
        "vn_official_party_state_docs": load_jsonl(data / "vn_official_party_state_docs" / "docs.jsonl"),
        "vn_gazette_legal_docs": load_jsonl(data / "vn_gazette_legal_docs" / "docs.jsonl"),
        "seed_articles": load_articles(data / "seed_articles"),
    }


def read(record: Record, raw: bool = False) -> Document:
    """describe() of the record's text as ingest loads it (normalized), or of the raw text."""
    if raw:
        return describe(Document(record.doc_id, unicodedata.normalize("NFC", record.text)))
    return describe(make_document(record.doc_id, [record.text]))


def tally(records: list[Record], raw: bool = False) -> Tally:
    result = Tally()
    for record in records:
        document = read(record, raw)
        result.documents += 1
        result.types[document.type] += 1
        for name in FIELDS:
            result.found[name] += bool(getattr(document, name))
        expected = canonical_number(record.so_hieu)
        slug = _SLUG.search(record.so_hieu) if not expected else None
        if expected:
            in_text = expected in record.numbers_in_text()
            result.real_numbers += 1
            result.real_in_text += in_text
            result.agreeing += document.number == expected
            result.agreeing_in_text += in_text and document.number == expected
            if document.number != expected:
                result.failures.append(f"number {record.doc_id}: so_hieu {expected!r}, read {document.number!r}"
                                       f"{'' if in_text else ' (not in the text)'}")
        elif slug:
            agrees = fold(document.number) == fold(slug["number"])
            in_text = fold(slug["number"]) in {fold(number) for number in record.numbers_in_text()}
            result.slug_numbers += 1
            result.slug_in_text += in_text
            result.slug_agreeing += agrees
            result.slug_agreeing_in_text += in_text and agrees
            if not agrees:
                result.failures.append(f"slug {record.doc_id}: read {document.number!r}"
                                       f"{'' if in_text else ' (not in the text)'}")
        if record.loai in GAZETTE_TYPES:
            result.typed += 1
            result.type_agreeing += document.type == GAZETTE_TYPES[record.loai]
            if document.type != GAZETTE_TYPES[record.loai]:
                result.failures.append(f"type {record.doc_id}: loai {record.loai!r}, read {document.type!r}")
    return result


def markdown(rows: dict[tuple[str, str], dict]) -> str:
    def cell(value) -> str:
        return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)

    def agreement(row: dict, share: str, count: str) -> str:
        return f"{cell(row[share])} ({row[count]})"

    lines = [
        "| dataset | text | docs | number | type | date | issuer | title | signer "
        "| number = so_hieu | … in text | number = slug | … in text | type = loai |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (name, text), row in rows.items():
        found = " | ".join(cell(row[f"{field_name}_found"]) for field_name in FIELDS)
        lines.append(
            f"| {name} | {text} | {row['documents']} | {found} "
            f"| {agreement(row, 'number_agreement', 'real_numbers')} "
            f"| {agreement(row, 'number_agreement_in_text', 'real_in_text')} "
            f"| {agreement(row, 'slug_agreement', 'slug_numbers')} "
            f"| {agreement(row, 'slug_agreement_in_text', 'slug_in_text')} "
            f"| {agreement(row, 'type_agreement', 'typed')} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--failures", action="store_true", help="list each disagreement (normalized text)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    tallies = {}
    for name, records in datasets(args.data).items():
        tallies[name, "normalized"] = tally(records)
        tallies[name, "raw"] = tally(records, raw=True)
    rows = {key: result.row() for key, result in tallies.items()}
    if args.json:
        print(json.dumps({f"{name} ({text})": row for (name, text), row in rows.items()}, ensure_ascii=False, indent=2))
    else:
        print(markdown(rows))
    if args.failures:
        for (name, text), result in tallies.items():
            if text == "normalized":
                for failure in result.failures:
                    print(f"{name}: {failure}")


if __name__ == "__main__":
    main()

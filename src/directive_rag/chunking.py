"""Cut documents into passages that keep their exact span in the document's text.

The text is first divided at article boundaries (Điều; Party parts "I." when there are no
articles), so that no passage straddles two articles; each piece is then cut by langchain's
RecursiveCharacterTextSplitter at the places directives are laid out.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .models import Chunk, Document
from .structure import ARTICLE_LEVEL, Heading, SectionIndex

# Tried in order: the splitter uses the first separator present and recurses with the rest
# on pieces that are still too long. All are lookaheads or whitespace so that pieces keep
# their labels ("Điều 3.", "II.", "a)") at their start.
DIRECTIVE_SEPARATORS = [
    r"\n[ \t]*\n",
    r"\n(?=[ \t#*]*(?:PHẦN|Phần|CHƯƠNG|Chương|MỤC|Mục|Điều)[ \t]+[\dIVXLC])",
    r"\n(?=[ \t#*]*[IVXLC]+\.[ \t])",
    r"\n(?=[ \t#*]*\d+(?:\.\d+)*\.?[ \t])",
    r"\n(?=[ \t]*[a-zđ]\)[ \t])",
    r"\n(?=[ \t]*[-–•+][ \t])",
    r"\n",
    r"(?<=[.!?;])[ \t]+",
    r"[ \t]+",
    r"",
]


@dataclass(frozen=True)
class ChunkSettings:
    size: int = 700
    overlap: int = 100

    def to_dict(self) -> dict:
        return {"size": self.size, "overlap": self.overlap, "unit": "characters"}


class Chunker:
    def __init__(self, settings: ChunkSettings = ChunkSettings()):
        self.settings = settings
        self._splitter = RecursiveCharacterTextSplitter(
            separators=DIRECTIVE_SEPARATORS,
            is_separator_regex=True,
            keep_separator="start",
            chunk_size=settings.size,
            chunk_overlap=settings.overlap,
            strip_whitespace=True,
        )

    def split(self, document: Document) -> list[Chunk]:
        text = document.text
        sections = SectionIndex(text)
        chunks = []
        for span_start, span_end, anchor in article_spans(sections.headings, len(text)):
            search_from = span_start
            for piece in self._splitter.split_text(text[span_start:span_end]):
                start = text.find(piece, search_from, span_end)
                if start < 0:
                    raise ValueError(f"passage not found in its document {document.doc_id!r}")
                end = start + len(piece)
                # The next piece overlaps this one by at most ``overlap`` characters (it may even start
                # here, when this one is short); searching from there, a short piece ("2", a page
                # number) cannot be matched inside this one.
                search_from = max(start, end - self.settings.overlap)
                if not any(char.isalpha() for char in piece):
                    continue  # a page number or a rule: nothing to find or quote
                # A chapter heading travels with the article after it; name the passage after the article.
                section_start = anchor if start < anchor < end else start
                chunks.append(Chunk(
                    doc_id=document.doc_id, order=len(chunks), text=piece, start=start, end=end,
                    section=sections.section(section_start, end), page=document.page_at(start),
                ))
        return chunks


def article_spans(headings: list[Heading], length: int) -> list[tuple[int, int, int]]:
    """(start, end, anchor) spans of the text, each holding at most one article.

    Spans begin at every heading of article level or above; a heading directly above the next one
    (Chương I before Điều 1) joins it, and ``anchor`` is where the span's deepest heading starts.
    """
    cuts = [heading for heading in headings if heading.level <= ARTICLE_LEVEL]
    spans = [[0, 0]] if not cuts or cuts[0].start > 0 else []
    for previous, heading in zip([None, *cuts], cuts):
        if previous is not None and previous.level < heading.level:
            spans[-1][1] = heading.start
        else:
            spans.append([heading.start, heading.start])
    ends = [start for start, _ in spans[1:]] + [length]
    return [(start, end, anchor) for (start, anchor), end in zip(spans, ends)]


def passage_context(doc_type: str, number: str, title: str, section: str) -> str:
    """ "Chỉ thị 53-CT/ĐU Về … › II. Nhiệm vụ › 1.": where a passage sits, as one line."""
    kind = "" if title.lower().startswith(doc_type.lower()) else doc_type
    heading = " ".join(part for part in (kind, number, title) if part)
    return " › ".join(part for part in (heading, section) if part)


def encoder_text(document: Document, chunk: Chunk) -> str:
    """What the encoder sees: the passage under its document's number, title and section.

    The context lets a passage that never names its document still match a question
    that does; the quote shown to people stays ``chunk.text``.
    """
    context = passage_context(document.type, document.number, document.title, chunk.section)
    return f"{context}\n{chunk.text}" if context else chunk.text

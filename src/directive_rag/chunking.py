"""Cut documents into passages that keep their exact span in the document's text."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .models import Chunk, Document
from .structure import SectionIndex

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
        search_from = 0
        for piece in self._splitter.split_text(text):
            start = text.find(piece, search_from)
            if start < 0:
                raise ValueError(f"passage not found in its document {document.doc_id!r}")
            end = start + len(piece)
            chunks.append(
                Chunk(
                    doc_id=document.doc_id,
                    order=len(chunks),
                    text=piece,
                    start=start,
                    end=end,
                    section=sections.path_at(start),
                    page=document.page_at(start),
                )
            )
            search_from = start + 1
        return chunks


def encoder_text(document: Document, chunk: Chunk) -> str:
    """What the encoder sees: the passage under its document's number, title and section.

    The context lets a passage that never names its document still match a question
    that does; the quote shown to people stays ``chunk.text``.
    """
    heading = " ".join(part for part in (document.type, document.number, document.title) if part)
    context = " › ".join(part for part in (heading, chunk.section) if part)
    return f"{context}\n{chunk.text}" if context else chunk.text

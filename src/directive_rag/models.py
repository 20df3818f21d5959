"""Plain data records passed between the pipeline stages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Document:
    """A loaded document: its normalized text plus whatever metadata is known.

    ``text`` is the normalized text every span in the index points into.
    ``page_starts`` holds the offset in ``text`` where each page begins (PDF only).
    """

    doc_id: str
    text: str
    source: str = ""
    title: str = ""
    number: str = ""
    type: str = ""
    issuer: str = ""
    date: str = ""
    place: str = ""
    signer: str = ""
    page_starts: list[int] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        """1-based page holding ``offset``, or None for documents without pages."""
        if not self.page_starts:
            return None
        page = 0
        for index, start in enumerate(self.page_starts):
            if start <= offset:
                page = index
            else:
                break
        return page + 1

    def metadata(self) -> dict:
        data = asdict(self)
        del data["text"], data["page_starts"]
        return data


@dataclass
class Chunk:
    """A passage: ``text == document.text[start:end]``."""

    doc_id: str
    order: int
    text: str
    start: int
    end: int
    section: str = ""
    page: int | None = None

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}#{self.order}"


@dataclass
class Hit:
    """One retrieved passage with its document's identifying metadata."""

    rank: int
    score: float
    doc_id: str
    number: str
    title: str
    section: str
    page: int | None
    chunk_id: str
    text: str
    start: int
    end: int
    type: str
    date: str
    issuer: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Citation:
    """A numbered piece of evidence: ``quote == document text[start:end]``."""

    n: int
    doc_id: str
    number: str
    title: str
    section: str
    page: int | None
    quote: str
    chunk_id: str
    start: int
    end: int
    type: str
    date: str
    issuer: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    question: str
    answered: bool
    answer: str
    citations: list[Citation]
    hits: list[Hit] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer,
            "citations": [citation.to_dict() for citation in self.citations],
        }


@dataclass
class Failure:
    path: str
    error: str


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

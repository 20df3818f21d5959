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


@dataclass(frozen=True)
class Filters:
    """Restrictions on which documents search and ask may draw from; empty fields restrict nothing.

    ``types`` are type names as stored ("Chỉ thị", "Nghị quyết"), ``issuers`` match a
    substring of the issuer, ``numbers`` match canonical numbers ("53-CT/ĐU") or their short
    form ("53"), and the year range is inclusive.
    """

    types: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None

    def is_empty(self) -> bool:
        return not (self.types or self.issuers or self.numbers or self.year_from or self.year_to)


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
    """An answer whose every [n] is a citation; ``hits`` are the passages it was drawn from.

    ``mode`` says who wrote the text: "extractive" (sentences quoted from the documents) or
    "llm" (a language model, checked against the passages it was given); ``note`` explains,
    in Vietnamese, anything the reader should know (for example why a model's answer was
    replaced by the extractive one), "" when there is nothing to say.
    """

    question: str
    answered: bool
    answer: str
    citations: list[Citation]
    hits: list[Hit] = field(default_factory=list)
    mode: str = "extractive"
    note: str = ""

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer,
            "citations": [citation.to_dict() for citation in self.citations],
            "mode": self.mode,
            "note": self.note,
        }


@dataclass
class Provision:
    """A passage of a document that bears on an issue: ``quote == document text[start:end]``."""

    section: str
    quote: str
    start: int
    end: int
    page: int | None
    chunk_id: str


@dataclass
class DocumentInfo:
    """Who a document is: what a reader needs to name and cite it."""

    doc_id: str
    number: str
    title: str
    type: str
    date: str
    issuer: str


@dataclass
class CoveredDocument(DocumentInfo):
    """A document that covers an issue, its score, its most relevant provisions and who cites it.

    ``referenced_by`` lists the library documents that mention this one, each as a mapping with
    ``doc_id``, ``number``, ``title``, ``type`` and ``date``.
    """

    score: float
    provisions: list[Provision]
    referenced_by: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)  # provisions included, as mappings


@dataclass
class Coverage:
    """The documents of the library that cover an issue, best covering first."""

    issue: str
    documents: list[CoveredDocument]

    def to_dict(self) -> dict:
        return {"issue": self.issue, "documents": [document.to_dict() for document in self.documents]}


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

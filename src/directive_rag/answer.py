"""Extractive answers: the sentences of the best passages that answer the question, each cited.

No model beyond the encoder: candidate sentences come from the top passages, are scored by
their similarity to the question plus the share of the question's syllables they contain,
and the best few that are not near-duplicates become the answer, each followed by [n].
When no passage is close enough to the question the answer declines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .models import Answer, Citation, Hit
from .normalize import normalize_query
from .retrieve import Retriever
from .structure import Heading, SectionIndex, find_headings
from .sentences import is_heading, is_item, is_lead_in, sentence_spans
from .tokenize import syllables

DECLINE_MESSAGE = "Không tìm thấy căn cứ trong các văn bản hiện có."
NEAREST_NOTE = "Các đoạn văn bản gần nhất được liệt kê để tham khảo."
EMPTY_QUESTION = "Vui lòng nhập câu hỏi."


@dataclass(frozen=True)
class AnswerSettings:
    passages: int = 8  # retrieved and shown as nearest
    evidence_passages: int = 4  # whose sentences may be quoted
    min_passage_similarity: float = 0.84  # below this the library holds no good evidence (see eval/RESULTS.md)
    max_sentences: int = 3
    max_words: int = 120
    score_margin: float = 0.05  # further sentences must score within this of the best
    lexical_weight: float = 0.3
    min_sentence_syllables: int = 6
    max_quote_chars: int = 400
    duplicate_overlap: float = 0.7


@dataclass
class _Candidate:
    hit: Hit
    start: int
    end: int
    text: str
    context: str
    score: float = 0.0


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


def _trim_quote(text: str, start: int, limit: int) -> tuple[int, int]:
    """A span of at most ``limit`` characters from ``start``, cut at a word boundary."""
    if len(text) <= limit:
        return start, start + len(text)
    cut = text.rfind(" ", 0, limit)
    return start, start + (cut if cut > limit // 2 else limit)


def _sentences(hit: Hit) -> list[tuple[str, int, int]]:
    """(text, start, end) of each sentence of a passage, offsets in its document."""
    return [(hit.text[start - hit.start : end - hit.start], start, end) for start, end in sentence_spans(hit.text, offset=hit.start)]


def _heading_before(headings: list[Heading], offset: int, section: str) -> str:
    """The label of the last heading before ``offset`` in a passage, else the passage's own section."""
    inside = [heading.label for heading in headings if heading.start <= offset]
    return inside[-1] if inside else section.rsplit(" › ", 1)[-1]


class Answerer:
    def __init__(self, retriever: Retriever, settings: AnswerSettings = AnswerSettings()):
        self._retriever = retriever
        self.settings = settings

    def ask(self, question: str) -> Answer:
        query = normalize_query(question)
        if not query:
            return Answer(question, False, EMPTY_QUESTION, [])
        settings = self.settings
        query_vector = self._retriever.query_vector(query)
        ranked = self._retriever.ranked(query, settings.passages, "hybrid", query_vector=query_vector)
        hits = self._retriever.to_hits(ranked)
        similarity = self._best_similarity(ranked, query_vector)
        if not hits or similarity < settings.min_passage_similarity:
            return Answer(question, False, f"{DECLINE_MESSAGE} {NEAREST_NOTE}" if hits else DECLINE_MESSAGE, [], hits)
        chosen = self._choose_sentences(query, query_vector, hits[: settings.evidence_passages])
        chosen.sort(key=lambda candidate: (candidate.hit.rank, candidate.start))
        documents = {doc_id: self._retriever.catalog.get_document(doc_id) for doc_id in {c.hit.doc_id for c in chosen}}
        sections = {doc_id: SectionIndex(document.text) for doc_id, document in documents.items()}
        citations = []
        parts = []
        for n, candidate in enumerate(chosen, start=1):
            hit = candidate.hit
            citations.append(Citation(
                n=n, doc_id=hit.doc_id, number=hit.number, title=hit.title,
                section=sections[hit.doc_id].path_at(candidate.start),
                page=documents[hit.doc_id].page_at(candidate.start), quote=candidate.text, chunk_id=hit.chunk_id,
                start=candidate.start, end=candidate.end, type=hit.type, date=hit.date, issuer=hit.issuer,
            ))
            parts.append(f"{' '.join(candidate.text.split())} [{n}]")
        return Answer(question, True, " ".join(parts), citations, hits)

    def _best_similarity(self, ranked: list[tuple[int, float]], query_vector: np.ndarray) -> float:
        vectors = self._retriever.chunk_vectors([row for row, _ in ranked])
        return max((float(vector @ query_vector) for vector in vectors), default=0.0)

    def _choose_sentences(self, query: str, query_vector: np.ndarray, hits: list[Hit]) -> list[_Candidate]:
        settings = self.settings
        query_terms = set(syllables(query))
        candidates = []
        seen: set[tuple[str, int]] = set()
        for hit in hits:
            headings = find_headings(hit.text)
            lead_in = ""
            for text, start, end in _sentences(hit):
                if is_item(text) and lead_in:
                    context_line = lead_in
                else:
                    context_line = ""
                    lead_in = text if is_lead_in(text) else ""
                if len(syllables(text)) < settings.min_sentence_syllables or is_heading(text) or is_lead_in(text):
                    continue
                start, end = _trim_quote(text, start, settings.max_quote_chars)
                if (hit.doc_id, start) in seen:  # passages overlap, so sentences repeat
                    continue
                seen.add((hit.doc_id, start))
                heading = _heading_before(headings, start - hit.start, hit.section)
                context = " ".join(part for part in (heading, context_line) if part)
                candidates.append(_Candidate(hit, start, end, hit.text[start - hit.start : end - hit.start], context))
        if not candidates:
            return []
        vectors = self._retriever.encoder.encode_passages(
            [f"{candidate.context}: {candidate.text}" if candidate.context else candidate.text for candidate in candidates]
        )
        similarities = vectors @ query_vector
        for candidate, similarity in zip(candidates, similarities):
            terms = set(syllables(candidate.context + " " + candidate.text))
            lexical = len(query_terms & terms) / max(1, len(query_terms))
            candidate.score = float(similarity) + settings.lexical_weight * lexical
        candidates.sort(key=lambda candidate: -candidate.score)
        chosen: list[_Candidate] = []
        chosen_terms: list[set[str]] = []
        words = 0
        for candidate in candidates:
            if len(chosen) == settings.max_sentences or candidate.score < candidates[0].score - settings.score_margin:
                break
            terms = set(syllables(candidate.text))
            if any(_overlap(terms, other) >= settings.duplicate_overlap for other in chosen_terms):
                continue
            length = len(candidate.text.split())
            if chosen and words + length > settings.max_words:
                continue
            chosen.append(candidate)
            chosen_terms.append(terms)
            words += length
        return chosen

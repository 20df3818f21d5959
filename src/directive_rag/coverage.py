"""Which documents of the library cover an issue: "Văn bản nào điều chỉnh vấn đề này?".

Every candidate passage (the hybrid ranking, deep) gets a relevance: its cosine with the issue
plus a weighted share of the issue's phrases it contains (the evidence measure answers use, so an
issue the library does not cover gets no documents rather than the least bad ones). A document's
score aggregates the
relevance of its passages above a floor, best first, each next one counting half as much as the
one before, so a document that treats the issue in several provisions outranks one that mentions
it once. Each document comes with its most relevant provisions (section path, exact quote and
span) and the library documents that cite it.

Usage::

    coverage = CoverageFinder(retriever).covers("phòng cháy, chữa cháy tại khu dân cư", k=5)
    for document in coverage.documents:
        print(document.score, document.number, [p.section for p in document.provisions])
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .answer import AnswerSettings, content_bigrams, content_syllables, phrase_coverage
from .models import Coverage, CoveredDocument, Filters, Hit, Provision
from .normalize import normalize_query
from .references import ReferenceGraph
from .retrieve import Retriever
from .sentences import is_heading, sentence_spans
from .structure import SectionIndex


MIN_QUOTE_WORDS = 6  # shorter sentences are headings ("2. Công tác phòng ngừa")


@dataclass(frozen=True)
class CoverageSettings:
    passages: int = 60  # candidate passages considered
    phrase_weight: float = AnswerSettings.phrase_weight
    min_evidence: float = AnswerSettings.min_evidence  # as for answers: below it the library does not cover the issue
    floor: float = 0.86  # a passage whose relevance is below this adds nothing to its document's score
    decay: float = 0.5  # each further passage of a document counts this much of the one before
    counted: int = 5  # passages per document that count towards its score
    provisions: int = 3  # provisions shown per document
    max_quote_chars: int = 400


def _best_sentence(hit: Hit, terms: set[str], limit: int) -> tuple[int, int]:
    """The span of the passage's sentence sharing most syllables with the issue (headings skipped)."""
    best, best_overlap = None, -1
    for start, end in sentence_spans(hit.text, offset=hit.start):
        text = hit.text[start - hit.start : end - hit.start]
        if is_heading(text) or len(text.split()) < MIN_QUOTE_WORDS:
            continue
        overlap = len(terms & content_syllables(text))
        if overlap > best_overlap:
            best, best_overlap = (start, end), overlap
    start, end = best or (hit.start, hit.end)
    if end - start > limit:
        cut = hit.text.rfind(" ", start - hit.start, start - hit.start + limit)
        end = hit.start + cut if cut > start - hit.start + limit // 2 else start + limit
    return start, end


class CoverageFinder:
    def __init__(self, retriever: Retriever, settings: CoverageSettings = CoverageSettings()):
        self._retriever = retriever
        self.settings = settings

    def relevances(self, issue: str, filters: Filters | None = None) -> list[tuple[Hit, float]]:
        """Candidate passages with their relevance to the issue, best first; none when the evidence is
        too weak for an answer."""
        query = normalize_query(issue)
        if not query:
            return []
        settings = self.settings
        ranked, query_vector = self._retriever.hybrid(query, settings.passages, filters)
        vectors = self._retriever.catalog.chunk_vectors([row for row, _ in ranked]) if ranked else {}
        ranked = [(row, score) for row, score in ranked if row in vectors]
        hits = self._retriever.to_hits(ranked)
        if len(hits) != len(ranked):  # passages removed by a concurrent ingest
            return []
        phrases = content_bigrams(query)
        cosines = [float(vectors[row] @ query_vector) for row, _ in ranked]
        # The same gate as answers: best cosine plus the phrases found in one of the three best passages.
        gate = max(cosines, default=0.0) + settings.phrase_weight * phrase_coverage(phrases, hits[:3])
        if gate < settings.min_evidence:
            return []
        scored = [(hit, cosine + settings.phrase_weight * phrase_coverage(phrases, [hit])) for hit, cosine in zip(hits, cosines)]
        return sorted(scored, key=lambda pair: -pair[1])

    def covers(self, issue: str, k: int = 10, filters: Filters | None = None) -> Coverage:
        settings = self.settings
        by_document: dict[str, list[tuple[Hit, float]]] = defaultdict(list)
        for hit, relevance in self.relevances(issue, filters):
            if relevance > settings.floor:
                by_document[hit.doc_id].append((hit, relevance))
        scores = {
            doc_id: sum((relevance - settings.floor) * settings.decay ** position
                        for position, (_, relevance) in enumerate(passages[: settings.counted]))
            for doc_id, passages in by_document.items()
        }
        ranking = sorted(scores, key=lambda doc_id: (-scores[doc_id], doc_id))[: max(0, k)]
        if not ranking:
            return Coverage(issue, [])
        catalog = self._retriever.catalog
        graph = ReferenceGraph(catalog)
        citing = {doc_id: graph.cited_by(doc_id) for doc_id in ranking}
        metadata = catalog.document_metadata(sorted(set(ranking) | {d for ids in citing.values() for d in ids}))
        terms = content_syllables(normalize_query(issue))
        documents = []
        for doc_id in ranking:
            document = catalog.get_document(doc_id)
            sections = SectionIndex(document.text)
            provisions: list[Provision] = []
            for hit, _ in by_document[doc_id]:
                if len(provisions) == settings.provisions:
                    break
                start, end = _best_sentence(hit, terms, settings.max_quote_chars)
                if any(start < other.end and other.start < end for other in provisions):
                    continue  # overlapping passages led to the same sentence
                provisions.append(Provision(
                    section=sections.path_at(start), quote=document.text[start:end], start=start, end=end,
                    page=document.page_at(start), chunk_id=hit.chunk_id,
                ))
            referenced_by = sorted(
                ({name: metadata[other][name] for name in ("doc_id", "number", "title", "type", "date")}
                 for other in citing[doc_id] if other in metadata),
                key=lambda entry: (entry["date"], entry["doc_id"]),
            )
            info = metadata[doc_id]
            documents.append(CoveredDocument(
                doc_id=doc_id, number=info["number"], title=info["title"], type=info["type"], date=info["date"],
                issuer=info["issuer"], score=round(scores[doc_id], 6), provisions=provisions, referenced_by=referenced_by,
            ))
        return Coverage(issue, documents)

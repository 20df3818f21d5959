"""Cited answers: extractive by default, from a language model when one is configured.

Extractive answers need no model beyond the encoder: candidate sentences come from the best
passages, are scored by their similarity to the question (encoder) plus the share of the
question's content syllables they contain (lexical evidence), and the best few that are not
near-duplicates become the answer, each followed by [n] (a bulleted list when the question asks
for measures, duties or tasks). When no passage is close enough to the question the answer
declines and the nearest passages are listed instead.

With a chat endpoint configured (``llm.ChatClient``) the best passages go to the model as data;
its reply is shown only when every sentence cites a passage it was given, otherwise the
extractive answer is shown with a note saying why.

Usage::

    answerer = Answerer(retriever)                      # or Answerer(retriever, llm=ChatClient(config))
    answer = answerer.ask("Hộ gia đình phải trang bị phương tiện chữa cháy gì?")
    for partial in answerer.ask_stream(question): …     # the last one is final and checked
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from .llm import ChatClient, LLMError, build_messages, cited_numbers, verify_reply
from .models import Answer, Citation, Filters, Hit
from .normalize import normalize_query
from .retrieve import Retriever
from .sentences import is_heading, is_item, is_lead_in, sentence_spans
from .structure import Heading, SectionIndex, find_headings
from .tokenize import syllables

DECLINE_MESSAGE = "Không tìm thấy căn cứ trong các văn bản hiện có."
NEAREST_NOTE = "Các đoạn văn bản gần nhất được liệt kê để tham khảo."
EMPTY_QUESTION = "Vui lòng nhập câu hỏi."
EXTRACTIVE_NOTE = "Dưới đây là câu trả lời trích nguyên văn từ văn bản."

# Questions that ask for several measures, duties, tasks … are answered with a bulleted list.
_LIST_QUESTION = re.compile(
    r"\b(?:những|các)\s+(?:biện pháp|giải pháp|nhiệm vụ|trách nhiệm|hành vi|yêu cầu|nội dung|việc|quyền|"
    r"nghĩa vụ|hạn chế|mục tiêu|đối tượng|trường hợp|điều kiện|chính sách|hoạt động|công việc|bước)\b"
    r"|\b(?:biện pháp|giải pháp|nhiệm vụ|trách nhiệm|yêu cầu|nghĩa vụ|quyền)\s+(?:gì|nào)\b"
    r"|\btrách nhiệm\b|\bgồm những\b|\bnhững gì\b|\bphải làm gì\b|\bcần làm gì\b",
    re.IGNORECASE,
)
_ASKS_FOR_DOCUMENT = re.compile(r"^\s*(?:văn bản|những văn bản|các văn bản)\s+nào\b", re.IGNORECASE)
# Syllables that only shape a question; they are no evidence that a sentence answers it.
_QUESTION_SYLLABLES = frozenset(
    "ai gì nào là của và các những có được phải trong cho với về khi thế như bao nhiêu đâu không hay hoặc "
    "thì mà này đó ra vào theo từ đến tại hỏi sao vì để một".split()
)
_LEADING_LABEL = re.compile(r"^(?:[-–•+*]+\s*|\d{1,2}(?:\.\d{1,2}){0,3}[.)]\s+|[a-zđ]\)\s+|[IVXLC]+[.\-–]\s+)")
_CLOSING_MARKS = re.compile(r"[\s;,:–-]*(?:\./\.)?\s*$")


def asks_for_list(question: str) -> bool:
    """Whether a question asks for several measures, duties, tasks … (answered as a bulleted list)."""
    return bool(_LIST_QUESTION.search(question)) and not _ASKS_FOR_DOCUMENT.match(question)


def content_syllables(text: str) -> set[str]:
    return {syllable for syllable in syllables(text) if syllable not in _QUESTION_SYLLABLES}


def content_bigrams(text: str) -> set[tuple[str, str]]:
    """Pairs of adjacent syllables that are both content syllables: the question's phrases."""
    tokens = syllables(text)
    return {(a, b) for a, b in zip(tokens, tokens[1:]) if a not in _QUESTION_SYLLABLES and b not in _QUESTION_SYLLABLES}


def phrase_coverage(question_bigrams: set[tuple[str, str]], hits: list[Hit]) -> float:
    """The largest share of the question's phrases found in one passage (section path included)."""
    if not question_bigrams:
        return 0.0
    tokens = [syllables(f"{hit.section} {hit.text}") for hit in hits]
    return max((len(question_bigrams & set(zip(passage, passage[1:]))) / len(question_bigrams) for passage in tokens),
               default=0.0)


def display_sentence(quote: str) -> str:
    """A quoted sentence as the answer shows it: one line, no leading list label, a full stop at the end."""
    text = " ".join(quote.replace("**", "").split())
    text = _LEADING_LABEL.sub("", text, count=1)
    text = _CLOSING_MARKS.sub("", text)
    if text and text[-1] not in ".!?…\"”)":
        text += "."
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class AnswerSettings:
    passages: int = 8  # retrieved and shown as nearest
    evidence_passages: int = 4  # whose sentences may be quoted …
    evidence_margin: float = 0.04  # … when their cosine is within this of the best passage's
    # Declining: the evidence score is the best passage cosine plus ``phrase_weight`` times the share
    # of the question's phrases found in one of the ``phrase_passages`` best passages; below
    # ``min_evidence`` the library holds no good evidence. Both chosen on the tune split of the
    # team's questions (eval/answer_eval.py --calibrate, see eval/RESULTS.md).
    phrase_weight: float = 0.1
    phrase_passages: int = 3
    min_evidence: float = 0.90
    max_sentences: int = 3
    max_list_items: int = 6
    max_words: int = 120
    score_margin: float = 0.05  # further sentences must score within this of the best
    list_margin: float = 0.08  # … and further list items within this
    lexical_weight: float = 0.3
    min_sentence_syllables: int = 6
    max_quote_chars: int = 400
    duplicate_overlap: float = 0.7
    llm_passages: int = 5  # passages given to the language model


@dataclass
class Evidence:
    """What retrieval found for a question, and whether it is good enough to answer from."""

    question: str
    query: str
    hits: list[Hit] = field(default_factory=list)
    similarities: list[float] = field(default_factory=list)  # cosine of each hit with the question
    query_vector: np.ndarray | None = None
    phrases: float = 0.0  # share of the question's phrases found in one of the best passages
    score: float = 0.0  # best cosine + phrase_weight * phrases
    answerable: bool = False

    @property
    def best_similarity(self) -> float:
        return max(self.similarities, default=0.0)


@dataclass
class _Candidate:
    hit: Hit
    start: int
    end: int
    text: str
    context: str
    lead_in: int  # offset of the line that introduces this item, -1 when none
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


def passage_citation(n: int, hit: Hit) -> Citation:
    """A whole passage as citation ``n`` (its text is the document's text at its span)."""
    return Citation(
        n=n, doc_id=hit.doc_id, number=hit.number, title=hit.title, section=hit.section, page=hit.page,
        quote=hit.text, chunk_id=hit.chunk_id, start=hit.start, end=hit.end, type=hit.type, date=hit.date,
        issuer=hit.issuer,
    )


class Answerer:
    def __init__(self, retriever: Retriever, settings: AnswerSettings = AnswerSettings(), llm: ChatClient | None = None):
        self._retriever = retriever
        self.settings = settings
        self.llm = llm

    # -- the two entry points -------------------------------------------------------------

    def ask(self, question: str, filters: Filters | None = None) -> Answer:
        answer = None
        for answer in self._answers(question, filters, stream=False):
            pass
        return answer

    def ask_stream(self, question: str, filters: Filters | None = None) -> Iterator[Answer]:
        """Answers whose text grows as the model's reply arrives; the last one is final and checked.

        Without a language model (or when the library holds no evidence) it yields only the final answer.
        """
        yield from self._answers(question, filters, stream=True)

    def _answers(self, question: str, filters: Filters | None, stream: bool) -> Iterator[Answer]:
        evidence = self.evidence(question, filters)
        if not evidence.query:
            yield Answer(question, False, EMPTY_QUESTION, [])
            return
        if not evidence.answerable:
            yield self.decline(evidence)
            return
        if self.llm is None:
            yield self.extractive(evidence)
            return
        passages = evidence.hits[: self.settings.llm_passages]
        messages = build_messages(question, passages)
        try:
            if stream:
                reply = ""
                for piece in self.llm.stream(messages):
                    reply += piece
                    yield Answer(question, True, reply, self._passage_citations(passages, cited_numbers(reply)),
                                 evidence.hits, mode="llm")
            else:
                reply = self.llm.complete(messages)
        except LLMError as error:
            yield self._fallback(evidence, f"Không dùng được mô hình ngôn ngữ: {error}.")
            return
        check = verify_reply(reply, len(passages))
        if not check.ok:
            yield self._fallback(evidence, f"Câu trả lời của mô hình ngôn ngữ bị loại vì {check.reason}.")
            return
        yield Answer(question, True, check.text, self._passage_citations(passages, check.cited), evidence.hits, mode="llm")

    # -- evidence and declining -----------------------------------------------------------

    def evidence(self, question: str, filters: Filters | None = None) -> Evidence:
        query = normalize_query(question)
        if not query:
            return Evidence(question, "")
        ranked, query_vector = self._retriever.hybrid(query, self.settings.passages, filters)
        hits = self._retriever.to_hits(ranked)
        vectors = self._retriever.catalog.chunk_vectors([row for row, _ in ranked]) if ranked else {}
        rows = [row for row, _ in ranked if row in vectors]  # what to_hits kept, in its order
        similarities = ([float(vectors[row] @ query_vector) for row in rows] if len(rows) == len(hits)
                        else [0.0] * len(hits))
        settings = self.settings
        evidence = Evidence(question, query, hits, similarities, query_vector)
        evidence.phrases = phrase_coverage(content_bigrams(query), hits[: settings.phrase_passages])
        evidence.score = evidence.best_similarity + settings.phrase_weight * evidence.phrases
        evidence.answerable = bool(hits) and evidence.score >= settings.min_evidence
        return evidence

    def decline(self, evidence: Evidence) -> Answer:
        message = f"{DECLINE_MESSAGE} {NEAREST_NOTE}" if evidence.hits else DECLINE_MESSAGE
        return Answer(evidence.question, False, message, [], evidence.hits)

    def _fallback(self, evidence: Evidence, reason: str) -> Answer:
        answer = self.extractive(evidence)
        answer.note = f"{reason} {EXTRACTIVE_NOTE}"
        return answer

    @staticmethod
    def _passage_citations(passages: list[Hit], numbers: list[int]) -> list[Citation]:
        return [passage_citation(n, passages[n - 1]) for n in sorted(set(numbers)) if 1 <= n <= len(passages)]

    # -- extractive answers -----------------------------------------------------------------

    def extractive(self, evidence: Evidence) -> Answer:
        settings = self.settings
        best = evidence.best_similarity
        pool = [
            hit for hit, similarity in zip(evidence.hits[: settings.evidence_passages], evidence.similarities)
            if similarity >= best - settings.evidence_margin
        ]
        as_list = asks_for_list(evidence.question)
        chosen = self._choose_sentences(evidence.query, evidence.query_vector, pool, as_list)
        if not chosen:  # passages of headings only: quote the best passage's opening
            hit = pool[0]
            start, end = _trim_quote(hit.text, hit.start, settings.max_quote_chars)
            chosen = [_Candidate(hit, start, end, hit.text[: end - start], "", -1)]
        # Documents in the order of their best sentence, sentences in text order within each.
        first_seen = {}
        for position, candidate in enumerate(chosen):
            first_seen.setdefault(candidate.hit.doc_id, position)
        chosen.sort(key=lambda candidate: (first_seen[candidate.hit.doc_id], candidate.start))
        documents = {doc_id: self._retriever.catalog.get_document(doc_id) for doc_id in first_seen}
        sections = {doc_id: SectionIndex(document.text) for doc_id, document in documents.items()}
        citations, parts = [], []
        for n, candidate in enumerate(chosen, start=1):
            hit = candidate.hit
            citations.append(Citation(
                n=n, doc_id=hit.doc_id, number=hit.number, title=hit.title,
                section=sections[hit.doc_id].path_at(candidate.start),
                page=documents[hit.doc_id].page_at(candidate.start), quote=candidate.text, chunk_id=hit.chunk_id,
                start=candidate.start, end=candidate.end, type=hit.type, date=hit.date, issuer=hit.issuer,
            ))
            parts.append(f"{display_sentence(candidate.text)} [{n}]")
        text = "\n".join(f"- {part}" for part in parts) if as_list and len(parts) > 1 else " ".join(parts)
        return Answer(evidence.question, True, text, citations, evidence.hits)

    def _candidates(self, hits: list[Hit]) -> list[_Candidate]:
        settings = self.settings
        candidates = []
        seen: set[tuple[str, int]] = set()
        for hit in hits:
            headings = find_headings(hit.text)
            lead_in, lead_in_start = "", -1
            for text, start, end in _sentences(hit):
                if is_item(text) and lead_in:
                    context_line, context_start = lead_in, lead_in_start
                else:
                    context_line, context_start = "", -1
                    lead_in, lead_in_start = (text, start) if is_lead_in(text) else ("", -1)
                if len(syllables(text)) < settings.min_sentence_syllables or is_heading(text) or is_lead_in(text):
                    continue
                start, end = _trim_quote(text, start, settings.max_quote_chars)
                if (hit.doc_id, start) in seen:  # passages overlap, so sentences repeat
                    continue
                seen.add((hit.doc_id, start))
                heading = _heading_before(headings, start - hit.start, hit.section)
                context = " ".join(part for part in (heading, context_line) if part)
                candidates.append(_Candidate(hit, start, end, hit.text[start - hit.start : end - hit.start], context, context_start))
        return candidates

    def _choose_sentences(self, query: str, query_vector: np.ndarray, hits: list[Hit], as_list: bool) -> list[_Candidate]:
        settings = self.settings
        candidates = self._candidates(hits)
        if not candidates:
            return []
        vectors = self._retriever.encoder.encode_passages(
            [f"{candidate.context}: {candidate.text}" if candidate.context else candidate.text for candidate in candidates]
        )
        similarities = vectors @ query_vector
        query_terms = content_syllables(query)
        for candidate, similarity in zip(candidates, similarities):
            terms = content_syllables(candidate.context + " " + candidate.text)
            lexical = len(query_terms & terms) / max(1, len(query_terms))
            candidate.score = float(similarity) + settings.lexical_weight * lexical
        candidates.sort(key=lambda candidate: -candidate.score)
        best = candidates[0]
        if as_list and best.lead_in >= 0:
            # The best sentence is an item of a list: answer with that list's items, in text order.
            siblings = [c for c in candidates if c.hit.doc_id == best.hit.doc_id and c.lead_in == best.lead_in]
            ordered = sorted(siblings, key=lambda candidate: candidate.start)
            return self._pick(ordered, settings.max_list_items, margin=None)
        limit, margin = (settings.max_list_items, settings.list_margin) if as_list else (settings.max_sentences, settings.score_margin)
        return self._pick(candidates, limit, margin)

    def _pick(self, candidates: list[_Candidate], limit: int, margin: float | None) -> list[_Candidate]:
        """Up to ``limit`` candidates in the given order: no near-duplicates, at most ``max_words`` words,
        and (with ``margin``) none scoring more than ``margin`` below the first."""
        settings = self.settings
        top = max(candidate.score for candidate in candidates)
        chosen: list[_Candidate] = []
        chosen_terms: list[set[str]] = []
        words = 0
        for candidate in candidates:
            if len(chosen) == limit:
                break
            if margin is not None and candidate.score < top - margin:
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

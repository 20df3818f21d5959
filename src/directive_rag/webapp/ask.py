"""Hỏi đáp: a conversation of cited answers; each [n] opens its passage in the document viewer.

The conversation is a list of ``Turn`` kept in the session's state. Its passages (each answer's
citations, or the nearest passages of a declined question) are numbered in order across the
conversation, and the buttons of the rendered page refer to them by that number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..library import Library
from ..models import Answer, Citation, Filters, Hit
from .errors import error_message
from .render import (
    Excerpt,
    action_button,
    esc,
    excerpt_actions,
    hint_html,
    source_html,
)

EMPTY_QUESTION_MESSAGE = "Vui lòng nhập câu hỏi."
PENDING_MESSAGE = "Đang tìm căn cứ trong các văn bản…"
LLM_NOTE = "Câu trả lời do mô hình ngôn ngữ soạn từ các đoạn được trích; hãy đối chiếu với văn bản nguồn."
CONVERSATION_HINT = (
    "Đặt câu hỏi về nội dung các văn bản trong kho. Mỗi câu trả lời đều có số [n] dẫn tới đoạn văn bản làm căn cứ."
)
MARKER = re.compile(r"\[(\d+)\]")


@dataclass
class Turn:
    """One question and its answer; ``answer`` is None while it is being prepared."""

    question: str
    answer: Answer | None = None
    error: str = ""


def turn_excerpts(turn: Turn) -> list[Excerpt]:
    if turn.answer is None:
        return []
    return list(turn.answer.citations) if turn.answer.answered else list(turn.answer.hits)


def conversation_excerpts(turns: list[Turn]) -> list[Excerpt]:
    """Every passage of the conversation, in the order the page numbers them."""
    return [excerpt for turn in turns for excerpt in turn_excerpts(turn)]


def card_id(ref: int) -> str:
    return f"dr-passage-{ref}"


def _linked_answer_text(answer: Answer, offset: int) -> str:
    """The escaped answer with each [n] that has a citation turned into a button opening it."""
    refs = {citation.n: offset + position for position, citation in enumerate(answer.citations)}

    def link(marker: re.Match) -> str:
        ref = refs.get(int(marker.group(1)))
        if ref is None:
            return marker.group(0)
        return action_button("open", ref, marker.group(0), card=card_id(ref), css_class="dr-marker")

    return MARKER.sub(link, esc(answer.answer))


def _card(ref: int, label_html: str, excerpt: Excerpt, body_html: str) -> str:
    return (
        f'<li class="dr-card" id="{card_id(ref)}"><div>{label_html}</div>{source_html(excerpt)}{body_html}'
        f"{excerpt_actions(ref, card_id(ref))}</li>"
    )


def _citation_card(citation: Citation, ref: int) -> str:
    return _card(ref, f'<span class="dr-label">[{citation.n}]</span>', citation,
                 f'<blockquote class="dr-quote">{esc(citation.quote)}</blockquote>')


def _hit_card(hit: Hit, ref: int) -> str:
    label = f'<span class="dr-label">#{hit.rank}</span><span class="dr-score">điểm {hit.score:.4f}</span>'
    return _card(ref, label, hit, f'<div class="dr-passage">{esc(hit.text)}</div>')


def _answer_html(answer: Answer, offset: int) -> str:
    notes = []
    if answer.mode == "llm":
        notes.append(LLM_NOTE)
    if answer.note:
        notes.append(answer.note)
    notes_html = "".join(f'<div class="dr-note">{esc(note)}</div>' for note in notes)
    if answer.answered:
        cards = "".join(_citation_card(citation, offset + i) for i, citation in enumerate(answer.citations))
        citations = f'<div class="dr-subhead">Trích dẫn</div><ol class="dr-cards">{cards}</ol>' if cards else ""
        return f'<div class="dr-answer">{_linked_answer_text(answer, offset)}</div>{notes_html}{citations}'
    declined = f'<div class="dr-declined">{esc(answer.answer)}</div>{notes_html}'
    if not answer.hits:
        return declined
    cards = "".join(_hit_card(hit, offset + i) for i, hit in enumerate(answer.hits))
    return f'{declined}<div class="dr-subhead">Các đoạn gần nhất</div><ol class="dr-cards">{cards}</ol>'


def render_conversation(turns: list[Turn]) -> str:
    """The whole conversation as safe HTML, oldest turn first."""
    if not turns:
        return hint_html(CONVERSATION_HINT)
    parts, offset = [], 0
    for turn in turns:
        parts.append(f'<div class="dr-turn"><div class="dr-question">{esc(turn.question)}</div>')
        if turn.error:
            parts.append(f'<div class="dr-message dr-error">{esc(turn.error)}</div>')
        elif turn.answer is None:
            parts.append(f'<div class="dr-answer dr-pending">{esc(PENDING_MESSAGE)}</div>')
        else:
            parts.append(_answer_html(turn.answer, offset))
        parts.append("</div>")
        offset += len(turn_excerpts(turn))
    return "".join(parts)


def answer_html(library: Library, question: str, filters: Filters | None = None) -> str:
    """The final answer to one question, as the conversation would show it (safe HTML)."""
    turns: list[Turn] = []
    for turns in answer_turns(library, question, [], filters):
        pass
    return render_conversation(turns)


def answer_turns(library: Library, question: str, turns: list[Turn], filters: Filters | None = None) -> Iterator[list[Turn]]:
    """The conversation after ``question``, once per step: pending, each streamed piece, final.

    A failure (no index yet, wrong encoder …) ends the turn with its message instead of an answer.
    """
    question = (question or "").strip()
    if not question:
        yield turns
        return
    history = list(turns)
    yield [*history, Turn(question)]
    try:
        for answer in library.ask_stream(question, filters=filters):
            yield [*history, Turn(question, answer)]
    except Exception as error:  # shown in the conversation; the app keeps serving
        yield [*history, Turn(question, error=error_message(error))]

"""The Gradio web app: cited answers, passage search and the list of documents in the library.

Usage::

    from directive_rag import Library
    from directive_rag.webapp import answer_html, build_app

    library = Library("index")
    print(answer_html(library, "Chỉ thị 53-CT/ĐU yêu cầu những gì?"))  # the HTML the app shows
    build_app(library).launch()                                          # http://127.0.0.1:7860

The handlers are plain functions of the library, so they can be called without a browser.
Document text is untrusted: everything taken from documents or users is escaped with
``html.escape`` and shown through ``gr.HTML``, never through Markdown.
"""

from __future__ import annotations

import html
import re

import gradio as gr

from .encoders import EncoderError
from .index import MissingIndexError
from .library import Library
from .manifest import IndexMismatchError
from .models import Answer, Citation, Hit

APP_TITLE = "Tra cứu văn bản chỉ đạo, điều hành"
EMPTY_QUESTION_MESSAGE = "Vui lòng nhập câu hỏi."
EMPTY_QUERY_MESSAGE = "Vui lòng nhập nội dung cần tìm."
NO_RESULTS_MESSAGE = "Không tìm thấy đoạn văn bản nào phù hợp."
MODE_LABELS = {"hybrid": "Kết hợp", "dense": "Ngữ nghĩa", "lexical": "Từ khóa"}
DOCUMENT_HEADERS = ["Mã", "Số hiệu", "Loại", "Ngày", "Tiêu đề", "Số đoạn"]

# Problems the person using the app can fix (ingest first, pick the right encoder); their
# messages are already in Vietnamese and say what to do.
SETUP_ERRORS = (MissingIndexError, IndexMismatchError, EncoderError)

# Passed as each result component's css_template, which Gradio scopes to that component, so the
# styling travels with build_app() whatever launch() is given.
RESULT_CSS = """
.dr-message { padding: 10px 14px; border-radius: 6px; background: var(--background-fill-secondary); }
.dr-error { border-left: 4px solid var(--color-red-500, #ef4444); }
.dr-answer, .dr-declined {
    padding: 12px 16px; border-radius: 6px; line-height: 1.6;
    background: var(--background-fill-secondary); white-space: pre-wrap;
}
.dr-answer { border-left: 4px solid var(--color-accent); }
.dr-declined { border-left: 4px solid var(--color-yellow-500, #eab308); }
.dr-marker { font-weight: 600; text-decoration: none; }
.dr-cards { list-style: none; padding: 0; margin: 0; }
.dr-card {
    border: 1px solid var(--border-color-primary); border-radius: 8px;
    padding: 10px 14px; margin: 10px 0; scroll-margin-top: 16px;
}
.dr-card.dr-highlighted { outline: 2px solid var(--color-accent); }
.dr-label { font-weight: 700; margin-right: 6px; }
.dr-title { font-weight: 400; }
.dr-meta { color: var(--body-text-color-subdued); font-size: 0.9em; margin-top: 2px; }
.dr-score { color: var(--body-text-color-subdued); font-size: 0.9em; }
.dr-quote, .dr-passage { white-space: pre-wrap; margin: 8px 0 0; }
.dr-quote { border-left: 3px solid var(--color-accent); padding-left: 10px; }
"""

# Gradio's page sets <base href>, against which a bare "#citation-1" link can resolve to another
# URL and reload the app, so citation links scroll to their card here instead.
SCROLL_TO_CITATION_JS = """
element.addEventListener('click', (event) => {
    const link = event.target.closest('a.dr-marker');
    if (!link) return;
    const card = element.querySelector(link.getAttribute('href'));
    if (!card) return;
    event.preventDefault();
    element.querySelectorAll('.dr-highlighted').forEach((other) => other.classList.remove('dr-highlighted'));
    card.classList.add('dr-highlighted');
    card.scrollIntoView({behavior: 'smooth', block: 'center'});
});
"""

MARKER = re.compile(r"\[(\d+)\]")


def _message_html(message: str, is_error: bool = False) -> str:
    css_class = "dr-message dr-error" if is_error else "dr-message"
    return f'<div class="{css_class}">{html.escape(message)}</div>'


def _citation_id(n: int) -> str:
    return f"citation-{n}"


def _source_html(item: Hit | Citation) -> str:
    """Document number (or id when it has none) and title, then section and page."""
    source = f"<strong>{html.escape(item.number or item.doc_id)}</strong>"
    if item.title:
        source += f' — <span class="dr-title">{html.escape(item.title)}</span>'
    details = []
    if item.section:
        details.append(html.escape(item.section))
    if item.page:
        details.append(f"trang {item.page}")
    meta = f'<div class="dr-meta">{" · ".join(details)}</div>' if details else ""
    return f"<div>{source}</div>{meta}"


def _hit_card(hit: Hit) -> str:
    return (
        '<li class="dr-card">'
        f'<div><span class="dr-label">#{hit.rank}</span>'
        f'<span class="dr-score">điểm {hit.score:.4f}</span></div>'
        f"{_source_html(hit)}"
        f'<div class="dr-passage">{html.escape(hit.text)}</div>'
        "</li>"
    )


def _citation_card(citation: Citation) -> str:
    return (
        f'<li class="dr-card" id="{_citation_id(citation.n)}">'
        f'<div><span class="dr-label">[{citation.n}]</span></div>'
        f"{_source_html(citation)}"
        f'<blockquote class="dr-quote">{html.escape(citation.quote)}</blockquote>'
        "</li>"
    )


def _linked_answer_text(answer: Answer) -> str:
    """The escaped answer with each [n] that has a citation turned into a link to its card."""
    cited = {citation.n for citation in answer.citations}

    def link(marker: re.Match) -> str:
        n = int(marker.group(1))
        if n not in cited:
            return marker.group(0)
        return f'<a class="dr-marker" href="#{_citation_id(n)}">[{n}]</a>'

    return MARKER.sub(link, html.escape(answer.answer))


def _render_answer(answer: Answer) -> str:
    if answer.answered:
        cards = "".join(_citation_card(citation) for citation in answer.citations)
        return (
            f'<div class="dr-answer">{_linked_answer_text(answer)}</div>'
            f'<h3>Trích dẫn</h3><ol class="dr-cards">{cards}</ol>'
        )
    declined = f'<div class="dr-declined">{html.escape(answer.answer)}</div>'
    if not answer.hits:
        return declined
    cards = "".join(_hit_card(hit) for hit in answer.hits)
    return f'{declined}<h3>Các đoạn gần nhất</h3><ol class="dr-cards">{cards}</ol>'


def answer_html(library: Library, question: str) -> str:
    """The answer to ``question`` with its [n] linked to numbered citation cards, as safe HTML."""
    if not (question or "").strip():
        return _message_html(EMPTY_QUESTION_MESSAGE)
    try:
        return _render_answer(library.ask(question))
    except SETUP_ERRORS as error:
        return _message_html(str(error), is_error=True)


def search_html(library: Library, query: str, k: int = 10, mode: str = "hybrid") -> str:
    """The ``k`` passages nearest to ``query`` as ranked cards, as safe HTML."""
    if not (query or "").strip():
        return _message_html(EMPTY_QUERY_MESSAGE)
    try:
        hits = library.search(query, k=int(k), mode=mode)
    except SETUP_ERRORS as error:
        return _message_html(str(error), is_error=True)
    if not hits:
        return _message_html(NO_RESULTS_MESSAGE)
    summary = (
        f'<div class="dr-meta">{len(hits)} đoạn cho «{html.escape(query.strip())}» '
        f"(tìm theo: {html.escape(MODE_LABELS.get(mode, mode))})</div>"
    )
    cards = "".join(_hit_card(hit) for hit in hits)
    return f'{summary}<ol class="dr-cards">{cards}</ol>'


def documents_table(library: Library) -> tuple[str, list[list]]:
    """A summary line (safe HTML) and one row per document, in the order of DOCUMENT_HEADERS."""
    try:
        documents = library.documents()
    except SETUP_ERRORS as error:
        return _message_html(str(error), is_error=True), []
    rows = [
        [document["doc_id"], document["number"], document["type"], document["date"],
         document["title"], document["n_chunks"]]
        for document in documents
    ]
    passages = sum(document["n_chunks"] for document in documents)
    summary = f"Chỉ mục {library.index_dir}: {len(documents)} văn bản, {passages} đoạn."
    return _message_html(summary), rows


def build_app(library: Library) -> gr.Blocks:
    def ask(question: str) -> str:
        return answer_html(library, question)

    def search(query: str, k: float, mode: str) -> str:
        return search_html(library, query, int(k), mode)

    def list_documents() -> tuple[str, list[list]]:
        return documents_table(library)

    # The encoder and the SQLite connection are shared by every request: use them one at a time.
    one_at_a_time = {"concurrency_id": "library", "concurrency_limit": 1}

    with gr.Blocks(title=APP_TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"# {APP_TITLE}")
        with gr.Tab("Hỏi đáp"):
            with gr.Row(equal_height=True):
                question = gr.Textbox(
                    label="Câu hỏi", placeholder="Ví dụ: Quy định 384-QĐ/TW áp dụng đối với những đối tượng nào?",
                    scale=5,
                )
                ask_button = gr.Button("Hỏi", variant="primary", scale=1)
            answer = gr.HTML(css_template=RESULT_CSS, js_on_load=SCROLL_TO_CITATION_JS)
            gr.on([ask_button.click, question.submit], ask, inputs=question, outputs=answer,
                  api_name="ask", **one_at_a_time)

        with gr.Tab("Tìm kiếm"):
            with gr.Row(equal_height=True):
                query = gr.Textbox(label="Nội dung cần tìm", placeholder="Ví dụ: trách nhiệm nêu gương", scale=5)
                search_button = gr.Button("Tìm", variant="primary", scale=1)
            with gr.Row():
                k = gr.Slider(1, 50, value=10, step=1, label="Số kết quả")
                mode = gr.Radio([(label, name) for name, label in MODE_LABELS.items()], value="hybrid",
                                label="Cách tìm")
            results = gr.HTML(css_template=RESULT_CSS, js_on_load=None)
            gr.on([search_button.click, query.submit], search, inputs=[query, k, mode], outputs=results,
                  api_name="search", **one_at_a_time)

        with gr.Tab("Kho văn bản"):
            refresh_button = gr.Button("Làm mới")
            summary = gr.HTML(css_template=RESULT_CSS, js_on_load=None)
            table = gr.Dataframe(headers=DOCUMENT_HEADERS, datatype=["str"] * 5 + ["number"],
                                 column_widths=["16%", "12%", "10%", "10%", "44%", "8%"],
                                 interactive=False, wrap=True)
            gr.on([demo.load, refresh_button.click], list_documents, outputs=[summary, table],
                  api_name="documents", **one_at_a_time)
    return demo


def main() -> None:
    # No host or port here, so Gradio's GRADIO_SERVER_NAME / GRADIO_SERVER_PORT apply
    # (default 127.0.0.1:7860).
    build_app(Library()).launch()


if __name__ == "__main__":
    main()

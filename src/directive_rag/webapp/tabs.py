"""The five tabs: their components and the events that connect them to the handlers.

Cross-tab traffic goes through two pieces of session state created by ``build_app``: ``basket``
(the handout's excerpts, which every tab can add to) and ``library_version`` (bumped after any
change to the library, so document lists and filter choices refresh).
"""

from __future__ import annotations

import os
from pathlib import Path

import gradio as gr

from ..library import Library
from ..loaders import SUPPORTED_SUFFIXES
from .ask import EMPTY_QUESTION_MESSAGE, answer_turns, conversation_excerpts, render_conversation
from .assets import ACTIONS_JS, PANEL_CSS, VIEWER_JS
from .basket import DEFAULT_TITLE, basket_action, export_files, render_basket
from .collection import (
    DOCUMENT_HEADERS,
    NOTHING_SELECTED_MESSAGE,
    document_choices,
    document_rows,
    list_documents,
    reindex_documents,
    remove_documents,
    render_upload_statuses,
    status_html,
)
from .coverage import coverage_view
from .excerpts import excerpt_action
from .filter_inputs import FilterError, FilterInputs, build_filter_inputs, filter_choices, read_filters
from .render import VIEWER_HINT, esc, hint_html, message_html
from .search import MODE_LABELS, search_view
from .uploads import LibraryWriter, megabytes, upload_files

# Three queues. Questions and coverage reports take seconds each; searches, opened passages and the
# page's lists a fraction of one, so they queue apart and a visitor's search or page load never waits
# behind a queue of questions (eval/RESULTS.md, "Load"). The reading Library serves several threads at
# once (a SQLite connection per thread, a reentrant encoder): each reading queue runs as many requests
# as there are cores, at most four. Writes go through the LibraryWriter, one at a time, in their own queue.
_CORES = max(1, min(4, os.cpu_count() or 1))
ANSWERING = {"concurrency_id": "answers", "concurrency_limit": _CORES}
READING = {"concurrency_id": "library", "concurrency_limit": _CORES}
WRITING = {"concurrency_id": "writer", "concurrency_limit": 1}


def event_payload(event: gr.EventData) -> dict:
    """The data a panel's script sent with its event ({"action": …, "ref": …})."""
    data = getattr(event, "_data", None)
    return data if isinstance(data, dict) else {}


def panel(value: str = "", actions: bool = True, **options) -> gr.HTML:
    """An HTML panel with the app's styling; with ``actions`` its passage buttons send events."""
    return gr.HTML(value, css_template=PANEL_CSS, js_on_load=ACTIONS_JS if actions else None, **options)


def viewer_panel(elem_id: str) -> gr.HTML:
    with gr.Column(scale=2, elem_classes="dr-viewer-column"):
        gr.Markdown("### Văn bản nguồn")
        return gr.HTML(hint_html(VIEWER_HINT), css_template=PANEL_CSS, js_on_load=VIEWER_JS, elem_id=elem_id)


def query_row(label: str, placeholder: str, button: str, name: str, lines: int = 1) -> tuple[gr.Textbox, gr.Button]:
    """A text box with its primary button beside it; element ids "dr-<name>" and "dr-<name>-button"."""
    with gr.Row(equal_height=True):
        text = gr.Textbox(label=label, placeholder=placeholder, scale=5, lines=lines, max_lines=6, elem_id=f"dr-{name}")
        return text, gr.Button(button, variant="primary", scale=1, elem_id=f"dr-{name}-button")


def wire_passage_buttons(library: Library, shown: gr.HTML, passages: gr.State, basket: gr.State, viewer: gr.HTML,
                         listed=list) -> None:
    """Clicks on ``shown``'s passage buttons open the passage in ``viewer`` or add it to ``basket``.

    ``listed`` turns the state's value into the list of passages the buttons' numbers index.
    """

    def on_action(value, items: list, event: gr.EventData):
        return excerpt_action(library, listed(value), items, event_payload(event))

    shown.click(on_action, inputs=[passages, basket], outputs=[viewer, basket], api_name=False, **READING)


def _filters_or_warning(*values) -> tuple[bool, object]:
    try:
        return True, read_filters(*values)
    except FilterError as error:
        gr.Warning(str(error))
        return False, None


def _filtered_view(view, library: Library, text: str, k: float, filter_values: tuple, *settings):
    """``view(library, text, k, *settings, filters)``: a page and its passages; unchanged when the filters are unusable."""
    usable, chosen = _filters_or_warning(*filter_values)
    if not usable:
        return gr.skip(), gr.skip()
    return view(library, text, int(k), *settings, chosen)


def ask_tab(library: Library, basket: gr.State) -> FilterInputs:
    turns = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            conversation = panel(render_conversation([]), elem_id="dr-conversation")
            question, ask_button = query_row(
                "Câu hỏi", "Ví dụ: Quy định 384-QĐ/TW áp dụng đối với những đối tượng nào?", "Hỏi", "question")
            new_conversation = gr.Button("Cuộc hội thoại mới", size="sm")
            filters = build_filter_inputs(library, "ask")
        viewer = viewer_panel("dr-ask-viewer")

    def ask(question: str, history: list, types: list, issuers: list, numbers: str, year_from, year_to):
        if not (question or "").strip():
            gr.Warning(EMPTY_QUESTION_MESSAGE)
            yield gr.skip(), gr.skip(), gr.skip()
            return
        usable, chosen = _filters_or_warning(types, issuers, numbers, year_from, year_to)
        if not usable:
            yield gr.skip(), gr.skip(), gr.skip()
            return
        for updated in answer_turns(library, question, history, chosen):
            yield updated, render_conversation(updated), ""

    gr.on([ask_button.click, question.submit], ask, inputs=[question, turns, *filters.components()],
          outputs=[turns, conversation, question], api_name="ask", **ANSWERING)
    wire_passage_buttons(library, conversation, turns, basket, viewer, listed=conversation_excerpts)
    new_conversation.click(lambda: ([], render_conversation([]), hint_html(VIEWER_HINT)), None,
                           [turns, conversation, viewer], api_name=False)
    return filters


def search_tab(library: Library, basket: gr.State) -> FilterInputs:
    hits = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            query, search_button = query_row(
                "Nội dung cần tìm", "Ví dụ: trách nhiệm nêu gương của người đứng đầu", "Tìm", "query")
            filters = build_filter_inputs(library, "search", open=True)
            with gr.Accordion("Tùy chọn tìm kiếm", open=False):
                with gr.Row():
                    k = gr.Slider(1, 50, value=10, step=1, label="Số đoạn")
                    mode = gr.Radio([(label, name) for name, label in MODE_LABELS.items()], value="hybrid",
                                    label="Cách tìm")
            results = panel(elem_id="dr-results")
        viewer = viewer_panel("dr-search-viewer")

    def search(query: str, k: float, mode: str, types: list, issuers: list, numbers: str, year_from, year_to):
        return _filtered_view(search_view, library, query, k, (types, issuers, numbers, year_from, year_to), mode)

    gr.on([search_button.click, query.submit], search, inputs=[query, k, mode, *filters.components()],
          outputs=[results, hits], api_name="search", **READING)
    wire_passage_buttons(library, results, hits, basket, viewer)
    return filters


def coverage_tab(library: Library, basket: gr.State) -> FilterInputs:
    provisions = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            issue, cover_button = query_row(
                "Vấn đề cần xác định văn bản điều chỉnh", "Ví dụ: trách nhiệm của người đứng đầu trong tiếp công dân",
                "Xác định", "issue", lines=2)
            filters = build_filter_inputs(library, "coverage")
            k = gr.Slider(1, 30, value=10, step=1, label="Số văn bản tối đa")
            report = panel(hint_html("Mô tả một vấn đề để xem những văn bản nào điều chỉnh nó, quy định cụ thể "
                                     "và các văn bản dẫn chiếu."), elem_id="dr-coverage")
        viewer = viewer_panel("dr-coverage-viewer")

    def cover(issue: str, k: float, types: list, issuers: list, numbers: str, year_from, year_to):
        return _filtered_view(coverage_view, library, issue, k, (types, issuers, numbers, year_from, year_to))

    gr.on([cover_button.click, issue.submit], cover, inputs=[issue, k, *filters.components()],
          outputs=[report, provisions], api_name="covers", **ANSWERING)
    wire_passage_buttons(library, report, provisions, basket, viewer)
    return filters


def basket_tab(basket: gr.State) -> None:
    gr.Markdown("Các đoạn đã chọn từ những thẻ khác. Sắp xếp, ghi chú rồi tải về để làm tài liệu bài giảng; "
                "tệp xuất ra nhóm các đoạn theo văn bản, kèm loại, số hiệu, ngày, cơ quan ban hành, phần và trang.")
    title = gr.Textbox(DEFAULT_TITLE, label="Tiêu đề tài liệu", elem_id="dr-handout-title")
    view = panel(render_basket([]), elem_id="dr-basket")
    with gr.Row():
        docx_button = gr.DownloadButton("Tải về DOCX", interactive=False, variant="primary", elem_id="dr-export-docx")
        markdown_button = gr.DownloadButton("Tải về Markdown", interactive=False, elem_id="dr-export-md")
        clear_button = gr.Button("Bỏ tất cả", variant="stop")

    def refresh(items: list, heading: str):
        docx_path, markdown_path = export_files(items, heading)
        return (render_basket(items),
                gr.DownloadButton(value=docx_path, interactive=bool(items)),
                gr.DownloadButton(value=markdown_path, interactive=bool(items)))

    def on_action(items: list, event: gr.EventData):
        return basket_action(items, event_payload(event))

    gr.on([basket.change, title.blur, title.submit], refresh, inputs=[basket, title],
          outputs=[view, docx_button, markdown_button], api_name=False)
    view.click(on_action, inputs=[basket], outputs=[basket], api_name=False)
    clear_button.click(lambda: [], None, basket, api_name=False)


def collection_tab(library: Library, writer: LibraryWriter, max_upload_bytes: int,
                   library_version: gr.State, demo: gr.Blocks) -> None:
    suffixes = sorted(SUPPORTED_SUFFIXES)
    stats = panel(actions=False, elem_id="dr-stats")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2):
            gr.Markdown(f"**Tải văn bản lên kho** — nhận {', '.join(suffixes)}; tối đa "
                        f"{megabytes(max_upload_bytes)} mỗi tệp; chọn được nhiều tệp cùng lúc.")
            # No file_types here: Gradio would drop other files with an English message; upload_files
            # refuses them itself, each with its reason on its own row.
            upload_button = gr.UploadButton("Chọn tệp và nạp vào kho…", file_count="multiple", type="filepath",
                                            variant="primary", elem_id="dr-upload")
            upload_status = panel(actions=False, elem_id="dr-upload-status")
        with gr.Column(scale=3):
            selection = gr.Dropdown([], value=[], multiselect=True, label="Văn bản đã chọn",
                                    info="Chọn ở đây hoặc bấm vào một dòng của bảng bên dưới.")
            with gr.Row():
                reindex_button = gr.Button("Nạp lại từ tệp nguồn")
                delete_button = gr.Button("Xóa khỏi kho", variant="stop")
                refresh_button = gr.Button("Làm mới")
            with gr.Row(visible=False) as confirm_row:
                confirm_text = panel(actions=False)
                confirm_button = gr.Button("Xác nhận xóa", variant="stop")
                cancel_button = gr.Button("Hủy")
            outcome = panel(actions=False, elem_id="dr-collection-outcome")
    table = gr.Dataframe(headers=DOCUMENT_HEADERS, datatype=["str"] * 6 + ["number"], interactive=False,
                         wrap=True, column_widths=["14%", "11%", "9%", "9%", "15%", "36%", "6%"],
                         elem_id="dr-documents")

    def refresh():
        documents, problem = list_documents(library)
        summary = message_html(problem, is_error=True) if problem else status_html(library)
        return summary, document_rows(documents), gr.Dropdown(choices=document_choices(documents))

    # Gradio fills in a gr.Progress given as a default argument; it shows a bar over the event's output.
    def upload(paths, progress=gr.Progress()):
        for statuses in upload_files(writer, [Path(path) for path in paths or []], max_upload_bytes, progress):
            yield render_upload_statuses(statuses)

    def ask_to_confirm(doc_ids):
        if not doc_ids:
            return gr.Row(visible=False), gr.skip(), message_html(NOTHING_SELECTED_MESSAGE)
        names = ", ".join(doc_ids)
        return gr.Row(visible=True), f"<div>Xóa {len(doc_ids)} văn bản khỏi kho: {esc(names)}?</div>", ""

    def delete(doc_ids):
        return remove_documents(library, writer, doc_ids or []), gr.Row(visible=False), []

    def reindex(doc_ids, progress=gr.Progress()):
        yield from reindex_documents(library, writer, doc_ids or [], progress)

    def select_row(chosen, event: gr.SelectData):
        row = getattr(event, "row_value", None) or []
        doc_id = row[0] if row else None
        if not doc_id or doc_id in (chosen or []):
            return gr.skip()
        return [*(chosen or []), doc_id]

    bump = {"fn": lambda version: version + 1, "inputs": library_version, "outputs": library_version,
            "api_name": False}
    gr.on([demo.load, refresh_button.click, library_version.change], refresh,
          outputs=[stats, table, selection], api_name=False, **READING)
    upload_button.upload(upload, upload_button, upload_status, api_name=False, **WRITING).then(**bump)
    delete_button.click(ask_to_confirm, selection, [confirm_row, confirm_text, outcome], api_name=False)
    cancel_button.click(lambda: gr.Row(visible=False), None, confirm_row, api_name=False)
    confirm_button.click(delete, selection, [outcome, confirm_row, selection], api_name=False,
                         **WRITING).then(**bump)
    reindex_button.click(reindex, selection, outcome, api_name=False, **WRITING).then(**bump)
    table.select(select_row, selection, selection, api_name=False)


def refresh_filter_choices(library: Library, filter_sets: list[FilterInputs], library_version: gr.State,
                           demo: gr.Blocks) -> None:
    """Keep every tab's type and issuer choices in step with the library."""

    def refresh():
        types, issuers = filter_choices(library)
        return [gr.Dropdown(choices=choices) for _ in filter_sets for choices in (types, issuers)]

    outputs = [component for filters in filter_sets for component in filters.choice_inputs()]
    gr.on([demo.load, library_version.change], refresh, outputs=outputs, api_name=False, **READING)

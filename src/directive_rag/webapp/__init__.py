"""The Gradio web app, in Vietnamese, for cadres, trainers and reviewers.

Five tabs: Hỏi đáp (cited answers; each [n] opens its passage highlighted in the source document),
Tìm kiếm (passages grouped by document, with filters), Văn bản nào điều chỉnh? (coverage report),
Trích đoạn bài giảng (the handout basket, exported as DOCX or Markdown) and Kho văn bản (upload,
remove, re-read documents; index statistics).

Usage::

    from directive_rag import Library
    from directive_rag.webapp import answer_html, build_app

    library = Library("index")
    print(answer_html(library, "Chỉ thị 53-CT/ĐU yêu cầu những gì?"))  # the HTML the app shows
    build_app(library).launch()                                          # http://127.0.0.1:7860

or ``python app.py --index index`` (see ``webapp.app`` for the settings). One module per concern:
``render`` (escaped HTML building blocks), ``ask``, ``search``, ``coverage``, ``basket`` and
``collection`` (what each tab shows and does, no layout), ``uploads`` (checking, storing and
ingesting uploaded files), ``filter_inputs``, ``tabs`` (layout and events), ``assets`` (CSS and
the panels' scripts) and ``app`` (assembly, launch settings, ``main``).

Document text is untrusted: everything taken from documents, file names or users is escaped with
``html.escape`` and shown through ``gr.HTML`` panels, never through Markdown.
"""

from .app import APP_TITLE, TAB_LABELS, build_app, launch_options, main
from .ask import EMPTY_QUESTION_MESSAGE, answer_html
from .collection import DOCUMENT_HEADERS
from .search import EMPTY_QUERY_MESSAGE, search_html

__all__ = [
    "APP_TITLE", "DOCUMENT_HEADERS", "EMPTY_QUERY_MESSAGE", "EMPTY_QUESTION_MESSAGE", "TAB_LABELS",
    "answer_html", "build_app", "launch_options", "main", "search_html",
]

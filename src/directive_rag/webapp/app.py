"""The app as a whole: ``build_app`` puts the five tabs together, ``main`` serves them.

``python app.py [--index DIR] [--host HOST] [--port PORT]``. The server listens on 127.0.0.1
unless ``--host``, ``$DIRECTIVE_RAG_HOST`` or ``$GRADIO_SERVER_NAME`` says otherwise; the port is
``--port``, else ``$GRADIO_SERVER_PORT``, else 7860. ``$DIRECTIVE_RAG_AUTH="user:password"``
asks for a login; ``$DIRECTIVE_RAG_MAX_UPLOAD_MB`` caps each uploaded file (default 50).
Start-up opens the existing index as it is: nothing is embedded until a question comes.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys

import gradio as gr

from ..library import Library
from ..manifest import IndexMismatchError
from ..settings import resolve_auth, resolve_host, resolve_max_upload_bytes
from .assets import PAGE_CSS
from .tabs import ask_tab, basket_tab, collection_tab, coverage_tab, refresh_filter_choices, search_tab
from .uploads import TRANSFER_LIMIT_FACTOR, LibraryWriter

APP_TITLE = "Tra cứu văn bản chỉ đạo, điều hành"
APP_SUBTITLE = ("Hỏi đáp có trích dẫn, tìm kiếm theo ngữ nghĩa và xác định văn bản điều chỉnh "
                "trên kho văn bản của đơn vị.")
AUTH_MESSAGE = "Đăng nhập để sử dụng hệ thống tra cứu văn bản."
TAB_LABELS = ("Hỏi đáp", "Tìm kiếm", "Văn bản nào điều chỉnh?", "Trích đoạn bài giảng", "Kho văn bản")


def build_app(library: Library, writer: LibraryWriter | None = None, max_upload_bytes: int | None = None) -> gr.Blocks:
    """The web app over ``library``; uploads and removals go through ``writer`` (a second Library)."""
    writer = writer or LibraryWriter(library.index_dir)
    max_upload_bytes = max_upload_bytes or resolve_max_upload_bytes()
    ask_label, search_label, coverage_label, basket_label, collection_label = TAB_LABELS
    with gr.Blocks(title=APP_TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"# {APP_TITLE}\n{APP_SUBTITLE}")
        basket = gr.State([])
        library_version = gr.State(0)
        with gr.Tabs():
            with gr.Tab(ask_label, id="ask"):
                ask_filters = ask_tab(library, basket)
            with gr.Tab(search_label, id="search"):
                search_filters = search_tab(library, basket)
            with gr.Tab(coverage_label, id="coverage"):
                coverage_filters = coverage_tab(library, basket)
            with gr.Tab(basket_label, id="handout"):
                basket_tab(basket)
            with gr.Tab(collection_label, id="library"):
                collection_tab(library, writer, max_upload_bytes, library_version, demo)
        refresh_filter_choices(library, [ask_filters, search_filters, coverage_filters], library_version, demo)
    return demo


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def launch_options(host: str | None = None, port: int | None = None) -> dict:
    """The keyword arguments for ``launch()``, from the command line and the environment.

    Raises ValueError (with a Vietnamese message) for a malformed setting.
    """
    return {
        "server_name": resolve_host(host),
        "server_port": port,  # None: Gradio's own $GRADIO_SERVER_PORT, else 7860
        "auth": resolve_auth(),
        "auth_message": AUTH_MESSAGE,
        "max_file_size": resolve_max_upload_bytes() * TRANSFER_LIMIT_FACTOR,
        "css": PAGE_CSS,
        "footer_links": [],
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="app.py", description=f"{APP_TITLE}: ứng dụng web.")
    parser.add_argument("--index", metavar="DIR", help="thư mục chỉ mục (mặc định: $DIRECTIVE_RAG_INDEX hoặc index/)")
    parser.add_argument("--encoder", help="bộ mã hóa (mặc định: bộ mã hóa của chỉ mục)")
    parser.add_argument("--host", help="địa chỉ lắng nghe (mặc định: $DIRECTIVE_RAG_HOST hoặc 127.0.0.1)")
    parser.add_argument("--port", type=int, help="cổng (mặc định: $GRADIO_SERVER_PORT hoặc 7860)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        options = launch_options(args.host, args.port)
        library = Library(args.index, encoder=args.encoder)
    except (ValueError, IndexMismatchError) as error:  # malformed settings, or an index built with another encoder
        print(error, file=sys.stderr)
        return 2
    if not is_loopback(options["server_name"]) and not options["auth"]:
        print(f"Cảnh báo: ứng dụng mở cho mọi máy truy cập {options['server_name']} mà không cần đăng nhập; "
              'đặt DIRECTIVE_RAG_AUTH="tên:mật khẩu" để yêu cầu đăng nhập.', file=sys.stderr)
    writer = LibraryWriter(library.index_dir, encoder=args.encoder)
    demo = build_app(library, writer, resolve_max_upload_bytes())
    demo.launch(**options)
    return 0

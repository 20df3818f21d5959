"""Serve the directive-rag web app: `python app.py [--index DIR] [--host HOST] [--port PORT]`.

Listens on 127.0.0.1:7860 unless --host/--port, DIRECTIVE_RAG_HOST, GRADIO_SERVER_NAME or
GRADIO_SERVER_PORT say otherwise; DIRECTIVE_RAG_INDEX and DIRECTIVE_RAG_AUTH ("user:password") apply.
"""

import sys

from directive_rag.webapp import main

if __name__ == "__main__":
    sys.exit(main())

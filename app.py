"""Serve the directive-rag web app: `python app.py` (GRADIO_SERVER_NAME/PORT, DIRECTIVE_RAG_INDEX apply)."""

from directive_rag.webapp import main

if __name__ == "__main__":
    main()

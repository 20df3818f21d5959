"""The Python API: one object that ingests, lists, searches and answers over an index folder.

Usage::

    from directive_rag import Library

    library = Library("index")                    # or Library() for $DIRECTIVE_RAG_INDEX / index/
    report = library.ingest(["corpus"])           # IngestReport(added=…, failed=[…], …)
    for hit in library.search("trách nhiệm nêu gương", k=5):
        print(hit.rank, hit.number, hit.section, hit.text[:80])
    answer = library.ask("Chỉ thị 53-CT/ĐU yêu cầu những gì?")
    print(answer.answer)                          # sentences, each followed by [n]
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Iterator, Sequence

from .answer import Answerer
from .chunking import Chunker, ChunkSettings
from .coverage import CoverageFinder
from .encoders import DEFAULT_ENCODER, Encoder, load_encoder
from .handout import DEFAULT_TITLE, Handout, HandoutItem
from .index import IndexStore
from .ingest import Ingestor, Progress
from .llm import ChatClient
from .manifest import Manifest
from .models import Answer, Coverage, Filters, Hit, IngestReport
from .rerank import RERANK_MODE, RERANK_DEPTH, CrossEncoderReranker, RerankerError
from .retrieve import Retriever
from .settings import resolve_encoder, resolve_index_dir, resolve_llm, resolve_reranker


class Library:
    def __init__(
        self, index_dir: str | os.PathLike | None = None, encoder: str | None = None, reranker: str | None = None
    ):
        """Open (lazily) the index at ``index_dir``.

        ``encoder`` overrides the index's own encoder; an existing index built with another
        encoder then refuses to open, naming both. ``reranker`` (or $DIRECTIVE_RAG_RERANKER)
        names a local cross-encoder that the "hybrid+rerank" search mode uses.
        """
        self.index_dir = resolve_index_dir(index_dir)
        self._requested_encoder = resolve_encoder(encoder)
        self.reranker_spec = resolve_reranker(reranker)
        self._store: IndexStore | None = None
        self._encoder: Encoder | None = None
        self._reranker: CrossEncoderReranker | None = None
        self._lock = threading.Lock()
        manifest = Manifest.read(self.index_dir)
        if manifest is not None and self._requested_encoder:
            manifest.check_encoder(self._requested_encoder, self.index_dir)

    @property
    def encoder_spec(self) -> str:
        manifest = self._store.manifest if self._store else Manifest.read(self.index_dir)
        return manifest.encoder if manifest else (self._requested_encoder or DEFAULT_ENCODER)

    def _get_encoder(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = load_encoder(self.encoder_spec)
            return self._encoder

    @property
    def store(self) -> IndexStore:
        if self._store is None:
            with self._lock:  # the web app's first requests may arrive together
                if self._store is None:
                    self._store = IndexStore.open(self.index_dir)
        return self._store

    def exists(self) -> bool:
        return Manifest.read(self.index_dir) is not None

    def ingest(self, paths: Sequence[str | os.PathLike], progress: Progress | None = None) -> IngestReport:
        """Add or update the documents under ``paths``; unchanged documents are skipped."""
        encoder = self._get_encoder()
        if self._store is None and not self.exists():
            manifest = Manifest(encoder=encoder.spec, dim=encoder.dim, chunking=ChunkSettings().to_dict())
            self._store = IndexStore.create(self.index_dir, manifest)
        chunking = dict(self.store.manifest.chunking)
        chunker = Chunker(ChunkSettings(size=chunking["size"], overlap=chunking["overlap"]))
        return Ingestor(self.store, encoder, chunker, progress).run([Path(path) for path in paths])

    def documents(self) -> list[dict]:
        return self.store.catalog.list_documents()

    def document(self, doc_id: str) -> dict | None:
        """The document's metadata and its normalized text (``text``), or None."""
        document = self.store.catalog.get_document(doc_id)
        if document is None:
            return None
        return {**document.metadata(), "text": document.text}

    @property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self._get_encoder)

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: Filters | None = None) -> list[Hit]:
        """The ``k`` best passages for ``query``; ``filters`` restrict which documents they come from.

        ``mode`` is one of retrieve.MODES, or "hybrid+rerank" when a reranker is configured.
        """
        if mode != RERANK_MODE:
            return self.retriever.search(query, k=k, mode=mode, filters=filters)
        reranker = self.reranker
        candidates = self.retriever.search(query, k=max(k, RERANK_DEPTH), mode="hybrid", filters=filters)
        return reranker.rerank(query, candidates)[:k]

    @property
    def reranker(self) -> CrossEncoderReranker:
        """The configured cross-encoder, loaded on first use."""
        if not self.reranker_spec:
            raise RerankerError(
                "Chưa cấu hình mô hình xếp hạng lại: đặt DIRECTIVE_RAG_RERANKER hoặc --reranker "
                "(tên hoặc đường dẫn mô hình cross-encoder có sẵn trên máy)."
            )
        with self._lock:
            if self._reranker is None:
                self._reranker = CrossEncoderReranker(self.reranker_spec)
            return self._reranker

    def remove(self, doc_ids: Sequence[str]) -> list[str]:
        """Delete documents and their passages from every part of the index; the ids that were there."""
        return self.store.remove(list(doc_ids))

    def status(self) -> dict:
        """What the index holds and how it is built: counts, encoder, index type, size on disk."""
        documents, passages = self.store.catalog.counts()
        manifest = self.store.manifest
        dense, _ = self.store.searchers()
        return {
            "index_dir": str(self.index_dir),
            "documents": documents,
            "passages": passages,
            "encoder": manifest.encoder,
            "dim": manifest.dim,
            "index_type": dense.kind,
            "index_parameters": dense.parameters,
            "lexical": manifest.lexical,
            "generation": self.store.catalog.generation,
            "size_bytes": self.store.size_bytes(),
        }

    def _answerer(self) -> Answerer:
        config = resolve_llm()  # read on every call, so a changed environment takes effect at once
        return Answerer(self.retriever, llm=ChatClient(config) if config else None)

    def ask(self, question: str, filters: Filters | None = None) -> Answer:
        """A cited answer (every [n] a citation whose quote is the document's text at its span), or a
        declined one (``answered`` false) listing the nearest passages. With a language model configured
        (``DIRECTIVE_RAG_LLM_BASE_URL``) the model writes it; a reply that fails the citation check, or
        an endpoint that fails, gives the extractive answer with a ``note`` saying why."""
        return self._answerer().ask(question, filters=filters)

    def ask_stream(self, question: str, filters: Filters | None = None) -> Iterator[Answer]:
        """Answers whose ``answer`` grows as the model's reply arrives; the last one is final and checked.

        Without a language model it yields just the final extractive answer.
        """
        return self._answerer().ask_stream(question, filters=filters)

    def covers(self, issue: str, k: int = 10, filters: Filters | None = None) -> Coverage:
        """The ``k`` documents that cover ``issue`` best, each with its most relevant provisions and
        the library documents that cite it."""
        return CoverageFinder(self.retriever).covers(issue, k=k, filters=filters)

    def passages(self, chunk_ids: Sequence[str]) -> list[Hit]:
        """The passages with these ids ("doc_id#order"), in the order asked; unknown ids are skipped."""
        if not chunk_ids:
            return []
        wanted = [chunk_id.rpartition("#") for chunk_id in chunk_ids]
        catalog = self.store.catalog
        doc_ids = sorted({doc_id for doc_id, _, order in wanted if doc_id and order.isdigit()})
        rows = catalog.chunk_rows(doc_ids) if doc_ids else []
        row_of = {chunk.chunk_id: row for row, chunk in catalog.get_chunks([int(row) for row in rows]).items()} if len(rows) else {}
        found = [row_of[chunk_id] for chunk_id in dict.fromkeys(chunk_ids) if chunk_id in row_of]
        return self.retriever.to_hits([(row, 0.0) for row in found])

    def handout(
        self, title: str = "", *, chunk_ids: Sequence[str] = (), question: str | None = None,
        filters: Filters | None = None, items: Sequence[HandoutItem] = (),
    ) -> Handout:
        """A lecture handout from given items, passages by id, and the citations of an answer to ``question``."""
        collected = list(items) + [HandoutItem.from_hit(hit) for hit in self.passages(chunk_ids)]
        if question:
            answer = self.ask(question, filters=filters)
            collected += [HandoutItem.from_citation(citation) for citation in answer.citations]
        return Handout(title or question or DEFAULT_TITLE, collected)

    def export(
        self, path: str | os.PathLike, title: str = "", *, chunk_ids: Sequence[str] = (), question: str | None = None,
        filters: Filters | None = None, items: Sequence[HandoutItem] = (),
    ) -> Handout:
        """Write a handout (see ``handout``) as DOCX or Markdown, by the suffix of ``path``."""
        handout = self.handout(title, chunk_ids=chunk_ids, question=question, filters=filters, items=items)
        handout.write(path)
        return handout

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

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
from typing import Sequence

from .answer import Answerer
from .chunking import Chunker, ChunkSettings
from .encoders import DEFAULT_ENCODER, Encoder, load_encoder
from .index import IndexStore
from .ingest import Ingestor, Progress
from .manifest import Manifest
from .models import Answer, Hit, IngestReport
from .retrieve import Retriever
from .settings import resolve_encoder, resolve_index_dir


class Library:
    def __init__(self, index_dir: str | os.PathLike | None = None, encoder: str | None = None):
        """Open (lazily) the index at ``index_dir``.

        ``encoder`` overrides the index's own encoder; an existing index built with another
        encoder then refuses to open, naming both.
        """
        self.index_dir = resolve_index_dir(index_dir)
        self._requested_encoder = resolve_encoder(encoder)
        self._store: IndexStore | None = None
        self._encoder: Encoder | None = None
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

    def search(self, query: str, k: int = 10, mode: str = "hybrid") -> list[Hit]:
        return self.retriever.search(query, k=k, mode=mode)

    def ask(self, question: str) -> Answer:
        return Answerer(self.retriever).ask(question)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

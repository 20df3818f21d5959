"""Ingest: files → documents → passages, vectors, references → catalog, then refresh the derived indexes.

Documents are written in batches, each in one catalog transaction, so an interrupted
ingest keeps what it finished and a re-run skips it (unchanged content is not re-embedded).

Progress is reported as ``IngestProgress`` events (progress.py): after each file, each encoded
batch of passages and each failure, then for the final indexing step and at the end.

A file whose text is already in the library under another name (a copy of a file, in this
batch or an earlier one) is not indexed a second time: it is reported as failed, naming the
document it repeats. Records of a .jsonl file are exempt: their ids are given on purpose.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from .catalog import text_hash
from .chunking import Chunker, encoder_text
from .encoders import Encoder
from .index import IndexStore
from .loaders import discover, load_file
from .models import Document, Failure, IngestReport
from .progress import DONE, ENCODING, FAILED, INDEXING, READING, IngestProgress, Progress
from .references import passage_references
from .understand import describe

BATCH_CHUNKS = 128
ENCODE_BATCH = 16


def content_hash(document: Document) -> str:
    """What decides whether a document must be indexed again: its text and metadata, but not where
    its file lies, so that moving or re-mounting a folder re-embeds nothing."""
    metadata = {name: value for name, value in document.metadata().items() if name != "source"}
    payload = json.dumps([document.text, metadata], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Ingestor:
    def __init__(self, store: IndexStore, encoder: Encoder, chunker: Chunker, progress: Progress | None = None):
        self._store = store
        self._encoder = encoder
        self._chunker = chunker
        self._progress = progress or (lambda event: None)
        self._pending: list[tuple[Document, str, list]] = []
        self._report = IngestReport()
        self._texts: dict[str, tuple[str, str]] = {}  # text hash -> (doc_id, source) of this run's documents
        self._files_done = self._files_total = 0
        self._passages_read = self._passages_encoded = 0
        # Shares of the whole ingest, each file weighing the same and each of its documents an equal part
        # of it: settled (encoded, unchanged or failed) and waiting in self._pending to be encoded.
        self._settled_share = self._waiting_share = 0.0

    def run(self, paths: list[Path]) -> IngestReport:
        with self._store.write_lock():
            items = list(discover(paths))
            self._files_total = len(items)
            owners: dict[str, str] = {}
            for item in items:
                self._files_done += 1
                if isinstance(item, Failure):
                    self._settled_share += 1 / self._files_total
                    self._fail(item)
                    continue
                path, doc_id = item
                loaded = load_file(path, doc_id)
                for failure in loaded.failures:
                    self._fail(failure)
                document_share = 1 / (self._files_total * max(1, len(loaded.documents)))
                if not loaded.documents:
                    self._settled_share += document_share
                for document in loaded.documents:
                    if document.doc_id in owners:
                        self._settled_share += document_share
                        self._fail(Failure(
                            str(path), f"mã văn bản {document.doc_id!r} đã được dùng cho {owners[document.doc_id]}"))
                        continue
                    owners[document.doc_id] = str(path)
                    if self._consider(describe(document), path):
                        self._waiting_share += document_share
                    else:
                        self._settled_share += document_share
                    if sum(len(chunks) for _, _, chunks in self._pending) >= BATCH_CHUNKS:
                        self._flush()
                self._report_step(READING, path=str(path))
            self._flush()
            self._report_step(INDEXING)
            self._store.save_derived()
            self._report_step(DONE)
        self._report.documents, self._report.chunks = self._store.catalog.counts()
        return self._report

    def _report_step(self, stage: str, path: str = "", detail: str = "", batch_share: float = 0.0) -> None:
        """Send an IngestProgress event; ``batch_share`` is the part of self._pending encoded so far."""
        self._progress(IngestProgress(
            stage, self._files_done, self._files_total, self._passages_read, self._passages_encoded,
            min(1.0, self._settled_share + self._waiting_share * batch_share), path, detail,
        ))

    def _fail(self, failure: Failure) -> None:
        self._report.failed.append(failure)
        self._report_step(FAILED, path=failure.path, detail=failure.error)

    def _consider(self, document: Document, path: Path) -> bool:
        """Queue the document for encoding when it is new or changed; True when it was queued."""
        digest = content_hash(document)
        previous = self._store.catalog.content_hash(document.doc_id)
        if previous == digest:
            self._store.catalog.set_source(document.doc_id, document.source)
            self._report.unchanged += 1
            return False
        original = self._duplicate_of(document, path)
        if original is not None:
            doc_id, source = original
            failure = Failure(str(path), f"trùng nội dung với văn bản {doc_id!r} (tệp {source}) đã có trong kho; "
                                         "không nạp thêm một bản nữa")
            self._fail(failure)
            return False
        chunks = self._chunker.split(document)
        self._pending.append((document, digest, chunks))
        self._passages_read += len(chunks)
        if previous is None:
            self._report.added += 1
        else:
            self._report.updated += 1
        return True

    def _duplicate_of(self, document: Document, path: Path) -> tuple[str, str] | None:
        """(doc_id, source) of another document with the same text read from another file, if any."""
        digest = text_hash(document.text)
        if path.suffix.lower() != ".jsonl":
            earlier = [self._texts[digest]] if digest in self._texts else []
            for doc_id, source in earlier + self._store.catalog.same_text(digest):
                # The same file under another id (its folder given instead of its parent) is not a copy.
                if doc_id != document.doc_id and os.path.realpath(source) != os.path.realpath(path):
                    return doc_id, source
        self._texts.setdefault(digest, (document.doc_id, str(path)))
        return None

    def _flush(self) -> None:
        if not self._pending:
            return
        texts = [encoder_text(document, chunk) for document, _, chunks in self._pending for chunk in chunks]
        vectors = []
        for start in range(0, len(texts), ENCODE_BATCH):
            batch = texts[start : start + ENCODE_BATCH]
            vectors.append(self._encoder.encode_passages(batch))
            self._passages_encoded += len(batch)
            self._report_step(ENCODING, batch_share=(start + len(batch)) / len(texts))
        matrix = np.vstack(vectors) if vectors else np.zeros((0, self._encoder.dim), dtype=np.float32)
        entries = []
        offset = 0
        for document, digest, chunks in self._pending:
            references = passage_references(document, chunks)
            entries.append((document, digest, chunks, matrix[offset : offset + len(chunks)], references))
            offset += len(chunks)
        self._store.catalog.write(entries)
        self._pending = []
        self._settled_share += self._waiting_share
        self._waiting_share = 0.0

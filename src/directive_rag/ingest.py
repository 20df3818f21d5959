"""Ingest: files → documents → passages, vectors, references → catalog, then refresh the derived indexes.

Documents are written in batches, each in one catalog transaction, so an interrupted
ingest keeps what it finished and a re-run skips it (unchanged content is not re-embedded).

A file whose text is already in the library under another name (a copy of a file, in this
batch or an earlier one) is not indexed a second time: it is reported as failed, naming the
document it repeats. Records of a .jsonl file are exempt: their ids are given on purpose.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable

import numpy as np

from .catalog import text_hash
from .chunking import Chunker, encoder_text
from .encoders import Encoder
from .index import IndexStore
from .loaders import discover, load_file
from .models import Document, Failure, IngestReport
from .references import passage_references
from .understand import describe

Progress = Callable[[str], None]
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
        self._progress = progress or (lambda message: None)
        self._pending: list[tuple[Document, str, list]] = []
        self._report = IngestReport()
        self._texts: dict[str, tuple[str, str]] = {}  # text hash -> (doc_id, source) of this run's documents

    def run(self, paths: list[Path]) -> IngestReport:
        with self._store.write_lock():
            items = list(discover(paths))
            owners: dict[str, str] = {}
            for position, item in enumerate(items, start=1):
                if isinstance(item, Failure):
                    self._report.failed.append(item)
                    continue
                path, doc_id = item
                loaded = load_file(path, doc_id)
                self._report.failed.extend(loaded.failures)
                for failure in loaded.failures:
                    self._progress(f"lỗi: {failure.path}: {failure.error}")
                for document in loaded.documents:
                    if document.doc_id in owners:
                        self._report.failed.append(Failure(
                            str(path), f"mã văn bản {document.doc_id!r} đã được dùng cho {owners[document.doc_id]}"))
                        continue
                    owners[document.doc_id] = str(path)
                    self._consider(describe(document), path)
                    if sum(len(chunks) for _, _, chunks in self._pending) >= BATCH_CHUNKS:
                        self._flush()
                self._progress(f"[{position}/{len(items)}] {path}")
            self._flush()
            self._progress("đang cập nhật chỉ mục tìm kiếm…")
            self._store.save_derived()
        self._report.documents, self._report.chunks = self._store.catalog.counts()
        return self._report

    def _consider(self, document: Document, path: Path) -> None:
        digest = content_hash(document)
        previous = self._store.catalog.content_hash(document.doc_id)
        if previous == digest:
            self._store.catalog.set_source(document.doc_id, document.source)
            self._report.unchanged += 1
            return
        original = self._duplicate_of(document, path)
        if original is not None:
            doc_id, source = original
            failure = Failure(str(path), f"trùng nội dung với văn bản {doc_id!r} (tệp {source}) đã có trong kho; "
                                         "không nạp thêm một bản nữa")
            self._report.failed.append(failure)
            self._progress(f"lỗi: {failure.path}: {failure.error}")
            return
        self._pending.append((document, digest, self._chunker.split(document)))
        if previous is None:
            self._report.added += 1
        else:
            self._report.updated += 1

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
            vectors.append(self._encoder.encode_passages(texts[start : start + ENCODE_BATCH]))
            self._progress(f"mã hóa {min(start + ENCODE_BATCH, len(texts))}/{len(texts)} đoạn")
        matrix = np.vstack(vectors) if vectors else np.zeros((0, self._encoder.dim), dtype=np.float32)
        entries = []
        offset = 0
        for document, digest, chunks in self._pending:
            references = passage_references(document, chunks)
            entries.append((document, digest, chunks, matrix[offset : offset + len(chunks)], references))
            offset += len(chunks)
        self._store.catalog.write(entries)
        self._pending = []

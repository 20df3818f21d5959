"""The index folder: manifest, catalog, and the dense and lexical indexes derived from it.

Layout::

    manifest.json          encoder, dimension, chunking, dense and lexical settings
    catalog.sqlite         documents, passages, vectors (source of truth, WAL mode)
    dense-<gen>.faiss      FAISS index built from catalog generation <gen>
    lexical-<gen>/         BM25 index built from catalog generation <gen>

Derived indexes are written under new names and the old ones deleted only afterwards, so
a crash at any point leaves a catalog that opens, and derived indexes that are either
current or rebuilt from the catalog on open.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from .catalog import Catalog
from .dense import DenseIndex, DenseSettings
from .chunking import passage_context
from .lexical import LexicalIndex, LexicalSettings
from .filters import allowed_rows
from .manifest import Manifest
from .models import Filters
from .references import Resolver

CATALOG_FILE = "catalog.sqlite"


class MissingIndexError(FileNotFoundError):
    pass


class IndexStore:
    def __init__(self, folder: Path, manifest: Manifest):
        self.folder = folder
        self.manifest = manifest
        self.catalog = Catalog(folder / CATALOG_FILE)
        self._generation = -1
        self._dense: DenseIndex | None = None
        self._lexical: LexicalIndex | None = None
        self._resolver: Resolver | None = None
        self._resolver_generation = -1
        self._allowed: dict[Filters, np.ndarray] = {}
        self._allowed_generation = -1
        self._refresh_lock = threading.Lock()

    @classmethod
    def open(cls, folder: Path) -> "IndexStore":
        manifest = Manifest.read(folder)
        if manifest is None:
            raise MissingIndexError(
                f"Chưa có chỉ mục tại {folder}. Hãy nạp văn bản trước: directive-rag --index {folder} ingest <tệp hoặc thư mục>"
            )
        return cls(folder, manifest)

    @classmethod
    def create(cls, folder: Path, manifest: Manifest) -> "IndexStore":
        folder.mkdir(parents=True, exist_ok=True)
        manifest.write(folder)
        return cls(folder, manifest)

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Only one writer at a time, across processes."""
        with open(self.folder / ".write.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _paths(self, generation: int) -> tuple[Path, Path]:
        return self.folder / f"dense-{generation}.faiss", self.folder / f"lexical-{generation}"

    def _build_derived(self) -> tuple[DenseIndex, LexicalIndex]:
        row_ids, blocks = [], []
        for rows in self.catalog.iter_chunks(with_vectors=True):
            row_ids.extend(row["id"] for row in rows)
            blocks.append(np.frombuffer(b"".join(row["vector"] for row in rows), dtype=np.float32))
        ids = np.asarray(row_ids, dtype=np.int64)
        matrix = np.concatenate(blocks).reshape(len(ids), self.manifest.dim) if blocks else np.zeros((0, self.manifest.dim), np.float32)
        del blocks
        dense = DenseIndex.build(self.manifest.dim, ids, matrix, self.dense_settings)
        return dense, self.build_lexical(self.lexical_settings)

    @property
    def lexical_settings(self) -> LexicalSettings:
        return LexicalSettings.from_dict(self.manifest.lexical)

    @property
    def dense_settings(self) -> DenseSettings:
        return DenseSettings.from_dict(self.manifest.dense)

    def configure(self, lexical: LexicalSettings | None = None, dense: DenseSettings | None = None) -> None:
        """Switch the index to other lexical or dense settings: recorded in the manifest, derived indexes rebuilt."""
        lexical, dense = lexical or self.lexical_settings, dense or self.dense_settings
        if (lexical, dense) == (self.lexical_settings, self.dense_settings):
            return
        with self.write_lock():
            self.manifest.lexical, self.manifest.dense = lexical.to_dict(), dense.to_dict()
            self.manifest.write(self.folder)
            self.save_derived()

    def build_lexical(self, settings: LexicalSettings) -> LexicalIndex:
        """A lexical index over every passage, with the passage's context when ``settings`` say so."""
        headings = self.catalog.headings() if settings.with_context else {}

        def passages() -> Iterator[tuple[int, str]]:
            for rows in self.catalog.iter_chunks():
                for row in rows:
                    context = passage_context(*headings[row["doc_id"]], row["section"]) if settings.with_context else ""
                    yield row["id"], f"{context}\n{row['text']}" if context else row["text"]

        return LexicalIndex.build(passages(), settings)

    def save_derived(self) -> None:
        """Build and save the derived indexes for the catalog's current generation (writers only)."""
        generation = self.catalog.generation
        dense, lexical = self._build_derived()
        dense_path, lexical_path = self._paths(generation)
        temporary_dense = dense_path.with_suffix(".faiss.tmp")
        temporary_lexical = lexical_path.with_name(lexical_path.name + ".tmp")
        shutil.rmtree(temporary_lexical, ignore_errors=True)
        dense.save(temporary_dense)
        lexical.save(temporary_lexical)
        _sync(temporary_dense, temporary_lexical)  # on disk before the renames make them current
        shutil.rmtree(lexical_path, ignore_errors=True)
        temporary_lexical.rename(lexical_path)
        temporary_dense.replace(dense_path)
        _sync(self.folder)
        for stale in self.folder.glob("dense-*"):
            if stale != dense_path:
                stale.unlink(missing_ok=True)
        for stale in self.folder.glob("lexical-*"):
            if stale != lexical_path:
                shutil.rmtree(stale, ignore_errors=True)
        with self._refresh_lock:
            self._dense, self._lexical, self._generation = dense, lexical, generation

    def _load_or_build(self, generation: int) -> tuple[DenseIndex, LexicalIndex]:
        dense_path, lexical_path = self._paths(generation)
        if dense_path.exists() and lexical_path.exists():
            try:
                dense, lexical = DenseIndex.load(dense_path), LexicalIndex.load(lexical_path)
                if lexical.settings == self.lexical_settings and dense.approximate == self.dense_settings.approximate(len(dense)):
                    return dense, lexical
            except (OSError, RuntimeError, ValueError, KeyError, EOFError):
                pass  # a writer replaced them meanwhile, or they are damaged: rebuild
        return self._build_derived()

    def searchers(self) -> tuple[DenseIndex, LexicalIndex]:
        """The dense and lexical indexes for the catalog's current state, reloaded when it changed."""
        generation = self.catalog.generation
        with self._refresh_lock:
            if generation != self._generation or self._dense is None:
                self._dense, self._lexical = self._load_or_build(generation)
                self._generation = generation
            return self._dense, self._lexical

    def resolver(self) -> Resolver:
        """Resolves document mentions against the catalog's current documents, rebuilt when it changed."""
        generation = self.catalog.generation
        with self._refresh_lock:
            if self._resolver is None or self._resolver_generation != generation:
                self._resolver = Resolver(self.catalog.identities())
                self._resolver_generation = generation
            return self._resolver

    def allowed_rows(self, filters: Filters) -> np.ndarray:
        """The passage rows ``filters`` allow, cached per catalog generation."""
        generation = self.catalog.generation
        with self._refresh_lock:
            if self._allowed_generation != generation:
                self._allowed, self._allowed_generation = {}, generation
            if filters not in self._allowed:
                self._allowed[filters] = allowed_rows(self.catalog, filters)
            return self._allowed[filters]

    def remove(self, doc_ids: list[str]) -> list[str]:
        """Delete documents from the catalog and rebuild the derived indexes; the ids that existed."""
        with self.write_lock():
            removed = self.catalog.remove(doc_ids)
            if removed:
                self.save_derived()
        return removed

    def size_bytes(self) -> int:
        total = 0
        for root, _, files in os.walk(self.folder):  # a folder a writer removes meanwhile is skipped
            for name in files:
                try:
                    total += os.stat(os.path.join(root, name)).st_size
                except FileNotFoundError:  # replaced by a writer meanwhile
                    pass
        return total

    def close(self) -> None:
        self.catalog.close()


def _sync(*paths: Path) -> None:
    """Flush files, and folders with the files directly in them, to disk."""
    for path in paths:
        for item in [*path.iterdir(), path] if path.is_dir() else [path]:
            descriptor = os.open(item, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)

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

    def _vectors(self, after: int = -1) -> tuple[np.ndarray, np.ndarray]:
        """Row ids and vectors of the passages whose row id is above ``after`` (all by default)."""
        row_ids, blocks = [], []
        for rows in self.catalog.iter_chunks(with_vectors=True, after=after):
            row_ids.extend(row["id"] for row in rows)
            blocks.append(np.frombuffer(b"".join(row["vector"] for row in rows), dtype=np.float32))
        matrix = np.concatenate(blocks) if blocks else np.zeros(0, np.float32)
        return np.asarray(row_ids, dtype=np.int64), matrix.reshape(len(row_ids), self.manifest.dim)

    def _build_derived(self) -> tuple[DenseIndex, LexicalIndex]:
        dense = DenseIndex.build(self.manifest.dim, *self._vectors(), self.dense_settings)
        return dense, self.build_lexical(self.lexical_settings)

    def _updated_derived(self, dense: DenseIndex, lexical: LexicalIndex) -> tuple[DenseIndex, LexicalIndex]:
        """Derived indexes of an earlier state brought up to the catalog's: the passages gone are taken
        out, only the new ones are read, analyzed and added. Row ids are never reused, so the new
        passages are exactly those above the newest row the earlier indexes hold."""
        removed = np.setdiff1d(lexical.row_ids, self.catalog.row_ids(), assume_unique=True)
        newest = int(lexical.row_ids[-1]) if len(lexical) else -1
        updated = dense.updated(removed, *self._vectors(after=newest), self.dense_settings)
        if updated is None:  # the new size calls for another kind of dense index
            updated = DenseIndex.build(self.manifest.dim, *self._vectors(), self.dense_settings)
        return updated, lexical.updated(removed, self._passages(self.lexical_settings, after=newest))

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
        return LexicalIndex.build(self._passages(settings), settings)

    def _passages(self, settings: LexicalSettings, after: int = -1) -> Iterator[tuple[int, str]]:
        """(row id, text to index) of the passages above row ``after``, with their context when ``settings`` say so."""
        headings = self.catalog.headings() if settings.with_context else {}
        for rows in self.catalog.iter_chunks(after=after):
            for row in rows:
                context = passage_context(*headings[row["doc_id"]], row["section"]) if settings.with_context else ""
                yield row["id"], f"{context}\n{row['text']}" if context else row["text"]

    def save_derived(self) -> None:
        """Bring the derived indexes on disk up to the catalog's current generation (writers only).

        The newest ones on disk are updated with what changed since (rebuilt from the whole catalog
        when there are none, or when their settings differ), written under temporary names, flushed,
        then renamed into place; older generations are deleted last.
        """
        generation = self.catalog.generation
        newest = self._newest_on_disk()
        if newest is not None and newest[0] == generation and newest[1].matches(self.dense_settings):
            _, dense, lexical = newest  # already current (an ingest that changed nothing)
        else:
            dense, lexical = self._updated_derived(*newest[1:]) if newest else self._build_derived()
            self._write_derived(generation, dense, lexical)
        dense_path, lexical_path = self._paths(generation)
        for stale in self.folder.glob("dense-*"):
            if stale != dense_path:
                stale.unlink(missing_ok=True)
        for stale in self.folder.glob("lexical-*"):
            if stale != lexical_path:
                shutil.rmtree(stale, ignore_errors=True)
        with self._refresh_lock:
            self._dense, self._lexical, self._generation = dense, lexical, generation

    def _write_derived(self, generation: int, dense: DenseIndex, lexical: LexicalIndex) -> None:
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

    def _newest_on_disk(self) -> tuple[int, DenseIndex, LexicalIndex] | None:
        """(generation, dense, lexical) of the newest derived indexes on disk that load and have the
        index's lexical settings; None when there are none."""
        generations = sorted((int(path.stem.split("-", 1)[1]) for path in self.folder.glob("dense-*.faiss")
                              if path.stem.split("-", 1)[1].isdigit()), reverse=True)
        for generation in generations:
            loaded = self._load(generation)
            if loaded is not None:
                return (generation, *loaded)
        return None

    def _load(self, generation: int) -> tuple[DenseIndex, LexicalIndex] | None:
        """The derived indexes saved for ``generation``, or None when missing, damaged or built otherwise."""
        dense_path, lexical_path = self._paths(generation)
        if not (dense_path.exists() and lexical_path.exists()):
            return None
        try:
            dense, lexical = DenseIndex.load(dense_path), LexicalIndex.load(lexical_path)
        except (OSError, RuntimeError, ValueError, KeyError, EOFError):
            return None  # a writer replaced them meanwhile, or they are damaged
        if lexical.settings != self.lexical_settings or len(dense) != len(lexical):
            return None
        return dense, lexical

    def _load_or_build(self, generation: int) -> tuple[DenseIndex, LexicalIndex]:
        loaded = self._load(generation)
        if loaded is not None and loaded[0].matches(self.dense_settings):
            return loaded
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

"""The catalog: documents, passages, their vectors and the documents they mention, in one SQLite file.

The catalog is the index's source of truth. Every write happens in a transaction that also
bumps ``generation``; the dense and lexical indexes record the generation they were built
from and are rebuilt from the catalog when it has moved on (after a crash, for example).

Every thread gets its own SQLite connection: one connection used by several threads at once
(a web server answering several visitors) mixes their statements and transactions.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from .models import Chunk, Document
from .references import Reference

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    title TEXT NOT NULL, number TEXT NOT NULL, type TEXT NOT NULL, issuer TEXT NOT NULL,
    date TEXT NOT NULL, source TEXT NOT NULL, place TEXT NOT NULL DEFAULT '', signer TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    page_starts TEXT NOT NULL,
    text_hash TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    section TEXT NOT NULL,
    page INTEGER,
    text TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id, ord);
CREATE TABLE IF NOT EXISTS doc_references (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    key TEXT NOT NULL,
    type TEXT NOT NULL, date TEXT NOT NULL, issuer TEXT NOT NULL, term TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS doc_references_by_doc ON doc_references(doc_id);
CREATE INDEX IF NOT EXISTS doc_references_by_key ON doc_references(key);
"""
# A document, its content hash, its passages, their vectors, and its references with the
# order of the passage holding each.
Entry = tuple[Document, str, list[Chunk], np.ndarray, list[tuple[int, Reference]]]
DOCUMENT_FIELDS = ("doc_id", "title", "number", "type", "issuer", "date", "source", "place", "signer")


def text_hash(text: str) -> str:
    """What two documents with the same text share, whatever their names and metadata."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Catalog:
    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._connections_lock = threading.Lock()
        self._db.executescript(_SCHEMA)
        self._add_text_hashes()

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        db = getattr(self._local, "db", None)
        return db if db is not None else self._connect()

    def _connect(self) -> sqlite3.Connection:
        # check_same_thread=False only so that close() and the pruning below may close it from another thread.
        db = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        with self._connections_lock:
            # Worker threads come and go (an upload runs in a thread of its own): close what ended ones left.
            for thread, connection in self._connections:
                if not thread.is_alive():
                    connection.close()
            self._connections = [(thread, connection) for thread, connection in self._connections if thread.is_alive()]
            self._connections.append((threading.current_thread(), db))
        self._local.db = db
        return db

    def _add_text_hashes(self) -> None:
        """Give every document its text hash: indexes made before it was recorded get it here, once."""
        if "text_hash" not in {row["name"] for row in self._db.execute("PRAGMA table_info(documents)")}:
            try:
                self._db.execute("ALTER TABLE documents ADD COLUMN text_hash TEXT NOT NULL DEFAULT ''")
            except sqlite3.OperationalError as error:  # another process added it meanwhile
                if "duplicate column" not in str(error):
                    raise
        self._db.execute("CREATE INDEX IF NOT EXISTS documents_by_text_hash ON documents(text_hash)")
        missing = [row["doc_id"] for row in self._db.execute("SELECT doc_id FROM documents WHERE text_hash=''")]
        if missing:
            with self._db:
                for doc_id in missing:
                    row = self._db.execute("SELECT text FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
                    if row is not None:
                        self._db.execute("UPDATE documents SET text_hash=? WHERE doc_id=?", (text_hash(row["text"]), doc_id))

    def close(self) -> None:
        with self._connections_lock:
            for _, connection in self._connections:
                connection.close()
            self._connections = []
        self._local = threading.local()

    @property
    def generation(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row["value"]) if row else 0

    def content_hash(self, doc_id: str) -> str | None:
        row = self._db.execute("SELECT content_hash FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return row["content_hash"] if row else None

    def same_text(self, digest: str) -> list[tuple[str, str]]:
        """(doc_id, source) of the documents whose text has this ``text_hash``."""
        rows = self._db.execute("SELECT doc_id, source FROM documents WHERE text_hash=? ORDER BY doc_id", (digest,))
        return [(row["doc_id"], row["source"]) for row in rows]

    def write(self, entries: Sequence[Entry]) -> None:
        """Insert or replace documents with their chunks, vectors and references, in one transaction."""
        with self._db:
            for document, content_hash, chunks, vectors, references in entries:
                self._db.execute("DELETE FROM documents WHERE doc_id=?", (document.doc_id,))
                self._db.execute(
                    f"INSERT INTO documents ({', '.join(DOCUMENT_FIELDS)}, content_hash, text, page_starts, text_hash)"
                    f" VALUES ({', '.join('?' * (len(DOCUMENT_FIELDS) + 4))})",
                    (*(getattr(document, name) for name in DOCUMENT_FIELDS), content_hash,
                     document.text, json.dumps(document.page_starts), text_hash(document.text)),
                )
                self._db.executemany(
                    "INSERT INTO chunks (doc_id, ord, start, end, section, page, text, vector)"
                    " VALUES (?,?,?,?,?,?,?,?)",
                    [
                        (c.doc_id, c.order, c.start, c.end, c.section, c.page, c.text,
                         np.ascontiguousarray(vector, dtype=np.float32).tobytes())
                        for c, vector in zip(chunks, vectors)
                    ],
                )
                self._db.executemany(
                    "INSERT INTO doc_references (doc_id, ord, start, end, key, type, date, issuer, term)"
                    " VALUES (?,?,?,?,?,?,?,?,?)",
                    [
                        (document.doc_id, order, r.start, r.end, r.key, r.type, r.date, r.issuer, r.term)
                        for order, r in references
                    ],
                )
            self._bump_generation()

    def set_source(self, doc_id: str, source: str) -> None:
        """Record where an unchanged document now lies (no new generation: nothing searchable changed)."""
        with self._db:
            self._db.execute("UPDATE documents SET source=? WHERE doc_id=? AND source<>?", (source, doc_id, source))

    def remove(self, doc_ids: Sequence[str]) -> list[str]:
        """Delete documents with their passages and references, in one transaction; the ids that existed."""
        with self._db:
            removed = [doc_id for doc_id in dict.fromkeys(doc_ids)
                       if self._db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,)).rowcount]
            if removed:
                self._bump_generation()
        return removed

    def _bump_generation(self) -> None:
        self._db.execute(
            "INSERT INTO meta VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def counts(self) -> tuple[int, int]:
        documents = self._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return documents, chunks

    def list_documents(self) -> list[dict]:
        rows = self._db.execute(
            f"SELECT {', '.join('d.' + name for name in DOCUMENT_FIELDS)}, COUNT(c.id) AS n_chunks "
            "FROM documents d LEFT JOIN chunks c ON c.doc_id = d.doc_id "
            "GROUP BY d.doc_id ORDER BY d.doc_id"
        ).fetchall()
        return [dict(row) for row in rows]

    def get_document(self, doc_id: str) -> Document | None:
        row = self._db.execute(
            f"SELECT {', '.join(DOCUMENT_FIELDS)}, text, page_starts FROM documents WHERE doc_id=?",
            (doc_id,),
        ).fetchone()
        if row is None:
            return None
        data = dict(row)
        data["page_starts"] = json.loads(data["page_starts"])
        return Document(**data)

    def document_metadata(self, doc_ids: Sequence[str]) -> dict[str, dict]:
        marks = ",".join("?" * len(doc_ids))
        rows = self._db.execute(
            f"SELECT {', '.join(DOCUMENT_FIELDS)} FROM documents WHERE doc_id IN ({marks})", list(doc_ids)
        ).fetchall()
        return {row["doc_id"]: dict(row) for row in rows}

    def get_chunks(self, row_ids: Sequence[int]) -> dict[int, Chunk]:
        marks = ",".join("?" * len(row_ids))
        rows = self._db.execute(
            f"SELECT id, doc_id, ord, text, start, end, section, page FROM chunks WHERE id IN ({marks})",
            [int(row_id) for row_id in row_ids],
        ).fetchall()
        return {
            row["id"]: Chunk(row["doc_id"], row["ord"], row["text"], row["start"], row["end"], row["section"], row["page"])
            for row in rows
        }

    def chunk_rows(self, doc_ids: Sequence[str]) -> np.ndarray:
        """Sorted row ids of every passage of the given documents."""
        rows: list[int] = []
        for start in range(0, len(doc_ids), 500):
            part = list(doc_ids[start : start + 500])
            rows.extend(row[0] for row in self._db.execute(
                f"SELECT id FROM chunks WHERE doc_id IN ({','.join('?' * len(part))})", part))
        return np.asarray(sorted(rows), dtype=np.int64)

    def row_ids(self) -> np.ndarray:
        """Every chunk's row id, in increasing order (ids are never reused: a new chunk's id is above all before it)."""
        return np.fromiter((row[0] for row in self._db.execute("SELECT id FROM chunks ORDER BY id")), np.int64)

    def chunk_vectors(self, row_ids: Sequence[int]) -> dict[int, np.ndarray]:
        marks = ",".join("?" * len(row_ids))
        rows = self._db.execute(
            f"SELECT id, vector FROM chunks WHERE id IN ({marks})", [int(row_id) for row_id in row_ids]
        ).fetchall()
        return {row["id"]: np.frombuffer(row["vector"], dtype=np.float32) for row in rows}

    def document_vectors(self, doc_ids: Sequence[str]) -> tuple[list[int], np.ndarray]:
        """Row ids and vectors of every passage of the given documents."""
        marks = ",".join("?" * len(doc_ids))
        rows = self._db.execute(
            f"SELECT id, vector FROM chunks WHERE doc_id IN ({marks}) ORDER BY id", list(doc_ids)
        ).fetchall()
        vectors = [np.frombuffer(row["vector"], dtype=np.float32) for row in rows]
        return [row["id"] for row in rows], np.vstack(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)

    def headings(self) -> dict[str, tuple[str, str, str]]:
        """doc_id -> (type, number, title) of every document."""
        rows = self._db.execute("SELECT doc_id, type, number, title FROM documents").fetchall()
        return {row["doc_id"]: (row["type"], row["number"], row["title"]) for row in rows}

    def identities(self) -> list[dict]:
        """doc_id, number, type and date of every document: what references resolve against."""
        rows = self._db.execute("SELECT doc_id, number, type, date FROM documents").fetchall()
        return [dict(row) for row in rows]

    def references(self, doc_id: str) -> list[dict]:
        """The mentions of other documents in a document, in text order, each with its passage's order."""
        rows = self._db.execute(
            "SELECT ord, start, end, key, type, date, issuer, term FROM doc_references WHERE doc_id=? ORDER BY start",
            (doc_id,),
        ).fetchall()
        return [dict(row) for row in rows]

    def reference_keys(self) -> list[tuple[str, str, str]]:
        """Distinct (doc_id, key, term) of every stored reference."""
        return [tuple(row) for row in self._db.execute("SELECT DISTINCT doc_id, key, term FROM doc_references")]

    def iter_chunks(self, batch: int = 4096, with_vectors: bool = False, after: int = -1) -> Iterator[list[sqlite3.Row]]:
        """The chunks whose row id is above ``after`` (all by default) in row-id order, in batches:
        (id, doc_id, section, text[, vector])."""
        columns = "id, doc_id, section, text" + (", vector" if with_vectors else "")
        last = after
        while True:
            rows = self._db.execute(
                f"SELECT {columns} FROM chunks WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1]["id"]

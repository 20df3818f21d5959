"""One Library serving several threads at once, as the web app's worker threads do.

Searches, answers and coverage reports run concurrently must give exactly what they give one at
a time, while another Library on the same folder writes; every thread reads through its own
SQLite connection, and the connections of threads that ended are closed.
"""

from __future__ import annotations

import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from directive_rag import Library
from directive_rag.catalog import Catalog

QUERIES = [
    "tuần tra rừng mùa khô", "bản đồ nguy cơ cháy rừng", "đốt nương rẫy", "báo cháy cho kiểm lâm",
    "cấp ủy đảng kiểm tra", "khai thác trái phép", "rừng đầu nguồn bị thu hẹp", "Chỉ thị 09-CT/TU",
]
THREADS = 8
ROUNDS = 3


@pytest.fixture(scope="module")
def library(directive_index):
    library = Library(directive_index)
    yield library
    library.close()


def _key(hits):
    return [(hit.chunk_id, round(hit.score, 4)) for hit in hits]


def _run_concurrently(task, items):
    barrier = threading.Barrier(THREADS)

    def start(item):
        barrier.wait()  # all threads begin together
        return task(item)

    work = [item for _ in range(ROUNDS) for item in items][: THREADS * ROUNDS * 2]
    with ThreadPoolExecutor(THREADS) as pool:
        first = list(pool.map(start, work[:THREADS]))
        rest = list(pool.map(task, work[THREADS:]))
    return list(zip(work, first + rest))


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_concurrent_searches_match_serial_ones(library, mode):
    serial = {query: _key(library.search(query, k=5, mode=mode)) for query in QUERIES}
    results = _run_concurrently(lambda query: _key(library.search(query, k=5, mode=mode)), QUERIES)
    for query, hits in results:
        assert hits == serial[query], query


def test_concurrent_answers_and_coverage_match_serial_ones(library):
    def answer(query):
        result = library.ask(query)
        return result.answer, [(c.chunk_id, c.start, c.end) for c in result.citations]

    def cover(query):
        return [(d.doc_id, round(d.score, 4), [p.chunk_id for p in d.provisions]) for d in library.covers(query).documents]

    for task in (answer, cover):
        serial = {query: task(query) for query in QUERIES}
        for query, result in _run_concurrently(task, QUERIES):
            assert result == serial[query], (task.__name__, query)


def test_readers_keep_answering_while_another_library_writes(directive_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(directive_index, index)
    reader, writer = Library(index), Library(index)
    expected = {hit.doc_id for hit in reader.search(QUERIES[0], k=3, mode="lexical")}
    sources = []
    for n in range(3):
        source = tmp_path / f"thong-bao-{n}.txt"
        source.write_text(f"Thông báo số {n} về lịch trực ban của tổ bảo vệ đê điều thôn {n}.", encoding="utf-8")
        sources.append(source)
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_searching():
        while not stop.is_set():
            try:
                hits = reader.search(QUERIES[0], k=3, mode="lexical")
                # The new notices share no word with the query (their arrival changes BM25 scores, not this).
                assert hits and {hit.doc_id for hit in hits} == expected
                for hit in reader.search("lịch trực ban đê điều", k=5, mode="lexical"):  # the changing ones
                    assert hit.end - hit.start == len(hit.text)
                    # None when removed since the search; a newer text when updated since (a later call
                    # may see a later state), so only that it can be read is checked here.
                    reader.document(hit.doc_id)
                reader.status(), reader.documents()  # the index folder changes under them: no error
                time.sleep(0.01)
            except BaseException as error:  # reported by the main thread
                errors.append(error)
                return

    threads = [threading.Thread(target=keep_searching) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for source in sources:
            assert writer.ingest([source]).added == 1
        writer.remove(["thong-bao-0.txt"])
        source = sources[1]
        source.write_text(source.read_text(encoding="utf-8").replace("trực ban", "trực ban, trực chỉ huy"), encoding="utf-8")
        assert writer.ingest([source]).updated == 1
        writer.remove(["thong-bao-2.txt"])
        assert writer.ingest([sources[2]]).added == 1
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert errors == []
    assert reader.status()["documents"] == 3
    assert reader.search("lịch trực ban tổ bảo vệ đê điều", k=5, mode="lexical")[0].doc_id in {"thong-bao-1.txt", "thong-bao-2.txt"}
    reader.close()
    writer.close()


def test_a_reader_never_sees_a_write_in_progress(directive_index, tmp_path):
    """Threads of one Library share its catalog; a write transaction open in one (a document being
    replaced) must not show its half-done state to a reader in another."""
    shutil.copytree(directive_index, tmp_path / "index")
    catalog = Catalog(tmp_path / "index" / "catalog.sqlite")
    doc_id = catalog.list_documents()[0]["doc_id"]
    counts = catalog.counts()
    deleted, release = threading.Event(), threading.Event()

    def replace_slowly():
        try:
            with catalog._db:
                catalog._db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
                deleted.set()
                release.wait(30)
                raise RuntimeError("abandoned")  # rolled back
        except RuntimeError:
            pass

    writer = threading.Thread(target=replace_slowly)
    writer.start()
    try:
        assert deleted.wait(30)
        assert catalog.get_document(doc_id) is not None and catalog.counts() == counts
    finally:
        release.set()
        writer.join(30)
    assert catalog.counts() == counts
    catalog.close()


def test_each_thread_reads_through_its_own_connection(directive_index):
    catalog = Catalog(directive_index / "catalog.sqlite")
    seen = {}

    def read(name):
        seen[name] = (catalog._db, catalog.counts())

    threads = [threading.Thread(target=read, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    connections = [connection for connection, _ in seen.values()]
    assert len({id(connection) for connection in connections}) == 4
    assert len({counts for _, counts in seen.values()}) == 1
    fresh = threading.Thread(target=catalog.counts)  # a new connection closes those of the threads that ended
    fresh.start()
    fresh.join()
    assert len(catalog._connections) == 2  # the main thread's and the fresh thread's
    for connection in connections:
        with pytest.raises(Exception, match="closed"):
            connection.execute("SELECT 1")
    catalog.close()
    assert catalog.counts() == seen[0][1]  # reopened on use after close
    catalog.close()

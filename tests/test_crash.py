"""Crash safety of ingest: an ingest killed with SIGKILL at any point leaves an index that opens and
answers, and running the same ingest again completes it.

The killed ingest runs in a child process through the real pipeline (real files, the default encoder,
SQLite, FAISS, BM25). To stop it at an exact point, the child wraps the real function that marks
that point (``Catalog.write``, ``IndexStore.save_derived``, ``numpy.save``, ``Path.rename`` …):
the wrapper calls the real function (or not yet, for a kill just before it) and kills its own process
with SIGKILL, so everything up to the kill ran for real and nothing after it ran at all. The points:

- mid-transaction: inside the second catalog write, a changed document already replaced, not committed
- between-batches: the first batch committed, the second not yet encoded
- before-save-derived: every batch committed, the derived indexes not yet rebuilt
- mid-lexical-save: the new dense index saved as a temporary, the lexical temporary half written
- after-lexical-rename: the new lexical index in place, the dense one still a temporary
- after-dense-replace: both new derived indexes in place, the previous generation not yet deleted
- external: killed by the test from outside, a fixed time after the child starts its ingest

The ingest being killed adds a long regulation (more passages than ``ingest.BATCH_CHUNKS``, so it is
written in a batch of its own before the rest), two short documents, and changes one document of
the previous index; the previous index holds that document and a directive left untouched.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import DIRECTIVE_TEXT

from directive_rag import Library
from directive_rag.ingest import BATCH_CHUNKS

UNTOUCHED = "chi-thi-09.txt"  # in the previous index only
CHANGED = "b-ke-hoach-15.txt"  # in the previous index, changed by the killed ingest
LONG = "a-quy-dinh-07.txt"  # new, written alone in the first batch (its name sorts first)
NEW = ("c-huong-dan-03.txt", "d-quyet-dinh-27.txt")  # new, written in the second batch

PLAN_HEADER = """ỦY BAN NHÂN DÂN TỈNH MẪU
Số 15/KH-UBND

Thành phố Mẫu, ngày 10 tháng 3 năm 2021

KẾ HOẠCH
về tổ chức tiếp công dân định kỳ năm 2021

"""
PLAN_OLD = PLAN_HEADER + """1. Chủ tịch Ủy ban nhân dân tỉnh tiếp công dân vào ngày 15 hằng tháng tại Trụ sở tiếp công dân tỉnh.

2. Văn phòng Ủy ban nhân dân tỉnh chuẩn bị phòng tiếp và ghi biên bản từng buổi tiếp công dân.
"""
PLAN_NEW = PLAN_HEADER + """1. Chủ tịch Ủy ban nhân dân tỉnh tiếp công dân vào thứ Năm của tuần đầu tiên hằng tháng tại Nhà văn hóa trung tâm.

2. Thanh tra tỉnh phân loại đơn thư và mời người khiếu nại đến trước buổi tiếp ba ngày.
"""
GUIDANCE = """SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG TỈNH MẪU
Số 03/HD-STNMT

Thành phố Mẫu, ngày 05 tháng 6 năm 2022

HƯỚNG DẪN
phân loại rác thải sinh hoạt tại nguồn

1. Hộ gia đình chia rác thành ba loại: rác hữu cơ, rác tái chế và rác còn lại.

2. Rác thải hữu cơ được ủ tại vườn nhà để làm phân bón cho cây trồng.

3. Tổ thu gom của thôn nhận rác tái chế vào sáng Chủ nhật hằng tuần.
"""
DECISION = """ỦY BAN NHÂN DÂN TỈNH MẪU
Số 27/QĐ-UBND

Thành phố Mẫu, ngày 20 tháng 9 năm 2023

QUYẾT ĐỊNH
thành lập Tổ công tác phòng, chống sạt lở bờ sông Hồng Lam

Điều 1. Thành lập Tổ công tác theo dõi sạt lở bờ sông Hồng Lam đoạn qua các xã ven sông.

Điều 2. Tổ công tác cắm mốc cảnh báo và di dời các hộ dân ở vùng có nguy cơ sạt lở cao trước mùa lũ.
"""
SUBJECTS = ["Ủy ban nhân dân xã", "Phòng Tài nguyên và Môi trường", "Công an huyện", "Hội Nông dân",
            "Đoàn Thanh niên", "Trạm Y tế", "Ban Chỉ huy quân sự", "Hợp tác xã nông nghiệp"]
TASKS = ["kiểm tra giếng nước", "sửa chữa cầu treo", "phát quang đường làng", "tiêm phòng gia súc",
         "trồng cây phân tán", "thu gom rác thải", "nạo vét kênh mương", "tập huấn sơ cứu"]
PLACES = ["thôn Đông", "thôn Tây", "bản Nà Lừa", "xóm Chùa", "ấp Mới", "khu phố Hai"]
ARTICLES = BATCH_CHUNKS + 12  # one passage each: more than one batch on its own


def article(n: int) -> str:
    subject, task, place = SUBJECTS[n % 8], TASKS[(n // 8) % 8], PLACES[(n // 3) % 6]
    return f"Điều {n}. {subject} {task} tại {place} vào tuần thứ {n % 4 + 1}, mã công việc {n:03d}."


LONG_TEXT = ("ỦY BAN NHÂN DÂN XÃ MẪU\nSố 07/QĐ-UBND\n\nQUY ĐỊNH\nvề phân công nhiệm vụ ở cơ sở\n\n"
             + "\n\n".join(article(n) for n in range(1, ARTICLES + 1)) + "\n")

# A search that must find the document first, and words of the passage it must find, per version.
PROBES = {
    (UNTOUCHED, "previous"): ("bản đồ các điểm có nguy cơ cháy rừng cao", "bản đồ các điểm có nguy cơ cháy rừng cao"),
    (CHANGED, "previous"): ("tiếp công dân vào ngày 15 hằng tháng tại Trụ sở tiếp công dân", "ngày 15 hằng tháng"),
    (CHANGED, "new"): ("tiếp công dân vào thứ Năm của tuần đầu tiên tại Nhà văn hóa", "thứ Năm của tuần đầu tiên"),
    (LONG, "new"): ("quy định phân công nhiệm vụ ở cơ sở", "phân công nhiệm vụ ở cơ sở"),
    (NEW[0], "new"): ("rác thải hữu cơ được ủ làm phân bón", "ủ tại vườn nhà"),
    (NEW[1], "new"): ("sạt lở bờ sông Hồng Lam", "sạt lở bờ sông Hồng Lam"),
}
QUESTION = "Ủy ban nhân dân các huyện tổ chức tuần tra rừng vào thời gian nào?"
COMPARED_QUERIES = ["tiếp công dân", "sạt lở bờ sông", "thu gom rác thải", "tuần tra rừng mùa khô", "tiêm phòng gia súc"]

# The child: runs the ingest, killing itself with SIGKILL right after (or before) the real call that
# marks the chosen point. Nothing but the kill is added; every call goes through to the real function.
DRIVER = r'''
import os, pathlib, signal, sys

import numpy

import directive_rag.catalog as catalog_module
from directive_rag import Library
from directive_rag.catalog import Catalog
from directive_rag.index import IndexStore
from directive_rag.lexical import LexicalIndex

index, source, point = sys.argv[1:4]
state = {"writes": 0, "hashed": 0, "saving lexical": False, "arrays": 0}


def die():
    print(f"KILLED AT {point}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def wrap(owner, name, before=lambda *a: False, after=lambda *a: False):
    real = getattr(owner, name)

    def wrapper(*args, **kwargs):
        if before(*args):
            die()
        result = real(*args, **kwargs)
        if after(*args):
            die()
        return result

    setattr(owner, name, wrapper)


def counted_write(*args):
    state["writes"] += 1
    state["hashed"] = 0
    return False


def nth_write(n):
    return lambda *args: state["writes"] == n


def second_document_of_second_write(*args):
    # Catalog.write hashes each document's text while inserting it, after deleting its old version:
    # the second write's second document means its first (the changed plan) is replaced, uncommitted.
    state["hashed"] += 1
    return state["writes"] == 2 and state["hashed"] == 2


def saving_lexical(*args):
    state["saving lexical"] = True
    return False


def second_lexical_array(*args):
    state["arrays"] += state["saving lexical"]
    return state["arrays"] == 2


if point == "mid-transaction":
    wrap(Catalog, "write", before=counted_write)
    wrap(catalog_module, "text_hash", before=second_document_of_second_write)
elif point == "between-batches":
    wrap(Catalog, "write", before=counted_write, after=nth_write(1))
elif point == "before-save-derived":
    wrap(IndexStore, "save_derived", before=lambda *a: True)
elif point == "mid-lexical-save":  # the dense temporary is saved, the lexical one half written
    wrap(LexicalIndex, "save", before=saving_lexical)
    wrap(numpy, "save", before=second_lexical_array)
elif point == "after-lexical-rename":
    wrap(pathlib.Path, "rename", after=lambda path, *a: path.name.startswith("lexical-") and path.name.endswith(".tmp"))
elif point == "after-dense-replace":
    wrap(pathlib.Path, "replace", after=lambda path, *a: path.name.startswith("dense-") and path.name.endswith(".tmp"))
elif point != "external":
    raise SystemExit(f"unknown kill point {point}")

print("STARTED", flush=True)
Library(index).ingest([source])
print("COMPLETED", flush=True)
'''

# kill point -> (what the catalog holds after the kill, the derived files left in the folder).
# "first-batch": the previous documents plus the long regulation only; "all-written": every new version;
# "either": each document in its previous or its new version (an outside kill lands where it lands).
# In file names, {P} is the previous index's generation and {G} the catalog's generation after the kill.
CASES = {
    "mid-transaction": ("first-batch", {"dense-{P}.faiss", "lexical-{P}"}),
    "between-batches": ("first-batch", {"dense-{P}.faiss", "lexical-{P}"}),
    "before-save-derived": ("all-written", {"dense-{P}.faiss", "lexical-{P}"}),
    "mid-lexical-save": ("all-written", {"dense-{P}.faiss", "lexical-{P}", "dense-{G}.faiss.tmp", "lexical-{G}.tmp"}),
    "after-lexical-rename": ("all-written", {"dense-{P}.faiss", "lexical-{P}", "dense-{G}.faiss.tmp", "lexical-{G}"}),
    "after-dense-replace": ("all-written", {"dense-{P}.faiss", "lexical-{P}", "dense-{G}.faiss", "lexical-{G}"}),
    "external": ("either", None),
}
# The outside kill comes this long after the child starts its ingest: loading the encoder and embedding
# the long regulation take longer, so it lands before the first batch is written (on a busy machine later
# still, which the "either" expectation allows).
EXTERNAL_DELAY = 2.5


@contextmanager
def opened(index: Path):
    library = Library(index)
    try:
        yield library
    finally:
        library.close()


def snapshot(library: Library) -> dict[str, tuple[str, int]]:
    """doc_id -> (digest of its text, passage count) of every document the library lists."""
    return {row["doc_id"]: (hashlib.sha256(library.document(row["doc_id"])["text"].encode()).hexdigest()[:16],
                            row["n_chunks"]) for row in library.documents()}


def derived_files(index: Path) -> set[str]:
    return {path.name for path in index.iterdir() if path.name.startswith(("dense-", "lexical-"))}


def search_key(library: Library, query: str) -> list[tuple[str, float]]:
    return [(hit.chunk_id, round(hit.score, 4)) for hit in library.search(query, k=5)]


def assert_write_lock_free(index: Path) -> None:
    with open(index / ".write.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError while a writer holds it
        fcntl.flock(handle, fcntl.LOCK_UN)


def assert_consistent_and_answering(library: Library, versions: dict[str, str]) -> None:
    """What a user relies on after a crash: counts agree, every document is whole and found, answers cite.

    ``versions``: doc_id -> "previous" or "new", the version of each document the library holds.
    """
    status = library.status()
    listed = library.documents()
    assert status["documents"] == len(listed) == len(versions)
    assert status["passages"] == sum(row["n_chunks"] for row in listed)
    assert all(row["n_chunks"] > 0 for row in listed), listed
    dense, lexical = library.store.searchers()  # what searches run on: every passage, nothing else
    assert len(dense) == len(lexical) == status["passages"]
    for doc_id, version in versions.items():
        query, words = PROBES[doc_id, version]
        hits = library.search(query, k=3)
        assert hits and hits[0].doc_id == doc_id and words in hits[0].text, (doc_id, query, hits[:1])
        assert library.document(doc_id)["text"][hits[0].start : hits[0].end] == hits[0].text
    if LONG in versions:  # its first and its last article (the first and the last passage embedded) are found
        for n in (1, ARTICLES):
            hits = library.search(article(n), k=1, mode="lexical")
            assert hits and hits[0].doc_id == LONG and hits[0].text.startswith(f"Điều {n}."), (n, hits)
    answer = library.ask(QUESTION)
    assert answer.answered and answer.citations, answer
    assert answer.citations[0].doc_id == UNTOUCHED
    assert any("tuần tra rừng" in citation.quote for citation in answer.citations)
    for citation in answer.citations:
        assert library.document(citation.doc_id)["text"][citation.start : citation.end] == citation.quote


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> tuple[Path, Path]:
    """The previous index's folder and the folder of the ingest that is killed."""
    root = tmp_path_factory.mktemp("crash-sources")
    previous, incoming = root / "previous", root / "incoming"
    previous.mkdir()
    incoming.mkdir()
    (previous / UNTOUCHED).write_text(DIRECTIVE_TEXT, encoding="utf-8")
    (previous / CHANGED).write_text(PLAN_OLD, encoding="utf-8")
    for name, text in [(LONG, LONG_TEXT), (CHANGED, PLAN_NEW), (NEW[0], GUIDANCE), (NEW[1], DECISION)]:
        (incoming / name).write_text(text, encoding="utf-8")
    return previous, incoming


@pytest.fixture(scope="module")
def previous_index(tmp_path_factory, sources) -> tuple[Path, dict, int]:
    """The index before the killed ingest (folder, snapshot, generation), built once and copied for every case."""
    index = tmp_path_factory.mktemp("crash-previous") / "index"
    with opened(index) as library:
        report = library.ingest([sources[0]])
        assert report.failed == [] and report.added == 2
        return index, snapshot(library), library.status()["generation"]


@pytest.fixture(scope="module")
def completed_index(tmp_path_factory, previous_index, sources) -> dict:
    """The same ingest run without interruption: what a completed re-run must equal."""
    index = tmp_path_factory.mktemp("crash-completed") / "index"
    shutil.copytree(previous_index[0], index)
    with opened(index) as library:
        report = library.ingest([sources[1]])
        assert report.failed == [] and (report.added, report.updated) == (3, 1)
        state = snapshot(library)
        # The setup does what the cases rely on: the long regulation fills a batch by itself.
        assert state[LONG][1] >= BATCH_CHUNKS and all(state[name][1] < 10 for name in (CHANGED, *NEW))
        return {"state": state, "documents": library.documents(),
                "searches": {query: search_key(library, query) for query in COMPARED_QUERIES}}


def kill_ingest(point: str, index: Path, source: Path, log: Path) -> str:
    """Run the ingest in a child process killed at ``point``; its output."""
    command = [sys.executable, "-c", DRIVER, str(index), str(source), point]
    env = {**os.environ, "PYTHONUTF8": "1"}
    with open(log, "w") as stderr:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env)
        lines = []
        try:
            for line in child.stdout:
                lines.append(line)
                if point == "external" and line.strip() == "STARTED":
                    time.sleep(EXTERNAL_DELAY)
                    os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=600)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    output = "".join(lines)
    assert child.returncode == -signal.SIGKILL, (child.returncode, output, log.read_text())
    assert "COMPLETED" not in output
    if point != "external":
        assert f"KILLED AT {point}" in output, output
    return output


@pytest.mark.parametrize("point", list(CASES))
def test_killed_ingest_leaves_a_working_index_and_a_rerun_completes_it(
    point, tmp_path, sources, previous_index, completed_index
):
    index = tmp_path / "index"
    shutil.copytree(previous_index[0], index)
    _, previous, previous_generation = previous_index
    completed = completed_index["state"]

    kill_ingest(point, index, sources[1], tmp_path / "child.stderr")

    # The index opens (a fresh Library, as the next process would) and answers from what it holds.
    assert_write_lock_free(index)
    expected, files = CASES[point]
    with opened(index) as library:
        state = snapshot(library)
        generation = library.status()["generation"]
        if expected == "first-batch":  # the committed batch is whole, the interrupted one absent
            assert state == {**previous, LONG: completed[LONG]}
        elif expected == "all-written":
            assert state == completed
        else:  # nothing lost, each document whole in one of its two versions
            assert set(previous) <= set(state) <= set(completed)
            for doc_id, version in state.items():
                assert version in (previous.get(doc_id), completed[doc_id]), doc_id
        if files is not None:  # the kill happened where the case says: what it left on disk
            names = {name.format(P=previous_generation, G=generation) for name in files}
            assert derived_files(index) == names
        if point == "mid-lexical-save":  # torn: some of its files are written, not all
            torn = index / f"lexical-{generation}.tmp"
            assert any(torn.iterdir()) and not (torn / "settings.json").exists()
        versions = {doc_id: "previous" if version == previous.get(doc_id) else "new" for doc_id, version in state.items()}
        assert_consistent_and_answering(library, versions)
        # A search for the changed plan's other version finds none of its words: no passage of it survives.
        query, words = PROBES[CHANGED, "new" if versions[CHANGED] == "previous" else "previous"]
        assert not any(words in hit.text for hit in library.search(query, k=10))

        # The same ingest, run again (here by the Library that just answered) to completion, finishes the job;
        # what the killed run committed is not embedded again.
        report = library.ingest([sources[1]])
        assert report.failed == []
        if expected == "first-batch":
            assert (report.added, report.updated, report.unchanged) == (2, 1, 1)
        elif expected == "all-written":
            assert (report.added, report.updated, report.unchanged) == (0, 0, 4)
        else:
            assert report.added + report.updated + report.unchanged == 4
        assert (report.documents, report.chunks) == (len(completed), sum(count for _, count in completed.values()))
    with opened(index) as library:
        assert snapshot(library) == completed
        assert library.documents() == completed_index["documents"]
        assert_consistent_and_answering(library, dict.fromkeys(completed, "new") | {UNTOUCHED: "previous"})
        query, words = PROBES[CHANGED, "previous"]
        assert not any(words in hit.text for hit in library.search(query, k=10))
        # Searches rank exactly as after an ingest that was never interrupted.
        assert {query: search_key(library, query) for query in COMPARED_QUERIES} == completed_index["searches"]
        generation = library.status()["generation"]
    # Only the current generation's derived indexes remain: no temporary files, no stale generations.
    assert derived_files(index) == {f"dense-{generation}.faiss", f"lexical-{generation}"}
    assert [path.name for path in index.rglob("*.tmp")] == []
    assert_write_lock_free(index)

"""The dense index by size: exact below the limit, IVF above it, on the real embeddings of the sample corpus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from directive_rag import Library
from directive_rag.dense import DenseIndex, DenseSettings
from directive_rag.models import Filters

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real_vectors(corpus_index) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, str]]:
    """(row ids, passage vectors, question vectors, row id → document) from the sample corpus index."""
    library = Library(corpus_index)
    row_ids, blocks, owners = [], [], {}
    for rows in library.store.catalog.iter_chunks(with_vectors=True):
        for row in rows:
            row_ids.append(row["id"])
            blocks.append(np.frombuffer(row["vector"], dtype=np.float32))
            owners[row["id"]] = row["doc_id"]
    with open(REPO / "eval" / "corpus_questions.jsonl", encoding="utf-8") as handle:
        questions = [json.loads(line)["question"] for line in handle][:40]
    queries = library.retriever.encoder.encode_queries(questions)
    library.close()
    return np.asarray(row_ids, dtype=np.int64), np.vstack(blocks), queries, owners


def _ids(results):
    return [row for row, _ in results]


def test_small_index_is_exact_and_large_one_is_ivf(real_vectors, tmp_path):
    row_ids, vectors, _, _ = real_vectors
    exact = DenseIndex.build(vectors.shape[1], row_ids, vectors)
    assert exact.kind == "IndexFlatIP" and exact.parameters == {}
    ivf = DenseIndex.build(vectors.shape[1], row_ids, vectors, DenseSettings(exact_limit=len(row_ids) - 1))
    assert ivf.kind == "IndexIVFFlat" and len(ivf) == len(row_ids)
    cells = ivf.parameters["nlist"]
    assert 1 < cells < len(row_ids) / 30 and 1 <= ivf.parameters["nprobe"] <= cells
    ivf.save(tmp_path / "dense.faiss")
    assert DenseIndex.load(tmp_path / "dense.faiss").parameters == ivf.parameters


def test_ivf_probing_every_cell_returns_the_exact_neighbours(real_vectors):
    row_ids, vectors, queries, _ = real_vectors
    exact = DenseIndex.build(vectors.shape[1], row_ids, vectors)
    everywhere = DenseIndex.build(vectors.shape[1], row_ids, vectors, DenseSettings(exact_limit=0, probe_fraction=1))
    for query in queries:
        expected, found = exact.search(query, 10), everywhere.search(query, 10)
        assert _ids(found) == _ids(expected)
        assert np.allclose([score for _, score in found], [score for _, score in expected], atol=1e-5)


def test_ivf_recall_grows_with_the_cells_probed(real_vectors):
    row_ids, vectors, queries, _ = real_vectors

    def recall(settings: DenseSettings) -> float:
        exact = DenseIndex.build(vectors.shape[1], row_ids, vectors)
        approximate = DenseIndex.build(vectors.shape[1], row_ids, vectors, settings)
        shared = [len(set(_ids(exact.search(q, 10))) & set(_ids(approximate.search(q, 10)))) for q in queries]
        return sum(shared) / (10 * len(queries))

    narrow, wide = recall(DenseSettings(exact_limit=0, probe_fraction=0.01)), recall(DenseSettings(exact_limit=0, probe_fraction=0.5))
    assert narrow < wide and wide >= 0.8


def test_a_narrow_filter_on_ivf_still_fills_k_from_the_allowed_passages(real_vectors):
    row_ids, vectors, queries, owners = real_vectors
    ivf = DenseIndex.build(vectors.shape[1], row_ids, vectors, DenseSettings(exact_limit=0, probe_fraction=0.01))
    exact = DenseIndex.build(vectors.shape[1], row_ids, vectors)
    document = owners[int(row_ids[0])]
    allowed = np.array([row for row in row_ids if owners[int(row)] == document], dtype=np.int64)
    for query in queries[:10]:
        found = ivf.search(query, 10, allowed)
        assert len(found) == min(10, len(allowed)) and {owners[row] for row in _ids(found)} == {document}
        assert _ids(found) == _ids(exact.search(query, 10, allowed))


def test_library_above_the_limit_serves_from_ivf_through_filters_and_removal(corpus_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(corpus_index, index)
    library = Library(index)
    question = "Cán bộ chủ trì các cấp phải có mặt tại thao trường bao nhiêu buổi mỗi tuần?"
    exact_hits = [(hit.chunk_id, hit.score) for hit in library.search(question, k=5, mode="dense")]
    library.store.configure(dense=DenseSettings(exact_limit=10, probe_fraction=1))
    status = library.status()
    assert status["index_type"] == "IndexIVFFlat" and status["index_parameters"]["nprobe"] >= 1
    assert json.loads((index / "manifest.json").read_text())["dense"]["exact_limit"] == 10
    ivf_hits = [(hit.chunk_id, hit.score) for hit in library.search(question, k=5, mode="dense")]
    assert [chunk for chunk, _ in ivf_hits] == [chunk for chunk, _ in exact_hits]
    only = Filters(numbers=("12-NQ/TU",))
    assert {hit.doc_id for hit in library.search(question, k=5, mode="dense", filters=only)} == {"nghi-quyet-12-nq-tu.txt"}

    removed = library.search(question, k=1, mode="dense")[0].doc_id
    library.remove([removed])
    reopened = Library(index)  # another process opens the saved IVF index
    assert reopened.status()["index_type"] == "IndexIVFFlat"
    hits = reopened.search(question, k=10, mode="dense")
    assert hits and all(hit.doc_id != removed for hit in hits)

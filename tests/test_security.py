"""The app is not a way in: loopback by default, login when asked, uploads confined and checked,
no user-given path or id opened outside the allowed folders, document text never read as HTML.

(tests/test_webapp.py covers the launch settings, upload names and checks, and escaping in the
search, answer and viewer panels; tests/test_llm.py shows that instructions planted in a document
stay data for the language model.)
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO, run_cli, stop_process

from directive_rag import Library
from directive_rag.webapp import build_app, search_html
from directive_rag.webapp import app as webapp_app
from directive_rag.webapp.collection import reindex_documents, remove_documents, render_upload_statuses
from directive_rag.webapp.coverage import coverage_view
from directive_rag.webapp.render import esc
from directive_rag.webapp.uploads import DONE, FAILED, LibraryWriter, upload_files, uploads_dir

MEGABYTE = 1024 * 1024
SECRET = "MẬT-KHẨU-MÁY-CHỦ: không được lộ ra ngoài"
SECRET_WORDS = "MẬT-KHẨU-MÁY-CHỦ"
NOTICE = "Thông báo của văn phòng về lịch trực bảo vệ cơ quan trong dịp nghỉ lễ Quốc khánh."


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def secret_file(tmp_path) -> Path:
    """A file of the server, outside every folder the app may read."""
    folder = tmp_path / "server-files"
    folder.mkdir()
    secret = folder / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    return secret


@pytest.fixture
def writable(tmp_path, directive_index):
    """A reading Library and the web app's writer on a copy of the small directive's index."""
    index = tmp_path / "index"
    shutil.copytree(directive_index, index)
    writer = LibraryWriter(index)
    reader = Library(index)
    yield reader, writer
    reader.close()
    writer.close()


def _assert_secret_not_indexed(library: Library, secret: Path) -> None:
    assert all(SECRET_WORDS not in (library.document(d["doc_id"]) or {}).get("text", "") for d in library.documents())
    assert not library.search(SECRET_WORDS, k=3, mode="lexical")
    uploads = uploads_dir(library.index_dir)
    assert not uploads.exists() or all(SECRET_WORDS not in path.read_text(errors="replace")
                                       for path in uploads.iterdir() if path.is_file())
    assert secret.read_text(encoding="utf-8") == SECRET


# --- the real server: loopback by default, login refuses wrong credentials -----------------------

def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as handle:
            next(handle)
            for line in handle:
                local, _, state = line.split()[1:4]
                address, port_hex = local.rsplit(":", 1)
                if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


@pytest.fixture(scope="module")
def served_with_login(directive_index, tmp_path_factory):
    """``python app.py`` with DIRECTIVE_RAG_AUTH set and no host setting at all."""
    if not os.path.exists("/proc/net/tcp"):
        pytest.skip("no /proc/net/tcp to read listening addresses from")
    folder = tmp_path_factory.mktemp("served")
    shutil.copytree(directive_index, folder / "index")
    port = _free_port()
    environment = {**os.environ, "PYTHONUTF8": "1", "DIRECTIVE_RAG_AUTH": "canbo:mat-khau-dung"}
    for name in ("DIRECTIVE_RAG_HOST", "GRADIO_SERVER_NAME", "GRADIO_SERVER_PORT", "DIRECTIVE_RAG_LLM_BASE_URL"):
        environment.pop(name, None)
    log = folder / "app.log"
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, str(REPO / "app.py"), "--index", str(folder / "index"), "--port", str(port)],
                                   cwd=REPO, env=environment, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while not _listening_addresses(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.5)
        yield url, port
    finally:
        stop_process(process)


def test_the_server_listens_on_loopback_only_by_default(served_with_login):
    _, port = served_with_login
    assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing on 0.0.0.0 or ::


def _login(url: str, user: str, password: str) -> int:
    request = urllib.request.Request(url + "login", data=f"username={user}&password={password}".encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_wrong_credentials_are_refused_and_the_api_needs_a_login(served_with_login):
    from gradio_client import Client

    url, _ = served_with_login
    for user, password in (("canbo", "sai-mat-khau"), ("khach", "mat-khau-dung"), ("canbo", ""), ("", "")):
        assert _login(url, user, password) >= 400, (user, password)
    for path in ("config", "gradio_api/info", "gradio_api/queue/data?session_hash=x"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + path, timeout=30)
        assert refused.value.code in (401, 403), path
    with pytest.raises(Exception):
        Client(url, auth=("canbo", "sai-mat-khau"), verbose=False)
    assert _login(url, "canbo", "mat-khau-dung") == 200
    page = Client(url, auth=("canbo", "mat-khau-dung"), verbose=False).predict(
        "tuần tra rừng", 3, "lexical", [], [], "", None, None, api_name="/search")
    assert "tuần tra rừng" in page


def test_an_open_host_without_login_is_warned_about(monkeypatch, capsys, tmp_path):
    launched = []

    class FakeApp:
        def launch(self, **options):
            launched.append(options)

    monkeypatch.setattr(webapp_app, "build_app", lambda *args, **kwargs: FakeApp())
    for name in ("DIRECTIVE_RAG_AUTH", "DIRECTIVE_RAG_HOST", "GRADIO_SERVER_NAME"):
        monkeypatch.delenv(name, raising=False)
    assert webapp_app.main(["--index", str(tmp_path / "index")]) == 0
    assert launched[-1]["server_name"] == "127.0.0.1" and "Cảnh báo" not in capsys.readouterr().err
    assert webapp_app.main(["--index", str(tmp_path / "index"), "--host", "0.0.0.0"]) == 0
    assert launched[-1]["server_name"] == "0.0.0.0" and "DIRECTIVE_RAG_AUTH" in capsys.readouterr().err
    monkeypatch.setenv("DIRECTIVE_RAG_AUTH", "canbo:matkhau")
    assert webapp_app.main(["--index", str(tmp_path / "index"), "--host", "0.0.0.0"]) == 0
    assert launched[-1]["auth"] == ("canbo", "matkhau") and "Cảnh báo" not in capsys.readouterr().err
    monkeypatch.setenv("DIRECTIVE_RAG_AUTH", "chi-co-ten")
    assert webapp_app.main(["--index", str(tmp_path / "index")]) == 2 and len(launched) == 3  # refused, not served


# --- uploads -------------------------------------------------------------------------------------

def test_uploads_are_stored_only_in_the_upload_folder_and_refused_ones_not_at_all(writable, tmp_path, secret_file):
    reader, writer = writable
    sent = tmp_path / "sent"
    sent.mkdir()
    files = {
        "Thông báo trực lễ (bản 2).txt": NOTICE,
        ".bashrc.md": "Ghi chú của văn phòng về việc lau dọn kho lưu trữ vào cuối tuần.",
        "chay-ngay.exe": "MZ",
        "qua-lon.txt": "x" * (MEGABYTE + 1),
        "tro-toi-may-chu.jsonl": json.dumps({"id": "secret.txt", "text": "bất kỳ", "source": str(secret_file)}),
        "tro-thu-muc.jsonl": json.dumps({"id": "b", "text": "bất kỳ", "source": "../../etc"}),
    }
    for name, content in files.items():
        (sent / name).write_text(content, encoding="utf-8")
    final = list(upload_files(writer, [sent / name for name in files], MEGABYTE))[-1]
    states = {status.name: (status.state, status.message, status.stored_as) for status in final}
    assert states["Thông báo trực lễ (bản 2).txt"][::2] == (DONE, "Thông-báo-trực-lễ-bản-2.txt")
    assert states[".bashrc.md"][::2] == (DONE, "bashrc.md")
    assert "loại tệp không được nhận" in states["chay-ngay.exe"][1]
    assert "tệp quá lớn" in states["qua-lon.txt"][1]
    for name in ("tro-toi-may-chu.jsonl", "tro-thu-muc.jsonl"):
        assert states[name][0] == FAILED and "dòng 1" in states[name][1] and "source" in states[name][1]
    uploads = uploads_dir(reader.index_dir)
    assert sorted(path.name for path in uploads.iterdir()) == ["Thông-báo-trực-lễ-bản-2.txt", "bashrc.md"]
    assert all(path.resolve().parent == uploads.resolve() for path in uploads.iterdir())
    assert reader.document("secret.txt") is None
    _assert_secret_not_indexed(reader, secret_file)
    # Web addresses are fine as a record's source.
    ok = sent / "nguon-web.jsonl"
    ok.write_text(json.dumps({"id": "tb-web", "text": NOTICE.replace("Quốc khánh", "Tết"), "source": "https://example.gov.vn/tb"}),
                  encoding="utf-8")
    assert list(upload_files(writer, [ok], MEGABYTE))[-1][0].state == DONE
    assert reader.document("tb-web")["source"] == "https://example.gov.vn/tb"


def test_the_upload_event_cannot_be_pointed_at_a_server_file(writable, secret_file):
    """Calling the upload event over HTTP with the path of a server file, as a hostile client
    could, is refused by Gradio's check that inputs are files it received."""
    reader, writer = writable
    demo = build_app(reader, writer, MEGABYTE)
    demo.launch(prevent_thread_lock=True, server_port=_free_port(), quiet=True)
    try:
        url = demo.local_url
        with urllib.request.urlopen(url + "config", timeout=30) as response:
            config = json.loads(response.read())
        button = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "dr-upload")
        event = next(d["id"] for d in config["dependencies"] if [button, "upload"] in d["targets"])
        payload = {"data": [[{"path": str(secret_file), "orig_name": "secret.txt", "meta": {"_type": "gradio.FileData"}}]],
                   "fn_index": event, "trigger_id": button, "session_hash": "hostile-client", "event_data": None}
        request = urllib.request.Request(url + "gradio_api/queue/join", data=json.dumps(payload).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30):
                pass
            with urllib.request.urlopen(url + "gradio_api/queue/data?session_hash=hostile-client", timeout=120) as stream:
                messages = []
                for line in stream:
                    if line.startswith(b"data:"):
                        messages.append(json.loads(line[5:]))
                        if messages[-1].get("msg") in ("process_completed", "close_stream"):
                            break
            completed = next(message for message in messages if message.get("msg") == "process_completed")
            assert completed["success"] is False, completed
        except urllib.error.HTTPError as refused:  # refused before it is even queued: as good
            assert refused.code >= 400
    finally:
        demo.close()
    _assert_secret_not_indexed(reader, secret_file)
    assert reader.document("secret.txt") is None


# --- ids and paths given by users ----------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory):
    """An index whose records have path-like and markup ids, and a sentinel file one points at."""
    tmp_path = tmp_path_factory.mktemp("hostile-ids")
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text(SECRET, encoding="utf-8")
    records = tmp_path / "records.jsonl"
    rows = [
        {"id": "../../sentinel.txt", "text": NOTICE, "source": str(sentinel)},
        {"id": "/etc/passwd", "text": "Kế hoạch tổng vệ sinh môi trường khu dân cư vào sáng Chủ nhật cuối tháng."},
        {"id": "<img src=x onerror=alert(1)>", "title": "<b>Tiêu đề</b> [x](javascript:alert(2))",
         "text": "Hướng dẫn <script>alert(3)</script> phòng chống dịch sốt xuất huyết: diệt lăng quăng, bọ gậy."},
    ]
    records.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    index = tmp_path / "index"
    result = run_cli("ingest", str(records), "--json", index=index)
    assert result.returncode == 0, result.stderr
    return index, sentinel


@pytest.fixture
def hostile_ids(hostile_index, tmp_path):
    """A copy of that index for one test to change."""
    index, sentinel = hostile_index
    shutil.copytree(index, tmp_path / "index")
    return tmp_path / "index", sentinel


def test_show_export_and_remove_treat_ids_as_names_not_paths(hostile_ids, tmp_path):
    index, sentinel = hostile_ids
    shown = run_cli("show", "../../sentinel.txt", "--json", index=index)
    assert json.loads(shown.stdout)["text"] == NOTICE and SECRET_WORDS not in shown.stdout
    passwd = json.loads(run_cli("show", "/etc/passwd", "--json", index=index).stdout)["text"]
    assert passwd.startswith("Kế hoạch tổng vệ sinh") and "root:" not in passwd
    for doc_id in ("../../etc/passwd", "../../../../../../etc/shadow", str(sentinel), "sentinel.txt"):
        missing = run_cli("show", doc_id, "--json", index=index)
        assert missing.returncode == 1 and missing.stdout == "" and SECRET_WORDS not in missing.stderr

    output = tmp_path / "handout.md"
    unknown = run_cli("export", "--chunk", "../../etc/passwd#0", "-o", str(output), index=index)
    assert unknown.returncode == 1 and not output.exists()
    exported = run_cli("export", "--chunk", "/etc/passwd#0", "../../sentinel.txt#0", "-o", str(output), index=index)
    assert exported.returncode == 0, exported.stderr
    handout = output.read_text(encoding="utf-8")
    assert "Kế hoạch tổng vệ sinh" in handout and NOTICE in handout and "root:" not in handout and SECRET_WORDS not in handout

    removed = run_cli("remove", "../../sentinel.txt", "../../etc/hosts", "--json", index=index)
    assert json.loads(removed.stdout) == {"removed": ["../../sentinel.txt"], "missing": ["../../etc/hosts"]}
    assert sentinel.read_text(encoding="utf-8") == SECRET and Path("/etc/hosts").exists()


def test_web_remove_and_reindex_never_touch_files_outside_the_upload_folder(hostile_ids):
    index, sentinel = hostile_ids
    reader, writer = Library(index), LibraryWriter(index)
    try:
        pages = list(reindex_documents(reader, writer, ["../../sentinel.txt", "/etc/passwd"]))
        assert SECRET_WORDS not in pages[-1] and reader.document("sentinel.txt") is None
        message = remove_documents(reader, writer, ["../../sentinel.txt", "../../../etc/passwd"])
        assert "Đã xóa 1 văn bản" in message and "Không tìm thấy: ../../../etc/passwd" in message
        assert sentinel.read_text(encoding="utf-8") == SECRET
    finally:
        reader.close()
        writer.close()


def test_markup_in_ids_titles_file_names_and_text_is_shown_as_text(hostile_ids):
    index, _ = hostile_ids
    library = Library(index)
    try:
        pages = [search_html(library, "phòng chống dịch sốt xuất huyết", k=3, mode="lexical"),
                 coverage_view(library, "diệt lăng quăng bọ gậy phòng chống sốt xuất huyết", k=3)[0],
                 render_upload_statuses(list(upload_statuses_named("<img src=x onerror=alert(4)>.txt")))]
    finally:
        library.close()
    for page in pages:
        assert "<img" not in page and "<script" not in page and "<b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[0] and "&lt;script&gt;alert(3)&lt;/script&gt;" in pages[0]
    assert "&lt;img src=x onerror=alert(4)&gt;.txt" in pages[2]
    assert esc("a\x00b\u202ec\u2066d<e>") == "abcd&lt;e&gt;"


def upload_statuses_named(name: str):
    from directive_rag.webapp.uploads import FileStatus

    yield FileStatus(name, FAILED, "lỗi: loại tệp không được nhận")

"""The web app, locked down: probed over HTTP while ``python app.py`` runs as a real
subprocess. File-route probes, foreign Host/Origin, absent monitoring/MCP/run-history routes,
no admin endpoint, request size caps, the password, the queue and time limits, and no pickle
anywhere near the index (an audit hook in the server process records every unpickling)."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time

import numpy as np
import pytest
from apphelpers import PROJECT_ROOT, AppServer, running_app, start_app

from tanya_trafficking import pipeline
from tanya_trafficking.web import guards, page
from tanya_trafficking.web import server as web_server
from tanya_trafficking.web import service as web_service
from tanya_trafficking.config import Settings

pytestmark = pytest.mark.slow

ACTIP_Q = "Apa kepanjangan dari ACTIP?"
ACTIP_A = "ASEAN Convention Against Trafficking in Persons"
ACTIP_SOURCE = "artikel-perdagangan-orang-asia-tenggara-actip.txt"

# Runs in the server process before app.py: records every unpickling (pickle's functions and
# Unpickler wrapped, plus the interpreter's "pickle.find_class" audit event) as JSON lines.
AUDIT_PRELUDE = r'''
import json, os, pickle, sys, traceback
_LOG = os.environ["TANYA_TEST_PICKLE_LOG"]

def _record(kind, source=None):
    stack = [f"{f.filename}:{f.lineno}:{f.name}" for f in traceback.extract_stack()[:-2]]
    with open(_LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps({"kind": kind, "source": source, "stack": stack[-12:]}) + "\n")

def _name(obj):
    return getattr(obj, "name", None) if not isinstance(obj, (bytes, bytearray)) else None

_load, _loads, _Unpickler = pickle.load, pickle.loads, pickle.Unpickler

def load(file, *a, **k):
    _record("pickle.load", str(_name(file)))
    return _load(file, *a, **k)

def loads(data, *a, **k):
    _record("pickle.loads")
    return _loads(data, *a, **k)

class Unpickler(_Unpickler):
    def __init__(self, file, *a, **k):
        _record("pickle.Unpickler", str(_name(file)))
        super().__init__(file, *a, **k)

pickle.load, pickle.loads, pickle.Unpickler = load, loads, Unpickler

def _hook(event, args):
    if event == "pickle.find_class":
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps({"kind": event, "source": repr(args)[:200], "stack": []}) + "\n")

sys.addaudithook(_hook)
'''


class Listener:
    """A TCP listener that counts connections: proof that a probe made no outbound call."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop = True
        self._thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> AppServer:
    root = tmp_path_factory.mktemp("secure")
    log = root / "pickle-log.jsonl"
    with running_app(root, env={"TANYA_TEST_PICKLE_LOG": str(log)},
                     prelude=AUDIT_PRELUDE) as srv:
        srv.pickle_log = log
        yield srv


@pytest.fixture(scope="module")
def listener():
    lis = Listener()
    yield lis
    lis.close()


# --------------------------------------------------------------------------- file routes


def _probes(server: AppServer, listener: Listener) -> list[str]:
    live = next(p for p in server.index.iterdir() if p.name.startswith("gen-"))
    targets = [
        "/etc/passwd",
        str(PROJECT_ROOT / "README.md"),  # the working directory, absolute
        "README.md", "app.py", "pyproject.toml", "src/tanya_trafficking/config.py",
        "./app.py", "index/CURRENT",  # ... and relative
        str(server.index / "CURRENT"),
        str(live / "manifest.json"),
        str(live / "chunks.jsonl"),
        str(server.corpus / "artikel-perdagangan-orang-asia-tenggara-actip.txt"),
        str(server.feedback),
        "..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "..%252f..%252fetc%252fpasswd",
        "%2Fetc%2Fpasswd",
        f"http://127.0.0.1:{listener.port}/rahasia",
        f"https://127.0.0.1:{listener.port}/rahasia",
        f"//127.0.0.1:{listener.port}/rahasia",
        "file:///etc/passwd",
    ]
    paths = []
    for t in targets:
        paths += [f"/gradio_api/file={t}", f"/gradio_api/file/{t.lstrip('/')}",
                  f"/file={t}"]
    paths += [f"/gradio_api/proxy=http://127.0.0.1:{listener.port}/rahasia"]
    return paths


def test_file_route_probes_get_403_or_404_and_no_outbound_call(server, listener) -> None:
    secrets = ["root:x:0:0", "Tanya Trafficking", "format_version", "Regulasi ini disebut",
               "PROJECT_ROOT", "[project]"]
    for path in _probes(server, listener):
        status, _, body = server.get(path)
        allowed = (400, 403, 404) if "/proxy=" in path else (403, 404)
        assert status in allowed, f"{path} -> {status}: {body[:300]}"
        for secret in secrets:
            assert secret not in body, f"{path} leaked {secret!r}"
    time.sleep(0.5)
    assert listener.connections == 0, "a probe made the server connect out"


def test_foreign_host_and_origin_get_no_cors_grant(server) -> None:
    evil = {"Host": "evil.example", "Origin": "http://evil.example"}
    for method, path in (("GET", "/gradio_api/info"), ("GET", "/config"), ("GET", "/"),
                         ("OPTIONS", "/gradio_api/queue/join")):
        headers = dict(evil)
        if method == "OPTIONS":
            headers["Access-Control-Request-Method"] = "POST"
        status, got, _ = server.get(path, headers=headers, method=method)
        assert status == 400, (path, status)
        assert "evil" not in (got.get("access-control-allow-origin") or "")
        assert got.get("access-control-allow-credentials") is None
    # Our own Host, a foreign page: no grant either, and it cannot post events.
    origin = {"Origin": "http://evil.example"}
    status, got, _ = server.get("/gradio_api/info", headers=origin)
    assert status == 200
    assert got.get("access-control-allow-origin") is None
    assert got.get("access-control-allow-credentials") is None
    status, got, _ = server.get("/gradio_api/queue/join", method="POST", data=b"{}",
                                headers={**origin, "Content-Type": "application/json"})
    assert status == 403 and got.get("access-control-allow-origin") is None
    status, got, _ = server.get("/gradio_api/upload", method="POST", data=b"x",
                                headers={**origin, "Content-Type": "multipart/form-data"})
    assert status == 403
    # The page's own origin is granted, as a browser needs.
    own = f"http://127.0.0.1:{server.port}"
    status, got, _ = server.get("/gradio_api/info", headers={"Origin": own})
    assert status == 200 and got.get("access-control-allow-origin") == own


@pytest.mark.parametrize("path", [
    "/monitoring", "/monitoring/summary", "/monitoring/abc", "/gradio_api/monitoring",
    "/gradio_api/mcp/sse", "/gradio_api/mcp/schema", "/gradio_api/mcp/", "/mcp",
    "/gradio_api/runs", "/gradio_api/runs/", "/gradio_api/dev/reload", "/gradio_api/vibe-code",
    "/docs", "/redoc", "/openapi.json", "/gradio_api/openapi.json",
])
def test_monitoring_mcp_and_run_history_routes_are_absent(server, path) -> None:
    status, _, body = server.get(path)
    assert status == 404, f"{path} -> {status}: {body[:200]}"


def test_no_admin_or_rebuild_endpoint_and_quiet_config(server) -> None:
    status, _, body = server.get("/gradio_api/info")
    info = json.loads(body)
    assert set(info["named_endpoints"]) == {"/tanya"} and not info["unnamed_endpoints"]
    assert not any(w in body.lower() for w in ("rebuild", "admin", "reload", "upload_file",
                                               "feedback", "umpan"))
    status, _, body = server.get("/config")
    config = json.loads(body)
    assert config["show_error"] is False
    assert config["max_file_size"] == pipeline.UPLOAD_MAX_BYTES
    assert config.get("mcp_server") in (None, False)
    assert config.get("footer_links") == []
    assert not config.get("share_url")
    # Every event of the page is private to it and has a time limit.
    for dep in config["dependencies"]:
        if dep.get("api_name") == "tanya":
            assert dep["api_visibility"] == "public"
        else:
            assert dep["api_visibility"] in ("private", "undocumented"), dep


# --------------------------------------------------------------------------- size caps


def test_30_mb_question_is_refused_within_a_second(server) -> None:
    question = "Apa kepanjangan dari ACTIP? " * (30 * 1024 * 1024 // 28)
    assert len(question) >= 29 * 1024 * 1024
    # Through the API client, as a script would send it.
    client = server.client()
    t0 = time.perf_counter()
    with pytest.raises(Exception) as refused:
        client.predict(question, api_name="/tanya")
    elapsed = time.perf_counter() - t0
    assert "413" in str(refused.value), refused.value
    # Most of this is the client JSON-encoding 30 MB (about 0.7 s here); the server's part
    # is timed below, on a body encoded beforehand.
    assert elapsed < 3.0, f"took {elapsed:.2f} s"
    # Raw HTTP, with and without a Content-Length: refused before the body is read.
    body = json.dumps({"data": [question], "fn_index": 0, "session_hash": "x"}).encode()
    for chunked in (False, True):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        t0 = time.perf_counter()
        payload = (body[i:i + (1 << 20)] for i in range(0, len(body), 1 << 20)) if chunked \
            else body
        conn.request("POST", "/gradio_api/queue/join", body=payload, encode_chunked=chunked,
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        text = response.read().decode()
        elapsed = time.perf_counter() - t0
        conn.close()
        assert response.status == 413 and "terlalu besar" in text, (chunked, text)
        assert elapsed < 1.0, f"chunked={chunked}: {elapsed:.2f} s"
    # ... and the server answers as before.
    assert ACTIP_A in server.client().predict(ACTIP_Q, api_name="/tanya")


def test_upload_over_the_size_limit_is_refused(server) -> None:
    boundary = "batas"
    big = b"a" * (pipeline.UPLOAD_MAX_BYTES + 1024)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"besar.txt\"\r\nContent-Type: text/plain\r\n\r\n").encode() + big + \
        f"\r\n--{boundary}--\r\n".encode()
    status, _, text = server.get("/gradio_api/upload", method="POST", data=body,
                                 headers={"Content-Type":
                                          f"multipart/form-data; boundary={boundary}"})
    assert status == 413 and "Berkas terlalu besar" in text, text[:300]  # not Gradio's English
    # Announcing more than the cap for all files together: refused before the body is sent.
    status, text = _announce(server.port, "/gradio_api/upload",
                             web_server.MAX_UPLOAD_REQUEST_BYTES + 1,
                             f"multipart/form-data; boundary={boundary}")
    assert status == 413 and "terlalu besar" in text


def _announce(port: int, path: str, length: int, content_type: str) -> tuple[int, str]:
    """Send only the headers of a POST of ``length`` bytes; return the server's answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                      f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n"
                      f"Connection: close\r\n\r\n").encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", errors="replace")


# --------------------------------------------------------------------------- file inputs


def _upload_event(server: AppServer) -> int:
    config = json.loads(server.get("/config")[2])
    button = next(c["id"] for c in config["components"]
                  if c.get("props", {}).get("elem_id") == "tt-upload")
    return next(d["id"] for d in config["dependencies"] if [button, "upload"] in d["targets"])


def _file(path: str) -> dict:
    return {"path": path, "orig_name": path.rsplit("/", 1)[-1],
            "meta": {"_type": "gradio.FileData"}}


def test_events_take_files_only_from_the_upload_cache(server, tmp_path) -> None:
    """The hole: the upload event called directly with a path on the server copied that file
    into the corpus. A server path, a blocked path, a relative one and a symbolic link placed in
    the upload cache are all refused, by the page's event and by the API, and nothing moves."""
    secret = tmp_path / "rahasia.txt"
    secret.write_text("Kode rahasia server adalah MERPATI-4471.\n", encoding="utf-8")
    cache = server.root / "gradio-tmp" / "serangan"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "tautan.txt").symlink_to(secret)
    fn = _upload_event(server)
    corpus_before = sorted(p.name for p in server.corpus.iterdir())
    generation = (server.index / "CURRENT").read_text()
    for path in [str(secret), str(PROJECT_ROOT / "README.md"), "README.md",
                 str(cache / "tautan.txt")]:
        body = json.dumps({"data": [[_file(path)]], "event_data": None, "fn_index": fn,
                           "trigger_id": None, "session_hash": "penyerang"}).encode()
        status, _, text = server.get("/gradio_api/queue/join", method="POST", data=body,
                                     headers={"Content-Type": "application/json"})
        assert status == 403 and "hanya berkas yang diunggah" in text, (path, status, text)
        status, _, text = server.get("/gradio_api/call/tanya", method="POST",
                                     data=json.dumps({"data": [_file(path), ""]}).encode(),
                                     headers={"Content-Type": "application/json"})
        assert status == 403, (path, status, text)
    time.sleep(1.0)  # an upload that got through would be indexing by now
    assert sorted(p.name for p in server.corpus.iterdir()) == corpus_before
    assert (server.index / "CURRENT").read_text() == generation
    answer = server.client().predict("Apa kode rahasia server?", api_name="/tanya")
    assert "MERPATI" not in answer
    assert ACTIP_A in server.client().predict(ACTIP_Q, api_name="/tanya")  # still serving


def test_a_file_sent_through_the_upload_route_is_still_accepted(server) -> None:
    """The guard lets the page's own way in: /gradio_api/upload, then the event with the
    path it answered (here a file that is refused for its content, so the corpus stays)."""
    boundary = "batas"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"kosong.txt\"\r\nContent-Type: text/plain\r\n\r\n   \r\n"
            f"--{boundary}--\r\n").encode()
    status, _, text = server.get("/gradio_api/upload", method="POST", data=body,
                                 headers={"Content-Type":
                                          f"multipart/form-data; boundary={boundary}"})
    assert status == 200, text
    path = json.loads(text)[0]
    join = json.dumps({"data": [[_file(path)]], "event_data": None,
                       "fn_index": _upload_event(server), "trigger_id": None,
                       "session_hash": "pengguna"}).encode()
    status, _, text = server.get("/gradio_api/queue/join", method="POST", data=join,
                                 headers={"Content-Type": "application/json"})
    assert status == 200 and "event_id" in text, text


# --------------------------------------------------------------------------- pickle


def test_source_route_serves_only_the_live_index_documents(server) -> None:
    """The source viewer's address names a document of the live index by id, a page and a
    span: anything else is an Indonesian 404, never a file from a path."""
    from tanya_trafficking import store
    from tanya_trafficking.pageview import source_id

    live = store.load_generation(server.index / store.current_name(server.index), verify=False)
    text = live.page_text(ACTIP_SOURCE, None)
    start = text.index("ASEAN Convention Against")
    end = text.index("(ACTIP).") + len("(ACTIP).")
    actip = source_id(ACTIP_SOURCE)
    status, headers, body = server.get(f"/sumber/{actip}/0/{start}-{end}")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert f'<mark class="tt-in-source">{text[start:end]}</mark>' in body
    for path in (f"/sumber/{actip}/0/{start}-{end}.png",  # a text file has no page image
                 f"/sumber/{actip}/1/{start}-{end}", f"/sumber/{actip}/0/{end}-{start}",
                 f"/sumber/{actip}/abc/0-9", f"/sumber/{actip}/0/0-99999999",
                 f"/sumber/{source_id('/etc/passwd')}/0/0-9", "/sumber/..%2F..%2Fetc/0/0-9",
                 f"/sumber/{source_id('../app.py')}/0/0-9", "/sumber/ABCDEF0123456789/0/0-9"):
        status, headers, body = server.get(path)
        assert status == 404, path
        assert "root:" not in body and "import" not in body
        assert "Traceback" not in body and "valid" not in body, body  # no English


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_unknown_addresses_get_an_indonesian_404(server) -> None:
    """Malformed source-viewer addresses and any other unknown path: an Indonesian page for a
    browser, a short Indonesian JSON detail for an API client; never Starlette's English."""
    from tanya_trafficking import ui_text

    for path in ("/tidak-ada", "/sumber", "/sumber/", "/sumber/abc", "/sumber/a/b",
                 "/sumber/a/b/c/d", "/gradio_api/tidak-ada",
                 "/docs", "/assets/tidak-ada.js"):
        status, headers, body = server.get(path, headers={"Accept": BROWSER_ACCEPT})
        assert status == 404, (path, status, body[:200])
        assert headers["Content-Type"].startswith("text/html"), (path, headers)
        assert '<html lang="id">' in body and ui_text.NOT_FOUND_TITLE in body, (path, body)
        assert ui_text.NOT_FOUND_BACK in body and "Not Found" not in body, (path, body)
        for accept in ({"Accept": "application/json"}, {}):
            status, headers, body = server.get(path, headers=accept)
            assert status == 404, (path, status)
            assert headers["Content-Type"].startswith("application/json"), (path, headers)
            assert json.loads(body) == {"detail": ui_text.NOT_FOUND}, (path, body)
    # A GET to an address that only takes POST: 405, in Indonesian too.
    status, headers, body = server.get("/gradio_api/call/tanya")
    assert status == 405 and "POST" in headers.get("Allow", ""), (status, headers)
    assert json.loads(body) == {"detail": ui_text.METHOD_NOT_ALLOWED}
    # The viewer's own 404 for a well-formed address of no live source keeps its sentence.
    status, _, body = server.get("/sumber/0123456789abcdef/0/0-9",
                                 headers={"Accept": BROWSER_ACCEPT})
    assert status == 404 and "tt-viewer-note" in body, body
    # Gradio's own routes are untouched: the page, its assets, its config, the API.
    status, headers, page_html = server.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert status == 200 and "gradio" in page_html.lower()
    assets = re.findall(r'(?:src|href)="\.?/?(assets/[^"]+)"', page_html)
    assert assets, page_html[:2000]
    for asset in assets[:3]:
        assert server.get("/" + asset)[0] == 200, asset
    for path in ("/config", "/gradio_api/info", "/theme.css"):
        assert server.get(path, headers={"Accept": BROWSER_ACCEPT})[0] == 200, path
    assert ACTIP_A in server.client().predict(ACTIP_Q, api_name="/tanya")


def test_nothing_in_the_index_is_read_with_pickle(server) -> None:
    # The server built and loaded its index and answered: exercise it once more.
    assert ACTIP_A in server.client().predict(ACTIP_Q, api_name="/tanya")
    records = []
    if server.pickle_log.exists():
        records = [json.loads(x) for x in server.pickle_log.read_text("utf-8").splitlines()]
    index = str(server.index)
    near_index = [r for r in records if index in (r.get("source") or "")
                  or any(k in frame for frame in r["stack"]
                         for k in ("tanya_trafficking", "bm25s", "faiss", "numpy/lib"))]
    assert not near_index, json.dumps(near_index, indent=1)[:3000]
    assert not [r for r in records if r["kind"] == "pickle.find_class"], records[:5]
    # And on disk: no file of the index is a pickle, every .npy loads without pickle.
    for path in server.index.rglob("*"):
        if not path.is_file():
            continue
        head = path.read_bytes()[:2]
        assert not (len(head) == 2 and head[0] == 0x80 and head[1] <= 5), f"pickle: {path}"
        if path.suffix == ".npy":
            array = np.load(path, allow_pickle=False)
            assert array.dtype != object, path


# --------------------------------------------------------------------------- settings


def test_server_settings_in_process(tmp_path, small_index) -> None:
    """The same app, built in process: queue bounds, time limits, blocked folders, hosts."""
    import gradio as gr

    service = web_service.ChatService(small_index)
    demo = page.build_ui(service)
    demo.queue(max_size=web_server.QUEUE_MAX)
    assert demo._queue.max_size == web_server.QUEUE_MAX
    limits = {fn.name: fn.time_limit for fn in demo.fns.values()}
    assert limits["respond"] == page.EVENT_TIME_LIMIT_S <= 10
    assert limits["tanya"] == page.EVENT_TIME_LIMIT_S
    assert limits["on_upload"] == web_service.UPLOAD_TIME_LIMIT_S
    blocked = web_server.blocked_paths(small_index)
    for folder in (small_index.index, small_index.corpus, PROJECT_ROOT,
                   small_index.feedback.parent):
        assert str(folder.resolve()) in blocked
    assert isinstance(demo, gr.Blocks)
    local = Settings(host="127.0.0.1")
    assert web_server.allowed_hosts(local, env={}) == ["127.0.0.1", "::1", "localhost"]
    extra = web_server.allowed_hosts(local, env={"TANYA_ALLOWED_HOSTS": "chat.contoh.id, x.y"})
    assert "chat.contoh.id" in extra and "x.y" in extra
    import re

    pattern = re.compile(web_server.origin_pattern(extra))
    assert pattern.match("https://chat.contoh.id") and pattern.match("http://127.0.0.1:7860")
    assert not pattern.match("http://chat.contoh.id.evil.com")
    assert not pattern.match("http://evil.example")


# --------------------------------------------------------------------------- password


def _guessing_in_parallel_is_throttled(srv: AppServer, good: dict) -> None:
    """50 wrong guesses at once: only the free tries are checked, the rest are refused with
    429 and Retry-After (Indonesian text); the right password waits out the lock-out too."""
    import base64
    from concurrent.futures import ThreadPoolExecutor

    def guess(i: int):
        header = {"Authorization": "Basic " + base64.b64encode(f"tanya:tebak{i}".encode())
                  .decode()}
        return srv.get("/config", headers=header)

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(guess, range(50)))
    statuses = [a[0] for a in answers]
    assert statuses.count(401) <= guards.LoginThrottle.FREE_TRIES + 2, statuses
    assert statuses.count(429) >= 40, statuses
    refused = next(a for a in answers if a[0] == 429)
    assert int(refused[1]["retry-after"]) >= 1 and "Terlalu banyak percobaan" in refused[2]
    status, headers, _ = srv.get("/config", headers=good)
    assert status == 429  # locked out: the password is not even looked at
    deadline = time.monotonic() + 30
    while status == 429 and time.monotonic() < deadline:
        time.sleep(float(headers["retry-after"]))
        status, headers, _ = srv.get("/config", headers=good)
    assert status == 200


def test_password_from_environment_protects_page_and_api(server, tmp_path) -> None:
    import base64

    from gradio_client import Client

    srv = start_app(tmp_path / "sandi", env={"TANYA_PASSWORD": "rahasia-uji-123"},
                    index=server.index)  # a copy of the built index: no rebuild
    good = {"Authorization": "Basic " + base64.b64encode(b"tanya:rahasia-uji-123").decode()}
    bad = {"Authorization": "Basic " + base64.b64encode(b"tanya:salah").decode()}
    try:
        for path in ("/", "/config", "/gradio_api/info", "/gradio_api/file=/etc/passwd",
                     "/gradio_api/upload", "/theme.css", "/sumber/0123456789abcdef/0/0-9"):
            status, headers, body = srv.get(path)
            assert status == 401, path
            assert headers["www-authenticate"].startswith('Basic realm="Tanya Trafficking"')
        assert "kata sandi" in body and 'lang="id"' in body  # an Indonesian page, too
        t0 = time.perf_counter()
        status, _, _ = srv.get("/config", headers=bad)
        assert status == 401 and time.perf_counter() - t0 >= 0.5  # wrong tries are slowed
        with pytest.raises(Exception):
            Client(srv.url, verbose=False)
        status, _, body = srv.get("/config", headers=good)
        assert status == 200 and "Dokumen terindeks" in body
        client = Client(srv.url, headers=good, verbose=False)
        assert ACTIP_A in client.predict(ACTIP_Q, api_name="/tanya")
        client.close()
        _guessing_in_parallel_is_throttled(srv, good)
        log = srv.log.read_text(encoding="utf-8")
        assert "dengan kata sandi" in log and "rahasia-uji-123" not in log
    finally:
        srv.close()

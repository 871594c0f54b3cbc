"""End-to-end tests of the Gradio web chat: ``python app.py`` runs as a real subprocess on a
free port, with a temporary copy of the corpus and an empty temporary index (so its first
start builds the index), and is queried over HTTP with ``gradio_client``."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 240  # the first start builds the index (about 10 s, more on a busy CPU)

ACTIP_Q = "Apa kepanjangan dari ACTIP?"
ACTIP_A = "ASEAN Convention Against Trafficking in Persons"
ACTIP_SOURCE = "artikel-perdagangan-orang-asia-tenggara-actip.txt"
COUNTRY_Q = "Negara mana yang paling banyak kasusnya?"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path, index: Path):
        self.proc = proc
        self.port = port
        self.log = log
        self.index = index
        self.url = f"http://127.0.0.1:{port}/"
        self._client = None

    def log_text(self) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            text = "(no log file)"
        return f"\n--- server log ({self.log}) ---\n{text[-20000:]}\n--- end of server log ---"

    def client(self):
        if self._client is None:
            from gradio_client import Client

            try:
                self._client = Client(self.url, verbose=False)
            except Exception as e:  # noqa: BLE001 - show the server's side of the story
                pytest.fail(f"gradio_client could not connect: {e!r}{self.log_text()}")
        return self._client

    def ask(self, question: str) -> str:
        try:
            result = self.client().predict(question, api_name="/tanya")
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"/tanya failed for {question[:80]!r}: {e!r}{self.log_text()}")
        assert isinstance(result, str), f"{result!r}{self.log_text()}"
        return result

    def get(self, path: str, timeout: float = 30) -> tuple[int, str]:
        with urllib.request.urlopen(self.url.rstrip("/") + path, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", errors="replace")


def _wait_until_serving(proc: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    last_error = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before serving")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                pass
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
                if r.status == 200:
                    return
        except OSError as e:
            last_error = e
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer on port {port} within {START_TIMEOUT_S} s "
                       f"(last error: {last_error!r})")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> AppServer:
    root = tmp_path_factory.mktemp("app")
    corpus = root / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    index = root / "index"  # empty: the app builds it on its first start
    port = _free_port()
    log = root / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANYA_")}  # default host
    env.update({
        "TANYA_CORPUS": str(corpus),
        "TANYA_INDEX": str(index),
        "TANYA_PORT": str(port),
        "TANYA_FEEDBACK": str(root / "umpan-balik.jsonl"),
        "PYTHONUNBUFFERED": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
    })
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=PROJECT_ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = AppServer(proc, port, log, index)
    try:
        _wait_until_serving(proc, port)
    except RuntimeError as e:
        _stop(proc)
        pytest.fail(f"{e}{server.log_text()}")
    try:
        yield server
    finally:
        if server._client is not None:
            try:
                server._client.close()
            except Exception:  # noqa: BLE001 - best effort; the server goes away next
                pass
        _stop(proc)


# --------------------------------------------------------------------------- startup


def test_first_start_built_the_index_in_the_given_folder(app_server: AppServer) -> None:
    current = app_server.index / "CURRENT"
    assert current.is_file(), app_server.log_text()
    live = app_server.index / current.read_text(encoding="utf-8").strip()
    manifest = json.loads((live / "manifest.json").read_text(encoding="utf-8"))
    assert {d["source"] for d in manifest["documents"]} == \
        {p.name for p in (PROJECT_ROOT / "corpus").iterdir()}
    assert "Berkas diindeks" in app_server.log.read_text(encoding="utf-8", errors="replace")


def test_binds_to_loopback_by_default(app_server: AppServer) -> None:
    log = app_server.log.read_text(encoding="utf-8", errors="replace")
    assert f"http://127.0.0.1:{app_server.port}" in log, app_server.log_text()
    assert "0.0.0.0" not in log
    with socket.create_connection(("127.0.0.1", app_server.port), timeout=5):
        pass
    # The kernel's table of listening sockets: bound to 127.0.0.1 only, not to every address.
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            addr, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == app_server.port and fields[3] == "0A":  # LISTEN
                listening.append(addr)
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp to inspect (the printed URL was checked)")
    assert listening == ["0100007F"], f"listening on {listening}{app_server.log_text()}"


def test_page_has_title(app_server: AppServer) -> None:
    status, html = app_server.get("/")
    assert status == 200
    assert re.search(r'<title>\s*Tanya Trafficking\s*</title>|"title"\s*:\s*"Tanya Trafficking"',
                     html), html[:2000]


# --------------------------------------------------------------------------- the API


def test_api_lists_only_the_question_endpoint(app_server: AppServer) -> None:
    status, body = app_server.get("/gradio_api/info")
    assert status == 200
    info = json.loads(body)
    named = set(info.get("named_endpoints", {}))
    assert "/tanya" in named, info
    assert not info.get("unnamed_endpoints"), info
    admin = [n for n in named if re.search(r"rebuild|admin|index|reload|upload|feedback", n, re.I)]
    assert not admin, f"admin endpoints exposed: {admin}"
    # The client's view agrees.
    api = app_server.client().view_api(return_format="dict", print_info=False)
    assert set(api["named_endpoints"]) == named
    params = api["named_endpoints"]["/tanya"]["parameters"]
    assert len(params) == 1


def test_answers_actip_with_quote_and_source(app_server: AppServer) -> None:
    text = app_server.ask(ACTIP_Q)
    assert ACTIP_A in text, text
    assert ACTIP_SOURCE in text, text
    assert "tidak ditemukan" not in text


def test_unanswerable_question_is_declined(app_server: AppServer) -> None:
    text = app_server.ask(COUNTRY_Q)
    assert "tidak ditemukan" in text.lower(), text
    assert "?" not in text  # the article's own rhetorical question is never quoted


@pytest.mark.parametrize("question", ["", " ", "   \n\t  "])
def test_empty_question_gets_polite_message(app_server: AppServer, question: str) -> None:
    text = app_server.ask(question)
    assert text.strip(), app_server.log_text()
    assert "pertanyaan" in text.lower() and "kosong" in text.lower(), text
    for bad in ("Traceback", "Error", "Exception"):
        assert bad not in text, text


def test_very_long_question_is_refused_by_the_server(app_server: AppServer) -> None:
    question = ("Apa kepanjangan dari ACTIP? " * 800)[:20_000]
    assert len(question) == 20_000
    text = app_server.ask(question)
    assert "terlalu panjang" in text.lower(), text[:500]
    assert ACTIP_A not in text  # refused, not answered
    for bad in ("Traceback", "Error", "Exception"):
        assert bad not in text, text[:500]
    # The server is still fine afterwards.
    assert ACTIP_A in app_server.ask(ACTIP_Q)
    assert app_server.proc.poll() is None, app_server.log_text()

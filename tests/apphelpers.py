"""Running the real web app for the tests: ``python app.py`` as a subprocess on a free port,
with a temporary copy of the corpus, an empty temporary index (so its first start builds the
index) and a temporary feedback file. Shared by test_app.py, test_app_security.py,
test_browser.py and benchmarks/load.py."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 240  # the first start builds the index (about 10 s, more on a busy CPU)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    def __init__(self, proc: subprocess.Popen, port: int, root: Path):
        self.proc = proc
        self.port = port
        self.root = root
        self.log = root / "server.log"
        self.index = root / "index"
        self.corpus = root / "corpus"
        self.feedback = root / "umpan-balik" / "umpan-balik.jsonl"
        self.url = f"http://127.0.0.1:{port}/"
        self._client = None

    def log_text(self) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            text = "(no log file)"
        return f"\n--- server log ({self.log}) ---\n{text[-20000:]}\n--- end of server log ---"

    def client(self, **kwargs):
        if self._client is None or kwargs:
            from gradio_client import Client

            client = Client(self.url, verbose=False, **kwargs)
            if kwargs:
                return client
            self._client = client
        return self._client

    def get(self, path: str, headers: dict | None = None, timeout: float = 30,
            method: str = "GET", data: bytes | None = None):
        """(status, headers, body) of a raw HTTP request; errors are returned, not raised."""
        req = urllib.request.Request(self.url.rstrip("/") + path, headers=headers or {},
                                     method=method, data=data)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.headers, r.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode("utf-8", errors="replace")

    def chat(self, question: str, session: str, timeout: float = 60) -> list[dict]:
        """One turn of the page's own chat: the event the question box's Enter key fires,
        sent over HTTP exactly as the page sends it (``/gradio_api/queue/join``, then the
        ``/gradio_api/queue/data`` event stream). ``gradio_client`` refuses to call this event
        (it is private to the page), so this speaks the page's protocol itself. The
        conversation (history and turns) lives in the server's state for ``session``: turns
        sent with the same ``session`` are one conversation, as in one browser tab. Returns
        the chat's messages after the turn (``{"role", "content": [{"text": HTML}]}``)."""
        import json

        if not hasattr(self, "_chat_event"):
            config = json.loads(self.get("/config")[2])
            ids = {c.get("props", {}).get("elem_id"): c["id"] for c in config["components"]}
            box, chat = ids["tt-input"], ids["tt-chat"]
            dep = next(d for d in config["dependencies"] if [box, "submit"] in d["targets"])
            self._chat_event = (dep, box, dep["outputs"].index(chat))
        dep, box, out = self._chat_event
        # States (history, turns) are taken from the session on the server: None here.
        event_id = self._join(dep, box, question, session)
        req = urllib.request.Request(f"{self.url}gradio_api/queue/data?session_hash={session}")
        with urllib.request.urlopen(req, timeout=timeout) as stream:
            for raw in stream:
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") == event_id and msg["msg"] == "process_completed":
                    if not msg.get("success", True):
                        raise RuntimeError(f"the chat event failed: {msg}")
                    return msg["output"]["data"][out]
                if msg["msg"] == "close_stream":
                    break
        raise RuntimeError(f"the chat event {event_id} never completed")

    def _join(self, dep: dict, trigger: int, value, session: str) -> str:
        """Join the queue for event ``dep`` fired by component ``trigger`` with ``value`` as
        that component's input (every other input None); returns the event id."""
        import json

        body = json.dumps({
            "data": [value if i == trigger else None for i in dep["inputs"]],
            "event_data": None, "fn_index": dep["id"], "trigger_id": trigger,
            "session_hash": session,
        }).encode()
        status, _, text = self.get("/gradio_api/queue/join", method="POST", data=body,
                                   headers={"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError(f"queue/join answered {status}: {text[:500]}")
        return json.loads(text)["event_id"]

    def upload(self, paths: list[Path], session: str, timeout: float = 600) -> list[list]:
        """The page's upload button, over HTTP as the page does it: the files go to Gradio's
        ``/gradio_api/upload`` (with gradio_client's URL and headers), then the upload event
        is joined on the queue and its event stream read to the end. ``gradio_client`` will
        not call this event itself (it is private to the page). Returns every state of the
        event's outputs (upload status HTML, documents panel) in the order they streamed,
        Gradio's diffs applied."""
        import json

        import httpx
        from gradio_client.utils import apply_diff

        client = self.client()
        files = [("files", (p.name, p.read_bytes())) for p in paths]
        r = httpx.post(client.upload_url, headers=client.headers, files=files, timeout=60)
        r.raise_for_status()
        stored = r.json()
        config = json.loads(self.get("/config")[2])
        ids = {c.get("props", {}).get("elem_id"): c["id"] for c in config["components"]}
        button = ids["tt-upload"]
        dep = next(d for d in config["dependencies"] if [button, "upload"] in d["targets"])
        value = [{"path": s, "orig_name": p.name, "size": p.stat().st_size,
                  "meta": {"_type": "gradio.FileData"}} for s, p in zip(stored, paths)]
        event_id = self._join(dep, button, value, session)
        states: list[list] = []
        current: list | None = None
        req = urllib.request.Request(f"{self.url}gradio_api/queue/data?session_hash={session}")
        with urllib.request.urlopen(req, timeout=timeout) as stream:
            for raw in stream:
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") != event_id:
                    continue
                if msg["msg"] in ("process_generating", "process_completed"):
                    if not msg.get("success", True):
                        raise RuntimeError(f"the upload event failed: {msg}")
                    data = msg["output"]["data"]
                    if current is None or msg["msg"] == "process_completed":
                        current = data
                    else:
                        current = [apply_diff(old, diff) for old, diff in zip(current, data)]
                    states.append(current)
                    if msg["msg"] == "process_completed":
                        return states
        raise RuntimeError(f"the upload event {event_id} never completed")

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except Exception:  # noqa: BLE001 - best effort; the server goes away next
                pass
        stop(self.proc)


def wait_until_serving(proc: subprocess.Popen, port: int,
                       timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before serving")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=10) as r:
                if r.status == 200:
                    return
        except urllib.error.HTTPError as e:
            if e.code == 401:  # password protected: serving
                return
            last_error = e
        except OSError as e:
            last_error = e
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer on port {port} within {timeout} s "
                       f"(last error: {last_error!r})")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@contextmanager
def running_app(root: Path, **kwargs):
    """``start_app`` for a test fixture: a server that cannot start fails the test with its
    log (instead of erroring every test of the module), and it is closed afterwards."""
    import pytest

    try:
        srv = start_app(root, **kwargs)
    except RuntimeError as e:
        pytest.fail(str(e))
    try:
        yield srv
    finally:
        srv.close()


def start_app(root: Path, env: dict | None = None, prelude: str | None = None,
              corpus: Path | None = None, index: Path | None = None,
              port: int | None = None) -> AppServer:
    """Start ``app.py`` with its corpus, index and feedback below ``root``.

    ``prelude``: Python code run in the server process before ``app.py`` (e.g. an audit
    hook). ``index``: an existing index folder to copy instead of building one. A ``root``
    an earlier server used is used as it is (a restart on the same folders; with its
    ``port``, the browser sees the same origin)."""
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "corpus").exists():
        shutil.copytree(corpus or PROJECT_ROOT / "corpus", root / "corpus")
    if index is not None and not (root / "index").exists():
        shutil.copytree(index, root / "index")
    port = port or free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TANYA_")}
    full_env.update({
        "TANYA_CORPUS": str(root / "corpus"),
        "TANYA_INDEX": str(root / "index"),
        "TANYA_PORT": str(port),
        "TANYA_FEEDBACK": str(root / "umpan-balik" / "umpan-balik.jsonl"),
        "PYTHONUNBUFFERED": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        "GRADIO_TEMP_DIR": str(root / "gradio-tmp"),
    })
    full_env.update(env or {})
    if prelude:
        code = prelude + "\nimport runpy\nrunpy.run_path('app.py', run_name='__main__')\n"
        cmd = [sys.executable, "-c", code]
    else:
        cmd = [sys.executable, "app.py"]
    with open(root / "server.log", "ab") as out:
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=full_env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = AppServer(proc, port, root)
    try:
        wait_until_serving(proc, port)
    except RuntimeError as e:
        stop(proc)
        raise RuntimeError(f"{e}{server.log_text()}") from None
    return server

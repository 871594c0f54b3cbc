"""The web server's process (web/server.py): Ctrl-C (SIGINT) with a browser tab's connections
open stops it within seconds, with one Indonesian line and no traceback; both for
``python app.py`` and ``tanya-trafficking serve``. Real subprocesses, a real index, real
HTTP connections held open (a gradio_client session and a tab's heartbeat stream)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from apphelpers import PROJECT_ROOT, free_port, wait_until_serving

from tanya_trafficking import ui_text

pytestmark = pytest.mark.slow

STOP_WITHIN_S = 10  # SHUTDOWN_GRACE_S plus the interpreter's exit on a busy 2-core machine


def _env(root: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANYA_")}
    env.update({"TANYA_CORPUS": str(root / "corpus"), "TANYA_INDEX": str(root / "index"),
                "TANYA_PORT": str(port), "TANYA_FEEDBACK": str(root / "umpan-balik.jsonl"),
                "PYTHONUNBUFFERED": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                "HF_HUB_OFFLINE": "1", "GRADIO_TEMP_DIR": str(root / "gradio-tmp")})
    return env


@pytest.fixture(scope="module")
def served_root(tmp_path_factory) -> Path:
    """A corpus copy and its index, built once by the CLI (the servers start without
    building)."""
    root = tmp_path_factory.mktemp("serve")
    shutil.copytree(PROJECT_ROOT / "corpus", root / "corpus")
    cli = Path(sys.executable).parent / "tanya-trafficking"
    done = subprocess.run([str(cli), "rebuild-index", "--quiet"], env=_env(root, 0),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return root


def _hold_heartbeat(port: int, stop: threading.Event) -> threading.Thread:
    """A browser tab's open stream: Gradio's heartbeat, read until the server ends it."""
    def run():
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/gradio_api/heartbeat/tab-terbuka", timeout=60) as r:
                while not stop.is_set() and r.read(64):
                    pass
        except OSError:
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("command", ["app.py", "serve"])
def test_ctrl_c_with_a_tab_open_stops_quietly(served_root: Path, command: str) -> None:
    port = free_port()
    cmd = [sys.executable, "app.py"] if command == "app.py" else \
        [str(Path(sys.executable).parent / "tanya-trafficking"), "serve"]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=_env(served_root, port),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    stop = threading.Event()
    try:
        wait_until_serving(proc, port)
        from gradio_client import Client

        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        answer = client.predict("Apa kepanjangan dari ACTIP?", api_name="/tanya")
        assert "ACTIP" in answer
        tab = _hold_heartbeat(port, stop)
        time.sleep(1.0)
        assert tab.is_alive()  # the stream is open when Ctrl-C comes
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - started
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert proc.returncode in (0, 130), (proc.returncode, err)
    assert took < STOP_WITHIN_S, (took, err)
    assert "Traceback" not in err + out and "ERROR" not in err, err
    assert err.strip().splitlines()[-1] == ui_text.SERVE_STOPPED, err
    assert len(err.strip().splitlines()) <= 2, err  # one line (perhaps a warning of Gradio's)

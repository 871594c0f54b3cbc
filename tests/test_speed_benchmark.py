"""benchmarks/speed.py end to end on a tiny run (real model, real FacQA passages, real
FAISS): every part of the benchmark runs and reports, and it writes nothing without --out.
Nothing here asserts a time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_a_tiny_speed_run_reports_every_part(tmp_path) -> None:
    out = tmp_path / "speed.json"
    before = sorted(p.name for p in (ROOT / "benchmarks" / "results").iterdir())
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "speed.py"), "--sizes", "1000",
         "--cold-sizes", "1000", "--warm", "3", "--full-passages", "30",
         "--incremental-chunks", "300", "--out", str(out)],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    for part in ("Bangun penuh", "Bangun ulang bertahap", "1 berkas dihapus", "| 1.000 |"):
        assert part in run.stdout, run.stdout[-2000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert {"full_build", "incremental"} <= set(result)
    assert sorted(p.name for p in (ROOT / "benchmarks" / "results").iterdir()) == before

"""benchmarks/quality.py end to end on a tiny real sample: the first IDK-MRC valid paragraphs,
the real model, a real index in a cache folder under tmp_path."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import quality  # noqa: E402

IDK_KEYS = {"answer_hit", "false_abstain", "abstain_recall", "short_em", "short_f1",
            "mrr@10", "recall@1", "recall@5"}


@pytest.fixture
def idk_sample(tmp_path, monkeypatch) -> Path:
    """valid.json cut to its first 6 paragraphs (real data, a tiny index)."""
    folder = tmp_path / "idk-mrc"
    folder.mkdir()
    paragraphs = quality.idk_paragraphs("valid")[:6]
    (folder / "valid.json").write_text(json.dumps(paragraphs), encoding="utf-8")
    monkeypatch.setattr(quality, "IDK", folder)
    return folder


def _in_unit(value) -> bool:
    return value is None or 0.0 <= value <= 1.0


@pytest.mark.slow
def test_quality_idk_sample_reports_metrics_and_reuses_its_index(
        idk_sample, tmp_path, capsys) -> None:
    cache, out = tmp_path / "cache", tmp_path / "quality.json"
    results_dir = ROOT / "benchmarks" / "results"
    before = {p.name: p.stat().st_mtime_ns for p in results_dir.iterdir()}
    status = _git_status()

    assert quality.main(["--only", "idk", "--limit", "5", "--cache", str(cache)]) == 0
    assert not out.exists()
    # Without --out nothing in the repository is written.
    assert {p.name: p.stat().st_mtime_ns for p in results_dir.iterdir()} == before
    table = capsys.readouterr().out
    assert "| IDK-MRC valid | " in table and "floors met:" in table
    assert "(≥0.80 ✓)" in table or "(≥0.80 ✗)" in table

    # A second run reuses the cached index (one folder, not rebuilt) and writes --out.
    index_files = {p: p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file()}
    assert quality.main(["--only", "idk", "--limit", "5", "--cache", str(cache),
                         "--out", str(out)]) == 0
    assert len(list(cache.iterdir())) == 1
    assert {p: p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file()
            if p in index_files} == index_files

    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result) == {"idk", "_meta"}
    product = result["idk"]["product"]
    assert IDK_KEYS <= set(product)
    assert product["n_questions"] == 5
    assert all(_in_unit(product[k]) for k in IDK_KEYS)
    for system in ("bm25", "dense", "hybrid"):
        m = result["idk"][system]
        assert all(0.0 <= m[k] <= 1.0 for k in ("mrr@10", "recall@5", "quote_hit@1"))
    assert result["_meta"]["floors"] == 4
    assert 0 <= result["_meta"]["floors_met"] <= 4
    assert _git_status() == status  # the runs left the checkout as it was


def _git_status() -> str | None:
    """`git status --porcelain` of the checkout (None outside a git checkout)."""
    import subprocess

    proc = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                          capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else None


def test_floor_cells_say_whether_the_floor_is_met() -> None:
    assert quality.cell(0.957, (">=", 0.95)) == "0.957 (≥0.95 ✓)"
    assert quality.cell(0.94, (">=", 0.95)) == "0.940 (≥0.95 ✗)"
    assert quality.cell(0.05, ("<=", 0.05)) == "0.050 (≤0.05 ✓)"
    assert quality.cell(0.122, ("<=", 0.10)) == "0.122 (≤0.10 ✗)"
    assert quality.cell(None, (">=", 0.65)) == "–"  # no short answers yet
    assert not quality.meets(None, (">=", 0.65))
    assert quality.cell(0.5, None) == "0.500"

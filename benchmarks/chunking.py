"""Choose the chunking defaults by measurement: build the seed corpus index with each window
size and overlap, run eval/pertanyaan.jsonl, and report retrieval and answer metrics.

    .venv/bin/python benchmarks/chunking.py [--out benchmarks/results/chunking.json]

Prints a table; writes the rows as JSON only with ``--out`` (the recorded run:
benchmarks/results/chunking.json).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from tanya_trafficking import evaluate, pipeline
from tanya_trafficking.config import PROJECT_ROOT, Settings

SIZES = [300, 500, 700, 1000, 1500]
OVERLAPS = [0, 1, 2]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None,
                    help="write the results as JSON here (nothing is written without it)")
    args = ap.parse_args(argv)
    items = evaluate.read_items(PROJECT_ROOT / "eval" / "pertanyaan.jsonl")
    rows = []
    for size in SIZES:
        for overlap in OVERLAPS:
            with tempfile.TemporaryDirectory() as tmp:
                settings = Settings.from_env().replace(
                    index=Path(tmp), chunk_chars=size, chunk_overlap=overlap)
                report = pipeline.build_index(settings)
                result = evaluate.evaluate(pipeline.Bot.open(settings), items, k=5)
            row = {"chunk_chars": size, "chunk_overlap": overlap, "chunks": report.chunks,
                   **{m: round(result[m], 4) for m in
                      ("recall@1", "recall@5", "mrr@10", "answer_hit", "false_abstain",
                       "abstain_recall")}}
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    print(f"{'chars':>6} {'overlap':>7} {'chunks':>6} {'R@1':>6} {'R@5':>6} {'MRR@10':>7} "
          f"{'hit':>6} {'f_abst':>6} {'abst_r':>6}")
    for r in rows:
        print(f"{r['chunk_chars']:>6} {r['chunk_overlap']:>7} {r['chunks']:>6} "
              f"{r['recall@1']:>6.3f} {r['recall@5']:>6.3f} {r['mrr@10']:>7.3f} "
              f"{r['answer_hit']:>6.3f} {r['false_abstain']:>6.3f} {r['abstain_recall']:>6.3f}")


if __name__ == "__main__":
    main()

"""The follow-up detector (``followup.context_for``) on the labelled question pairs.

    .venv/bin/python benchmarks/followups.py [pair files ...]

Default: eval/lanjutan.jsonl (the development set the detector was tuned on) and
eval/lanjutan-uji.jsonl (held out: only reported). Prints precision, recall and F1 of "is a
follow-up" per set (the evaluation core's ``follow_up_metrics``) and the misclassified pairs;
no model and no index are needed. Writes nothing. See docs/followups.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tanya_trafficking.config import PROJECT_ROOT
from tanya_trafficking.evaluate import follow_up_metrics, format_follow_ups, read_pairs
from tanya_trafficking.followup import context_for

SETS = (PROJECT_ROOT / "eval" / "lanjutan.jsonl", PROJECT_ROOT / "eval" / "lanjutan-uji.jsonl")


def detect(question: str, previous: str) -> bool:
    return context_for(question, previous) is not None


def main(paths: list[Path]) -> None:
    for path in paths:
        print(f"== {path.name}")
        print(format_follow_ups(follow_up_metrics(detect, read_pairs(path))))
        print()


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or list(SETS))

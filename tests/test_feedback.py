"""The thumbs up/down file (feedback.py): lines written by many threads at once never
interleave, and ``tanya-trafficking eval`` reads the file back."""

from __future__ import annotations

import json
import threading

from tanya_trafficking.config import Settings
from tanya_trafficking.feedback import record_feedback


def test_feedback_lines_never_interleave(tmp_path) -> None:
    settings = Settings(feedback=tmp_path / "fb" / "umpan-balik.jsonl")
    long_answer = "«" + "kutipan panjang " * 2000 + "»"

    def write(n):
        for i in range(20):
            record_feedback(settings, {"question": f"q{n}-{i}", "answer": long_answer,
                                       "verdict": "up"})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = settings.feedback.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 120
    records = [json.loads(line) for line in lines]
    assert {r["question"] for r in records} == {f"q{n}-{i}" for n in range(6) for i in range(20)}
    # `tanya-trafficking eval` reads such a file as unlabelled questions.
    from tanya_trafficking.evaluate import read_items

    items = read_items(settings.feedback)
    assert len(items) == 120 and not any(item.labelled for item in items)

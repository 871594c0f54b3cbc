"""The reader as an abstention gate over the product's answers: the gate, measured.

    .venv/bin/python benchmarks/reader_gate.py [--sets idk,own,perda,grown] [--limit N]

Each question is asked once (``Bot.ask`` with the gate off); the reader's answer probability
for the answer's first quote is kept, and every gate value is then applied to the same
answers. Prints, per set and gate, answer_hit, false_abstain and abstain_recall (the
evaluation core's ``answer_metrics``), on the sets settings may be chosen on (IDK-MRC valid,
the own sets on the seed and the grown corpus; FacQA valid/test are only reported, by
quality.py). Writes nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import quality  # noqa: E402

GATES = (0.0, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.12, 0.15, 0.2, 0.3)


def ask_all(bot, items) -> list[tuple[dict, float | None]]:
    """(the evaluation core's row, the answer probability the gate would compare) per
    question, asked of the same ``Bot`` with its gate off. The probability is the one
    ``Bot.ask`` hands to ``add_short_answer`` (only when the rules chose the answer; None
    when the reader picked it or the bot abstained), so applying a gate afterwards gives
    exactly what ``Bot.ask`` with that gate answers."""
    from dataclasses import replace as copy_with

    from tanya_trafficking import pipeline
    from tanya_trafficking.evaluate import judge

    seen: dict = {}
    original = pipeline.add_short_answer

    def recording(result, reading, gate=0.0, in_passage=0.0):
        if result.found and reading is not None:
            seen["p"] = max(1.0 - reading.no_answer, in_passage)
        return original(result, reading, 0.0, in_passage)

    ungated = copy_with(bot, settings=bot.settings.replace(reader_gate=0.0))
    out = []
    pipeline.add_short_answer = recording
    try:
        for item in items:
            seen["p"] = None
            result = ungated.ask(item.question)
            out.append((judge(item, result), seen["p"]))
    finally:
        pipeline.add_short_answer = original
    return out


def metrics(asked: list[tuple[dict, float | None]], gate: float) -> dict:
    """The evaluation core's answer metrics with the gate applied."""
    from tanya_trafficking.evaluate import answer_metrics

    rows = []
    for row, p in asked:
        found = row["found"] and (p is None or p >= gate)
        rows.append(row | {"found": found, "answer_hit": row["answer_hit"] and found})
    return answer_metrics(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="idk,own,perda,grown")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--cache", type=Path, default=quality.CACHE)
    args = ap.parse_args(argv)
    names = args.sets.split(",")
    chosen = {}
    if "idk" in names:
        paragraphs = quality.idk_paragraphs("valid")
        files = {quality.paragraph_name(p["context"]): p["context"] for p in paragraphs}
        bot = quality.open_bot(quality.cached_settings(args.cache, "idk-valid", files), "idk")
        chosen["idk"] = (bot, [i for i, _ in quality.idk_items(paragraphs)][:args.limit])
    if "own" in names:
        settings = quality.cached_settings(args.cache, "seed",
                                           corpus=quality.PROJECT_ROOT / "corpus")
        chosen["own"] = (quality.open_bot(settings, "own"), quality.own_items()[:args.limit])
    if "perda" in names:
        settings = quality.cached_settings(args.cache, "seed",
                                           corpus=quality.PROJECT_ROOT / "corpus")
        chosen["perda"] = (quality.open_bot(settings, "perda"),
                           quality.perda_items()[:args.limit])
    if "grown" in names:
        files = quality.grown_files()
        relabels = quality.read_relabels(files)
        items = [replace(i, answers=tuple(relabels[i.id]["answers"])) if i.id in relabels
                 else i for i in quality.own_items()][:args.limit]
        bot = quality.open_bot(quality.cached_settings(args.cache, "grown", files), "grown")
        chosen["grown"] = (bot, items)
    print("| set | gate | answer_hit | false_abstain | abstain_recall |")
    print("| --- | --- | --- | --- | --- |")
    for name, (bot, items) in chosen.items():
        t0 = time.perf_counter()
        rows = ask_all(bot, items)
        quality.log(f"{name}: {len(items)} questions in {time.perf_counter() - t0:.0f} s")
        for gate in GATES:
            m = metrics(rows, gate)
            print(f"| {name} | {gate} | {m['answer_hit']:.3f} | "
                  f"{m['false_abstain']:.3f} | {m['abstain_recall']:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

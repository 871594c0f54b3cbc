"""The reader as an abstention gate over the product's answers: the gate, measured.

    .venv/bin/python benchmarks/reader_gate.py [--sets idk,own,grown] [--limit N]

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

GATES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
RULE_THRESHOLDS = (0.3, 0.4, 0.5, 0.57)  # the rule confidence's threshold (0.57 before)


def ask_all(bot, items) -> list[tuple[dict, float, float]]:
    """(the evaluation core's row, the reader's answer probability for the first quote, the
    rule confidence unrounded) per question, asked of a separately configured ``Bot`` whose
    rule threshold is at its lowest and whose gate is off, so that every threshold and gate
    can be applied afterwards."""
    from dataclasses import replace as copy_with

    from tanya_trafficking.evaluate import judge
    from tanya_trafficking.query import parse

    ungated = copy_with(bot, settings=bot.settings.replace(abstain_threshold=1e-9,
                                                           reader_gate=0.0))
    out = []
    for item in items:
        result = ungated.ask(item.question)
        p = 1.0
        if result.found:
            query = parse(item.question, bot.speller)
            p = 1.0 - bot.reader.read(query.normalized, [result.quotes[0].text])[0].no_answer
        out.append((judge(item, result), p, result.confidence))
    return out


def metrics(asked: list[tuple[dict, float, float]], gate: float, rule: float = 0.57) -> dict:
    """The evaluation core's answer metrics with the rule threshold and the gate applied."""
    from tanya_trafficking.evaluate import answer_metrics

    rows = []
    for row, p, confidence in asked:
        found = row["found"] and confidence >= rule and p >= gate
        rows.append(row | {"found": found, "answer_hit": row["answer_hit"] and found})
    return answer_metrics(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="idk,own,grown")
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
    if "grown" in names:
        files = quality.grown_files()
        relabels = quality.read_relabels(files)
        items = [replace(i, answers=tuple(relabels[i.id]["answers"])) if i.id in relabels
                 else i for i in quality.own_items()][:args.limit]
        bot = quality.open_bot(quality.cached_settings(args.cache, "grown", files), "grown")
        chosen["grown"] = (bot, items)
    print("| set | rule threshold | gate | answer_hit | false_abstain | abstain_recall |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, (bot, items) in chosen.items():
        t0 = time.perf_counter()
        rows = ask_all(bot, items)
        quality.log(f"{name}: {len(items)} questions in {time.perf_counter() - t0:.0f} s")
        for rule in RULE_THRESHOLDS:
            for gate in GATES:
                m = metrics(rows, gate, rule)
                print(f"| {name} | {rule} | {gate} | {m['answer_hit']:.3f} | "
                      f"{m['false_abstain']:.3f} | {m['abstain_recall']:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

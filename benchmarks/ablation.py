"""Each hand-written answering rule switched off in turn, with the reader in place.

    .venv/bin/python benchmarks/ablation.py [--only NAME ...] [--limit N] [--out FILE]

For every ablation the product (``Bot.ask`` through ``evaluate.evaluate``) is asked the sets
settings may be chosen on: IDK-MRC valid, a seeded sample of FacQA *train* (FacQA valid/test
are only reported, by ``quality.py``), the own sets on the seed corpus, and the own sets on
the grown corpus (quality.py's indexes, cached). A rule is switched off by replacing it with
its neutral form for the run (no bonus, no check, no extra quote, an empty word list);
the reader's calls are memoised per (question, passages), as the reader is deterministic.
A settings change is a separately configured ``Bot`` (``variant``), never the shared one
changed in place. Metrics: the evaluation core (``tanya_trafficking.evaluate``).
Prints a markdown table; writes JSON only with ``--out``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import facqa  # noqa: E402
import quality  # noqa: E402

from tanya_trafficking import answering, candidates, query  # noqa: E402


def _vocab_without(key: str):
    full = query.vocabulary()
    empty = {**full, key: type(full[key])()}
    return lambda: empty


_CHOOSE_QUOTES = answering.choose_quotes


def _first_quotes_only(q, cands, follows, max_quotes):  # no runner-up sentences
    return _CHOOSE_QUOTES(q, cands[:1], follows, max_quotes)


# name -> (what it is, patches (object, attribute, neutral value), settings changes)
ABLATIONS: dict[str, tuple[str, list, dict]] = {
    "none": ("the product as it ships", [], {}),
    "names-check": ("abstain when the answer's page lacks a name/number of the question",
                    [(answering, "missing_entities", lambda q, text: [])], {}),
    "focus-check": ("... or the focus of a fact question (the word after berapa/before mana)",
                    [(candidates, "focus", lambda q: None)], {}),
    "type-filter": ("only sentences with the asked type (a number for berapa ...) answer",
                    [(answering, "answers_type", lambda text, q: True),
                     (candidates, "answers_type", lambda text, q: True)], {}),
    "type-bonus": ("score bonus/penalty for the asked type", [
        (candidates, "_type_bonus", lambda text, q: 0.0)], {}),
    "cue-bonus": ("bonus for 'sebagai/menjadi' on role questions, 'hanya' on only-questions",
                  [(candidates, "_cue_bonus", lambda text, q: 0.0)], {}),
    "continuation": ("quote the sentences that continue the best one (lists, 'Seperti ...')",
                     [(candidates, "continuation", lambda page, end: [])], {}),
    "runner-ups": ("quote close runner-up sentences of the asked type",
                   [(answering, "choose_quotes", _first_quotes_only)], {}),
    "informal-words": ("informal spellings -> standard words (thn -> tahun)",
                       [(query, "vocabulary", _vocab_without("informal"))], {}),
    "synonyms": ("synonym groups (TPPO ~ perdagangan orang ~ human trafficking)",
                 [(query, "vocabulary", _vocab_without("synonyms"))], {}),
    "english-words": ("English question words -> Indonesian corpus words",
                      [(query, "vocabulary", _vocab_without("english"))], {}),
    "speller": ("typo correction against the corpus words", [], {"speller": None}),
    "reader-gate": ("abstain when the reader doubts the rules' quote", [],
                    {"reader_gate": 0.0}),
    "reader-pick": ("the reader's sure sentence answers over the rules' choice", [],
                    {"reader_switch": 2.0}),
    "reader-rerank": ("rerank the top chunks by the reader's answer probability", [],
                      {"reader_rerank": 0.0}),
}


@contextmanager
def memoised_reader():
    """The reader's two calls memoised on their arguments for the whole run."""
    from tanya_trafficking import reader as rd

    memo: dict = {}
    read, read_sentences = rd.Reader.read, rd.Reader.read_sentences

    def cached(fn, tag):
        def call(self, question, passages, *rest):
            key = (tag, question, tuple(passages))
            if key not in memo:
                memo[key] = fn(self, question, passages, *rest)
            return memo[key]
        return call

    with mock.patch.object(rd.Reader, "read", cached(read, "r")), \
            mock.patch.object(rd.Reader, "read_sentences", cached(read_sentences, "s")):
        yield


def facqa_train_items(n: int) -> list:
    from tanya_trafficking.evaluate import EvalItem

    rows = facqa.read_split("train")
    random.Random(13).shuffle(rows)
    return [EvalItem(f"facqa-train-{i}", r["question"], (r["answer"],))
            for i, r in enumerate(rows[:n])]


def open_sets(cache: Path, facqa_n: int) -> dict:
    """name -> (bot, items)."""
    paragraphs = quality.idk_paragraphs("valid")
    files = {quality.paragraph_name(p["context"]): p["context"] for p in paragraphs}
    out = {"idk": (quality.open_bot(quality.cached_settings(cache, "idk-valid", files), "idk"),
                   [i for i, _ in quality.idk_items(paragraphs)])}
    passages, _ = facqa.corpus_files()
    out["facqa-train"] = (quality.open_bot(quality.cached_settings(cache, "facqa", passages),
                                           "facqa"), facqa_train_items(facqa_n))
    out["own"] = (quality.open_bot(quality.cached_settings(
        cache, "seed", corpus=quality.PROJECT_ROOT / "corpus"), "own"), quality.own_items())
    grown = quality.grown_files()
    relabels = quality.read_relabels(grown)
    items = [replace(i, answers=tuple(relabels[i.id]["answers"])) if i.id in relabels else i
             for i in quality.own_items()]
    out["grown"] = (quality.open_bot(quality.cached_settings(cache, "grown", grown), "grown"),
                    items)
    return out


def variant(bot, changes: dict):
    """The product with an ablation's settings changes: a separately configured ``Bot`` over
    the same index, retriever and reader (``bot`` itself is never changed)."""
    speller = None if "speller" in changes else bot.speller
    settings = bot.settings.replace(**{k: v for k, v in changes.items() if k != "speller"})
    return replace(bot, settings=settings, speller=speller)


def run(name: str, sets: dict, limit: int | None) -> dict:
    from tanya_trafficking.evaluate import evaluate

    _, patches, changes = ABLATIONS[name]
    out = {}
    with ExitStack() as stack:
        for obj, attr, value in patches:
            stack.enter_context(mock.patch.object(obj, attr, value))
        for set_name, (bot, items) in sets.items():
            m = evaluate(variant(bot, changes), items[:limit], k=5)
            out[set_name] = {k: m.get(k) for k in ("answer_hit", "false_abstain",
                                                     "abstain_recall", "short_f1", "mrr@10")}
    return out


def row(name: str, r: dict) -> str:
    def f(x):
        return "–" if x is None else f"{x:.3f}"

    i, fq, o, g = r["idk"], r["facqa-train"], r["own"], r["grown"]
    return (f"| {name} | {f(i['answer_hit'])} / {f(i['false_abstain'])} / "
            f"{f(i['abstain_recall'])} / {f(i['short_f1'])} | {f(fq['answer_hit'])} / "
            f"{f(fq['mrr@10'])} | {f(o['answer_hit'])} / {f(o['false_abstain'])} / "
            f"{f(o['abstain_recall'])} | {f(g['answer_hit'])} / {f(g['false_abstain'])} / "
            f"{f(g['abstain_recall'])} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", choices=list(ABLATIONS))
    ap.add_argument("--limit", type=int, default=None, help="first N questions of each set")
    ap.add_argument("--facqa", type=int, default=500, help="FacQA train questions sampled")
    ap.add_argument("--cache", type=Path, default=quality.CACHE)
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = ap.parse_args(argv)
    names = ["none"] + [n for n in (args.only or ABLATIONS) if n != "none"]
    sets = open_sets(args.cache.expanduser(), args.facqa)
    print("| switched off | IDK-MRC valid hit / FA / AR / short F1 | FacQA train hit / MRR | "
          "own seed hit / FA / AR | own grown hit / FA / AR |")
    print("| --- | --- | --- | --- | --- |")
    results = {}
    with memoised_reader():
        for name in names:
            t0 = time.perf_counter()
            results[name] = run(name, sets, args.limit)
            print(row(name, results[name]), flush=True)
            quality.log(f"{name}: {time.perf_counter() - t0:.0f} s")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({n: {"rule": ABLATIONS[n][0], **r}
                                        for n, r in results.items()}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

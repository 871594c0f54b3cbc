"""FacQA retrieval and answer benchmark: data the project did not write.

    make bench-quality            (runs it through benchmarks/quality.py, with its cached index)
    .venv/bin/python benchmarks/facqa.py [--split valid+test] [--out benchmarks/results/facqa.json]

The corpus is every unique passage of the three FacQA files (each written as one .txt file
into a temporary corpus, so it goes through the product's own loader, cleaner and chunker);
the queries are the questions of valid + test; the gold is the passage a question was written
over (a retrieved chunk counts when it comes from that passage's file) and its answer span.

Three systems in the same run, on the same index:

* ``bm25``: stemmed BM25 alone (the raw question's terms, no query processing);
* ``dense``: e5 alone (the raw question embedded);
* ``hybrid``: the product's retrieval (query normalisation + hybrid fusion) and its rules,
  the reader's pick, rerank and gate off (a second configured instance);
* ``product``: the product as it ships (``Bot.ask``).

``quote_hit@1`` / ``quote_hit@3``: the first / any of the first three quotes contains the gold
answer span: the answer's own quotes for ``product`` and ``hybrid`` (shown as related when
it declines), the rules' best sentences from that system's top chunks for ``bm25`` and
``dense``. FacQA has no unanswerable questions; the abstention rate is reported as
``false_abstain``. ``short_em`` / ``short_f1``: the short answer (``Answer.short_answer``)
against the gold span (evaluate.py's SQuAD-style scores).

Tuning (fusion weight, sentence scoring) is done with ``--split train`` only.
Results: a table on stdout; with ``--out FILE`` also a JSON file (one object per system).
``run`` is the function benchmarks/quality.py calls.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tanya_trafficking import answering, matching, pipeline
from tanya_trafficking.config import PROJECT_ROOT, Settings
from tanya_trafficking.evaluate import short_scores
from tanya_trafficking.lexical import terms
from tanya_trafficking.query import parse
from tanya_trafficking.schema import Query
from tanya_trafficking.textnorm import normalize_for_match

DATA = PROJECT_ROOT.parent / "shared" / "datasets" / "facqa"
FILES = {"train": "train_preprocess.csv", "valid": "valid_preprocess.csv",
         "test": "test_preprocess.csv"}


def detok(tokens: list[str]) -> str:
    text = " ".join(tokens)
    text = re.sub(r"\s+([,.;:!?%)\]])", r"\1", text)
    text = re.sub(r"([(\[])\s+", r"\1", text)
    return text


def read_split(name: str) -> list[dict]:
    rows = []
    with open(DATA / FILES[name], encoding="utf-8") as f:
        for row in csv.DictReader(f):
            q = ast.literal_eval(row["question"])
            p = ast.literal_eval(row["passage"])
            labels = ast.literal_eval(row["seq_label"])
            span = [t for t, lab in zip(p, labels) if lab != "O"]
            rows.append({"question": detok(q), "passage": detok(p), "answer": detok(span)})
    return rows


def passage_key(text: str) -> str:
    """What makes two FacQA passages the same passage: their letters and digits.

    FacQA holds 56 passages twice, once per tokenisation ("1890-1979" / "1890 - 1979",
    "1,2 juta" / "1, 2 juta", "(80)" / "(8 0)"). Kept apart they are near-duplicates whose
    questions can only be ranked right by a coin toss; as one passage, they are one gold.
    """
    return re.sub(r"[^0-9a-z]", "", text.lower())


def answer_form(text: str) -> str:
    """How a quote and a gold answer are compared: casefolded, no space beside punctuation or
    between digits. FacQA is tokenised text ("7, 5 hektar", "(8 0)"), and a passage kept once
    (``passage_key``) may spell its question's answer the other way ("7,5 hektar")."""
    text = re.sub(r"\s*([^\w\s])\s*", r"\1", normalize_for_match(text))
    return re.sub(r"(?<=\d) (?=\d)", "", text)


def answer_in(quote: str, answer: str) -> bool:
    return bool(answer.strip()) and answer_form(answer) in answer_form(quote)


def unique_passages() -> tuple[list[str], dict[str, int]]:
    """The unique passages of all three files (first spelling per ``passage_key``) and every
    spelling's passage number."""
    texts: list[str] = []
    number: dict[str, int] = {}
    by_key: dict[str, int] = {}
    for split in FILES:
        for row in read_split(split):
            key = passage_key(row["passage"])
            if key not in by_key:
                by_key[key] = len(texts)
                texts.append(row["passage"])
            number[row["passage"]] = by_key[key]
    return texts, number


def corpus_files() -> tuple[dict[str, str], dict[str, str]]:
    """(file name -> text, one file per unique passage (see ``passage_key``); passage text ->
    file name, every spelling of a passage mapping to the file of its first spelling)."""
    texts, number = unique_passages()
    files = {f"p{i:05d}.txt": text for i, text in enumerate(texts)}
    return files, {text: f"p{i:05d}.txt" for text, i in number.items()}


def write_corpus(folder: Path) -> dict[str, str]:
    """Write ``corpus_files`` into ``folder``; returns passage text -> file name."""
    files, names = corpus_files()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return names


def raw_query(question: str) -> Query:
    """The question as it is: no normalisation, no synonyms (for the baselines)."""
    from tanya_trafficking.schema import Concept

    concepts = tuple(Concept(((t,),)) for t in dict.fromkeys(terms(question)))
    return Query(question, question, parse(question).qtype, concepts)


def without_reader(bot) -> pipeline.Bot:
    """The product's retrieval and rules alone: a second instance over the same index whose
    settings switch the reader's pick, rerank and gate off."""
    settings = bot.settings.replace(reader_switch=2.0, reader_rerank=0.0, reader_gate=0.0)
    return pipeline.Bot(settings, bot.index, bot.retriever, bot.speller, bot.reader)


def run_system(bot, system: str, rows: list[dict], names: dict[str, str],
               seen: set[str] = frozenset()) -> dict:
    """Metrics of one system; ``seen`` = the passage files that train questions were
    written over, for a second report of the questions whose passage is not among them
    (what a model fine-tuned on train questions never saw)."""
    retriever = bot.retriever
    alpha0 = retriever.alpha
    no_reader = without_reader(bot)
    rr, r1, r5, r10, q1, q3, abstain, lat = [], 0, 0, 0, 0, 0, 0, []
    unseen = []  # (reciprocal rank, in top 5) of questions over passages without train questions
    ems, f1s = [], []
    for row in rows:
        gold = names[row["passage"]]
        t0 = time.perf_counter()
        if system in ("product", "hybrid"):
            ans = (bot if system == "product" else no_reader).ask(row["question"], retrieve=10)
            hits = list(ans.hits)
            abstain += not ans.found
            _, em, f1 = short_scores(ans, (row["answer"],))
            if em is not None:
                ems.append(em)
                f1s.append(f1)
        else:
            retriever.alpha = 1.0 if system == "dense" else 0.0
            retriever.rerank = False
            query = raw_query(row["question"])
            hits = retriever.search(query, k=10)
            retriever.alpha, retriever.rerank = alpha0, True
        lat.append((time.perf_counter() - t0) * 1000)
        rank = next((i for i, h in enumerate(hits, 1) if h.chunk.source == gold), None)
        rr.append(1 / rank if rank else 0.0)
        if gold not in seen:
            unseen.append((rr[-1], rank is not None and rank <= 5))
        r1 += rank == 1
        r5 += rank is not None and rank <= 5
        r10 += rank is not None and rank <= 10
        if system in ("product", "hybrid"):  # the answer's own quotes (related if declined)
            quotes = [q.text for q in ans.quotes]
        else:
            cands = answering.score_candidates(query, hits[:bot.settings.top_k],
                                               bot.index.lexical)
            typed = [c for c in cands if matching.answers_type(c.text, query)] or cands
            quotes = [c.text for c in typed[:3]]
        q1 += bool(quotes) and answer_in(quotes[0], row["answer"])
        q3 += any(answer_in(q, row["answer"]) for q in quotes)
    n = len(rows)
    out = {"recall@1": r1 / n, "recall@5": r5 / n, "recall@10": r10 / n,
           "mrr@10": float(np.mean(rr)), "quote_hit@1": q1 / n, "quote_hit@3": q3 / n,
           "latency_ms_p50": float(np.percentile(lat, 50)),
           "latency_ms_p95": float(np.percentile(lat, 95))}
    if system in ("product", "hybrid"):
        out["false_abstain"] = abstain / n
        out["short_em"] = float(np.mean(ems)) if ems else None
        out["short_f1"] = float(np.mean(f1s)) if f1s else None
    if unseen:
        out["unseen_passages"] = {"questions": len(unseen),
                                  "mrr@10": float(np.mean([u[0] for u in unseen])),
                                  "recall@5": float(np.mean([u[1] for u in unseen]))}
    return out


def run(settings: Settings, names: dict[str, str], split: str = "valid+test",
        limit: int | None = None) -> dict:
    """All three systems over ``split``'s questions (the first ``limit`` of them when given),
    on the index of ``settings`` (built or brought up to date first) over a corpus written
    from ``corpus_files``; ``names`` is its passage text -> file name."""
    rows = [r for s in split.split("+") for r in read_split(s)][:limit]
    t0 = time.perf_counter()
    report = pipeline.ensure_index(settings, progress=True)
    print(f"index: {len(set(names.values()))} passages, built in "
          f"{time.perf_counter() - t0:.0f} s" + ("" if report else " (reused)"),
          file=sys.stderr)
    bot = pipeline.Bot.open(settings)
    seen = {names[r["passage"]] for r in read_split("train")}
    results = {s: run_system(bot, s, rows, names, seen)
               for s in ("product", "hybrid", "bm25", "dense")}
    results["_meta"] = {"split": split, "questions": len(rows),
                        "passages": len(set(names.values())),
                        "model": settings.model, "alpha": settings.alpha,
                        "top_k": settings.top_k}
    return results


def print_table(results: dict) -> None:
    cols = ["recall@1", "recall@5", "recall@10", "mrr@10", "quote_hit@1", "quote_hit@3"]
    print(f"{'system':<8} " + " ".join(f"{c:>11}" for c in cols))
    for s in ("product", "hybrid", "bm25", "dense"):
        print(f"{s:<8} " + " ".join(f"{results[s][c]:>11.3f}" for c in cols))
    u = results["product"].get("unseen_passages")
    if u:
        print(f"product, {u['questions']} questions over passages no train question is about: "
              f"MRR@10 {u['mrr@10']:.3f}, recall@5 {u['recall@5']:.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="valid+test", help="valid+test (report) or train (tune)")
    ap.add_argument("--out", type=Path, default=None,
                    help="write the results as JSON here (nothing is written without it)")
    ap.add_argument("--index", type=Path, default=None,
                    help="reuse/keep the index in this folder instead of a temporary one")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        names = write_corpus(corpus)
        settings = Settings.from_env().replace(corpus=corpus, index=args.index or
                                               Path(tmp) / "index")
        results = run(settings, names, args.split)
    print_table(results)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

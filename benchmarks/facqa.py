"""FacQA retrieval and answer benchmark: data the project did not write.

    make bench-quality            (runs it through benchmarks/quality.py, with its cached index)
    .venv/bin/python benchmarks/facqa.py [--split valid+test] [--out FILE]

The corpus is every unique passage of the three FacQA files (each written as one .txt file
into a temporary corpus, so it goes through the product's own loader, cleaner and chunker);
the queries are the questions of valid + test; the gold is the passage a question was written
over (a retrieved chunk counts when it comes from that passage's file) and its answer span.

Four systems in the same run, on the same index, each a separately configured instance
measured by the evaluation core (``tanya_trafficking.evaluate``):

* ``product``: the product as it ships (``pipeline.Bot.ask``);
* ``hybrid``: the product's retrieval (query normalisation + hybrid fusion) and its rules,
  the reader's pick, rerank and gate off (a second ``Bot`` with its own settings);
* ``bm25``: stemmed BM25 alone (the raw question's terms, no query processing, no rerank);
* ``dense``: e5 alone (the raw question embedded, no rerank).

The two baselines (``RetrievalBaseline``) have their own ``Retriever`` over the product's
index and answer with the product's answer step (``answering.answer``) at threshold 0: the
rules' choice of sentences from that ranker's top chunks, never declined, no reader.
``quote_hit@1`` / ``quote_hit@3``: the first / one of the first three quotes holds the gold
answer span (the quotes shown as related when the product declines). FacQA has no
unanswerable questions; the product's and hybrid's abstention rate is ``false_abstain``,
their short answers are scored by ``short_em`` / ``short_f1``.

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
from dataclasses import replace
from pathlib import Path

from tanya_trafficking import answering, pipeline
from tanya_trafficking.config import PROJECT_ROOT, Settings
from tanya_trafficking.evaluate import EvalItem, evaluate, summarize
from tanya_trafficking.lexical import terms
from tanya_trafficking.query import parse
from tanya_trafficking.retrieval import Retriever
from tanya_trafficking.schema import Answer, Query
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


def holds_answer(text: str, answers: tuple[str, ...]) -> bool:
    """The evaluation core's ``match`` for FacQA: ``answer_in`` for any gold answer."""
    return any(answer_in(text, a) for a in answers)


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
    return replace(bot, settings=bot.settings.replace(reader_switch=2.0, reader_rerank=0.0,
                                                      reader_gate=0.0))


class RetrievalBaseline:
    """One ranker alone over the product's index (its own ``Retriever``: ``alpha`` 0 = BM25,
    1 = dense, no rerank) asked the raw question, answered by the product's answer step at
    threshold 0 (the rules' sentences from the top chunks, never declined, no reader)."""

    def __init__(self, bot, alpha: float):
        self.settings = bot.settings
        self.index = bot.index
        self.retriever = Retriever(bot.index, bot.retriever.embedder, alpha,
                                   bot.settings.candidates, rerank=False)

    def ask(self, question: str, top_k: int | None = None, retrieve: int = 0) -> Answer:
        top_k = top_k or self.settings.top_k
        query = raw_query(question)
        hits = self.retriever.search(query, k=max(top_k, retrieve))
        result = answering.answer(query, hits[:top_k], self.index.lexical,
                                  self.index.page_text, 0.0, self.settings.max_quotes)
        return replace(result, hits=tuple(hits))


def systems(bot) -> dict:
    """name -> system (anything with ``ask``): the product and its three baselines."""
    return {"product": bot, "hybrid": without_reader(bot),
            "bm25": RetrievalBaseline(bot, alpha=0.0), "dense": RetrievalBaseline(bot, alpha=1.0)}


def eval_items(rows: list[dict], names: dict[str, str]) -> list[EvalItem]:
    """FacQA-style rows (question, passage, answer) as evaluation items whose gold source is
    the passage's corpus file."""
    return [EvalItem(f"q{n}", r["question"], (r["answer"],), source=names[r["passage"]])
            for n, r in enumerate(rows)]


RANK_KEYS = ("recall@1", "recall@5", "recall@10", "mrr@10", "quote_hit@1", "quote_hit@3",
             "latency_ms_p50", "latency_ms_p95")
ANSWER_KEYS = ("false_abstain", "short_em", "short_f1")


def measure(system, items: list[EvalItem], seen: set[str] = frozenset(),
            answers: bool = True) -> dict:
    """The evaluation core's metrics of one system (``answers``: with its abstention and
    short-answer scores). With ``seen`` (the passage files that train questions were written
    over), a second report of the questions whose passage is not among them (what a model
    trained on train questions, like the reader, never saw)."""
    m = evaluate(system, items, ks=(1, 5, 10), match=holds_answer)
    out = {k: m[k] for k in RANK_KEYS + (ANSWER_KEYS if answers else ())}
    rows = [r for r, i in zip(m["questions"], items) if i.source not in seen] if seen else []
    if rows:
        u = summarize(rows, [], ks=(5,))
        out["unseen_passages"] = {"questions": len(rows), "mrr@10": u["mrr@10"],
                                  "recall@5": u["recall@5"]}
    return out


def run(settings: Settings, names: dict[str, str], split: str = "valid+test",
        limit: int | None = None) -> dict:
    """All four systems over ``split``'s questions (the first ``limit`` of them when given),
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
    items = eval_items(rows, names)
    results = {name: measure(system, items, seen, answers=name in ("product", "hybrid"))
               for name, system in systems(bot).items()}
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

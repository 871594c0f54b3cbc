"""The evaluation core: questions with gold answers -> the metrics every report uses.

The CLI's ``eval`` and every benchmark (benchmarks/quality.py, facqa.py, ablation.py,
reader_gate.py, chunking.py) measure here, in three steps:

* ``evaluate(system, items)`` asks ``system.ask`` (a ``pipeline.Bot``, or a benchmark's
  baseline with the same ``ask``) every question, timed, and summarizes;
* ``judge(item, answer)`` turns one answer into a per-question row;
* ``summarize(rows, latencies)`` turns rows into metrics (``rank_metrics``,
  ``answer_metrics`` and ``short_metrics`` each compute one family).

Each line of a question file: ``{"id": str, "question": str, "answers": [str, ...]}``; an empty
``answers`` means the corpus does not answer the question. Lines of the feedback file written
by the web chat (``{"question", "answer", "verdict"}``) are read as well: they have no gold
answers, so they count only for latency and are listed. An ``EvalItem`` may also name its gold
``source`` (the document a question was written over, as in FacQA).

Whether a text holds an answer is ``match(text, answers)``: ``contains_answer`` by default
(case-insensitive, whitespace collapsed); a benchmark may pass its own (FacQA's tokenised
text). Metrics (the names of ``--json``), in the spirit of sentence-transformers'
InformationRetrievalEvaluator:

* ``recall@k`` (for each k asked: 1 and K), ``mrr@10``: over answerable questions; a retrieved
  chunk is relevant if it comes from the item's gold ``source`` or, without one, if it holds
  an answer;
* ``answer_hit``: share of answerable questions whose returned quotes hold an answer
  (an abstention counts as a miss);
* ``quote_hit@1`` / ``quote_hit@3``: share of answerable questions whose first / one of the
  first three quotes holds an answer, the quotes shown as related after an abstention too;
* ``false_abstain``: share of answerable questions the bot declined;
* ``abstain_recall``: share of unanswerable questions it declined;
* ``short_em`` / ``short_f1``: the short answer (``Answer.short_answer``, the reader's span)
  against the gold answers, SQuAD-style (``normalize_answer``; F1 over tokens; the best gold
  counts), averaged over answerable questions, an abstention scoring 0;
* ``latency_ms_p50`` / ``latency_ms_p95``: the whole ``ask`` (embedding, retrieval, answer).

The follow-up detector (``followup.context_for``) is measured here too (benchmarks/followups.py,
tests/test_query.py): each line of a pair file is ``{"id", "previous", "question",
"follow_up": bool, "note"}``; ``follow_up_metrics(detect, pairs)`` gives precision, recall and
F1 of "is a follow-up" and the misclassified pairs.
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import ui_text as ui
from .textnorm import normalize_for_match

Match = Callable[[str, tuple[str, ...]], bool]  # (text, gold answers) -> holds one of them


@dataclass(frozen=True)
class EvalItem:
    id: str
    question: str
    answers: tuple[str, ...]
    labelled: bool = True  # False for feedback lines (no gold answers)
    source: str | None = None  # the gold document: relevant chunks are the ones from it


def read_items(path: Path) -> list[EvalItem]:
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            d = json.loads(line)
            if "answers" in d:
                items.append(EvalItem(str(d.get("id", n)), d["question"], tuple(d["answers"])))
            elif "question" in d:
                items.append(EvalItem(str(d.get("id", f"umpan-balik-{n}")), d["question"], (),
                                      labelled=False))
    return items


# --------------------------------------------------------------------------- matching


def contains_answer(text: str, answers: tuple[str, ...]) -> bool:
    t = normalize_for_match(text)
    return any(normalize_for_match(a) in t for a in answers if a.strip())


def first_relevant_rank(chunk_texts: list[str], answers: tuple[str, ...],
                        match: Match = contains_answer) -> int | None:
    for rank, text in enumerate(chunk_texts, 1):
        if match(text, answers):
            return rank
    return None


def relevant_rank(hits, item: EvalItem, match: Match = contains_answer) -> int | None:
    """The 1-based rank of the first relevant hit: from the gold ``source`` when the item
    names one, else holding an answer."""
    if item.source is not None:
        return next((n for n, h in enumerate(hits, 1) if h.chunk.source == item.source), None)
    return first_relevant_rank([h.chunk.text for h in hits], item.answers, match)


# --------------------------------------------------------------------------- short answers


def normalize_answer(text: str) -> str:
    """SQuAD's answer normalisation: lowercase, punctuation removed (any Unicode punctuation),
    whitespace collapsed. (No article removal: Indonesian has no articles to drop.)"""
    text = "".join(c for c in text.lower() if not unicodedata.category(c).startswith("P"))
    return " ".join(text.split())


def exact_match(prediction: str, golds: tuple[str, ...]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer, else 0.0."""
    pred = normalize_answer(prediction)
    return float(bool(pred) and any(pred == normalize_answer(g) for g in golds))


def token_f1(prediction: str, golds: tuple[str, ...]) -> float:
    """The best token-overlap F1 of the prediction against any gold answer."""
    pred = normalize_answer(prediction).split()
    best = 0.0
    for gold in golds:
        ref = normalize_answer(gold).split()
        common = sum((Counter(pred) & Counter(ref)).values())
        if common:
            p, r = common / len(pred), common / len(ref)
            best = max(best, 2 * p * r / (p + r))
    return best


def short_scores(ans, answers: tuple[str, ...]) -> tuple[str | None, float | None, float | None]:
    """(short answer, EM, F1) of one answer; the scores are None for an unanswerable question.
    A declined answerable question scores 0."""
    short = ans.short_answer
    if not answers:
        return short, None, None
    pred = (short or "") if ans.found else ""
    return short, exact_match(pred, answers), token_f1(pred, answers)


# --------------------------------------------------------------------------- one question


def judge(item: EvalItem, ans, match: Match = contains_answer) -> dict:
    """One answer (``schema.Answer``, its ``hits`` ranked) -> the question's row."""
    quotes = [q.text for q in ans.quotes]
    hit = ans.found and match(" ".join(quotes), item.answers)
    answerable = bool(item.answers)
    short, em, f1 = short_scores(ans, item.answers)
    if not item.labelled:
        problem = None
    elif answerable and not ans.found:
        problem = ui.EVAL_FALSE_ABSTAIN
    elif answerable and not hit:
        problem = ui.EVAL_QUOTE_MISSES
    elif not answerable and ans.found:
        problem = ui.EVAL_FALSE_ANSWER
    else:
        problem = None
    return {
        "id": item.id, "question": item.question, "answerable": answerable,
        "labelled": item.labelled, "found": ans.found, "answer_hit": hit,
        "rank": relevant_rank(ans.hits, item, match), "confidence": round(ans.confidence, 4),
        "quotes": quotes, "sources": [q.source for q in ans.quotes],
        "quote_rank": first_relevant_rank(quotes, item.answers, match),
        "problem": problem,
        "short_answer": short, "short_em": em, "short_f1": f1,
    }


def evaluate(system, items: list[EvalItem], k: int = 5, ks: tuple[int, ...] | None = None,
             match: Match = contains_answer) -> dict:
    """Ask ``system`` every item and summarize (``ks``: the recall cut-offs, default 1 and
    ``k``). ``system.ask(question, retrieve=n)`` keeps at least n ranked hits."""
    ks = ks or (1, k)
    rows, latencies = [], []
    for item in items:
        t0 = time.perf_counter()
        ans = system.ask(item.question, retrieve=max(10, *ks))
        latencies.append((time.perf_counter() - t0) * 1000)
        rows.append(judge(item, ans, match))
    return summarize(rows, latencies, ks=ks)


# --------------------------------------------------------------------------- metrics


def _labelled(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(answerable, unanswerable) rows; feedback rows are neither."""
    return ([r for r in rows if r["labelled"] and r["answerable"]],
            [r for r in rows if r["labelled"] and not r["answerable"]])


def _share(rows: list[dict], pred) -> float:
    return sum(1 for r in rows if pred(r)) / len(rows) if rows else 0.0


def _within(rank: int | None, k: int) -> bool:
    return rank is not None and rank <= k


def rank_metrics(rows: list[dict], ks: tuple[int, ...] = (1, 5)) -> dict:
    """recall@k for each k and MRR@10 of the first relevant chunk, over answerable rows."""
    ans, _ = _labelled(rows)
    out = {f"recall@{k}": _share(ans, lambda r, k=k: _within(r["rank"], k)) for k in ks}
    rr = [1.0 / r["rank"] if _within(r["rank"], 10) else 0.0 for r in ans]
    out["mrr@10"] = float(np.mean(rr)) if rr else 0.0
    return out


def answer_metrics(rows: list[dict]) -> dict:
    """answer_hit, quote_hit@1/@3 and false_abstain over answerable rows, abstain_recall over
    unanswerable ones."""
    ans, unans = _labelled(rows)
    return {
        "answer_hit": _share(ans, lambda r: r["answer_hit"]),
        "quote_hit@1": _share(ans, lambda r: _within(r.get("quote_rank"), 1)),
        "quote_hit@3": _share(ans, lambda r: _within(r.get("quote_rank"), 3)),
        "false_abstain": _share(ans, lambda r: not r["found"]),
        "abstain_recall": _share(unans, lambda r: not r["found"]),
    }


def short_metrics(rows: list[dict]) -> dict:
    """Mean short-answer EM and F1 over answerable rows; None when no row has them."""
    ans, _ = _labelled(rows)

    def mean_of(key):
        xs = [r[key] for r in ans if r.get(key) is not None]
        return float(np.mean(xs)) if xs else None

    return {"short_em": mean_of("short_em"), "short_f1": mean_of("short_f1")}


def summarize(rows: list[dict], latencies: list[float], k: int = 5,
              ks: tuple[int, ...] | None = None) -> dict:
    ans, unans = _labelled(rows)
    return {
        **rank_metrics(rows, ks or (1, k)),
        **answer_metrics(rows),
        **short_metrics(rows),
        "latency_ms_p50": float(np.percentile(latencies, 50)) if latencies else 0.0,
        "latency_ms_p95": float(np.percentile(latencies, 95)) if latencies else 0.0,
        "n_questions": len(rows),
        "n_answerable": len(ans),
        "n_unanswerable": len(unans),
        "questions": rows,
    }


def format_report(result: dict, k: int) -> str:
    lines = [
        ui.EVAL_QUESTIONS.format(total=result["n_questions"], answerable=result["n_answerable"],
                                 unanswerable=result["n_unanswerable"]),
        f"recall@1        : {result['recall@1']:.3f}",
        f"recall@{k:<8} : {result[f'recall@{k}']:.3f}",
        f"mrr@10          : {result['mrr@10']:.3f}",
        f"answer_hit      : {result['answer_hit']:.3f}",
        f"false_abstain   : {result['false_abstain']:.3f}",
        f"abstain_recall  : {result['abstain_recall']:.3f}",
        ui.EVAL_LATENCY.format(p50=result["latency_ms_p50"], p95=result["latency_ms_p95"]),
    ]
    if result.get("short_f1") is not None:
        lines.insert(-1, ui.EVAL_SHORT_ANSWER.format(em=result["short_em"],
                                                     f1=result["short_f1"]))
    wrong = [r for r in result["questions"] if r["problem"]]
    if wrong:
        lines.append("")
        lines.append(ui.EVAL_WRONG.format(count=len(wrong)))
        lines += [f"  {r['id']}: {r['problem']} — {r['question']}" for r in wrong]
    return "\n".join(lines)


def calibrate(rows: list[dict]) -> dict:
    """The abstention threshold that best separates answerable from unanswerable questions.

    Sweeps every observed confidence and maximises abstain_recall - 2 * false_abstain: a wrong
    "not found" costs a user more than an unsure quote, which still carries its source and can
    be checked in one click. Ties go to the lower false-abstain rate.
    """
    ans = [r["confidence"] for r in rows if r["labelled"] and r["answerable"]]
    unans = [r["confidence"] for r in rows if r["labelled"] and not r["answerable"]]
    if not ans or not unans:
        return {}
    best = None
    for t in sorted(set(ans + unans + [0.0])):
        fa = sum(c < t for c in ans) / len(ans)
        ar = sum(c < t for c in unans) / len(unans)
        key = (ar - 2 * fa, -fa)
        if best is None or key > best[0]:
            best = (key, t, fa, ar)
    # place the threshold midway into the gap below the chosen value
    _, t, fa, ar = best
    below = [c for c in ans + unans if c < t]
    threshold = (t + max(below)) / 2 if below else t
    return {"threshold": round(threshold, 4), "false_abstain": fa, "abstain_recall": ar}


# --------------------------------------------------------------------------- follow-ups


@dataclass(frozen=True)
class PairItem:
    id: str
    previous: str
    question: str
    follow_up: bool  # gold: the question cannot be understood without the previous one
    note: str = ""


def read_pairs(path: Path) -> list[PairItem]:
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [PairItem(str(d["id"]), d["previous"], d["question"], bool(d["follow_up"]),
                     d.get("note", "")) for d in rows]


def follow_up_metrics(detect: Callable[[str, str], bool], pairs: list[PairItem]) -> dict:
    """Precision, recall and F1 of ``detect(question, previous)`` (True: a follow-up) against
    the gold labels, with the counts and the misclassified pairs (``wrong``)."""
    said = [bool(detect(p.question, p.previous)) for p in pairs]
    tp = sum(s and p.follow_up for s, p in zip(said, pairs))
    fp = sum(s and not p.follow_up for s, p in zip(said, pairs))
    fn = sum(not s and p.follow_up for s, p in zip(said, pairs))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "n_pairs": len(pairs),
            "n_follow_up": tp + fn, "tp": tp, "fp": fp, "fn": fn,
            "wrong": [p for s, p in zip(said, pairs) if s != p.follow_up]}


def format_follow_ups(result: dict) -> str:
    lines = [
        f"Pasangan  : {result['n_pairs']} ({result['n_follow_up']} pertanyaan lanjutan)",
        f"precision : {result['precision']:.3f}",
        f"recall    : {result['recall']:.3f}",
        f"F1        : {result['f1']:.3f}",
    ]
    if result["wrong"]:
        lines += ["", f"Yang salah ({len(result['wrong'])}):"]
        lines += [f"  {p.id}: {'lanjutan terlewat' if p.follow_up else 'bukan lanjutan'} — "
                  f"«{p.previous}» → «{p.question}»" for p in result["wrong"]]
    return "\n".join(lines)


def plot(result: dict, path: Path, threshold: float) -> None:
    """recall@k for k = 1..10, and the confidence of answerable versus unanswerable questions
    with the abstention threshold marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in result["questions"] if r["labelled"]]
    ans = [r for r in rows if r["answerable"]]
    ks = list(range(1, 11))
    recall = [sum(1 for r in ans if r["rank"] and r["rank"] <= k) / max(len(ans), 1) for k in ks]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    a.plot(ks, recall, marker="o")
    a.set_xlabel("k")
    a.set_ylabel("recall@k")
    a.set_ylim(0, 1.02)
    a.set_xticks(ks)
    a.set_title(ui.PLOT_RECALL_TITLE)
    a.grid(alpha=0.3)
    bins = [i / 20 for i in range(21)]
    b.hist([r["confidence"] for r in ans], bins=bins, alpha=0.6, label=ui.PLOT_ANSWERABLE)
    b.hist([r["confidence"] for r in rows if not r["answerable"]], bins=bins, alpha=0.6,
           label=ui.PLOT_UNANSWERABLE)
    b.axvline(threshold, color="k", linestyle="--",
              label=ui.PLOT_THRESHOLD.format(threshold=threshold))
    b.set_xlabel(ui.PLOT_CONFIDENCE)
    b.set_ylabel(ui.PLOT_QUESTIONS)
    b.set_title(ui.PLOT_SCORES_TITLE)
    b.legend()
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)

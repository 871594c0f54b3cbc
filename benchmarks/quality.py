"""Quality benchmark: the product's answers on data it was not written for, against floors.

    make bench-quality     (= .venv/bin/python benchmarks/quality.py --out
                              build/bench/quality.json, untracked)
    make bench-quality OUT=benchmarks/results/quality.json     (updates the tracked record)
    .venv/bin/python benchmarks/quality.py --only idk --limit 20     (a quick check)

Four sets, each asked of the product (``pipeline.Bot``) over its own index:

* ``idk``: IDK-MRC valid (262 answerable, 297 unanswerable questions) over its 252 paragraphs
  (one .txt per paragraph, named by a hash of its text); gold = the annotators' answer texts.
  Beside the product, the retrieval baselines on its answerable questions (gold = the
  question's paragraph): BM25 alone, dense alone, and the hybrid retrieval with the sentence
  choice and no reader (``facqa.systems``, measured by ``facqa.measure``);
* ``facqa``: benchmarks/facqa.py's run over FacQA valid + test (product, hybrid, bm25, dense);
* ``own-seed``: eval/pertanyaan.jsonl + eval/pertanyaan-baru.jsonl over the seed corpus/;
  beside it, on its own row and without floors, the regulation's questions
  (eval/pertanyaan-perda.jsonl, docs/perda.md) over the same index;
* ``own-grown``: the same questions over a grown corpus: the seed documents (seed/) plus every
  IDK-MRC train and valid paragraph (idk/) and every FacQA passage (facqa/) as distractors,
  about 5,200 files. An own "unanswerable" question that a distractor truly answers is
  relabelled for this run by eval/grown-relabel.jsonl (id, answers, passage, reason). The
  regulation's questions are asked there too (their own row).

Every metric comes from the evaluation core, ``tanya_trafficking.evaluate`` (answer_hit,
false_abstain, abstain_recall, short_em, short_f1, mrr@10, quote_hit@1, ...; FacQA and the
baselines through facqa.py's ``measure``); see docs/quality.md. Indexes are cached outside the
repository (``--cache``, default ~/.cache/tanya-trafficking/bench/<set>-<key>, the key a hash
of the corpus file list with sizes and the embedder id) and reused: a rerun after a change to
answering only re-asks. Nothing is written into the repository unless ``--out`` is given.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import facqa  # noqa: E402

from tanya_trafficking.config import PROJECT_ROOT, Settings  # noqa: E402

IDK = PROJECT_ROOT.parent / "shared" / "datasets" / "idk-mrc"
OWN_SETS = (PROJECT_ROOT / "eval" / "pertanyaan.jsonl",
            PROJECT_ROOT / "eval" / "pertanyaan-baru.jsonl")
PERDA_SET = PROJECT_ROOT / "eval" / "pertanyaan-perda.jsonl"  # its own row, no floors
RELABEL = PROJECT_ROOT / "eval" / "grown-relabel.jsonl"
CACHE = Path.home() / ".cache" / "tanya-trafficking" / "bench"
SETS = ("idk", "facqa", "own", "grown")

# set -> metric -> (">=" or "<=", floor): the floors of issue 15.
FLOORS = {
    "idk": {"answer_hit": (">=", 0.80), "false_abstain": ("<=", 0.10),
            "abstain_recall": (">=", 0.65), "short_f1": (">=", 0.65)},
    "facqa": {"mrr@10": (">=", 0.87), "quote_hit@1": (">=", 0.80)},
    "own-seed": {"answer_hit": (">=", 0.95), "false_abstain": ("<=", 0.05),
                 "abstain_recall": (">=", 0.95)},
    "own-grown": {"answer_hit": (">=", 0.92), "false_abstain": ("<=", 0.07),
                  "abstain_recall": (">=", 0.90)},
}
COLUMNS = ("answer_hit", "false_abstain", "abstain_recall", "short_em", "short_f1",
           "mrr@10", "recall@5", "quote_hit@1")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- cached indexes


def cache_key(listing: list[tuple[str, int]], model: str) -> str:
    """What an index depends on that the cache folder's name records: the corpus file list
    with sizes and the embedder id (not the answering code: answering reads the index)."""
    from tanya_trafficking.embedding import embedder_id

    blob = json.dumps([sorted(listing), embedder_id(model)], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _data(content: str | bytes) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


def cached_settings(cache: Path, name: str, files: dict[str, str | bytes] | None = None,
                    corpus: Path | None = None) -> Settings:
    """Settings of the cached index of a corpus given as ``files`` (relative name -> text, or
    bytes for a PDF, written into the cache folder where they differ) or as an existing
    ``corpus`` folder."""
    from tanya_trafficking.loaders import find_files

    base = Settings.from_env()
    if files is None:
        listing = [(p.relative_to(corpus).as_posix(), p.stat().st_size)
                   for p in find_files(corpus)]
    else:
        listing = [(n, len(_data(t))) for n, t in files.items()]
    folder = cache / f"{name}-{cache_key(listing, base.model)}"
    if files is not None:
        corpus = folder / "corpus"
        for rel, text in files.items():
            path, data = corpus / rel, _data(text)
            if not path.is_file() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    return base.replace(corpus=corpus, index=folder / "index")


def open_bot(settings: Settings, label: str):
    from tanya_trafficking import pipeline

    t0 = time.perf_counter()
    report = pipeline.ensure_index(settings, progress=True)
    log(f"{label}: index {settings.index.parent.name} "
        + (f"built in {time.perf_counter() - t0:.0f} s" if report else "reused"))
    return pipeline.Bot.open(settings)


# --------------------------------------------------------------------------- data


def idk_paragraphs(split: str) -> list[dict]:
    return json.loads((IDK / f"{split}.json").read_text(encoding="utf-8"))


def paragraph_name(context: str) -> str:
    return f"{hashlib.sha1(context.encode('utf-8')).hexdigest()[:12]}.txt"


def idk_items(paragraphs: list[dict]) -> list[tuple]:
    """(EvalItem, paragraph text) per question; answers = the distinct gold texts, () when
    the question is unanswerable."""
    from tanya_trafficking.evaluate import EvalItem

    out = []
    for p in paragraphs:
        for q in p["qas"]:
            golds = () if q["is_impossible"] else tuple(dict.fromkeys(
                a["text"] for a in q["answers"] if a["text"].strip()))
            out.append((EvalItem(q["id"], q["question"], golds), p["context"]))
    return out


def own_items() -> list:
    from tanya_trafficking.evaluate import read_items

    return [i for path in OWN_SETS for i in read_items(path)]


def perda_items() -> list:
    from tanya_trafficking.evaluate import read_items

    return read_items(PERDA_SET)


def grown_files() -> dict[str, str | bytes]:
    """The grown corpus: seed documents (the regulation as PDF bytes), IDK-MRC train+valid
    paragraphs, FacQA passages."""
    from tanya_trafficking.loaders import find_files

    seeds = PROJECT_ROOT / "corpus"
    files: dict[str, str | bytes] = {
        f"seed/{p.relative_to(seeds).as_posix()}":
            p.read_bytes() if p.suffix.lower() == ".pdf" else p.read_text(encoding="utf-8")
        for p in find_files(seeds)}
    for split in ("train", "valid"):
        for p in idk_paragraphs(split):
            files[f"idk/{paragraph_name(p['context'])}"] = p["context"]
    passages, _ = facqa.corpus_files()
    files.update({f"facqa/{n}": t for n, t in passages.items()})
    return files


def read_relabels(files: dict[str, str]) -> dict[str, dict]:
    """eval/grown-relabel.jsonl by question id, each checked: its passage is a grown-corpus
    file that holds one of its new answers (else the run stops: a relabel must be true)."""
    from tanya_trafficking.evaluate import contains_answer

    out = {}
    if not RELABEL.is_file():
        return out
    for line in RELABEL.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        text = files.get(d["passage"])
        if not isinstance(text, str) or not contains_answer(text, tuple(d["answers"])):
            raise SystemExit(f"{RELABEL.name}: {d['id']}: passage {d['passage']} missing or "
                             "without the new answer")
        out[d["id"]] = d
    return out


# --------------------------------------------------------------------------- runs


def compact(result: dict) -> dict:
    """An evaluate() result with its per-question rows cut down: every row keeps its outcome;
    only the wrong ones keep the question, quotes and sources."""
    keep = ("id", "found", "answer_hit", "confidence", "short_answer", "short_f1", "problem")
    rows = [{k: r.get(k) for k in keep} | ({"question": r["question"], "quotes": r["quotes"],
                                           "sources": r.get("sources")} if r["problem"] else {})
            for r in result["questions"]]
    return result | {"questions": rows}


def run_idk(cache: Path, limit: int | None) -> dict:
    from dataclasses import replace

    from tanya_trafficking.evaluate import evaluate

    paragraphs = idk_paragraphs("valid")
    files = {paragraph_name(p["context"]): p["context"] for p in paragraphs}
    bot = open_bot(cached_settings(cache, "idk-valid", files), "idk")
    pairs = idk_items(paragraphs)[:limit]
    systems = facqa.systems(bot)
    out = {"product": compact(evaluate(systems.pop("product"), [i for i, _ in pairs], k=5))}
    # the retrieval baselines: answerable questions, gold = the question's paragraph
    items = [replace(i, source=paragraph_name(ctx)) for i, ctx in pairs if i.answers]
    for name, system in systems.items():
        out[name] = facqa.measure(system, items, answers=False)
    return out


def run_facqa(cache: Path, limit: int | None) -> dict:
    files, names = facqa.corpus_files()
    return facqa.run(cached_settings(cache, "facqa", files), names, "valid+test", limit)


def run_own_seed(cache: Path, limit: int | None) -> dict:
    from tanya_trafficking.evaluate import evaluate

    bot = open_bot(cached_settings(cache, "seed", corpus=PROJECT_ROOT / "corpus"), "own-seed")
    out = compact(evaluate(bot, own_items()[:limit], k=5))
    out["perda"] = compact(evaluate(bot, perda_items()[:limit], k=5))
    return out


def run_own_grown(cache: Path, limit: int | None) -> dict:
    from dataclasses import replace

    from tanya_trafficking.evaluate import evaluate

    files = grown_files()
    relabels = read_relabels(files)
    items = [replace(i, answers=tuple(relabels[i.id]["answers"])) if i.id in relabels else i
             for i in own_items()][:limit]
    bot = open_bot(cached_settings(cache, "grown", files), "own-grown")
    out = compact(evaluate(bot, items, k=5))
    out["perda"] = compact(evaluate(bot, perda_items()[:limit], k=5))
    out["documents"] = len(files)
    out["relabelled"] = sorted(relabels)
    return out


# --------------------------------------------------------------------------- report


def meets(value, floor: tuple[str, float]) -> bool:
    op, bound = floor
    return value is not None and (value >= bound if op == ">=" else value <= bound)


def cell(value, floor: tuple[str, float] | None) -> str:
    """``0.957 (≥0.95 ✓)``: the value, and with a floor the floor and whether it is met."""
    if value is None:
        return "–"
    if floor is None:
        return f"{value:.3f}"
    op, bound = floor
    return f"{value:.3f} ({'≥' if op == '>=' else '≤'}{bound:.2f} " \
           f"{'✓' if meets(value, floor) else '✗'})"


def table_rows(results: dict) -> list[tuple[str, str, dict, int]]:
    """(row label, floor set or '', metrics, questions) in display order."""
    rows = []
    if "idk" in results:
        r = results["idk"]
        rows.append(("IDK-MRC valid", "idk", r["product"], r["product"]["n_questions"]))
        n = r["product"]["n_answerable"]
        rows += [(f"IDK-MRC valid: {s}", "", r[s], n) for s in ("bm25", "dense", "hybrid")]
    if "facqa" in results:
        r = results["facqa"]
        n = r["_meta"]["questions"]
        rows.append(("FacQA valid+test", "facqa", r["product"], n))
        rows += [(f"FacQA valid+test: {s}", "", r[s], n) for s in ("bm25", "dense", "hybrid")]
    if "own" in results:
        r = results["own"]
        rows.append(("own sets, seed corpus", "own-seed", r, r["n_questions"]))
        if "perda" in r:
            rows.append(("Perda set, seed corpus", "", r["perda"], r["perda"]["n_questions"]))
    if "grown" in results:
        r = results["grown"]
        rows.append((f"own sets, grown corpus ({r['documents']} docs)", "own-grown", r,
                     r["n_questions"]))
        if "perda" in r:
            rows.append((f"Perda set, grown corpus ({r['documents']} docs)", "", r["perda"],
                         r["perda"]["n_questions"]))
    return rows


def markdown_table(results: dict) -> tuple[str, int, int]:
    """The table, and how many floors are met out of how many."""
    lines = ["| set | " + " | ".join(COLUMNS) + " | n |",
             "| --- | " + " | ".join("---" for _ in COLUMNS) + " | --- |"]
    met = total = 0
    for label, floor_set, m, n in table_rows(results):
        floors = FLOORS.get(floor_set, {})
        cells = [cell(m.get(c), floors.get(c)) for c in COLUMNS]
        for c, f in floors.items():
            total += 1
            met += meets(m.get(c), f)
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {n} |")
    return "\n".join(lines), met, total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", choices=SETS,
                    help="run only this set (repeatable); default: all four")
    ap.add_argument("--limit", type=int, default=None,
                    help="ask only the first N questions of each set (a quick check)")
    ap.add_argument("--out", type=Path, default=None,
                    help="write the results as JSON here (nothing is written without it)")
    ap.add_argument("--cache", type=Path, default=CACHE,
                    help=f"folder of the cached indexes (default {CACHE})")
    args = ap.parse_args(argv)
    runs = {"idk": run_idk, "facqa": run_facqa, "own": run_own_seed, "grown": run_own_grown}
    results, seconds = {}, {}
    for name in [s for s in SETS if not args.only or s in args.only]:
        t0 = time.perf_counter()
        results[name] = runs[name](args.cache.expanduser(), args.limit)
        seconds[name] = round(time.perf_counter() - t0, 1)
        log(f"{name}: {seconds[name]} s")
    table, met, total = markdown_table(results)
    print(table)
    print(f"\nfloors met: {met} / {total}")
    settings = Settings.from_env()
    results["_meta"] = {"limit": args.limit, "seconds": seconds, "floors_met": met,
                        "floors": total, "model": settings.model,
                        "abstain_threshold": settings.abstain_threshold,
                        "floor_values": FLOORS, "table": table}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

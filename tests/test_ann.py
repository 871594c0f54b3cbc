"""Tests for the FAISS index choice (tanya_trafficking.ann): the size rule, and the recall of
the approximate index against exact search on real e5-small embeddings of FacQA sentences."""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import faiss
import numpy as np
import pytest

from tanya_trafficking import ann, store

FACQA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "facqa"


def _detok(tokens: list[str]) -> str:
    return re.sub(r"\s+([,.;:!?%)\]])", r"\1", " ".join(tokens))


@pytest.fixture(scope="module")
def real_vectors(embedder) -> tuple[np.ndarray, np.ndarray]:
    """(passage vectors, question vectors): real e5-small embeddings of FacQA test sentences."""
    if not FACQA.is_dir():
        pytest.skip(f"FacQA not found at {FACQA}")
    passages, questions = {}, []
    with open(FACQA / "test_preprocess.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            passages.setdefault(_detok(ast.literal_eval(row["passage"])), None)
            questions.append(_detok(ast.literal_eval(row["question"])))
    texts = list(passages)[:240]
    # split passages into sentences too: more, shorter, real vectors
    sentences = [s.strip() for p in texts for s in re.split(r"(?<=[.!?])\s+", p) if s.strip()]
    docs = embedder.embed_passages(sentences[:400])
    queries = np.stack([embedder.embed_query(q) for q in questions[:40]])
    return docs, queries


def exact_top(docs: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(queries @ docs.T), axis=1, kind="stable")[:, :k]


def recall_at(index, docs: np.ndarray, queries: np.ndarray, k: int = 10) -> float:
    _, got = index.search(queries, k)
    want = exact_top(docs, queries, k)
    return float(np.mean([len(set(g) & set(w)) / k for g, w in zip(got, want)]))


def test_rule_picks_flat_below_the_threshold_and_ivf_above() -> None:
    assert ann.kind(0) == ann.kind(1) == ann.kind(ann.FLAT_MAX - 1) == "flat"
    assert ann.kind(ann.FLAT_MAX) == ann.kind(1_000_000) == "ivf"
    assert ann.kind(500, flat_max=100) == "ivf"


def test_ivf_parameters_grow_with_size() -> None:
    n1, p1 = ann.ivf_params(100_000)
    n2, p2 = ann.ivf_params(1_000_000)
    assert (n1, n2) == (632, 2000)
    assert p1 == max(ann.MIN_NPROBE, n1 // ann.PROBE_DIVISOR) == 158
    assert p2 == ann.MAX_NPROBE == 256  # a quarter would be 500: capped
    assert 1 <= p1 <= n1 and p2 <= n2
    assert ann.ivf_params(10)[1] <= ann.ivf_params(10)[0]  # nprobe never exceeds nlist


def test_small_index_is_exact(real_vectors) -> None:
    docs, queries = real_vectors
    index = ann.build(docs)
    assert isinstance(index, faiss.IndexFlatIP)
    assert ann.describe(index) == {"type": "IndexFlatIP", "ntotal": len(docs)}
    assert recall_at(index, docs, queries) == 1.0


def test_store_builds_through_the_rule(real_vectors) -> None:
    docs, _ = real_vectors
    assert ann.describe(store.build_faiss(docs))["type"] == "IndexFlatIP"
    empty = store.build_faiss(np.zeros((0, docs.shape[1]), dtype=np.float32))
    assert empty.ntotal == 0


def test_approximate_index_keeps_recall_on_real_embeddings(real_vectors) -> None:
    docs, queries = real_vectors
    index = ann.build(docs, flat_max=100)  # force the approximate index at this small size
    info = ann.describe(index)
    nlist, nprobe = ann.ivf_params(len(docs))
    assert info == {"type": "IndexIVFSQfp16", "ntotal": len(docs), "nlist": nlist,
                    "nprobe": nprobe}
    assert nprobe < nlist  # really approximate: not every list is visited
    assert recall_at(index, docs, queries) >= 0.95


def test_approximate_index_survives_serialisation_and_reconstructs(real_vectors,
                                                                    tmp_path) -> None:
    """What the store writes and memory-maps: same parameters, stored vectors within float16
    precision, and stable under reuse (a rebuild feeding reconstructed vectors back stores the
    very same codes, so vectors never drift over incremental rebuilds)."""
    docs, queries = real_vectors
    built = ann.build(docs, flat_max=100)
    path = tmp_path / "v.faiss"
    path.write_bytes(faiss.serialize_index(built))
    loaded = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
    assert ann.describe(loaded) == ann.describe(built)
    np.testing.assert_allclose(loaded.reconstruct(7), docs[7], atol=1e-3)
    again = loaded.reconstruct_n(0, len(docs))
    np.testing.assert_allclose(again, docs, atol=1e-3)
    assert not np.array_equal(again, docs)  # really float16: not the float32 input
    rebuilt = ann.build(again, flat_max=100)
    np.testing.assert_array_equal(rebuilt.reconstruct_n(0, len(docs)), again)
    _, a = built.search(queries, 10)
    _, b = loaded.search(queries, 10)
    np.testing.assert_array_equal(a, b)

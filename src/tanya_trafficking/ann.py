"""Which FAISS index to build for n unit vectors, and its search parameters.

* ``n < FLAT_MAX`` (50,000): ``IndexFlatIP``, exact inner-product search (brute force is
  under 10 ms at 50k vectors; nothing to train).
* ``n >= FLAT_MAX``: ``IndexIVFScalarQuantizer`` with float16 codes (inner product),
  ``nlist = 2·sqrt(n)`` k-means lists and ``nprobe = nlist / 4`` lists visited per query,
  between ``MIN_NPROBE`` and ``MAX_NPROBE``. The codes are the vectors themselves
  (``by_residual = False``), so a rebuild that reuses them stores the very same codes, and a
  direct map lets retrieval and vector reuse call ``reconstruct``.

The store memory-maps ``vectors.faiss``; ``nprobe`` is serialised with the index and set again
by ``configure`` (with ``parallel_mode = 1``). Why these numbers (recall and latency at 100k
and 1M, IVF rather than HNSW, float16 codes): docs/scaling.md, "The FAISS index rule".
"""

from __future__ import annotations

import math

import numpy as np

FLAT_MAX = 50_000  # below this many vectors: exact search
LISTS_PER_SQRT = 2  # nlist = LISTS_PER_SQRT * sqrt(n)
PROBE_DIVISOR = 4  # nprobe = nlist / PROBE_DIVISOR ...
MIN_NPROBE = 24  # ... but at least this many lists
MAX_NPROBE = 256  # ... and at most this many (the scan's cost at 1M and beyond)
TRAIN_PER_LIST = 40  # k-means training sample: this many points per list
SEED = 1234


def kind(n: int, flat_max: int = FLAT_MAX) -> str:
    """``"flat"`` (exact) or ``"ivf"`` (approximate) for an index of ``n`` vectors."""
    return "flat" if n < flat_max else "ivf"


def ivf_params(n: int) -> tuple[int, int]:
    """(nlist, nprobe) for an IVF index of ``n`` vectors."""
    nlist = max(1, int(LISTS_PER_SQRT * math.sqrt(n)))
    return nlist, probes(nlist)


def probes(nlist: int) -> int:
    """nprobe for an IVF index with ``nlist`` lists (see the module docstring)."""
    return min(nlist, max(MIN_NPROBE, min(MAX_NPROBE, nlist // PROBE_DIVISOR)))


def build(vectors: np.ndarray, flat_max: int = FLAT_MAX):
    """A FAISS inner-product index holding ``vectors`` (n, dim), chosen by ``kind``."""
    import faiss

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = x.shape
    if kind(n, flat_max) == "flat":
        index = faiss.IndexFlatIP(dim)
        if n:
            index.add(x)
        return index
    nlist, nprobe = ivf_params(n)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_fp16,
                                          faiss.METRIC_INNER_PRODUCT)
    index.by_residual = False  # codes are the vectors themselves in float16: exact round trip
    index.cp.seed = SEED
    sample = min(n, TRAIN_PER_LIST * nlist)
    rows = np.random.default_rng(SEED).choice(n, size=sample, replace=False) \
        if sample < n else np.arange(n)
    index.cp.max_points_per_centroid = TRAIN_PER_LIST
    index.train(x[np.sort(rows)])
    index.add(x)
    index.make_direct_map()  # reconstruct(i) for lexical-only hits and vector reuse
    configure(index)
    return index


def configure(index) -> None:
    """Set the search parameters of ``index`` for its size (no-op for exact indexes)."""
    import faiss

    ivf = faiss.try_extract_index_ivf(index) if not isinstance(index, faiss.IndexFlat) else None
    if ivf is not None:
        # nlist of a built index is fixed; nprobe follows the rule for that nlist
        ivf.nprobe = probes(ivf.nlist)
        # ask searches one question at a time: split its lists over the cores rather than
        # parallelising over queries (1M vectors, nprobe 500: 66-77 -> 46 ms on the busy
        # 2-core machine); same lists scanned, same results
        ivf.parallel_mode = 1


def describe(index) -> dict:
    """What kind of index this is, with its parameters (for reports)."""
    import faiss

    ivf = faiss.try_extract_index_ivf(index) if not isinstance(index, faiss.IndexFlat) else None
    if ivf is None:
        return {"type": "IndexFlatIP", "ntotal": int(index.ntotal)}
    name = type(faiss.downcast_index(index)).__name__
    name = {"IndexIVFScalarQuantizer": "IndexIVFSQfp16"}.get(name, name)
    return {"type": name, "ntotal": int(index.ntotal), "nlist": int(ivf.nlist),
            "nprobe": int(ivf.nprobe)}

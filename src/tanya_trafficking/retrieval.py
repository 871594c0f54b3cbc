"""Question -> ranked ``Hit``s: dense (FAISS) and lexical (BM25) candidates, fused.

Fusion is min-max score fusion: each ranker's scores over its own candidate list are scaled
to 0..1, a candidate missing from one list gets 0 from it, and the fused score is
``alpha * dense + (1 - alpha) * bm25``. On FacQA this beats either ranker alone (README).
Min-max keeps the fused score relative, so abstention looks at the raw scores kept in ``Hit``.

Then the ``RERANK`` best are reranked by what the two rankers cannot see: how much of the
question's concepts (with their synonyms) the chunk covers and whether it holds an answer of
the asked type (``matching``). Weights tuned on FacQA train: MRR@10 0.832 -> 0.843, R@1
0.752 -> 0.772 (README); deeper reranking gained nothing, and each reranked chunk costs its
words' stemming.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embedding import Embedder
from .matching import answers_type, coverage
from .schema import Hit, Query
from .store import LoadedIndex


def _minmax(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi - lo < 1e-9:
        return {i: 1.0 for i in scores}
    return {i: (s - lo) / (hi - lo) for i, s in scores.items()}


RERANK = 10  # how many of the fused best are reranked
COVERAGE_WEIGHT = 0.6
TYPE_WEIGHT = 0.1


def rerank_score(fused: float, query: Query, text: str, lexical,
                 text_terms: set[str] | None = None) -> float:
    """The reranked score, scaled back to 0..1 like the fused score it replaces."""
    return (fused + COVERAGE_WEIGHT * coverage(query, text, lexical, text_terms)
            + TYPE_WEIGHT * answers_type(text, query)) / (1 + COVERAGE_WEIGHT + TYPE_WEIGHT)


@dataclass
class Retriever:
    index: LoadedIndex
    embedder: Embedder
    alpha: float = 0.5
    candidates: int = 50
    rerank: bool = True  # off: the pure fusion (the baselines of benchmarks/facqa.py)

    def dense(self, q: np.ndarray, k: int, allowed: np.ndarray | None = None
              ) -> dict[int, float]:
        """The ``k`` nearest chunks; with ``allowed`` (a boolean mask over the rows) FAISS
        searches only those rows, so a scoped question still gets ``k`` of them."""
        index = self.index.faiss_index
        if index.ntotal == 0:
            return {}
        if allowed is None:
            scores, ids = index.search(q.reshape(1, -1), min(k, index.ntotal))
        else:
            n = int(np.count_nonzero(allowed))
            if n == 0:
                return {}
            scores, ids = index.search(q.reshape(1, -1), min(k, n),
                                       params=_selection(index, allowed))
        return {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0}

    def lexical(self, query_terms: list[str], k: int,
                allowed: np.ndarray | None = None) -> dict[int, float]:
        return dict(self.index.lexical.search(query_terms, k, allowed))

    def lexical_terms(self, query: Query) -> list[str]:
        """Per concept, its first form the corpus knows (else its first form).

        Adding every synonym to BM25 was measured to hurt (MRR@10 0.81 versus 0.86 on
        eval/pertanyaan.jsonl): generic words like "orang" and "manusia" drown the rare ones.
        """
        lex = self.index.lexical
        out: list[str] = []
        for c in query.concepts:
            known = [a for a in c.alternatives if all(lex.doc_freq(t) for t in a)]
            out += (known or c.alternatives)[0]
        return out

    def search(self, query: Query, k: int = 5, allowed: np.ndarray | None = None
               ) -> list[Hit]:
        """The ``k`` best chunks for the parsed question, best first. ``allowed``: a boolean
        mask over the chunk rows (a question scoped to some documents): both rankers pick
        their candidates among these rows only, so the scope does not thin the results."""
        q = self.embedder.embed_query(query.normalized)
        dense = self.dense(q, self.candidates, allowed)
        lex = self.lexical(self.lexical_terms(query), self.candidates, allowed)
        nd, nl = _minmax(dense), _minmax(lex)
        fused = {i: self.alpha * nd.get(i, 0.0) + (1 - self.alpha) * nl.get(i, 0.0)
                 for i in set(dense) | set(lex)}
        # ties (e.g. the weakest BM25 candidate and a chunk BM25 did not find both scale to
        # 0) are broken by the raw scores, then by position
        order = sorted(fused, key=lambda i: (-fused[i], -lex.get(i, 0.0),
                                             -dense.get(i, -1.0), i))
        if self.rerank:
            head = order[:RERANK]
            score = {i: rerank_score(fused[i], query, self.index.chunks[i].text,
                                     self.index.lexical, self.index.chunk_terms(i))
                     for i in head}
            order = sorted(head, key=lambda i: -score[i]) + order[RERANK:]
            fused.update(score)
        order = order[:k]
        missing = [i for i in order if i not in dense]
        if missing:  # raw cosine for lexical-only candidates (used by abstention)
            vecs = np.stack([self.index.faiss_index.reconstruct(i) for i in missing])
            dense.update({i: float(s) for i, s in zip(missing, vecs @ q)})
        return [Hit(self.index.chunks[i], fused[i], dense.get(i, 0.0), lex.get(i, 0.0))
                for i in order]


def _selection(index, allowed: np.ndarray):
    """FAISS search parameters that visit only the rows ``allowed`` marks (a bitmap
    selector; IVF keeps its own ``nprobe``, which the parameters would otherwise reset)."""
    import faiss

    bitmap = np.packbits(np.asarray(allowed, dtype=bool), bitorder="little")
    selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
    ivf = faiss.try_extract_index_ivf(index) if not isinstance(index, faiss.IndexFlat) else None
    if ivf is not None:
        params = faiss.SearchParametersIVF(sel=selector, nprobe=int(ivf.nprobe))
    else:
        params = faiss.SearchParameters(sel=selector)
    params._keep = (bitmap, selector)  # the selector reads the bitmap's memory
    return params

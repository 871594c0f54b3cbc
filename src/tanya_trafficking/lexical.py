"""BM25 over stemmed Indonesian tokens (bm25s + PySastrawi).

Dense vectors find paraphrases; BM25 finds the rare exact words a factoid question hinges on
(names, acronyms like ACTIP, numbers like 156330). On FacQA stemmed BM25 alone beats the dense
model, and the two fused beat both, so the product uses both.

Terms: ``textnorm.tokenize`` (lowercase, numbers normalised), minus stopwords (Sastrawi's list
without a few words that carry meaning in factoid questions), stemmed with Sastrawi. Sastrawi is
slow (about 1 ms a word), so stems are cached per unique word.

On disk the index is bm25s's own folder of JSON and .npy files (saved without pickle).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from .textnorm import tokenize

# Sastrawi's stopword list drops these, but in questions about cases and years they matter.
KEEP_WORDS = {"tahun", "bulan", "hari", "minggu", "banyak", "negara", "orang", "kasus", "anak",
              "wanita", "perempuan", "pria", "hukum", "sebanyak", "jumlah", "berjumlah", "awal",
              "akhir", "besar", "kecil", "tujuan", "baru", "terakhir", "pertama", "kedua",
              "ketiga", "lama", "tinggi", "rendah", "persen"}
# Informal / English question words that Sastrawi's list does not know.
EXTRA_STOPWORDS = {"gak", "ga", "nggak", "enggak", "tu", "tuh", "sih", "dong", "deh", "nih",
                   "kah", "yg", "dgn", "utk", "dr", "dlm", "kyk", "gimana", "gmn", "brp", "apaan",
                   "kenapa", "knp", "ya", "yah", "kak", "min", "what", "which", "who", "whom",
                   "when", "where", "why", "how", "is", "are", "was", "were", "the", "a", "an",
                   "of", "in", "on", "to", "for", "and", "or", "does", "do", "did", "many",
                   "much", "by", "with", "mean", "according", "have", "has", "there", "be", "been",
                   "its", "it", "this", "that", "their", "from", "as", "at", "into", "while",
                   "own", "any", "some", "most", "more", "main", "about", "under", "did", "can"}


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

    words = set(StopWordRemoverFactory().get_stop_words())
    return frozenset((words - KEEP_WORDS) | EXTRA_STOPWORDS)


@lru_cache(maxsize=1)
def _stemmer():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    if not word.isalpha() or len(word) <= 3:
        return word
    return _stemmer().stem(word) or word


def terms(text: str) -> list[str]:
    """The BM25 terms of a text: tokens minus stopwords, stemmed."""
    stop = stopwords()
    return [stem(t) for t in tokenize(text) if t not in stop]


class LexicalIndex:
    def __init__(self, retriever):
        self._bm25 = retriever
        self.vocab: dict[str, int] = dict(retriever.vocab_dict)
        self.n_docs = int(retriever.scores.get("num_docs", 0))

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25(k1=1.2, b=0.75)
        # An empty document gets a placeholder term so ids stay aligned with chunk rows.
        corpus = [terms(t) or ["\x00"] for t in texts]
        retriever.index(corpus, show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> LexicalIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=mmap, allow_pickle=False,
                                   show_progress=False))

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 score of every document for the (already analysed) query terms."""
        known = [t for t in query_terms if t in self.vocab]
        if not known:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def search(self, query_terms: list[str], k: int) -> list[tuple[int, float]]:
        s = self.scores(query_terms)
        if not len(s):
            return []
        k = min(k, len(s))
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.argsort(-s[top], kind="stable")]
        return [(int(i), float(s[i])) for i in top if s[i] > 0]

    def idf(self, term: str) -> float:
        """A BM25-style idf for a term (0 for unknown terms), for sentence scoring."""
        import math

        df = self.doc_freq(term)
        if df == 0:
            return 0.0
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def idf_unknown(self) -> float:
        """The idf of a term no document contains: a question term the corpus lacks counts
        heavily against the answer's coverage."""
        import math

        return math.log(1 + (self.n_docs + 0.5) / 0.5)

    def doc_freq(self, term: str) -> int:
        idx = self.vocab.get(term)
        if idx is None:
            return 0
        indptr = self._bm25.scores["indptr"]
        return int(indptr[idx + 1] - indptr[idx])

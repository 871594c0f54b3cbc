"""BM25 over stemmed Indonesian tokens (bm25s + PySastrawi).

Dense vectors find paraphrases; BM25 finds the rare exact words a factoid question hinges on
(names, acronyms like ACTIP, numbers like 156330). On FacQA stemmed BM25 alone beats the dense
model, and the two fused beat both, so the product uses both.

Terms: ``textnorm.tokenize`` (lowercase, numbers normalised), minus stopwords (Sastrawi's list
without a few words that carry meaning in factoid questions), stemmed with Sastrawi. Sastrawi is
slow (about 1 ms a word), so stems are cached per unique word.

On disk the index is bm25s's own folder of JSON and .npy files (saved without pickle).
Beside it every generation keeps a ``TermTable``: the analysed terms of every chunk, as ids
into a vocabulary. Analysing text (tokenising and Sastrawi stemming) costs about 0.3 ms per
chunk even with the stem cache warm, while bm25s indexes term ids about ten times faster; so a
rebuild copies the rows of unchanged files from the old table and analyses only new chunks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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


EMPTY_TERM = "\x00"  # an empty document's placeholder term, so ids stay aligned with chunk rows


@dataclass
class TermTable:
    """The BM25 terms of n documents: ``ids[offsets[i]:offsets[i + 1]]`` are document i's term
    ids into ``vocab``. Saved as two .npy arrays and a JSON list (no pickle)."""

    vocab: list[str]
    ids: np.ndarray  # uint32, all documents' term ids, concatenated
    offsets: np.ndarray  # int64, n + 1

    FILES = ("ids.npy", "offsets.npy", "vocab.json")

    @classmethod
    def from_lists(cls, docs: list[list[str]]) -> TermTable:
        vocab: dict[str, int] = {}
        flat = [vocab.setdefault(t, len(vocab)) for doc in docs for t in doc]
        offsets = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum([len(doc) for doc in docs], out=offsets[1:])
        return cls(list(vocab), np.asarray(flat, dtype=np.uint32), offsets)

    @classmethod
    def from_texts(cls, texts) -> TermTable:
        return cls.from_lists([terms(t) or [EMPTY_TERM] for t in texts])

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def doc(self, i: int) -> list[str]:
        """Document ``i``'s terms."""
        ids = self.ids[int(self.offsets[i]):int(self.offsets[i + 1])].tolist()  # one read
        return [self.vocab[j] for j in ids]

    def rows(self, start: int, end: int) -> TermTable:
        """Documents ``start..end-1`` (same vocabulary, ids copied)."""
        a, b = int(self.offsets[start]), int(self.offsets[end])
        return TermTable(self.vocab, np.array(self.ids[a:b]),
                         np.asarray(self.offsets[start:end + 1], dtype=np.int64) - a)

    @classmethod
    def concat(cls, parts: list[TermTable]) -> TermTable:
        """The parts' documents in order, over one vocabulary holding only the terms used."""
        vocab: dict[str, int] = {}
        ids, offsets, base = [], [np.zeros(1, dtype=np.int64)], 0
        for part in parts:
            remap = np.array([vocab.setdefault(t, len(vocab)) for t in part.vocab] or [0],
                             dtype=np.uint32)
            ids.append(remap[part.ids])
            offsets.append(part.offsets[1:] + base)
            base += int(part.offsets[-1])
        flat = np.concatenate(ids) if ids else np.zeros(0, dtype=np.uint32)
        words = list(vocab)
        used = np.zeros(len(words), dtype=bool)
        used[flat] = True
        new_id = np.cumsum(used, dtype=np.int64) - 1
        return cls([w for w, u in zip(words, used) if u], new_id[flat].astype(np.uint32),
                   np.concatenate(offsets))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "ids.npy", np.ascontiguousarray(self.ids, dtype=np.uint32))
        np.save(folder / "offsets.npy", np.ascontiguousarray(self.offsets, dtype=np.int64))
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False),
                                           encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> TermTable:
        mode = "r" if mmap else None
        return cls(json.loads((folder / "vocab.json").read_text(encoding="utf-8")),
                   np.load(folder / "ids.npy", mmap_mode=mode, allow_pickle=False),
                   np.load(folder / "offsets.npy", mmap_mode=mode, allow_pickle=False))


class LexicalIndex:
    def __init__(self, retriever):
        self._bm25 = retriever
        self.vocab: dict[str, int] = dict(retriever.vocab_dict)
        self.n_docs = int(retriever.scores.get("num_docs", 0))
        # vocabulary-sized, read per term by doc_freq (hundreds of times per answer): in RAM
        # rather than through the memory map; the postings themselves stay mapped
        self._indptr = np.asarray(retriever.scores["indptr"]) if self.n_docs else None

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        return cls.from_table(TermTable.from_texts(texts))

    @classmethod
    def from_table(cls, table: TermTable) -> LexicalIndex:
        """BM25 over already analysed documents (bm25s indexes the term ids directly)."""
        import bm25s
        from bm25s.tokenization import Tokenized

        retriever = bm25s.BM25(k1=1.2, b=0.75)
        ids = np.asarray(table.ids, dtype=np.int64)
        cuts = np.asarray(table.offsets, dtype=np.int64)
        docs = [ids[cuts[i]:cuts[i + 1]].tolist() for i in range(len(table))]
        vocab = {t: i for i, t in enumerate(table.vocab)}
        retriever.index(Tokenized(ids=docs, vocab=vocab), show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> LexicalIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=mmap, allow_pickle=False,
                                   show_progress=False))

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 score of every document for the (already analysed) query terms.

        bm25s's own ``get_scores`` adds each term's postings with ``np.add.at``, ~10x slower
        than plain fancy-index addition; within one term's postings every document appears
        once, so ``+=`` is exact and adds in the same order (the same float32 sums).
        """
        scores = np.zeros(self.n_docs, dtype=np.float32)
        store = self._bm25.scores
        data, indices = store["data"], store["indices"]
        for t in query_terms:  # repeated terms count repeatedly, as in bm25s
            idx = self.vocab.get(t)
            if idx is None:
                continue
            a, b = int(self._indptr[idx]), int(self._indptr[idx + 1])
            scores[indices[a:b]] += data[a:b]
        return scores

    def search(self, query_terms: list[str], k: int,
               allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` best documents with a score > 0, best first; equal scores in document
        order (lower position first), so the result never depends on how a selection
        algorithm happens to break ties.

        Only documents holding a query term are ranked (BM25 scores are never negative):
        at 1M documents that skips selecting over the whole array, and ``s > 0`` is listed
        three times faster than ``np.flatnonzero(s)`` on floats (2 vs 6-8 ms for ~200k
        matching documents; a partition of all 1M scores, mostly zeros, took 19 ms).

        ``allowed``: a boolean mask over the documents; only those are ranked (a question
        scoped to some corpus documents, ``documents.row_mask``)."""
        s = self.scores(query_terms)
        hits = np.flatnonzero(s > 0 if allowed is None else (s > 0) & allowed)
        if not len(hits) or k <= 0:
            return []
        vals = s[hits]
        if len(hits) > k:
            kth = np.partition(vals, len(vals) - k)[len(vals) - k]  # k-th largest score
            keep = np.flatnonzero(vals >= kth)  # k and any ties with the k-th
            hits, vals = hits[keep], vals[keep]
        order = np.lexsort((hits, -vals))[:k]  # score descending, then position
        return [(int(hits[i]), float(vals[i])) for i in order]

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
        return int(self._indptr[idx + 1] - self._indptr[idx])

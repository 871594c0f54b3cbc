"""The small typed records that flow through the pipeline.

Read top-down, they are the whole data model:

    Document (one source file, cleaned, split into Pages)
      -> Chunk (a sentence-aligned window of one page, with provenance)
    Query (a user's question, parsed once: normalised, typed, split into Concepts)
      -> Hit (a chunk retrieved for a question, with its scores)
      -> Quote (a verbatim sentence span of a chunk, checked against the source)
      -> Answer (what the user sees: text citing [1], [2] ... and the quotes, with the Query
         that was searched and what to highlight in each quote)

Everything here is plain data: no I/O, no heavy imports.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Page:
    """One page of a document. ``number`` is 1-based for PDFs and ``None`` for text files."""

    number: int | None
    text: str  # cleaned text (textnorm.clean), the text every quote is checked against


@dataclass(frozen=True)
class Document:
    source: str  # path relative to the corpus folder, with forward slashes
    sha256: str  # hash of the raw file bytes
    pages: tuple[Page, ...]


@dataclass(frozen=True)
class Skipped:
    """A corpus file that could not be indexed, and why (in Indonesian, shown to users)."""

    source: str
    reason: str


@dataclass(frozen=True)
class Chunk:
    id: str  # stable: derived from source, page, span and text
    source: str
    page: int | None
    start: int  # character span in the cleaned page text
    end: int
    text: str

    @staticmethod
    def make_id(source: str, page: int | None, start: int, end: int, text: str) -> str:
        h = hashlib.sha1(f"{source}\x00{page}\x00{start}\x00{end}\x00{text}".encode()).hexdigest()
        return h[:16]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> Chunk:
        return cls(**d)


@dataclass(frozen=True)
class Concept:
    """One thing the question asks about; satisfied by any of its alternative term tuples.

    ``entity`` marks a name or a number (a capitalised word that does not start the question,
    or digits): when the corpus never mentions it, the documents cannot answer the question.
    """

    alternatives: tuple[tuple[str, ...], ...]
    entity: bool = False

    def satisfied_by(self, terms: set[str]) -> bool:
        return any(all(t in terms for t in alt) for alt in self.alternatives)

    def all_terms(self) -> list[str]:
        return [t for alt in self.alternatives for t in alt]


@dataclass(frozen=True)
class Query:
    """A question as ``query.parse`` reads it (with a follow-up's context, when it has one)."""

    original: str
    normalized: str  # informal words and typos fixed; what the dense model embeds
    qtype: str  # a name of qtypes.TABLE, or "apa"
    concepts: tuple[Concept, ...]

    @property
    def terms(self) -> list[str]:
        """Every BM25 term of every concept, once."""
        return list(dict.fromkeys(t for c in self.concepts for t in c.all_terms()))


Span = tuple[int, int, str]  # (start, end, "answer" | "term"): a highlight in a quote's text


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused score, 0..1 (min-max within the candidate set)
    dense: float  # raw cosine similarity of question and chunk
    lexical: float  # raw BM25 score


@dataclass(frozen=True)
class Quote:
    text: str  # exact substring of the cleaned source text
    source: str
    page: int | None
    chunk_id: str
    score: float
    start: int = 0  # span of the quote in the cleaned page text
    end: int = 0

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "source": self.source,
            "page": self.page,
            "chunk_id": self.chunk_id,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Answer:
    question: str
    found: bool
    text: str  # the answer as shown to the user, citing quotes as [1], [2] ...
    quotes: tuple[Quote, ...] = ()  # the cited quotes, or when not found the closest passages
    confidence: float = 0.0  # the reader's probability that the answer is in the documents
    hits: tuple[Hit, ...] = field(default=(), repr=False)  # reranked by the reader
    short_answer: str | None = None  # the reader's span, a substring of quotes[0] ...
    short_start: int | None = None  # ... at these character offsets
    short_end: int | None = None
    # The parsed question that was searched (a follow-up's with its context): parsed once, in
    # ``pipeline.Bot.ask``; None for an Answer built elsewhere.
    query: Query | None = field(default=None, repr=False)
    context: str | None = None  # the previous question a follow-up was searched with, else None
    # Per quote, the spans to mark (highlight.quote_highlights), from ``query``.
    highlights: tuple[tuple[Span, ...], ...] = field(default=(), repr=False)

    def to_json(self) -> dict:
        """The answer for scripts (``ask --json``); ``query``, ``context`` and ``highlights``
        are not part of it."""
        out = {
            "question": self.question,
            "found": self.found,
            "answer": self.text,
            "short_answer": None,
            "confidence": round(self.confidence, 4),
            "quotes": [q.to_json() for q in self.quotes],
        }
        if self.short_answer is not None:
            out["short_answer"] = {"text": self.short_answer, "start": self.short_start,
                                   "end": self.short_end}
        return out

"""Split cleaned pages into sentence-aligned, overlapping windows (``Chunk``s).

Why sentence-aligned: every answer is a verbatim quote of whole sentences, so a chunk must never
cut a sentence in half. Why windows with overlap: a question whose answer spans two sentences
still finds both in one chunk. Why per page: a quote carries one page number.

A window grows sentence by sentence until adding the next one would pass ``max_chars`` (or
the model's token limit, through the ``fits`` callback); the next window starts ``overlap``
sentences before the end of the previous one. A single sentence longer than the limit is cut
at whitespace so that no chunk is silently truncated by the embedding model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .schema import Chunk, Document
from .textnorm import split_sentences


def _hard_split(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Cut an over-long span at whitespace into pieces of at most ``max_chars``."""
    while end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars)
        if cut <= start:
            cut = start + max_chars
        yield start, cut
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        yield start, end


def windows(
    text: str,
    max_chars: int,
    overlap: int,
    fits: Callable[[str], bool] = lambda s: True,
) -> list[tuple[int, int]]:
    """Character spans of the chunks of ``text``."""
    sentences: list[tuple[int, int]] = []
    for s, e in split_sentences(text):
        if e - s > max_chars or not fits(text[s:e]):
            limit = max_chars
            pieces = list(_hard_split(text, s, e, limit))
            while not all(fits(text[a:b]) for a, b in pieces) and limit > 50:
                limit //= 2
                pieces = list(_hard_split(text, s, e, limit))
            sentences.extend(pieces)
        else:
            sentences.append((s, e))

    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(sentences):
        j = i + 1
        while j < len(sentences):
            start, end = sentences[i][0], sentences[j][1]
            if end - start > max_chars or not fits(text[start:end]):
                break
            j += 1
        spans.append((sentences[i][0], sentences[j - 1][1]))
        if j >= len(sentences):
            break
        i = max(j - overlap, i + 1)
    return spans


def chunk_document(
    doc: Document,
    max_chars: int = 500,
    overlap: int = 1,
    fits: Callable[[str], bool] = lambda s: True,
) -> list[Chunk]:
    chunks = []
    for page in doc.pages:
        for start, end in windows(page.text, max_chars, overlap, fits):
            text = page.text[start:end]
            cid = Chunk.make_id(doc.source, page.number, start, end, text)
            chunks.append(Chunk(cid, doc.source, page.number, start, end, text))
    return chunks

"""The surrounding text of a quote, for the chat's "Lihat bagian sekitarnya"
(``pipeline.Bot.passage``)."""

from __future__ import annotations

from dataclasses import dataclass

from .schema import Quote


@dataclass(frozen=True)
class Passage:
    """The surrounding text of a quote: its chunk (widened to hold the whole quote)."""

    source: str
    page: int | None
    text: str
    quote_start: int  # the quote's span inside ``text``
    quote_end: int
    more_before: bool = False  # the page goes on before / after the passage
    more_after: bool = False


def passage_for(index, quote: Quote) -> Passage:
    """The chunk a quote came from, with the quote's position in it. ``index``: the
    ``store.LoadedIndex`` that answered."""
    page = index.page_text(quote.source, quote.page) or ""
    chunk = index.chunk_by_id(quote.chunk_id)  # a binary search over chunks.ids.npy
    if chunk is not None and page:
        start, end = min(chunk.start, quote.start), max(chunk.end, quote.end)
    elif page:
        start, end = max(0, quote.start - 300), min(len(page), quote.end + 300)
    else:
        return Passage(quote.source, quote.page, quote.text, 0, len(quote.text))
    text = page[start:end]
    return Passage(quote.source, quote.page, text, quote.start - start, quote.end - start,
                   bool(page[:start].strip()), bool(page[end:].strip()))

"""Show a quote where it stands in its document: "Lihat sumber" in the chat.

* A PDF quote: its page rendered as an image (pdfium, in the time- and memory-limited worker of
  ``pdfworker.py``) with the quote's characters covered by semi-transparent boxes (found by
  ``pagematch.py``). A quote that cannot be found is shown as text under the page, without
  boxes; a page that cannot be rendered is a reason in Indonesian, never an error.
* A text-file quote: the document text around it, the quote's span marked.

A source is named by ``source_id`` (a hash of its corpus name) and a page: ``source_view``
serves only documents and pages of the index it is given, never a path from a request, and
opens the PDF through ``loaders``' guards (regular file inside the corpus) after checking
that its bytes are those the index was built from. Rendered pages are kept in a small LRU
cache keyed by (file hash, page, quote).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from . import loaders, pdfworker
from . import ui_text as ui
from .pagematch import Box
from .schema import Quote

SOURCE_ID_CHARS = 16  # hex digits of sha256(source name)
MAX_QUOTE_CHARS = 5_000  # a longer span is not a quote of this index
TEXT_CONTEXT_CHARS = 1_500  # a text file's passage: this much before and after the quote
CACHE_PAGES = 32  # rendered pages kept (about 100-300 KB each)
CONCURRENT_RENDERS = 2  # workers at once (each may use PDF_MEMORY_LIMIT_BYTES)


def source_id(source: str) -> str:
    """The id of a corpus document in links: a hash of its name, never the name or a path."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:SOURCE_ID_CHARS]


def source_link(quote: Quote) -> str | None:
    """The relative URL of a quote's source view: ``sumber/<source id>/<page or 0>/<start>-<end>``
    (``web/server.py`` serves it; ``.png`` appended: the page image). None for a quote without
    a span."""
    if quote.end <= quote.start:
        return None
    return f"sumber/{source_id(quote.source)}/{quote.page or 0}/{quote.start}-{quote.end}"


# --------------------------------------------------------------------------- the view


@dataclass(frozen=True)
class PageImage:
    """A rendered PDF page: PNG bytes, their size, and the highlight boxes drawn on it."""

    png: bytes
    width: int
    height: int
    boxes: tuple[Box, ...]

    @property
    def located(self) -> bool:
        return bool(self.boxes)


@dataclass(frozen=True)
class SourceView:
    """What the source viewer shows for one quote."""

    source: str
    page: int | None
    quote: str
    is_pdf: bool
    image: PageImage | None = None  # a PDF page, rendered
    problem: str | None = None  # why a PDF page is not shown (Indonesian)
    text: str = ""  # a text file: the passage around the quote ...
    quote_start: int = 0  # ... and the quote's span in it
    quote_end: int = 0
    more_before: bool = False
    more_after: bool = False


def find_source(index, sid: str) -> str | None:
    """The corpus name of the document of ``index`` whose id is ``sid``, or None."""
    for doc in index.manifest.get("documents") or []:
        source = doc.get("source")
        if isinstance(source, str) and source_id(source) == sid:
            return source
    return None


def source_view(index, corpus: Path, sid: str, page: int, start: int,
                end: int) -> SourceView | None:
    """The view of the quote at [start, end) of page ``page`` (0: a text file) of the document
    ``sid`` of ``index`` (a ``store.LoadedIndex``); None when the index has no such document,
    page or span. PDF pages are rendered (``page_image``)."""
    source = find_source(index, sid)
    if source is None:
        return None
    number = page or None
    text = index.page_text(source, number)
    if not text or not 0 <= start < end <= len(text) or end - start > MAX_QUOTE_CHARS:
        return None
    quote = text[start:end]
    if number is not None and source.lower().endswith(".pdf"):
        sha = (index.manifest.get("files") or {}).get(source)
        result = page_image(corpus, source, sha, number, quote, start / len(text))
        if isinstance(result, str):
            return SourceView(source, number, quote, True, problem=result)
        return SourceView(source, number, quote, True, image=result)
    a = _snap_back(text, max(0, start - TEXT_CONTEXT_CHARS), start)
    b = _snap_forward(text, min(len(text), end + TEXT_CONTEXT_CHARS), end)
    return SourceView(source, number, quote, False, text=text[a:b], quote_start=start - a,
                      quote_end=end - a, more_before=bool(text[:a].strip()),
                      more_after=bool(text[b:].strip()))


def _snap_back(text: str, at: int, limit: int) -> int:
    """``at`` moved forward to the start of a line (else of a word), never past ``limit``."""
    if at == 0:
        return 0
    line = text.find("\n", at, limit)
    if line >= 0:
        return line + 1
    space = text.find(" ", at, limit)
    return space + 1 if space >= 0 else at


def _snap_forward(text: str, at: int, limit: int) -> int:
    """``at`` moved back to the end of a line (else of a word), never before ``limit``."""
    if at >= len(text):
        return len(text)
    line = text.rfind("\n", limit, at)
    if line >= 0:
        return line
    space = text.rfind(" ", limit, at)
    return space if space >= 0 else at


# --------------------------------------------------------------------------- rendering


_cache: OrderedDict[tuple[str, int, str], PageImage] = OrderedDict()
_cache_lock = threading.Lock()
_renders = threading.BoundedSemaphore(CONCURRENT_RENDERS)
_hashes: dict[tuple, str] = {}  # (dev, inode, size, mtime, ctime) -> sha256 of a PDF


def page_image(corpus: Path, source: str, sha256: str | None, page: int, quote: str,
               hint: float = 0.0) -> PageImage | str:
    """Page ``page`` of the corpus PDF ``source`` rendered with ``quote`` highlighted, or the
    reason it cannot be shown (Indonesian). The file is opened through the corpus guards and
    must still be the file the index read (``sha256``); rendering runs in the limited worker.
    Cached by (sha256, page, quote)."""
    if not sha256:
        return ui.SOURCE_NOT_IN_INDEX
    key = (sha256, page, quote)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        with loaders.open_checked(corpus / source, corpus) as f:
            st = os.fstat(f.fileno())
            if st.st_size > loaders.PDF_MAX_BYTES:
                return loaders.reason_too_big(st.st_size, loaders.PDF_MAX_BYTES)
            stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            if stamp not in _hashes:  # hashed once per version of the file
                if len(_hashes) > 256:
                    _hashes.clear()
                _hashes[stamp] = loaders.stream_sha256(f)
            if _hashes[stamp] != sha256:
                return ui.SOURCE_CHANGED
            with _renders:
                result = pdfworker.render_page(f.fileno(), page, quote, hint)
    except loaders.Refused as e:
        return e.reason
    except OSError as e:
        return loaders.os_error_reason(e)
    if isinstance(result, str):
        return result
    image = PageImage(result["png"], result["width"], result["height"],
                      tuple(tuple(b) for b in result["boxes"]))
    with _cache_lock:
        _cache[key] = image
        while len(_cache) > CACHE_PAGES:
            _cache.popitem(last=False)
    return image


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()

"""Show a quote where it stands in its document: "Lihat sumber" in the chat.

* A PDF quote: its page rendered as an image (pdfium, in the time- and memory-limited worker of
  ``pdfworker.py``) with the quote's characters covered by semi-transparent boxes. The quote is
  the cleaned text of pypdf's text layer (``loaders``, ``textnorm.clean``); pdfium reads the
  page's text on its own, with other spaces, line breaks and hyphens, so both are compared as
  their letters and digits only (``normalised``), which maps back to pdfium's character
  indices (``locate``). A quote that cannot be found is shown as text under the page, without
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
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from . import ui_text as ui
from .schema import Quote

SOURCE_ID_CHARS = 16  # hex digits of sha256(source name)
MAX_QUOTE_CHARS = 5_000  # a longer span is not a quote of this index
TEXT_CONTEXT_CHARS = 1_500  # a text file's passage: this much before and after the quote
ANCHOR_CHARS = 40  # a quote found only in part: its first and last letters, this many
MIN_ANCHOR_CHARS = 12
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


# --------------------------------------------------------------------------- locating text


def normalised(text: str) -> tuple[str, list[int]]:
    """The letters and digits of ``text`` (NFKC, case-folded) and, for each, the index of the
    character of ``text`` it came from: spaces, line breaks, hyphens and punctuation drop out,
    so two extractions of one page compare equal."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            if ch.isalnum():
                out.append(ch.lower())
                where.append(i)
            continue
        for c in unicodedata.normalize("NFKC", ch).casefold():
            if c.isalnum():
                out.append(c)
                where.append(i)
    return "".join(out), where


def _occurrences(hay: str, needle: str) -> list[int]:
    found, at = [], hay.find(needle)
    while at >= 0:
        found.append(at)
        at = hay.find(needle, at + 1)
    return found


def locate(page_chars: str, quote: str, hint: float = 0.0) -> tuple[int, int] | None:
    """The span [first, last + 1) of ``page_chars`` (one string, one character per pdfium
    character) that holds ``quote``, compared by letters and digits only; ``hint`` (0..1, the
    quote's relative position in the cleaned page) picks among repeats. When the whole quote
    is not there (the two text extractions disagree inside it), its first and last
    ``ANCHOR_CHARS`` letters are searched, in order and about the quote's length apart.
    None when neither is found."""
    hay, where = normalised(page_chars)
    needle, _ = normalised(quote)
    if len(needle) < 3 or not hay:
        return None
    target = hint * len(hay)
    starts = _occurrences(hay, needle)
    if starts:
        at = min(starts, key=lambda s: abs(s - target))
        return where[at], where[at + len(needle) - 1] + 1
    k = min(ANCHOR_CHARS, len(needle) // 3)
    if k < MIN_ANCHOR_CHARS:
        return None
    heads, tails = _occurrences(hay, needle[:k]), _occurrences(hay, needle[-k:])
    pairs = [(h, t) for h in heads for t in tails
             if 0.8 * len(needle) <= t + k - h <= 1.25 * len(needle)]
    if not pairs:
        return None
    h, t = min(pairs, key=lambda p: abs(p[0] - target))
    return where[h], where[t + k - 1] + 1


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in image pixels, y downwards


def line_boxes(boxes: list[Box], pad: float = 1.5) -> list[Box]:
    """Character boxes (in reading order) merged into one box per line: a character joins the
    current line when it overlaps it vertically by half its height. Empty boxes are skipped."""
    lines: list[list[float]] = []
    for x0, y0, x1, y1 in boxes:
        if x1 - x0 <= 0 or y1 - y0 <= 0:
            continue
        if lines:
            lx0, ly0, lx1, ly1 = lines[-1]
            overlap = min(ly1, y1) - max(ly0, y0)
            if overlap >= 0.5 * min(ly1 - ly0, y1 - y0) and x0 >= lx0 - 2 * (y1 - y0):
                lines[-1] = [min(lx0, x0), min(ly0, y0), max(lx1, x1), max(ly1, y1)]
                continue
        lines.append([x0, y0, x1, y1])
    return [(a - pad, b - pad, c + pad, d + pad) for a, b, c, d in lines]


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
    from . import loaders, pdfworker

    if not sha256:
        return ui.SOURCE_NOT_IN_INDEX
    key = (sha256, page, quote)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        with loaders._open_checked(corpus / source, corpus) as f:
            st = os.fstat(f.fileno())
            if st.st_size > loaders.PDF_MAX_BYTES:
                return loaders.reason_too_big(st.st_size, loaders.PDF_MAX_BYTES)
            stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            if stamp not in _hashes:  # hashed once per version of the file
                if len(_hashes) > 256:
                    _hashes.clear()
                _hashes[stamp] = loaders._stream_sha256(f)
            if _hashes[stamp] != sha256:
                return ui.SOURCE_CHANGED
            with _renders:
                result = pdfworker.render_page(f.fileno(), page, quote, hint)
    except loaders._Refused as e:
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

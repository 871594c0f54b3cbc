"""Where a quote lies in a PDF page's text, and the boxes that cover it.

The quote is the cleaned text of pypdf's text layer (``loaders``, ``textnorm.clean``); pdfium
reads the page's text on its own, with other spaces, line breaks, hyphens and ligatures, so
both are compared as their letters and digits only (``normalised``), which maps back to
pdfium's character indices (``locate``). The located characters' boxes become one box per line
(``line_boxes``). Pure text and arithmetic: ``pdfworker.py`` calls it inside its worker.
"""

from __future__ import annotations

import unicodedata

ANCHOR_CHARS = 40  # a quote found only in part: its first and last letters, this many
MIN_ANCHOR_CHARS = 12


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

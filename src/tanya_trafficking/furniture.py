"""Page furniture: the running headers, footers and page numbers of a paged document.

A PDF's text layer holds, on every page, lines that are not part of the text: a page number
(``-2-``, ``Halaman 3 dari 10``), a running title, a footer such as an electronic-signature
notice. Left in, they become "sentences" that are quoted as answers, and they glue onto the
sentence that runs across a page break. ``strip_furniture`` removes them from the raw page
text, before cleaning, so the stored page text (against which quotes are verified) never holds
them. They are recognised by repetition, never by their wording:

* a line that stands among the first or last ``EDGE_LINES`` lines of at least half the pages
  (and of at least ``MIN_REPEATS`` pages) is a header or footer, unless it also occurs
  elsewhere in the text much more often (a phrase such as "Cukup jelas." that many pages
  merely start or end with);
* a short line (at most ``NUMBERED_MAX_WORDS`` words, not ending like a sentence) whose shape
  (its digits masked) recurs at the page edges with a number that follows the page number
  (the number minus the page's index is the same on at least half the pages, and on at least
  two) is a page number or a numbered header ("-7-", "Halaman 7 dari 38", "Laporan 2024 |
  7"). A heading such as "Pasal 23" that happens to open a page does not keep step with the
  page numbers, so it stays.

A line is removed only where it is furniture and nothing but furniture (or blank lines) stands
between it and the top or the bottom of its page, so a line of text that happens to repeat
near an edge, below the running header or above the footer, stays. A document of fewer than
``MIN_PAGES`` pages has no furniture that can be told from text.
"""

from __future__ import annotations

import math
import re
from collections import Counter

EDGE_LINES = 4  # non-blank lines at the top and at the bottom of a page where furniture sits
MIN_PAGES = 2  # fewer pages cannot show repetition
MIN_REPEATS = 3  # a header or footer line repeats on at least this many pages
SHARE = 0.5  # ... and on at least this share of the pages
ELSEWHERE = 1.25  # occurrences in the whole text per edge page allowed for a repeated line
NUMBERED_MAX_WORDS = 8  # a numbered header or footer is a short line
_DIGITS = re.compile(r"\d{1,5}")
_SENTENCE_END = re.compile(r"[.!?;:]\W*$")


def _key(line: str) -> str:
    return " ".join(line.split()).casefold()


def _edges(lines: list[str]) -> list[int]:
    """Indexes of the first and last EDGE_LINES non-blank lines."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))


def _numbered(line: str, page: int) -> set[tuple[str, int]]:
    """(the line with its digits masked, number - page) for each number of a short line that
    does not end like a sentence."""
    key = _key(line)
    if len(key.split()) > NUMBERED_MAX_WORDS or _SENTENCE_END.search(key):
        return set()
    masked = _DIGITS.sub("#", key)
    return {(masked, int(n) - page) for n in _DIGITS.findall(key)}


def furniture_lines(pages: list[tuple[int, str]]) -> list[set[int]]:
    """For each (page number, raw text), the indexes of its lines (``text.split("\\n")``)
    that are page furniture."""
    n = len(pages)
    if n < MIN_PAGES:
        return [set() for _ in pages]
    lines = [text.split("\n") for _, text in pages]
    edges = [_edges(ls) for ls in lines]
    at_edge: Counter[str] = Counter()
    numbered: Counter[tuple[str, int]] = Counter()
    for (number, _), ls, idx in zip(pages, lines, edges):
        at_edge.update({_key(ls[i]) for i in idx})
        numbered.update(set().union(*(_numbered(ls[i], number) for i in idx)))
    everywhere = Counter(_key(line) for ls in lines for line in ls if line.strip())
    repeated = {k for k, c in at_edge.items()
                if c >= max(MIN_REPEATS, math.ceil(SHARE * n)) and everywhere[k] <= ELSEWHERE * c}
    need = max(2, math.ceil(SHARE * n))
    steps = {k for k, c in numbered.items() if c >= need}
    out = []
    for (number, _), ls, idx in zip(pages, lines, edges):
        def furniture(i: int, ls=ls, number=number) -> bool:
            return _key(ls[i]) in repeated or bool(_numbered(ls[i], number) & steps)

        filled = [i for i in range(len(ls)) if ls[i].strip()]
        drop: set[int] = set()
        for run in (filled[:EDGE_LINES], filled[::-1][:EDGE_LINES]):  # from the top, the bottom
            for i in run:
                if not furniture(i):
                    break
                drop.add(i)
        out.append(drop)
    return out


def strip_furniture(pages: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The pages (1-based number, raw text) without their furniture lines."""
    out = []
    for (number, text), drop in zip(pages, furniture_lines(pages)):
        if drop:
            text = "\n".join(line for i, line in enumerate(text.split("\n")) if i not in drop)
        out.append((number, text))
    return out

"""Scored sentences (``candidates.py``) -> an extractive ``Answer``: verbatim sentences,
cited, or an abstention. The bot never writes its own claims.

1. With the answer reader's evidence per sentence (``sentence_evidence``), a sentence the
   reader is sure of is the answer and its span the short answer (``reader_pick``).
2. Otherwise the rules choose: the best typed candidate, plus close runners-up and the items
   of a list it introduces, at most ``max_quotes``, never duplicated (``choose_quotes``). A
   sentence that only introduces a list (it ends in ":") is never quoted without its items:
   not as a runner-up, and among the closest passages shown after an abstention it brings
   them.
3. Each quote is checked to be an exact substring of the cleaned source page.
4. Abstention: below the calibrated confidence, when a name, number or focus of the question
   is missing from the answer's page, or when no candidate has the answer type the question
   demands, the bot says it did not find the answer and shows the closest passages as
   "mungkin terkait". ``pipeline.Bot.ask`` then adds the reader's check and short answer to
   the rules' choices (``add_short_answer``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from . import qtypes
from . import ui_text as ui
from .candidates import (Candidate, block_coverage, confidence, continuation, follows_best,
                         missing_entities, missing_names, score_candidates)
from .lexical import LexicalIndex, terms
from .matching import answers_type
from .schema import Answer, Hit, Query, Quote
from .textnorm import display_name, split_sentences

# --- the quotes ----------------------------------------------------------------------------


def make_quote(text: str, hit: Hit, start: int, end: int, score: float) -> Quote:
    return Quote(text, hit.chunk.source, hit.chunk.page, hit.chunk.id, score, start, end)


def verify_quote(quote: Quote, page_text: str | None) -> bool:
    """A quote is valid only if it is exactly the cleaned source text at its span."""
    return page_text is not None and page_text[quote.start:quote.end] == quote.text \
        and quote.text in page_text


def choose_quotes(q: Query, cands: list[Candidate], follows: list[tuple[int, int, str]],
                  max_quotes: int) -> list[Quote]:
    """The best sentence, the sentences that continue it (``follows_best``), then close
    runners-up of the asked type."""
    best = cands[0]
    chosen = [make_quote(best.text, best.hit, best.start, best.end, best.score)]
    for s, e, t in follows:
        chosen.append(make_quote(t, best.hit, s, e, best.score))
    limit = max(max_quotes, len(chosen))
    best_terms = set(terms(best.text))
    entities = [e for e in q.concepts if e.entity and e.satisfied_by(best_terms)]
    for c in cands[1:]:
        if len(chosen) >= limit:
            break
        if c.score < 0.85 * best.score or c.coverage <= 0:
            break
        if not answers_type(c.text, q) or introduces(c.text):
            continue
        c_terms = set(terms(c.text))
        if not all(e.satisfied_by(c_terms) for e in entities):  # "2022" asked, "2023" is not it
            continue
        if any(c.text == x.text or (c.hit.chunk.source == x.source and c.start == x.start)
               for x in chosen):
            continue
        chosen.append(make_quote(c.text, c.hit, c.start, c.end, c.score))
    return chosen[:limit]


def introduces(text: str) -> bool:
    """A sentence that only introduces what follows it ("... bersumber dari:")."""
    return text.rstrip().endswith(":")


def related_quotes(cands: list[Candidate], page_text, count: int = 2) -> list[Quote]:
    """The closest passages shown after an abstention: the ``count`` best candidates, a
    list's introduction with its items."""
    out: list[Quote] = []
    for c in cands[:count]:
        block = [(c.start, c.end, c.text)]
        if introduces(c.text):
            page = page_text(c.hit.chunk.source, c.hit.chunk.page) or ""
            block += continuation(page, c.end)
        for s, e, t in block:
            if not any((x.source, x.start) == (c.hit.chunk.source, s) for x in out):
                out.append(make_quote(t, c.hit, s, e, c.score))
    return out


def _where(q: Quote) -> str:
    name = display_name(q.source)
    return ui.TEXT_SOURCE_PAGE.format(file=name, page=q.page) if q.page is not None else name


def render(quotes: list[Quote], found: bool, short: str | None = None) -> str:
    lines = []
    if found:
        if short:
            lines += [ui.TEXT_SHORT_ANSWER.format(short=short), ""]
        lines.append(ui.LEAD_FOUND)
        lines += [f"«{x.text}» [{i}]" for i, x in enumerate(quotes, 1)]
    else:
        lines.append(ui.TEXT_NOT_FOUND)
        if quotes:
            lines.append("")
            lines.append(ui.LEAD_RELATED)
            lines += [f"«{x.text}» [{i}]" for i, x in enumerate(quotes, 1)]
    if quotes:
        lines.append("")
        lines.append(ui.TEXT_SOURCES)
        lines += [f"[{i}] {_where(x)}" for i, x in enumerate(quotes, 1)]
    return "\n".join(lines)


# --- the reader's part ---------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """The reader's best span inside one sentence, in page characters, with its evidence
    (``reader.SpanRead``)."""

    evidence: float
    start: int
    end: int


def sentence_evidence(hits: list[Hit], reads) -> dict[tuple, Evidence]:
    """``reads`` (``reader.PassageRead`` per hit, of ``split_sentences`` of each chunk) by
    (source, page, sentence start in the page), as candidates are keyed; a sentence two
    overlapping chunks share keeps its best reading."""
    out: dict[tuple, Evidence] = {}
    for hit, read in zip(hits, reads):
        c = hit.chunk
        for (s, _), span in zip(split_sentences(c.text), read.sentences):
            if span is None:
                continue
            key = (c.source, c.page, c.start + s)
            if key not in out or span.evidence > out[key].evidence:
                out[key] = Evidence(span.evidence, c.start + span.start, c.start + span.end)
    return out


def rerank(hits: list[Hit], reads, weight: float) -> list[Hit]:
    """The hits reordered by retrieval score + ``weight`` x the reader's answer probability
    of their chunk (``reads`` aligned with ``hits``)."""
    order = sorted(range(len(hits)), key=lambda i: -(hits[i].score + weight * reads[i].p_answer))
    return [hits[i] for i in order]


# The reader was trained to find short spans (names, numbers, dates, terms); a reason, a
# manner (``QType.whole_sentence``) or a list is a whole sentence or more, which the rules choose.
_LIST_ASKED = re.compile(r"\b(apa|siapa|mana)(kah)? saja\b|\bsebutkan\b|\bwhat are\b", re.I)


def asks_for_span(q: Query) -> bool:
    return not qtypes.qtype(q.qtype).whole_sentence and not _LIST_ASKED.search(q.normalized)


def reader_pick(q: Query, typed: list[Candidate], evidence: dict[tuple, Evidence],
                switch: float) -> tuple[Candidate, Evidence] | None:
    """The sentence the reader is sure holds the answer: the most evident one, if its
    evidence reaches ``switch`` and the chunk the reader read names every name and number the
    question does (a sentence itself often says "Ia" where the question names someone)."""
    if not asks_for_span(q):
        return None
    scored = [(evidence[k], c) for c in typed
              if (k := (c.hit.chunk.source, c.hit.chunk.page, c.start)) in evidence]
    if not scored:
        return None
    ev, best = max(scored, key=lambda x: x[0].evidence)
    if ev.evidence < switch or missing_names(q, best.hit.chunk.text):
        return None
    return best, ev


# --- the answer ----------------------------------------------------------------------------


def answer(q: Query, hits: list[Hit], lexical: LexicalIndex, page_text,
           threshold: float, max_quotes: int = 3, evidence: dict[tuple, Evidence] | None = None,
           switch: float = 2.0) -> Answer:
    """Build the extractive answer. ``page_text(source, page)`` returns cleaned page text.
    With the reader's ``evidence`` (``sentence_evidence``), a sentence it is sure of
    (``reader_pick``) is the answer, its span the short answer; otherwise the rules choose."""
    cands = score_candidates(q, hits, lexical)
    typed = [c for c in cands if answers_type(c.text, q)]
    picked = reader_pick(q, typed, evidence or {}, switch)
    span = None
    if picked is not None:
        best, span = picked
        typed = [best] + [c for c in typed if c is not best]
        follows = follows_best(q, best, page_text)
        conf = span.evidence
    else:
        best = typed[0] if typed else None
        follows = follows_best(q, best, page_text) if best is not None else []
        if best is None or missing_entities(
                q, page_text(best.hit.chunk.source, best.hit.chunk.page) or best.hit.chunk.text):
            conf = 0.0
        else:
            conf = confidence(block_coverage(q, best, follows, lexical), hits)
    found = best is not None and (span is not None or conf >= threshold)
    if found:
        quotes = choose_quotes(q, typed, follows, max_quotes)
    else:
        quotes = related_quotes(cands, page_text)
    quotes = [x for x in quotes if verify_quote(x, page_text(x.source, x.page))]
    if found and not quotes:
        found = False
    result = Answer(q.original, found, render(quotes, found), tuple(quotes), conf, tuple(hits))
    if found and span is not None and (quotes[0].source, quotes[0].start) == (
            best.hit.chunk.source, best.start):
        result = with_short_answer(result, span.start - best.start, span.end - best.start)
    return result


# --- the short answer ----------------------------------------------------------------------


def add_short_answer(result: Answer, reading, gate: float = 0.0,
                     in_passage: float = 0.0) -> Answer:
    """The reader's answer span inside the first quote (``reading``: ``reader.ReadResult`` of
    the question over that quote's text) becomes the short answer. When the reader doubts the
    quote both read alone (answer probability) and read in its passage (``in_passage``: the
    sentence's ``Evidence`` from the chunk reading, 0 when it was not read), that is both are
    below ``gate``, the bot abstains instead and the first two quotes are shown as "mungkin
    terkait" (all of them when those two hold a list's lead-in: it keeps its items). A sentence
    alone loses what its passage said before it ("Ia", "tahun itu")."""
    if not result.found or reading is None:
        return result
    if max(1.0 - reading.no_answer, in_passage) < gate:
        quotes = result.quotes if any(introduces(x.text) for x in result.quotes[:2]) \
            else result.quotes[:2]
        return replace(result, found=False, text=render(list(quotes), False), quotes=quotes)
    return with_short_answer(result, reading.start, reading.end)


def with_short_answer(result: Answer, start: int, end: int) -> Answer:
    """The answer with characters [start, end) of its first quote, grown to whole words, as
    its short answer."""
    quote = result.quotes[0].text
    start, end = whole_words(quote, start, end)
    if end <= start:
        return result
    short = quote[start:end]
    return replace(result, text=render(list(result.quotes), True, short), short_answer=short,
                   short_start=start, short_end=end)


_EDGE = ",.;:!?\"'”’«»-–— \n\t"


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """A span grown to whole words and stripped of the punctuation at its edges: the reader
    reads word pieces, so its span can stop inside a word ("Person" of "Persons") or take the
    comma after one ("2015,"). An unclosed bracket at an end is dropped too."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    span = text[start:end]
    if span.endswith(")") and "(" not in span:
        end -= 1
    if span.startswith("(") and ")" not in span:
        start += 1
    return start, end

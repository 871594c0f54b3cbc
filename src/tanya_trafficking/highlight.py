"""What to mark in a quote: the words that answer the question and the question's own words.

Computed once per answer, in ``pipeline.Bot.ask``, from the very ``Query`` that was searched
(a follow-up's with its context), and carried by ``Answer.highlights``; the web chat only lays
the spans out (``web/render.py``).
"""

from __future__ import annotations

import re

from . import qtypes
from .lexical import terms
from .matching import CITATION, country_pattern
from .schema import Answer, Query, Span
from .textnorm import tokenize

_HL_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_HL_NUMBER = re.compile(r"\d[\d.,]*\d(?:\s?%)?|\d(?:\s?%)?")
_HL_NUMBER_WORDS = re.compile(r"\s*(?:persen|ribu|juta|miliar|triliun)\b", re.I)
_HL_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def quote_highlights(answer: Answer, query: Query) -> tuple[tuple[Span, ...], ...]:
    """Highlights per quote of ``answer``; in the first quote of an answer with a short answer,
    that span is the one marked as the answer (the question's words stay marked around it)."""
    spans = [highlight_spans(query, q.text) for q in answer.quotes]
    if answer.found and answer.short_answer is not None and spans:
        s, e = answer.short_start, answer.short_end
        words = [x for x in spans[0] if x[2] != "answer" and (x[1] <= s or x[0] >= e)]
        spans[0] = sorted(words + [(s, e, "answer")])
    return tuple(tuple(sp) for sp in spans)


def highlight_spans(query: Query, text: str) -> list[Span]:
    """Spans of ``text`` to highlight for the parsed question ``query``, sorted, never
    overlapping.

    ``"answer"``: what the question type asks for (a number for *berapa*, a year for *kapan*, a
    country for *negara mana*, the spelled-out name for *kepanjangan*, the reason for
    *mengapa*). ``"term"``: words sharing a stem with the question's words.
    """
    q = query
    wanted = set(q.terms)
    answers: list[tuple[int, int]] = []
    cited = [m.span() for m in CITATION.finditer(text)]
    outside = lambda s, e: not any(a <= s and e <= b for a, b in cited)  # noqa: E731
    marks = qtypes.qtype(q.qtype).marks
    if marks == "number":
        for m in _HL_NUMBER.finditer(text):
            end = m.end()
            tail = _HL_NUMBER_WORDS.match(text, end)
            if tail:
                end = tail.end()
            elif _HL_YEAR.fullmatch(m.group()):  # "pada tahun 2024": when, not how many
                continue
            if outside(m.start(), end):
                answers.append((m.start(), end))
    elif marks == "year":
        answers += [m.span() for m in _HL_YEAR.finditer(text) if outside(*m.span())]
    elif marks == "country":
        answers += [m.span() for m in country_pattern().finditer(text.lower())]
    elif marks == "expansion":
        for acronym in re.findall(r"\b[A-Z]{2,}\b", q.normalized):
            answers += _expansion_spans(text, acronym)
    elif marks == "reason":
        answers += [m.span() for m in qtypes.REASON_CLAUSE.finditer(text)]
    asked = set(tokenize(q.original))  # "tahun 2023" in the question is not the answer
    spans = [(s, e, "answer") for s, e in answers
             if e > s and not set(tokenize(text[s:e])) <= asked]
    for m in _HL_WORD.finditer(text):
        if any(s < m.end() and m.start() < e for s, e, _ in spans):
            continue
        if wanted.intersection(terms(m.group())):
            spans.append((m.start(), m.end(), "term"))
    spans.sort()
    merged: list[Span] = []
    for s, e, kind in spans:
        if merged and s < merged[-1][1]:  # overlapping answers: join them
            ps, pe, pk = merged[-1]
            merged[-1] = (ps, max(pe, e), "answer" if "answer" in (pk, kind) else pk)
        else:
            merged.append((s, e, kind))
    return merged


def _expansion_spans(text: str, acronym: str) -> list[tuple[int, int]]:
    """Where ``text`` spells out ``acronym`` before "(ACRONYM)": the words whose initials,
    read backwards, hold the acronym's letters ("ASEAN Convention Against Trafficking in
    Persons (ACTIP)")."""
    out = []
    for m in re.finditer(rf"\(\s*{re.escape(acronym)}\s*\)", text):
        words = list(_HL_WORD.finditer(text[:m.start()]))[-3 * len(acronym):]
        need = list(acronym.upper())
        start = None
        for w in reversed(words):
            if not need:
                break
            if w.group()[0].upper() == need[-1]:
                need.pop()
                start = w.start()
        if not need and start is not None:
            out.append((start, words[-1].end()))
    return out

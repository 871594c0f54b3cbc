"""How well a text answers a parsed question: the pure scoring both retrieval and answering use.

* ``coverage``: the idf-weighted share of the question's concepts a text mentions (names and
  numbers count double; a synonym or an English word counts like the word itself, see
  ``query.Concept``).
* ``answers_type``: whether a text holds what the question type asks for (a number for
  ``berapa``, a date for ``kapan``, an expansion for ``kepanjangan``, a country for
  ``negara mana``).

Retrieval reranks its best chunks with these (a chunk that covers the question and holds an
answer of the asked type beats one that only shares its words); answering scores sentences
with them.
"""

from __future__ import annotations

import re
import weakref
from functools import lru_cache

from . import qtypes
from .lexical import LexicalIndex, stem, stopwords
from .schema import Concept, Query
from .textnorm import tokenize

# --- answer types ------------------------------------------------------------------------

# (UNODC, 2004), (cnbc.2022): a name, then a year. "(1890-1979)" or "Tony Gunawan (2001)" hold
# no name inside the brackets: those years are facts, not sources
CITATION = re.compile(r"\([^()]*[^\W\d_][^()]*\b(19|20)\d{2}\)")


@lru_cache(maxsize=1)
def country_pattern() -> re.Pattern[str]:
    """Any country name of the vocabulary (kosakata.json 'countries'), as a whole word, on
    lowercased text; longest names first so "korea selatan" wins over "korea"."""
    from .query import vocabulary

    names = sorted(vocabulary()["countries"], key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b")


def has_answer_type(sentence: str, qtype: str) -> bool:
    """Whether a sentence holds the kind of thing the question type asks for.

    Years inside a citation ("(CTDC, 2023)") say when a source was written, not when
    something happened, so they do not count as a number or a date.
    """
    holds = qtypes.qtype(qtype).holds
    if holds is None:
        return True
    sentence = CITATION.sub("", sentence)
    if holds == qtypes.COUNTRY:
        return bool(country_pattern().search(sentence.lower()))
    return bool(holds.search(sentence))


def expands(sentence: str, acronym: str) -> bool:
    """Whether a sentence spells out ``acronym``: "... Nations (ASEAN)" or its initials in order."""
    if f"({acronym})" in sentence:
        return True
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", sentence) if w[0].isupper())
    return len(acronym) >= 3 and acronym in initials


# --- coverage ---------------------------------------------------------------------------


# per loaded index, concept -> weight: coverage is asked of every candidate chunk and
# sentence of an answer, and the weights only change with the index (weak keys: an index
# dropped after a rebuild takes its memo with it)
_WEIGHTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_WEIGHTS_MAX = 10_000


def concept_weight(concept: Concept, lexical: LexicalIndex) -> float:
    """The idf of a concept's most specific known form; a concept the corpus never mentions
    weighs the most, so a question about an absent thing cannot look covered."""
    memo = _WEIGHTS.setdefault(lexical, {})
    if concept not in memo:
        if len(memo) >= _WEIGHTS_MAX:
            memo.clear()
        memo[concept] = _concept_weight(concept, lexical)
    return memo[concept]


def _concept_weight(concept: Concept, lexical: LexicalIndex) -> float:
    known = [min(lexical.idf(t) for t in alt) for alt in concept.alternatives
             if all(lexical.doc_freq(t) for t in alt)]
    return max(known) if known else lexical.idf_unknown()


ENTITY_WEIGHT = 2.0  # names and numbers are what a factoid question hinges on ("2022")
PARTIAL_CREDIT = 0.7  # a term seen only inside a longer word ("anggota" in "keanggotannya")


def asked_terms(q: Query, words: list[str]) -> set[str]:
    """The terms of ``words`` that can be terms of the question, without stemming the rest.

    Coverage only asks which of the question's terms a text has, and Sastrawi takes ~1-3 ms
    per word it has not seen (most of an answer's time on a new question). Indonesian affixes
    wrap the root and change at most its first letter ("menulis" -> "tulis", "menyebabkan" ->
    "sebab"), so a word can only stem to a term ``t`` if it contains ``t`` minus its first
    letter; other words are skipped. Same result as ``set(terms(text))`` restricted to them.
    """
    keys = {t[1:] if len(t) > 3 else t for t in q.terms}
    stop = stopwords()
    return {stem(w) for w in words if w not in stop and any(k in w for k in keys)}


def coverage(q: Query, text: str, lexical: LexicalIndex,
             text_terms: set[str] | None = None) -> float:
    """Share of the question's concepts, idf-weighted, that ``text`` mentions (``text_terms``:
    its BM25 terms when already known, e.g. a stored chunk's)."""
    if not q.concepts:
        return 0.0
    words = tokenize(text)
    sentence_terms = asked_terms(q, words) if text_terms is None else text_terms
    got = total = 0.0
    for concept in q.concepts:
        w = concept_weight(concept, lexical) * (ENTITY_WEIGHT if concept.entity else 1.0)
        total += w
        if concept.satisfied_by(sentence_terms):
            got += w
        elif any(len(t) >= 5 and any(t in word for word in words)
                 for alt in concept.alternatives if len(alt) == 1 for t in alt):
            got += PARTIAL_CREDIT * w
    return got / total if total else 0.0


def _unasked_capitalised(text: str, q: Query) -> list[str]:
    """The capitalised words of ``text`` (not sentence-initial) the question does not use."""
    asked = {w.lower() for w in re.findall(r"\w+", q.normalized)}
    return [w for w in re.findall(r"\w+", text)[1:] if w[:1].isupper() and w.lower() not in asked]


def new_names(text: str, q: Query) -> bool:
    """Whether ``text`` names someone or something (a capitalised word, not sentence-initial)
    that the question does not already name: what a "siapa" answer needs."""
    return bool(_unasked_capitalised(text, q))


def names_a_person(text: str, q: Query) -> bool:
    """Whether ``text`` holds a name the question does not: a capitalised word that is neither
    an Indonesian root word ("Akhirnya", "Kata"), nor an English word the vocabulary knows
    ("Human", "Trafficking"), nor an acronym. What "Siapa nama ...?" needs."""
    common = _common_words()
    return any(not w.isupper() and w.lower() not in common and stem(w.lower()) not in common
               for w in _unasked_capitalised(text, q))


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Indonesian root words and the vocabulary's English words (~30k; built once)."""
    from .query import _roots, vocabulary

    return _roots() | frozenset(vocabulary()["english"])


def acronyms(q: Query) -> list[str]:
    return re.findall(r"\b[A-Z]{2,}\b", q.normalized)


def cites_asked_source(text: str, q: Query) -> bool:
    """Whether a citation in ``text`` names a source the question names: then its year is
    what "dikutip dari UNODC tahun berapa?" asks for, not noise to ignore."""
    names = {w.lower() for w in re.findall(r"\b[A-Z][\w-]+", q.normalized)[1:]}
    names |= {a.lower() for a in acronyms(q)}
    return any(names & {w.lower() for w in re.findall(r"[\w-]+", m.group())}
               for m in CITATION.finditer(text))


def answers_type(text: str, q: Query) -> bool:
    """The question type's hard requirement on an answer sentence."""
    if q.qtype == "siapa" and re.search(r"\bnama\b", q.normalized, re.I):
        return names_a_person(text, q)
    if q.qtype == "kapan" and cites_asked_source(text, q):
        return bool(qtypes.DATE.search(text))
    if q.qtype == "kepanjangan" and acronyms(q):
        return any(expands(text, a) for a in acronyms(q))
    if q.qtype == "berapa" and re.search(r"persen|%|percent", q.normalized, re.I):
        return bool(re.search(r"%|persen", CITATION.sub("", text), re.I))
    return has_answer_type(text, q.qtype)

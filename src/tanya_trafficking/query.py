"""Understand a user's question: normalise it, expand it, and say what kind of answer it wants.

Users type "brp kasus trafiking thn 2023?", "kepanjngan ACTP apa?" or English. The corpus says
"Pada tahun 2023 kasus human traficking sebanyak 156,330 ribu kasus." Three cheap steps bridge
the gap before any model is involved, each driven by the data file ``data/kosakata.json``:

1. informal spellings -> standard words (``thn`` -> ``tahun``), whole words only;
2. typos -> the closest corpus word (Damerau-Levenshtein 1 for words up to 5 letters, 2 above),
   only for words the corpus does not have and that are not in Sastrawi's dictionary of
   Indonesian roots, so a real but absent word ("Filipina", "resep") is never "corrected" into
   a corpus word, which would make an unanswerable question look answerable;
3. concepts: each content word (or synonym phrase, e.g. "perdagangan orang" ~ "TPPO" ~ "human
   trafficking", or an English word's Indonesian equivalent) becomes one ``schema.Concept`` with
   its alternative stemmed forms. Answer coverage counts concepts, not raw words, so a synonym
   never counts against a sentence.

The question type (``berapa``, ``kapan``, ``negara`` ...) is read from the normalised text.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from .followup import combine
from .lexical import stem, stopwords
from .qtypes import question_type
from .schema import Concept, Query
from .textnorm import tokenize


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    text = resources.files("tanya_trafficking").joinpath("data/kosakata.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _roots() -> frozenset[str]:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return frozenset(StemmerFactory().get_words())


# --- typos -------------------------------------------------------------------------------


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition costs 1), stopping past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


class Speller:
    """Typo correction against the corpus words (plus the words of ``kosakata.json``).

    Candidates share the first letter and are within the edit limit in length: typos rarely
    hit a word's first letter, and the buckets keep a look-up to a few hundred comparisons
    even for a corpus of a million chunks. Capitalised words that are not acronyms are names
    ("Filipina", "Johny") and are never corrected.
    """

    def __init__(self, known: dict[str, int]):
        vocab = vocabulary()
        words = dict(known)
        own = vocab["frame"] + list(vocab["informal"].values()) + vocab["countries"] \
            + [w for group in vocab["synonyms"] for w in group]
        for word in own:  # the vocabulary's own words are words, never typos ("TPPO")
            if " " not in word:
                words.setdefault(word, 0)
        self.known = words
        self._buckets: dict[tuple[int, str], list[tuple[str, int]]] = {}
        for w, f in words.items():
            if w:
                self._buckets.setdefault((len(w), w[0]), []).append((w, f))

    def correct(self, word: str) -> str:
        """The corpus word a typo most likely meant, or ``word`` itself (lowercase in, out)."""
        if len(word) < 4 or not word.isalpha() or word in self.known or word in stopwords():
            return word
        if word in _roots() or stem(word) in _roots() or word in vocabulary()["english"]:
            return word
        limit = 1 if len(word) <= 5 else 2
        best, best_key = word, None
        for n in range(len(word) - limit, len(word) + limit + 1):
            for cand, freq in self._buckets.get((n, word[0]), ()):
                d = edit_distance(word, cand, limit)
                if d <= limit and (best_key is None or (d, -freq) < best_key):
                    best, best_key = cand, (d, -freq)
        return best


# --- parsing -----------------------------------------------------------------------------


def _replace_words(text: str, mapping: dict[str, str]) -> str:
    def sub(m: re.Match) -> str:
        return mapping.get(m.group(0).lower(), m.group(0))

    return re.sub(r"[\w-]+", sub, text)


def _phrase_terms(phrase: str) -> tuple[str, ...]:
    return tuple(stem(t) for t in tokenize(phrase) if t not in stopwords())


def normalize(question: str, speller: Speller | None = None) -> str:
    text = _replace_words(question, vocabulary()["informal"])
    if speller:
        text = re.sub(r"[A-Za-z]+", lambda m: _spell(m.group(0), speller), text)
    return re.sub(r"\s+", " ", text).strip()


def _spell(word: str, speller: Speller) -> str:
    if word[:1].isupper() and not word.isupper():
        return word  # a name, not a typo
    return _fix_case(word, speller.correct(word.lower()))


def _fix_case(original: str, fixed: str) -> str:
    if fixed == original.lower():
        return original
    return fixed.upper() if original.isupper() else fixed


def _entities(text: str) -> set[str]:
    """Lowercased tokens written as names (capitalised, not first) or numbers in ``text``."""
    out = set()
    words = re.findall(r"[\w'-]+", text)
    for i, w in enumerate(words):
        if any(ch.isdigit() for ch in w) or (i > 0 and w[:1].isupper()):
            out.update(tokenize(w))
    return out


def parse(question: str, speller: Speller | None = None, context: str | None = None) -> Query:
    """Parse a question; ``context`` (the previous question of a follow-up) adds its concepts
    and its words to the text the dense model embeds, but not its question type. A follow-up
    that puts a new topic in the previous question's place ("Bagaimana dengan UN Women?") is
    the previous question with that topic instead, its type included (``followup.combine``)."""
    vocab = vocabulary()
    typed = question
    if context:
        question, typed = combine(context, question)
    qtype = question_type(normalize(typed, speller).lower())
    normalized = normalize(question, speller)
    entities = _entities(normalized)
    low = normalized.lower()

    concepts: list[Concept] = []
    rest = f" {low} "
    groups = sorted(vocab["synonyms"], key=lambda g: -max(len(p) for p in g))
    for group in groups:
        for phrase in sorted(group, key=len, reverse=True):
            pattern = rf"(?<![\w-]){re.escape(phrase)}(?![\w-])"
            if re.search(pattern, rest):
                alts = tuple(dict.fromkeys(a for a in (_phrase_terms(p) for p in group) if a))
                concepts.append(Concept(alts))
                rest = re.sub(pattern, " ", rest)
                break
    for frame in vocab["frame"]:
        rest = re.sub(rf"(?<![\w-]){re.escape(frame)}(?![\w-])", " ", rest)
    # a multi-word name ("Asia Tenggara", "UN Women") is one concept: all its words together
    for run in re.findall(r"\b[A-Z][\w]*(?:\s+[A-Z][\w]*)+", normalized):
        run_terms = _phrase_terms(run)
        pattern = rf"(?<![\w-]){re.escape(run.lower())}(?![\w-])"
        if len(run_terms) >= 2 and re.search(pattern, rest):
            concepts.append(Concept((run_terms,), entity=False))
            rest = re.sub(pattern, " ", rest)
    english = vocab["english"]
    for token in tokenize(rest):
        if token in stopwords() and token not in english:
            continue
        alts = [(stem(token),)]
        if token in english:
            alts += [a for a in [_phrase_terms(english[token])] if a]
        if token in stopwords() and len(alts) == 1:
            continue
        concepts.append(Concept(tuple(dict.fromkeys(alts)), entity=token in entities))
    unique = tuple(dict.fromkeys(concepts))
    return Query(question, normalized, qtype, unique)


# English function words no Indonesian question uses: a question with two of them is English.
_ENGLISH = frozenset("what which who whom whose when where why how is are was were does do did "
                     "the of for to from has have had can could".split())


def is_english(question: str) -> bool:
    """Whether the question is written in English ("What does ACTIP stand for?")."""
    return sum(w in _ENGLISH for w in tokenize(question)) >= 2

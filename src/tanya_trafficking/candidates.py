"""The rules' side of answering: every sentence of the top chunks scored for a question.

1. Every sentence of the top chunks is a candidate, but for questions in the text (like the
   article's own "Negara Manakah yang paling banyak kasusnya?"), headings (``is_heading``: a
   line such as «BAB I», «Pasal 5», «NOMOR 6 TAHUN 2025» or «Modus perekrutan» is the
   context of what follows, never an answer by itself) and lines without a word ("-2-").
2. A candidate scores by how much of the question's idf-weighted terms it covers, the fused
   retrieval score of its chunk, and its question type's bonus (``qtypes``): a number for
   ``berapa``, a year for ``kapan``, an expansion for ``kepanjangan``...
3. The best sentence brings the sentences that continue it (``continuation``: a list it
   introduces, with its nested lists, "Akan tetapi, ..."), and the block's coverage with the
   dense similarity of the best chunks is the rules' ``confidence``.
4. ``missing_entities``: a name, number or focus of the question that the answer's page never
   mentions means the documents cannot answer it.

``answering.answer`` turns these into the quoted answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import qtypes
from .lexical import LexicalIndex, terms
from .matching import acronyms, answers_type, coverage, expands, new_names
from .query import vocabulary
from .schema import Concept, Hit, Query
from .textnorm import (continues_from_before, has_words, is_heading, is_question, list_style,
                       split_sentences)

# --- candidates --------------------------------------------------------------------------


@dataclass
class Candidate:
    hit: Hit
    rank: int
    start: int  # span in the page text
    end: int
    text: str
    coverage: float = 0.0
    score: float = 0.0


def _whole_line(text: str, s: int, e: int) -> bool:
    return (s == 0 or text[s - 1] == "\n") and (e == len(text) or text[e] == "\n")


def answerable_sentence(text: str, whole_line: bool = True) -> bool:
    """Whether a sentence may be an answer: not a question, not a line without a word, and not
    a heading (which only a whole line can be)."""
    return not is_question(text) and has_words(text) and not (whole_line and is_heading(text))


def _candidates(hits: list[Hit]) -> list[Candidate]:
    seen: dict[tuple, Candidate] = {}
    for rank, hit in enumerate(hits):
        c = hit.chunk
        for s, e in split_sentences(c.text):
            text = c.text[s:e]
            if not answerable_sentence(text, _whole_line(c.text, s, e)):
                continue
            if (c.page or 1) > 1 and c.start + s == 0 and continues_from_before(text):
                continue  # the tail of the previous page's sentence: not a sentence alone
            key = (c.source, c.page, c.start + s)
            if key not in seen:
                seen[key] = Candidate(hit, rank, c.start + s, c.start + e, text)
    return list(seen.values())


# After "berapa" comes what is counted (a noun: "anggaran", "korban"); after "kapan" or
# "siapa" usually a verb ("Kapan itu *ditandatangani*?"), which documents often put in other
# words ("didirikan"), so those are not checked.
_FOCUS_AFTER = re.compile(r"\b(berapa(?:kah)?|how many|how much)\b\s+(.*)")
_FOCUS_BEFORE = re.compile(r"\b([\w-]+)\s+(mana|manakah|which)\b")


def focus(q: Query) -> Concept | None:
    """The thing a fact question is after: the first content word after "berapa" ("Berapa
    *anggaran* ASEAN ...", "Berapa jumlah *korban* ...", frame words skipped) or the word
    before "mana" ("Di *universitas* mana ..."), as the question's concept holding it."""
    low = q.normalized.lower()
    words: list[str] = []
    if m := _FOCUS_BEFORE.search(low):
        words = [m.group(1)]
    elif m := _FOCUS_AFTER.search(low):
        words = re.findall(r"[\w-]+", m.group(2))
    frame = set(vocabulary()["frame"])
    for word in words:
        stems = terms(word)
        if not stems or word in frame:
            continue  # a stopword ("yang", "banyak") or a frame word ("jumlah", "nama")
        return next((c for c in q.concepts if any(stems[0] in alt for alt in c.alternatives)),
                    None)
    return None


def missing_names(q: Query, text: str) -> list[Concept]:
    """The question's names and numbers that ``text`` does not mention."""
    found = set(terms(text))
    return [c for c in q.concepts if c.entity and not c.satisfied_by(found)]


def missing_entities(q: Query, source_text: str) -> list[Concept]:
    """What the question is about that the answer's own page does not mention: its names and
    numbers ("Filipina", "2024"), and the focus of a fact question ("Berapa *anggaran* ASEAN
    ...?", "Di *universitas* mana ...?"). A page that never speaks of the Philippines cannot
    say how many cases the Philippines had, however close its sentence about 2023 is. (The
    page, not the corpus: once a corpus holds more than a few documents, some other document
    mentions nearly every name.)"""
    missing = missing_names(q, source_text)
    f = focus(q)
    if f is not None and f not in missing and not f.satisfied_by(set(terms(source_text))):
        missing.append(f)
    return missing


_ROLE_ASKED = re.compile(r"\bperan\w*|\brole\b", re.I)
_ROLE = re.compile(r"\b(sebagai|menjadi|berperan)\b", re.I)
_ONLY_ASKED = re.compile(r"\b(hanya|sekadar|sekedar|cuma|only)\b", re.I)
_ONLY = re.compile(r"\b(hanya|sekadar|sekedar|semata)\b", re.I)


def _cue_bonus(text: str, q: Query) -> float:
    """Cues any question type can carry: "apa peran X" is answered by "X ... sebagai/menjadi
    Y" (the word "peran" itself is a frame word, see kosakata.json); "cuma/hanya ... apa" by
    a sentence that restricts with "hanya"."""
    bonus = 0.0
    if _ROLE_ASKED.search(q.normalized) and _ROLE.search(text):
        bonus += 0.1 + 0.1 * _holds_role(text, q)
    if _ONLY_ASKED.search(q.normalized) and _ONLY.search(text):
        bonus += 0.1
    return bonus


def _holds_role(text: str, q: Query) -> bool:
    """Whether the one whose role is asked ("peran *ASEAN*", "what role does *ASEAN* play")
    is what the sentence says is "sebagai/menjadi" something: named in the four words before
    it ("ASEAN hadir hanya sebagai supporter"). "... sebagai apa?" wants "sebagai" itself."""
    m = re.search(r"\b(?:peran\w*|role)\s+(?:does |do |dari |of )?((?:[\w-]+\s*){1,3})",
                  q.normalized, re.I)
    if not m:
        return False
    holder = set(terms(m.group(1)))
    role = r"\bsebagai\b" if re.search(r"\bsebagai apa\b", q.normalized, re.I) else _ROLE.pattern
    for r in re.finditer(role, text, re.I):
        if holder & set(terms(" ".join(text[:r.start()].split()[-4:]))):
            return True
    return False


def _bonus(text: str, q: Query) -> float:
    return _cue_bonus(text, q) + _type_bonus(text, q)


def _type_bonus(text: str, q: Query) -> float:
    """The question type's bonus (``qtypes.QType.bonus``) for a sentence that holds what the
    type asks for, or its malus for one that does not."""
    hit, miss = qtypes.qtype(q.qtype).bonus
    if hit == miss == 0.0:
        return 0.0
    if q.qtype == "kepanjangan":
        holds = any(expands(text, a) for a in acronyms(q))
    elif q.qtype == "mengapa":
        holds = bool(qtypes.REASON.search(text))
    elif q.qtype == "siapa":
        holds = bool(new_names(text, q))
    else:
        holds = answers_type(text, q)
    return hit if holds else miss


# Sentence score weights, tuned on 1,000 FacQA train questions while eval/pertanyaan.jsonl kept
# its answer_hit: FacQA alone would weigh the chunk's retrieval score even more, which picks
# worse sentences in long documents.
W_COVERAGE, W_CHUNK, W_RANK = 0.6, 0.4, 0.01


def score_candidates(q: Query, hits: list[Hit], lexical: LexicalIndex) -> list[Candidate]:
    cands = _candidates(hits)
    for c in cands:
        c.coverage = coverage(q, c.text, lexical)
        c.score = (W_COVERAGE * c.coverage + W_CHUNK * c.hit.score + _bonus(c.text, q)
                   - W_RANK * c.rank)
    cands.sort(key=lambda c: (-c.score, c.rank, c.start))
    return cands


# --- confidence and the answer -----------------------------------------------------------

DENSE_FLOOR, DENSE_CEIL = 0.78, 0.90  # e5 cosine range mapped to 0..1 (measured, README)


def confidence(covered: float, hits: list[Hit]) -> float:
    """Half the coverage of the answer block (the best sentence and the sentences that
    continue it), half the e5 similarity of the best chunks scaled to 0..1."""
    if not hits:
        return 0.0
    dense = max(h.dense for h in hits[:3])
    dense01 = min(1.0, max(0.0, (dense - DENSE_FLOOR) / (DENSE_CEIL - DENSE_FLOOR)))
    return 0.5 * covered + 0.5 * dense01


def follows_best(q: Query, best: Candidate, page_text) -> list[tuple[int, int, str]]:
    """The sentences quoted right after the best one (``continuation``); none for a number,
    a date or an expansion, which is in the sentence itself, unless the best sentence only
    introduces it ("... bersumber dari:"). When the best sentence is an item of a list, its
    lead-in and the list's other items follow it (``lead_in``): an item is never quoted
    without what it is an item of."""
    if qtypes.qtype(q.qtype).in_one_sentence and not best.text.rstrip().endswith(":"):
        return []
    page = page_text(best.hit.chunk.source, best.hit.chunk.page) or ""
    lead = lead_in(page, best.start)
    if lead is None:
        return continuation(page, best.end)
    items = [x for x in continuation(page, lead[1]) if x[0] != best.start]
    return [lead, *items][:LIST_LIMIT - 1]


def lead_in(page_text: str, start: int) -> tuple[int, int, str] | None:
    """The sentence that introduces the list item starting at ``start`` (a paragraph with a
    marker), as (start, end, text): the nearest paragraph above it that ends in ":" and whose
    list (``continuation``, uncapped) holds the item, with sibling items and nested lists in
    between; None when ``start`` is no item or a paragraph without a marker comes first."""
    style = list_style(page_text[start:])
    if style is None or (start and page_text[start - 1] != "\n"):
        return None
    lines = list(re.finditer(r"[^\n]+", page_text[:start]))
    for m in reversed(lines[-4 * LIST_LIMIT:]):
        line, kind = m.group(), list_style(m.group())
        if line.rstrip().endswith(":") and kind != style:
            s, e = split_sentences(line)[-1]
            if any(x[0] == start for x in continuation(page_text, m.start() + e, limit=None)):
                return m.start() + s, m.start() + e, line[s:e]
        if kind is None:
            return None
    return None


def block_coverage(q: Query, best: Candidate, follows: list[tuple[int, int, str]],
                   lexical: LexicalIndex) -> float:
    """Coverage of the best sentence together with the sentences that continue it: a
    two-part question ("Kegagalan apa ... dan apa penyebabnya?") is answered by two sentences
    that are quoted together, so they are judged together."""
    if not follows:
        return best.coverage
    block = " ".join([best.text] + [t for _, _, t in follows])
    return max(best.coverage, coverage(q, block, lexical))


# A sentence that starts like this leans on the one before it: "Seperti PBB, IOM, ..." after
# "Berbagai Organisasi Internasional telah memperingati ...". The answer is often there.
_CONTINUES = re.compile(
    r"^(seperti|yaitu|yakni|antara lain|di ?antaranya|misalnya|contohnya|fungsinya|adapun|"
    r"hal (ini|tersebut)|ini\b|sebab|karena|dimana|di mana|selain itu|\d+[.)]\s)", re.I)
_ANAPHORA = re.compile(r"\b(tersebut|itu)\b", re.I)
# "Akan tetapi, ..." can only be read against the sentence before it, even when a paragraph
# break separates them: for "Apakah X menghentikan Y?" the answer is the contrast that follows X.
_CONTRAST = re.compile(r"^(akan tetapi|namun|tetapi|meskipun demikian|walaupun demikian)\b",
                       re.I)
LIST_LIMIT = 6  # a list answer may quote its introduction plus up to five items


def continuation(page_text: str, end: int,
                 limit: int | None = LIST_LIMIT) -> list[tuple[int, int, str]]:
    """The sentences after position ``end`` that continue it: what a sentence ending in ":"
    introduces, one next sentence of the same paragraph that starts with a connective
    ("Seperti", "Fungsinya", "Adapun") or refers back within its first words ("hambatan
    tersebut"), or a contrast right after it ("Akan tetapi, ..."), even across a paragraph
    break.

    What a ":" introduces: the items of its list, each starting a paragraph with a marker
    ("a.", "1.", "(1)", "-"), with the sentences inside an item and the lists nested in an
    item that itself ends in ":" ("a. sosialisasi mengenai:" + "1. hak pekerja"); the list ends
    at a paragraph without a marker, at a marker of another kind, or at a marker of the kind
    the introducing sentence itself carries (its sibling: the next "(2)" after "(1) ...
    meliputi:"). Without items, the one paragraph right after the ":" (a value: «NOREG ... :»
    «(6-151/2025)»), unless it is a heading. At most ``limit`` - 1 sentences (None: no
    limit)."""
    out: list[tuple[int, int, str]] = []
    previous, prev_end, in_list = page_text[:end].rstrip(), end, False
    parent = list_style(page_text[page_text.rfind("\n", 0, end) + 1:end])
    open_lists: list[str] = []  # the marker kinds of the lists entered, outermost first
    for s, e in split_sentences(page_text[end:]):
        s, e = s + end, e + end
        text = page_text[s:e]
        opens = previous.endswith(":")
        in_list = in_list or opens
        same_paragraph = "\n\n" not in page_text[prev_end:s]
        if in_list:
            ok = same_paragraph or _list_goes_on(text, opens, parent, open_lists)
        elif _CONTRAST.match(text):
            ok = not out  # only right after the best sentence
        else:
            ok = same_paragraph and bool(_CONTINUES.match(text)
                                         or _ANAPHORA.search(" ".join(text.split()[:6])))
        if not ok or (limit is not None and len(out) >= limit - 1):
            break
        out.append((s, e, text))
        previous, prev_end = text, e
        if not in_list and not text.rstrip().endswith(":"):
            break
        if in_list and not open_lists and not same_paragraph and not text.endswith(":"):
            break  # the value after a ":" without items
    return out


def _list_goes_on(text: str, opens: bool, parent: str | None, open_lists: list[str]) -> bool:
    """Whether a paragraph continues what the ":" before it introduced (``continuation``);
    ``open_lists`` is updated as lists are entered and left."""
    style = list_style(text)
    if style is None:
        return opens and not open_lists and not is_heading(text)
    if style == parent:
        return False
    if style in open_lists:
        del open_lists[open_lists.index(style) + 1:]
        return True
    if opens:
        open_lists.append(style)
        return True
    return False

"""Retrieved chunks -> an extractive ``Answer``: verbatim sentences, cited, or an abstention.

The bot never writes its own claims. It picks sentences of the retrieved chunks:

1. Every sentence of the top chunks is a candidate (questions in the text, like the article's
   own "Negara Manakah yang paling banyak kasusnya?", are never candidates).
2. A candidate scores by how much of the question's idf-weighted terms it covers, the fused
   retrieval score of its chunk, and a bonus when it has what the question type asks for
   (a number for ``berapa``, a year for ``kapan``, an expansion for ``kepanjangan``...).
3. The answer is the best sentence, plus close runners-up and the items of a list the best
   sentence introduces (a sentence ending in ``:``), at most ``max_quotes``, never duplicated.
4. Each quote is checked to be an exact substring of the cleaned source page.
5. Abstention: the confidence combines the best sentence's coverage and the raw dense
   similarity of the best chunk; below the calibrated threshold, or when no candidate has the
   answer type the question demands (a country for "negara mana", a number for "berapa"), the
   bot says it did not find the answer and shows the closest passages as "mungkin terkait".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexical import LexicalIndex, terms
from .query import Concept, Query
from .schema import Answer, Hit, Quote
from .textnorm import is_question, split_sentences, tokenize

# --- answer types ------------------------------------------------------------------------

_NUMBER = re.compile(r"\d|\b(satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh)"
                     r"\b|puluh|ratus|ribu|juta|miliar|dekade|abad", re.I)
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_DATE = re.compile(r"\b(19|20)\d{2}\b|\b\d{1,2}/\d{1,2}\b|\btanggal\b|\b(januari|februari|maret|"
                   r"april|mei|juni|juli|agustus|september|oktober|november|desember|senin|"
                   r"selasa|rabu|kamis|jumat|sabtu|minggu)\b|\b(pagi|siang|sore|malam) (ini|itu)\b",
                   re.I)
_CITATION = re.compile(r"\([^()]*\b(19|20)\d{2}\)")  # (UNODC, 2004), (cnbc.2022)
_CAUSE = re.compile(r"\b(karena|sebab|disebabkan|akibat|hambatan|berasal|kegagalan|kelemahan)",
                    re.I)
COUNTRIES = {
    "indonesia", "malaysia", "thailand", "filipina", "philippines", "vietnam", "kamboja",
    "cambodia", "laos", "myanmar", "singapura", "singapore", "brunei", "timor", "tiongkok",
    "china", "india", "jepang", "japan", "korea", "amerika", "australia", "bangladesh",
    "pakistan", "nepal", "sri lanka", "arab saudi", "uni emirat arab", "taiwan", "hong kong",
}


def has_answer_type(sentence: str, qtype: str) -> bool:
    """Whether a sentence holds the kind of thing the question type asks for.

    Years inside a citation ("(CTDC, 2023)") say when a source was written, not when
    something happened, so they do not count as a number or a date.
    """
    sentence = _CITATION.sub("", sentence)
    if qtype == "berapa":
        return bool(_NUMBER.search(sentence))
    if qtype == "kapan":
        return bool(_DATE.search(sentence))
    if qtype == "negara":
        low = sentence.lower()
        return any(re.search(rf"\b{c}\b", low) for c in COUNTRIES)
    return True


def expands(sentence: str, acronym: str) -> bool:
    """Whether a sentence spells out ``acronym``: "... Nations (ASEAN)" or its initials in order."""
    if f"({acronym})" in sentence:
        return True
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", sentence) if w[0].isupper())
    return len(acronym) >= 3 and acronym in initials


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


def _candidates(hits: list[Hit]) -> list[Candidate]:
    seen: dict[tuple, Candidate] = {}
    for rank, hit in enumerate(hits):
        c = hit.chunk
        for s, e in split_sentences(c.text):
            text = c.text[s:e]
            if is_question(text):
                continue
            key = (c.source, c.page, c.start + s)
            if key not in seen:
                seen[key] = Candidate(hit, rank, c.start + s, c.start + e, text)
    return list(seen.values())


def in_corpus(concept: Concept, lexical: LexicalIndex) -> bool:
    return any(all(lexical.doc_freq(t) for t in alt) for alt in concept.alternatives)


def missing_entities(q: Query, lexical: LexicalIndex) -> list[Concept]:
    """Names and numbers of the question that no document mentions ("Filipina", "2024")."""
    return [c for c in q.concepts if c.entity and not in_corpus(c, lexical)]


def concept_weight(concept: Concept, lexical: LexicalIndex) -> float:
    """The idf of a concept's most specific known form; a concept the corpus never mentions
    weighs the most, so a question about an absent thing cannot look covered."""
    known = [min(lexical.idf(t) for t in alt) for alt in concept.alternatives
             if all(lexical.doc_freq(t) for t in alt)]
    return max(known) if known else lexical.idf_unknown()


ENTITY_WEIGHT = 2.0  # names and numbers are what a factoid question hinges on ("2022")
PARTIAL_CREDIT = 0.7  # a term seen only inside a longer word ("anggota" in "keanggotannya")


def coverage(q: Query, text: str, lexical: LexicalIndex) -> float:
    """Share of the question's concepts, idf-weighted, that ``text`` mentions."""
    if not q.concepts:
        return 0.0
    sentence_terms = set(terms(text))
    words = tokenize(text)
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


def _bonus(text: str, q: Query) -> float:
    if q.qtype in ("berapa", "kapan", "negara"):
        return 0.15 if answers_type(text, q) else -0.3
    if q.qtype == "kepanjangan":
        return 0.2 if any(expands(text, a) for a in _acronyms(q)) else -0.3
    if q.qtype == "mengapa":
        return 0.1 if _CAUSE.search(text) else 0.0
    if q.qtype == "siapa":
        return 0.1 if _new_names(text, q) else 0.0
    return 0.0


def _new_names(text: str, q: Query) -> bool:
    """Whether ``text`` names someone or something (a capitalised word, not sentence-initial)
    that the question does not already name: what a "siapa" answer needs."""
    asked = {w.lower() for w in re.findall(r"\w+", q.normalized)}
    words = re.findall(r"\w+", text)
    return any(w[:1].isupper() and w.lower() not in asked for w in words[1:])


def _acronyms(q: Query) -> list[str]:
    return re.findall(r"\b[A-Z]{2,}\b", q.normalized)


def answers_type(text: str, q: Query) -> bool:
    """The question type's hard requirement on an answer sentence."""
    if q.qtype == "kepanjangan" and _acronyms(q):
        return any(expands(text, a) for a in _acronyms(q))
    if q.qtype == "berapa" and re.search(r"persen|%|percent", q.normalized, re.I):
        return bool(re.search(r"%|persen", _CITATION.sub("", text), re.I))
    return has_answer_type(text, q.qtype)


def score_candidates(q: Query, hits: list[Hit], lexical: LexicalIndex) -> list[Candidate]:
    cands = _candidates(hits)
    for c in cands:
        c.coverage = coverage(q, c.text, lexical)
        c.score = 0.6 * c.coverage + 0.25 * c.hit.score + _bonus(c.text, q) - 0.01 * c.rank
    cands.sort(key=lambda c: (-c.score, c.rank, c.start))
    return cands


# --- confidence and the answer -----------------------------------------------------------

DENSE_FLOOR, DENSE_CEIL = 0.78, 0.90  # e5 cosine range mapped to 0..1 (measured, README)


def confidence(best: Candidate | None, hits: list[Hit]) -> float:
    if best is None or not hits:
        return 0.0
    dense = max(h.dense for h in hits[:3])
    dense01 = min(1.0, max(0.0, (dense - DENSE_FLOOR) / (DENSE_CEIL - DENSE_FLOOR)))
    return 0.5 * best.coverage + 0.5 * dense01


# A sentence that starts like this leans on the one before it: "Seperti PBB, IOM, ..." after
# "Berbagai Organisasi Internasional telah memperingati ...". The answer is often there.
_CONTINUES = re.compile(
    r"^(seperti|yaitu|yakni|antara lain|di ?antaranya|misalnya|contohnya|fungsinya|adapun|"
    r"hal (ini|tersebut)|ini\b|sebab|karena|dimana|di mana|selain itu|\d+[.)]\s)", re.I)
_ANAPHORA = re.compile(r"\b(tersebut|itu)\b", re.I)
FACTOID_TYPES = {"berapa", "kapan", "kepanjangan", "negara"}
LIST_LIMIT = 6  # a list answer may quote its introduction plus up to five items


def continuation(page_text: str, end: int) -> list[tuple[int, int, str]]:
    """The sentences after position ``end`` that continue it: the items of a list introduced
    by a sentence ending in ":", or one next sentence of the same paragraph that starts with a
    connective ("Seperti", "Fungsinya", "Adapun") or refers back within its first words
    ("hambatan tersebut")."""
    out: list[tuple[int, int, str]] = []
    previous, prev_end, in_list = page_text[:end].rstrip(), end, False
    for s, e in split_sentences(page_text[end:]):
        s, e = s + end, e + end
        text = page_text[s:e]
        in_list = in_list or previous.endswith(":")
        same_paragraph = "\n\n" not in page_text[prev_end:s]
        if in_list:  # list items, and the sentences inside an item
            ok = same_paragraph or bool(re.match(r"(\d+|[a-z])[.)]\s|[-•]\s", text))
        else:
            ok = same_paragraph and bool(_CONTINUES.match(text)
                                         or _ANAPHORA.search(" ".join(text.split()[:6])))
        if not ok or len(out) >= LIST_LIMIT - 1:
            break
        out.append((s, e, text))
        previous, prev_end = text, e
        if not in_list and not text.rstrip().endswith(":"):
            break
    return out


def make_quote(text: str, hit: Hit, start: int, end: int, score: float) -> Quote:
    return Quote(text, hit.chunk.source, hit.chunk.page, hit.chunk.id, score, start, end)


def verify_quote(quote: Quote, page_text: str | None) -> bool:
    """A quote is valid only if it is exactly the cleaned source text at its span."""
    return page_text is not None and page_text[quote.start:quote.end] == quote.text \
        and quote.text in page_text


def choose_quotes(q: Query, cands: list[Candidate], page_text, max_quotes: int) -> list[Quote]:
    best = cands[0]
    chosen = [make_quote(best.text, best.hit, best.start, best.end, best.score)]
    text = page_text(best.hit.chunk.source, best.hit.chunk.page) or ""
    # a number, a date or an expansion is in the sentence itself; other answers may continue
    follows = continuation(text, best.end) if q.qtype not in FACTOID_TYPES else []
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
        if not answers_type(c.text, q):
            continue
        c_terms = set(terms(c.text))
        if not all(e.satisfied_by(c_terms) for e in entities):  # "2022" asked, "2023" is not it
            continue
        if any(c.text == x.text or (c.hit.chunk.source == x.source and c.start == x.start)
               for x in chosen):
            continue
        chosen.append(make_quote(c.text, c.hit, c.start, c.end, c.score))
    return chosen[:limit]


def _where(q: Quote) -> str:
    return f"{q.source}, hlm. {q.page}" if q.page is not None else q.source


def render(quotes: list[Quote], found: bool) -> str:
    lines = []
    if found:
        lines.append("Menurut dokumen:")
        lines += [f"«{x.text}» [{i}]" for i, x in enumerate(quotes, 1)]
    else:
        lines.append("Maaf, jawaban atas pertanyaan itu tidak ditemukan dalam dokumen.")
        if quotes:
            lines.append("")
            lines.append("Bagian yang mungkin terkait:")
            lines += [f"«{x.text}» [{i}]" for i, x in enumerate(quotes, 1)]
    if quotes:
        lines.append("")
        lines.append("Sumber:")
        lines += [f"[{i}] {_where(x)}" for i, x in enumerate(quotes, 1)]
    return "\n".join(lines)


def answer(q: Query, hits: list[Hit], lexical: LexicalIndex, page_text,
           threshold: float, max_quotes: int = 3) -> Answer:
    """Build the extractive answer. ``page_text(source, page)`` returns cleaned page text."""
    cands = score_candidates(q, hits, lexical)
    typed = [c for c in cands if answers_type(c.text, q)]
    best = typed[0] if typed else None
    conf = 0.0 if missing_entities(q, lexical) else confidence(best, hits)
    found = best is not None and conf >= threshold
    if found:
        quotes = choose_quotes(q, typed, page_text, max_quotes)
    else:
        quotes = [make_quote(c.text, c.hit, c.start, c.end, c.score) for c in cands[:2]]
    quotes = [x for x in quotes if verify_quote(x, page_text(x.source, x.page))]
    if found and not quotes:
        found = False
    return Answer(q.original, found, render(quotes, found), tuple(quotes), conf, tuple(hits))

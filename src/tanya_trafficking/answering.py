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
from .schema import Answer, Hit, Quote
from .textnorm import is_question, split_sentences

# --- the question ------------------------------------------------------------------------

_QTYPES = [  # first match wins
    ("kepanjangan", r"kepanjangan|singkatan|akronim|stand[s]? for|full (form|name)|kpnjgn|kepanjngan"),
    ("kapan", r"\bkapan\b|tahun berapa|\bthn (brp|berapa)\b|\bwhen\b|what year|sejak kapan"),
    ("berapa", r"\bberapa\b|\bbrp\b|\bjumlah\b|how many|how much|\bpersen"),
    ("negara", r"negara (mana|apa)|\bwhich countr|what countr"),
    ("siapa", r"\bsiapa\b|\bsiapakah\b|\bwho\b|\bwhom\b|lembaga (mana|apa)|organisasi (mana|apa)"),
    ("mengapa", r"\bmengapa\b|\bkenapa\b|\bknp\b|\bwhy\b|apa (sebab|alasan|penyebab)"),
    ("bagaimana", r"\bbagaimana\b|\bgimana\b|\bgmn\b|\bhow\b"),
]

_NUMBER = re.compile(r"\d")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_CAUSE = re.compile(r"\b(karena|sebab|disebabkan|akibat|hambatan|berasal|kegagalan|kelemahan)",
                    re.I)
_PROPER = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][A-Za-z]+")
COUNTRIES = {
    "indonesia", "malaysia", "thailand", "filipina", "philippines", "vietnam", "kamboja",
    "cambodia", "laos", "myanmar", "singapura", "singapore", "brunei", "timor", "tiongkok",
    "china", "india", "jepang", "japan", "korea", "amerika", "australia", "bangladesh",
    "pakistan", "nepal", "sri lanka", "arab saudi", "uni emirat arab", "taiwan", "hong kong",
}


@dataclass(frozen=True)
class Question:
    text: str
    qtype: str  # one of _QTYPES' names, or "apa"
    terms: tuple[str, ...]


def analyze(question: str) -> Question:
    low = question.lower()
    qtype = next((name for name, pat in _QTYPES if re.search(pat, low)), "apa")
    return Question(question, qtype, tuple(dict.fromkeys(terms(question))))


def has_answer_type(sentence: str, qtype: str) -> bool:
    """Whether a sentence holds the kind of thing the question type asks for."""
    if qtype == "berapa":
        return bool(_NUMBER.search(sentence))
    if qtype == "kapan":
        return bool(_YEAR.search(sentence))
    if qtype == "negara":
        low = sentence.lower()
        return any(re.search(rf"\b{c}\b", low) for c in COUNTRIES)
    return True


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


def _coverage(q: Question, sentence_terms: set[str], lexical: LexicalIndex) -> float:
    if not q.terms:
        return 0.0
    unknown_idf = lexical.idf_unknown()
    weights = {t: (lexical.idf(t) or unknown_idf) for t in q.terms}
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in sentence_terms) / total if total else 0.0


def _bonus(text: str, q: Question) -> float:
    if q.qtype in ("berapa", "kapan", "negara"):
        return 0.15 if has_answer_type(text, q.qtype) else -0.3
    if q.qtype == "kepanjangan":
        acronyms = [t for t in re.findall(r"\b[A-Z]{2,}\b", q.text)]
        return 0.2 if any(f"({a})" in text for a in acronyms) else 0.0
    if q.qtype == "mengapa":
        return 0.1 if _CAUSE.search(text) else 0.0
    return 0.0


def score_candidates(q: Question, hits: list[Hit], lexical: LexicalIndex) -> list[Candidate]:
    cands = _candidates(hits)
    for c in cands:
        c.coverage = _coverage(q, set(terms(c.text)), lexical)
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


def _following(best: Candidate, cands: list[Candidate], page_text: str, limit: int) -> list:
    """The sentences right after ``best`` on its page (the items of a list it introduces)."""
    out = []
    pos = best.end
    for s, e in split_sentences(page_text[pos:]):
        if len(out) >= limit:
            break
        out.append((pos + s, pos + e, page_text[pos + s:pos + e]))
    return out


def make_quote(text: str, hit: Hit, start: int, end: int, score: float) -> Quote:
    return Quote(text, hit.chunk.source, hit.chunk.page, hit.chunk.id, score, start, end)


def verify_quote(quote: Quote, page_text: str | None) -> bool:
    """A quote is valid only if it is exactly the cleaned source text at its span."""
    return page_text is not None and page_text[quote.start:quote.end] == quote.text \
        and quote.text in page_text


def choose_quotes(q: Question, cands: list[Candidate], page_text, max_quotes: int) -> list[Quote]:
    best = cands[0]
    chosen = [make_quote(best.text, best.hit, best.start, best.end, best.score)]
    if best.text.rstrip().endswith(":"):
        text = page_text(best.hit.chunk.source, best.hit.chunk.page) or ""
        for s, e, t in _following(best, cands, text, max_quotes):
            chosen.append(make_quote(t, best.hit, s, e, best.score))
    for c in cands[1:]:
        if len(chosen) >= max_quotes:
            break
        if c.score < 0.85 * best.score or c.coverage <= 0:
            break
        if q.qtype in ("berapa", "kapan", "negara") and not has_answer_type(c.text, q.qtype):
            continue
        if any(c.text == x.text or (c.hit.chunk.source == x.source and c.start == x.start)
               for x in chosen):
            continue
        chosen.append(make_quote(c.text, c.hit, c.start, c.end, c.score))
    return chosen[:max_quotes]


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


def answer(question: str, hits: list[Hit], lexical: LexicalIndex, page_text,
           threshold: float, max_quotes: int = 3) -> Answer:
    """Build the extractive answer. ``page_text(source, page)`` returns cleaned page text."""
    q = analyze(question)
    cands = score_candidates(q, hits, lexical)
    best = cands[0] if cands else None
    conf = confidence(best, hits)
    typed = [c for c in cands if has_answer_type(c.text, q.qtype)]
    found = best is not None and conf >= threshold and bool(typed)
    if found:
        quotes = choose_quotes(q, typed, page_text, max_quotes)
    else:
        quotes = [make_quote(c.text, c.hit, c.start, c.end, c.score) for c in cands[:2]]
    quotes = [x for x in quotes if verify_quote(x, page_text(x.source, x.page))]
    if found and not quotes:
        found = False
    return Answer(question, found, render(quotes, found), tuple(quotes), conf, tuple(hits))

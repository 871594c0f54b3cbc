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
   similarity of the best chunk; below the calibrated threshold, when a name, number or focus
   of the question is missing from the answer's page, or when no candidate has the answer
   type the question demands (a country for "negara mana", a number for "berapa"), the bot
   says it did not find the answer and shows the closest passages as "mungkin terkait".

With the answer reader's evidence per sentence (``sentence_evidence``), a sentence the reader
is sure of replaces step 3's choice (``reader_pick``); ``pipeline.Bot.ask`` then adds the
reader's check and short answer (``add_short_answer``) to the rules' choices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from . import ui_text as ui
from .lexical import LexicalIndex, terms
from .matching import CAUSE, acronyms, answers_type, coverage, expands, new_names
from .query import vocabulary
from .schema import Answer, Concept, Hit, Query, Quote
from .textnorm import display_name, is_question, split_sentences

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
    if q.qtype in ("berapa", "kapan", "negara"):
        return 0.15 if answers_type(text, q) else -0.3
    if q.qtype == "kepanjangan":
        return 0.2 if any(expands(text, a) for a in acronyms(q)) else -0.3
    if q.qtype == "mengapa":
        return 0.1 if CAUSE.search(text) else -0.1
    if q.qtype == "siapa":
        return 0.1 if new_names(text, q) else 0.0
    return 0.0


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
    a date or an expansion, which is in the sentence itself."""
    if q.qtype in FACTOID_TYPES:
        return []
    return continuation(page_text(best.hit.chunk.source, best.hit.chunk.page) or "", best.end)


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
FACTOID_TYPES = {"berapa", "kapan", "kepanjangan", "negara"}
LIST_LIMIT = 6  # a list answer may quote its introduction plus up to five items


def continuation(page_text: str, end: int) -> list[tuple[int, int, str]]:
    """The sentences after position ``end`` that continue it: the items of a list introduced
    by a sentence ending in ":", one next sentence of the same paragraph that starts with a
    connective ("Seperti", "Fungsinya", "Adapun") or refers back within its first words
    ("hambatan tersebut"), or a contrast right after it ("Akan tetapi, ..."), even across a
    paragraph break."""
    out: list[tuple[int, int, str]] = []
    previous, prev_end, in_list = page_text[:end].rstrip(), end, False
    for s, e in split_sentences(page_text[end:]):
        s, e = s + end, e + end
        text = page_text[s:e]
        in_list = in_list or previous.endswith(":")
        same_paragraph = "\n\n" not in page_text[prev_end:s]
        if in_list:  # list items, and the sentences inside an item
            ok = same_paragraph or bool(re.match(r"(\d+|[a-z])[.)]\s|[-•]\s", text))
        elif _CONTRAST.match(text):
            ok = not out  # only right after the best sentence
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
# manner or a list is a whole sentence or more, which the rules choose.
_WHOLE_SENTENCE_TYPES = {"mengapa", "bagaimana"}
_LIST_ASKED = re.compile(r"\b(apa|siapa|mana)(kah)? saja\b|\bsebutkan\b|\bwhat are\b", re.I)


def asks_for_span(q: Query) -> bool:
    return q.qtype not in _WHOLE_SENTENCE_TYPES and not _LIST_ASKED.search(q.normalized)


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
        quotes = [make_quote(c.text, c.hit, c.start, c.end, c.score) for c in cands[:2]]
    quotes = [x for x in quotes if verify_quote(x, page_text(x.source, x.page))]
    if found and not quotes:
        found = False
    result = Answer(q.original, found, render(quotes, found), tuple(quotes), conf, tuple(hits))
    if found and span is not None and (quotes[0].source, quotes[0].start) == (
            best.hit.chunk.source, best.start):
        result = with_short_answer(result, span.start - best.start, span.end - best.start)
    return result


# --- the short answer ----------------------------------------------------------------------


def add_short_answer(result: Answer, reading, gate: float = 0.0) -> Answer:
    """The reader's answer span inside the first quote (``reading``: ``reader.ReadResult`` of
    the question over that quote's text) becomes the short answer. When the reader's answer
    probability is below ``gate`` the bot abstains instead and the quotes are shown as
    "mungkin terkait"."""
    if not result.found or reading is None:
        return result
    if 1.0 - reading.no_answer < gate:
        quotes = result.quotes[:2]
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

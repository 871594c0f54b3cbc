"""Follow-up questions: whether a question leans on the previous one, and what is searched then.

In a chat, "Kapan itu ditandatangani?" after "Apa itu ACTIP?" is searched together with the
previous question. A question is a follow-up when it cannot be understood without the previous
one. Indonesian marks that with words that also have ordinary, self-contained uses, so each cue
looks at where the word stands (measured on eval/lanjutan.jsonl; docs/followups.md):

* a demonstrative ("itu", "ini", "tersebut", "tadi") points back, except "apa itu X" (a
  definition), after a name ("ACTIP itu ..."), after a time word ("tahun ini", "saat ini"; but
  "saat itu" points back), "ini" after a document word ("Perda ini", "artikel ini": the
  document at hand), after a topic the question opens with ("Human trafficking itu apa?"), or
  after a noun the question itself named before;
* a "-nya" word points back unless its owner is in the question: it follows ("tujuan
  dibentuknya ASEAN", "korbannya human trafficking"), it heads a relative clause
  ("Kabupaten mana yang korbannya paling banyak?"), or another clause names it ("korban TPPO
  dan bagaimana prosedurnya?", "Apa akibatnya jika ASEAN ...?"); an adverb ("biasanya") never
  points back;
* a personal pronoun ("mereka", "beliau", "dia") points back unless another clause names
  something;
* an opener: "bagaimana dengan X", "kalau X", "terus ...", "lalu ...", "dan ...", and a
  fragment starting with "yang" ("yang laki-laki berapa?");
* a question ending on a word that needs a complement ("Apakah Indonesia termasuk?", "Siapa
  yang menandatangani?");
* a question without a topic of its own: no name, acronym or number, and no noun that the
  previous question does not already have ("Kapan didirikan?", "Tahun berapa?").

"Bagaimana dengan X?" / "Kalau X?" puts X in the previous question's place: after "Apa peran
ASEAN dalam pencegahan human trafficking?", "Bagaimana dengan UN Women?" is searched as "Apa peran
UN Women dalam pencegahan human trafficking?" (``combine``), not as the ASEAN question with UN
Women added.
"""

from __future__ import annotations

import re

from .lexical import stem, stopwords

DEMONSTRATIVES = frozenset({"itu", "ini", "tersebut", "tadi"})
PRONOUNS = frozenset({"mereka", "beliau", "dia", "ia", "doi"})
QUESTION_WORDS = frozenset(
    "apa apakah apaan siapa siapakah kapan kapankah mana manakah dimana dimanakah berapa "
    "berapakah bagaimana bagaimanakah mengapa kenapa knp gimana gmn brp napa".split())
# Words between a "-nya" word and its owner that are not the owner.
PREPOSITIONS = frozenset(
    "dalam bagi untuk utk di ke dari dr pada terhadap menurut dengan dgn oleh sebagai tentang "
    "mengenai atas antara soal buat sama dibanding dibandingkan daripada sejak hingga sampai "
    "selama tanpa kepada".split())
PARTICLES = frozenset(
    "dong sih aja saja ya kah deh nih tuh kan lah pun juga belum tidak nggak gak ga enggak "
    "sudah udah paling sangat lebih kurang masih pernah bukan yg".split())
# Conjunctions that open another clause: a "-nya" there may point to the first clause.
CONJUNCTIONS = frozenset(
    "dan serta beserta walaupun walau meskipun meski padahal jika kalau kalo klo apabila bila "
    "karena sedangkan tetapi tapi namun sehingga agar supaya seandainya".split())
CONDITIONALS = frozenset("jika kalau kalo klo apabila bila seandainya".split())
TIME_WORDS = frozenset(
    "tahun bulan hari minggu pekan saat waktu kali sekarang masa periode abad dekade tanggal era "
    "jam pagi siang sore malam kemarin besok".split())
# "X ini" with one of these is the document the user is reading, not the previous question.
DOCUMENT_WORDS = frozenset(
    "dokumen perda peraturan undang-undang uu artikel skripsi penelitian laporan tulisan jurnal "
    "abstrak buku makalah naskah teks berkas file pdf studi kajian situs website pasal".split())
# "-nya" words that are adverbs or fixed words: they never point back.
FIXED_NYA = frozenset(
    "hanya punya tanya bahwasanya sesungguhnya biasanya seharusnya akhirnya sebenarnya misalnya "
    "selanjutnya lainnya sebaliknya nya karenanya sehingganya agaknya rupanya mestinya umumnya "
    "khususnya terutamanya sebaiknya sepertinya tampaknya nampaknya kayaknya katanya pokoknya "
    "setidaknya sekurangnya sekurang-kurangnya selebihnya seterusnya semestinya".split())
# Words a question cannot end on: they need what follows ("Apakah Indonesia termasuk?").
NEEDS_COMPLEMENT = frozenset("termasuk dibanding dibandingkan seperti".split()) | PREPOSITIONS

_OPENER = re.compile(
    r"^(?:(?:bagaimana|gimana|gmn|terus|trus|lalu)\s+(?:dengan|kalau|kalo|klo)|kalau|kalo|klo|"
    r"lalu|terus|trus|dan|lantas|kemudian|selain itu|yang|what about|how about|and)\b", re.I)
_WORD = re.compile(r"\w+(?:[-/.,]\w+)*")


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _is_name(word: str, first: bool) -> bool:
    """A name, an acronym or a number ("ASEAN", "UN", "Women", "2023"; not a question's first
    word, which is capitalised anyway, unless an acronym)."""
    if any(ch.isdigit() for ch in word):
        return True
    if len(word) >= 2 and word.isupper():
        return True
    return not first and word[:1].isupper()


def _is_verb(word: str) -> bool:
    """An affixed verb ("didirikan", "menandatangani", "terjadi", "berlaku"): not a topic."""
    w = word.lower()
    return w.startswith(("me", "di", "ber", "ter")) and stem(w) != w


def _content_nouns(words: list[str]) -> set[str]:
    """The stems of the words that can be a question's topic: not function or question words,
    particles, time words or affixed verbs ("-nya" taken off)."""
    stop = stopwords()
    out = set()
    for w in words:
        low = w.lower()
        if low.endswith("nya") and len(low) > 5 and low not in FIXED_NYA:
            low = low[:-3]
        if low in stop or low in QUESTION_WORDS or low in PARTICLES or low in TIME_WORDS:
            continue
        if low.isalpha() and not _is_verb(low):
            out.add(stem(low))
    return out


def _names_something(words: list[str]) -> bool:
    return any(_is_name(w, i == 0) for i, w in enumerate(words))


def _has_topic(words: list[str]) -> bool:
    """A clause that names its own topic: a name or number, or two content nouns."""
    return _names_something(words) or len(_content_nouns(words)) >= 2


def _other_clause_names_it(words: list[str], i: int) -> bool:
    """Whether the word at ``i`` can point to another clause of the same question: a clause
    before it, after a conjunction, or a conditional clause after it, that names a topic."""
    low = [w.lower() for w in words]
    for j in range(i - 1, 0, -1):
        if low[j] in CONJUNCTIONS and _has_topic(words[:j]):
            return True
    return any(low[j] in CONDITIONALS and _has_topic(words[j + 1:])
               for j in range(i + 1, len(words)))


def _demonstrative_points_back(words: list[str], i: int, previous_nouns: set[str]) -> bool:
    low = [w.lower() for w in words]
    d = low[i]
    if d == "tadi":
        return True
    if i == 0:
        return True  # "Itu apa?"
    before = low[i - 1]
    if d == "itu" and before in {"apa", "apaan"} and i + 1 < len(words):
        return False  # "Apa itu ACTIP?": a definition
    if before in TIME_WORDS:
        return d != "ini"  # "tahun ini" is now; "saat itu" is a time said before
    if before in DOCUMENT_WORDS:
        return d != "ini"  # "Perda ini": the document at hand; "Perda itu": the one named
    if _is_name(words[i - 1], i - 1 == 0):
        return False  # "ACTIP itu ...": a topic marker after a name
    if before in low[:i - 1]:
        return False  # "... prinsip ... prinsip tersebut": named in this question
    if before in QUESTION_WORDS or before in stopwords():
        return True  # "Kapan itu ditandatangani?": "itu" stands for the thing
    # "Human trafficking itu apa?": the question opens with its topic, then asks
    opens = not any(w in QUESTION_WORDS for w in low[:i])
    fresh = not (_content_nouns(words[:i]) & previous_nouns)
    return not (d != "tersebut" and opens and fresh)


def _nya_points_back(words: list[str], i: int) -> bool:
    low = [w.lower() for w in words]
    word = low[i]
    if word in FIXED_NYA or len(word) <= 5:
        return False
    nxt = low[i + 1] if i + 1 < len(words) else None
    stop = stopwords()
    if nxt and not (nxt in stop or nxt in QUESTION_WORDS or nxt in PARTICLES
                    or nxt in PREPOSITIONS or nxt in TIME_WORDS or nxt[0].isdigit()):
        return False  # "tujuan dibentuknya ASEAN": the owner follows
    oblique = word.startswith("me") or word[:-3] in PREPOSITIONS or (
        i > 0 and low[i - 1] in PREPOSITIONS)  # "meratifikasinya", "di dalamnya": not the head
    if "yang" in low[:i] and not oblique:
        k = max(j for j in range(i) if low[j] == "yang") - 1
        while k > 0 and low[k] in {"mana", "saja", "apa"}:
            k -= 1
        if k >= 0 and low[k] not in QUESTION_WORDS and low[k] not in stop:
            return False  # "Kabupaten mana yang korbannya ...": the relative clause's head
    return not _other_clause_names_it(words, i)


def _ends_without_complement(words: list[str]) -> bool:
    """The last word (particles aside) needs what follows: a preposition, "termasuk", or a
    verb with an object suffix ("menandatangani", "melaporkan") and no object."""
    low = [w.lower() for w in words if w.lower() not in PARTICLES]
    if not low:
        return False
    last = low[-1]
    if last in NEEDS_COMPLEMENT:
        return True
    if last.startswith("me") and stem(last) != last:
        root = stem(last)
        return last.endswith("kan") or (last.endswith("i") and not root.endswith("i"))
    return False


def is_follow_up(question: str, previous: str | None = None) -> bool:
    """Whether ``question`` cannot be understood without the previous question (see the
    module docstring for the cues). ``previous`` tells which nouns are not new."""
    text = question.strip()
    words = _words(text)
    if not words:
        return False
    previous_nouns = _content_nouns(_words(previous or ""))
    if _OPENER.match(text):
        return True
    low = [w.lower() for w in words]
    for i, w in enumerate(low):
        if w in DEMONSTRATIVES and _demonstrative_points_back(words, i, previous_nouns):
            return True
        if w in PRONOUNS and not _other_clause_names_it(words, i):
            return True
        if w.endswith("nya") and _nya_points_back(words, i):
            return True
    if _ends_without_complement(words):
        return True
    return not _names_something(words) and not (_content_nouns(words) - previous_nouns)


def context_for(question: str, previous: str | None) -> str | None:
    """The previous question when this one leans on it, else None."""
    if previous and previous.strip() and is_follow_up(question, previous):
        return previous
    return None


# --- what a follow-up searches -----------------------------------------------------------

_SWAP = re.compile(
    r"^\s*(?:(?:bagaimana|gimana|gmn|terus|trus|lalu)\s+)?(?:dengan|kalau|kalo|klo)\s+(?P<x>.+)$"
    r"|^\s*(?:what|how) about\s+(?P<y>.+)$", re.I | re.S)
_SPAN = re.compile(r"(?:\b[a-z]+\s+)?\d[\w/.,-]*|\b[A-Z][\w-]*(?:\s+(?:[A-Z][\w-]*|\d[\w/.,-]*))*")


def _spans(text: str) -> list[re.Match]:
    """Names and numbers with the word before a number ("tahun 2023", "Pasal 5", "UN Women",
    "UU 21 Tahun 2007"); a question's first word is not a name."""
    out = []
    for m in _SPAN.finditer(text):
        start = m.start()
        sentence_start = start == 0 or re.search(r"[.?!]\s*$", text[:start])
        if sentence_start and not re.search(r"\d|^[A-Z]{2,}\b", m.group(0)):
            rest = re.match(r"\S+\s*", m.group(0))
            if rest.end() == len(m.group(0)):
                continue
            m = _SPAN.match(text, start + rest.end())
            if not m:
                continue
        out.append(m)
    return out


def _new_topic(question: str) -> str | None:
    m = _SWAP.match(question.strip())
    if not m:
        return None
    x = (m.group("x") or m.group("y")).strip().rstrip("?!. ")
    words = x.split()
    while words and words[-1].lower() in QUESTION_WORDS | PARTICLES:
        words.pop()  # "kalau tahun 2023 berapa?" -> "tahun 2023"
    return " ".join(words) or None


def replace_topic(previous: str, question: str) -> str | None:
    """The previous question with the new topic of "bagaimana dengan X?" / "kalau X?" in the
    place of its own, or None when there is no such pair (X the same kind of thing as one in
    the previous question: a number with the same word before it or of the same length, a
    name, or the word after a word both share: "peran keluarga" -> "peran sekolah")."""
    x = _new_topic(question)
    if not x:
        return None
    prev_spans = _spans(previous)
    x_spans = _spans(x) or [m for m in [_SPAN.search(x)] if m]
    if x_spans:
        new = x_spans[0].group(0)
        rest = (x[:x_spans[0].start()] + " " + x[x_spans[0].end():]).lower()
        if _content_nouns(_words(rest)) - _content_nouns(_words(previous)):
            return None  # X says more than a new name: no clean swap
        target = _matching_span(prev_spans, new)
        if target is None:
            return None
        start, end = target
        return previous[:start] + new + previous[end:]
    words = x.split()
    if len(words) != 2:
        return None
    anchor, word = words
    m = None
    for m in re.finditer(rf"\b({re.escape(anchor)})\s+(\w[\w-]*)", previous, re.I):
        pass
    if m is None or m.group(2).lower() == word.lower() or m.group(2).lower() in stopwords():
        return None
    return previous[:m.start(2)] + word + previous[m.end(2):]


def _matching_span(prev_spans: list[re.Match], new: str) -> tuple[int, int] | None:
    """Where ``new`` goes in the previous question: the last span that starts with the same
    word ("tahun 2023" for "tahun 2022", the "Pasal 5" of "Pasal 5 Perda DIY"), else the last
    number of the same length for a number, else the last name of the same kind (an acronym
    for an acronym), else the last name."""
    first = new.split()[0].lower()
    for m in reversed(prev_spans):
        parts = m.group(0).split()
        if len(new.split()) > 1 and parts[0].lower() == first:
            n = len(new.split())
            kept = re.match(r"\S+" + r"\s+\S+" * (min(n, len(parts)) - 1), m.group(0))
            return m.start(), m.start() + kept.end()
    if re.fullmatch(r"\d[\w/.,-]*", new):
        for m in reversed(prev_spans):
            for num in re.finditer(r"\d[\w/.,-]*", m.group(0)):
                if len(num.group(0)) == len(new):
                    return m.start() + num.start(), m.start() + num.end()
        return None
    names = [m for m in prev_spans if m.group(0)[:1].isupper()]
    alike = [m for m in names if _acronym(m.group(0)) == _acronym(new)]
    if alike or names:
        m = (alike or names)[-1]
        return m.start(), m.end()
    return None


def _acronym(span: str) -> bool:
    return bool(re.fullmatch(r"[A-Z]{2,}", span))


def combine(context: str, question: str) -> tuple[str, str]:
    """(the text a follow-up is searched with, the question its type is read from): "Apa peran
    UN Women dalam ...?" and itself for "Bagaimana dengan UN Women?" after the ASEAN question;
    otherwise the previous question and the question together, the type from the question."""
    swapped = replace_topic(context.strip(), question.strip())
    if swapped:
        last = re.split(r"(?<=[.?!])\s+", swapped.strip())[-1]
        return swapped, last
    return f"{context.strip()} {question.strip()}", question

"""Text normalisation for Indonesian documents: decoding, cleaning, sentences, tokens.

Pure functions on strings. The loader runs `decode_bytes` then `clean`; the chunker uses
`split_sentences`, lexical search `tokenize`, evaluation `normalize_for_match`. Trade-offs:

- Decoding is strict UTF-8 / UTF-16 / UTF-32 (BOM, or UTF-16 guessed from NUL bytes), then cp1252,
  then latin-1, which never fails. Mixed files become mojibake that `clean` repairs.
- ftfy repairs mojibake but leaves curly quotes and HTML entities alone (undo bad decodings, do not
  restyle). ftfy cannot see a lone "Â" whose mis-decoded NBSP was lost ("(ACTIP).Â" at the end of a
  line), so a stand-alone "Â" before whitespace is deleted explicitly.
- Invisible characters (zero-width, soft hyphen, bidi controls) go, except a ZWJ between two
  symbols: it belongs to an emoji sequence.
- Reflowing hard-wrapped (PDF) text is a heuristic. A line break joins two lines unless the first
  ends a sentence (. ! ? : ;), is a heading (``is_heading``: Markdown, BAB/Pasal/..., all caps,
  or a Title Case line that starts its paragraph and is followed by a sentence) or is under half
  the typical line length, or the second is a heading, a list item ("1.", "a)", "-", "•") or
  starts a signature block. A line ending in ":" followed by lower-case text, or ending in a
  conjunction or preposition ("dan", "tentang"), always goes on. A signature block ("Ditetapkan
  di ..." + date + office ending in "," + "ttd." + name) is joined into one line, and a hanging
  label ("Menimbang : a. bahwa ...") is split from its first item. If most lines are
  followed by exactly one blank line and many of those breaks (at least two) are mid-sentence (the
  next line starts lowercase), the text is double-spaced: one blank line is a line break, two are a
  paragraph break. Prices: a wrapped line ending in "Dr." ends its paragraph; clean output itself
  looks double-spaced, so cleaning is iterated to a fixed point (idempotence), which may join
  paragraphs that end without punctuation.
- A hyphen ending a line is a word break ("melaksana-" + "kan") unless a digit or capital follows
  ("Covid-19"), the halves overlap by 3+ letters like a reduplication ("anak-anaknya",
  "bersungguh-sungguh"), or the hyphenated form occurs elsewhere in the text ("non-intervensi").
- Sentences are split by rules, not a model: after . ! ? … and whitespace, unless the next word is
  lowercase, the period ends an abbreviation, an initial, a dotted acronym (P.B.B.) or a list marker
  ("1."), or it sits inside brackets. Numbers and domains ("115.000", "cnbc.2022") never split: no
  space follows their dot. A sentence may start with a digit ("... kasus. 2024 adalah ...").
- Tokens: NFKC + casefold, split on all but letters (with combining marks) and digits:
  "negara-negara" -> negara, negara; "covid-19" and "covid19" -> covid, 19. Groups of exactly three
  digits after "." or "," are thousands ("115.000", "156,330" -> "115000", "156330"); otherwise the
  separator is a decimal mark ("5,82" -> "5.82"). So "1,250" is 1250, never 1.25.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import ftfy

# --------------------------------------------------------------------------- decoding

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _utf16_guess(data: bytes) -> str | None:
    """BOM-less UTF-16: mostly-ASCII text has a NUL in every other byte."""
    half = len(data) // 2
    if half < 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes) -> str:
    """Decode a text file's bytes without ever inventing U+FFFD."""
    codecs: list[str] = []
    for bom, codec in _BOMS:
        if data.startswith(bom):
            data, codecs = data[len(bom):], [codec]
            break
    else:
        guess = _utf16_guess(data)
        codecs = [guess] if guess else []
    for codec in codecs + ["utf-8", "cp1252"]:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")


# --------------------------------------------------------------------------- cleaning

_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, unescape_html=False, explain=False)
_LONE_A_CIRC = re.compile(r"(?<!\w)Â(?=\s|\Z)")
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SOFT_HYPHEN = re.compile("\u00ad+(?! *(?:\n|\\Z))")  # keep only those ending a line
_SPACES = re.compile(r"[^\S\n]+")
_CLOSERS = "\"'”’»)]"
_SENTENCE_END = re.compile(rf"[.!?:;…][{re.escape(_CLOSERS)}]*\Z")
_LIST_ITEM = re.compile(
    r"(?:\d{1,2}[.)]|[A-Za-z][.)]|[IVXivx]{1,4}[.)]|\((?:\d{1,2}|[A-Za-z]|[ivx]{1,4})\)"
    r"|[-–•*·▪●◦‣○►])(?:\s|$)"
)
_HYPHENATED = re.compile(r"(?<![^\W_])[^\W_]+(?:-[^\W_]+)+")
_TRAILING_WORD = re.compile(r"([^\W_]+)-$")
_NON_WORD = re.compile(r"[\W_]")


def display_name(name: str) -> str:
    """A file name safe to show: bidi controls (U+202E can make ``gpj.exe`` read as ``exe.jpg``),
    invisible and control characters become a visible ``[U+XXXX]``. Only for display: the
    name itself (a key in the index) is unchanged."""
    return "".join(f"[U+{ord(ch):04X}]" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
                   else ch for ch in name)


def _is_symbol(ch: str) -> bool:
    return ch == "\ufe0f" or unicodedata.category(ch) in ("So", "Sk")


def _drop_invisible(m: re.Match[str]) -> str:
    """Replacement for an invisible character: nothing, unless it is a ZWJ inside an emoji."""
    s, i = m.string, m.start()
    in_emoji = 0 < i < len(s) - 1 and _is_symbol(s[i - 1]) and _is_symbol(s[i + 1])
    return m.group() if m.group() == "\u200d" and in_emoji else ""  # e.g. 👩‍💻


# --------------------------------------------------------------------------- headings

# A structural heading of a regulation or a book, alone on its line: "BAB IV", "Bagian Kedua
# Belas", "Pasal 5", "Pasal 5A", "Ayat (2)", "Huruf a", "Paragraf 1", "Chapter 3".
_STRUCTURE = re.compile(
    r"(?i:bab|bagian|paragraf|pasal|ayat|huruf|angka|chapter|section|article|part)\s+"
    r"(?:[IVXLC]{1,6}|\d{1,3}[A-Za-z]?|\(\d{1,3}[a-z]?\)|[a-z]|"
    r"(?i:ke|per)[a-z]+(?:\s+(?i:belas|puluh)(?:\s+[A-Za-z]+)?)?)"
)
_MD_HEADING = re.compile(r"#{1,6}\s+\S")  # Markdown: "# Judul", "### 2. Modus perekrutan"
# Words a title leaves in lower case ("Pencegahan Perdagangan Orang pada Kegiatan Prostitusi").
_TITLE_LOWER = frozenset(
    "dan di ke dari pada untuk dengan yang atau dalam bagi oleh tentang serta terhadap atas"
    " antara sebagai melalui and of the in for to on at by a an or".split())
HEADING_MAX_CHARS = 120
TITLE_MAX_WORDS = 12  # a title line in Title Case: every word capitalised but small words
SHORT_TITLE_WORDS = 5  # a short line in sentence case without final punctuation: "Modus perekrutan"


def _all_caps(line: str) -> bool:
    return line.isupper() and sum(ch.isalpha() for ch in line) >= 2


def _marked_heading(line: str) -> bool:
    """A heading by its mark alone: Markdown "#", a structural heading, an all-caps line that
    does not introduce something (a label ending in ":" does)."""
    return bool(_MD_HEADING.match(line) or _STRUCTURE.fullmatch(line)) \
        or (_all_caps(line) and len(line) <= HEADING_MAX_CHARS and not line.endswith(":"))


def _title_case(line: str) -> bool:
    """Title Case without final punctuation or inner commas: "Pengelolaan Industri Pariwisata",
    "Laporan Pemantauan TPPO Provinsi Nusa Tenggara Barat 2024"."""
    words = line.split()
    if not words or len(words) > TITLE_MAX_WORDS or not line[:1].isupper():
        return False
    if line[-1] in ".!?;:,…" or any(ch in line for ch in ",;:") or _LIST_ITEM.match(line):
        return False
    return all(w.lstrip("\"'“‘«([")[:1].isupper() or w[:1].isdigit() or w.lower() in _TITLE_LOWER
               for w in words)


def is_heading(line: str) -> bool:
    """Whether a paragraph of cleaned text (one line) is a heading rather than a sentence, by its
    shape: a Markdown or structural heading (BAB I, Bagian Kesatu, Pasal 5), an all-caps line
    («NOMOR 6 TAHUN 2025», «KETENTUAN UMUM»), a Title Case line, or a short line in sentence
    case (at most SHORT_TITLE_WORDS words), both without final punctuation. A heading is kept
    in the text, as the context of what follows, but is never an answer by itself."""
    s = line.strip()
    if not s or "\n" in s or len(s) > HEADING_MAX_CHARS:
        return False
    if _marked_heading(s) or _title_case(s):
        return True
    return (len(s.split()) <= SHORT_TITLE_WORDS and s[:1].isupper() and s[-1] not in ".!?;:,…"
            and not any(ch in s for ch in ",;:") and not _LIST_ITEM.match(s))


def continues_from_before(sentence: str) -> bool:
    """Whether a sentence that opens a page is the end of one the page before began: it
    starts with a small letter, or closes a bracket it never opened («Indonesia Tahun 2023
    Nomor 41);» after a citation broken by the page turn). A list item («b. penanganan
    korban;», «a) ...») is neither: its marker is no bracket, and items start small."""
    s = sentence.strip()
    item = _LIST_ITEM.match(s)
    if item:
        s = s[item.end():]
    elif s[:1].islower():
        return True
    depth = 0
    for ch in s:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            if depth == 0:
                return True
            depth -= 1
    return False


def has_words(text: str) -> bool:
    """Whether ``text`` holds a word at all ("(6-151/2025)" and "-2-" do not)."""
    return any(ch.isalpha() for ch in text)


def list_style(text: str) -> str | None:
    """The kind of list marker ``text`` starts with ("a.", "1.", "(1)", "(a)", "iv.", "-"), so
    that a nested list can be told from the list around it; None without a marker."""
    m = _LIST_ITEM.match(text)
    if not m:
        return None
    mark = m.group().strip()
    core = mark.strip("().")
    kind = "bullet" if not core.isalnum() else "roman" if re.fullmatch(r"[ivx]+", core) \
        and len(core) > 1 else "digit" if core.isdigit() else "lower" if core.islower() \
        else "upper"
    return f"({kind})" if mark.startswith("(") else kind


# --------------------------------------------------------------------------- signature blocks

# "Ditetapkan di Yogyakarta / pada tanggal 24 Oktober 2025 / GUBERNUR / DAERAH ISTIMEWA
# YOGYAKARTA, / ttd. / HAMENGKU BUWONO X": a place and date, the signer's office ending in ",",
# an optional "ttd." and the name. Joined into one paragraph, it reads as one sentence.
_SIGNED_AT = re.compile(
    r"(?i:ditetapkan|diundangkan|disahkan|dikeluarkan|ditandatangani|dibuat)\s+di\s+\S")
_DATELINE = re.compile(r"[A-Z][\w .'-]{1,40},\s*(?:tanggal\s+)?\d{1,2}\s+[A-Za-z]+\s+\d{4}\.?")
_SIGN_MARK = re.compile(r"\(?(?i:ttd|t\.t\.d|dto|tertanda)\.?\)?")
SIGNATURE_LINE_CHARS = 80


def _signature_anchor(line: str) -> bool:
    return bool(_SIGNED_AT.match(line) or _DATELINE.fullmatch(line))


def _signer_line(line: str) -> bool:
    """A line of an office or a name: short, capitalised, not a sentence or a new block."""
    return (len(line) <= SIGNATURE_LINE_CHARS and line[:1].isupper()
            and not line.endswith((":", ";")) and not _signature_anchor(line)
            and not _STRUCTURE.fullmatch(line) and not _LIST_ITEM.match(line))


def _signature_length(lines: list[str], i: int) -> int:
    """How many lines from ``lines[i]`` on form a signature block (0: none starts there)."""
    if not _signature_anchor(lines[i]):
        return 0
    j = i + 1
    while j < len(lines) and j - i < 3 and lines[j][:1].islower():  # "pada tanggal ..."
        j += 1
    office = j
    while j < len(lines) and j - office < 3 and _signer_line(lines[j]) \
            and not lines[j].endswith(","):
        j += 1
    if j >= len(lines) or not (_signer_line(lines[j]) and lines[j].endswith(",")):
        return 0
    j += 1
    if j < len(lines) and _SIGN_MARK.fullmatch(lines[j]):
        j += 1
    if j < len(lines) and _signer_line(lines[j]) and not lines[j].endswith(","):
        return j + 1 - i
    return 0


# --------------------------------------------------------------------------- reflowing


def _starts_sentence(line: str) -> bool:
    """Whether a line starts like a sentence rather than like the rest of a name: a capitalised
    word and then a lower-case one ("Laporan ini ...", not "Perdagangan Orang bertujuan:")."""
    words = line.split(maxsplit=2)
    return len(words) >= 2 and words[0][:1].isupper() and words[1][:1].islower()


def _joins(line: str) -> bool:
    """A line that ends in a conjunction or preposition ("dan", "tentang") cannot end a
    paragraph, not even an all-caps one (a structural heading such as "Huruf a" can)."""
    words = line.split()
    return bool(words) and words[-1].lower() in _TITLE_LOWER \
        and not (_MD_HEADING.match(line) or _STRUCTURE.fullmatch(line))


def _breaks(prev: str, line: str, typical: int, prev_alone: bool) -> bool:
    """Does the line break between two non-empty lines end a paragraph? ``prev_alone``: the
    previous line began its paragraph. A Title Case line is a heading only then, and only when
    the next line starts a sentence: a wrapped line of capitalised names inside a sentence
    looks the same ("Pengaturan Pencegahan dan Penanganan Korban" + "Perdagangan Orang
    bertujuan:")."""
    if _LIST_ITEM.match(line) or _signature_anchor(line):
        return True
    if _joins(prev) and not (_MD_HEADING.match(line) or _STRUCTURE.fullmatch(line)):
        return False  # "Menetapkan: PERATURAN DAERAH TENTANG PENCEGAHAN DAN" + "PENANGANAN ..."
    if _marked_heading(prev) or _marked_heading(line):
        return True
    if prev_alone and _title_case(prev) and _starts_sentence(line):
        return True
    if prev.endswith(":") and line[:1].islower():
        return False  # "..., seperti:" + "pengiriman ...": the sentence goes on
    if _SENTENCE_END.search(prev[-8:]):
        return True
    return len(prev) < typical / 2 and not prev.endswith(("-", "\u00ad"))


def _overlaps(left: str, right: str) -> bool:
    """Reduplication across a hyphen: a suffix of left (3+ letters) starts right."""
    a, b = left.lower(), right.lower()
    return any(a.endswith(b[:k]) for k in range(3, min(len(a), len(b)) + 1))


def _seam(prev: str, line: str, known: set[str]) -> tuple[str, str]:
    """How two wrapped lines meet: (previous line with its end fixed, separator)."""
    if prev.endswith("\u00ad"):
        return prev[:-1], ""
    m = _TRAILING_WORD.search(prev[-80:]) if prev.endswith("-") else None
    if not m:
        return prev, " "
    left, right = m.group(1), _NON_WORD.split(line, maxsplit=1)[0]
    keep = (
        not right[:1].islower()
        or not left[-1].isalpha()
        or f"{left}-{right}".lower() in known
        or _overlaps(left, right)
    )
    return (prev, "") if keep else (prev[:-1], "")


def _hyphenated_pairs(text: str) -> set[str]:
    """Every 'a-b' written within a line, lowercased ('x-y-z' gives 'x-y' and 'y-z')."""
    pairs = set()
    for m in _HYPHENATED.finditer(text.lower()):
        parts = m.group().split("-")
        pairs.update(f"{a}-{b}" for a, b in zip(parts, parts[1:]))
    return pairs


def _reflow(text: str) -> list[str]:
    """Join hard-wrapped lines into paragraphs (one string per paragraph)."""
    entries: list[tuple[str, int]] = []  # (non-empty line, blank lines before it)
    blank = 0
    for raw in text.split("\n"):
        line = raw.strip()
        if line:
            entries.append((line, blank))
            blank = 0
        else:
            blank += 1
    if not entries:
        return []
    entries = _split_labels(entries)
    entries, signed = _join_signatures(entries)
    lengths = sorted(len(line) for line, _ in entries)
    typical = lengths[len(lengths) // 2] if len(lengths) >= 5 else 0
    pairs = list(zip(entries, entries[1:]))
    single = [(p, c) for (p, _), (c, gap) in pairs if gap == 1]
    # mid-sentence breaks across one blank line: no paragraph end before, lowercase after
    wrapped = sum(c[:1].islower() and not _breaks(p, c, typical, False) for p, c in single)
    double = 2 * len(single) > len(pairs) and wrapped >= 2 and 3 * wrapped > len(single)
    known = _hyphenated_pairs(text) if re.search(r"- *\n", text) else set()
    paragraphs = [[entries[0][0]]]  # each paragraph as a list of pieces, joined at the end
    for n, ((prev, _), (line, gap)) in enumerate(pairs):
        alone = len(paragraphs[-1]) == 1
        if gap < (2 if double else 1) and n not in signed and n + 1 not in signed \
                and not _breaks(prev, line, typical, alone):
            paragraphs[-1][-1], sep = _seam(paragraphs[-1][-1], line, known)
            paragraphs[-1] += [sep, line]
        else:
            paragraphs.append([line])
    return ["".join(p).replace("\u00ad", "").strip() for p in paragraphs]


# A hanging label before the first item of its list, on the item's line: "Menimbang : a. bahwa
# ...", "Mengingat : 1. Pasal 18 ...". The label (at most three words) becomes a line of its own
# that introduces the list, like a lead-in sentence ending in ":".
_LABEL = re.compile(r"(\w+(?: \w+){0,2}) ?:(?= (?:\d{1,2}[.)]|[a-z][.)]|\((?:\d{1,2}|[a-z])\)) )")


def _split_labels(entries: list[tuple[str, int]]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for line, blank in entries:
        m = _LABEL.match(line)
        if m and m.group(1)[:1].isupper():
            out += [(line[:m.end()], blank), (line[m.end():].lstrip(), 0)]
        else:
            out.append((line, blank))
    return out


def _join_signatures(entries: list[tuple[str, int]]) -> tuple[list[tuple[str, int]], set[int]]:
    """The entries with each signature block joined into one line, and the indexes of those
    lines (a paragraph of their own)."""
    lines = [line for line, _ in entries]
    out: list[tuple[str, int]] = []
    signed: set[int] = set()
    i = 0
    while i < len(entries):
        k = _signature_length(lines, i)
        if k:
            signed.add(len(out))
            out.append((" ".join(lines[i:i + k]), entries[i][1]))
            i += k
        else:
            out.append(entries[i])
            i += 1
    return out, signed


def _clean_once(text: str) -> str:
    """One pass: repair characters, normalise spaces, reflow."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = ftfy.fix_text(text, _FTFY)
    text = _LONE_A_CIRC.sub("", text)
    text = _INVISIBLE.sub(_drop_invisible, text)
    text = _SPACES.sub(" ", text)  # NBSP, tabs, ideographic spaces, ...
    text = _SOFT_HYPHEN.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return "\n\n".join(p for p in _reflow(text) if p)


def clean(text: str) -> str:
    """Repair, normalise and reflow a document; paragraphs separated by one blank line."""
    # One pass is not always a fixed point: ftfy judges mojibake in context (which removals and
    # joins change), and clean output itself may look double-spaced. Iterate so that
    # clean(clean(x)) == clean(x); real documents settle after the second pass.
    out = _clean_once(text)
    for _ in range(8):
        again = _clean_once(out)
        if again == out:
            break
        out = again
    return out


# --------------------------------------------------------------------------- sentences

_TERMINATOR = re.compile(rf"[.!?…]+[{re.escape(_CLOSERS)}]*(?=\s)")
_OPENERS = "\"'“‘«([{"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_ABBREVIATIONS = frozenset(
    "dll dsb dst dkk tsb sbb yth no hlm tgl thn vs dr drs dra prof ir jl jln tn ny nn bpk bp sdr"
    " sdri rp kab kec kel prov st mr mrs ms al kh hj ttd dto".split()
)
_DOTTED = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,3}")  # a.n, S.H, M.Si, P.B.B, e.g
_MARKER = re.compile(r"\d{1,3}|[A-Za-z]|[IVXivx]{1,4}")
_BRACKET = re.compile(r"[()\[\]{}]")


def _bracket_spans(line: str) -> list[tuple[int, int]]:
    """Matched (open, close) bracket positions; unmatched brackets are ignored."""
    stack: list[tuple[str, int]] = []
    spans = []
    for m in _BRACKET.finditer(line):
        ch, i = m.group(), m.start()
        if ch in "([{":
            stack.append((ch, i))
        else:
            while stack and stack[-1][0] != _PAIRS[ch]:
                stack.pop()
            if stack:
                spans.append((stack.pop()[1], i))
    return spans


def _is_abbreviation(word: str) -> bool:
    single_initial = len(word) == 1 and word.isupper()
    return word.lower() in _ABBREVIATIONS or single_initial or bool(_DOTTED.fullmatch(word))


def _line_sentences(line: str) -> list[tuple[int, int]]:
    """Sentence spans within one line (no newline in it)."""
    spans, start = [], len(line) - len(line.lstrip())
    brackets = _bracket_spans(line)
    for m in _TERMINATOR.finditer(line):
        nxt = len(line) - len(line[m.end():].lstrip())
        if nxt == len(line) or line[nxt:].lstrip(_OPENERS)[:1].islower():
            continue
        if any(o < m.start() and m.end() <= c for o, c in brackets):
            continue  # inside (...), unless the match itself closes the bracket
        so_far = line[start:m.start()]
        if m.group().startswith(".") and not m.group().startswith(".."):
            word = so_far.split()[-1].lstrip(_OPENERS) if so_far.strip() else ""
            if _is_abbreviation(word) or _MARKER.fullmatch(so_far):
                continue
        spans.append((start, m.end()))
        start = nxt
    end = len(line.rstrip())
    if end > start:
        spans.append((start, end))
    return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) into `text`, whitespace excluded, never crossing a newline."""
    return [
        (m.start() + s, m.start() + e)
        for m in re.finditer(r"[^\n]+", text)
        for s, e in _line_sentences(m.group())
    ]


def is_question(sentence: str) -> bool:
    """True when the sentence ends with a question mark (trailing '.', quotes, brackets allowed)."""
    return sentence.rstrip(f" \t\n.{_CLOSERS}").endswith(("?", "？", "؟"))


# --------------------------------------------------------------------------- tokens


@functools.lru_cache(maxsize=1)
def _token_re() -> re.Pattern[str]:
    """Numbers, or words: letters plus combining marks (Python's \\w misses Thai/Arabic marks)."""
    marks = [i for i in range(0x300, 0x20000) if unicodedata.category(chr(i))[0] == "M"]
    ranges, first = [], marks[0]
    for prev, cur in zip(marks, marks[1:] + [-1]):
        if cur != prev + 1:
            ranges.append(f"\\U{first:08x}-\\U{prev:08x}")
            first = cur
    return re.compile(rf"(\d+(?:[.,]\d+)*)|((?:[^\W\d_]|[{''.join(ranges)}])+)")


def _grouped(groups: list[str], seps: list[str]) -> bool:
    """1-3 digits (no leading zero), then groups of exactly 3, one kind of separator."""
    lead = groups[0]
    return (
        len(set(seps)) == 1
        and 1 <= len(lead) <= 3
        and not lead.startswith("0")
        and all(len(g) == 3 for g in groups[1:])
    )


def _number(s: str) -> list[str]:
    groups, seps = re.split(r"[.,]", s), re.findall(r"[.,]", s)
    if not seps:
        return [s]
    if _grouped(groups, seps):
        return ["".join(groups)]
    if len(groups) == 2:
        return [f"{groups[0]}.{groups[1]}"]
    if seps[-1] != seps[0] and _grouped(groups[:-1], seps[:-1]):  # 1.234,56 or 1,234.56
        return ["".join(groups[:-1]) + "." + groups[-1]]
    return groups  # dates, versions, ...: keep the parts


def tokenize(text: str) -> list[str]:
    """Lexical-search tokens: folded words and normalised numbers (see module docstring)."""
    text = _INVISIBLE.sub("", text.replace("\u00ad", ""))
    text = unicodedata.normalize("NFKC", text).casefold()
    tokens: list[str] = []
    for number, word in _token_re().findall(text):
        tokens.extend(_number(number) if number else [word])
    return tokens


def normalize_for_match(text: str) -> str:
    """Casefold and collapse whitespace, for comparing answers."""
    return " ".join(text.casefold().split())

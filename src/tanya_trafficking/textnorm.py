"""Text normalisation for Indonesian documents: decoding, cleaning, sentences, tokens.

Pure functions on strings. The loader runs `decode_bytes` then `clean`; the chunker uses
`split_sentences`, lexical search uses `tokenize`, evaluation uses `normalize_for_match`.

Trade-offs, in the order the text meets them:

- Decoding is strict UTF-8 / UTF-16 / UTF-32 (BOM, or a UTF-16 guess from NUL bytes), then cp1252,
  then latin-1, which never fails. Mixed files end up as mojibake that `clean` repairs.
- Mojibake is repaired by ftfy with curly quotes and HTML entities left alone: undo wrong decodings,
  do not restyle text. ftfy cannot see a lone "Â" whose mis-decoded NBSP was lost ("(ACTIP).Â" at the
  end of a line), so a stand-alone "Â" before whitespace is deleted explicitly.
- Invisible characters (zero-width, soft hyphen, bidi controls) are dropped, except a ZWJ between two
  symbols, which is part of an emoji sequence.
- Reflowing hard-wrapped (PDF) text is a heuristic. A line break joins two lines unless the first ends
  a sentence (. ! ? : ;), is a heading (short, all caps) or is less than half the typical line length,
  or the second is a heading or starts a list item ("1.", "a)", "-", "•"). When most lines are followed
  by exactly one blank line and most of those breaks fall mid-sentence, the text is double-spaced:
  one blank line is a line break, two are a paragraph break. Price: a wrapped line that happens to end
  in "Dr." ends its paragraph.
- A hyphen at the end of a line is a word break ("melaksana-" + "kan") unless a digit or capital
  follows ("Covid-19"), the two halves overlap by 3+ letters like a reduplication ("anak-anaknya",
  "bersungguh-sungguh"), or the hyphenated form occurs elsewhere in the text ("non-intervensi").
- Sentences are split by rules, not a model: after . ! ? … plus whitespace, unless the next word is
  lowercase, the period ends an abbreviation, an initial, a dotted acronym (P.B.B.) or a list marker
  ("1."), or it sits inside brackets. Numbers and domains ("115.000", "cnbc.2022") never split: no
  space follows their dot. A sentence may start with a digit ("... kasus. 2024 adalah ...").
- Tokens: NFKC + casefold, split on everything that is not a letter (with its combining marks) or a
  digit: "negara-negara" -> negara, negara; "covid-19" and "covid19" -> covid, 19. Numbers: groups of
  exactly three digits after "." or "," are thousands ("115.000", "156,330" -> "115000", "156330"),
  otherwise the separator is a decimal mark ("5,82" -> "5.82"). So "1,250" reads 1250, never 1.25.
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
_CLOSERS = "\"'”’»)\\]"
_SENTENCE_END = re.compile(rf"[.!?:;…][{_CLOSERS}]*$")
_LIST_ITEM = re.compile(
    r"(?:\d{1,2}[.)]|[A-Za-z][.)]|[IVXivx]{1,4}[.)]|\((?:\d{1,2}|[A-Za-z]|[ivx]{1,4})\)"
    r"|[-–•*·▪●◦‣○►])(?:\s|$)"
)
_HYPHENATED = re.compile(r"[^\W_]+(?:-[^\W_]+)+")


def _is_symbol(ch: str) -> bool:
    return ch == "\ufe0f" or unicodedata.category(ch) in ("So", "Sk")


def _drop_invisible(m: re.Match[str]) -> str:
    s, i = m.string, m.start()
    if m.group() == "\u200d" and 0 < i < len(s) - 1 and _is_symbol(s[i - 1]) and _is_symbol(s[i + 1]):
        return m.group()  # emoji ZWJ sequence, e.g. 👩‍💻
    return ""


def _is_heading(line: str) -> bool:
    return 2 <= len(line) <= 60 and line.isupper()


def _breaks(prev: str, line: str, typical: int) -> bool:
    """Does the line break between two non-empty lines end a paragraph?"""
    if _SENTENCE_END.search(prev) or _is_heading(prev) or _is_heading(line) or _LIST_ITEM.match(line):
        return True
    return len(prev) < typical / 2 and not prev.endswith(("-", "\u00ad"))


def _overlaps(left: str, right: str) -> bool:
    """Reduplication across a hyphen: a suffix of left (3+ letters) starts right."""
    a, b = left.lower(), right.lower()
    return any(a.endswith(b[:k]) for k in range(3, min(len(a), len(b)) + 1))


def _join(para: str, line: str, known: set[str]) -> str:
    if para.endswith("\u00ad"):
        return para[:-1] + line
    m = re.search(r"([^\W_]+)-$", para)
    if not m:
        return para + " " + line
    left, right = m.group(1), re.match(r"[^\W_]*", line).group()  # type: ignore[union-attr]
    keep = (
        not right[:1].islower()
        or not left[-1].isalpha()
        or f"{left}-{right}".lower() in known
        or _overlaps(left, right)
    )
    return para + line if keep else para[:-1] + line


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
    lengths = sorted(len(line) for line, _ in entries)
    typical = lengths[len(lengths) // 2] if len(lengths) >= 5 else 0
    pairs = list(zip(entries, entries[1:]))
    single = [(p, c) for (p, _), (c, gap) in pairs if gap == 1]
    wrapped = sum(not _breaks(p, c, typical) for p, c in single)
    double = 2 * len(single) > len(pairs) and 2 * wrapped > len(single)
    known = {
        pair.lower()
        for m in _HYPHENATED.finditer(text)
        for pair in map("-".join, zip(m.group().split("-"), m.group().split("-")[1:]))
    }
    paragraphs = [entries[0][0]]
    for (prev, _), (line, gap) in pairs:
        if gap < (2 if double else 1) and not _breaks(prev, line, typical):
            paragraphs[-1] = _join(paragraphs[-1], line, known)
        else:
            paragraphs.append(line)
    return [p.replace("\u00ad", "").strip() for p in paragraphs]


def clean(text: str) -> str:
    """Repair, normalise and reflow a document; paragraphs separated by one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = ftfy.fix_text(text, _FTFY)
    text = _LONE_A_CIRC.sub("", text)
    text = _INVISIBLE.sub(_drop_invisible, text)
    text = _SPACES.sub(" ", text)  # NBSP, tabs, ideographic spaces, ...
    text = _SOFT_HYPHEN.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return "\n\n".join(p for p in _reflow(text) if p)


# --------------------------------------------------------------------------- sentences

_TERMINATOR = re.compile(rf"[.!?…]+[{_CLOSERS}]*(?=\s)")
_OPENERS = "\"'“‘«([{"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_ABBREVIATIONS = frozenset(
    "dll dsb dst dkk tsb sbb yth no hlm tgl thn vs dr drs dra prof ir jl jln tn ny nn bpk bp sdr sdri "
    "rp kab kec kel prov st mr mrs ms al kh hj".split()
)
_DOTTED = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,3}")  # a.n, S.H, M.Si, P.B.B, e.g
_MARKER = re.compile(r"\d{1,3}|[A-Za-z]|[IVXivx]{1,4}")


def _bracket_spans(line: str) -> list[tuple[int, int]]:
    """Matched (open, close) bracket positions; unmatched brackets are ignored."""
    stack: list[tuple[str, int]] = []
    spans = []
    for i, ch in enumerate(line):
        if ch in "([{":
            stack.append((ch, i))
        elif ch in _PAIRS:
            while stack and stack[-1][0] != _PAIRS[ch]:
                stack.pop()
            if stack:
                spans.append((stack.pop()[1], i))
    return spans


def _is_abbreviation(word: str) -> bool:
    return (
        word.lower() in _ABBREVIATIONS
        or bool(_DOTTED.fullmatch(word))
        or (len(word) == 1 and word.isupper())
    )


def _line_sentences(line: str) -> list[tuple[int, int]]:
    spans, start = [], len(line) - len(line.lstrip())
    brackets = _bracket_spans(line)
    for m in _TERMINATOR.finditer(line):
        nxt = len(line) - len(line[m.end():].lstrip())
        if m.start() < start or nxt == len(line):
            continue
        head = line[nxt:].lstrip(_OPENERS)
        if head[:1].islower() or any(o < m.start() < c for o, c in brackets):
            continue
        so_far = line[start:m.start()]
        word = re.search(rf"[^\s{re.escape(_OPENERS)}]*$", so_far).group()  # type: ignore[union-attr]
        if m.group().startswith(".") and not m.group().startswith(".."):
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
    text = unicodedata.normalize("NFKC", text).casefold()
    tokens: list[str] = []
    for number, word in _token_re().findall(text):
        tokens.extend(_number(number) if number else [word])
    return tokens


def normalize_for_match(text: str) -> str:
    """Casefold and collapse whitespace, for comparing answers."""
    return " ".join(text.casefold().split())

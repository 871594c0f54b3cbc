"""Question types in one table: how a question asks for each, and what that means for the answer.

Each ``QType`` row says
* ``asked``: the pattern on the normalised, lowercased question (the first row that matches
  wins; ``question_type``),
* ``holds``: what an answer sentence must contain (``NUMBER``, ``DATE``, ``COUNTRY``), checked
  by ``matching.has_answer_type`` outside citations,
* ``in_one_sentence``: the answer is a fact inside one sentence (a number, a date, an
  expansion, a country), so no continuation is quoted after it,
* ``whole_sentence``: the answer is a reason or a manner, a sentence or more: the reader does
  not pick a short span for it,
* ``bonus``: (holds the type, does not) added to a sentence's score,
* ``marks``: what the web chat highlights as the answer in a quote (``highlight.py``).

Questions no row matches are of type "apa": any sentence may answer them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What sentences hold -----------------------------------------------------------------------

NUMBER = re.compile(r"\d|\b(satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh)"
                    r"\b|puluh|ratus|ribu|juta|miliar|dekade|abad", re.I)
# A date: a year of 1000-2099, a year of any era with its marker ("tahun 493", "1450 SM",
# "622 M"), a century or decade, a day/month, a weekday or month name.
DATE = re.compile(r"\b(1\d|20)\d{2}\b|\btahun \d{1,4}\b|\b\d{1,4} ?(?-i:SM|M|Masehi|H|Hijriah|"
                  r"BC|BCE|AD|CE)\b|\babad\b|\bdekade\b|\b\d{1,2}/\d{1,2}\b|\btanggal\b|"
                  r"\b(januari|februari|maret|april|mei|juni|juli|agustus|september|oktober|"
                  r"november|desember|senin|"
                  r"selasa|rabu|kamis|jumat|sabtu|minggu)\b|\b(pagi|siang|sore|malam) (ini|itu)\b",
                  re.I)
COUNTRY = "country"  # any country of the vocabulary (``matching.country_pattern``)
# A reason: the words that give one. A sentence with any of them answers "mengapa" better; the
# clause from a conjunction on is the reason the chat highlights.
REASON_CONJUNCTIONS = r"(?:oleh )?karena|dikarenakan|sebab|disebabkan|akibat|berasal dari"
REASON = re.compile(r"\b(karena|sebab|disebabkan|akibat|hambatan|berasal|kegagalan|kelemahan)",
                    re.I)
REASON_CLAUSE = re.compile(rf"\b(?:{REASON_CONJUNCTIONS})\b[^.;:]*", re.I)


@dataclass(frozen=True)
class QType:
    name: str
    asked: str
    holds: re.Pattern[str] | str | None = None
    in_one_sentence: bool = False
    whole_sentence: bool = False
    bonus: tuple[float, float] = (0.0, 0.0)
    marks: str | None = None  # "number", "year", "country", "expansion", "reason"


TABLE = [
    QType("kepanjangan", r"kepanjangan|singkatan|akronim|stand[s]? for|full (form|name)",
          in_one_sentence=True, bonus=(0.2, -0.3), marks="expansion"),
    QType("kapan", r"\bkapan(kah)?\b|(?<!tiap )(?<!per )(tahun|tanggal|bulan|hari) (apa|berapa)"
                   r"(kah)?\b|\bwhen\b|what year",
          holds=DATE, in_one_sentence=True, bonus=(0.15, -0.3), marks="year"),
    QType("berapa", r"\bberapa(kah)?\b|how many|how much|\bapa(kah)? (jumlah|persentase)\b"
                    r"|what percent",
          holds=NUMBER, in_one_sentence=True, bonus=(0.15, -0.3), marks="number"),
    QType("negara", r"negara (\w+ )?(mana|apa)|\bwhich countr|what countr",
          holds=COUNTRY, in_one_sentence=True, bonus=(0.15, -0.3), marks="country"),
    QType("siapa", r"\bsiapa(kah)?\b|\bwho\b|\bwhom\b", bonus=(0.1, 0.0)),
    QType("dimana", r"\bdi ?mana(kah)?\b|\bwhere\b"),
    QType("mengapa", r"\bmengapa\b|\bwhy\b|apa (sebab|alasan|penyebab)|(karena|sebab|gara-gara)"
                     r" apa",
          whole_sentence=True, bonus=(0.1, -0.1), marks="reason"),
    QType("bagaimana", r"\bbagaimana\b|\bhow\b", whole_sentence=True),
]
BY_NAME = {t.name: t for t in TABLE}
ANY = QType("apa", "")  # the type of a question no row matches

# "jumlah" / "persen" ask for a number only in a question with no question word of its own:
# "Jumlah korban tahun 2023?" does, "Badan apakah yang memperkirakan jumlah penganggur?" asks
# for a name
WEAK = [("berapa", r"\bjumlah\b|\bpersen")]
_QUESTION_WORD = re.compile(r"\b(apa|mana|what|which)(kah)?\b")


def question_type(text: str) -> str:
    """The question type of a normalised, lowercased question ("apa" when nothing else)."""
    found = next((t.name for t in TABLE if re.search(t.asked, text)), None)
    if found is None and not _QUESTION_WORD.search(text):
        found = next((name for name, pat in WEAK if re.search(pat, text)), None)
    return found or ANY.name


def qtype(name: str) -> QType:
    return BY_NAME.get(name, ANY)

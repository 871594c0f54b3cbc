"""A real document, read well: the seed corpus's regulation (Perda DIY 6/2025, 38 pages, a Word
export signed electronically; ../shared/documents/README.md lists its quirks). Its page
furniture is gone from the stored text, its headings are never answers, its lists stay with
their lead-ins and its signature block reads as one sentence; and its own questions
(eval/pertanyaan-perda.jsonl) name the page that holds each answer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tanya_trafficking.candidates import _candidates, continuation, lead_in
from tanya_trafficking.loaders import load_file
from tanya_trafficking.schema import Chunk, Document, Hit
from tanya_trafficking.textnorm import clean, normalize_for_match, split_sentences

ROOT = Path(__file__).resolve().parents[1]
NAME = "perda-diy-6-2025-pencegahan-penanganan-korban-perdagangan-orang.pdf"
PERDA = ROOT / "corpus" / NAME
QUESTIONS = ROOT / "eval" / "pertanyaan-perda.jsonl"
SIGNED = ("Ditetapkan di Yogyakarta pada tanggal 24 Oktober 2025 GUBERNUR DAERAH ISTIMEWA "
          "YOGYAKARTA, ttd. HAMENGKU BUWONO X")


@pytest.fixture(scope="module")
def perda() -> Document:
    doc = load_file(PERDA, PERDA.parent)
    assert isinstance(doc, Document)
    return doc


def page(doc: Document, number: int) -> str:
    return next(p.text for p in doc.pages if p.number == number)


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def candidates(text: str) -> list[str]:
    chunk = Chunk("c", NAME, 1, 0, len(text), text)
    return [c.text for c in _candidates([Hit(chunk, 0.5, 0.8, 1.0)])]


def test_every_page_is_read_without_its_furniture(perda) -> None:
    assert [p.number for p in perda.pages] == list(range(1, 39))
    for p in perda.pages:
        assert "Sertikasi Elektronik" not in p.text and "ditandatangani secara" not in p.text
        assert not any(re.fullmatch(r"-\s*\d+\s*-", para) for para in p.text.split("\n\n"))
        assert clean(p.text) == p.text  # what is stored is what cleaning settles on
    assert page(perda, 2).startswith("d. bahwa berdasarkan pertimbangan")
    assert page(perda, 1).endswith("perlu dicabut dan diganti;\n\nSALINAN")


def test_headings_stay_in_the_text_but_are_never_candidates(perda) -> None:
    text = page(perda, 26)
    assert text.startswith("BAB VIII\n\nPENDANAAN\n\nPasal 35\n\nPendanaan kegiatan")
    found = candidates(text)
    assert found[0].startswith("Pendanaan kegiatan upaya")
    for heading in ("BAB VIII", "PENDANAAN", "Pasal 35", "BAB IX", "KETENTUAN PENUTUP"):
        assert heading not in found
    assert "Pasal 35\n\nHuruf a\n\nCukup jelas.\n\nHuruf b\n\nYang dimaksud" in page(perda, 38)
    every = [s for p in perda.pages for s in candidates(p.text)]
    for heading in ("NOMOR 6 TAHUN 2025", "KETENTUAN UMUM", "Bagian Kesatu", "Umum",
                    "Asesmen Korban", "Pengelolaan Industri Pariwisata", "Pasal 37", "Huruf a",
                    "Ayat (2)", "I. UMUM", "SALINAN"):
        assert heading not in every


def test_a_list_is_quoted_with_its_lead_in(perda) -> None:
    text = page(perda, 26)
    end = text.index("bersumber dari:") + len("bersumber dari:")
    assert [t for _, _, t in continuation(text, end)] == [
        "a. anggaran pendapatan dan belanja Daerah; dan/atau",
        "b. sumber lain yang sah dan tidak mengikat."]
    text = page(perda, 12)  # a nested list: "a. sosialisasi mengenai:" + "1." "2."
    end = text.index("huruf e dilakukan melalui:") + len("huruf e dilakukan melalui:")
    assert [t for _, _, t in continuation(text, end)][:4] == [
        "a. sosialisasi mengenai:", "1. hak pekerja; dan", "2. Perdagangan Orang.",
        "b. menyediakan informasi pasar kerja;"]
    text = page(perda, 7)  # "(1) ... meliputi:" a., b.; then ayat (2) is no item of it
    end = text.index("meliputi:") + len("meliputi:")
    got = [t for _, _, t in continuation(text, end)]
    assert got == ["a. menetapkan dan melaksanakan kebijakan, program, dan kegiatan; dan",
                   "b. menjalin kerja sama dengan berbagai pihak."]


def test_a_hanging_label_leads_its_list(perda) -> None:
    """"Menimbang : a. bahwa ..." on page 1: the label introduces items a to c, and an item
    quoted as the answer brings it (``lead_in``)."""
    text = page(perda, 1)
    assert "\n\nMenimbang :\n\na. bahwa dalam upaya mewujudkan" in text
    end = text.index("Menimbang :") + len("Menimbang :")
    assert [t[:9] for _, _, t in continuation(text, end)] == ["a. bahwa ", "b. bahwa ",
                                                              "c. bahwa "]
    assert lead_in(text, text.index("c. bahwa"))[2] == "Menimbang :"
    assert lead_in(page(perda, 2), page(perda, 2).index("2. Undang-Undang"))[2] == "Mengingat :"


def test_hard_line_breaks_inside_items_and_sentences_are_joined(perda) -> None:
    assert ("a. pelindungan, penghormatan, dan penegakan hak asasi manusia;"
            in sentences(page(perda, 6)))
    modus = ("Hal tersebut disertai dengan ragam modus yang dilakukan, seperti: pengiriman "
             "Pekerja Migran Indonesia")
    assert any(s.startswith(modus) for s in sentences(page(perda, 29)))


def test_the_signature_block_reads_as_one_sentence(perda) -> None:
    found = sentences(page(perda, 27))
    assert SIGNED in found
    assert SIGNED in candidates(page(perda, 27))
    assert any(s.endswith("ttd. NI MADE DWIPANTI INDRAYANTI") for s in found)


def test_the_own_questions_name_the_page_that_holds_each_answer(perda) -> None:
    items = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    answerable = [d for d in items if d["answers"]]
    assert len(items) >= 30 and len(items) - len(answerable) >= 8
    assert len({d["id"] for d in items}) == len(items)
    for d in answerable:
        text = normalize_for_match(page(perda, d["page"]))
        assert any(normalize_for_match(a) in text for a in d["answers"]), d["id"]


def test_when_and_by_whom_the_regulation_was_set(seed_bot) -> None:
    """Answered from the signature block on page 27."""
    for question, answer in [("Kapan Perda DIY 6/2025 ditetapkan?", "24 Oktober 2025"),
                             ("Siapa yang menetapkan Perda DIY 6/2025?", "HAMENGKU BUWONO X")]:
        result = seed_bot.ask(question)
        assert result.found, question
        first = result.quotes[0]
        assert (first.text, first.source, first.page) == (SIGNED, NAME, 27) and answer in SIGNED
        assert all(q.text != "NOMOR 6 TAHUN 2025" for q in result.quotes)


def test_a_list_question_gets_the_items_not_just_the_lead_in(seed_bot) -> None:
    result = seed_bot.ask("Pendanaan pencegahan dan penanganan korban perdagangan orang oleh "
                          "Pemerintah Daerah bersumber dari mana?")
    texts = [q.text for q in result.quotes]
    assert result.found and any(t.endswith("bersumber dari:") for t in texts)
    assert "a. anggaran pendapatan dan belanja Daerah; dan/atau" in texts

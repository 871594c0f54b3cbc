"""The question-type table: one row per type, first match wins, and what each row promises."""

from __future__ import annotations

import pytest

from tanya_trafficking import qtypes
from tanya_trafficking.matching import has_answer_type

SAMPLES = {  # a question of each type, normalised and lowercased as ``question_type`` sees it
    "kepanjangan": "apa kepanjangan dari actip?",
    "kapan": "tahun berapa actip ditandatangani?",
    "berapa": "berapa jumlah kasus pada tahun 2023?",
    "negara": "negara mana yang paling banyak kasusnya?",
    "siapa": "siapa yang menandatangani actip?",
    "dimana": "di mana actip ditandatangani?",
    "mengapa": "mengapa asean gagal?",
    "bagaimana": "bagaimana asean menanggulangi perdagangan orang?",
}


def test_every_row_has_a_unique_name_and_a_sample() -> None:
    names = [t.name for t in qtypes.TABLE]
    assert len(names) == len(set(names)) and set(names) == set(SAMPLES)
    assert qtypes.qtype("apa") is qtypes.ANY and qtypes.qtype("tidak-ada") is qtypes.ANY


@pytest.mark.parametrize("name", list(SAMPLES))
def test_each_sample_gets_its_row(name: str) -> None:
    # first match wins: "tahun berapa" is a date question, not a number question
    assert qtypes.question_type(SAMPLES[name]) == name


def test_a_question_no_row_matches_is_apa_and_jumlah_alone_asks_a_number() -> None:
    assert qtypes.question_type("apa itu actip?") == "apa"
    assert qtypes.question_type("jumlah korban tahun 2023?") == "berapa"
    assert qtypes.question_type("badan apakah yang memperkirakan jumlah penganggur?") == "apa"


def test_what_a_row_holds_is_what_the_answer_check_demands() -> None:
    assert has_answer_type("Kasusnya 156.330 orang.", "berapa")
    assert not has_answer_type("Kasusnya banyak sekali.", "berapa")
    assert has_answer_type("ACTIP ditandatangani pada November 2015.", "kapan")
    assert not has_answer_type("Menurut laporan (UNODC, 2004) kasusnya banyak.", "kapan")
    assert has_answer_type("Apa saja boleh.", "bagaimana")  # no demand


def test_reason_words_and_the_highlighted_reason_clause() -> None:
    text = "ASEAN gagal karena prinsip non-intervensi. Hambatannya besar."
    assert qtypes.REASON.search(text)
    clause = qtypes.REASON_CLAUSE.search(text).group()
    assert clause == "karena prinsip non-intervensi"
    assert qtypes.REASON.search("Kegagalan ASEAN") and not qtypes.REASON_CLAUSE.search(
        "Kegagalan ASEAN")  # a reason noun scores, but only a conjunction starts the clause


def test_one_sentence_and_whole_sentence_types_do_not_overlap() -> None:
    for t in qtypes.TABLE:
        assert not (t.in_one_sentence and t.whole_sentence), t.name
    assert {t.name for t in qtypes.TABLE if t.whole_sentence} == {"mengapa", "bagaimana"}

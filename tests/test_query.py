"""Tests for tanya_trafficking.query: normalisation, typos, synonyms, entities, question types.

Pure logic on small hand-made vocabularies (Sastrawi's stemmer and dictionary are real)."""

from __future__ import annotations

import pytest

from tanya_trafficking.followup import context_for, is_follow_up
from tanya_trafficking.query import (Speller, edit_distance, is_english, normalize, parse,
                                     vocabulary)

KNOWN = {"kepanjangan": 0, "actip": 3, "unodc": 2, "trafficking": 20, "perdagangan": 3,
         "asean": 30, "negara": 10, "sasaran": 1, "didirikan": 1, "pencegahan": 4,
         "traficking": 2, "mengartikan": 1}


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(KNOWN)


def concepts(question: str, speller=None) -> list[tuple]:
    return [c.alternatives for c in parse(question, speller).concepts]


def test_informal_words_become_standard_indonesian():
    assert normalize("brp kasus thn 2023 yg gak tercatat?") == \
        "berapa kasus tahun 2023 yang tidak tercatat?"


def test_informal_replacement_is_whole_words_only():
    # "tu" is "itu", but the "tu" inside "tujuan" is not touched
    assert normalize("tujuan ASEAN tu apa") == "tujuan ASEAN itu apa"


@pytest.mark.parametrize("typo, fixed", [("kepanjngan", "kepanjangan"), ("ACTP", "ACTIP"),
                                         ("UNDOC", "UNODC"), ("perdagngan", "perdagangan"),
                                         ("ASEN", "ASEAN"), ("trafficing", "trafficking")])
def test_typos_are_corrected_towards_corpus_words(speller, typo, fixed):
    assert normalize(f"apa {typo} itu", speller) == f"apa {fixed} itu"


@pytest.mark.parametrize("word", ["resep", "kota", "Filipina", "rendang"])
def test_real_words_absent_from_corpus_are_not_bent_into_corpus_words(speller, word):
    assert normalize(f"apa {word} itu", speller) == f"apa {word} itu"


def test_edit_distance_counts_a_transposition_once():
    assert edit_distance("undoc", "unodc", 2) == 1
    assert edit_distance("abc", "abc", 1) == 0
    assert edit_distance("abcdef", "uvwxyz", 2) == 3  # stops past the limit


def test_synonym_phrases_become_one_concept():
    for phrase in ("perdagangan orang", "perdagangan manusia", "TPPO", "trafiking",
                   "human trafficking"):
        alts = concepts(f"berapa kasus {phrase} tahun 2023?")
        trafficking = [a for a in alts if ("human", "trafficking") in a]
        assert len(trafficking) == 1, phrase
        assert ("dagang", "orang") in trafficking[0] and ("tppo",) in trafficking[0]


def test_english_words_get_their_indonesian_form():
    alts = concepts("How many member states does ASEAN have?")
    assert any(("anggota",) in a for a in alts)
    assert any(("negara",) in a for a in alts)
    # English function words are not concepts
    assert not any(("have",) in a or ("does",) in a for a in alts)


def test_question_frame_words_are_not_concepts():
    alts = concepts("Berapa jumlah kasus pada tahun 2023?")
    assert not any(("jumlah",) in a for a in alts)
    assert any(("kasus",) in a for a in alts)


def test_names_and_numbers_are_entities_but_the_first_word_is_not():
    q = parse("Berapa kasus human trafficking di Filipina pada tahun 2024?")
    entities = {c.alternatives[0] for c in q.concepts if c.entity}
    assert ("filipina",) in entities and ("2024",) in entities
    assert not any(("kasus",) == c.alternatives[0] and c.entity for c in q.concepts)


@pytest.mark.parametrize("question, qtype", [
    ("Apa kepanjangan dari ACTIP?", "kepanjangan"),
    ("What does ACTIP stand for?", "kepanjangan"),
    ("Tahun berapa ACTIP didirikan?", "kapan"),
    ("ACTIP dibikin thn brp?", "kapan"),
    ("kata UN Women tiap thn brp perempuan yg diperdagangkan?", "berapa"),
    ("How many cases were recorded in 2023?", "berapa"),
    ("Negara mana yang paling banyak kasusnya?", "negara"),
    ("Negara ASEAN mana yang kasusnya terbanyak?", "negara"),
    ("Siapa sasaran utama pelaku?", "siapa"),
    ("ASEAN gak bisa berantas trafficking gara2 apa sih?", "mengapa"),
    ("Bagaimana upaya ASEAN dibuktikan?", "bagaimana"),
    ("Apa tujuan ASEAN?", "apa"),
])
def test_question_types(question, qtype):
    assert parse(question).qtype == qtype


def test_vocabulary_file_is_consistent():
    vocab = vocabulary()
    assert {"informal", "english", "synonyms", "frame"} <= set(vocab)
    # no synonym phrase belongs to two groups: a phrase must mean one thing
    seen: dict[str, int] = {}
    for i, group in enumerate(vocab["synonyms"]):
        for phrase in group:
            assert seen.setdefault(phrase, i) == i, phrase


@pytest.mark.parametrize("question", ["Kapan didirikan?", "Apa fungsinya?",
                                      "bagaimana dengan tahun 2022?", "siapa korbannya?",
                                      "Siapa yang meratifikasi regulasi tersebut?"])
def test_follow_up_questions_lean_on_the_previous_turn(question):
    assert is_follow_up(question)
    assert context_for(question, "Apa kepanjangan dari ACTIP?") == "Apa kepanjangan dari ACTIP?"


@pytest.mark.parametrize("question", ["Apa itu ACTIP?", "Apa tujuan ASEAN?",
                                      "Berapa kasus human trafficking pada tahun 2023?",
                                      "Mengapa ASEAN gagal menanggulangi human trafficking?"])
def test_standalone_questions_ignore_the_previous_turn(question):
    assert not is_follow_up(question)
    assert context_for(question, "Apa kepanjangan dari ACTIP?") is None


def test_follow_up_keeps_its_own_question_type_but_gains_the_context_concepts():
    q = parse("Kapan didirikan?", context="Apa kepanjangan dari ACTIP?")
    assert q.qtype == "kapan"
    assert any(("actip",) in c.alternatives for c in q.concepts)
    assert "ACTIP" in q.normalized


@pytest.mark.parametrize("question, qtype", [
    ("Kapankah berakhirnya Kejurnas Sepak Takraw XVII?", "kapan"),
    ("Mulai tanggal berapakah harga pertamax turun?", "kapan"),
    ("Berapakah luas tanah bandara Kuala Namu?", "berapa"),
    ("Dimanakah lokasi Bandung?", "dimana"),
    ("Di mana ACTIP ditandatangani?", "dimana"),
])
def test_question_types_with_kah_and_dimana(question, qtype) -> None:
    assert parse(question).qtype == qtype


@pytest.mark.parametrize("question, corpus_words", [
    ("Kelompok mana yang paling diincar para penjual manusia?", {"sasar", "human"}),
    ("Aturan dasar apa yang dipegang perhimpunan negara Asia Tenggara?", {"prinsip", "asean"}),
    ("Lembaga global mana yang mengingatkan pemerintah?", {"organisasi", "ingat"}),
])
def test_domain_synonyms_reach_the_corpus_words(question, corpus_words) -> None:
    terms_ = {t for c in parse(question).concepts for t in c.all_terms()}
    assert corpus_words <= terms_


@pytest.mark.parametrize("question, qtype", [
    ("Badan apakah yang memperkirakan jumlah penganggur terdidik?", "apa"),
    ("Lembaga mana yang merilis persentase korban?", "apa"),
    ("Jumlah korban TPPO tahun 2023?", "berapa"),
    ("Apa jumlah korban TPPO tahun 2023?", "berapa"),
    ("Persentase korban perempuan?", "berapa"),
    ("What percentage of victims are women?", "berapa"),
])
def test_jumlah_and_persen_ask_for_a_number_only_without_another_question_word(
        question, qtype) -> None:
    assert parse(question).qtype == qtype


def test_a_vocabulary_word_is_never_corrected_into_a_corpus_word() -> None:
    # a grown corpus may hold "TPPI"; the user's "TPPO" is kosakata.json's synonym of human
    # trafficking, not a typo of it
    speller = Speller({"tppi": 3, "kasus": 9})
    assert parse("Berapa jumlah kasus TPPO pada tahun 2022?", speller).normalized \
        == "Berapa jumlah kasus TPPO pada tahun 2022?"


@pytest.mark.parametrize("question, english", [
    ("What does ACTIP stand for?", True),
    ("How many trafficking cases were recorded in 2023?", True),
    ("Which country has the most human trafficking cases?", True),
    ("Apa kepanjangan dari ACTIP?", False),
    ("brp kasus human trafficking thn 2023?", False),
    ("Kapan Indonesia meratifikasi ACTIP?", False),
])
def test_english_questions_are_told_apart(question, english) -> None:
    assert is_english(question) is english

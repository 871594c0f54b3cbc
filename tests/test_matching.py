"""Tests for matching.py: coverage and answer types shared by retrieval and answering."""

from __future__ import annotations

import pytest

from tanya_trafficking.lexical import terms
from tanya_trafficking.matching import asked_terms, has_answer_type
from tanya_trafficking.query import parse
from tanya_trafficking.textnorm import tokenize

TEXTS = [
    "Menurut UN Women menyebutkan bahwa setiap tahun tidak kurang dari 225.000 perempuan dan "
    "anak diperdagangkan pada kawasan Asia Tenggara.",
    "Penulis menemukan hambatan tersebut berasal dari prinsip ASEAN yang memegang teguh "
    "prinsip non-intervensi.",
    "Kegagalan ASEAN yang tidak dapat mengantispasi berkembangnya human trafficking di Asia "
    "Tenggara, membuat penulis menelisik jauh dan mencoba melihat hambatan ASEAN.",
    "Sebab penanggulangan human trafficking adalah upaya keadilan bagi masyarakat dunia.",
]
QUESTIONS = [
    "Berapa perempuan dan anak yang diperdagangkan tiap tahun?",
    "Apa penyebab kegagalan ASEAN menanggulangi perdagangan orang?",
    "Siapa yang menulis tentang hambatan prinsip non-intervensi?",
    "Mengapa penanggulangan trafiking penting bagi masyarakat?",
]


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("text", TEXTS)
def test_asked_terms_find_every_question_term_full_stemming_finds(question, text) -> None:
    """Skipping words that cannot stem to a question term changes nothing coverage sees."""
    q = parse(question)
    wanted = {t for c in q.concepts for t in c.all_terms()}
    assert asked_terms(q, tokenize(text)) & wanted == set(terms(text)) & wanted


def test_asked_terms_skip_words_that_cannot_be_question_terms() -> None:
    q = parse("Berapa kasus tahun 2023?")
    got = asked_terms(q, tokenize(TEXTS[1]))
    assert got == set()  # nothing in that sentence can be "kasus", "tahun" or "2023"


def test_concept_weights_are_remembered_per_index_not_across_indexes() -> None:
    from tanya_trafficking.lexical import LexicalIndex
    from tanya_trafficking.matching import concept_weight

    concept = parse("Apa itu ACTIP?").concepts[0]
    rare = LexicalIndex.build(["ACTIP disahkan", "kasus naik", "korban pulang", "data baru"])
    common = LexicalIndex.build(["ACTIP disahkan", "ACTIP berlaku", "ACTIP dikaji", "data"])
    w_rare, w_common = concept_weight(concept, rare), concept_weight(concept, common)
    assert w_rare > w_common  # a rarer term weighs more: each index has its own idf
    assert concept_weight(concept, rare) == w_rare == rare.idf("actip")


def test_negara_questions_accept_any_country_not_only_southeast_asian_ones() -> None:
    from tanya_trafficking.matching import has_answer_type

    assert has_answer_type("Putri Basma binti Talal berasal dari Jordania.", "negara")
    assert has_answer_type("Festival itu diadakan di Jerman sejak 2000.", "negara")
    assert has_answer_type("Korban dibawa ke Korea Selatan.", "negara")
    assert not has_answer_type("Festival itu diadakan di Edenkoben sejak 2000.", "negara")
    assert not has_answer_type("Orang Jermanik kuno.", "negara")  # whole words only


def test_years_in_brackets_are_dates_unless_a_source_is_named_with_them() -> None:
    from tanya_trafficking.matching import has_answer_type

    assert has_answer_type("Wakidi (1890-1979), pelukis naturalistik, boleh saja tiada.", "kapan")
    assert has_answer_type("Setelah Susy Susanti (1993) dan Tony Gunawan (2001).", "kapan")
    assert has_answer_type("Pada masa Sultan Iskandar Thani (1637-1641) Aceh berjaya.", "kapan")
    assert not has_answer_type("Perdagangan orang adalah kejahatan berat (UNODC, 2004).", "kapan")
    assert not has_answer_type("Kasus meningkat tajam (cnbc.2022).", "berapa")


@pytest.mark.parametrize("sentence, is_date", [
    ("Ia lahir di Blambangan tahun 1442.", True),
    ("Kerajaan Sukhothai didirikan pada 1238.", True),
    ("Hydatius dilahirkan sekitar tahun 400.", True),
    ("Ia diangkat menjadi nabi sekitar 1450 SM.", True),
    ("Candi itu dibangun pada abad ke-8.", True),
    ("Menaranya setinggi 100 m.", False),
    ("Kasus ini tercatat dalam laporan (CTDC, 2023).", False),
])
def test_dates_of_any_era_answer_a_when_question(sentence, is_date) -> None:
    assert has_answer_type(sentence, "kapan") is is_date

"""Tests for tanya_trafficking.lexical: Indonesian BM25 terms and the bm25s index."""

from __future__ import annotations

import numpy as np
import pytest

from tanya_trafficking.lexical import LexicalIndex, terms

DOCS = [
    "Harga cabai di pasar tradisional naik menjelang hari raya.",
    "Pada tahun 2023 tercatat 156,330 ribu kasus perdagangan orang di dunia.",
    "ACTIP disahkan oleh negara anggota ASEAN pada tahun 2015.",
    "Perempuan dan anak paling sering diperdagangkan ke luar negeri.",
]


# --------------------------------------------------------------------------- terms


def test_terms_are_stemmed() -> None:
    assert terms("perdagangan") == ["dagang"]
    assert terms("diperdagangkan") == ["dagang"]
    assert terms("Memperdagangkan") == ["dagang"]  # case folded first


def test_terms_drop_stopwords_but_keep_meaningful_words() -> None:
    assert terms("yang") == []
    assert terms("dan di ke dari untuk") == []
    assert "yang" not in terms("orang yang diperdagangkan")
    assert terms("orang yang diperdagangkan") == ["orang", "dagang"]
    # question words that matter for factoid questions survive
    assert "tahun" in terms("Tahun berapa ACTIP disahkan?")
    assert "actip" in terms("Tahun berapa ACTIP disahkan?")
    # informal question words do not
    assert terms("gimana dong") == []


@pytest.mark.parametrize("written", ["156,330", "156.330", "156330"])
def test_numbers_are_normalised(written) -> None:
    assert terms(f"{written} kasus") == ["156330", "kasus"]


def test_decimal_numbers_stay_decimal() -> None:
    assert terms("5,82%") == ["5.82"]


# --------------------------------------------------------------------------- the index


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex.build(DOCS)


def top(index: LexicalIndex, question: str, k: int = 3) -> list[int]:
    return [i for i, _ in index.search(terms(question), k)]


def test_index_counts_documents(index) -> None:
    assert index.n_docs == len(DOCS)
    assert index.doc_freq("tahun") == 2
    assert index.doc_freq("dagang") == 2  # "perdagangan" and "diperdagangkan"
    assert index.doc_freq("tidakada") == 0


def test_number_query_finds_formatted_number(index) -> None:
    assert top(index, "156330") == [1]
    assert top(index, "Berapa kasus pada 156.330?")[0] == 1


@pytest.mark.parametrize("question, expected", [
    ("Kapan ACTIP disahkan?", 2),
    ("Siapa yang paling sering diperdagangkan ke luar negeri?", 3),
    ("harga cabai di pasar", 0),
    ("jumlah kasus perdagangan orang tahun 2023", 1),
])
def test_search_ranks_the_right_document_first(index, question, expected) -> None:
    hits = index.search(terms(question), 4)
    assert hits[0][0] == expected
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)


def test_stemming_matches_other_word_forms(index) -> None:
    # no document contains "memperdagangkan", but two share its stem
    assert set(top(index, "memperdagangkan", k=4)) == {1, 3}


def test_unknown_or_stopword_queries_find_nothing(index) -> None:
    assert index.search(terms("xyzzy quux"), 3) == []
    assert index.search(terms("yang dan di"), 3) == []
    assert not index.scores(terms("xyzzy")).any()


def test_empty_document_keeps_ids_aligned() -> None:
    index = LexicalIndex.build(["", "yang dan", "ACTIP disahkan tahun 2015."])
    assert index.n_docs == 3
    assert top(index, "ACTIP") == [2]


def test_save_and_load_round_trip(index, tmp_path) -> None:
    folder = tmp_path / "bm25"
    index.save(folder)
    loaded = LexicalIndex.load(folder)

    assert loaded.n_docs == index.n_docs
    assert loaded.vocab == index.vocab
    for question in ["Kapan ACTIP disahkan?", "156330 kasus", "perempuan dan anak", "xyzzy"]:
        q = terms(question)
        np.testing.assert_allclose(loaded.scores(q), index.scores(q))
        got, expected = loaded.search(q, 4), index.search(q, 4)
        assert [i for i, _ in got] == [i for i, _ in expected]
        assert [s for _, s in got] == pytest.approx([s for _, s in expected])
    for term in ["tahun", "dagang", "actip"]:
        assert loaded.doc_freq(term) == index.doc_freq(term)
        assert loaded.idf(term) == pytest.approx(index.idf(term))
    # saved without pickle
    for npy in folder.glob("*.npy"):
        np.load(npy, allow_pickle=False)


def test_search_breaks_ties_by_position_and_skips_documents_without_a_query_term() -> None:
    from tanya_trafficking.lexical import LexicalIndex, terms

    docs = ["data lama"] + ["korban perdagangan orang"] * 6 + ["korban"]
    lx = LexicalIndex.build(docs)
    got = lx.search(terms("perdagangan orang"), 3)
    assert [i for i, _ in got] == [1, 2, 3]  # six equal scores: the first three positions
    assert len({s for _, s in got}) == 1
    everything = lx.search(terms("korban"), 100)
    assert [i for i, _ in everything] == [7, 1, 2, 3, 4, 5, 6]  # shortest doc first, then order
    assert 0 not in dict(everything)
    assert lx.search(["tidakada"], 5) == [] and lx.search(terms("korban"), 0) == []

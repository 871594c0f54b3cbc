"""Tests for tanya_trafficking.retrieval on a real index (e5-onnx + FAISS + BM25) of the seed
corpus's two text documents, built once per session: fewer chunks than the 50 candidates, so
every chunk is a dense candidate and the fusion's formulas can be checked on all of them."""

from __future__ import annotations

import numpy as np
import pytest

from tanya_trafficking import pipeline
from tanya_trafficking.query import parse
from tanya_trafficking.retrieval import Retriever
from tanya_trafficking.schema import Query

QUESTION = "Apa kepanjangan dari ACTIP?"
EXPANSION = "ASEAN Convention Against Trafficking in Persons"
QUESTIONS = [QUESTION, "Berapa kasus human trafficking pada tahun 2023?",
             "Mengapa ASEAN gagal menangani human trafficking?"]


@pytest.fixture(scope="module")
def bot(text_seed_settings) -> pipeline.Bot:
    return pipeline.Bot.open(text_seed_settings)


@pytest.fixture(scope="module")
def seed_index(bot):
    return bot.index


def query(bot, question: str) -> Query:
    """The question parsed as the bot parses it (normalised text and BM25 terms)."""
    return parse(question, bot.speller)


def search(bot, question: str, k: int, alpha: float = 0.5, rerank: bool = True):
    """The product's search; ``rerank=False`` is the fusion alone (its formula tests)."""
    retriever = Retriever(bot.index, bot.retriever.embedder, alpha=alpha, candidates=50,
                          rerank=rerank)
    return retriever.search(query(bot, question), k=k)


def cosines(bot, question: str) -> np.ndarray:
    """Raw cosine of the question with every chunk, computed without FAISS."""
    return bot.index.vectors() @ bot.retriever.embedder.embed_query(query(bot, question).normalized)


def bm25_scores(bot, question: str) -> np.ndarray:
    """Raw BM25 score of every chunk for the terms the retriever sends to BM25."""
    return bot.index.lexical.scores(bot.retriever.lexical_terms(query(bot, question)))


def test_hybrid_search_finds_the_actip_expansion(bot) -> None:
    hits = search(bot, QUESTION, k=3)

    assert len(hits) == 3
    assert any(EXPANSION in h.chunk.text for h in hits)


@pytest.mark.parametrize("question", QUESTIONS)
def test_fused_scores_sorted_and_between_0_and_1(bot, question) -> None:
    hits = search(bot, question, k=8)

    scores = [h.score for h in hits]
    assert len(hits) == 8
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert len({h.chunk.id for h in hits}) == len(hits)  # no chunk twice


def test_hits_carry_raw_dense_and_bm25_scores(bot, seed_index) -> None:
    k = len(seed_index.chunks)
    hits = search(bot, QUESTION, k=k)
    cos = cosines(bot, QUESTION)
    lex = bm25_scores(bot, QUESTION)
    row = {c.id: i for i, c in enumerate(seed_index.chunks)}

    assert len(hits) == k
    for h in hits:
        assert h.dense == pytest.approx(float(cos[row[h.chunk.id]]), abs=1e-4)
        assert h.lexical == pytest.approx(float(lex[row[h.chunk.id]]), abs=1e-4)


@pytest.mark.parametrize("question", QUESTIONS)
def test_alpha_one_is_pure_dense_ranking(bot, seed_index, question) -> None:
    # the seed index has fewer chunks than the 50 candidates: every chunk is a dense candidate
    k = len(seed_index.chunks)
    assert k < 50
    hits = search(bot, question, k=k, alpha=1.0, rerank=False)
    cos = cosines(bot, question)

    assert hits[0].chunk == seed_index.chunks[int(np.argmax(cos))]
    # min-max scaling keeps the order: the whole ranking is the cosine ranking
    dense = [h.dense for h in hits]
    assert dense == sorted(dense, reverse=True)
    assert hits[0].score == pytest.approx(1.0) and hits[-1].score == pytest.approx(0.0)


@pytest.mark.parametrize("question", QUESTIONS)
def test_alpha_zero_is_pure_bm25_ranking(bot, seed_index, question) -> None:
    lex = bm25_scores(bot, question)
    matching = int((lex > 0).sum())
    assert matching >= 1

    hits = search(bot, question, k=matching, alpha=0.0, rerank=False)

    assert hits[0].chunk == seed_index.chunks[int(np.argmax(lex))]
    lexical = [h.lexical for h in hits]
    assert lexical == sorted(lexical, reverse=True)
    assert all(s > 0 for s in lexical)  # chunks with BM25 hits rank before all others


@pytest.mark.parametrize("alpha", [0.3, 0.5, 0.8])
def test_fused_score_is_the_documented_min_max_mix(bot, seed_index, alpha) -> None:
    k = len(seed_index.chunks)
    hits = search(bot, QUESTION, k=k, alpha=alpha, rerank=False)
    cos = cosines(bot, QUESTION)
    lex = bm25_scores(bot, QUESTION)
    # every chunk is a dense candidate; the BM25 candidates are the chunks it scores above 0
    dense01 = (cos - cos.min()) / (cos.max() - cos.min())
    hit = lex > 0
    bm25_01 = np.zeros_like(lex)
    if hit.sum() > 1:
        bm25_01[hit] = (lex[hit] - lex[hit].min()) / (lex[hit].max() - lex[hit].min())
    else:
        bm25_01[hit] = 1.0
    expected = alpha * dense01 + (1 - alpha) * bm25_01
    row = {c.id: i for i, c in enumerate(seed_index.chunks)}

    for h in hits:
        assert h.score == pytest.approx(float(expected[row[h.chunk.id]]), abs=1e-4)
    assert hits[0].chunk == seed_index.chunks[int(np.argmax(expected))]


# --- the coverage rerank -------------------------------------------------------------------


def test_rerank_scores_are_the_documented_mix(bot, seed_index) -> None:
    from tanya_trafficking.matching import answers_type, coverage
    from tanya_trafficking.retrieval import COVERAGE_WEIGHT, RERANK, TYPE_WEIGHT

    k = len(seed_index.chunks)
    plain = {h.chunk.id: h.score for h in search(bot, QUESTION, k=k, rerank=False)}
    reranked = search(bot, QUESTION, k=RERANK)
    q = query(bot, QUESTION)
    top = sorted(plain, key=lambda i: -plain[i])[:RERANK]
    assert {h.chunk.id for h in reranked} == set(top)  # reorders the head, adds nothing
    for h in reranked:
        want = (plain[h.chunk.id] + COVERAGE_WEIGHT * coverage(q, h.chunk.text, bot.index.lexical)
                + TYPE_WEIGHT * answers_type(h.chunk.text, q)) / (1 + COVERAGE_WEIGHT + TYPE_WEIGHT)
        assert h.score == pytest.approx(want, abs=1e-6)
    assert [h.score for h in reranked] == sorted((h.score for h in reranked), reverse=True)


def test_rerank_puts_the_chunk_with_the_asked_answer_type_first(bot) -> None:
    """"Apa kepanjangan dari ASEAN?": the fusion alone ranks a chunk that only mentions ASEAN
    first; the rerank (coverage + answer type: an expansion) the one that spells it out."""
    question = "Apa kepanjangan dari ASEAN?"
    expansion = "Association of Southeast Asian Nations"
    plain = search(bot, question, k=3, rerank=False)
    hits = search(bot, question, k=3)
    assert expansion not in plain[0].chunk.text
    assert expansion in hits[0].chunk.text


@pytest.mark.parametrize("flat_max", [50_000, 100])  # exact search, then IVF
def test_selection_limits_faiss_to_the_allowed_rows(flat_max) -> None:
    from tanya_trafficking import ann
    from tanya_trafficking.retrieval import _selection

    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(3000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = ann.build(vectors, flat_max=flat_max)
    if ann.kind(len(vectors), flat_max) == "ivf":
        import faiss

        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = ivf.nlist  # every list: the selection must keep the index's nprobe
    allowed = np.zeros(len(vectors), dtype=bool)
    allowed[1200:1260] = True
    allowed[2990:] = True
    q = vectors[5]  # its own row (and its neighbours) are not allowed
    scores, ids = index.search(q.reshape(1, -1), 10, params=_selection(index, allowed))
    assert all(allowed[i] for i in ids[0]) and len(set(ids[0])) == 10
    best = np.flatnonzero(allowed)[np.argsort(-(vectors[allowed] @ q))[:10]]
    assert list(ids[0]) == list(best)  # the exact best allowed rows

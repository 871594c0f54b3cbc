"""benchmarks/facqa.py: its own comparison rules (pure logic), and its systems (the product and
the separately configured baselines) measured by the evaluation core on the seed index."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import facqa  # noqa: E402


def test_passage_key_merges_the_two_tokenisations_of_one_passage() -> None:
    assert facqa.passage_key("Luasnya 1, 2 juta (8 0).") == facqa.passage_key(
        "Luasnya 1,2 juta (80).")
    assert facqa.passage_key("Luasnya 1,2 juta.") != facqa.passage_key("Luasnya 1,3 juta.")


def test_answer_matches_across_the_spellings_of_a_merged_passage() -> None:
    quote = "Api masih berkobar di areal seluas 7, 5 hektar."
    assert facqa.answer_in(quote, "7,5 hektar")
    assert facqa.answer_in("Skornya ( 8 0 ) poin", "(80)")
    assert facqa.answer_in("Diumumkan oleh Teguh  Karya", "teguh karya")


def test_answer_match_still_tells_different_answers_apart() -> None:
    quote = "Api masih berkobar di areal seluas 7, 5 hektar."
    assert not facqa.answer_in(quote, "7,6 hektar")
    assert not facqa.answer_in(quote, "75 hektar")  # the comma stays: 7,5 is not 75
    assert not facqa.answer_in("Teguh Karya", "teguhkarya")  # words stay apart
    assert not facqa.answer_in(quote, "  ")


def test_the_no_reader_baseline_is_a_separately_configured_instance(seed_settings) -> None:
    from tanya_trafficking import pipeline
    from tanya_trafficking.query import parse

    bot = pipeline.Bot.open(seed_settings)
    before = bot.settings
    baseline = facqa.without_reader(bot)
    assert bot.settings == before  # the product's own settings are never flipped
    assert (baseline.settings.reader_switch, baseline.settings.reader_rerank,
            baseline.settings.reader_gate) == (2.0, 0.0, 0.0)
    assert baseline.index is bot.index and baseline.retriever is bot.retriever
    question = "Di provinsi mana ACTIP ditandatangani?"
    retrieved = bot.retriever.search(parse(question, bot.speller), k=5)
    assert [h.chunk.id for h in baseline.ask(question).hits] == [h.chunk.id for h in retrieved]


def test_retrieval_baselines_have_their_own_retriever_and_answer_with_the_answer_step(
        seed_settings) -> None:
    from tanya_trafficking import pipeline

    bot = pipeline.Bot.open(seed_settings)
    product_retriever = (bot.retriever.alpha, bot.retriever.rerank)
    systems = facqa.systems(bot)
    assert systems["product"] is bot
    for name, alpha in (("bm25", 0.0), ("dense", 1.0)):
        baseline = systems[name]
        assert baseline.retriever is not bot.retriever
        assert (baseline.retriever.alpha, baseline.retriever.rerank) == (alpha, False)
        assert baseline.retriever.index is bot.index
        question = "Apa kepanjangan dari ACTIP?"
        answer = baseline.ask(question, retrieve=10)
        ranked = baseline.retriever.search(facqa.raw_query(question), k=10)
        assert [h.chunk.id for h in answer.hits] == [h.chunk.id for h in ranked]
        assert answer.found and answer.quotes  # threshold 0: the rules' sentences, never declined
        top = {h.chunk.id for h in answer.hits[:bot.settings.top_k]}
        assert {q.chunk_id for q in answer.quotes} <= top
    assert (bot.retriever.alpha, bot.retriever.rerank) == product_retriever  # untouched


def test_measure_reports_the_cores_metrics_per_system(seed_settings) -> None:
    """facqa.measure on the seed corpus: gold = the document, FacQA's matcher for quotes."""
    from tanya_trafficking import pipeline

    bot = pipeline.Bot.open(seed_settings)
    actip = "artikel-perdagangan-orang-asia-tenggara-actip.txt"
    rows = [{"question": "Apa kepanjangan dari ACTIP?", "passage": "P1",
             "answer": "ASEAN Convention Against Trafficking in Persons"},
            {"question": "Apa itu prinsip non-intervensi ASEAN?", "passage": "P2",
             "answer": "tidak ada di teks ini"}]
    items = facqa.eval_items(rows, {"P1": actip,
                                    "P2": "abstrak-skripsi-asean-prinsip-non-intervensi.txt"})
    assert [i.source for i in items] == [actip, "abstrak-skripsi-asean-prinsip-non-intervensi.txt"]
    m = facqa.measure(bot, items, seen={actip})
    assert set(m) == set(facqa.RANK_KEYS + facqa.ANSWER_KEYS) | {"unseen_passages"}
    assert m["recall@10"] == 1.0 and m["quote_hit@1"] == 0.5
    assert m["unseen_passages"]["questions"] == 1
    baseline = facqa.measure(facqa.systems(bot)["bm25"], items, answers=False)
    assert set(baseline) == set(facqa.RANK_KEYS)

"""The FacQA benchmark's own comparison rules (pure logic of benchmarks/facqa.py)."""

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

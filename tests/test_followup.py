"""Follow-up questions through the real pipeline (seed index, real model): a question that
leans on the previous turn is answered with the previous question's subject.

Through the web chat (the ``/tanya`` API's ``sebelumnya``, the page's own chat event, the
answer cache): tests/test_app.py, section "follow-ups", and tests/test_web_service.py; in the
browser: tests/test_browser.py."""

from __future__ import annotations

import pytest

from tanya_trafficking import pipeline


@pytest.fixture(scope="module")
def bot(seed_settings) -> pipeline.Bot:
    return pipeline.Bot.open(seed_settings)


@pytest.mark.slow
def test_short_follow_up_uses_the_previous_question(bot):
    answer = bot.ask("Kapan ACTIP didirikan?")
    follow = bot.ask("Kapan didirikan?", previous="Apa kepanjangan dari ACTIP?")
    assert answer.found and follow.found
    assert any("2015" in q.text for q in follow.quotes)
    assert follow.question == "Kapan didirikan?"


@pytest.mark.slow
def test_bagaimana_dengan_follow_up_finds_the_other_year(bot):
    follow = bot.ask("bagaimana dengan tahun 2022?",
                     previous="Berapa kasus human trafficking pada tahun 2023?")
    assert follow.found
    assert any("115.000" in q.text for q in follow.quotes)


@pytest.mark.slow
def test_a_standalone_question_is_not_changed_by_the_previous_one(bot):
    alone = bot.ask("Apa kepanjangan dari ACTIP?")
    after = bot.ask("Apa kepanjangan dari ACTIP?",
                    previous="Berapa kasus human trafficking pada tahun 2023?")
    assert [q.text for q in alone.quotes] == [q.text for q in after.quotes]


@pytest.mark.slow
def test_a_follow_up_answer_carries_its_query_context_and_highlights(bot):
    """The Answer carries the question as it was searched: a follow-up's highlights mark the
    previous question's words too ("ACTIP" in "Kapan didirikan?"), from the same parse."""
    alone = bot.ask("Kapan didirikan?")
    follow = bot.ask("Kapan didirikan?", previous="Apa kepanjangan dari ACTIP?")
    assert alone.context is None and alone.query.original == "Kapan didirikan?"
    assert follow.context == "Apa kepanjangan dari ACTIP?"
    assert follow.query.original == "Apa kepanjangan dari ACTIP? Kapan didirikan?"
    assert follow.query.qtype == "kapan"  # the type comes from the question alone
    assert len(follow.highlights) == len(follow.quotes)
    quote = next(q for q in follow.quotes if "2015" in q.text)
    spans = follow.highlights[follow.quotes.index(quote)]
    marked = {(quote.text[s:e], kind) for s, e, kind in spans}
    assert ("ACTIP", "term") in marked and ("2015", "answer") in marked
    # The JSON of an answer is as before: the new fields are not part of it.
    assert set(follow.to_json()) == {"question", "found", "answer", "short_answer",
                                     "confidence", "quotes"}

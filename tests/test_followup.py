"""Follow-up questions through the real pipeline (seed index, real model): a question that
leans on the previous turn is answered with the previous question's subject.

Through the web chat (the ``/tanya`` API's ``sebelumnya``, the page's own chat event, the
answer cache): tests/test_app.py, section "follow-ups"; in the browser: tests/test_browser.py."""

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

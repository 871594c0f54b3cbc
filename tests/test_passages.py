"""The text around a quote (passages.py, ``pipeline.Bot.passage``)."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_passage_holds_the_quote_inside_its_chunk(seed_bot) -> None:
    result = seed_bot.ask("Berapa jumlah kasus human trafficking pada tahun 2023?")
    assert result.found
    for quote in result.quotes:
        passage = seed_bot.passage(quote)
        assert passage.text[passage.quote_start:passage.quote_end] == quote.text
        chunk = seed_bot.chunk(quote.chunk_id)
        assert chunk is not None and chunk.text in passage.text
        assert len(passage.text) > len(quote.text)

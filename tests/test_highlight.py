"""What a quote marks (highlight.py): the answer the question type asks for (a number, a
year, an acronym's expansion, a reason) and the question's own words, never the question's own
year. How the marks look in the chat: test_web_render.py; a follow-up's: test_followup.py."""

from __future__ import annotations

import pytest
from seedqa import ACTIP_A, ACTIP_Q

from tanya_trafficking.highlight import highlight_spans
from tanya_trafficking.query import parse


@pytest.mark.slow
def test_highlights_mark_what_the_question_asks_for(seed_bot) -> None:
    def marked(question, text):
        return [(text[s:e], kind) for s, e, kind in
                highlight_spans(parse(question, seed_bot.speller), text)]

    text = "Pada tahun 2023 kasus human traficking sebanyak 156,330 ribu kasus."
    spans = marked("Berapa jumlah kasus human trafficking pada tahun 2023?", text)
    assert ("156,330 ribu", "answer") in spans
    assert ("2023", "answer") not in spans  # the question's own year is not the answer
    assert ("kasus", "term") in spans
    spans = marked("Berapa korban di Sukamaju?", "Pada tahun 2024 tercatat 37 korban di Sukamaju.")
    assert ("37", "answer") in spans and ("2024", "answer") not in spans
    text = "Regulasi ini disebut ASEAN Convention Against Trafficking in Persons (ACTIP)."
    assert (ACTIP_A, "answer") in marked(ACTIP_Q, text)
    text = "Semenjak didirikan ACTIP tahun 2015, terdapat upaya pencegahan."
    assert ("2015", "answer") in marked("Kapan ACTIP didirikan?", text)
    text = "Penulis menemukan hambatan tersebut berasal dari prinsip non-intervensi."
    assert ("berasal dari prinsip non-intervensi", "answer") in \
        marked("Mengapa ASEAN gagal?", text)

"""The conversation around the chat (web/conversation.py): examples, the kept copy, the export."""

from __future__ import annotations

import json
import os

from seedqa import ACTIP_SOURCE

from tanya_trafficking import ui_text as ui
from tanya_trafficking.web import conversation

STARTER = [{"source": conversation.STARTER_ARTICLE}, {"source": conversation.STARTER_THESIS},
           {"source": conversation.STARTER_PERDA}]
TURN = {"question": "Apa kepanjangan dari ACTIP?", "answer": "…", "found": True,
        "short_answer": "Convention Against Trafficking in Persons",
        "sources": [{"text": "Regulasi ini disebut ASEAN Convention Against Trafficking in "
                             "Persons (ACTIP).", "source": ACTIP_SOURCE, "page": None},
                    {"text": "Pasal 3 berbunyi *penting*.", "source": "perda_diy.pdf",
                     "page": 4}]}


def test_conversation_markdown_holds_questions_answers_and_quoted_sources() -> None:
    from datetime import datetime, timezone

    not_found = {"question": "Siapa presiden Filipina?\nTahun 2024?", "answer": "…",
                 "found": False, "previous": "Apa itu ACTIP?",
                 "sources": [{"text": "Filipina meratifikasi ACTIP.", "source": "a/b.txt",
                              "page": 2}]}
    when = datetime(2026, 12, 3, 18, 5, tzinfo=timezone.utc)
    md = conversation.conversation_markdown({"3": not_found, 1: TURN}, when)
    assert md.startswith("# Percakapan Tanya Trafficking\n")
    assert "Diekspor 3 Desember 2026, 18.05 UTC." in md
    first, second = md.index("## 1. Apa kepanjangan dari ACTIP?"), md.index("## 2. Siapa")
    assert first < second  # in the order asked (message index), whatever the keys' type
    assert "## 2. Siapa presiden Filipina? Tahun 2024?\n" in md  # one line
    assert "**Jawaban singkat:** Convention Against Trafficking in Persons" in md
    assert ("> «Regulasi ini disebut ASEAN Convention Against Trafficking in Persons (ACTIP).»"
            " [1]\n>\n> — `" + ACTIP_SOURCE + "`, tanpa nomor halaman") in md
    # Markdown in a quote stays text; file and page of every quote.
    assert "«Pasal 3 berbunyi \\*penting\\*.» [2]" in md and "`perda_diy.pdf`, halaman 4" in md
    assert "tidak ditemukan dalam dokumen" in md and "Bagian yang mungkin terkait:" in md
    assert "«Apa itu ACTIP?»" in md and "`a/b.txt`, halaman 2" in md
    assert "Belum ada pertanyaan" in conversation.conversation_markdown({}, when)
    assert conversation.export_filename(when) == "percakapan-tanya-trafficking-20261203-1805.md"


def test_examples_follow_the_documents_in_the_index() -> None:

    assert len(conversation.EXAMPLE_SOURCES) == len(ui.EXAMPLES)  # one document per example
    both = {"documents": STARTER}
    assert conversation.example_questions(both) == ui.EXAMPLES
    only_thesis = conversation.example_questions({"documents": STARTER[1:2]})
    assert only_thesis == [ui.EXAMPLES[2]]  # never an example its document cannot answer
    without_perda = conversation.example_questions({"documents": STARTER[:2]})
    assert without_perda == ui.EXAMPLES[:3]
    assert conversation.example_questions({"documents": []}) == []
    assert conversation.chat_placeholder({"documents": []}) == ui.CHAT_EMPTY_PLACEHOLDER
    assert conversation.chat_placeholder(both) == ui.CHAT_PLACEHOLDER
    uploaded = conversation.example_questions({"documents": [{"source": "laporan-nelayan.pdf"}]})
    assert uploaded == ["Apa isi utama dokumen laporan-nelayan.pdf?"]
    mixed = conversation.example_questions(
        {"documents": STARTER[1:2] + [{"source": "x.txt"}, {"source": "y.md"}, {"source": "z"}]})
    assert mixed == [ui.EXAMPLES[2], "Apa isi utama dokumen y.md?", "Apa isi utama dokumen z?"]


def test_kept_conversation_round_trips_and_refuses_an_edited_copy() -> None:
    import base64
    import zlib

    key, other = b"k" * 32, b"o" * 32
    hist = [{"role": "user", "content": "<p>q</p>"}, {"role": "assistant", "content": "<p>a</p>"}]
    saved = json.loads(json.dumps(conversation.saved_conversation(hist, {1: TURN}, key)))
    assert conversation.restore_conversation(saved, key, 200) == (hist, {1: TURN})
    assert conversation.restore_conversation(saved, other, 200) == ([], {})  # another server
    forged = dict(saved, data=base64.b64encode(zlib.compress(json.dumps(
        {"history": hist, "turns": {"1": dict(TURN, question="palsu")}}).encode())).decode())
    assert conversation.restore_conversation(forged, key, 200) == ([], {})
    for junk in (None, "x", {"v": 1}, {"v": 1, "data": "!!", "sig": "0"}, [], {"v": 99}):
        assert conversation.restore_conversation(junk, key, 200) == ([], {})
    # Too big for the page's requests: the oldest pairs are left out, indices follow.
    long = [{"role": r, "content": f"{r} {i} " + os.urandom(400).hex()}
            for i in range(40) for r in ("user", "assistant")]
    turns = {i: dict(TURN, question=f"q{i}") for i in range(1, 80, 2)}
    small = conversation.saved_conversation(long, turns, key, max_bytes=20_000)
    assert len(small["data"]) <= 20_000
    back, back_turns = conversation.restore_conversation(small, key, 200)
    assert 0 < len(back) < len(long) and back == long[-len(back):]
    assert back[0]["role"] == "user"
    assert all(back_turns[i]["question"] == f"q{i + len(long) - len(back)}" for i in back_turns)
    # At most max_messages come back, whole pairs.
    assert len(conversation.restore_conversation(
        conversation.saved_conversation(long, turns, key), key, 10)[0]) == 10




def test_every_example_is_answered_from_its_document(seed_bot) -> None:
    """An example the bot cannot answer would be the first thing a new user sees fail."""
    for question, source in zip(ui.EXAMPLES, conversation.EXAMPLE_SOURCES):
        answer = seed_bot.ask(question)
        assert answer.found, question
        assert answer.quotes[0].source == source, (question, answer.quotes[0])

"""The chat service (web/service.py) in process, over the seed index: the answer cache per
generation (a follow-up cached apart from the same words alone), follow-up chains, the
feedback it records, and an upload worker that fails without Python text reaching the user.
Through HTTP: test_app.py."""

from __future__ import annotations

import json
import os

import pytest
from seedqa import (ACTIP_A, ACTIP_Q, ACTIP_SOURCE, CASES_Q, FOLLOW_NOTE, FOLLOW_PREV, FOLLOW_Q,
                    FOLLOW_QUOTE)

from tanya_trafficking import pipeline
from tanya_trafficking.web import page, render
from tanya_trafficking.web import service as web_service


@pytest.mark.slow
def test_service_records_the_verdict_of_an_answer(seed_bot, tmp_path) -> None:
    settings = seed_bot.settings.replace(feedback=tmp_path / "umpan-balik.jsonl")
    service = web_service.ChatService(settings, bot=seed_bot)
    text, result, bot = service.answer(ACTIP_Q)
    turn = {"question": result.question, "answer": result.text, "found": result.found,
            "sources": [q.to_json() for q in result.quotes], "generation": bot.index.folder.name}
    assert service.record_feedback(turn, True) == "up"
    assert service.record_feedback(turn, False) == "down"
    assert service.record_feedback(turn, "") is None  # un-clicking writes nothing
    records = [json.loads(x) for x in settings.feedback.read_text("utf-8").splitlines()]
    assert [r["verdict"] for r in records] == ["up", "down"]
    assert records[0]["question"] == ACTIP_Q and ACTIP_A in records[0]["answer"]
    assert records[0]["sources"][0]["source"] == ACTIP_SOURCE


@pytest.mark.slow
def test_service_answers_a_repeated_question_once_per_generation(seed_bot, small_index,
                                                                 monkeypatch) -> None:
    service = web_service.ChatService(seed_bot.settings, bot=seed_bot)
    calls = []
    real_ask = seed_bot.ask
    monkeypatch.setattr(seed_bot, "ask", lambda q, **kw: calls.append(q) or real_ask(q, **kw))
    first = service.ask(ACTIP_Q)
    second = service.ask("  " + ACTIP_Q + " ")
    assert first == second and calls == [ACTIP_Q]
    assert service.ask("Apa itu ACTIP?")[1] is not None and len(calls) == 2
    # Another generation: nothing of the old one is reused.
    other = pipeline.Bot.open(small_index)
    service.swap(other)
    text, result = service.ask(ACTIP_Q)
    assert len(calls) == 2  # answered by the new bot, not the cache
    assert result.quotes and result.quotes[0].source == "actip.txt"


@pytest.mark.slow
def test_service_caches_a_follow_up_apart_from_the_same_words_alone(seed_bot,
                                                                    monkeypatch) -> None:
    service = web_service.ChatService(seed_bot.settings, bot=seed_bot)
    calls = []
    real_ask = seed_bot.ask
    monkeypatch.setattr(seed_bot, "ask", lambda q, **kw: calls.append(
        (q, kw.get("previous"))) or real_ask(q, **kw))
    alone = service.reply(FOLLOW_Q)
    follow = service.reply(FOLLOW_Q, FOLLOW_PREV)
    assert alone.context is None and follow.context == FOLLOW_PREV
    assert calls == [(FOLLOW_Q, None), (FOLLOW_Q, FOLLOW_PREV)]
    assert follow.result.found and FOLLOW_QUOTE in follow.result.quotes[0].text
    assert follow.text != alone.text
    assert service.reply(FOLLOW_Q).text == alone.text
    assert service.reply(FOLLOW_Q, FOLLOW_PREV).text == follow.text and len(calls) == 2
    # A question that stands alone: the previous one is not used, and the cache is shared.
    service.reply(ACTIP_Q)
    standalone = service.reply(ACTIP_Q, CASES_Q)
    assert standalone.context is None and len(calls) == 3
    # The note above the answer names the previous question (shortened when long).
    html = render.answer_html(follow.result, follow.bot)
    assert f'<p class="tt-context">{FOLLOW_NOTE}: «{FOLLOW_PREV}»</p>' in html
    assert "tt-context" not in render.answer_html(alone.result, alone.bot)
    long_note = render.follow_up_note("kata " * 100)
    assert len(long_note) < 300 and long_note.endswith("…»")


@pytest.mark.slow
def test_a_chain_of_follow_ups_keeps_its_subject(seed_bot) -> None:
    service = web_service.ChatService(seed_bot.settings, bot=seed_bot)
    turns = {1: {"question": "Apa itu ACTIP?"}}
    second = service.reply("Kapan itu ditandatangani?", page.previous_question(turns))
    assert second.context == "Apa itu ACTIP?"
    turns[3] = {"question": "Kapan itu ditandatangani?", "previous": second.context}
    third = service.reply("Apa tujuannya?", page.previous_question(turns))
    assert "ACTIP" in third.context
    assert third.result.found and "ACTIP" in third.result.quotes[0].text
    # with only the raw previous question the subject is lost and nothing is found
    assert not service.reply("Apa tujuannya?", "Kapan itu ditandatangani?").result.found


def test_a_failed_upload_build_reports_no_python_text(monkeypatch, tmp_path) -> None:
    import queue

    def broken(*args, **kwargs):
        raise ValueError("Expecting value: line 1 column 1 (char 0)")

    monkeypatch.setattr(pipeline, "add_to_corpus", broken)
    monkeypatch.setattr(os, "nice", lambda n: 0)  # runs in this process here, not spawned
    events = queue.Queue()
    web_service._upload_worker(None, [("a.txt", tmp_path / "a.txt")], events)
    kind, message = events.get_nowait()
    assert kind == "error" and "tidak ditambahkan" in message
    assert "Expecting" not in message and "ValueError" not in message


@pytest.mark.slow
def test_a_follow_up_is_parsed_once_and_its_answer_carries_what_the_page_needs(
        seed_bot, monkeypatch) -> None:
    """The question is parsed once, in ``Bot.ask``; the page lays out what the Answer carries
    (its query, the previous question it used, the highlights) without parsing it again."""
    from tanya_trafficking import query

    parsed = []
    real_parse = query.parse
    counting = lambda *a, **kw: parsed.append(a[0]) or real_parse(*a, **kw)  # noqa: E731
    monkeypatch.setattr(query, "parse", counting)  # any other look at the question
    monkeypatch.setattr(pipeline, "parse", counting)  # the search's
    service = web_service.ChatService(seed_bot.settings, bot=seed_bot)
    follow = service.reply(FOLLOW_Q, FOLLOW_PREV)
    html = render.answer_html(follow.result, follow.bot)
    assert parsed == [FOLLOW_Q] and follow.result.quotes and "tt-context" in html
    assert follow.result.context == FOLLOW_PREV and follow.context == FOLLOW_PREV
    assert follow.result.query.original == f"{FOLLOW_PREV} {FOLLOW_Q}"
    assert len(follow.result.highlights) == len(follow.result.quotes)


# --------------------------------------------------------------------------- conversation

STARTER = [{"source": web_service.STARTER_ARTICLE}, {"source": web_service.STARTER_THESIS}]
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
    md = web_service.conversation_markdown({"3": not_found, 1: TURN}, when)
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
    assert "Belum ada pertanyaan" in web_service.conversation_markdown({}, when)
    assert web_service.export_filename(when) == "percakapan-tanya-trafficking-20261203-1805.md"


def test_examples_follow_the_documents_in_the_index() -> None:
    from tanya_trafficking import ui_text as ui

    assert len(web_service.EXAMPLE_SOURCES) == len(ui.EXAMPLES)  # one document per example
    both = {"documents": STARTER}
    assert web_service.example_questions(both) == ui.EXAMPLES
    only_thesis = web_service.example_questions({"documents": STARTER[1:]})
    assert only_thesis == [ui.EXAMPLES[2]]  # never an example its document cannot answer
    assert web_service.example_questions({"documents": []}) == []
    assert web_service.chat_placeholder({"documents": []}) == ui.CHAT_EMPTY_PLACEHOLDER
    assert web_service.chat_placeholder(both) == ui.CHAT_PLACEHOLDER
    uploaded = web_service.example_questions({"documents": [{"source": "laporan-nelayan.pdf"}]})
    assert uploaded == ["Apa isi utama dokumen laporan-nelayan.pdf?"]
    mixed = web_service.example_questions(
        {"documents": STARTER[1:] + [{"source": "x.txt"}, {"source": "y.md"}, {"source": "z"}]})
    assert mixed == [ui.EXAMPLES[2], "Apa isi utama dokumen y.md?", "Apa isi utama dokumen z?"]


def test_kept_conversation_round_trips_and_refuses_an_edited_copy() -> None:
    import base64
    import zlib

    key, other = b"k" * 32, b"o" * 32
    hist = [{"role": "user", "content": "<p>q</p>"}, {"role": "assistant", "content": "<p>a</p>"}]
    saved = json.loads(json.dumps(web_service.saved_conversation(hist, {1: TURN}, key)))
    assert web_service.restore_conversation(saved, key, 200) == (hist, {1: TURN})
    assert web_service.restore_conversation(saved, other, 200) == ([], {})  # another server
    forged = dict(saved, data=base64.b64encode(zlib.compress(json.dumps(
        {"history": hist, "turns": {"1": dict(TURN, question="palsu")}}).encode())).decode())
    assert web_service.restore_conversation(forged, key, 200) == ([], {})
    for junk in (None, "x", {"v": 1}, {"v": 1, "data": "!!", "sig": "0"}, [], {"v": 99}):
        assert web_service.restore_conversation(junk, key, 200) == ([], {})
    # Too big for the page's requests: the oldest pairs are left out, indices follow.
    long = [{"role": r, "content": f"{r} {i} " + os.urandom(400).hex()}
            for i in range(40) for r in ("user", "assistant")]
    turns = {i: dict(TURN, question=f"q{i}") for i in range(1, 80, 2)}
    small = web_service.saved_conversation(long, turns, key, max_bytes=20_000)
    assert len(small["data"]) <= 20_000
    back, back_turns = web_service.restore_conversation(small, key, 200)
    assert 0 < len(back) < len(long) and back == long[-len(back):]
    assert back[0]["role"] == "user"
    assert all(back_turns[i]["question"] == f"q{i + len(long) - len(back)}" for i in back_turns)
    # At most max_messages come back, whole pairs.
    assert len(web_service.restore_conversation(
        web_service.saved_conversation(long, turns, key), key, 10)[0]) == 10


def test_an_empty_service_invites_an_upload(tmp_path) -> None:
    from tanya_trafficking import ui_text as ui
    from tanya_trafficking.config import Settings

    settings = Settings(corpus=tmp_path / "korpus", index=tmp_path / "indeks")
    service = web_service.ChatService(settings, empty=True)
    assert service.generation == "" and service.manifest()["documents"] == []
    reply = service.reply("Apa itu ACTIP?")
    assert reply.result is None and reply.text == ui.NO_DOCUMENTS_ANSWER
    assert service.reply("").text == ui.QUESTION_EMPTY
    html = render.documents_html(service.manifest())
    assert ui.NO_DOCUMENTS in html and ui.BUILT_AT not in html
# --------------------------------------------------------------------------- documents


def test_the_page_scope_and_action_boxes_are_read_strictly() -> None:
    assert web_service.parse_scope("") is None and web_service.parse_scope(None) is None
    assert web_service.parse_scope('["a.txt", "b/c.md"]') == ["a.txt", "b/c.md"]
    assert web_service.parse_scope("[]") == []
    assert web_service.parse_scope("{}") is None and web_service.parse_scope("[1") is None
    assert web_service.parse_scope('["a.txt", 3, null]') == ["a.txt"]
    assert web_service.parse_document_action('{"action": "hapus", "source": "a.txt"}') == \
        ("hapus", "a.txt")
    for bad in ("", "x", "[]", '{"action": "hapus"}', '{"action": 1, "source": "a"}'):
        assert web_service.parse_document_action(bad) == ("", "")


@pytest.mark.slow
def test_service_answers_within_the_scope_and_says_when_it_cannot(small_index) -> None:
    bot = pipeline.Bot.open(small_index)
    service = web_service.ChatService(small_index, bot=bot)
    everything = service.reply(ACTIP_Q)
    assert everything.result.found
    assert service.reply(ACTIP_Q, scope=["actip.txt", "laporan/kasus.md"]).result \
        is everything.result  # every document: the plain search and its cached answer
    scoped = service.reply(ACTIP_Q, scope=["kasus.md"])
    assert not scoped.result.found
    assert {h.chunk.source for h in scoped.result.hits} == {"laporan/kasus.md"}
    assert service.reply(ACTIP_Q).result is everything.result  # cached apart
    none = service.reply(ACTIP_Q, scope=[])
    assert none.result is None and none.text.startswith("Tidak ada dokumen yang dipilih.")
    unknown = service.reply(ACTIP_Q, scope=["../rahasia.txt"])
    assert unknown.result is None and unknown.text.startswith("Dokumen tidak dikenal:")
    # an empty question is refused first, whatever the scope
    assert service.reply(" ", scope=[]).text.startswith("Pertanyaannya masih kosong")


@pytest.mark.slow
def test_service_deletes_a_document_in_another_process_and_swaps_in_the_result(
        small_index) -> None:
    service = web_service.ChatService(small_index, bot=pipeline.Bot.open(small_index))
    before = service.generation
    events = list(service.change_document("hapus", "laporan/kasus.md"))
    assert [e.kind for e in events][-1] == "done", events
    assert any(e.kind == "progress" and e.text.startswith("Menghapus") for e in events)
    outcome = events[-1].outcomes[0]
    assert outcome.ok and outcome.message == "laporan/kasus.md dihapus dari korpus dan indeks."
    assert service.generation != before  # swapped in, no restart
    assert [d["source"] for d in service.manifest()["documents"]] == ["actip.txt"]
    assert not (small_index.corpus / "laporan" / "kasus.md").exists()
    # the same action again: no longer indexed, nothing changes
    again = list(service.change_document("hapus", "laporan/kasus.md"))[-1]
    assert again.kind == "done" and not again.outcomes[0].ok
    assert "tidak ada di indeks" in again.outcomes[0].message
    unknown = list(service.change_document("hapus-semua", "actip.txt"))
    assert [(e.kind, e.text) for e in unknown] == [("error", "Tindakan tidak dikenal.")]


def test_a_failed_document_change_reports_no_python_text(monkeypatch) -> None:
    import queue

    def broken(*args, **kwargs):
        raise ValueError("Expecting value: line 1 column 1 (char 0)")

    monkeypatch.setattr(pipeline, "delete_document", broken)
    monkeypatch.setattr(os, "nice", lambda n: 0)  # runs in this process here, not spawned
    events = queue.Queue()
    web_service._document_worker(None, "hapus", "a.txt", events)
    kind, message = events.get_nowait()
    assert kind == "error" and "dokumen tidak berubah" in message
    assert "Expecting" not in message and "ValueError" not in message
@pytest.mark.slow
def test_service_follows_a_quotes_link_to_its_source(seed_bot) -> None:
    from tanya_trafficking.schema import Quote

    service = web_service.ChatService(seed_bot.settings, bot=seed_bot)

    def follow(quote):
        _, sid, page, span = pipeline.source_link(quote).split("/")
        start, end = map(int, span.split("-"))
        return service.source_view(sid, int(page), start, end)

    # A text file's quote, from an answer: its passage, the quote marked inside.
    result = service.reply(ACTIP_Q).result
    view = follow(result.quotes[0])
    assert not view.is_pdf and view.quote == result.quotes[0].text
    assert view.text[view.quote_start:view.quote_end] == view.quote
    # A sentence of the seed regulation (a real 38-page PDF): its page drawn, the sentence
    # located on it.
    source = next(d["source"] for d in seed_bot.documents() if d["source"].endswith(".pdf"))
    sentence = "Gubernur adalah Gubernur Daerah Istimewa Yogyakarta."
    page = next(n for n in range(1, 40)
                if sentence in (seed_bot.index.page_text(source, n) or ""))
    start = seed_bot.index.page_text(source, page).index(sentence)
    view = follow(Quote(sentence, source, page, "", 1.0, start, start + len(sentence)))
    assert view.is_pdf and view.problem is None and view.image.located
    assert len(view.image.boxes) == 1  # one line

"""The chat service (web/service.py) in process, over the seed index: the answer cache per
generation (a follow-up cached apart from the same words alone), follow-up chains, the
feedback it records, and an upload worker that fails without Python text reaching the user.
Through HTTP: test_app.py."""

from __future__ import annotations

import json
import os
import time

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


def test_conversation_key_is_kept_in_its_file(tmp_path) -> None:
    from tanya_trafficking.config import Settings

    settings = Settings(corpus=tmp_path / "corpus", index=tmp_path / "index")
    first = web_service.ChatService(settings, empty=True).conversation_key
    assert web_service.ChatService(settings, empty=True).conversation_key == first
    assert (tmp_path / "index" / ".conversation-key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("damage", ["garbage", "folder"])
def test_an_unusable_conversation_key_file_logs_one_line_and_uses_a_fresh_key(
        tmp_path, caplog, damage) -> None:
    from tanya_trafficking import ui_text
    from tanya_trafficking.config import Settings

    path = tmp_path / "kunci"
    if damage == "garbage":
        path.write_bytes(b"\x00rusak")
    else:
        path.mkdir()  # a folder where the file should be: unreadable as a key
    settings = Settings(corpus=tmp_path / "corpus", index=tmp_path / "index",
                        conversation_key_file=path)
    with caplog.at_level("WARNING"):
        keys = {web_service.ChatService(settings, empty=True).conversation_key
                for _ in range(2)}
    assert len(keys) == 2 and all(len(k) == 32 for k in keys)  # fresh for each run
    lines = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(lines) == 2 and all(str(path) in line and "\n" not in line for line in lines)
    assert lines[0].startswith("Kunci percakapan") and "Traceback" not in caplog.text
    assert ui_text.LOG_CONVERSATION_KEY_UNUSABLE.split("{")[0] in lines[0]
    if damage == "garbage":
        assert path.read_bytes() == b"\x00rusak"  # left for someone to look at


def _with_broken_pdf(settings) -> str:
    """A real PDF (fpdf2) cut to a third, in the corpus: the next build skips it."""
    from pdfs import write_pdf

    path = settings.corpus / "rusak.pdf"
    data = write_pdf(path, ["Laporan tahunan korban perdagangan orang."]).read_bytes()
    path.write_bytes(data[:len(data) // 3])
    return "rusak.pdf"


def test_the_panel_lists_a_skipped_file_and_its_version_follows_every_change(
        small_index) -> None:
    broken = _with_broken_pdf(small_index)
    pipeline.build_index(small_index)
    service = web_service.ChatService(small_index, bot=pipeline.Bot.open(small_index))
    version = service.panel_version()
    assert service.panel_version() == version  # nothing changed: the same value
    assert service.panel_manifest()["skipped"] == [
        {"source": broken, "reason": "rusak: tidak bisa dibaca sebagai PDF"}]
    # deleting the skipped file publishes nothing, yet the version changes
    done = list(service.change_document("hapus", broken))[-1]
    assert done.kind == "done" and done.outcomes[0].ok, done
    assert done.outcomes[0].message == f"{broken} dihapus dari korpus."
    assert service.generation == version.split("/")[0]
    assert service.panel_manifest()["skipped"] == []
    assert service.panel_version() != version
    # a generation built elsewhere (rebuild-index) changes it too, once it is swapped in
    version = service.panel_version()
    (small_index.corpus / "baru.txt").write_text(
        "Catatan baru tentang pekerja migran di Batam.\n", encoding="utf-8")
    built = pipeline.build_index(small_index).generation
    deadline = time.monotonic() + 60
    while service.panel_version() == version and time.monotonic() < deadline:
        time.sleep(0.2)
    assert service.panel_version().startswith(f"{built}/")
    assert "baru.txt" in [d["source"] for d in service.panel_manifest()["documents"]]

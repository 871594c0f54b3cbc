"""The web chat: end to end over HTTP against ``python app.py`` (a real subprocess, queried
with ``gradio_client``), and its building blocks in process (the answer bubble's HTML, the
"Sumber" block, the documents panel, the chat service).

Uploads: test_uploads.py; feedback: test_feedback.py; highlights: test_highlight.py; passages:
test_passages.py. The browser side is in test_browser.py, the locked-down server in
test_app_security.py."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from apphelpers import PROJECT_ROOT, AppServer, running_app
from seedqa import (ACTIP_A, ACTIP_Q, ACTIP_SOURCE, CASES_Q, COUNTRY_Q, FOLLOW_NOTE, FOLLOW_PREV,
                    FOLLOW_Q, FOLLOW_QUOTE)

from tanya_trafficking import pipeline, store, webapp

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> AppServer:
    with running_app(tmp_path_factory.mktemp("app")) as server:
        yield server


def ask(server: AppServer, question: str, *previous: str) -> str:
    """``/tanya`` with one argument, or two (``sebelumnya``, the previous question)."""
    try:
        result = server.client().predict(question, *previous, api_name="/tanya")
    except Exception as e:  # noqa: BLE001 - show the server's side of the story
        pytest.fail(f"/tanya failed for {question[:80]!r}: {e!r}{server.log_text()}")
    assert isinstance(result, str), f"{result!r}{server.log_text()}"
    return result


# --------------------------------------------------------------------------- startup


def test_first_start_built_the_index_in_the_given_folder(app_server: AppServer) -> None:
    current = app_server.index / "CURRENT"
    assert current.is_file(), app_server.log_text()
    live = app_server.index / current.read_text(encoding="utf-8").strip()
    manifest = json.loads((live / "manifest.json").read_text(encoding="utf-8"))
    assert {d["source"] for d in manifest["documents"]} == \
        {p.name for p in (PROJECT_ROOT / "corpus").iterdir()}
    assert "Berkas diindeks" in app_server.log.read_text(encoding="utf-8", errors="replace")


def test_binds_to_loopback_by_default(app_server: AppServer) -> None:
    log = app_server.log.read_text(encoding="utf-8", errors="replace")
    assert f"http://127.0.0.1:{app_server.port}" in log, app_server.log_text()
    assert "0.0.0.0" not in log
    with socket.create_connection(("127.0.0.1", app_server.port), timeout=5):
        pass
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp to inspect (the printed URL was checked)")
    # The kernel's table of listening sockets: bound to 127.0.0.1 only, not to every address.
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            addr, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == app_server.port and fields[3] == "0A":  # LISTEN
                listening.append(addr)
    assert listening == ["0100007F"], f"listening on {listening}{app_server.log_text()}"


def test_page_has_title_and_indonesian_text(app_server: AppServer) -> None:
    status, _, html = app_server.get("/")
    assert status == 200
    assert re.search(r'<title>\s*Tanya Trafficking\s*</title>|"title"\s*:\s*"Tanya Trafficking"',
                     html), html[:2000]
    status, _, body = app_server.get("/config")
    config = json.loads(body)
    text = json.dumps(config, ensure_ascii=False)
    for phrase in ("Dokumen terindeks", "Percakapan baru", "Kirim", "Tentang",
                   "Pilih berkas untuk diunggah", ACTIP_SOURCE):
        assert phrase in text, phrase
    # Gradio's own strings are replaced for every locale, English included.
    i18n = config["i18n_translations"]
    assert i18n["en"]["chatbot.like"] == "Jawaban bagus"
    assert i18n["id"]["common.error"] == "Galat"


# --------------------------------------------------------------------------- the API


def test_api_lists_only_the_question_endpoint(app_server: AppServer) -> None:
    status, _, body = app_server.get("/gradio_api/info")
    assert status == 200
    info = json.loads(body)
    named = set(info.get("named_endpoints", {}))
    assert named == {"/tanya"}, info
    assert not info.get("unnamed_endpoints"), info
    # The client's view agrees.
    api = app_server.client().view_api(return_format="dict", print_info=False)
    assert set(api["named_endpoints"]) == named
    params = api["named_endpoints"]["/tanya"]["parameters"]
    assert [p["parameter_name"] for p in params] == ["pertanyaan", "sebelumnya"], params
    assert not params[0]["parameter_has_default"]
    assert params[1]["parameter_has_default"] and params[1]["parameter_default"] == ""


def test_answers_actip_with_quote_and_source(app_server: AppServer) -> None:
    text = ask(app_server, ACTIP_Q)
    assert ACTIP_A in text, text
    assert ACTIP_SOURCE in text, text
    assert "tidak ditemukan" not in text


def test_unanswerable_question_is_declined(app_server: AppServer) -> None:
    text = ask(app_server, COUNTRY_Q)
    assert "tidak ditemukan" in text.lower(), text
    assert "?" not in text  # the article's own rhetorical question is never quoted


@pytest.mark.parametrize("question", ["", " ", "   \n\t  "])
def test_empty_question_gets_polite_message(app_server: AppServer, question: str) -> None:
    text = ask(app_server, question)
    assert text.strip(), app_server.log_text()
    assert "pertanyaan" in text.lower() and "kosong" in text.lower(), text
    for bad in ("Traceback", "Error", "Exception"):
        assert bad not in text, text


def test_very_long_question_is_refused_by_the_server(app_server: AppServer) -> None:
    question = ("Apa kepanjangan dari ACTIP? " * 800)[:20_000]
    assert len(question) == 20_000
    text = ask(app_server, question)
    assert "terlalu panjang" in text.lower(), text[:500]
    assert ACTIP_A not in text  # refused, not answered
    for bad in ("Traceback", "Error", "Exception"):
        assert bad not in text, text[:500]
    # The server is still fine afterwards.
    assert ACTIP_A in ask(app_server, ACTIP_Q)
    assert app_server.proc.poll() is None, app_server.log_text()


# --------------------------------------------------------------------------- follow-ups


def quotes(text: str) -> list[str]:
    """The quoted sentences of a plain-text answer, in order (not the follow-up note's)."""
    return re.findall(r"«(.*?)»", answer_part(text).split("Sumber:")[0], flags=re.S)


def answer_part(text: str) -> str:
    """A plain-text answer without its follow-up note."""
    return text.split("\n\n", 1)[1] if text.startswith(FOLLOW_NOTE) else text


def test_api_follow_up_uses_the_previous_question(app_server: AppServer) -> None:
    alone = ask(app_server, FOLLOW_Q)  # asked alone first: now in the answer cache
    follow = ask(app_server, FOLLOW_Q, FOLLOW_PREV)
    # The follow-up is searched with "Apa itu ACTIP?" and says so on its first line.
    assert follow.startswith(f"{FOLLOW_NOTE}: «{FOLLOW_PREV}»\n\n"), follow
    assert "tidak ditemukan" not in follow.lower(), follow
    assert FOLLOW_QUOTE in quotes(follow)[0] and ACTIP_SOURCE in follow, follow
    # The same words alone: no note, and not that answer (the cached standalone answer was
    # not handed to the follow-up, nor the other way round).
    assert FOLLOW_NOTE not in alone
    assert answer_part(follow) != alone, alone
    assert "tidak ditemukan" in alone.lower() or not quotes(alone) or \
        FOLLOW_QUOTE not in quotes(alone)[0], alone
    assert ask(app_server, FOLLOW_Q) == alone
    assert ask(app_server, FOLLOW_Q, FOLLOW_PREV) == follow
    # An empty ``sebelumnya`` is the one-argument call.
    assert ask(app_server, FOLLOW_Q, "") == alone


def test_api_standalone_question_ignores_the_previous_one(app_server: AppServer) -> None:
    alone = ask(app_server, ACTIP_Q)
    after = ask(app_server, ACTIP_Q, CASES_Q)
    assert after == alone and FOLLOW_NOTE not in after
    assert ACTIP_A in after
    # Nor does a follow-up pick up a previous question that is itself refused.
    assert ask(app_server, FOLLOW_Q, "x" * 5000) == ask(app_server, FOLLOW_Q)


def _last_answer(messages: list[dict]) -> str:
    assert messages[-1]["role"] == "assistant", messages[-1]
    return messages[-1]["content"][0]["text"]


def chat(server: AppServer, question: str, session: str) -> str:
    try:
        return _last_answer(server.chat(question, session))
    except Exception as e:  # noqa: BLE001 - show the server's side of the story
        pytest.fail(f"chat failed for {question[:80]!r}: {e!r}{server.log_text()}")


def test_chat_follow_up_uses_the_conversation(app_server: AppServer) -> None:
    """Through the page's own chat event: the previous question comes from the conversation
    kept on the server, not from anything the page sends."""
    first = chat(app_server, FOLLOW_PREV, "percakapan-a")
    assert ACTIP_A in first and "tt-context" not in first
    follow = chat(app_server, FOLLOW_Q, "percakapan-a")
    assert f'<p class="tt-context">{FOLLOW_NOTE}: «{FOLLOW_PREV}»</p>' in follow, follow
    assert FOLLOW_QUOTE in follow and "tidak ditemukan" not in follow, follow
    # The same words opening another conversation: no previous question, no note.
    alone = chat(app_server, FOLLOW_Q, "percakapan-b")
    assert "tt-context" not in alone
    assert alone != follow.replace(
        f'<p class="tt-context">{FOLLOW_NOTE}: «{FOLLOW_PREV}»</p>', "")
    # A question that stands alone ignores the one before it.
    cases = chat(app_server, CASES_Q, "percakapan-a")
    assert "tt-context" not in cases and "156,330" in cases, cases


def test_chat_follow_up_after_a_refused_question(app_server: AppServer) -> None:
    """A refused question (empty) is skipped: the follow-up leans on the one before it."""
    chat(app_server, FOLLOW_PREV, "percakapan-c")
    refused = chat(app_server, "   ", "percakapan-c")
    assert "kosong" in refused
    follow = chat(app_server, FOLLOW_Q, "percakapan-c")
    assert f"{FOLLOW_NOTE}: «{FOLLOW_PREV}»" in follow and FOLLOW_QUOTE in follow, follow


def test_rebuild_elsewhere_is_picked_up_without_restart(app_server: AppServer) -> None:
    """A generation published by ``rebuild-index`` in another process takes over by itself;
    until then the old one answers."""
    question = "Berapa nelayan yang diselamatkan di Pelabuhan Benoa?"
    assert "tidak ditemukan" in ask(app_server, question).lower()
    before = store.current_name(app_server.index)
    (app_server.corpus / "kabar-benoa.txt").write_text(
        "Pada tahun 2021 sebanyak 24 nelayan diselamatkan di Pelabuhan Benoa dari kerja paksa "
        "di kapal asing.\n", encoding="utf-8")
    env = {"TANYA_CORPUS": str(app_server.corpus), "TANYA_INDEX": str(app_server.index)}
    done = subprocess.run([sys.executable, "-m", "tanya_trafficking.cli", "rebuild-index"],
                          cwd=PROJECT_ROOT, env={**_env(), **env}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert store.current_name(app_server.index) != before
    deadline = time.monotonic() + 30
    text = ""
    while time.monotonic() < deadline:
        text = ask(app_server, question)
        if "24 nelayan" in text:
            break
        time.sleep(0.5)
    assert "24 nelayan" in text and "kabar-benoa.txt" in text, text + app_server.log_text()
    assert "Generasi indeks baru dipakai" in app_server.log.read_text(encoding="utf-8")


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("TANYA_")}


# --------------------------------------------------------------------------- in process

def test_answer_bubble_streams_then_shows_sources_and_copy_button(seed_bot) -> None:
    result = seed_bot.ask(ACTIP_Q)
    full = webapp.answer_html(result, seed_bot)
    partial = webapp.answer_html(result, seed_bot, reveal=10)
    assert "tt-cursor" in partial and "tt-sources" not in partial and "tt-copy" not in partial
    assert result.quotes[0].text[:10] in partial and result.quotes[0].text[:30] not in partial
    assert "tt-cursor" not in full
    assert '<details class="tt-sources"><summary>Sumber (1)</summary>' in full
    # The reader's short answer: shown on its own line and marked inside the quote.
    assert "Trafficking in Persons" in result.short_answer
    assert f'<mark class="tt-ans">{result.short_answer}</mark>' in full
    assert f'Jawaban singkat: <strong>{result.short_answer}</strong>' in full
    assert ACTIP_SOURCE in full and "Lihat bagian sekitarnya" in full
    # One HTML block for the Markdown renderer: a blank line would end it.
    assert "\n" not in full
    # What "Salin jawaban" copies: the plain answer, one hidden <span> per line.
    copy = re.search(r'<span class="tt-copy-text">(.*?)</span></div>', full).group(1)
    lines = re.findall(r"<span>(.*?)</span>", copy)
    assert "\n".join(lines) == result.text
    assert lines[0] == f"Jawaban singkat: {result.short_answer}" and "Menurut dokumen:" in lines
    assert "Sumber:" in lines


def test_not_found_answer_marks_no_answer(seed_bot) -> None:
    result = seed_bot.ask("Berapa jumlah korban di Filipina pada tahun 2024?")
    assert not result.found and result.quotes
    html = webapp.answer_html(result, seed_bot)
    assert "tidak ditemukan dalam dokumen" in html and "Sumber bagian terkait" in html
    assert 'class="tt-ans"' not in html  # related passages, not answers


def test_user_text_is_escaped_everywhere() -> None:
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    for html in (webapp.user_html(evil), webapp.message_html(evil)):
        assert "<img" not in html and "<script" not in html and "&lt;script&gt;" in html
    manifest = {"documents": [{"source": evil + ".txt", "pages": 1, "chunks": 2}],
                "counts": {"documents": 1, "pages": 1, "chunks": 2},
                "skipped": [{"source": "x.pdf", "reason": evil}],
                "built_at": "2025-11-22T16:01:05+00:00"}
    html = webapp.documents_html(manifest)
    assert "<script" not in html and "<img" not in html


def test_documents_panel_lists_counts_and_build_time(seed_bot) -> None:
    html = webapp.documents_html(seed_bot.index.manifest)
    for doc in seed_bot.index.manifest["documents"]:
        assert doc["source"] in html
        assert f'{doc["pages"]} halaman · {doc["chunks"]} potongan' in html
    assert webapp.format_time("2025-11-22T16:01:05+00:00") == "22 November 2025, 16.01 UTC"
    assert "Indeks terakhir dibangun" in html


def test_service_records_the_verdict_of_an_answer(seed_bot, tmp_path) -> None:
    settings = seed_bot.settings.replace(feedback=tmp_path / "umpan-balik.jsonl")
    service = webapp.ChatService(settings, bot=seed_bot)
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


def test_service_answers_a_repeated_question_once_per_generation(seed_bot, small_index,
                                                                 monkeypatch) -> None:
    service = webapp.ChatService(seed_bot.settings, bot=seed_bot)
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


def test_service_caches_a_follow_up_apart_from_the_same_words_alone(seed_bot,
                                                                    monkeypatch) -> None:
    service = webapp.ChatService(seed_bot.settings, bot=seed_bot)
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
    html = webapp.answer_html(follow.result, follow.bot, context=follow.context)
    assert f'<p class="tt-context">{FOLLOW_NOTE}: «{FOLLOW_PREV}»</p>' in html
    assert "tt-context" not in webapp.answer_html(alone.result, alone.bot)
    long_note = webapp.follow_up_note("kata " * 100)
    assert len(long_note) < 300 and long_note.endswith("…»")


def test_previous_question_is_the_last_one_searched() -> None:
    assert webapp.previous_question({}) is None
    # Message index -> turn: only questions the bot searched (answered or not found) have
    # one; a refused question leaves none, so the one before it counts.
    turns = {1: {"question": "Apa itu ACTIP?"}, 3: {"question": "Kapan didirikan?"}}
    assert webapp.previous_question(turns) == "Kapan didirikan?"
    assert webapp.previous_question({1: {"question": "Apa itu ACTIP?"}}) == "Apa itu ACTIP?"
    # a follow-up's own context comes along, so a chain keeps its subject (bounded in length)
    chained = {1: {"question": "Apa itu ACTIP?"},
               3: {"question": "Kapan itu ditandatangani?", "previous": "Apa itu ACTIP?"}}
    assert webapp.previous_question(chained) == "Apa itu ACTIP? Kapan itu ditandatangani?"
    long_chain = {1: {"question": "Kapan itu?", "previous": "kata " * 200 + "ACTIP"}}
    got = webapp.previous_question(long_chain)
    assert len(got) <= webapp.CHAIN_MAX_CHARS and got.endswith("ACTIP Kapan itu?")
    assert not got.startswith(" ") and got.split()[0] == "kata"  # whole words only


def test_a_chain_of_follow_ups_keeps_its_subject(seed_bot) -> None:
    service = webapp.ChatService(seed_bot.settings, bot=seed_bot)
    turns = {1: {"question": "Apa itu ACTIP?"}}
    second = service.reply("Kapan itu ditandatangani?", webapp.previous_question(turns))
    assert second.context == "Apa itu ACTIP?"
    turns[3] = {"question": "Kapan itu ditandatangani?", "previous": second.context}
    third = service.reply("Apa tujuannya?", webapp.previous_question(turns))
    assert "ACTIP" in third.context
    assert third.result.found and "ACTIP" in third.result.quotes[0].text
    # with only the raw previous question the subject is lost and nothing is found
    assert not service.reply("Apa tujuannya?", "Kapan itu ditandatangani?").result.found


def test_conversation_keeps_a_bounded_history() -> None:
    hist = [{"role": "user" if i % 2 == 0 else "assistant", "content": str(i)}
            for i in range(webapp.MAX_HISTORY)]
    turns = {i: {"n": i} for i in range(1, webapp.MAX_HISTORY, 2)}
    hist2, turns2 = webapp._trim(hist, turns)
    assert len(hist2) + 2 <= webapp.MAX_HISTORY
    for i, turn in turns2.items():
        assert hist2[i]["content"] == str(turn["n"])  # indices follow their messages

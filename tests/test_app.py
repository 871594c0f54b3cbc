"""The web chat end to end over HTTP against ``python app.py`` (a real subprocess, queried
with ``gradio_client``): startup, the page, the ``/tanya`` API, follow-ups through the API and
the page's own chat event, and a rebuild elsewhere picked up without a restart.

Its building blocks in process: test_web_service.py, test_web_render.py, test_web_page.py,
test_uploads.py, test_feedback.py, test_highlight.py, test_passages.py; the browser side is in
test_browser.py, the locked-down server in test_app_security.py."""

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

from tanya_trafficking import store

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
    assert [p["parameter_name"] for p in params] == ["pertanyaan", "sebelumnya", "dokumen"], \
        params
    assert not params[0]["parameter_has_default"]
    assert params[1]["parameter_has_default"] and params[1]["parameter_default"] == ""
    assert params[2]["parameter_has_default"] and params[2]["parameter_default"] is None


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
    """A refused question (too long) is skipped: the follow-up leans on the one before it.
    An empty one is not even a turn: the chat stays as it was (no bubble, nothing to rate)."""
    chat(app_server, FOLLOW_PREV, "percakapan-c")
    empty = app_server.chat("   ", "percakapan-c")
    assert not isinstance(empty, list), empty  # an update that changes nothing
    refused = chat(app_server, "x" * 1500, "percakapan-c")
    assert "terlalu panjang" in refused
    follow = chat(app_server, FOLLOW_Q, "percakapan-c")
    assert f"{FOLLOW_NOTE}: «{FOLLOW_PREV}»" in follow and FOLLOW_QUOTE in follow, follow


ABSTRACT_SOURCE = "abstrak-skripsi-asean-prinsip-non-intervensi.txt"


def test_api_dokumen_searches_only_the_named_documents(app_server: AppServer) -> None:
    found = ask(app_server, ACTIP_Q, "", [ACTIP_SOURCE])
    assert ACTIP_A in found and "tidak ditemukan" not in found, found
    scoped = ask(app_server, ACTIP_Q, "", [ABSTRACT_SOURCE])
    assert "tidak ditemukan" in scoped, scoped  # the abstract does not spell ACTIP out
    assert ABSTRACT_SOURCE in scoped and ACTIP_SOURCE not in scoped, scoped
    assert ask(app_server, ACTIP_Q, "", []) == ask(app_server, ACTIP_Q)  # empty: every one


def test_api_dokumen_with_an_unknown_name_gets_a_message(app_server: AppServer) -> None:
    text = ask(app_server, ACTIP_Q, "", ["tidak-ada.pdf", ACTIP_SOURCE])
    assert text.startswith("Dokumen tidak dikenal: «tidak-ada.pdf». Dokumen yang ada: "), text
    assert ACTIP_SOURCE in text and ACTIP_A not in text, text


def _plain_call(server: AppServer, path: str, body: dict) -> tuple[str, str]:
    """A plain-HTTP caller of Gradio's two-step API (no gradio_client): POST the values, then
    read the event stream; (event, data) of its last event."""
    import httpx

    url = f"{server.url}gradio_api/call/{path}"
    r = httpx.post(url, json=body, timeout=30)
    assert r.status_code == 200, (r.status_code, r.text)
    stream = httpx.get(f"{url}/{r.json()['event_id']}", timeout=90).text
    events = re.findall(r"^event: (\w+)\ndata: (.*)$", stream, re.MULTILINE)
    assert events, stream
    return events[-1]


def test_plain_http_callers_may_leave_out_the_optional_values(app_server: AppServer) -> None:
    """Named values (``/gradio_api/call/v2/tanya``): ``sebelumnya`` and ``dokumen`` may be left
    out, as with gradio_client. The list form (``/call/tanya``) still needs all three: Gradio
    refuses a shorter list before our function runs (docs/decisions.md)."""
    import httpx

    event, data = _plain_call(app_server, "v2/tanya", {"pertanyaan": ACTIP_Q})
    assert event == "complete" and ACTIP_A in json.loads(data)[0], data
    event, data = _plain_call(app_server, "v2/tanya",
                              {"pertanyaan": FOLLOW_Q, "sebelumnya": FOLLOW_PREV})
    assert event == "complete" and FOLLOW_NOTE in json.loads(data)[0], data
    event, data = _plain_call(app_server, "v2/tanya",
                              {"pertanyaan": ACTIP_Q, "dokumen": ["tidak-ada.txt"]})
    assert event == "complete" and "tidak-ada.txt" in json.loads(data)[0], data
    event, data = _plain_call(app_server, "tanya", {"data": [ACTIP_Q, "", None]})
    assert event == "complete" and ACTIP_A in json.loads(data)[0], data
    event, _ = _plain_call(app_server, "tanya", {"data": [ACTIP_Q]})
    assert event == "error"  # Gradio's "not enough input values" (its text hidden)
    # A parameter name that /tanya does not have: one Indonesian sentence, not English.
    r = httpx.post(f"{app_server.url}gradio_api/call/v2/tanya",
                   json={"pertanyaan": ACTIP_Q, "salah": 1}, timeout=30)
    assert r.status_code == 500 and r.json()["detail"].startswith("Permintaan ini tidak bisa")


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


# --------------------------------------------------------------------------- upload progress


def _status_of(html: str) -> tuple[int | None, str, str]:
    """(percent or None, progress text, time left) of the upload status HTML."""
    from html import unescape

    pct = re.search(r'aria-valuenow="(\d+)"', html)
    text = re.search(r'<p class="tt-progress-text">(.*?)</p>', html, re.S)
    eta = re.search(r'<span class="tt-progress-eta">(.*?)</span>', html, re.S)
    return (int(pct.group(1)) if pct else None, unescape(text.group(1)) if text else "",
            unescape(eta.group(1)) if eta else "")


def test_upload_streams_progress_with_counts_that_never_goes_back(app_server: AppServer,
                                                                  tmp_path) -> None:
    """A 40-page PDF through the page's upload event: the status streams page and chunk
    counts, in Indonesian, and its percentage never goes back (issue 17: it sat at 50% while
    125 pages were embedded, then went from 100% back to 95%). Gradio's own status ("queue:
    1/1", "processing") is hidden for this event: the status HTML is the only progress."""
    from pdfs import write_pdf

    sentence = ("Pada bulan {n} tim pendamping di Pelabuhan Tanjung Emas mencatat {k} pekerja "
                "migran yang dijanjikan pekerjaan di kapal ikan asing tetapi dipaksa bekerja "
                "tanpa upah. ")
    pages = [" ".join(sentence.format(n=n, k=n * 3 + j) for j in range(8)) for n in range(40)]
    pdf = write_pdf(tmp_path / "laporan-tanjung-emas.pdf", pages)
    config = json.loads(app_server.get("/config")[2])
    ids = {c.get("props", {}).get("elem_id"): c["id"] for c in config["components"]}
    dep = next(d for d in config["dependencies"] if [ids["tt-upload"], "upload"] in d["targets"])
    assert dep["show_progress"] == "hidden", dep

    states = app_server.upload([pdf], session="unggah-kemajuan")

    statuses = [_status_of(s[0]) for s in states if isinstance(s[0], str)]
    progress = [s for s in statuses if s[0] is not None]
    assert len(progress) >= 5, statuses
    pcts = [p for p, _, _ in progress]
    assert pcts == sorted(pcts) and pcts[-1] < 100, pcts
    texts = [t for _, t, _ in progress]
    assert any(re.search(r"Memeriksa laporan-tanjung-emas\.pdf: halaman \d+ dari 40", t)
               for t in texts), texts
    assert any(re.search(r"Membaca laporan-tanjung-emas\.pdf \(berkas 1 dari 1\): halaman \d+ "
                         r"dari 40", t) for t in texts), texts
    embed = [t for t in texts if t.startswith("Mengolah bagian teks:")]
    assert embed and re.search(r": (\d+) dari \1…$", embed[-1]), embed
    assert "Memuat indeks baru…" in texts and "Menulis indeks…" in texts, texts
    for _, _, eta in progress:
        assert not eta or re.fullmatch(r"sisa sekitar \d+ (detik|menit)( \d+ detik)?", eta), eta
    everything = " ".join(t + " " + e for _, t, e in statuses).lower()
    for english in ("queue", "processing", "embedding", "page", " of ", "remaining"):
        assert english not in everything, (english, statuses)
    final = statuses[-1][1]
    assert "1 dari 1 berkas ditambahkan" in final, final
    assert app_server.proc.poll() is None

"""Server memory under load: the sessions Gradio keeps for its callers stay bounded.

A plain-HTTP caller of the two-step ``/gradio_api/call/tanya`` API (POST returns an event id,
GET streams the answer; like ``curl``) sends no session of its own, so every request becomes
a session in Gradio's state holder (about 60 KB: a copy of the page's configuration) and in
its queue's per-session tables, none of them ever dropped before 10,000 were held (see
docs/load.md). The app runs in this process (``web.server.launch(block=False)``) so that those
tables can be counted directly; the traffic is real HTTP from threads, the answers come from
the real model and index. The sweep's idle times are shortened for the test.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from apphelpers import AppServer, free_port

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Apa kepanjangan dari ACTIP?",
    "Berapa jumlah kasus human trafficking pada tahun 2023?",
    "Siapa korban perdagangan orang?",
    "Kapan konvensi ACTIP disahkan?",
]
REQUESTS = 300  # POST + GET, from THREADS threads
ABANDONED = 40  # POST only: the caller never fetches its answer
THREADS = 10
FETCHED_IDLE_S = 0.5  # sessions idle this long are forgotten (5 s in production) ...
IDLE_S = 3.0  # ... or this long while an answer waits for its GET (60 s in production)
FOLLOW_NOTE = "Pertanyaan lanjutan"


class InProcessServer(AppServer):
    """``AppServer``'s HTTP helpers for the app served by ``web.server.launch`` in this process."""

    def __init__(self, uvicorn_server, port, root):
        super().__init__(None, port, root)
        self.uvicorn = uvicorn_server
        mount = next(r for r in uvicorn_server.config.app.routes
                     if hasattr(getattr(r, "app", None), "state_holder"))
        self.gradio = mount.app  # Gradio's App: state_holder, get_blocks()._queue

    def close(self) -> None:
        self.uvicorn.should_exit = True


@pytest.fixture(scope="module")
def app(seed_settings, tmp_path_factory):
    from tanya_trafficking.web import server, sessions

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    root = tmp_path_factory.mktemp("load")
    settings = dataclasses.replace(seed_settings, port=free_port(),
                                   feedback=root / "umpan-balik.jsonl")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sessions, "IDLE_S", IDLE_S)
        mp.setattr(sessions, "FETCHED_IDLE_S", FETCHED_IDLE_S)
        mp.setattr(sessions, "SWEEP_EVERY_S", 0.25)
        srv = InProcessServer(server.launch(settings, block=False), settings.port, root)
        try:
            yield srv
        finally:
            srv.close()
            time.sleep(1.0)


def call(url: str, question: str, fetch: bool = True) -> tuple[str, str]:
    """(event id, the GET stream's text) of one plain-HTTP ``/call/tanya``."""
    body = json.dumps({"data": [question, "", None]}).encode()
    req = urllib.request.Request(f"{url}gradio_api/call/tanya", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        event_id = json.loads(r.read())["event_id"]
    if not fetch:
        return event_id, ""
    with urllib.request.urlopen(f"{url}gradio_api/call/tanya/{event_id}", timeout=60) as r:
        return event_id, r.read().decode("utf-8")


def tables(srv: InProcessServer) -> dict[str, int]:
    queue = srv.gradio.get_blocks()._queue
    return {"state_holder": len(srv.gradio.state_holder.session_data),
            "time_last_used": len(srv.gradio.state_holder.time_last_used),
            "pending_messages_per_session": len(queue.pending_messages_per_session),
            "pending_event_ids_session": len(queue.pending_event_ids_session)}


def settle(srv: InProcessServer, at_most: int, seconds: float) -> dict[str, int]:
    deadline = time.monotonic() + seconds
    while True:
        sizes = tables(srv)
        if max(sizes.values()) <= at_most or time.monotonic() > deadline:
            return sizes
        time.sleep(0.25)


def test_plain_http_callers_leave_no_sessions_behind(app: InProcessServer) -> None:
    before = tables(app)
    peak, loading = [0], [True]

    def watch() -> None:
        while loading[0]:
            peak[0] = max(peak[0], tables(app)["state_holder"])
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    with ThreadPoolExecutor(THREADS) as pool:
        done = list(pool.map(lambda i: call(app.url, QUESTIONS[i % len(QUESTIONS)]),
                             range(REQUESTS)))
        abandoned = list(pool.map(lambda i: call(app.url, QUESTIONS[i % 2], fetch=False),
                                  range(ABANDONED)))
    loading[0] = False
    watcher.join()
    # Forgotten during the load too, not only afterwards: a long soak stays flat.
    assert peak[0] < REQUESTS // 2, f"{peak[0]} sessions held at once"
    answered = [text for _, text in done if "event: complete" in text]
    assert len(answered) == REQUESTS, [t for _, t in done if "event: complete" not in t][:3]
    assert all("ASEAN" in text for _, text in done[::len(QUESTIONS)])

    ids = {event_id for event_id, _ in done} | set(abandoned)
    sizes = settle(app, at_most=max(before.values()), seconds=IDLE_S + 20)
    # Every table back to its size before the load: nothing kept per request.
    assert max(sizes.values()) <= max(before.values()), (before, sizes)
    left = ids & (set(app.gradio.state_holder.session_data)
                  | set(app.gradio.get_blocks()._queue.pending_event_ids_session))
    assert not left, f"{len(left)} of {len(ids)} callers' sessions are still held: {sizes}"


def test_an_answer_waits_for_a_caller_who_fetches_it_a_little_later(
        app: InProcessServer) -> None:
    event_id, _ = call(app.url, QUESTIONS[0], fetch=False)
    time.sleep(FETCHED_IDLE_S * 3)  # several sweeps; the answer is kept IDLE_S for its GET
    with urllib.request.urlopen(f"{app.url}gradio_api/call/tanya/{event_id}",
                                timeout=60) as r:
        text = r.read().decode("utf-8")
    assert "event: complete" in text and "ASEAN" in text, text[:500]


def test_a_page_conversation_outlives_the_sweep(app: InProcessServer) -> None:
    session = "percakapan-panjang"
    first = json.dumps(app.chat("Apa itu ACTIP?", session))
    assert "ACTIP" in first
    time.sleep(IDLE_S * 2)  # many sweeps later: the conversation (gr.State) is still held
    assert session in app.gradio.state_holder.session_data
    follow = json.dumps(app.chat("Kapan itu disahkan?", session), ensure_ascii=False)
    assert FOLLOW_NOTE in follow, follow[-2000:]


def test_a_gradio_client_keeps_working_across_sweeps(app: InProcessServer) -> None:
    from gradio_client import Client

    client = Client(app.url, verbose=False)
    try:
        for _ in range(2):
            assert "ASEAN" in client.predict(QUESTIONS[0], api_name="/tanya")
            time.sleep(FETCHED_IDLE_S * 4)  # its (stateless) session is forgotten between
            assert client.session_hash not in app.gradio.state_holder.session_data
    finally:
        client.close()


def test_sessions_are_capped(app: InProcessServer) -> None:
    from tanya_trafficking.web import sessions

    assert app.gradio.state_holder.capacity == sessions.MAX_SESSIONS


def test_concurrent_callers_during_the_sweep_all_get_answers(app: InProcessServer) -> None:
    """Sweeps running all through a burst of callers never drop a session still in use."""
    errors = []

    def user(k: int) -> None:
        for j in range(6):
            try:
                _, text = call(app.url, QUESTIONS[(k + j) % len(QUESTIONS)])
                if "event: complete" not in text:
                    errors.append(text[:300])
            except Exception as e:  # noqa: BLE001 - every failure is counted
                errors.append(repr(e))
            time.sleep(FETCHED_IDLE_S / 2 * (k % 4))

    threads = [threading.Thread(target=user, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]


def test_a_fresh_generation_serves_concurrent_first_answers(seed_settings) -> None:
    """The first answers of a newly loaded generation (after a rebuild, under load) read its
    page keys at the same time: each must get them, none may find the file already closed by
    another (``PageStore.keys``: about half of such reads failed before it took a lock)."""
    from tanya_trafficking import store
    from tanya_trafficking.rowfiles import PageStore

    folder = seed_settings.index / store.current_name(seed_settings.index)
    errors, lengths = [], set()
    for _ in range(100):
        pages = PageStore(folder)
        barrier = threading.Barrier(8)

        def first_answer(pages=pages, barrier=barrier) -> None:
            barrier.wait()
            try:
                source, page = pages.keys()[0]
                lengths.add(len(pages.keys()))
                assert pages.text(source, page)
            except Exception as e:  # noqa: BLE001 - every failure is counted
                errors.append(repr(e))

        threads = [threading.Thread(target=first_answer) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, f"{len(errors)} failed reads, e.g. {errors[:2]}"
    assert len(lengths) == 1

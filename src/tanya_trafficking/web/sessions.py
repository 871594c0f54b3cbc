"""Bounding what Gradio keeps per session (see docs/load.md).

Gradio keeps, for every session hash it sees, a ``SessionState`` (a copy of the page's
configuration, about 60 KB here) and two entries in its queue's per-session tables; it drops
them only past ``state_session_capacity`` sessions (10,000 by default). A plain-HTTP caller of
``/gradio_api/call/tanya`` (POST, then GET) sends no session hash, so each request is a new
session: memory grew by about 60 KB a request. ``gradio_client`` users and browser tabs reuse
one session.

``lifespan`` (passed to Gradio as its app's lifespan) runs ``sweep`` every ``SWEEP_EVERY_S``
in the server's event loop, so it never interleaves with Gradio's own bookkeeping of a
session: a session that holds no ``gr.State`` value (no conversation: an API caller, or a tab
that has not chatted yet) and has no event waiting or running is forgotten, with its queue
entries, once unused for ``FETCHED_IDLE_S`` -- or ``IDLE_S`` while an answer of it has not
been fetched yet (a POST whose GET is still to come). A conversation (the page's chat keeps
its history in ``gr.State``) is never swept; the number of sessions is capped at
``MAX_SESSIONS`` (the least recently used go first, as in Gradio).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime

from .. import ui_text as ui

FETCHED_IDLE_S = 5.0  # a session without conversation, unused this long, is forgotten ...
IDLE_S = 60.0  # ... or this long while an answer of it waits for its GET
SWEEP_EVERY_S = 5.0
MAX_SESSIONS = 1000  # Gradio's state_session_capacity (its default: 10,000)


def _live(queue, session: str) -> bool:
    """Whether an event of ``session`` is waiting or running."""
    events = queue.event_ids_to_events
    return any(i in events for i in queue.pending_event_ids_session.get(session, ()))


def sweep(app, now: datetime.datetime | None = None) -> int:
    """Forget idle sessions without conversation (see the module docstring); returns how
    many. ``app``: Gradio's ``App``. Call it in the server's event loop only."""
    holder, queue = app.state_holder, app.get_blocks()._queue
    now = now or datetime.datetime.now()
    forgotten = 0
    for session, state in list(holder.session_data.items()):
        if state.state_data or _live(queue, session):
            continue
        unfetched = bool(queue.pending_event_ids_session.get(session))
        idle = datetime.timedelta(seconds=IDLE_S if unfetched else FETCHED_IDLE_S)
        used = holder.time_last_used.get(session)
        if used is not None and now - used < idle:
            continue
        holder.session_data.pop(session, None)
        holder.time_last_used.pop(session, None)
        forgotten += 1
    # Queue entries of sessions the holder no longer has (swept above, or never stored).
    for session in (set(queue.pending_event_ids_session)
                    | set(queue.pending_messages_per_session)):
        if session not in holder.session_data and not _live(queue, session):
            queue.pending_event_ids_session.pop(session, None)
            queue.pending_messages_per_session.pop(session, None)
    for session in set(holder.time_last_used) - set(holder.session_data):
        holder.time_last_used.pop(session, None)  # left behind by Gradio's own evictions
    return forgotten


async def _sweep_forever(app) -> None:
    while True:
        await asyncio.sleep(SWEEP_EVERY_S)
        try:
            sweep(app)
        except Exception as e:  # noqa: BLE001 - never stop sweeping over one odd session
            print(ui.SERVE_SWEEP_FAILED.format(error=type(e).__name__), flush=True)


@contextlib.asynccontextmanager
async def lifespan(app):
    """Gradio's app lifespan (``app_kwargs={"lifespan": lifespan}``): caps the sessions and
    sweeps them while the server runs."""
    app.state_holder.capacity = MAX_SESSIONS
    task = asyncio.create_task(_sweep_forever(app))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

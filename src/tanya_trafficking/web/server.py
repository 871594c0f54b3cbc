"""The web chat's server: our FastAPI app with the Gradio page mounted at "/" and the
middleware (``guards.py``) in front, locked down by default, and ``launch``.

Gradio is mounted on our own FastAPI app so that our middleware sits outside Gradio's:

* ``TrustedHostMiddleware``: a request whose ``Host`` is not this server (``allowed_hosts``)
  gets 400;
* CORS: only this server's own origins get ``Access-Control-Allow-Origin`` (Gradio's CORS
  then stands down), and a non-GET request from a foreign ``Origin`` gets 403 (no CSRF);
* a request body cap (``MAX_REQUEST_BYTES``; uploads ``MAX_UPLOAD_REQUEST_BYTES``), checked
  before Gradio reads the body, so a 30 MB question is refused at once;
* ``UploadGuardMiddleware``: a body naming a file object outside Gradio's upload cache (a
  server path, a symlink) is refused before Gradio copies it: the upload is the only way in;
* failed logins throttled per client (``LoginThrottle``), and idle Gradio sessions of plain
  HTTP callers swept (``sessions``), so memory stays flat under load;
* bound to 127.0.0.1, no share link, errors not shown to the browser, monitoring / MCP /
  run history / API docs off, a bounded queue with a time limit per event, the project, index,
  corpus and feedback folders in ``blocked_paths``, an optional password (``TANYA_PASSWORD``,
  user ``tanya``), and the server-side question length cap of ``pipeline.check_question``.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sys
import threading
import time
from pathlib import Path

from .. import pipeline
from .. import ui_text as ui
from ..config import PROJECT_ROOT, Settings
from . import guards, page, render
from .service import ChatService

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 2  # on Ctrl-C, what is still running (an answer streaming) gets this long
QUEUE_MAX = 64  # events waiting beyond this are refused ("queue full")
MAX_REQUEST_BYTES = 256 * 1024
MAX_UPLOAD_REQUEST_BYTES = pipeline.UPLOAD_MAX_BYTES * pipeline.UPLOAD_MAX_FILES + 1024 * 1024
PASSWORD_ENV = "TANYA_PASSWORD"
ALLOWED_HOSTS_ENV = "TANYA_ALLOWED_HOSTS"
USER = "tanya"


def allowed_hosts(settings: Settings, env: dict | None = None) -> list[str]:
    """Host names this server answers to: loopback, the bind address, and when bound to every
    interface the machine's own names and addresses; plus ``TANYA_ALLOWED_HOSTS`` (comma
    separated, e.g. the name a reverse proxy forwards)."""
    env = os.environ if env is None else env
    hosts = {"127.0.0.1", "localhost", "::1"}
    if settings.host in ("0.0.0.0", "::", ""):
        names = {socket.gethostname(), socket.getfqdn()}
        hosts |= names
        for name in names:
            try:
                hosts |= {info[4][0] for info in socket.getaddrinfo(name, None)}
            except OSError:
                pass
        try:  # the address of the default route (UDP connect sends nothing)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect(("192.0.2.1", 9))
                hosts.add(s.getsockname()[0])
        except OSError:
            pass
    else:
        hosts.add(settings.host)
    hosts |= {h.strip() for h in env.get(ALLOWED_HOSTS_ENV, "").split(",") if h.strip()}
    return sorted(hosts)


def origin_pattern(hosts: list[str]) -> str:
    names = "|".join(re.escape(h if ":" not in h else f"[{h}]") for h in hosts)
    return rf"^https?://({names})(:\d+)?$"


def blocked_paths(settings: Settings) -> list[str]:
    """Folders Gradio must never serve: the project (code, config, eval), index, corpus,
    feedback and the working directory; except a folder holding Gradio's own upload folder
    (``GRADIO_TEMP_DIR``), which uploads need."""
    uploads = guards.upload_folder()
    paths = {Path(p).resolve() for p in (PROJECT_ROOT, settings.index, settings.corpus,
                                         settings.feedback.parent, Path.cwd(),
                                         settings.conversation_key_path())}
    return sorted(str(p) for p in paths if p != uploads and p not in uploads.parents)


def create_app(settings: Settings, service: ChatService, password: str | None = None):
    """Our FastAPI app with the Gradio page mounted at "/" and the middleware in front."""
    import gradio as gr
    from fastapi import FastAPI
    from starlette.middleware.cors import CORSMiddleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    from . import sessions

    demo = page.build_ui(service)
    demo.queue(max_size=QUEUE_MAX, default_concurrency_limit=2)
    hosts = allowed_hosts(settings)
    origins = origin_pattern(hosts)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    # Added innermost first: TrustedHost -> password -> limits -> upload guard -> CORS ->
    # Gradio.
    app.add_middleware(CORSMiddleware, allow_origin_regex=origins, allow_credentials=True,
                       allow_methods=["GET", "POST"], allow_headers=["*"])
    app.add_middleware(guards.UploadGuardMiddleware)
    app.add_middleware(guards.LimitsMiddleware, origin_regex=origins, limit=MAX_REQUEST_BYTES,
                       upload_limit=MAX_UPLOAD_REQUEST_BYTES)
    if password:
        app.add_middleware(guards.PasswordMiddleware, user=USER, password=password)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    add_source_routes(app, service)  # before the mount: Gradio takes every other path
    gr.mount_gradio_app(
        app, demo, path="/",
        server_name=settings.host, server_port=settings.port,
        footer_links=[], run_history=False,
        app_kwargs={"docs_url": None, "redoc_url": None, "openapi_url": None,
                    "lifespan": sessions.lifespan},  # bounds Gradio's per-session memory
        blocked_paths=blocked_paths(settings),
        show_error=False,
        max_file_size=pipeline.UPLOAD_MAX_BYTES,
        enable_monitoring=False, mcp_server=False, ssr_mode=False, pwa=False,
        i18n=page.i18n(), theme=page.theme(), css=page.CSS, js=page.PAGE_JS, head=page.HEAD,
    )
    # Gradio checks that an event's input files come from its upload cache only once
    # ``has_launched`` is set, which ``launch()`` does and mounting does not: set it, so its
    # own check backs up ``UploadGuardMiddleware``.
    demo.has_launched = True
    from starlette.routing import Mount

    # What a Ctrl-C stops (``_quiet_server_class``): the page's streams and the heartbeats.
    app.state.tt_demo = demo
    app.state.tt_gradio = next(r.app for r in app.routes if isinstance(r, Mount))
    return app


# /sumber/<source id>/<page>/<start>-<end>[.png]: pageview.source_link's addresses.
SOURCE_SPAN = re.compile(r"^(\d{1,7})-(\d{1,7})(\.png)?$")
SOURCE_ID = re.compile(r"^[0-9a-f]{16}$")
SOURCE_PAGE = re.compile(r"^\d{1,5}$")


def add_source_routes(app, service: ChatService) -> None:
    """The source viewer's two addresses: the viewer's HTML for a quote, and its PDF page as a
    PNG. They name a document of the live index by id and a page, never a path; behind the
    same middleware (host, password, limits) as the page."""
    from starlette.responses import HTMLResponse, JSONResponse, Response

    headers = {"Cache-Control": "private, max-age=600", "X-Content-Type-Options": "nosniff"}

    def source(source_id: str, page: str, span: str):
        match = SOURCE_SPAN.match(span)
        view = None
        try:
            if match and SOURCE_ID.match(source_id) and SOURCE_PAGE.match(page):
                view = service.source_view(source_id, int(page), int(match[1]), int(match[2]))
        except Exception:  # noqa: BLE001 - the user gets a sentence, the log the details
            log.exception("source view failed: %s/%s/%s", source_id, page, span)
            return HTMLResponse(render.source_error_html(), status_code=500)
        if match and match[3]:  # the page image
            if view is None or view.image is None:
                return JSONResponse({"detail": ui.NOT_FOUND}, status_code=404)
            return Response(view.image.png, media_type="image/png", headers=headers)
        if view is None:
            return HTMLResponse(render.source_gone_html(), status_code=404)
        link = f"sumber/{source_id}/{page}/{span}"
        return HTMLResponse(render.source_view_html(view, link), headers=headers)

    app.add_api_route("/sumber/{source_id}/{page}/{span}", source, methods=["GET"],
                      include_in_schema=False)


def prepare(settings: Settings) -> ChatService:
    """Build the index if missing or stale, then load it. An empty corpus starts the chat
    empty: it invites an upload, which builds the first index."""
    try:
        report = pipeline.ensure_index(settings, progress=True)
    except pipeline.CorpusEmpty:
        print(ui.SERVE_EMPTY_CORPUS.format(corpus=settings.corpus), flush=True)
        return ChatService(settings, empty=True)
    if report is not None:
        print(report.summary(), flush=True)
    try:
        return ChatService(settings)
    except pipeline.IndexProblem as e:  # matching manifest but unusable files: rebuild once
        print(ui.SERVE_REBUILDING.format(problem=e), flush=True)
        print(pipeline.build_index(settings, progress=True).summary(), flush=True)
        return ChatService(settings)


def _quiet_server_class():
    import asyncio
    import logging

    import uvicorn

    class _Quiet(logging.Filter):
        """Once the server is stopping, uvicorn's reports of the streams it cancels (an open
        browser tab's heartbeat, an answer still streaming) are not news: dropped."""

        def __init__(self, server):
            super().__init__()
            self.server = server

        def filter(self, record: logging.LogRecord) -> bool:
            return not self.server.stopping

    class Quiet(uvicorn.Server):
        """uvicorn's server, stopped quietly by Ctrl-C (SIGINT) or SIGTERM: Gradio's streams
        (the heartbeat every open tab holds) are told to end, what is still running gets
        SHUTDOWN_GRACE_S, and no traceback of the cancelled streams is printed. ``launch``
        then prints one Indonesian line. A second Ctrl-C quits at once."""

        def __init__(self, config, service):
            super().__init__(config)
            self.service = service
            self.stopping = False

        def run(self, *args, **kwargs):
            quiet = _Quiet(self)
            logging.getLogger("uvicorn.error").addFilter(quiet)
            try:
                return super().run(*args, **kwargs)
            finally:
                logging.getLogger("uvicorn.error").removeFilter(quiet)

        def handle_exit(self, sig, frame) -> None:
            if self.stopping:
                self.force_exit = True
                return
            self.stopping = True
            self.should_exit = True  # not re-raised after the run (uvicorn would)
            state = getattr(self.config.app, "state", None)
            demo = getattr(state, "tt_demo", None)
            if demo is not None:
                demo.is_running = False  # ends the event streams' heartbeats
            event = getattr(getattr(state, "tt_gradio", None), "stop_event", None)
            if event is not None:  # ends the open tabs' heartbeat streams
                try:
                    asyncio.get_running_loop().call_soon_threadsafe(event.set)
                except RuntimeError:
                    event.set()

    return Quiet


def _stopped(code: int) -> None:
    print(ui.SERVE_STOPPED, file=sys.stderr, flush=True)
    raise SystemExit(code)


def launch(settings: Settings, block: bool = True):
    """Build the index if needed, then serve the chat (``block=False``: in a thread; returns
    the uvicorn server, whose ``should_exit = True`` stops it)."""
    import uvicorn

    try:
        service = prepare(settings)
    except KeyboardInterrupt:  # Ctrl-C while the index is built: the old one stays live
        _stopped(130)
    password = os.environ.get(PASSWORD_ENV) or None
    app = create_app(settings, service, password)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                            access_log=False, server_header=False, proxy_headers=False,
                            timeout_graceful_shutdown=SHUTDOWN_GRACE_S)
    server = _quiet_server_class()(config, service)
    running = ui.SERVE_RUNNING_PASSWORD if password else ui.SERVE_RUNNING
    print(running.format(host=settings.host, port=settings.port), flush=True)
    if block:
        try:
            server.run()
        except KeyboardInterrupt:  # a second Ctrl-C, say
            pass
        finally:
            service.close()
        if server.stopping:
            _stopped(0)
        return server
    thread = threading.Thread(target=server.run, name="tanya-server", daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.05)
    return server

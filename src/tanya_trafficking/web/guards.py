"""The ASGI middleware in front of Gradio: what a request meets before the chat sees it.
``server.create_app`` stacks them (outermost first): TrustedHost, ``PasswordMiddleware``,
``LimitsMiddleware``, ``UploadGuardMiddleware``, CORS, Gradio.

* ``LimitsMiddleware``: Gradio routes this app does not use answer 404; a non-GET request
  from a foreign ``Origin`` gets 403 (no CSRF), and a foreign page gets no CORS grant; a
  request body over the cap gets 413 before Gradio reads it; Gradio's English "queue full"
  and "file too large" refusals are reworded in Indonesian, and so is every "Not Found" (an
  Indonesian page for a browser, ``{"detail": ...}`` in Indonesian for other clients).
* ``UploadGuardMiddleware``: a body naming a file object outside Gradio's upload cache (a
  server path, a symlink) is refused before Gradio copies it: the upload is the only way in.
* ``PasswordMiddleware`` (when ``TANYA_PASSWORD`` is set): HTTP Basic authentication, with
  failed logins throttled per client (``LoginThrottle``).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import stat
import time
from collections import OrderedDict
from pathlib import Path

from .. import pipeline
from .. import ui_text as ui
from . import render

log = logging.getLogger(__name__)

# Gradio routes this app does not use, answered 404 before Gradio sees them: monitoring, MCP,
# run history, the vibe editor, dev reload, screen recording, OpenAPI documents.
ABSENT_ROUTES = re.compile(
    r"^/(monitoring|mcp|docs|redoc|openapi\.json"
    r"|gradio_api/(monitoring|mcp|runs|vibe-|undo-vibe-|dev/|process_recording"
    r"|openapi\.json|docs))")

QUEUE_FULL_MESSAGE = ui.QUEUE_FULL


# --- 404 in Indonesian: an unknown address (Starlette's and Gradio's English "Not Found") gets
# an Indonesian page in a browser, and a short Indonesian JSON detail elsewhere.

def wants_html(headers) -> bool:
    """Whether the client asked for a page (a browser's navigation sends text/html)."""
    accept = headers.get("accept", "").lower()
    return "text/html" in accept or "application/xhtml" in accept


def not_found_body(html: bool) -> tuple[bytes, bytes]:
    """(body, content type) of an Indonesian 404."""
    if html:
        return render.not_found_html().encode("utf-8"), b"text/html; charset=utf-8"
    return (json.dumps({"detail": ui.NOT_FOUND}, ensure_ascii=False).encode("utf-8"),
            b"application/json")


def _is_html(message: dict) -> bool:
    return any(k.lower() == b"content-type" and v.lower().startswith(b"text/html")
               for k, v in message.get("headers", []))


async def send_not_found(scope, send, html: bool, status: int = 404,
                         keep_headers: tuple = ()) -> None:
    """An Indonesian 404; or as JSON, ``status`` 405 ("method not allowed", the ``Allow``
    header among ``keep_headers``) or 500 (e.g. Gradio's bare "Internal Server Error" for a
    ``/call/v2`` body naming an unknown parameter)."""
    if status in (405, 500):
        detail = ui.METHOD_NOT_ALLOWED if status == 405 else ui.SERVER_ERROR
        body, content_type = (json.dumps({"detail": detail}, ensure_ascii=False)
                              .encode("utf-8"), b"application/json")
    else:
        body, content_type = not_found_body(html)
    await send({"type": "http.response.start", "status": status, "headers": [
        *keep_headers, (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff")]})
    await send({"type": "http.response.body", "body": body})
UPLOAD_TOO_LARGE_MESSAGE = ui.UPLOAD_TOO_LARGE.format(max_mb=pipeline.UPLOAD_MAX_BYTES // 2**20,
                                                      max_files=pipeline.UPLOAD_MAX_FILES)


class LimitsMiddleware:
    """Refuses, before the app reads it, a request body over the cap (413), and a non-GET
    request from a foreign ``Origin`` (403: a page elsewhere cannot drive this one). Gradio's
    English "queue is full" refusal (503) is reworded in Indonesian."""

    def __init__(self, app, origin_regex: str, limit: int, upload_limit: int):
        self.app = app
        self.origin = re.compile(origin_regex)
        self.limit = limit
        self.upload_limit = upload_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.datastructures import Headers
        from starlette.responses import JSONResponse

        headers = Headers(scope=scope)
        if ABSENT_ROUTES.match(scope["path"]):
            await send_not_found(scope, send, wants_html(headers))
            return
        origin = headers.get("origin")
        if (origin is not None and scope["method"] not in ("GET", "HEAD", "OPTIONS")
                and not self.origin.match(origin)):
            await JSONResponse({"error": ui.FOREIGN_ORIGIN},
                               status_code=403)(scope, receive, send)
            return
        upload = scope["path"].rstrip("/").endswith("/upload")
        limit = self.upload_limit if upload else self.limit
        too_large = JSONResponse({"error": UPLOAD_TOO_LARGE_MESSAGE if upload else ui.TOO_LARGE},
                                 status_code=413)
        try:
            declared = int(headers.get("content-length", "0"))
        except ValueError:
            declared = 0
        if declared > limit:
            await too_large(scope, receive, send)
            return
        received = 0
        started = overflow = False

        async def counting_receive():
            nonlocal received, overflow
            if overflow:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # no Content-Length (chunked): stop reading here
                    overflow = True
                    return {"type": "http.disconnect"}
            return message

        path = scope["path"].rstrip("/")
        # Gradio's own English refusals, reworded: "queue full" (503) and a file over
        # max_file_size (413 from the upload route).
        reworded = ({503: QUEUE_FULL_MESSAGE} if path.endswith("/queue/join")
                    else {413: UPLOAD_TOO_LARGE_MESSAGE} if path.endswith("/upload") else {})
        refusing = False
        html = wants_html(headers)

        async def tracking_send(message):
            nonlocal started, refusing
            if message["type"] == "http.response.start":
                started = True
                if message["status"] in reworded:
                    refusing = True
                    body = json.dumps({"detail": reworded[message["status"]]}).encode()
                    headers = [(k, v) for k, v in message.get("headers", [])
                               if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(body)).encode()))
                    await send({**message, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
                if message["status"] in (404, 405, 500) and not _is_html(message):
                    # Starlette's or Gradio's English "Not Found" / "Method Not Allowed" /
                    # "Internal Server Error" (an Indonesian HTML page, the source viewer's
                    # 404 or 500, stays as it is).
                    refusing = True
                    allow = tuple((k, v) for k, v in message.get("headers", [])
                                  if k.lower() == b"allow")
                    await send_not_found(scope, send, html, message["status"], allow)
                    return
            if refusing:  # Gradio's own body of the refusal: already replaced
                return
            await send(message)

        foreign = origin is not None and not self.origin.match(origin)

        async def guarded_send(message):
            if message["type"] == "http.response.start" and foreign:
                # A foreign page gets no CORS grant of any kind (nor credentials).
                message = {**message, "headers": [
                    (k, v) for k, v in message.get("headers", [])
                    if not k.lower().startswith(b"access-control-")]}
            if not overflow:
                await tracking_send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not overflow:
                raise
        if overflow and not started:
            await too_large(scope, receive, send)


def upload_folder() -> Path:
    """Gradio's own upload cache, resolved: where ``/gradio_api/upload`` writes the files a
    browser sends, and the only folder an event may take files from."""
    import tempfile

    return Path(os.environ.get("GRADIO_TEMP_DIR")
                or Path(tempfile.gettempdir()) / "gradio").resolve()


def is_uploaded_file(path: str, folder: Path) -> bool:
    """``path`` names a regular file inside ``folder`` (Gradio's upload cache), reached
    without any symbolic link: not a server path, not a link out of the cache."""
    p = Path(path)
    if not p.is_absolute() or ".." in p.parts:
        return False
    try:
        if folder not in p.resolve(strict=True).parents or not stat.S_ISREG(os.lstat(p).st_mode):
            return False
        step = p  # no link below the folder (the folder itself may be reached through one)
        while step.resolve() != folder:
            if step.is_symlink() or step.parent == step:
                return False
            step = step.parent
    except (OSError, RuntimeError):  # missing, unreadable, a symlink loop
        return False
    return True


def foreign_paths(data, folder: Path) -> list[str]:
    """Every ``"path"`` of a file object in a request body that is not an uploaded file."""
    found: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            path = item.get("path")
            if isinstance(path, str) and not is_uploaded_file(path, folder):
                found.append(path)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


class UploadGuardMiddleware:
    """The chat's upload is the only way a file gets in. Any request body (an event of the
    queue, the call/run API, now or added later) that names a file object (``{"path": ...}``)
    outside Gradio's upload cache, or reached through a symbolic link, is refused (403) before
    Gradio copies the file: a client could otherwise name any file the server can read.
    Bodies are small here (``LimitsMiddleware`` caps them before this reads them)."""

    def __init__(self, app, folder: Path | None = None):
        self.app = app
        self.folder = folder

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS")
                or scope["path"].rstrip("/").endswith("/upload")):
            await self.app(scope, receive, send)
            return
        messages, body = [], b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        try:
            data = json.loads(body) if body.lstrip()[:1] in (b"{", b"[") else None
        except ValueError:
            data = None
        bad = foreign_paths(data, self.folder or upload_folder()) if data is not None else []
        if bad:
            from starlette.responses import JSONResponse

            log.warning("refused a request naming %d file(s) outside the upload cache", len(bad))
            await JSONResponse({"error": ui.FILE_NOT_UPLOADED}, status_code=403)(
                scope, receive, send)
            return
        pending = list(messages)

        async def replay():
            return pending.pop(0) if pending else await receive()

        await self.app(scope, replay, send)


PASSWORD_PAGE = render.password_page()


class LoginThrottle:
    """Failed logins per client address. The first ``FREE_TRIES`` cost nothing (typos); each
    further failure locks the client out for a doubling time (1 s, 2 s, 4 s, ... at most
    ``MAX_LOCK_S``), during which its requests are refused without looking at the password.
    Checks and updates run without an ``await`` in between, so guesses sent in parallel are
    counted one by one too. At most ``MAX_CLIENTS`` addresses are remembered (oldest dropped);
    one quiet for ``FORGET_S`` starts again from zero."""

    FREE_TRIES = 3
    BASE_S = 1.0
    MAX_LOCK_S = 300.0
    FORGET_S = 900.0
    MAX_CLIENTS = 10_000

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._clients: OrderedDict[str, tuple[int, float, float]] = OrderedDict()

    def locked_for(self, client: str) -> float:
        """Seconds ``client`` must still wait (0: it may try)."""
        entry = self._clients.get(client)
        if entry is None:
            return 0.0
        failures, until, last = entry
        now = self._clock()
        if now - last > self.FORGET_S:
            del self._clients[client]
            return 0.0
        return max(0.0, until - now)

    def failed(self, client: str) -> None:
        now = self._clock()
        failures = self._clients.pop(client, (0, 0.0, now))[0] + 1
        extra = failures - self.FREE_TRIES
        lock = min(self.MAX_LOCK_S, self.BASE_S * 2 ** (extra - 1)) if extra > 0 else 0.0
        self._clients[client] = (failures, now + lock, now)
        while len(self._clients) > self.MAX_CLIENTS:
            self._clients.popitem(last=False)

    def succeeded(self, client: str) -> None:
        self._clients.pop(client, None)


class PasswordMiddleware:
    """HTTP Basic authentication for every request (page, API, files) when TANYA_PASSWORD is
    set. The browser asks with its own dialog, in its own language; scripts send the header
    (``gradio_client.Client(url, headers={"Authorization": "Basic ..."})``). Compared in
    constant time; a wrong try waits a little, and repeated ones lock the client out for a
    while (``LoginThrottle``, answered 429 with ``Retry-After``)."""

    def __init__(self, app, user: str, password: str, throttle: LoginThrottle | None = None):
        import base64

        self.app = app
        self.throttle = throttle or LoginThrottle()
        self.expected = ("Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
                         ).encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        import asyncio
        import hmac

        from starlette.responses import HTMLResponse

        given = dict(scope.get("headers") or []).get(b"authorization", b"")
        client = (scope.get("client") or ("?",))[0]
        wait = self.throttle.locked_for(client) if given else 0.0
        if wait > 0:
            seconds = math.ceil(wait)
            await HTMLResponse(
                render.login_throttled_html(seconds),
                status_code=429, headers={"Retry-After": str(seconds)})(scope, receive, send)
            return
        if hmac.compare_digest(given, self.expected):
            self.throttle.succeeded(client)
            await self.app(scope, receive, send)
            return
        if given:
            self.throttle.failed(client)
            await asyncio.sleep(0.5)
        await HTMLResponse(PASSWORD_PAGE, status_code=401, headers={
            "WWW-Authenticate": 'Basic realm="Tanya Trafficking", charset="UTF-8"'})(
            scope, receive, send)

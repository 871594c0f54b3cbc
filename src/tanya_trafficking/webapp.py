"""The Gradio web chat. Layout and wiring only: answers come from ``pipeline.Bot``, uploads go
through ``pipeline.add_to_corpus``, thumbs up/down through ``pipeline.record_feedback``.

It lives in the package (not only in the root ``app.py``) so that the installed
``tanya-trafficking serve`` works too; ``app.py`` is a three-line launcher.

The page: a chat whose answers appear progressively, each with an expandable "Sumber" block
(quote with the answering words marked, file, page, and the surrounding passage); a side panel
with the indexed documents and an upload button; example questions; "Percakapan baru"; copy
and thumbs up/down on every answer. Every visible string is Indonesian: ours are in
``ui_text``, Gradio's own are replaced for every locale (``ui_text.GRADIO_STRINGS``), whatever
the browser's language. The page's style and script are package data (``static/chat.css``,
``static/chat.js``, ``static/head.html``), read once at import.

Follow-up questions: the chat passes the conversation's previous question
(``previous_question``: the latest one the bot searched, answered or not, with the question
it leaned on when it was a follow-up itself; refused ones are skipped) to
``ChatService.reply``, which uses it only when the new question leans on it
(``pipeline.follow_up_context``); the answer then starts with a note naming it. The
``/tanya`` API takes it as an optional second argument, ``sebelumnya``.

Locked down by default (``create_app``): Gradio is mounted on our own FastAPI app so that our
middleware sits outside Gradio's:

* ``TrustedHostMiddleware``: a request whose ``Host`` is not this server gets 400;
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

import html
import json
import logging
import math
import multiprocessing as mp
import os
import queue as queue_mod
import re
import socket
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import pipeline, store
from . import ui_text as ui
from .config import PROJECT_ROOT, Settings
from .schema import Answer
from .textnorm import display_name

log = logging.getLogger(__name__)

QUEUE_MAX = 64  # events waiting beyond this are refused ("queue full")
# Answers computed at once: one per core (the question's embedding is the bulk of the work).
CHAT_CONCURRENCY = max(2, min(4, os.cpu_count() or 2))
# Streamed answers in the page mostly wait between pieces: more of them may run at once.
STREAM_CONCURRENCY = 8
EVENT_TIME_LIMIT_S = 10  # per chat/API event
UPLOAD_TIME_LIMIT_S = 600  # checking, reading and indexing the uploaded files
STREAM_STEPS = 12  # an answer appears in this many steps ...
STREAM_DELAY_S = 0.03  # ... this far apart
MAX_HISTORY = 200  # messages kept per conversation; older ones scroll out
MAX_REQUEST_BYTES = 256 * 1024
MAX_UPLOAD_REQUEST_BYTES = pipeline.UPLOAD_MAX_BYTES * pipeline.UPLOAD_MAX_FILES + 1024 * 1024
PASSWORD_ENV = "TANYA_PASSWORD"
ALLOWED_HOSTS_ENV = "TANYA_ALLOWED_HOSTS"
USER = "tanya"
FOLLOW_INDEX_EVERY_S = 1.0  # how often CURRENT is checked for a generation built elsewhere
ANSWER_CACHE_SIZE = 512  # answers kept per generation: the same question is not recomputed


# --------------------------------------------------------------------------- the service


@dataclass(frozen=True)
class Reply:
    """What the chat shows for one question."""

    text: str  # the answer as plain text, or the polite refusal
    result: Answer | None  # None: the question was refused (empty, too long)
    bot: pipeline.Bot  # the generation that answered (for passages and highlights)
    context: str | None = None  # the previous question the search also used (a follow-up)


@dataclass
class UploadEvent:
    kind: str  # "progress" | "done" | "error"
    text: str = ""
    fraction: float = 0.0
    outcomes: tuple = ()


class ChatService:
    """Holds the loaded bot. A new index generation (built by an upload here or by
    ``rebuild-index`` elsewhere) is loaded in the background and swapped in whole: an answer
    always comes from one generation, and users wait for nothing."""

    def __init__(self, settings: Settings, bot: pipeline.Bot | None = None):
        self.settings = settings
        self._bot = bot or pipeline.Bot.open(settings)
        self._swap_lock = threading.Lock()
        self._upload_lock = threading.Lock()
        self._follow_lock = threading.Lock()
        self._checked = time.monotonic()
        self._loading = False
        # (generation, previous question used as context or "", question) -> Answer. Answers
        # are deterministic for one generation of the index; popular questions (the examples)
        # then cost nothing. Emptied on a swap.
        self._cache: OrderedDict[tuple[str, str, str], Answer] = OrderedDict()
        self._cache_lock = threading.Lock()

    # -- generations

    @property
    def generation(self) -> str:
        return self._bot.index.folder.name

    @property
    def bot(self) -> pipeline.Bot:
        self._follow_index()
        return self._bot

    def swap(self, bot: pipeline.Bot) -> None:
        with self._swap_lock:
            old, self._bot = self._bot.index.folder.name, bot
        with self._cache_lock:
            self._cache.clear()
        if old != bot.index.folder.name:
            print(f"Generasi indeks baru dipakai: {bot.index.folder.name} (sebelumnya {old})",
                  flush=True)

    def _follow_index(self) -> None:
        """Notice, at most once a second, that CURRENT names another generation; load it in a
        background thread while the old one keeps answering."""
        now = time.monotonic()
        if now - self._checked < FOLLOW_INDEX_EVERY_S or self._loading:
            return
        with self._follow_lock:
            if now - self._checked < FOLLOW_INDEX_EVERY_S or self._loading:
                return
            self._checked = now
            name = store.current_name(self.settings.index)
            if not name or name == self.generation:
                return
            self._loading = True
        threading.Thread(target=self._load_current, name="tanya-reload", daemon=True).start()

    def _load_current(self) -> None:
        try:
            self.swap(pipeline.Bot.open(self.settings))
        except Exception as e:  # noqa: BLE001 - keep serving the generation we have
            log.warning("Indeks baru belum bisa dimuat (%s); generasi lama tetap dipakai.", e)
        finally:
            self._loading = False

    # -- answering

    def ask(self, question: str | None,
            previous: str | None = None) -> tuple[str, Answer | None]:
        """(text, Answer): the answer, or a polite message (and None) for a refused question."""
        reply = self.reply(question, previous)
        return reply.text, reply.result

    def answer(self, question: str | None,
               previous: str | None = None) -> tuple[str, Answer | None, pipeline.Bot]:
        """Like ``ask``, also returning the generation that answered (for its passages)."""
        reply = self.reply(question, previous)
        return reply.text, reply.result, reply.bot

    def reply(self, question: str | None, previous: str | None = None) -> Reply:
        """Answer ``question``; ``previous`` is the user's previous question in the same
        conversation. When the question leans on it (``pipeline.follow_up_context``: "itu",
        "tersebut", "-nya", "bagaimana dengan ...", a very short question), the search uses
        the previous question too, and ``Reply.context`` says so. A ``previous`` that would
        itself be refused (empty, too long) is ignored.

        The length cap comes first: a huge question costs nothing but its length. Answers are
        cached per generation under (context used, question), so a follow-up never gets the
        cached answer of the same words asked alone, nor the other way round."""
        problem = pipeline.check_question(question, self.settings)
        bot = self.bot  # one generation for the whole answer
        if problem:
            return Reply(problem, None, bot)
        question = str(question).strip()
        context = None
        previous = None if previous is None else str(previous)
        if previous is not None and not pipeline.check_question(previous, self.settings):
            context = pipeline.follow_up_context(question, previous.strip())
        key = (bot.index.folder.name, context or "", question)
        with self._cache_lock:
            result = self._cache.get(key)
            if result is not None:
                self._cache.move_to_end(key)
        if result is None:
            result = (bot.ask(question, previous=context) if context
                      else bot.ask(question))
            with self._cache_lock:
                self._cache[key] = result
                while len(self._cache) > ANSWER_CACHE_SIZE:
                    self._cache.popitem(last=False)
        return Reply(result.text, result, bot, context)

    # -- documents

    def documents_html(self) -> str:
        return documents_html(self.bot.index.manifest)

    # -- uploads

    def add_files(self, uploads: list[tuple[str, Path]]) -> Iterator[UploadEvent]:
        """Check, save and index uploaded files in a fresh process, relaying its progress; then
        load the new generation and swap it in. One upload at a time."""
        if not self._upload_lock.acquire(blocking=False):
            yield UploadEvent("progress", ui.UPLOAD_WAITING, 0.02)
            self._upload_lock.acquire()
        try:
            yield from self._add_files(uploads)
        finally:
            self._upload_lock.release()

    def _add_files(self, uploads):
        # A spawned (not forked) process: this one has the web server's and the model's
        # threads, which a fork would copy mid-flight; the build's memory goes back on exit.
        ctx = mp.get_context("spawn")
        events = ctx.Queue()
        # Not a daemon: it forks its own time-limited PDF readers.
        proc = ctx.Process(target=_upload_worker, args=(self.settings, uploads, events),
                           name="tanya-unggah")
        yield UploadEvent("progress", ui.UPLOAD_PREPARING, 0.05)
        proc.start()
        deadline = time.monotonic() + UPLOAD_TIME_LIMIT_S
        result = None
        try:
            while result is None:
                try:
                    kind, *rest = events.get(timeout=0.5)
                except queue_mod.Empty:
                    if not proc.is_alive():
                        result = UploadEvent("error", ui.UPLOAD_CRASHED)
                    elif time.monotonic() > deadline:
                        result = UploadEvent("error", ui.UPLOAD_TIMED_OUT)
                    continue
                if kind == "progress":
                    yield UploadEvent("progress", rest[0], rest[1])
                elif kind == "done":
                    result = UploadEvent("done", outcomes=tuple(rest[0]))
                else:
                    result = UploadEvent("error", rest[0])
        finally:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
        if result.kind == "done" and any(o.added for o in result.outcomes):
            yield UploadEvent("progress", ui.UPLOAD_LOADING, 0.95)
            self.swap(pipeline.Bot.open(self.settings))
        yield result

    # -- feedback

    def record_feedback(self, turn: dict, liked) -> str | None:
        """Append the question, the answer and the verdict to the feedback file."""
        verdict = {True: "up", False: "down"}.get(liked) if isinstance(liked, bool) else None
        if verdict is None:
            return None
        record = {
            "question": turn["question"],
            "answer": turn["answer"],
            "verdict": verdict,
            "found": turn["found"],
            "sources": turn["sources"],
            "generation": turn["generation"],
            **({"previous": turn["previous"]} if turn.get("previous") else {}),
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        pipeline.record_feedback(self.settings, record)
        return verdict


def _upload_worker(settings: Settings, uploads, events) -> None:
    """Runs in the spawned process: ``pipeline.add_to_corpus`` with progress on a queue.
    At a lower CPU priority: answering questions comes first."""
    try:
        os.nice(10)
    except OSError:
        pass
    try:
        outcomes, _ = pipeline.add_to_corpus(
            settings, uploads, lambda text, fraction: events.put(("progress", text, fraction)))
        events.put(("done", outcomes))
    except BaseException:  # noqa: BLE001 - the parent must hear about every ending
        import traceback

        traceback.print_exc()
        events.put(("error", ui.UPLOAD_FAILED))


# --------------------------------------------------------------------------- HTML pieces

def _e(text: str) -> str:
    """HTML-escaped text for a chat bubble. Newlines become <br>: a blank line inside a
    bubble would end its HTML block in the Markdown renderer."""
    return html.escape(str(text)).replace("\n", "<br>")


def _marked(text: str, spans, kinds=("answer", "term")) -> str:
    """``text`` escaped, with the given highlight spans wrapped in <mark>."""
    out, pos = [], 0
    for s, e, kind in spans:
        if kind not in kinds or s < pos:
            continue
        out.append(_e(text[pos:s]))
        cls = "tt-ans" if kind == "answer" else "tt-term"
        out.append(f'<mark class="{cls}">{_e(text[s:e])}</mark>')
        pos = e
    out.append(_e(text[pos:]))
    return "".join(out)


def quote_spans(result: Answer, bot: pipeline.Bot) -> list[list[tuple[int, int, str]]]:
    """Highlights per quote: the ones ``Bot.ask`` computed from the question it searched."""
    return [list(spans) for spans in result.highlights]


CHAIN_MAX_CHARS = 300  # a chain of follow-ups carries at most this much earlier text
FOLLOW_UP_NOTE_CHARS = 160  # the previous question is shortened to this in the note


def follow_up_note(context: str) -> str:
    """The plain-text note of a follow-up: which previous question the search also used."""
    previous = " ".join(str(context).split())
    if len(previous) > FOLLOW_UP_NOTE_CHARS:
        previous = previous[:FOLLOW_UP_NOTE_CHARS - 1].rstrip() + "…"
    return ui.FOLLOW_UP_NOTE.format(previous=previous)


def answer_html(result: Answer, bot: pipeline.Bot, reveal: int | None = None,
                spans=None, context: str | None = None) -> str:
    """The chat bubble of an answer. ``reveal`` shows only the first characters of the quotes
    (streaming); the "Sumber" block and the buttons come with the complete answer.
    ``context``: the previous question a follow-up's search used, noted above the answer."""
    spans = spans if spans is not None else quote_spans(result, bot)
    parts = ['<div class="tt-answer">']
    if context:
        parts.append(f'<p class="tt-context">{_e(follow_up_note(context))}</p>')
    if result.found:
        if result.short_answer:
            parts.append(f'<p class="tt-short">{ui.SHORT_ANSWER} '
                         f'<strong>{_e(result.short_answer)}</strong></p>')
        parts.append(f'<p class="tt-lead">{ui.LEAD_FOUND}</p>')
    else:
        parts.append(f'<p class="tt-lead tt-notfound">{ui.LEAD_NOT_FOUND}</p>')
        if result.quotes:
            parts.append(f'<p class="tt-lead">{ui.LEAD_RELATED}</p>')
    left = reveal
    for i, (q, sp) in enumerate(zip(result.quotes, spans), 1):
        if left is not None and left <= 0:
            break
        text = q.text if left is None else q.text[:left]
        shown = [(s, min(e, len(text)), k) for s, e, k in sp if s < len(text)]
        tail = "" if text == q.text else '<span class="tt-cursor">▍</span>'
        # Not found: nothing in these passages is an answer, so nothing is marked as one.
        kinds = ("answer",) if result.found else ()
        parts.append(f'<blockquote class="tt-quote">«{_marked(text, shown, kinds)}'
                     f'{tail}{"»" if not tail else ""}'
                     f'{f" <sup>[{i}]</sup>" if not tail else ""}</blockquote>')
        if left is not None:
            left -= len(q.text)
    parts.append("</div>")
    if reveal is None:
        parts.append(sources_html(result, bot, spans))
        parts.append(copy_button(result.text))
    return "".join(parts)


def sources_html(result: Answer, bot: pipeline.Bot, spans=None) -> str:
    """The expandable "Sumber" block: per quote the marked quote, file, page, and a nested
    block with the whole passage around it."""
    if not result.quotes:
        return ""
    spans = spans if spans is not None else quote_spans(result, bot)
    title = ui.SOURCES_TITLE if result.found else ui.RELATED_SOURCES_TITLE
    kinds = ("answer", "term") if result.found else ("term",)
    items = []
    for i, (q, sp) in enumerate(zip(result.quotes, spans), 1):
        passage = bot.passage(q)
        before = passage.text[:passage.quote_start]
        inside = passage.text[passage.quote_start:passage.quote_end]
        after = passage.text[passage.quote_end:]
        page = (ui.PAGE.format(page=q.page) if q.page is not None else ui.NO_PAGE)
        items.append(
            f'<li class="tt-source">'
            f'<p class="tt-where"><span class="tt-num">[{i}]</span> '
            f'<span class="tt-file">{_e(display_name(q.source))}</span> · '
            f'<span class="tt-page">{page}</span></p>'
            f'<blockquote class="tt-src-quote">«{_marked(q.text, sp, kinds)}»</blockquote>'
            f'<details class="tt-passage"><summary>{ui.SEE_PASSAGE}</summary>'
            f'<p class="tt-passage-text">{"… " if passage.more_before else ""}'
            f'{_e(before)}<mark class="tt-in-passage">{_e(inside)}</mark>{_e(after)}'
            f'{" …" if passage.more_after else ""}</p>'
            f'</details></li>')
    return (f'<details class="tt-sources"><summary>{title} ({len(result.quotes)})</summary>'
            f'<ol class="tt-source-list">{"".join(items)}</ol></details>')


def copy_button(text: str) -> str:
    """"Salin jawaban" and the plain text it copies (hidden; Gradio's HTML sanitizer keeps
    classes but not data- attributes, so the text travels as hidden lines)."""
    lines = "".join(f"<span>{html.escape(line)}</span>" for line in text.split("\n"))
    return (f'<div class="tt-actions"><button type="button" class="tt-copy">{ui.COPY_BUTTON}'
            f'</button><span class="tt-copy-text">{lines}</span></div>')


def message_html(text: str) -> str:
    """A plain message of the bot (a refused question, an error)."""
    return f'<div class="tt-answer"><p class="tt-lead">{_e(text)}</p></div>'


def thinking_html() -> str:
    return ('<div class="tt-answer"><p class="tt-lead tt-thinking" role="status">'
            f'{ui.THINKING}</p></div>')


def user_html(question: str) -> str:
    return f'<p class="tt-question">{_e(question)}</p>'


def format_time(iso: str | None) -> str:
    """"2025-11-22T16:01:05+00:00" -> "22 November 2025, 16.01 UTC"."""
    try:
        t = datetime.fromisoformat(str(iso))
    except ValueError:
        return ui.UNKNOWN_TIME
    t = t.astimezone(timezone.utc)
    return ui.DATE_TIME.format(day=t.day, month=ui.MONTHS[t.month - 1], year=t.year,
                               hour=t.hour, minute=t.minute)


def documents_html(manifest: dict) -> str:
    docs = manifest.get("documents", [])
    counts = manifest.get("counts", {})
    rows = []
    for d in docs:
        pages = d.get("pages", 0)
        rows.append(
            f'<li><span class="tt-doc-name">{_e(display_name(d.get("source", "?")))}</span>'
            f'<span class="tt-doc-meta">'
            f'{ui.DOC_META.format(pages=pages, chunks=d.get("chunks", 0))}</span></li>')
    skipped = manifest.get("skipped", [])
    skipped_html = ""
    if skipped:
        lines = "".join(f'<li><span class="tt-doc-name">{_e(display_name(s["source"]))}</span>'
                        f'<span class="tt-doc-meta">{_e(s["reason"])}</span></li>'
                        for s in skipped)
        skipped_html = (f'<details class="tt-skipped"><summary>'
                        f'{ui.SKIPPED_FILES.format(count=len(skipped))}</summary>'
                        f'<ul class="tt-doc-list">{lines}</ul></details>')
    built = manifest.get("built_at")
    totals = ui.TOTALS.format(documents=counts.get("documents", len(docs)),
                              pages=counts.get("pages", 0), chunks=counts.get("chunks", 0))
    return (
        f'<div class="tt-docs">'
        f'<p class="tt-built">{ui.BUILT_AT} <time datetime="{_e(str(built))}">'
        f'{_e(format_time(built))}</time></p>'
        f'<ul class="tt-doc-list">{"".join(rows) or f"<li>{ui.NO_DOCUMENTS}</li>"}</ul>'
        f'<p class="tt-total">{totals}</p>'
        f'{skipped_html}</div>')


def upload_status_html(text: str, fraction: float | None = None, outcomes=()) -> str:
    parts = ['<div class="tt-upload-status" role="status" aria-live="polite">']
    if fraction is not None:
        pct = max(0, min(100, round(fraction * 100)))
        parts.append(f'<p class="tt-progress-text">{_e(text)}…</p>'
                     f'<div class="tt-progress" role="progressbar" aria-valuemin="0" '
                     f'aria-valuemax="100" aria-valuenow="{pct}" '
                     f'aria-label="{ui.PROGRESS_LABEL}"><span style="width: {pct}%">'
                     f'</span></div><p class="tt-progress-pct">{pct}%</p>')
    elif text:
        parts.append(f'<p class="tt-progress-text">{_e(text)}</p>')
    if outcomes:
        parts.append('<ul class="tt-outcomes">')
        for o in outcomes:
            cls, mark = ("tt-ok", "✓") if o.added else ("tt-bad", "✗")
            parts.append(f'<li class="{cls}"><span aria-hidden="true">{mark}</span> '
                         f'<strong>{_e(display_name(o.name))}</strong>: {_e(o.message)}</li>')
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


# --------------------------------------------------------------------------- the page

STATIC = "static"  # package data folder: the page's style, script and extra <head>


def static_text(name: str) -> str:
    """A file of the package's ``static/`` folder (installed with the package)."""
    from importlib.resources import files

    return files(__package__).joinpath(STATIC, name).read_text(encoding="utf-8")


# Read once at startup. HEAD: rules for Gradio's outer frame, which the ``css`` parameter
# cannot reach (Gradio scopes those rules inside its content area).
CSS = static_text("chat.css")
PAGE_JS = static_text("chat.js")
HEAD = static_text("head.html")
GRADIO_STRINGS = ui.GRADIO_STRINGS
GRADIO_LOCALES = ui.GRADIO_LOCALES


def _i18n():
    import gradio as gr

    return gr.I18n(**{loc: dict(GRADIO_STRINGS) for loc in GRADIO_LOCALES})


def build_ui(service: ChatService):
    import gradio as gr

    settings = service.settings
    upload_note = ui.UPLOAD_NOTE.format(max_mb=pipeline.UPLOAD_MAX_BYTES // 2**20,
                                        max_files=pipeline.UPLOAD_MAX_FILES)

    with gr.Blocks(title=ui.TITLE, fill_height=True, analytics_enabled=False) as demo:
        history = gr.State([])
        turns = gr.State({})  # message index -> the question and answer behind it

        with gr.Sidebar(label=ui.SIDEBAR_LABEL, open=True, width=330, elem_id="tt-sidebar"):
            gr.Markdown(ui.DOCUMENTS_HEADING)
            docs = gr.HTML(service.documents_html(), elem_id="tt-docs")
            gr.Markdown(ui.ADD_DOCUMENTS_HEADING)
            upload = gr.UploadButton(ui.UPLOAD_BUTTON, file_count="multiple",
                                     type="filepath", variant="secondary",
                                     elem_id="tt-upload")
            gr.Markdown(upload_note, elem_id="tt-upload-note")
            upload_status = gr.HTML("", elem_id="tt-upload-status")
            with gr.Accordion(ui.ABOUT_LABEL, open=False, elem_id="tt-about"):
                gr.Markdown(ui.ABOUT)

        gr.HTML(f'<div id="tt-header"><div class="tt-title-row"><h1>{ui.TITLE}</h1>'
                f'<button type="button" class="tt-open-panel" aria-controls="tt-sidebar">'
                f'{ui.OPEN_PANEL_BUTTON}</button></div><p>{_e(ui.TAGLINE)}</p></div>',
                padding=False)
        chatbot = gr.Chatbot(
            label=ui.CHAT_LABEL, show_label=False, elem_id="tt-chat", scale=1, height="62vh",
            min_height=320, buttons=[], feedback_options=("Like", "Dislike"),
            latex_delimiters=[], line_breaks=False, sanitize_html=True, layout="bubble",
            placeholder=ui.CHAT_PLACEHOLDER,
            examples=[{"text": q} for q in ui.EXAMPLES],
        )
        with gr.Row(elem_id="tt-input-row", equal_height=True):
            box = gr.Textbox(label=ui.INPUT_LABEL, show_label=False, elem_id="tt-input",
                             placeholder=ui.INPUT_PLACEHOLDER,
                             max_length=settings.max_question_chars, scale=5, autofocus=True,
                             submit_btn=False, lines=1, max_lines=4, container=False)
            send = gr.Button(ui.SEND_BUTTON, variant="primary", scale=1, min_width=70,
                             elem_id="tt-send")
        with gr.Row(elem_id="tt-tools"):
            new = gr.Button(ui.NEW_CHAT_BUTTON, variant="secondary", size="sm",
                            elem_id="tt-new", scale=0, min_width=150)

        def respond(question, hist, trn):
            """One turn of the chat. The previous question of the conversation
            (``previous_question``) goes along: a follow-up is searched with it."""
            question = "" if question is None else str(question)
            hist, trn = _trim(list(hist or []), dict(trn or {}))
            previous = previous_question(trn)
            hist.append({"role": "user", "content": user_html(question.strip()[:2000])})
            hist.append({"role": "assistant", "content": thinking_html()})
            yield hist, hist, trn, ""
            try:
                reply = service.reply(question, previous)
                text, result, bot, context = reply.text, reply.result, reply.bot, reply.context
            except Exception:  # noqa: BLE001 - the user gets a sentence, the log the details
                log.exception("Gagal menjawab %r", question[:200])
                text, result = ui.ANSWER_ERROR, None
            if result is None:
                hist[-1] = {"role": "assistant", "content": message_html(text)}
                yield hist, hist, trn, ""
                return
            spans = quote_spans(result, bot)
            total = sum(len(q.text) for q in result.quotes)
            step = max(1, -(-total // STREAM_STEPS))
            for shown in range(step, total, step):
                hist[-1] = {"role": "assistant", "content": answer_html(
                    result, bot, reveal=shown, spans=spans, context=context)}
                yield hist, hist, trn, gr.skip()
                time.sleep(STREAM_DELAY_S)
            hist[-1] = {"role": "assistant",
                        "content": answer_html(result, bot, spans=spans, context=context)}
            trn[len(hist) - 1] = {
                "question": result.question, "answer": result.text, "found": result.found,
                "sources": [q.to_json() for q in result.quotes],
                "generation": bot.index.folder.name,
                **({"previous": context} if context else {}),
            }
            yield hist, hist, trn, gr.skip()

        def respond_example(hist, trn, evt: gr.SelectData):
            value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
            yield from respond(value.get("text", ""), hist, trn)

        # This module's annotations are strings; Gradio spots event-data parameters by type.
        respond_example.__annotations__["evt"] = gr.SelectData

        chat_outputs = [chatbot, history, turns, box]
        common = dict(api_visibility="private", time_limit=EVENT_TIME_LIMIT_S,
                      concurrency_limit=STREAM_CONCURRENCY, concurrency_id="chat-page",
                      show_progress="hidden")
        box.submit(respond, [box, history, turns], chat_outputs, **common)
        send.click(respond, [box, history, turns], chat_outputs, **common)
        chatbot.example_select(respond_example, [history, turns], chat_outputs, **common)
        new.click(lambda: ([], [], {}, ""), None, chat_outputs, api_visibility="private",
                  show_progress="hidden")
        # The chat's own bin icon empties the chat in the browser: forget it here too.
        chatbot.clear(lambda: ([], {}), None, [history, turns], api_visibility="private",
                      show_progress="hidden")

        def on_like(trn, data: gr.LikeData):
            index = data.index if isinstance(data.index, int) else None
            turn = (trn or {}).get(index)
            if turn is None:
                return
            verdict = service.record_feedback(turn, data.liked)
            if verdict:
                gr.Info(ui.FEEDBACK_THANKS, title=ui.FEEDBACK_TITLE, duration=4)

        on_like.__annotations__["data"] = gr.LikeData

        chatbot.like(on_like, [turns], None, api_visibility="private", show_progress="hidden")

        def on_upload(files):
            folder = upload_folder()
            paths = [Path(f) for f in (files or [])]
            if not all(is_uploaded_file(str(p), folder) for p in paths):
                yield upload_status_html(ui.FILE_NOT_UPLOADED), gr.skip()
                return
            if not paths:
                yield upload_status_html(ui.UPLOAD_NONE_CHOSEN), gr.skip()
                return
            uploads = [(p.name, p) for p in paths]
            for event in service.add_files(uploads):
                if event.kind == "progress":
                    yield upload_status_html(event.text, event.fraction), gr.skip()
                elif event.kind == "done":
                    added = sum(o.added for o in event.outcomes)
                    head = (ui.UPLOAD_ADDED.format(added=added, total=len(event.outcomes))
                            if added else ui.UPLOAD_NONE_ADDED)
                    yield (upload_status_html(head, outcomes=event.outcomes),
                           service.documents_html())
                else:
                    yield upload_status_html(event.text), service.documents_html()

        upload.upload(on_upload, [upload], [upload_status, docs], api_visibility="private",
                      time_limit=UPLOAD_TIME_LIMIT_S, concurrency_limit=1,
                      concurrency_id="upload", show_progress="hidden")

        def tanya(pertanyaan: str, sebelumnya: str = "") -> str:
            """Jawab satu pertanyaan; jawaban memuat kutipan dan sumbernya. `sebelumnya`
            (boleh kosong): pertanyaan sebelumnya dalam percakapan yang sama. Bila pertanyaan
            ini bersandar padanya ("itu", "tersebut", "-nya", "bagaimana dengan ...", atau
            sangat pendek), pencarian memakainya juga dan jawaban diawali catatan
            "Pertanyaan lanjutan: ..."."""
            reply = service.reply(pertanyaan, sebelumnya or None)
            if reply.context:
                return f"{follow_up_note(reply.context)}\n\n{reply.text}"
            return reply.text

        gr.api(tanya, api_name="tanya", time_limit=EVENT_TIME_LIMIT_S,
               concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")
        demo.load(service.documents_html, None, docs, api_visibility="private",
                  show_progress="hidden")
    return demo


def previous_question(trn: dict) -> str | None:
    """The previous question of a conversation, for a follow-up: the user's latest question
    that the bot searched the documents for, whether it was answered or not found ("tidak
    ditemukan" still names the subject the user is asking about). A refused question (empty,
    too long) or one that failed with an error has no turn and is skipped: the one before it
    counts. When that question was itself a follow-up, the question it leaned on comes along
    ("Apa itu ACTIP?" -> "Kapan itu ditandatangani?" -> "Apa tujuannya?" still searches with
    "ACTIP"), so a chain of follow-ups keeps its subject; past ``CHAIN_MAX_CHARS`` the oldest
    words go first. After "Percakapan baru" there is none."""
    if not trn:
        return None
    turn = trn[max(trn)]
    text = f"{turn['previous']} {turn['question']}" if turn.get("previous") else turn["question"]
    if len(text) > CHAIN_MAX_CHARS:
        text = text[-CHAIN_MAX_CHARS:].split(" ", 1)[-1]
    return text


def _trim(hist: list, trn: dict) -> tuple[list, dict]:
    """Keep a conversation under MAX_HISTORY messages (the oldest question and answer go)."""
    drop = 0
    while len(hist) - drop + 2 > MAX_HISTORY:
        drop += 2
    if not drop:
        return hist, trn
    return hist[drop:], {i - drop: t for i, t in trn.items() if i >= drop}


def theme():
    import gradio as gr

    system = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Noto Sans", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "monospace"]
    base = gr.themes.Soft(primary_hue="indigo", neutral_hue="slate", font=system,
                          font_mono=mono)
    # Indigo 700 under white text: 7.9:1 (the theme's indigo 500 is 4.5:1 at best).
    return base.set(button_primary_background_fill="#4338ca",
                    button_primary_background_fill_hover="#3730a3",
                    button_primary_text_color="#ffffff",
                    button_primary_background_fill_dark="#4f46e5",
                    button_primary_background_fill_hover_dark="#4338ca")


# --------------------------------------------------------------------------- the server


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


# Gradio routes this app does not use, answered 404 before Gradio sees them: monitoring, MCP,
# run history, the vibe editor, dev reload, screen recording, OpenAPI documents.
ABSENT_ROUTES = re.compile(
    r"^/(monitoring|mcp|docs|redoc|openapi\.json"
    r"|gradio_api/(monitoring|mcp|runs|vibe-|undo-vibe-|dev/|process_recording"
    r"|openapi\.json|docs))")

QUEUE_FULL_MESSAGE = ui.QUEUE_FULL
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

        if ABSENT_ROUTES.match(scope["path"]):
            await JSONResponse({"detail": ui.NOT_FOUND}, status_code=404)(
                scope, receive, send)
            return
        headers = Headers(scope=scope)
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


PASSWORD_PAGE = static_text("password.html")


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
                f"<p>{html.escape(ui.LOGIN_THROTTLED.format(seconds=seconds))}</p>",
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


def blocked_paths(settings: Settings) -> list[str]:
    """Folders Gradio must never serve: the project (code, config, eval), index, corpus,
    feedback and the working directory; except a folder holding Gradio's own upload folder
    (``GRADIO_TEMP_DIR``), which uploads need."""
    uploads = upload_folder()
    paths = {Path(p).resolve() for p in (PROJECT_ROOT, settings.index, settings.corpus,
                                         settings.feedback.parent, Path.cwd())}
    return sorted(str(p) for p in paths if p != uploads and p not in uploads.parents)


def create_app(settings: Settings, service: ChatService, password: str | None = None):
    """Our FastAPI app with the Gradio page mounted at "/" and the middleware in front."""
    import gradio as gr
    from fastapi import FastAPI
    from starlette.middleware.cors import CORSMiddleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    from . import sessions

    demo = build_ui(service)
    demo.queue(max_size=QUEUE_MAX, default_concurrency_limit=2)
    hosts = allowed_hosts(settings)
    origins = origin_pattern(hosts)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    # Added innermost first: TrustedHost -> password -> limits -> upload guard -> CORS ->
    # Gradio.
    app.add_middleware(CORSMiddleware, allow_origin_regex=origins, allow_credentials=True,
                       allow_methods=["GET", "POST"], allow_headers=["*"])
    app.add_middleware(UploadGuardMiddleware)
    app.add_middleware(LimitsMiddleware, origin_regex=origins, limit=MAX_REQUEST_BYTES,
                       upload_limit=MAX_UPLOAD_REQUEST_BYTES)
    if password:
        app.add_middleware(PasswordMiddleware, user=USER, password=password)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
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
        i18n=_i18n(), theme=theme(), css=CSS, js=PAGE_JS, head=HEAD,
    )
    # Gradio checks that an event's input files come from its upload cache only once
    # ``has_launched`` is set, which ``launch()`` does and mounting does not: set it, so its
    # own check backs up ``UploadGuardMiddleware``.
    demo.has_launched = True
    return app


def prepare(settings: Settings) -> ChatService:
    """Build the index if missing or stale, then load it."""
    report = pipeline.ensure_index(settings, progress=True)
    if report is not None:
        print(report.summary(), flush=True)
    try:
        return ChatService(settings)
    except store.IndexProblem as e:  # matching manifest but unusable files: rebuild once
        print(f"Indeks tidak bisa dipakai ({e}); membangun ulang.", flush=True)
        print(pipeline.build_index(settings, progress=True).summary(), flush=True)
        return ChatService(settings)


def launch(settings: Settings, block: bool = True):
    """Build the index if needed, then serve the chat (``block=False``: in a thread; returns
    the uvicorn server, whose ``should_exit = True`` stops it)."""
    import uvicorn

    service = prepare(settings)
    password = os.environ.get(PASSWORD_ENV) or None
    app = create_app(settings, service, password)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                            access_log=False, server_header=False, proxy_headers=False,
                            timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    print(f"Tanya Trafficking berjalan di http://{settings.host}:{settings.port}"
          + (" (dengan kata sandi)" if password else ""), flush=True)
    if block:
        server.run()
        return server
    thread = threading.Thread(target=server.run, name="tanya-server", daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.05)
    return server

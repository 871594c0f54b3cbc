"""The Gradio web chat. Layout and wiring only: answers come from ``pipeline.Bot``, uploads go
through ``pipeline.add_to_corpus``, thumbs up/down through ``pipeline.record_feedback``.

It lives in the package (not only in the root ``app.py``) so that the installed
``tanya-trafficking serve`` works too; ``app.py`` is a three-line launcher.

The page: a chat whose answers appear progressively, each with an expandable "Sumber" block
(quote with the answering words marked, file, page, and the surrounding passage); a side panel
with the indexed documents and an upload button; example questions; "Percakapan baru"; copy
and thumbs up/down on every answer. Every visible string is Indonesian: Gradio's own strings
come from its Indonesian locale, which the page selects whatever the browser's language.

Locked down by default (``create_app``): Gradio is mounted on our own FastAPI app so that our
middleware sits outside Gradio's:

* ``TrustedHostMiddleware``: a request whose ``Host`` is not this server gets 400;
* CORS: only this server's own origins get ``Access-Control-Allow-Origin`` (Gradio's CORS
  then stands down), and a non-GET request from a foreign ``Origin`` gets 403 (no CSRF);
* a request body cap (``MAX_REQUEST_BYTES``; uploads ``MAX_UPLOAD_REQUEST_BYTES``), checked
  before Gradio reads the body, so a 30 MB question is refused at once;
* bound to 127.0.0.1, no share link, errors not shown to the browser, monitoring / MCP /
  run history / API docs off, a bounded queue with a time limit per event, the project, index,
  corpus and feedback folders in ``blocked_paths``, an optional password (``TANYA_PASSWORD``,
  user ``tanya``), and the server-side question length cap of ``pipeline.check_question``.
"""

from __future__ import annotations

import html
import json
import logging
import multiprocessing as mp
import os
import queue as queue_mod
import re
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import pipeline, store
from .config import PROJECT_ROOT, Settings
from .schema import Answer

log = logging.getLogger(__name__)

TITLE = "Tanya Trafficking"
TAGLINE = ("Tanya jawab tentang perdagangan orang (human trafficking) di Asia Tenggara. "
           "Jawaban berupa kutipan persis dari dokumen, bukan pendapat.")
ABOUT = (
    "**Tanya Trafficking** menjawab pertanyaan tentang **perdagangan orang (human "
    "trafficking) di Asia Tenggara** dan upaya ASEAN menanggulanginya (ACTIP, prinsip "
    "non-intervensi, angka kasus) dari dokumen yang terdaftar di panel ini.\n\n"
    "Setiap jawaban adalah **kutipan persis** dokumen — bukan pendapat dan bukan karangan "
    "mesin — lengkap dengan nama berkas dan halamannya. Bila dokumen tidak memuat jawabannya, "
    "bot mengatakan *tidak ditemukan* dan hanya menunjukkan bagian yang mungkin terkait.\n\n"
    "Tombol jempol di bawah setiap jawaban menyimpan pertanyaan, jawaban dan penilaian Anda "
    "untuk mengevaluasi dan memperbaiki bot."
)
EXAMPLES = [
    "Apa kepanjangan dari ACTIP?",
    "Berapa jumlah kasus human trafficking pada tahun 2023?",
    "Mengapa ASEAN gagal menanggulangi human trafficking?",
    "Apa definisi human trafficking menurut UNODC?",
]
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember"]

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
        # (generation, question) -> Answer. Answers are deterministic for one generation of
        # the index; popular questions (the examples) then cost nothing. Emptied on a swap.
        self._cache: OrderedDict[tuple[str, str], Answer] = OrderedDict()
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

    def ask(self, question: str | None) -> tuple[str, Answer | None]:
        """(text, Answer): the answer, or a polite message (and None) for a refused question."""
        text, result, _ = self.answer(question)
        return text, result

    def answer(self, question: str | None) -> tuple[str, Answer | None, pipeline.Bot]:
        """Like ``ask``, also returning the generation that answered (for its passages).
        The length cap comes first: a huge question costs nothing but its length."""
        problem = pipeline.check_question(question, self.settings)
        bot = self.bot  # one generation for the whole answer
        if problem:
            return problem, None, bot
        question = str(question).strip()
        key = (bot.index.folder.name, question)
        with self._cache_lock:
            result = self._cache.get(key)
            if result is not None:
                self._cache.move_to_end(key)
        if result is None:
            result = bot.ask(question)
            with self._cache_lock:
                self._cache[key] = result
                while len(self._cache) > ANSWER_CACHE_SIZE:
                    self._cache.popitem(last=False)
        return result.text, result, bot

    # -- documents

    def documents_html(self) -> str:
        return documents_html(self.bot.index.manifest)

    # -- uploads

    def add_files(self, uploads: list[tuple[str, Path]]) -> Iterator[UploadEvent]:
        """Check, save and index uploaded files in a fresh process, relaying its progress; then
        load the new generation and swap it in. One upload at a time."""
        if not self._upload_lock.acquire(blocking=False):
            yield UploadEvent("progress", "Menunggu unggahan lain selesai diindeks", 0.02)
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
        yield UploadEvent("progress", "Menyiapkan pengindeksan", 0.05)
        proc.start()
        deadline = time.monotonic() + UPLOAD_TIME_LIMIT_S
        result = None
        try:
            while result is None:
                try:
                    kind, *rest = events.get(timeout=0.5)
                except queue_mod.Empty:
                    if not proc.is_alive():
                        result = UploadEvent("error", "Proses pengindeksan berhenti tiba-tiba; "
                                                      "dokumen tidak ditambahkan.")
                    elif time.monotonic() > deadline:
                        result = UploadEvent("error", "Pengindeksan melewati batas waktu; "
                                                      "dokumen tidak ditambahkan.")
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
            yield UploadEvent("progress", "Memuat indeks baru", 0.95)
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
    except BaseException as e:  # noqa: BLE001 - the parent must hear about every ending
        import traceback

        traceback.print_exc()
        events.put(("error", f"Pengindeksan gagal ({type(e).__name__}); dokumen tidak "
                             "ditambahkan."))


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
    return [pipeline.highlight_spans(result.question, q.text, bot.speller)
            for q in result.quotes]


def answer_html(result: Answer, bot: pipeline.Bot, reveal: int | None = None,
                spans=None) -> str:
    """The chat bubble of an answer. ``reveal`` shows only the first characters of the quotes
    (streaming); the "Sumber" block and the buttons come with the complete answer."""
    spans = spans if spans is not None else quote_spans(result, bot)
    parts = ['<div class="tt-answer">']
    if result.found:
        parts.append('<p class="tt-lead">Menurut dokumen:</p>')
    else:
        parts.append('<p class="tt-lead tt-notfound">Maaf, jawaban atas pertanyaan itu '
                     '<strong>tidak ditemukan dalam dokumen</strong>.</p>')
        if result.quotes:
            parts.append('<p class="tt-lead">Bagian yang mungkin terkait:</p>')
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
    title = "Sumber" if result.found else "Sumber bagian terkait"
    kinds = ("answer", "term") if result.found else ("term",)
    items = []
    for i, (q, sp) in enumerate(zip(result.quotes, spans), 1):
        passage = pipeline.passage_for(bot, q)
        before = passage.text[:passage.quote_start]
        inside = passage.text[passage.quote_start:passage.quote_end]
        after = passage.text[passage.quote_end:]
        page = (f'<span class="tt-page">halaman {q.page}</span>' if q.page is not None
                else '<span class="tt-page">tanpa nomor halaman</span>')
        items.append(
            f'<li class="tt-source">'
            f'<p class="tt-where"><span class="tt-num">[{i}]</span> '
            f'<span class="tt-file">{_e(q.source)}</span> · {page}</p>'
            f'<blockquote class="tt-src-quote">«{_marked(q.text, sp, kinds)}»</blockquote>'
            f'<details class="tt-passage"><summary>Lihat bagian sekitarnya</summary>'
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
    return (f'<div class="tt-actions"><button type="button" class="tt-copy">Salin jawaban'
            f'</button><span class="tt-copy-text">{lines}</span></div>')


def message_html(text: str) -> str:
    """A plain message of the bot (a refused question, an error)."""
    return f'<div class="tt-answer"><p class="tt-lead">{_e(text)}</p></div>'


def thinking_html() -> str:
    return ('<div class="tt-answer"><p class="tt-lead tt-thinking" role="status">'
            'Mencari di dokumen…</p></div>')


def user_html(question: str) -> str:
    return f'<p class="tt-question">{_e(question)}</p>'


def format_time(iso: str | None) -> str:
    """"2025-11-22T16:01:05+00:00" -> "22 November 2025, 16.01 UTC"."""
    try:
        t = datetime.fromisoformat(str(iso))
    except ValueError:
        return "waktu tidak diketahui"
    t = t.astimezone(timezone.utc)
    return f"{t.day} {MONTHS[t.month - 1]} {t.year}, {t:%H.%M} UTC"


def documents_html(manifest: dict) -> str:
    docs = manifest.get("documents", [])
    counts = manifest.get("counts", {})
    rows = []
    for d in docs:
        pages = d.get("pages", 0)
        rows.append(
            f'<li><span class="tt-doc-name">{_e(d.get("source", "?"))}</span>'
            f'<span class="tt-doc-meta">{pages} halaman · {d.get("chunks", 0)} potongan'
            f'</span></li>')
    skipped = manifest.get("skipped", [])
    skipped_html = ""
    if skipped:
        lines = "".join(f'<li><span class="tt-doc-name">{_e(s["source"])}</span>'
                        f'<span class="tt-doc-meta">{_e(s["reason"])}</span></li>'
                        for s in skipped)
        skipped_html = (f'<details class="tt-skipped"><summary>{len(skipped)} berkas '
                        f'dilewati</summary><ul class="tt-doc-list">{lines}</ul></details>')
    built = manifest.get("built_at")
    return (
        f'<div class="tt-docs">'
        f'<p class="tt-built">Indeks terakhir dibangun <time datetime="{_e(str(built))}">'
        f'{_e(format_time(built))}</time></p>'
        f'<ul class="tt-doc-list">{"".join(rows) or "<li>Belum ada dokumen.</li>"}</ul>'
        f'<p class="tt-total">{counts.get("documents", len(docs))} dokumen · '
        f'{counts.get("pages", 0)} halaman · {counts.get("chunks", 0)} potongan teks</p>'
        f'{skipped_html}</div>')


def upload_status_html(text: str, fraction: float | None = None, outcomes=()) -> str:
    parts = ['<div class="tt-upload-status" role="status" aria-live="polite">']
    if fraction is not None:
        pct = max(0, min(100, round(fraction * 100)))
        parts.append(f'<p class="tt-progress-text">{_e(text)}…</p>'
                     f'<div class="tt-progress" role="progressbar" aria-valuemin="0" '
                     f'aria-valuemax="100" aria-valuenow="{pct}" '
                     f'aria-label="Kemajuan pengindeksan"><span style="width: {pct}%">'
                     f'</span></div><p class="tt-progress-pct">{pct}%</p>')
    elif text:
        parts.append(f'<p class="tt-progress-text">{_e(text)}</p>')
    if outcomes:
        parts.append('<ul class="tt-outcomes">')
        for o in outcomes:
            cls, mark = ("tt-ok", "✓") if o.added else ("tt-bad", "✗")
            parts.append(f'<li class="{cls}"><span aria-hidden="true">{mark}</span> '
                         f'<strong>{_e(o.name)}</strong>: {_e(o.message)}</li>')
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


# --------------------------------------------------------------------------- the page

CSS = """
:root { --tt-ink: #1f2937; --tt-muted: #4b5563; --tt-accent: #3730a3; }
footer { display: none !important; }
#tt-header h1 { margin: 0 0 .2rem 0; font-size: 1.6rem; color: var(--tt-accent); }
#tt-header p { margin: 0; color: var(--tt-muted); }
.dark #tt-header h1 { color: #c7d2fe; }
.dark #tt-header p { color: #d1d5db; }
.tt-question { margin: 0; white-space: pre-wrap; }
.tt-answer p.tt-lead { margin: 0 0 .25rem 0; }
.tt-answer blockquote.tt-quote { margin: .3rem 0 .5rem 0; padding: .1rem 0 .1rem .7rem;
  border-left: 3px solid #6366f1; font-style: normal; }
.tt-answer blockquote.tt-quote sup { color: var(--tt-accent); font-weight: 600; }
.dark .tt-answer blockquote.tt-quote sup { color: #c7d2fe; }
mark.tt-ans { background: #fde68a; color: #111827; padding: 0 .1em; border-radius: 2px; }
mark.tt-term { background: transparent; color: inherit; text-decoration: underline;
  text-decoration-color: #6366f1; text-decoration-thickness: 2px; text-underline-offset: 2px; }
mark.tt-in-passage { background: #fde68a; color: #111827; }
.tt-cursor { animation: tt-blink 1s steps(2) infinite; }
@keyframes tt-blink { 50% { opacity: 0; } }
details.tt-sources { margin-top: .5rem; border: 1px solid #c7d2fe; border-radius: 8px;
  padding: .3rem .6rem; background: rgba(238, 242, 255, .5); }
.dark details.tt-sources { background: rgba(55, 48, 163, .15); border-color: #4f46e5; }
details.tt-sources > summary { cursor: pointer; font-weight: 600; color: var(--tt-accent); }
.dark details.tt-sources > summary { color: #c7d2fe; }
details summary:focus-visible, .tt-copy:focus-visible { outline: 3px solid #f59e0b;
  outline-offset: 2px; }
ol.tt-source-list { list-style: none; padding-left: 0; margin: .4rem 0 0 0; }
li.tt-source { margin: 0 0 .7rem 0; }
.tt-num { font-weight: 600; color: var(--tt-accent); }
.dark .tt-num { color: #c7d2fe; }
blockquote.tt-src-quote { margin: .2rem 0; padding-left: .6rem; border-left: 2px solid #a5b4fc;
  font-style: normal; }
p.tt-where { margin: .1rem 0 .2rem 0; font-size: .9em; color: var(--tt-muted); }
.dark p.tt-where { color: #d1d5db; }
.tt-file { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
details.tt-passage > summary { cursor: pointer; font-size: .9em; color: var(--tt-accent);
  text-decoration: underline; }
.dark details.tt-passage > summary { color: #c7d2fe; }
p.tt-passage-text { margin: .3rem 0; padding: .4rem .6rem; border-radius: 6px;
  background: rgba(243, 244, 246, .9); color: #111827; font-size: .92em; }
.tt-actions { margin-top: .4rem; }
.tt-copy-text { display: none !important; }
button.tt-copy { font-size: .85em; padding: .15rem .6rem; border-radius: 6px;
  border: 1px solid #9ca3af; background: #fff; color: #1f2937; cursor: pointer; }
button.tt-copy:hover { background: #eef2ff; }
.tt-docs ul.tt-doc-list, ul.tt-outcomes { list-style: none; padding: 0; margin: .3rem 0; }
.tt-docs li, ul.tt-outcomes li { margin: 0 0 .45rem 0; line-height: 1.3; }
.tt-doc-name { display: block; font-weight: 600; overflow-wrap: anywhere; }
.tt-doc-meta { display: block; font-size: .88em; color: var(--tt-muted); }
.dark .tt-doc-meta { color: #d1d5db; }
p.tt-built, p.tt-total { font-size: .9em; color: var(--tt-muted); margin: .2rem 0; }
.dark p.tt-built, .dark p.tt-total { color: #d1d5db; }
div.tt-progress { width: 100%; height: .7rem; border-radius: 999px; background: #e0e7ff;
  overflow: hidden; border: 1px solid #a5b4fc; }
div.tt-progress > span { display: block; height: 100%; background: #4338ca;
  transition: width .3s ease; }
p.tt-progress-pct { margin: .15rem 0 0 0; font-size: .85em; color: var(--tt-muted); }
p.tt-progress-text { margin: .2rem 0 .3rem 0; }
li.tt-ok { color: #065f46; } li.tt-bad { color: #991b1b; }
.dark li.tt-ok { color: #6ee7b7; } .dark li.tt-bad { color: #fca5a5; }
#tt-upload-note p { font-size: .88em; color: var(--tt-muted); margin: 0; }
#tt-sidebar h2, #tt-sidebar h3 { margin: .2rem 0 .3rem 0; }
#tt-input textarea { font-size: 16px; }  /* no zoom-on-focus on phones */
#tt-chat button.example { border: 1px solid #c7d2fe; border-radius: 10px; background: #eef2ff;
  color: #1e1b4b; padding: .5rem .7rem; text-align: left; }
#tt-chat button.example:hover { background: #e0e7ff; }
#tt-chat button.example:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.dark #tt-chat button.example { background: #312e81; color: #e0e7ff; border-color: #4f46e5; }
.tt-placeholder { text-align: center; }
.tt-title-row { display: flex; align-items: center; justify-content: space-between;
  gap: .5rem; }
#tt-input textarea { border: 1px solid #94a3b8 !important; border-radius: 8px !important;
  background: #fff; }
#tt-input textarea:focus { border-color: #4338ca !important;
  box-shadow: 0 0 0 2px rgba(67, 56, 202, .25) !important; }
.dark #tt-input textarea { background: #1f2937; }
button.tt-open-panel { display: none; flex-shrink: 0; font-size: .9em;
  padding: .3rem .7rem; border-radius: 6px; border: 1px solid #6366f1; background: #eef2ff;
  color: #1e1b4b; cursor: pointer; }
button.tt-open-panel:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
#tt-tools { justify-content: flex-start; }
@media (max-width: 768px) {
  button.tt-open-panel { display: inline-block; }
  #tt-sidebar:not(.open) .toggle-button { display: none; }  /* "Dokumen & unggah" opens it */
  #tt-chat .placeholder-content { justify-content: flex-start; gap: .8rem; }
  #tt-chat .placeholder { flex-grow: 0; height: auto !important; min-height: 0 !important;
    padding-top: .5rem; }
  #tt-header h1 { white-space: nowrap; }
  button.tt-open-panel { font-size: .85em; padding: .25rem .55rem; }
  #tt-chat .examples { gap: .4rem; }
  #tt-chat { height: calc(100svh - 290px) !important; min-height: 280px !important; }
}
@media (max-width: 640px) {
  #tt-header h1 { font-size: 1.3rem; }
  #tt-header p { font-size: .92em; }
  #tt-input-row { flex-wrap: nowrap !important; gap: .4rem; }
  #tt-input-row > div { min-width: 0 !important; }
  #tt-send { min-width: 4.5rem !important; max-width: 5.5rem; }
}
"""

# Rules for Gradio's outer frame, which the ``css`` parameter cannot reach (Gradio scopes those
# rules inside its content area).
HEAD = """
<meta name="description"
      content="Tanya jawab tentang perdagangan orang di Asia Tenggara, dijawab dengan kutipan.">
<style>
@media (max-width: 640px) {
  .gradio-container .main.app { padding-left: 10px !important; padding-right: 10px !important; }
}
</style>
"""

PAGE_JS = """
() => {
  document.documentElement.setAttribute('lang', 'id');
  if (window.__tt) return;
  window.__tt = true;

  // Gradio writes a few accessibility labels in English whatever the locale: translate them.
  const exact = {
    'chatbot conversation': 'Percakapan',
    'Toggle Sidebar': 'Buka atau tutup panel dokumen',
    'Close': 'Tutup',
    'Clear': 'Bersihkan',
    'Loading': 'Memuat',
    'Remove': 'Hapus',
  };
  const patterns = [
    [/^Select example (\\d+): ([\\s\\S]*)$/, 'Pilih contoh $1: $2'],
    [/^bot's message: [\\s\\S]*$/, 'Jawaban bot'],
    [/^user's message: [\\s\\S]*$/, 'Pertanyaan Anda'],
  ];
  const ATTRS = ['aria-label', 'title', 'placeholder', 'alt'];
  const translate = (v) => {
    if (exact[v]) return exact[v];
    for (const [re, rep] of patterns) if (re.test(v)) return v.replace(re, rep);
    return null;
  };
  // Notices are titled with their English level name ("Info", "Error"...).
  const titles = {Info: 'Informasi', Success: 'Berhasil', Warning: 'Perhatian', Error: 'Galat'};
  const fixTitles = (root) => {
    const scope = root.closest && root.closest('.toast-title') ? [root.closest('.toast-title')]
      : (root.querySelectorAll ? root.querySelectorAll('.toast-title') : []);
    for (const el of scope) {
      for (const node of el.childNodes) {
        const t = node.nodeType === 3 && node.nodeValue.trim();
        if (t && titles[t]) node.nodeValue = node.nodeValue.replace(t, titles[t]);
      }
    }
  };
  const fix = (root) => {
    if (root.nodeType === 3) root = root.parentElement;
    if (!root || !root.querySelectorAll) return;
    fixTitles(root);
    const els = [root, ...root.querySelectorAll('[aria-label],[title],[placeholder],[alt]')];
    for (const el of els) for (const a of ATTRS) {
      const v = el.getAttribute && el.getAttribute(a);
      if (!v) continue;
      const n = translate(v);
      if (n !== null && n !== v) el.setAttribute(a, n);
    }
  };
  fix(document.body);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'childList') for (const n of r.addedNodes) fix(n);
      else fix(r.target);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true,
                             attributes: true, attributeFilter: ATTRS});

  // Only .pdf, .txt and .md in the file dialog (the server checks the content anyway).
  const accept = () => {
    const input = document.querySelector('#tt-sidebar input[type=file]');
    if (input) {
      input.setAttribute('accept', '.pdf,.txt,.md,application/pdf,text/plain,text/markdown');
    }
    return !!input;
  };
  if (!accept()) {
    let n = 0;
    const t = setInterval(() => { if (accept() || ++n > 50) clearInterval(t); }, 200);
  }

  // On a phone the side panel covers the page: start with it closed.
  if (window.matchMedia('(max-width: 768px)').matches) {
    let n = 0;
    const t = setInterval(() => {
      const open = document.querySelector('#tt-sidebar.open .toggle-button');
      if (open) { open.click(); clearInterval(t); } else if (++n > 50) clearInterval(t);
    }, 100);
  }

  // The header's "Dokumen & unggah" button (phones) opens the side panel.
  document.addEventListener('click', (ev) => {
    if (!(ev.target.closest && ev.target.closest('button.tt-open-panel'))) return;
    const toggle = document.querySelector('#tt-sidebar .toggle-button');
    if (toggle) toggle.click();
  });

  // "Salin jawaban": copy the answer and its sources as plain text.
  document.addEventListener('click', async (ev) => {
    const btn = ev.target.closest && ev.target.closest('button.tt-copy');
    if (!btn) return;
    ev.preventDefault();
    const holder = btn.parentElement && btn.parentElement.querySelector('.tt-copy-text');
    const text = holder ? Array.from(holder.children).map((l) => l.textContent).join('\\n') : '';
    let ok = false;
    try { await navigator.clipboard.writeText(text); ok = true; } catch (e) {
      const area = document.createElement('textarea');
      area.value = text; area.style.position = 'fixed'; area.style.left = '-9999px';
      document.body.appendChild(area); area.select();
      try { ok = document.execCommand('copy'); } catch (e2) { ok = false; }
      area.remove();
    }
    btn.textContent = ok ? 'Tersalin ✓' : 'Gagal menyalin';
    btn.setAttribute('data-copied', ok ? 'ya' : 'tidak');
    setTimeout(() => { btn.textContent = 'Salin jawaban'; }, 2000);
  });
}
"""

# Gradio's own strings (its locale files, by key) that this page can show, in Indonesian. Gradio
# picks its locale from the browser's language; these replace its strings in every locale, so
# a browser set to English (or French) still gets an Indonesian page.
GRADIO_STRINGS = {
    "blocks.connection_can_break": "Di ponsel, koneksi bisa terputus bila tab ini tidak aktif "
                                   "atau perangkat tidur, dan posisi Anda di antrean hilang.",
    "blocks.long_requests_queue": "Antrean permintaan sedang panjang. Mohon tunggu sebentar.",
    "blocks.lost_connection": "Koneksi terputus karena halaman ditinggalkan. Bergabung "
                              "kembali ke antrean…",
    "blocks.waiting_for_inputs": "Menunggu berkas selesai diunggah, silakan coba lagi.",
    "chatbot.edit": "Ubah",
    "chatbot.retry": "Coba lagi",
    "chatbot.undo": "Urungkan",
    "chatbot.submit": "Kirim",
    "chatbot.cancel": "Batal",
    "chatbot.like": "Jawaban bagus",
    "chatbot.dislike": "Jawaban kurang tepat",
    "chatbot.clear": "Bersihkan percakapan",
    "chatbot.complete": "Selesai",
    "chatbot.copy_message": "Salin pesan",
    "chatbot.copied_message": "Pesan tersalin",
    "common.built_with": "dibuat dengan",
    "common.built_with_gradio": "Dibuat dengan Gradio",
    "common.clear": "Bersihkan",
    "common.close": "Tutup",
    "common.download": "Unduh",
    "common.download_all": "Unduh semua",
    "common.edit": "Ubah",
    "common.empty": "Kosong",
    "common.error": "Galat",
    "common.hosted_on": "Berjalan di",
    "common.loading": "Memuat",
    "common.or": "atau",
    "common.remove": "Hapus",
    "common.settings": "Pengaturan",
    "common.share": "Bagikan",
    "common.submit": "Kirim",
    "common.undo": "Urungkan",
    "common.language": "Bahasa",
    "common.display_theme": "Tema tampilan",
    "common.progress": "Kemajuan",
    "common.run": "Jalankan",
    "errors.build_error": "ada galat saat membangun aplikasi",
    "errors.config_error": "ada galat konfigurasi",
    "errors.contact_page_author": "Mohon hubungi pengelola halaman ini.",
    "errors.no_app_file": "berkas aplikasi tidak ada",
    "errors.runtime_error": "ada galat saat berjalan",
    "errors.space_not_working": "Aplikasi tidak berjalan karena {0}",
    "errors.space_paused": "aplikasi sedang dijeda",
    "errors.use_via_api": "Gunakan lewat API",
    "file.uploading": "Mengunggah…",
    "login.enable_cookies": "Aktifkan cookie untuk masuk.",
    "login.incorrect_credentials": "Nama pengguna atau kata sandi salah",
    "login.username": "nama pengguna",
    "login.password": "kata sandi",
    "login.login": "Masuk",
    "status.queue_position": "Dalam antrean: {position} dari {size}",
    "upload_text.click_to_upload": "Klik untuk mengunggah",
    "upload_text.drop_file": "Letakkan berkas di sini",
    "upload_text.paste_clipboard": "Tempel dari papan klip",
}
GRADIO_LOCALES = ("ar", "ca", "ckb", "de", "en", "es", "et", "eu", "fa", "fi", "fr", "he", "hi",
                  "id", "ja", "ko", "lt", "nb", "nl", "pl", "pt-BR", "pt", "ro", "ru", "sv",
                  "ta", "th", "tr", "uk", "ur", "uz", "zh-CN", "zh-TW")


def _i18n():
    import gradio as gr

    return gr.I18n(**{loc: dict(GRADIO_STRINGS) for loc in GRADIO_LOCALES})


def build_ui(service: ChatService):
    import gradio as gr

    settings = service.settings
    upload_note = (f"PDF, TXT atau MD; paling besar {pipeline.UPLOAD_MAX_BYTES // 2**20} MB per "
                   f"berkas, {pipeline.UPLOAD_MAX_FILES} berkas sekali unggah. Setelah "
                   "diindeks, dokumen langsung bisa ditanyakan.")

    with gr.Blocks(title=TITLE, fill_height=True, analytics_enabled=False) as demo:
        history = gr.State([])
        turns = gr.State({})  # message index -> the question and answer behind it

        with gr.Sidebar(label="Panel dokumen", open=True, width=330, elem_id="tt-sidebar"):
            gr.Markdown("## Dokumen terindeks")
            docs = gr.HTML(service.documents_html(), elem_id="tt-docs")
            gr.Markdown("### Tambah dokumen")
            upload = gr.UploadButton("Pilih berkas untuk diunggah", file_count="multiple",
                                     type="filepath", variant="secondary",
                                     elem_id="tt-upload")
            gr.Markdown(upload_note, elem_id="tt-upload-note")
            upload_status = gr.HTML("", elem_id="tt-upload-status")
            with gr.Accordion("Tentang", open=False, elem_id="tt-about"):
                gr.Markdown(ABOUT)

        gr.HTML(f'<div id="tt-header"><div class="tt-title-row"><h1>{TITLE}</h1>'
                f'<button type="button" class="tt-open-panel" aria-controls="tt-sidebar">'
                f'Dokumen &amp; unggah</button></div><p>{_e(TAGLINE)}</p></div>',
                padding=False)
        chatbot = gr.Chatbot(
            label="Percakapan", show_label=False, elem_id="tt-chat", scale=1, height="62vh",
            min_height=320, buttons=[], feedback_options=("Like", "Dislike"),
            latex_delimiters=[], line_breaks=False, sanitize_html=True, layout="bubble",
            placeholder=("<div class='tt-placeholder'><strong>Ajukan pertanyaan tentang "
                         "perdagangan orang di Asia Tenggara.</strong><br>Jawaban berupa "
                         "kutipan dokumen beserta sumbernya. Coba salah satu contoh:</div>"),
            examples=[{"text": q} for q in EXAMPLES],
        )
        with gr.Row(elem_id="tt-input-row", equal_height=True):
            box = gr.Textbox(label="Pertanyaan", show_label=False, elem_id="tt-input",
                             placeholder="Tulis pertanyaan Anda, lalu tekan Enter…",
                             max_length=settings.max_question_chars, scale=5, autofocus=True,
                             submit_btn=False, lines=1, max_lines=4, container=False)
            send = gr.Button("Kirim", variant="primary", scale=1, min_width=70,
                             elem_id="tt-send")
        with gr.Row(elem_id="tt-tools"):
            new = gr.Button("Percakapan baru", variant="secondary", size="sm",
                            elem_id="tt-new", scale=0, min_width=150)

        def respond(question, hist, trn):
            question = "" if question is None else str(question)
            hist, trn = _trim(list(hist or []), dict(trn or {}))
            hist.append({"role": "user", "content": user_html(question.strip()[:2000])})
            hist.append({"role": "assistant", "content": thinking_html()})
            yield hist, hist, trn, ""
            try:
                text, result, bot = service.answer(question)
            except Exception:  # noqa: BLE001 - the user gets a sentence, the log the details
                log.exception("Gagal menjawab %r", question[:200])
                text, result = ("Maaf, terjadi galat saat mencari jawaban. Silakan coba lagi "
                                "sebentar lagi."), None
            if result is None:
                hist[-1] = {"role": "assistant", "content": message_html(text)}
                yield hist, hist, trn, ""
                return
            spans = quote_spans(result, bot)
            total = sum(len(q.text) for q in result.quotes)
            step = max(1, -(-total // STREAM_STEPS))
            for shown in range(step, total, step):
                hist[-1] = {"role": "assistant",
                            "content": answer_html(result, bot, reveal=shown, spans=spans)}
                yield hist, hist, trn, gr.skip()
                time.sleep(STREAM_DELAY_S)
            hist[-1] = {"role": "assistant", "content": answer_html(result, bot, spans=spans)}
            trn[len(hist) - 1] = {
                "question": result.question, "answer": result.text, "found": result.found,
                "sources": [q.to_json() for q in result.quotes],
                "generation": bot.index.folder.name,
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
                gr.Info("Terima kasih! Penilaian Anda disimpan untuk mengevaluasi bot.",
                        title="Umpan balik tersimpan", duration=4)

        on_like.__annotations__["data"] = gr.LikeData

        chatbot.like(on_like, [turns], None, api_visibility="private", show_progress="hidden")

        def on_upload(files):
            paths = [Path(f) for f in (files or [])]
            if not paths:
                yield upload_status_html("Tidak ada berkas yang dipilih."), gr.skip()
                return
            uploads = [(p.name, p) for p in paths]
            for event in service.add_files(uploads):
                if event.kind == "progress":
                    yield upload_status_html(event.text, event.fraction), gr.skip()
                elif event.kind == "done":
                    added = sum(o.added for o in event.outcomes)
                    head = (f"{added} dari {len(event.outcomes)} berkas ditambahkan dan sudah "
                            "bisa ditanyakan." if added else "Tidak ada berkas yang ditambahkan.")
                    yield (upload_status_html(head, outcomes=event.outcomes),
                           service.documents_html())
                else:
                    yield upload_status_html(event.text), service.documents_html()

        upload.upload(on_upload, [upload], [upload_status, docs], api_visibility="private",
                      time_limit=UPLOAD_TIME_LIMIT_S, concurrency_limit=1,
                      concurrency_id="upload", show_progress="hidden")

        def tanya(pertanyaan: str) -> str:
            """Jawab satu pertanyaan; jawaban memuat kutipan dan sumbernya."""
            return service.ask(pertanyaan)[0]

        gr.api(tanya, api_name="tanya", time_limit=EVENT_TIME_LIMIT_S,
               concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")
        demo.load(service.documents_html, None, docs, api_visibility="private",
                  show_progress="hidden")
    return demo


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

QUEUE_FULL_MESSAGE = ("Antrean penuh: terlalu banyak pertanyaan sedang diproses. Silakan coba "
                      "lagi sebentar lagi.")


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
            await JSONResponse({"detail": "Tidak ditemukan."}, status_code=404)(
                scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if (origin is not None and scope["method"] not in ("GET", "HEAD", "OPTIONS")
                and not self.origin.match(origin)):
            await JSONResponse({"error": "Permintaan dari situs lain ditolak."},
                               status_code=403)(scope, receive, send)
            return
        limit = (self.upload_limit if scope["path"].rstrip("/").endswith("/upload")
                 else self.limit)
        too_large = JSONResponse({"error": "Permintaan terlalu besar. Pertanyaan paling "
                                           "banyak 1.000 karakter."}, status_code=413)
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

        queue_join = scope["path"].rstrip("/").endswith("/queue/join")
        refusing = False

        async def tracking_send(message):
            nonlocal started, refusing
            if message["type"] == "http.response.start":
                started = True
                if queue_join and message["status"] == 503:
                    refusing = True
                    body = json.dumps({"detail": QUEUE_FULL_MESSAGE}).encode()
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


PASSWORD_PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Tanya Trafficking</title>
</head><body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto;
padding: 0 1rem; color: #1f2937"><h1 style="color: #3730a3">Tanya Trafficking</h1>
<p>Web chat ini memakai kata sandi. Muat ulang halaman, lalu masukkan nama pengguna
<code>tanya</code> dan kata sandinya.</p></body></html>"""


class PasswordMiddleware:
    """HTTP Basic authentication for every request (page, API, files) when TANYA_PASSWORD is
    set. The browser asks with its own dialog, in its own language; scripts send the header
    (``gradio_client.Client(url, headers={"Authorization": "Basic ..."})``). Compared in
    constant time; a wrong try waits a little."""

    def __init__(self, app, user: str, password: str):
        import base64

        self.app = app
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
        if hmac.compare_digest(given, self.expected):
            await self.app(scope, receive, send)
            return
        if given:
            await asyncio.sleep(0.5)
        await HTMLResponse(PASSWORD_PAGE, status_code=401, headers={
            "WWW-Authenticate": 'Basic realm="Tanya Trafficking", charset="UTF-8"'})(
            scope, receive, send)


def blocked_paths(settings: Settings) -> list[str]:
    """Folders Gradio must never serve: the project (code, config, eval), index, corpus,
    feedback and the working directory; except a folder holding Gradio's own upload folder
    (``GRADIO_TEMP_DIR``), which uploads need."""
    import tempfile

    uploads = Path(os.environ.get("GRADIO_TEMP_DIR")
                   or Path(tempfile.gettempdir()) / "gradio").resolve()
    paths = {Path(p).resolve() for p in (PROJECT_ROOT, settings.index, settings.corpus,
                                         settings.feedback.parent, Path.cwd())}
    return sorted(str(p) for p in paths if p != uploads and p not in uploads.parents)


def create_app(settings: Settings, service: ChatService, password: str | None = None):
    """Our FastAPI app with the Gradio page mounted at "/" and the middleware in front."""
    import gradio as gr
    from fastapi import FastAPI
    from starlette.middleware.cors import CORSMiddleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    demo = build_ui(service)
    demo.queue(max_size=QUEUE_MAX, default_concurrency_limit=2)
    hosts = allowed_hosts(settings)
    origins = origin_pattern(hosts)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    # Added innermost first: TrustedHost -> password -> limits -> CORS -> Gradio.
    app.add_middleware(CORSMiddleware, allow_origin_regex=origins, allow_credentials=True,
                       allow_methods=["GET", "POST"], allow_headers=["*"])
    app.add_middleware(LimitsMiddleware, origin_regex=origins, limit=MAX_REQUEST_BYTES,
                       upload_limit=MAX_UPLOAD_REQUEST_BYTES)
    if password:
        app.add_middleware(PasswordMiddleware, user=USER, password=password)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    gr.mount_gradio_app(
        app, demo, path="/",
        server_name=settings.host, server_port=settings.port,
        footer_links=[], run_history=False,
        app_kwargs={"docs_url": None, "redoc_url": None, "openapi_url": None},
        blocked_paths=blocked_paths(settings),
        show_error=False,
        max_file_size=pipeline.UPLOAD_MAX_BYTES,
        enable_monitoring=False, mcp_server=False, ssr_mode=False, pwa=False,
        i18n=_i18n(), theme=theme(), css=CSS, js=PAGE_JS, head=HEAD,
    )
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

"""The chat service: what the page and the ``/tanya`` API call. It holds the loaded
``pipeline.Bot``, caches answers per index generation, swaps in a new generation (built by an
upload here or by ``rebuild-index`` elsewhere) without making anyone wait, runs uploads in a
spawned process, and records thumbs up/down. No HTML here (``render.py``), no Gradio
(``page.py``).

Follow-up questions: ``ChatService.reply`` takes the conversation's previous question and
uses it only when the new question leans on it (``pipeline.follow_up_context``); the
``Answer`` then carries it as ``context``.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .. import keyfile, pipeline, sandbox
from .. import ui_text as ui
from ..config import Settings
from ..schema import Answer

log = logging.getLogger(__name__)

UPLOAD_TIME_LIMIT_S = 600  # checking, reading and indexing the uploaded files
FOLLOW_INDEX_EVERY_S = 1.0  # how often CURRENT is checked for a generation built elsewhere
UPLOAD_EVENT_EVERY_S = 0.25  # progress events sent to the page within one phase, at most
ANSWER_CACHE_SIZE = 512  # answers kept per generation: the same question is not recomputed
# The manifest shown while the corpus holds no document (no index yet).
EMPTY_MANIFEST = {"documents": [], "counts": {"documents": 0, "pages": 0, "chunks": 0},
                  "skipped": [], "built_at": None}


@dataclass(frozen=True)
class Reply:
    """What the chat shows for one question."""

    text: str  # the answer as plain text, or the polite refusal
    result: Answer | None  # None: the question was refused (empty, too long, no documents)
    bot: pipeline.Bot | None  # the generation that answered (for the passages around quotes)

    @property
    def context(self) -> str | None:
        """The previous question the search also used (a follow-up), else None."""
        return self.result.context if self.result is not None else None


@dataclass
class UploadEvent:
    kind: str  # "progress" | "done" | "error"
    text: str = ""
    fraction: float = 0.0  # of a "progress" event: never smaller than the previous one's
    outcomes: tuple = ()
    eta: str = ""  # "sisa sekitar 20 detik", or "" while not known


class ChatService:
    """Holds the loaded bot. A new index generation (built by an upload here or by
    ``rebuild-index`` elsewhere) is loaded in the background and swapped in whole: an answer
    always comes from one generation, and users wait for nothing."""

    def __init__(self, settings: Settings, bot: pipeline.Bot | None = None,
                 empty: bool = False):
        self.settings = settings
        # ``empty``: the corpus holds no document yet (``pipeline.CorpusEmpty``): no bot until
        # an upload (or a rebuild elsewhere) publishes the first generation.
        self._bot = None if empty else (bot or pipeline.Bot.open(settings))
        # Signs the conversation the browser keeps (``saved_conversation``): kept in a file,
        # so that a restart still believes the conversations kept before it.
        self.conversation_key = conversation_key(settings)
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
        self._upload_proc = None  # the running upload's worker process, if any
        # Changes of the corpus that publish no generation (a skipped file deleted): counted,
        # so that every open page notices them (``panel_version``).
        self._quiet_changes = 0

    # -- generations

    @property
    def generation(self) -> str:
        return self._bot.generation if self._bot is not None else ""

    @property
    def bot(self) -> pipeline.Bot | None:
        self._follow_index()
        return self._bot

    def manifest(self) -> dict:
        """The live generation's manifest (its documents, counts, skipped files, build time);
        an empty one while there is no index yet."""
        bot = self.bot
        return bot.index.manifest if bot is not None else dict(EMPTY_MANIFEST)

    def panel_manifest(self) -> dict:
        """What the documents panel shows: the live manifest, its skipped files narrowed to
        those still in the corpus (``pipeline.skipped_files``: each can be deleted)."""
        manifest = self.manifest()
        skipped = pipeline.skipped_files(self.settings, manifest)
        return {**manifest, "skipped": [{"source": s.source, "reason": s.reason}
                                        for s in skipped]}

    def panel_version(self) -> str:
        """Changes whenever the documents panel would: the live generation (one built
        elsewhere is noticed, as by any request) and the changes that publish none. Cheap:
        every open page asks for it every few seconds."""
        bot = self.bot
        return f"{bot.generation if bot is not None else ''}/{self._quiet_changes}"

    def swap(self, bot: pipeline.Bot) -> None:
        with self._swap_lock:
            old, self._bot = self.generation or "-", bot
        with self._cache_lock:
            self._cache.clear()
        if old != bot.generation:
            print(ui.SERVE_NEW_GENERATION.format(generation=bot.generation, previous=old),
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
            name = pipeline.current_generation(self.settings)
            if not name or name == self.generation:
                return
            self._loading = True
        threading.Thread(target=self._load_current, name="tanya-reload", daemon=True).start()

    def _load_current(self) -> None:
        try:
            self.swap(pipeline.Bot.open(self.settings))
        except Exception as e:  # noqa: BLE001 - keep serving the generation we have
            log.warning(ui.LOG_NEW_INDEX_NOT_LOADED.format(problem=e))
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

    def reply(self, question: str | None, previous: str | None = None,
              scope: list[str] | None = None) -> Reply:
        """Answer ``question``; ``previous`` is the user's previous question in the same
        conversation. When the question leans on it (``pipeline.follow_up_context``: "itu",
        "tersebut", "-nya", "bagaimana dengan ...", a very short question), the search uses
        the previous question too, and ``Reply.context`` says so. A ``previous`` that would
        itself be refused (empty, too long) is ignored.

        The length cap comes first: a huge question costs nothing but its length. Answers are
        cached per generation under (context used, question), so a follow-up never gets the
        cached answer of the same words asked alone, nor the other way round.

        ``scope``: the names of the documents to search (None: all of them). An empty scope
        or an unknown name gets an Indonesian message instead of an answer."""
        problem = pipeline.check_question(question, self.settings)
        bot = self.bot  # one generation for the whole answer
        if problem:
            return Reply(problem, None, bot)
        if bot is None:  # no document yet: nothing to search
            return Reply(ui.NO_DOCUMENTS_ANSWER, None, None)
        sources = None
        if scope is not None:
            try:
                sources = bot.scope(scope)
            except pipeline.UnknownDocuments as e:
                return Reply(str(e), None, bot)
            if len(sources) == len(bot.documents()):
                sources = None  # every document: the plain search (and its cached answers)
        question = str(question).strip()
        context = None
        previous = None if previous is None else str(previous)
        if previous is not None and not pipeline.check_question(previous, self.settings):
            context = pipeline.follow_up_context(question, previous.strip())
        key = (bot.generation, context or "", question) if sources is None \
            else (bot.generation, context or "", question, tuple(sources))
        with self._cache_lock:
            result = self._cache.get(key)
            if result is not None:
                self._cache.move_to_end(key)
        if result is None:
            if sources is not None:
                result = bot.ask(question, previous=context, sources=sources)
            else:
                result = (bot.ask(question, previous=context) if context
                          else bot.ask(question))
            with self._cache_lock:
                self._cache[key] = result
                while len(self._cache) > ANSWER_CACHE_SIZE:
                    self._cache.popitem(last=False)
        return Reply(result.text, result, bot)

    # -- the source viewer

    def source_view(self, source_id: str, page: int, start: int,
                    end: int) -> pipeline.SourceView | None:
        """A quote where it stands, from the live generation (``pipeline.Bot.source_view``):
        None when it has no such document, page or span."""
        return self.bot.source_view(source_id, page, start, end)

    # -- uploads

    def add_files(self, uploads: list[tuple[str, Path]]) -> Iterator[UploadEvent]:
        """Check, save and index uploaded files in a fresh process, relaying its progress; then
        load the new generation and swap it in. One upload at a time."""
        if not self._upload_lock.acquire(blocking=False):
            yield UploadEvent("progress", ui.UPLOAD_WAITING, 0.0)
            self._upload_lock.acquire()
        try:
            yield from self._add_files(uploads)
        finally:
            self._upload_lock.release()

    def _add_files(self, uploads):
        """The worker's steps (pages checked and read, chunks embedded, ...) become progress
        events through a ``progress.Tracker``: counts, a fraction that only grows, time left;
        at most one event per UPLOAD_EVENT_EVERY_S within a phase."""
        from ..progress import UPLOAD_PHASES, Step, Tracker

        tracker = Tracker(UPLOAD_PHASES)
        last = [None, 0.0]  # phase and time of the last event sent

        def event(snap, phase=None, force=False) -> UploadEvent | None:
            now = time.monotonic()
            if not force and phase == last[0] and now - last[1] < UPLOAD_EVENT_EVERY_S:
                return None
            last[0], last[1] = phase, now
            return UploadEvent("progress", snap.text, snap.fraction, eta=snap.eta_text)

        yield event(tracker.note(ui.UPLOAD_PREPARING), force=True)
        result = None
        for kind, *rest in self._worker(_upload_worker, (self.settings, uploads), "tanya-unggah",
                                        ui.UPLOAD_CRASHED, ui.UPLOAD_TIMED_OUT):
            if kind == "step":
                step = Step.from_tuple(rest[0])
                done = step.total > 0 and step.done >= step.total and step.item >= step.items
                update = event(tracker.update(step), step.phase, force=done)
                if update:
                    yield update
            elif kind == "note":
                yield event(tracker.note(rest[0]), force=True)
            elif kind == "done":
                result = UploadEvent("done", outcomes=tuple(
                    pipeline.UploadOutcome(**o) for o in rest[0]))
            else:
                result = UploadEvent("error", rest[0])
        if result.kind == "done" and any(o.added for o in result.outcomes):
            yield event(tracker.update(Step("load")), "load", force=True)
            self.swap(pipeline.Bot.open(self.settings))
        yield result

    # -- one document: delete or re-index

    def change_document(self, action: str, source: str) -> Iterator[UploadEvent]:
        """Delete (``"hapus"``) or re-index (``"indeks-ulang"``) one indexed document, named
        by its source, in a spawned process like an upload (``_document_worker``), relaying
        its progress; then load the new generation and swap it in. The final event is
        ``done`` (outcomes: one ``pipeline.ChangeOutcome``) or ``error``. Shares the upload
        lock: one change of the corpus at a time."""
        if action not in DOCUMENT_ACTIONS:
            yield UploadEvent("error", ui.DOC_ACTION_UNKNOWN)
            return
        if not self._upload_lock.acquire(blocking=False):
            yield UploadEvent("progress", ui.DOC_WAITING, 0.02)
            self._upload_lock.acquire()
        try:
            yield from self._change_document(action, str(source))
        finally:
            self._upload_lock.release()

    def _change_document(self, action: str, source: str) -> Iterator[UploadEvent]:
        yield UploadEvent("progress", ui.UPLOAD_PREPARING, 0.05)
        result = None
        for kind, *rest in self._worker(_document_worker, (self.settings, action, source),
                                        "tanya-dokumen", ui.DOC_CRASHED, ui.DOC_TIMED_OUT):
            if kind == "progress":
                yield UploadEvent("progress", rest[0], rest[1])
            elif kind == "done":
                result = UploadEvent("done", outcomes=(pipeline.ChangeOutcome(**rest[0]),))
            else:
                result = UploadEvent("error", rest[0])
        if pipeline.current_generation(self.settings) != self.generation:
            yield UploadEvent("progress", ui.UPLOAD_LOADING, 0.95)
            self.swap(pipeline.Bot.open(self.settings))
        elif result.kind == "done" and result.outcomes[0].ok:
            self._quiet_changes += 1  # a skipped file deleted: no new generation
        yield result

    def _worker(self, target, args: tuple, name: str, crashed: str,
                timed_out: str) -> Iterator[tuple]:
        """Run ``target(*args, events)`` in a spawned process and yield its messages (lists,
        the first item their kind) until one is "done" or "error"; a process that dies or
        outlives UPLOAD_TIME_LIMIT_S ends with ("error", crashed / timed_out). Spawned, not
        forked: this process has the web server's and the model's threads, which a fork would
        copy mid-flight, and the build's memory goes back on exit. Not a daemon: it forks its
        own time-limited PDF readers. Messages travel as JSON (``_Events``), never pickled:
        the worker handles uploaded files."""
        ctx = mp.get_context("spawn")
        receiver, sender = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=target, args=(*args, _Events(sender)), name=name)
        self._upload_proc = proc
        proc.start()
        sender.close()  # the child's end: the parent keeps only its own
        deadline = time.monotonic() + UPLOAD_TIME_LIMIT_S
        try:
            while True:
                message = None
                try:
                    if receiver.poll(0.5):
                        message = json.loads(receiver.recv_bytes())
                except (EOFError, OSError, ValueError):
                    time.sleep(0.1)  # the child is gone (or sent garbage): told below
                if message is None:
                    if not proc.is_alive():
                        yield ("error", crashed)
                        return
                    if time.monotonic() > deadline:
                        yield ("error", timed_out)
                        return
                    continue
                yield message
                if message[0] in ("done", "error"):
                    return
        finally:
            receiver.close()
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
            self._upload_proc = None

    def close(self) -> None:
        """The server is stopping: end a running upload's worker (its files are taken out of
        the corpus only by a failed build; an unpublished build leaves the old index live)."""
        proc = self._upload_proc
        if proc is not None and proc.is_alive():
            proc.terminate()
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()

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


def conversation_key(settings: Settings) -> bytes:
    """The key in ``settings.conversation_key_path()``, created there on the first run. A
    file that cannot be read, written or is damaged: one line in the log and a fresh key for
    this run (the kept conversations are not restored; nothing else changes)."""
    path = settings.conversation_key_path()
    try:
        return keyfile.load_or_create(path)
    except (OSError, keyfile.KeyFileDamaged) as e:
        problem = ui.os_reason(e) if isinstance(e, OSError) else ui.KEY_FILE_DAMAGED
        log.warning(ui.LOG_CONVERSATION_KEY_UNUSABLE.format(path=path, problem=problem))
        return secrets.token_bytes(keyfile.KEY_BYTES)


class _Events:
    """The worker's end of the pipe to the web server: ``put`` sends one message as JSON
    (``sandbox.send_json``); dataclasses (the outcomes) go as their fields."""

    def __init__(self, conn):
        self.conn = conn

    def put(self, message: tuple) -> None:
        sandbox.send_json(self.conn, [_plain(v) for v in message])


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, pipeline.ChangeOutcome):
        return {"ok": value.ok, "message": value.message}  # its build report stays behind
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return value


def _upload_worker(settings: Settings, uploads, events) -> None:
    """Runs in the spawned process: ``pipeline.add_to_corpus`` with progress on a queue.
    At a lower CPU priority: answering questions comes first."""
    try:
        os.nice(10)
    except OSError:
        pass
    def relay(step) -> None:  # plain values cross the process boundary
        if isinstance(step, str):
            events.put(("note", step))
        else:
            events.put(("step", step.to_tuple()))

    try:
        outcomes, _ = pipeline.add_to_corpus(settings, uploads, relay)
        events.put(("done", outcomes))
    except KeyboardInterrupt:  # Ctrl-C in the server's terminal reaches us too: quietly
        events.put(("error", ui.UPLOAD_FAILED))
    except BaseException:  # noqa: BLE001 - the parent must hear about every ending
        import traceback

        traceback.print_exc()
        events.put(("error", ui.UPLOAD_FAILED))


# The page's action names -> the pipeline function that does it.
DOCUMENT_ACTIONS = {"hapus": "delete_document", "indeks-ulang": "reindex_document"}


def _document_worker(settings: Settings, action: str, source: str, events) -> None:
    """Runs in the spawned process: delete or re-index one document, progress on a queue.
    At a lower CPU priority: answering questions comes first."""
    try:
        os.nice(10)
    except OSError:
        pass
    try:
        change = getattr(pipeline, DOCUMENT_ACTIONS[action])
        outcome = change(settings, source,
                         lambda text, fraction: events.put(("progress", text, fraction)))
        events.put(("done", outcome))
    except BaseException:  # noqa: BLE001 - the parent must hear about every ending
        import traceback

        traceback.print_exc()
        events.put(("error", ui.DOC_FAILED))


def parse_scope(text) -> list[str] | None:
    """The page's search scope (the hidden ``tt-scope`` box): empty or not a JSON list of
    names means every document (None); a JSON list, those documents (maybe none)."""

    if not text:
        return None
    try:
        value = json.loads(str(text))
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    return [str(v) for v in value if isinstance(v, str)]


def parse_document_action(text) -> tuple[str, str]:
    """(action, source) from the page's hidden ``tt-doc-action`` box
    (``{"action": "hapus" | "indeks-ulang", "source": ...}``); ("", "") when unreadable
    (``ChatService.change_document`` refuses an unknown action)."""

    try:
        value = json.loads(str(text or ""))
    except ValueError:
        return "", ""
    if not isinstance(value, dict):
        return "", ""
    action, source = value.get("action"), value.get("source")
    if not isinstance(action, str) or not isinstance(source, str):
        return "", ""
    return action, source

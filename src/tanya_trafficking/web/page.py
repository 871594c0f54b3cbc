"""The chat page (Gradio Blocks): layout and event wiring only. Answers come from
``service.ChatService``, HTML from ``render``.

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
``ChatService.reply``, which uses it only when the new question leans on it; the answer then
starts with a note naming it. The ``/tanya`` API takes it as an optional second argument,
``sebelumnya``.

Documents panel: each document has a search-scope checkbox, "Indeks ulang" and "Hapus" (with
an in-page confirmation). The page script (``static/chat.js``) keeps the checked documents in
the hidden ``tt-scope`` box (which goes along with every question) and puts an action in the
hidden ``tt-doc-action`` box before it clicks the hidden ``tt-doc-run`` button
(``document_actions``). The ``/tanya`` API takes the scope as an optional third argument,
``dokumen`` (a list of document names).
"""

from __future__ import annotations

import html
import json
import logging
import os
import time
from datetime import datetime, timezone
from pathlib import Path

from .. import pipeline
from .. import ui_text as ui
from . import guards, render
from . import conversation
from .service import (UPLOAD_TIME_LIMIT_S, ChatService, parse_document_action,
                      parse_scope)

log = logging.getLogger(__name__)

# Answers computed at once: one per core (the question's embedding is the bulk of the work).
CHAT_CONCURRENCY = max(2, min(4, os.cpu_count() or 2))
# Streamed answers in the page mostly wait between pieces: more of them may run at once.
STREAM_CONCURRENCY = 8
EVENT_TIME_LIMIT_S = 10  # per chat/API event
STREAM_STEPS = 12  # an answer appears in this many steps ...
STREAM_DELAY_S = 0.03  # ... this far apart
MAX_HISTORY = 200  # messages kept per conversation; older ones scroll out
CHAIN_MAX_CHARS = 300  # a chain of follow-ups carries at most this much earlier text

# Read once at startup. HEAD: rules for Gradio's outer frame, which the ``css`` parameter
# cannot reach (Gradio scopes those rules inside its content area).
CSS = render.static_text("chat.css")
PAGE_JS = render.static_text("chat.js").replace(
    "__TT_TEXT__", json.dumps(ui.PAGE_SCRIPT_TEXT, ensure_ascii=False)).replace(
    "__TT_LIMIT_TEXT__", json.dumps(ui.INPUT_LIMIT_TEXT, ensure_ascii=False)).replace(
    "__TT_VIEWER_TEXT__", json.dumps(ui.SOURCE_SCRIPT_TEXT, ensure_ascii=False))
HEAD = render.static_text("head.html").replace(
    "__TT_DESCRIPTION__", html.escape(ui.PAGE_DESCRIPTION))
GRADIO_STRINGS = ui.GRADIO_STRINGS
GRADIO_LOCALES = ui.GRADIO_LOCALES


def i18n():
    import gradio as gr

    return gr.I18n(**{loc: dict(GRADIO_STRINGS) for loc in GRADIO_LOCALES})


def build_ui(service: ChatService):
    import gradio as gr

    settings = service.settings

    def documents_panel() -> str:
        return render.documents_html(service.panel_manifest())

    upload_note = ui.UPLOAD_NOTE.format(max_mb=pipeline.UPLOAD_MAX_BYTES // 2**20,
                                        max_files=pipeline.UPLOAD_MAX_FILES)

    with gr.Blocks(title=ui.TITLE, fill_height=True, analytics_enabled=False) as demo:
        history = gr.State([])
        turns = gr.State({})  # message index -> the question and answer behind it

        gr.HTML(render.header_html(), padding=False)
        chatbot = gr.Chatbot(
            label=ui.CHAT_LABEL, show_label=False, elem_id="tt-chat", scale=1, height="62vh",
            min_height=320, buttons=[], feedback_options=("Like", "Dislike"),
            latex_delimiters=[], line_breaks=False, sanitize_html=True, layout="bubble",
            **chat_start(service.manifest()),  # the invitation and examples the index can answer
        )
        with gr.Row(elem_id="tt-input-row", equal_height=True):
            box = gr.Textbox(label=ui.INPUT_LABEL, show_label=False, elem_id="tt-input",
                             placeholder=ui.INPUT_PLACEHOLDER,
                             max_length=settings.max_question_chars, scale=5, autofocus=True,
                             submit_btn=False, lines=1, max_lines=4, container=False)
            send = gr.Button(ui.SEND_BUTTON, variant="primary", scale=1, min_width=70,
                             elem_id="tt-send")
        input_limit_note()
        with gr.Row(elem_id="tt-tools"):
            new = gr.Button(ui.NEW_CHAT_BUTTON, variant="secondary", size="sm",
                            elem_id="tt-new", scale=0, min_width=150)
            kept = conversation_controls(conversation.browser_secret(service.conversation_key))

        # The side panel comes after the chat in the page, so that Tab reaches the chat, the
        # question box and its buttons first (it is drawn at the side all the same).
        with gr.Sidebar(label=ui.SIDEBAR_LABEL, open=True, width=330, elem_id="tt-sidebar"):
            gr.Markdown(ui.DOCUMENTS_HEADING)
            docs = gr.HTML(documents_panel(), elem_id="tt-docs")
            doc_status, scope_box, doc_action, doc_run = document_controls()
            gr.Markdown(ui.ADD_DOCUMENTS_HEADING)
            upload = gr.UploadButton(ui.UPLOAD_BUTTON, file_count="multiple",
                                     type="filepath", variant="secondary",
                                     elem_id="tt-upload")
            gr.Markdown(upload_note, elem_id="tt-upload-note")
            upload_status = gr.HTML("", elem_id="tt-upload-status")
            with gr.Accordion(ui.ABOUT_LABEL, open=False, elem_id="tt-about"):
                gr.Markdown(ui.ABOUT)

        def respond(question, hist, trn, scope_text=None):
            """One turn of the chat. The previous question of the conversation
            (``previous_question``) goes along: a follow-up is searched with it; so does the
            documents panel's scope (the hidden ``tt-scope`` box)."""
            question = "" if question is None else str(question)
            if not question.strip():  # "Kirim" on an empty box: nothing happens
                yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
                return
            hist, trn = _trim(list(hist or []), dict(trn or {}))
            previous = previous_question(trn)
            hist.append({"role": "user", "content": render.user_html(question.strip()[:2000])})
            hist.append({"role": "assistant", "content": render.thinking_html()})
            yield hist, hist, trn, ""
            try:
                reply = service.reply(question, previous, scope=parse_scope(scope_text))
                text, result, bot = reply.text, reply.result, reply.bot
            except Exception:  # noqa: BLE001 - the user gets a sentence, the log the details
                log.exception("answering failed: %r", question[:200])  # the user sees a polite line
                text, result = ui.ANSWER_ERROR, None
            if result is None:
                hist[-1] = {"role": "assistant", "content": render.message_html(text)}
                yield hist, hist, trn, ""
                return
            total = sum(len(q.text) for q in result.quotes)
            step = max(1, -(-total // STREAM_STEPS))
            for shown in range(step, total, step):
                hist[-1] = {"role": "assistant",
                            "content": render.answer_html(result, bot, reveal=shown)}
                yield hist, hist, trn, gr.skip()
                time.sleep(STREAM_DELAY_S)
            hist[-1] = {"role": "assistant", "content": render.answer_html(result, bot)}
            trn[len(hist) - 1] = {
                "question": result.question, "answer": result.text, "found": result.found,
                "short_answer": result.short_answer,
                "sources": [q.to_json() for q in result.quotes],
                "generation": bot.generation,
                **({"previous": result.context} if result.context else {}),
            }
            yield hist, hist, trn, gr.skip()

        def respond_example(hist, trn, scope_text, evt: gr.SelectData):
            value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
            yield from respond(value.get("text", ""), hist, trn, scope_text)

        # This module's annotations are strings; Gradio spots event-data parameters by type.
        respond_example.__annotations__["evt"] = gr.SelectData

        chat_outputs = [chatbot, history, turns, box]
        common = dict(api_visibility="private", time_limit=EVENT_TIME_LIMIT_S,
                      concurrency_limit=STREAM_CONCURRENCY, concurrency_id="chat-page",
                      show_progress="hidden")
        asked = [box.submit(respond, [box, history, turns, scope_box], chat_outputs,
                            **common),
                 send.click(respond, [box, history, turns, scope_box], chat_outputs,
                            **common),
                 chatbot.example_select(respond_example, [history, turns, scope_box],
                                        chat_outputs, **common)]
        emptied = [new.click(lambda: ([], [], {}, ""), None, chat_outputs,
                             api_visibility="private", show_progress="hidden"),
                   # The chat's own bin icon empties the chat in the browser: forget it here too.
                   chatbot.clear(lambda: ([], {}), None, [history, turns],
                                 api_visibility="private", show_progress="hidden")]

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
            folder = guards.upload_folder()
            paths = [Path(f) for f in (files or [])]
            if not all(guards.is_uploaded_file(str(p), folder) for p in paths):
                yield render.upload_status_html(ui.FILE_NOT_UPLOADED), gr.skip()
                return
            if not paths:
                yield render.upload_status_html(ui.UPLOAD_NONE_CHOSEN), gr.skip()
                return
            uploads = [(p.name, p) for p in paths]
            for event in service.add_files(uploads):
                if event.kind == "progress":
                    yield (render.upload_status_html(event.text, event.fraction, eta=event.eta),
                           gr.skip())
                elif event.kind == "done":
                    added = sum(o.added for o in event.outcomes)
                    head = (ui.UPLOAD_ADDED.format(added=added, total=len(event.outcomes))
                            if added else ui.UPLOAD_NONE_ADDED)
                    yield (render.upload_status_html(head, outcomes=event.outcomes),
                           documents_panel())
                else:
                    yield render.upload_status_html(event.text), documents_panel()

        uploaded = upload.upload(on_upload, [upload], [upload_status, docs],
                                 api_visibility="private", time_limit=UPLOAD_TIME_LIMIT_S,
                                 concurrency_limit=1, concurrency_id="upload",
                                 show_progress="hidden")

        def tanya(pertanyaan: str, sebelumnya: str = "",
                  dokumen: list[str] | None = None) -> str:
            """Jawab satu pertanyaan; jawaban memuat kutipan dan sumbernya. `sebelumnya`
            (boleh kosong): pertanyaan sebelumnya dalam percakapan yang sama. Bila pertanyaan
            ini bersandar padanya ("itu", "tersebut", "-nya", "bagaimana dengan ...", atau
            sangat pendek), pencarian memakainya juga dan jawaban diawali catatan
            "Pertanyaan lanjutan: ...". `dokumen` (boleh kosong: semua dokumen): daftar nama
            dokumen tempat jawaban dicari; nama yang tidak dikenal dijawab dengan pesan."""
            scope = [str(d) for d in dokumen] if dokumen else None
            reply = service.reply(pertanyaan, sebelumnya or None, scope=scope)
            if reply.context:
                return f"{render.follow_up_note(reply.context)}\n\n{reply.text}"
            return reply.text

        gr.api(tanya, api_name="tanya", time_limit=EVENT_TIME_LIMIT_S,
               concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")
        document_actions(service, documents_panel, doc_action, doc_run, doc_status, docs)
        panel_seen = follow_panel_changes(service, docs, chatbot)
        loaded = demo.load(panel_on_load(service, documents_panel), None, [docs, panel_seen],
                           api_visibility="private", show_progress="hidden")
        wire_conversation(service, kept, chatbot, history, turns, asked, emptied, uploaded,
                          loaded)
    return demo


# --------------------------------------------------------------------------- conversation
# The conversation kept in the browser across reloads ("Hapus riwayat" forgets it), its
# Markdown export, the empty chat's invitation and examples, and the question box's limit
# note. The logic (what is kept, the Markdown, which examples) is in ``service``.

STORAGE_KEY = "tanya-trafficking-percakapan"
# Starts the download of the exported Markdown ({"name", "text"}) in the browser.
DOWNLOAD_JS = """(data) => {
  if (!data) return;
  const {name, text} = JSON.parse(data);
  const url = URL.createObjectURL(new Blob([text], {type: 'text/markdown;charset=utf-8'}));
  const a = document.createElement('a');
  a.href = url; a.download = name; a.style.display = 'none';
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}"""
FORGET_JS = "() => { try { localStorage.removeItem(%s); } catch (e) {} }" % json.dumps(
    STORAGE_KEY)
# Marks the page settled: the documents panel and the kept conversation are drawn.
READY_JS = "() => { window.__ttReady = true; }"


def chat_start(manifest: dict) -> dict:
    """The empty chat's placeholder and examples for the documents in the index."""
    return {"placeholder": conversation.chat_placeholder(manifest),
            "examples": [{"text": q} for q in conversation.example_questions(manifest)]}


def input_limit_note():
    """Under the question box: how many characters remain near the limit, and the note on a
    pasted text that was too long (filled in by chat.js)."""
    import gradio as gr

    return gr.HTML('<p class="tt-limit-text" role="status" aria-live="polite"></p>',
                   elem_id="tt-limit", padding=False)


def conversation_controls(secret: str | None = None) -> dict:
    """The tool row's "Hapus riwayat" and "Ekspor Markdown", the browser's kept copy and the
    hidden field the export travels through. ``secret``: the kept copy's encryption secret in
    the browser (from the server's kept key, so that a restart can still read the copy)."""
    import gradio as gr

    return {
        "clear": gr.Button(ui.CLEAR_HISTORY_BUTTON, variant="secondary", size="sm",
                           elem_id="tt-clear-history", scale=0, min_width=130),
        "export": gr.Button(ui.EXPORT_BUTTON, variant="secondary", size="sm",
                            elem_id="tt-export", scale=0, min_width=150),
        "saved": gr.BrowserState(None, storage_key=STORAGE_KEY, secret=secret),
        "file": gr.Textbox("", visible="hidden", elem_id="tt-export-data", show_label=False,
                           container=False, interactive=False),
    }


def wire_conversation(service: ChatService, kept: dict, chatbot, history, turns, asked: list,
                      emptied: list, uploaded, loaded) -> None:
    """Keep the conversation in the browser after every change, restore it once the page has
    loaded (``loaded``: the page's load event), clear it with "Hapus riwayat", export it; offer
    the examples the index can answer."""
    import gradio as gr

    quiet = dict(api_visibility="private", show_progress="hidden")
    key = service.conversation_key

    def save(hist, trn):
        hist, trn = _trim(list(hist or []), dict(trn or {}))
        return conversation.saved_conversation(hist, trn, key)

    def restore(saved, current):
        if current:  # asked before the page had settled: the new turn is not wiped out
            return gr.skip(), gr.skip(), gr.skip()
        hist, trn = conversation.restore_conversation(saved, key, MAX_HISTORY)
        return gr.update(value=hist, **chat_start(service.manifest())), hist, trn

    def clear():
        gr.Info(ui.HISTORY_CLEARED, title=ui.HISTORY_CLEARED_TITLE, duration=4)
        return [], [], {}, None

    def export(trn):
        now = datetime.now(timezone.utc)
        return json.dumps({"name": conversation.export_filename(now),
                           "text": conversation.conversation_markdown(trn or {}, now)},
                          ensure_ascii=False)

    for event in asked + emptied:
        event.then(save, [history, turns], [kept["saved"]], **quiet)
    loaded.then(restore, [kept["saved"], history], [chatbot, history, turns], **quiet) \
        .then(None, None, None, js=READY_JS, **quiet)
    kept["clear"].click(clear, None, [chatbot, history, turns, kept["saved"]], **quiet) \
        .then(None, None, None, js=FORGET_JS, **quiet)
    kept["export"].click(export, [turns], [kept["file"]], **quiet) \
        .then(None, [kept["file"]], None, js=DOWNLOAD_JS, **quiet)
    uploaded.then(lambda: gr.update(**chat_start(service.manifest())), None, [chatbot],
                  **quiet)


# --------------------------------------------------------------------------- documents panel


def document_controls():
    """The documents panel's parts besides the list: the status line of a delete or
    re-index, and the hidden boxes and button the page script drives (the search scope, the
    action to run, the button that runs it)."""
    import gradio as gr

    status = gr.HTML("", elem_id="tt-doc-status")
    scope = gr.Textbox("", visible="hidden", elem_id="tt-scope", label=ui.DOC_SCOPE_HINT)
    action = gr.Textbox("", visible="hidden", elem_id="tt-doc-action",
                        label=ui.DOC_REINDEX_BUTTON)
    run = gr.Button(ui.DOC_REINDEX_BUTTON, visible="hidden", elem_id="tt-doc-run")
    return status, scope, action, run


def document_actions(service: ChatService, documents_panel, action, run, status, docs) -> None:
    """Wire the hidden run button: the action in the hidden box (``{"action", "source"}``)
    runs in ``ChatService.change_document``; its progress and result show under the list,
    and the list is drawn again. One change of the corpus at a time (shared with uploads)."""
    import gradio as gr

    def on_action(request):
        kind, source = parse_document_action(request)
        for event in service.change_document(kind, source):
            if event.kind == "progress":
                yield render.document_status_html(event.text, event.fraction), gr.skip()
            elif event.kind == "done":
                yield (render.document_status_html("", outcome=event.outcomes[0]),
                       documents_panel())
            else:
                yield render.document_status_html(event.text), documents_panel()

    run.click(on_action, [action], [status, docs], api_visibility="private",
              time_limit=UPLOAD_TIME_LIMIT_S, concurrency_limit=1, concurrency_id="upload",
              show_progress="hidden")


# Every open page redraws its documents panel (and the chat's examples) by itself when the
# index changed, whoever changed it (another tab, another user, ``rebuild-index``): a timer
# asks for ``ChatService.panel_version`` and redraws only when it differs from the one drawn.
PANEL_FOLLOW_EVERY_S = 2.0


def panel_on_load(service: ChatService, documents_panel):
    """The page's load: the panel and the version it shows (read first: a change in between
    makes the next tick draw it again, never miss it)."""

    def load():
        version = service.panel_version()
        return documents_panel(), version

    return load


def panel_refresh(service: ChatService, shown: str) -> tuple[str, dict, str] | None:
    """None while the page shows the current version (``shown``); else the panel's HTML,
    the empty chat's invitation and examples, and the version they show."""
    version = service.panel_version()
    if version == shown:
        return None
    return (render.documents_html(service.panel_manifest()), chat_start(service.manifest()),
            version)


def follow_panel_changes(service: ChatService, docs, chatbot):
    """The timer that keeps the panel and the examples current (``panel_refresh``); returns
    the page's state holding the version it shows. Nothing is sent back while nothing
    changed, so the panel (and the user's open confirmation) stays as it is."""
    import gradio as gr

    seen = gr.State("")
    timer = gr.Timer(PANEL_FOLLOW_EVERY_S)

    def check(shown):
        fresh = panel_refresh(service, shown)
        if fresh is None:
            return gr.skip(), gr.skip(), gr.skip()
        panel, start, version = fresh
        return panel, gr.update(**start), version

    timer.tick(check, [seen], [docs, chatbot, seen], api_visibility="private",
               show_progress="hidden", time_limit=EVENT_TIME_LIMIT_S, concurrency_limit=None,
               concurrency_id="panel-follow")
    return seen


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


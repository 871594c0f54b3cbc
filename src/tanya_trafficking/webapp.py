"""The Gradio web chat. Only layout and wiring: every answer comes from ``pipeline.Bot``.

It lives in the package (not only in the root ``app.py``) so that the installed
``tanya-trafficking serve`` works too; ``app.py`` is a three-line launcher.

Locked down by default: bound to 127.0.0.1, no share link, errors not shown to the browser,
monitoring / MCP / run-history off, a bounded queue with a time limit per event, the index
folder in ``blocked_paths``, an optional password from ``TANYA_PASSWORD`` (user ``tanya``),
and a server-side length cap on questions (Gradio's ``max_length`` is not enforced for API
calls).
"""

from __future__ import annotations

import html
import os
import threading

from . import pipeline, store
from .config import Settings
from .schema import Answer

TITLE = "Tanya Trafficking"
ABOUT = (
    "Tanya jawab tentang **perdagangan orang (human trafficking) di Asia Tenggara** dan upaya "
    "ASEAN menanggulanginya (ACTIP, prinsip non-intervensi, angka kasus). Jawaban disusun dari "
    "**kutipan persis** dokumen sumber, lengkap dengan nama berkas dan halamannya — bukan "
    "pendapat. Bila dokumen tidak memuat jawabannya, bot akan mengatakannya."
)
EXAMPLES = [
    "Apa kepanjangan dari ACTIP?",
    "Berapa jumlah kasus human trafficking pada tahun 2023?",
    "Mengapa ASEAN gagal menanggulangi human trafficking?",
    "Apa saja upaya pencegahan dalam ACTIP?",
    "Negara mana yang paling banyak kasusnya?",
]
QUEUE_MAX = 64
EVENT_TIME_LIMIT_S = 30
PASSWORD_ENV = "TANYA_PASSWORD"


class ChatService:
    """Holds the loaded bot; a rebuilt index is swapped in whole (never mixed)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self.bot = pipeline.Bot.open(settings)

    def ask(self, question: str | None) -> tuple[str, Answer | None]:
        problem = pipeline.check_question(question, self.settings)
        if problem:
            return problem, None
        bot = self.bot  # one generation for the whole answer
        result = bot.ask(str(question).strip())
        return result.text, result

    def status(self) -> str:
        m = self.bot.index.manifest
        c = m.get("counts", {})
        return (f"Terindeks: **{c.get('documents', 0)} dokumen**, {c.get('pages', 0)} halaman, "
                f"{c.get('chunks', 0)} potongan teks · dibangun {m.get('built_at', '?')}")


def sources_markdown(result: Answer | None) -> str:
    if result is None or not result.quotes:
        return "_Belum ada sumber._"
    head = "**Sumber jawaban**" if result.found else "**Mungkin terkait** (bukan jawaban)"
    lines = [head, ""]
    for i, q in enumerate(result.quotes, 1):
        where = f"{q.source}, hlm. {q.page}" if q.page is not None else q.source
        lines.append(f"{i}. > {html.escape(q.text)}\n\n   — *{html.escape(where)}*")
    return "\n".join(lines)


def chat_markdown(result: Answer) -> str:
    """The answer as shown in the chat bubble: quotes as block quotes, then the sources."""
    parts = []
    if result.found:
        parts.append("Menurut dokumen:")
    else:
        parts.append("Maaf, jawaban atas pertanyaan itu **tidak ditemukan dalam dokumen**.")
        if result.quotes:
            parts.append("Bagian yang mungkin terkait:")
    for i, q in enumerate(result.quotes, 1):
        parts.append(f"> {html.escape(q.text)} **[{i}]**")
    if result.quotes:
        src = [f"[{i}] {q.source}" + (f", hlm. {q.page}" if q.page is not None else "")
               for i, q in enumerate(result.quotes, 1)]
        parts.append("<small>Sumber: " + " · ".join(html.escape(s) for s in src) + "</small>")
    return "\n\n".join(parts)


def build_ui(service: ChatService):
    import gradio as gr

    with gr.Blocks(title=TITLE, fill_height=True) as demo:
        gr.Markdown(f"# {TITLE}\n{ABOUT}")
        status = gr.Markdown(service.status())
        chatbot = gr.Chatbot(label="Percakapan", height=480, feedback_options=None,
                             placeholder="Ajukan pertanyaan tentang perdagangan orang di "
                                         "Asia Tenggara.", buttons=["copy"])
        with gr.Row():
            box = gr.Textbox(label="Pertanyaan", placeholder="Tulis pertanyaan Anda di sini…",
                             max_length=service.settings.max_question_chars, scale=5,
                             autofocus=True, submit_btn=False, lines=1)
            send = gr.Button("Kirim", variant="primary", scale=1)
        with gr.Row():
            new = gr.Button("Percakapan baru", variant="secondary")
        with gr.Accordion("Sumber", open=True):
            sources = gr.Markdown(sources_markdown(None))
        gr.Examples(EXAMPLES, inputs=box, label="Contoh pertanyaan")

        def respond(question, history):
            history = list(history or [])
            text, result = service.ask(question)
            shown = chat_markdown(result) if result is not None else text
            history.append({"role": "user", "content": question or ""})
            history.append({"role": "assistant", "content": shown})
            return history, sources_markdown(result), ""

        for trigger in (box.submit, send.click):
            trigger(respond, [box, chatbot], [chatbot, sources, box],
                    api_visibility="private", time_limit=EVENT_TIME_LIMIT_S)
        new.click(lambda: ([], sources_markdown(None), ""), None, [chatbot, sources, box],
                  api_visibility="private")

        def tanya(pertanyaan: str) -> str:
            """Jawab satu pertanyaan; jawaban memuat kutipan dan sumbernya."""
            return service.ask(pertanyaan)[0]

        gr.api(tanya, api_name="tanya", time_limit=EVENT_TIME_LIMIT_S)
        demo.load(service.status, None, status, api_visibility="private")
    return demo


def launch(settings: Settings, block: bool = True):
    """Build the index if missing or stale, then serve the chat."""
    report = pipeline.ensure_index(settings, progress=True)
    if report is not None:
        print(report.summary(), flush=True)
    try:
        service = ChatService(settings)
    except store.IndexProblem as e:  # matching manifest but unusable files: rebuild once
        print(f"Indeks tidak bisa dipakai ({e}); membangun ulang.", flush=True)
        print(pipeline.build_index(settings, progress=True).summary(), flush=True)
        service = ChatService(settings)
    demo = build_ui(service)
    demo.queue(max_size=QUEUE_MAX, default_concurrency_limit=2)
    password = os.environ.get(PASSWORD_ENV)
    print(f"Tanya Trafficking berjalan di http://{settings.host}:{settings.port}", flush=True)
    return demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        show_error=False,
        enable_monitoring=False,
        mcp_server=False,
        run_history=False,
        footer_links=[],
        blocked_paths=[str(settings.index.resolve())],
        auth=("tanya", password) if password else None,
        max_file_size="20mb",
        prevent_thread_lock=not block,
        quiet=True,
    )

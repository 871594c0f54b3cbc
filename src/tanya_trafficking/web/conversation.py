"""What the chat page keeps and offers around the conversation (issue 17, item 6): the example
questions the index can answer, the empty chat's invitation, the conversation kept in the
browser (compressed, signed with the server's key so an edited copy is not believed) and its
Markdown export. Pure functions over the manifest and the page's turns; ``page.py`` wires them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import zlib
from datetime import datetime, timezone

from .. import ui_text as ui
from ..textnorm import display_name


# The starter corpus file that answers each of ``ui.EXAMPLES`` (same order): an example is
# offered only while its document is in the index.
STARTER_ARTICLE = "artikel-perdagangan-orang-asia-tenggara-actip.txt"
STARTER_THESIS = "abstrak-skripsi-asean-prinsip-non-intervensi.txt"
STARTER_PERDA = "perda-diy-6-2025-pencegahan-penanganan-korban-perdagangan-orang.pdf"
EXAMPLE_SOURCES = (STARTER_ARTICLE, STARTER_ARTICLE, STARTER_THESIS, STARTER_PERDA)
MAX_EXAMPLES = 4
MAX_DOCUMENT_EXAMPLES = 2  # generic questions about uploaded documents
SAVED_VERSION = 1  # the format of the conversation kept in the browser
# The kept copy travels back with every page load: well under the server's request cap.
SAVED_MAX_BYTES = 160 * 1024
SAVED_MAX_INFLATED = 8 * 2**20


def _sources(manifest: dict) -> list[str]:
    return [str(d.get("source", "")) for d in manifest.get("documents", []) if d.get("source")]


def example_questions(manifest: dict) -> list[str]:
    """The example questions under an empty chat: the starter examples whose document is in
    the index, then a generic question about each other (uploaded) document, newest last in
    the manifest's order; none when the index holds no document."""
    sources = _sources(manifest)
    names = {s.rsplit("/", 1)[-1] for s in sources}
    out = [q for q, src in zip(ui.EXAMPLES, EXAMPLE_SOURCES) if src in names]
    others = [s for s in sources if s.rsplit("/", 1)[-1] not in EXAMPLE_SOURCES]
    for source in others[-MAX_DOCUMENT_EXAMPLES:]:
        if len(out) >= MAX_EXAMPLES:
            break
        name = display_name(source.rsplit("/", 1)[-1])
        out.append(ui.EXAMPLE_ABOUT_DOCUMENT.format(name=name))
    return out[:MAX_EXAMPLES]


def chat_placeholder(manifest: dict) -> str:
    """The empty chat's invitation: ask (with examples), or upload a first document."""
    return ui.CHAT_PLACEHOLDER if _sources(manifest) else ui.CHAT_EMPTY_PLACEHOLDER


def saved_conversation(history: list, turns: dict, key: bytes,
                       max_bytes: int = SAVED_MAX_BYTES) -> dict:
    """The conversation as the browser keeps it: JSON, compressed and signed with ``key``
    (the server's, so a copy edited in the browser is not believed: the turns feed the
    feedback file). Past ``max_bytes`` the oldest question-answer pairs are left out (the
    page sends the copy back on every load, under the server's request size cap)."""
    history = list(history or [])
    turns = {int(i): t for i, t in (turns or {}).items()}
    drop = 0
    while True:
        kept = history[drop:]
        data = json.dumps({"history": kept,
                           "turns": {str(i - drop): t for i, t in turns.items() if i >= drop}},
                          ensure_ascii=False, separators=(",", ":"))
        blob = base64.b64encode(zlib.compress(data.encode("utf-8"), 6)).decode("ascii")
        if len(blob) <= max_bytes or not kept:
            break
        drop += max(2, (len(kept) // 10) & ~1)  # whole question-answer pairs, a tenth at a time
    sig = hmac.new(key, blob.encode("ascii"), hashlib.sha256).hexdigest()
    return {"v": SAVED_VERSION, "data": blob, "sig": sig}


def browser_secret(key: bytes) -> str:
    """The secret Gradio's ``BrowserState`` encrypts the kept copy with in the browser. It is
    sent to every page (Gradio encrypts in the browser), so it is derived from ``key`` one
    way: it stays the same across restarts without telling anything about the signing key."""
    return hmac.new(key, b"tanya-trafficking browser state", hashlib.sha256).hexdigest()[:32]


def _valid_turn(turn) -> bool:
    return (isinstance(turn, dict) and isinstance(turn.get("question"), str)
            and isinstance(turn.get("answer"), str) and isinstance(turn.get("found"), bool)
            and isinstance(turn.get("sources"), list)
            and all(isinstance(s, dict) for s in turn["sources"]))


def restore_conversation(saved, key: bytes, max_messages: int) -> tuple[list, dict]:
    """(history, turns) from what the browser kept (``saved_conversation``). A copy that is
    not signed with ``key`` (edited, or kept by an earlier run of the server), of another
    format or damaged gives an empty conversation; at most the last ``max_messages`` messages
    come back."""
    try:
        if not isinstance(saved, dict) or saved.get("v") != SAVED_VERSION:
            return [], {}
        blob, sig = saved.get("data"), saved.get("sig")
        if not isinstance(blob, str) or not isinstance(sig, str) or \
                len(blob) > 2 * SAVED_MAX_BYTES:
            return [], {}
        good = hmac.new(key, blob.encode("ascii"), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(good, sig):
            return [], {}
        inflate = zlib.decompressobj()
        raw = inflate.decompress(base64.b64decode(blob, validate=True), SAVED_MAX_INFLATED)
        if inflate.unconsumed_tail:  # larger than any conversation the server writes
            return [], {}
        value = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeError, zlib.error):
        return [], {}
    history, turns = value.get("history"), value.get("turns")
    if not isinstance(history, list) or not isinstance(turns, dict):
        return [], {}
    if not all(isinstance(m, dict) and m.get("role") in ("user", "assistant")
               and isinstance(m.get("content"), str) for m in history):
        return [], {}
    out: dict[int, dict] = {}
    for k, turn in turns.items():
        try:
            i = int(k)
        except (TypeError, ValueError):
            return [], {}
        if not (0 <= i < len(history)) or not _valid_turn(turn):
            return [], {}
        out[i] = turn
    drop = max(0, len(history) - max_messages)
    drop += drop % 2  # whole question-answer pairs
    history = [{"role": m["role"], "content": m["content"]} for m in history[drop:]]
    return history, {i - drop: t for i, t in sorted(out.items()) if i >= drop}


def _md(text: str) -> str:
    """Plain text for Markdown: the characters that would turn into markup are escaped."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", str(text))


def _md_code(name: str) -> str:
    name = display_name(name)
    return f"`{name}`" if "`" not in name else _md(name)


def conversation_markdown(turns: dict, exported_at: datetime | None = None) -> str:
    """The conversation as a Markdown document: per question the answer, each quote with its
    file and page, in the order asked. ``turns``: message index -> the turn the page keeps."""
    when = (exported_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    stamp = ui.DATE_TIME.format(day=when.day, month=ui.MONTHS[when.month - 1], year=when.year,
                                hour=when.hour, minute=when.minute)
    lines = [f"# {ui.EXPORT_TITLE}", "", ui.EXPORT_TIME.format(time=stamp), ""]
    ordered = [t for _, t in sorted((int(i), t) for i, t in (turns or {}).items())]
    if not ordered:
        lines += [ui.EXPORT_EMPTY, ""]
    for n, turn in enumerate(ordered, 1):
        question = " ".join(str(turn.get("question", "")).split())
        lines += [ui.EXPORT_QUESTION.format(n=n, question=_md(question)), ""]
        if turn.get("previous"):
            note = ui.FOLLOW_UP_NOTE.format(previous=" ".join(str(turn["previous"]).split()))
            lines += [f"*{_md(note)}*", ""]
        sources = [s for s in turn.get("sources", []) if isinstance(s, dict)]
        if turn.get("found"):
            if turn.get("short_answer"):
                lines += [f"**{ui.SHORT_ANSWER}** {_md(turn['short_answer'])}", ""]
            lines += [ui.LEAD_FOUND, ""]
        else:
            lines += [ui.TEXT_NOT_FOUND, ""]
            if sources:
                lines += [ui.LEAD_RELATED, ""]
        for i, src in enumerate(sources, 1):
            text = " ".join(str(src.get("text", "")).split())
            page = src.get("page")
            where = ui.PAGE.format(page=page) if page is not None else ui.NO_PAGE
            lines += [f"> «{_md(text)}» [{i}]", ">",
                      f"> — {_md_code(str(src.get('source', '?')))}, {where}", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def export_filename(exported_at: datetime | None = None) -> str:
    """The downloaded file's name: the conversation and when it was exported."""
    when = (exported_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return ui.EXPORT_FILENAME.format(stamp=when.strftime("%Y%m%d-%H%M"))

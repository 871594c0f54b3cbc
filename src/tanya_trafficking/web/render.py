"""The chat's HTML: Jinja2 templates (``templates/*.html``, package data) with autoescape on,
so every value from users, documents or the index is escaped unless a template says ``|safe``
(only ``ui_text`` strings marked ``# HTML`` do). This module only prepares the values: which
parts of a quote are marked (``Answer.highlights``), how far a streamed answer has come, the
passage around each quote.

Templates are written over several lines for reading; ``_OneLineLoader`` joins their lines
(white space around each line dropped), so a chat bubble is one line of HTML: a blank line
would end its HTML block in the Markdown renderer. A space that matters stays inside a line.
Newlines inside values become ``<br>`` (the ``br`` filter).

Also here: the page's static parts (``static/``: style, script, extra ``<head>``, the
password page), read from the package.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from importlib.resources import files
from urllib.parse import quote

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound
from markupsafe import Markup, escape

from .. import ui_text as ui
from ..pipeline import SourceView, source_link
from ..schema import Answer, Span
from ..textnorm import display_name

TEMPLATES = "templates"  # package data folders of tanya_trafficking.web
STATIC = "static"
FOLLOW_UP_NOTE_CHARS = 160  # the previous question is shortened to this in the note


def static_text(name: str) -> str:
    """A file of the package's ``static/`` folder (installed with the package)."""
    return files(__package__).joinpath(STATIC, name).read_text(encoding="utf-8")


class _OneLineLoader(BaseLoader):
    """Templates of the package's ``templates/`` folder, each joined into one line."""

    def get_source(self, environment, name):
        try:
            text = files(__package__).joinpath(TEMPLATES, name).read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError):
            raise TemplateNotFound(name) from None
        return "".join(line.strip() for line in text.splitlines()), None, lambda: True


def _br(text) -> Markup:
    """Escaped text; a newline becomes <br>."""
    return Markup("<br>").join(escape(str(text)).split("\n"))


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=_OneLineLoader(), autoescape=True, undefined=StrictUndefined)
    env.filters["br"] = _br
    env.filters["display_name"] = display_name
    env.globals["ui"] = ui
    return env


def _render(template: str, **values) -> str:
    return str(_env().get_template(template).render(**values))


# --------------------------------------------------------------------------- answers


def _segments(text: str, spans, kinds) -> list[tuple[str, str | None]]:
    """``text`` cut at the spans of the given kinds: (piece, <mark> class or None)."""
    out, pos = [], 0
    for s, e, kind in spans:
        if kind not in kinds or s < pos:
            continue
        out.append((text[pos:s], None))
        out.append((text[s:e], "tt-ans" if kind == "answer" else "tt-term"))
        pos = e
    out.append((text[pos:], None))
    return out


def _highlights(result: Answer) -> tuple[tuple[Span, ...], ...]:
    """``result.highlights``; none marked for an Answer built without them."""
    if len(result.highlights) == len(result.quotes):
        return result.highlights
    return ((),) * len(result.quotes)


def follow_up_note(context: str) -> str:
    """The plain-text note of a follow-up: which previous question the search also used."""
    previous = " ".join(str(context).split())
    if len(previous) > FOLLOW_UP_NOTE_CHARS:
        previous = previous[:FOLLOW_UP_NOTE_CHARS - 1].rstrip() + "…"
    return ui.FOLLOW_UP_NOTE.format(previous=previous)


def answer_html(result: Answer, bot, reveal: int | None = None) -> str:
    """The chat bubble of an answer. ``reveal`` shows only the first characters of the quotes
    (streaming); the "Sumber" block and the buttons come with the complete answer. A
    follow-up's note (``result.context``) stands above the answer. ``bot``: the
    ``pipeline.Bot`` that answered (for the passages around the quotes)."""
    # Not found: nothing in these passages is an answer, so nothing is marked as one.
    kinds = ("answer",) if result.found else ()
    quotes, left = [], reveal
    for q, spans in zip(result.quotes, _highlights(result)):
        if left is not None and left <= 0:
            break
        text = q.text if left is None else q.text[:left]
        shown = [(s, min(e, len(text)), k) for s, e, k in spans if s < len(text)]
        quotes.append({"segments": _segments(text, shown, kinds), "partial": text != q.text,
                       "link": source_link(q)})
        if left is not None:
            left -= len(q.text)
    html = _render("answer.html", result=result, quotes=quotes,
                   note=follow_up_note(result.context) if result.context else None)
    if reveal is None:
        html += sources_html(result, bot) + copy_button(result.text)
    return html


def sources_html(result: Answer, bot) -> str:
    """The expandable "Sumber" block: per quote the marked quote, file, page, and a nested
    block with the whole passage around it."""
    if not result.quotes:
        return ""
    kinds = ("answer", "term") if result.found else ("term",)
    items = []
    for q, spans in zip(result.quotes, _highlights(result)):
        passage = bot.passage(q)
        items.append({
            "file": display_name(q.source),
            "page": ui.PAGE.format(page=q.page) if q.page is not None else ui.NO_PAGE,
            "segments": _segments(q.text, spans, kinds),
            "before": passage.text[:passage.quote_start],
            "inside": passage.text[passage.quote_start:passage.quote_end],
            "after": passage.text[passage.quote_end:],
            "more_before": passage.more_before,
            "more_after": passage.more_after,
            "link": source_link(q),
        })
    title = ui.SOURCES_TITLE if result.found else ui.RELATED_SOURCES_TITLE
    return _render("sources.html", title=title, items=items)


def copy_button(text: str) -> str:
    """"Salin jawaban" and the plain text it copies (hidden; Gradio's HTML sanitizer keeps
    classes but not data- attributes, so the text travels as hidden lines)."""
    return _render("copy.html", lines=text.split("\n"))


def message_html(text: str) -> str:
    """A plain message of the bot (a refused question, an error)."""
    return _render("message.html", text=text)


def thinking_html() -> str:
    return _render("thinking.html")


def user_html(question: str) -> str:
    return _render("question.html", question=question)


# --------------------------------------------------------------------------- source viewer


def source_view_html(view: SourceView, link: str) -> str:
    """The source viewer's content for a quote (``pipeline.Bot.source_view``); ``link`` is the
    quote's ``source_link`` (its page image is ``link + ".png"``)."""
    file = display_name(view.source)
    page = ui.PAGE.format(page=view.page) if view.page is not None else ui.NO_PAGE
    alt = ""
    if view.image is not None:
        alt = (ui.SOURCE_IMAGE_ALT if view.image.located else ui.SOURCE_IMAGE_ALT_PLAIN).format(
            page=view.page, file=file)
    text, s, e = view.text, view.quote_start, view.quote_end
    return _render("source_view.html", view=view, file=file, page=page, alt=alt,
                   image_link=link + ".png",
                   before=text[:s], inside=text[s:e], after=text[e:])


def source_gone_html(text: str = ui.SOURCE_GONE) -> str:
    """The source viewer's content when the live index has no such source (or ``text``)."""
    return _render("source_gone.html", text=text)


def source_error_html() -> str:
    """The source viewer's content when showing the source failed."""
    return source_gone_html(ui.SOURCE_ERROR)


# --------------------------------------------------------------------------- side panel


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
    """The side panel's list of indexed documents, their totals and the skipped files."""
    docs = manifest.get("documents", [])
    counts = manifest.get("counts", {})
    built = manifest.get("built_at")
    totals = ui.TOTALS.format(documents=counts.get("documents", len(docs)),
                              pages=counts.get("pages", 0), chunks=counts.get("chunks", 0))
    # ``key``: the source percent-encoded for the page script (which decodes it), so that no
    # control or bidi character of a file name reaches the HTML, even inside an attribute
    documents = [{"source": d.get("source", "?"), "key": quote(d.get("source", "?"), safe=""),
                  "meta": ui.DOC_META.format(pages=d.get("pages", 0), chunks=d.get("chunks", 0)),
                  "added": (ui.DOC_ADDED.format(time=format_time(d["added"]))
                            if d.get("added") else None),
                  "label": ui.DOC_SCOPE_LABEL.format(name=display_name(d.get("source", "?"))),
                  "confirm": ui.DOC_CONFIRM_DELETE.format(
                      name=display_name(d.get("source", "?")))}
                 for d in docs]
    # the files the build skipped: their reason, and "Hapus" with its own confirmation
    skipped = [{"source": s.get("source", "?"), "key": quote(s.get("source", "?"), safe=""),
                "reason": ui.DOC_SKIPPED_REASON.format(reason=s.get("reason", "")),
                "confirm": ui.DOC_CONFIRM_DELETE_SKIPPED.format(
                    name=display_name(s.get("source", "?")))}
               for s in manifest.get("skipped", [])]
    return _render("documents.html", documents=documents, skipped=skipped,
                   built=str(built), built_text=format_time(built) if built else "",
                   totals=totals)


def document_status_html(text: str, fraction: float | None = None, outcome=None) -> str:
    """The progress of a delete or re-index in the documents panel, or its result
    (``outcome``: a ``pipeline.ChangeOutcome``)."""
    pct = None if fraction is None else max(0, min(100, round(fraction * 100)))
    return _render("document_status.html", text=text, pct=pct, outcome=outcome)


def upload_status_html(text: str, fraction: float | None = None, outcomes=(),
                       eta: str = "") -> str:
    """The upload's progress bar (with the time left, ``eta``, when known), or its final report
    with one line per file. The percentage is rounded down: 100% only when all is done."""
    import math

    pct = None if fraction is None else max(0, min(100, math.floor(fraction * 100 + 1e-9)))
    return _render("upload_status.html", text=text, pct=pct, outcomes=outcomes, eta=eta)


def header_html() -> str:
    """The page's title row (with the button that opens the side panel on a phone)."""
    return _render("header.html")


# --------------------------------------------------------------------------- the server's


def password_page() -> str:
    """The page behind a 401: how to log in."""
    return _render("password.html")


def not_found_html() -> str:
    """The page behind a 404 for a browser: the address does not exist, a link to the chat."""
    return _render("not_found.html")


def login_throttled_html(seconds: int) -> str:
    """The body of a 429: too many wrong passwords, try again in ``seconds``."""
    return _render("login_throttled.html", seconds=seconds)

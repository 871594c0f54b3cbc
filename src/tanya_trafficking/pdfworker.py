"""Rendering a PDF page in a worker process: pdfium (``pypdfium2``) draws the page and finds
the quote's characters on it, in a forked process with the limits of the PDF reader in
``loaders.py`` (``PDF_STEP_TIME_LIMIT_S`` for the page, ``PDF_MEMORY_LIMIT_BYTES`` of address
space on top of what it inherits). A hostile or broken file stops or kills the worker, not the
server; what goes wrong is a reason in Indonesian (``ui_text.REASON_*``).

Like the reader, the worker answers with one JSON message (``sandbox.send_json``), never a
pickle: ``{"result": {"png": base64, "width", "height", "boxes": [[x0, y0, x1, y1], ...]}}``
or ``{"reason": "..."}``. The parent checks its shape; anything else is a broken file.

Only the drawing lives here; where the quote is (``pagematch.py``) and which file may be drawn
(``pageview.page_image``) do not.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import multiprocessing as mp
import os
import time
from typing import BinaryIO

from . import loaders, sandbox
from . import ui_text as ui
from .pagematch import line_boxes, locate

RENDER_WIDTH_PX = 1100  # a page is drawn this wide (A4: 1100 x 1556 pixels) ...
RENDER_MAX_PIXELS = 4_000_000  # ... unless that makes more pixels than this (huge pages)
RENDER_MAX_SCALE = 4.0  # and no more than 4 pixels per point (tiny pages)
# The quote's lines are multiplied by this yellow: white paper turns yellow, the ink stays dark
# (a semi-transparent marker that does not wash out the text).
HIGHLIGHT_RGB = (255, 222, 100)
PNG_MAX_BYTES = 24 * 1024 * 1024  # a message larger than this is refused


def render_scale(width_pt: float, height_pt: float) -> float:
    """Pixels per point for a page of this size: RENDER_WIDTH_PX wide, within the pixel cap."""
    if width_pt <= 0 or height_pt <= 0:
        raise loaders.PdfUnreadable(ui.REASON_BROKEN)
    scale = min(RENDER_WIDTH_PX / width_pt, RENDER_MAX_SCALE,
                math.sqrt(RENDER_MAX_PIXELS / (width_pt * height_pt)))
    return max(scale, 1e-3)


def draw_page(stream: BinaryIO, page_number: int, quote: str, hint: float) -> dict:
    """Page ``page_number`` (1-based) of the PDF in ``stream`` as PNG bytes with ``quote``'s
    lines covered by highlight boxes (none when it is not found). Runs in the worker."""
    import ctypes
    import io

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw
    from PIL import Image, ImageChops, ImageDraw

    pdf = pdfium.PdfDocument(stream)
    if not 1 <= page_number <= len(pdf):
        raise loaders.PdfUnreadable(ui.REASON_BROKEN)
    page = pdf[page_number - 1]
    scale = render_scale(*page.get_size())
    bitmap = page.render(scale=scale)
    image = bitmap.to_pil().convert("RGB")
    width, height = image.size

    textpage = page.get_textpage()
    count = textpage.count_chars()
    chars = "".join(chr(raw.FPDFText_GetUnicode(textpage.raw, i) or 0xFFFD)
                    for i in range(max(0, count)))
    boxes = []
    span = locate(chars, quote, hint)
    if span is not None:
        dx, dy = ctypes.c_int(), ctypes.c_int()

        def device(x: float, y: float) -> tuple[int, int]:
            raw.FPDF_PageToDevice(page.raw, 0, 0, width, height, 0, x, y,
                                  ctypes.byref(dx), ctypes.byref(dy))
            return dx.value, dy.value

        chars_boxes = []
        for i in range(*span):
            if chars[i].isspace() or not chars[i].isprintable():
                continue
            left, bottom, right, top = textpage.get_charbox(i)
            (x0, y0), (x1, y1) = device(left, top), device(right, bottom)
            chars_boxes.append((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
        for x0, y0, x1, y1 in line_boxes(chars_boxes):
            x0, y0 = max(0, round(x0)), max(0, round(y0))
            x1, y1 = min(width, round(x1)), min(height, round(y1))
            if x1 > x0 and y1 > y0:
                boxes.append([x0, y0, x1, y1])
    if boxes:
        overlay = Image.new("RGB", image.size, (255, 255, 255))
        draw = ImageDraw.Draw(overlay)
        for x0, y0, x1, y1 in boxes:
            draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=HIGHLIGHT_RGB)
        image = ImageChops.multiply(image, overlay)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return {"png": base64.b64encode(out.getvalue()).decode("ascii"), "width": width,
            "height": height, "boxes": boxes}


def reason_for(error: BaseException) -> str:
    """The Indonesian reason for an exception raised while drawing a page."""
    if isinstance(error, loaders.PdfUnreadable):
        return error.reason
    if isinstance(error, MemoryError):
        return ui.REASON_TOO_BIG
    if isinstance(error, RecursionError):
        return ui.REASON_NESTED
    if "password" in str(error).lower():  # pdfium: "Incorrect password error"
        return ui.REASON_ENCRYPTED
    return ui.REASON_BROKEN


def _render_worker(fd: int, page_number: int, quote: str, hint: float, conn) -> None:
    """The forked worker: one message, the page or the reason it cannot be drawn."""
    sandbox.limit_memory(loaders.PDF_MEMORY_LIMIT_BYTES)
    try:
        with os.fdopen(os.dup(fd), "rb") as stream:
            stream.seek(0)
            message = {"result": draw_page(stream, page_number, quote, hint)}
    except Exception as e:  # noqa: BLE001 - whatever a hostile file raises becomes a reason
        message = {"reason": reason_for(e)}
    with contextlib.suppress(Exception):  # out of memory even for this: the parent sees EOF
        sandbox.send_json(conn, message)
    conn.close()


def _result(data: bytes) -> dict | str:
    """The worker's message checked: the page (PNG bytes decoded) or a reason string."""
    try:
        message = json.loads(data.decode("utf-8"))
    except ValueError:
        return ui.REASON_BROKEN
    if isinstance(message, dict) and isinstance(message.get("reason"), str):
        return message["reason"]
    page = message.get("result") if isinstance(message, dict) else None
    try:
        png = base64.b64decode(page["png"], validate=True)
        width, height = int(page["width"]), int(page["height"])
        boxes = [[float(v) for v in box] for box in page["boxes"]]
    except (TypeError, KeyError, ValueError):
        return ui.REASON_BROKEN
    if (not png.startswith(b"\x89PNG\r\n\x1a\n") or width <= 0 or height <= 0
            or any(len(b) != 4 for b in boxes)):
        return ui.REASON_BROKEN
    return {"png": png, "width": width, "height": height, "boxes": boxes}


def render_page(fd: int, page_number: int, quote: str, hint: float = 0.0) -> dict | str:
    """Page ``page_number`` of the PDF open as ``fd``, drawn by the limited worker with
    ``quote`` highlighted: ``{"png": bytes, "width", "height", "boxes"}``, or a reason string.
    The worker is killed after ``loaders.PDF_STEP_TIME_LIMIT_S``."""
    # Imported here, before the fork, not by the child of a threaded server (an import lock
    # another thread holds at the fork would stay held in the child).
    import ctypes  # noqa: F401
    import io  # noqa: F401

    import PIL.Image  # noqa: F401
    import PIL.ImageChops  # noqa: F401
    import PIL.ImageDraw  # noqa: F401
    import pypdfium2  # noqa: F401
    import pypdfium2.raw  # noqa: F401

    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_render_worker, args=(fd, page_number, quote, hint, send),
                       daemon=True)
    proc.start()
    send.close()
    limit = loaders.PDF_STEP_TIME_LIMIT_S
    deadline = time.monotonic() + limit
    try:
        if not recv.poll(max(0.0, deadline - time.monotonic())):
            return ui.REASON_PDF_STUCK.format(seconds=limit)
        try:
            data = recv.recv_bytes(maxlength=PNG_MAX_BYTES * 2)
        except EOFError:  # the worker died without a word (killed, crashed)
            proc.join(5)
            return sandbox.reason_died(proc.exitcode)
        except OSError:  # longer than maxlength
            return ui.REASON_TOO_BIG
        return _result(data)
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        recv.close()

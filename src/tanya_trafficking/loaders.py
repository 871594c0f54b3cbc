"""Turn corpus files into cleaned ``Document``s, or into ``Skipped`` records with a reason.

* ``.txt`` / ``.md``: bytes decoded by ``textnorm.decode_bytes`` (UTF-8, BOM, UTF-16, cp1252,
  latin-1), one page with ``number=None``. Binary data under a text name (a renamed image, say)
  is refused rather than indexed as mojibake.
* ``.pdf``: the text layer, read with pypdf, one ``Page`` per PDF page (1-based numbers kept).
  pypdf runs in a forked worker process with time limits and an address-space limit, so a
  malicious or broken PDF (infinite loop, decompression bomb, deep recursion) kills or stops the
  worker, not the rebuild.

A file that cannot be used is never fatal: it becomes a ``Skipped(source, reason)`` with the
reason in Indonesian, and the rest of the corpus is indexed. Reasons start with one of
"kosong", "rusak", "terenkripsi", "tidak ada lapisan teks" or "tidak bisa dibaca".
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

from .schema import Document, Page, Skipped
from .textnorm import clean, decode_bytes

SUPPORTED = {".txt", ".md", ".pdf"}

# Limits of the PDF worker (module constants: change them here, or set them before a build).
# A legitimate page takes milliseconds (about 10 ms for a dense 4,000-character page on a 2-core
# machine, 30 ms when it is busy), so a file that spends seconds opening or on one page is
# hostile or broken: it is stopped after PDF_STEP_TIME_LIMIT_S rather than the whole
# PDF_TIME_LIMIT_S, which still admits documents of a few thousand pages. The memory limit is
# the address space the worker may add to what it inherited from the process that forked it (an
# absolute limit would starve a worker forked from a process that already maps a lot, such as
# the web app with its model loaded).
PDF_STEP_TIME_LIMIT_S = 10.0  # opening the file, or extracting one page
PDF_TIME_LIMIT_S = 60.0  # the whole file
PDF_MEMORY_LIMIT_BYTES = 2 * 1024**3

REASON_EMPTY = "kosong: tidak ada teks"
REASON_ENCRYPTED = "terenkripsi: butuh kata sandi"
REASON_NO_TEXT = "tidak ada lapisan teks, perlu OCR"
REASON_BROKEN = "rusak: tidak bisa dibaca sebagai PDF"
REASON_NOT_PDF = "rusak: bukan berkas PDF"
REASON_NOT_TEXT = "rusak: bukan berkas teks (isinya data biner)"
REASON_NESTED = "rusak: struktur PDF bersarang terlalu dalam"
REASON_LIMIT = "rusak: isi PDF melewati batas ukuran (kemungkinan bom dekompresi)"
REASON_TOO_BIG = "rusak: pembacaan PDF melewati batas memori"
REASON_UNREADABLE = "tidak bisa dibaca"


def find_files(corpus: Path) -> list[Path]:
    """Supported files anywhere below ``corpus``, sorted; hidden files and folders ignored."""
    found = []
    for p in sorted(corpus.rglob("*")):
        rel = p.relative_to(corpus)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if p.is_file() and p.suffix.lower() in SUPPORTED:
            found.append(p)
    return found


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_name(path: Path, corpus: Path) -> str:
    return path.relative_to(corpus).as_posix()


def load_file(path: Path, corpus: Path) -> Document | Skipped:
    source = source_name(path, corpus)
    try:
        data = path.read_bytes()
    except OSError as e:
        return Skipped(source, f"{REASON_UNREADABLE} ({e.strerror or e})")
    sha = hashlib.sha256(data).hexdigest()
    is_pdf = path.suffix.lower() == ".pdf"
    if is_pdf:
        result = _read_pdf_in_worker(path)
        if isinstance(result, str):
            return Skipped(source, result)
        raw_pages = result
    else:
        text = decode_bytes(data)
        if _looks_binary(text):
            return Skipped(source, REASON_NOT_TEXT)
        raw_pages = [(None, text)]
    pages = tuple(Page(number, clean(text)) for number, text in raw_pages)
    pages = tuple(p for p in pages if p.text.strip())
    if not pages:
        return Skipped(source, REASON_NO_TEXT if is_pdf and raw_pages else REASON_EMPTY)
    return Document(source=source, sha256=sha, pages=pages)


def load_corpus(corpus: Path) -> Iterator[Document | Skipped]:
    for path in find_files(corpus):
        yield load_file(path, corpus)


def _looks_binary(text: str) -> bool:
    """More than 5% control characters (other than whitespace): not a text file."""
    controls = sum(1 for ch in text if (ch < " " and ch not in "\t\n\r\f\v") or ch == "\x7f")
    return controls * 20 > len(text)


# --- PDF ---------------------------------------------------------------------------------


class PdfUnreadable(Exception):
    """A PDF that cannot be used; ``reason`` says why (Indonesian)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def read_pdf_pages(path: Path) -> Iterator[tuple[int, str]]:
    """pypdf's text layer, page by page: (1-based number, text). Raises on an unusable file;
    ``reason_for`` turns the exception into a reason. Runs in the worker."""
    from pypdf import PdfReader

    with open(path, "rb") as f:
        head = f.read(1024)
    if not head.strip():
        raise PdfUnreadable(REASON_EMPTY)
    if b"%PDF-" not in head:  # the header may follow up to 1 KiB of junk
        raise PdfUnreadable(REASON_NOT_PDF)
    reader = PdfReader(str(path))
    if reader.is_encrypted and not reader.decrypt(""):  # an empty user password opens it
        raise PdfUnreadable(REASON_ENCRYPTED)
    for number, page in enumerate(reader.pages, start=1):
        yield number, page.extract_text() or ""


def reason_for(error: BaseException) -> str:
    """The Indonesian reason for an exception raised while reading a PDF.

    pypdf raises ``PyPdfError`` subclasses, but ``DependencyError`` (a missing crypto library)
    is not one of them; a hostile file can also raise RecursionError, MemoryError or any of
    the usual built-in errors from deep inside the parser.
    """
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError

    if isinstance(error, PdfUnreadable):
        return error.reason
    if isinstance(error, FileNotDecryptedError):
        return REASON_ENCRYPTED
    if isinstance(error, DependencyError):
        if "crypt" in str(error).lower() or "aes" in str(error).lower():
            return (f"terenkripsi: pustaka dekripsinya belum terpasang (pasang pypdf[crypto]; "
                    f"{error})")
        return f"{REASON_BROKEN} ({error})"
    if isinstance(error, LimitReachedError):  # pypdf's own guards: sizes, counts, depth
        return REASON_NESTED if "depth" in str(error).lower() else REASON_LIMIT
    if isinstance(error, MemoryError):
        return REASON_TOO_BIG
    if isinstance(error, RecursionError):
        return REASON_NESTED
    return REASON_BROKEN


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at what it maps now plus ``extra`` bytes (Linux)."""
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = mapped + extra
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        pass  # no /proc or no rlimits: the time limits still hold


def _pdf_worker(path: str, conn) -> None:
    """The forked worker: send each page, then ``None`` when done, or a reason string."""
    _limit_memory(PDF_MEMORY_LIMIT_BYTES)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # the reason is reported instead
    try:
        for page in read_pdf_pages(Path(path)):
            conn.send(page)
        message = None
    except Exception as e:  # noqa: BLE001 - whatever a hostile file raises becomes a reason
        message = reason_for(e)
    with contextlib.suppress(Exception):  # out of memory even for this: the parent sees EOF
        conn.send(message)
    conn.close()


def _reason_died(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        return f"rusak: pembaca PDF dihentikan paksa (sinyal {name})"
    return f"rusak: pembaca PDF berhenti tanpa hasil (kode keluar {exitcode})"


def _read_pdf_in_worker(path: Path) -> list[tuple[int, str]] | str:
    """The pages of a PDF read in a forked worker, or a reason string.

    The worker sends one message per page; it is killed when one step (opening, or one page)
    takes longer than PDF_STEP_TIME_LIMIT_S or the file longer than PDF_TIME_LIMIT_S.
    """
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_pdf_worker, args=(str(path), send), daemon=True)
    proc.start()
    send.close()
    deadline = time.monotonic() + PDF_TIME_LIMIT_S
    pages: list[tuple[int, str]] = []
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not recv.poll(min(PDF_STEP_TIME_LIMIT_S, left)):
                if left <= PDF_STEP_TIME_LIMIT_S:
                    return f"rusak: pembacaan PDF melewati batas waktu {PDF_TIME_LIMIT_S:g} detik"
                return (f"rusak: pembacaan PDF macet (satu langkah lebih dari "
                        f"{PDF_STEP_TIME_LIMIT_S:g} detik)")
            try:
                message = recv.recv()
            except EOFError:  # the worker died without a word (killed, crashed)
                proc.join(5)
                return _reason_died(proc.exitcode)
            if message is None:
                return pages
            if isinstance(message, str):
                return message
            pages.append(message)
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        recv.close()

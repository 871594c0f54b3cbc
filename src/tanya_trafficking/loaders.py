"""Turn corpus files into cleaned ``Document``s, or into ``Skipped`` records with a reason.

* ``.txt`` / ``.md``: bytes decoded by ``textnorm.decode_bytes`` (UTF-8, BOM, UTF-16, cp1252,
  latin-1), one page with ``number=None``. Binary data under a text name (a renamed image, say)
  is refused rather than indexed as mojibake.
* ``.pdf``: the text layer, read with pypdf, one ``Page`` per PDF page (1-based numbers kept),
  without its page furniture (running headers and footers, page numbers: ``furniture.py``),
  which is removed before cleaning so that no stored page text, and no quote, holds it.
  pypdf runs in a forked worker process with time limits and an address-space limit, so a
  malicious or broken PDF (infinite loop, decompression bomb, deep recursion) kills or stops the
  worker, not the rebuild. The worker sends its pages as JSON, never as pickles.

The corpus scan (``list_corpus``) never leaves the corpus folder: a symbolic link is followed
only when its resolved target stays inside it; links leading out, broken or looping links and
special files (FIFOs, devices, sockets) become ``Skipped`` records without being opened. Sizes
are checked with ``fstat`` before anything is read (``MAX_TEXT_BYTES``, ``PDF_MAX_BYTES``) and
the page count before any page is extracted (``PDF_MAX_PAGES``).

A file that cannot be used is never fatal: it becomes a ``Skipped(source, reason)`` with the
reason in Indonesian (``ui_text.REASON_*``), and the rest of the corpus is indexed.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import multiprocessing as mp
import os
import signal
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from . import ui_text as ui
from .furniture import strip_furniture
from .sandbox import limit_memory, reason_died, send_json
from .schema import Document, Page, Skipped
from .textnorm import clean, decode_bytes

SUPPORTED = {".txt", ".md", ".pdf"}

# The version of the rules that turn a file into page text (this module, ``furniture.py`` and
# ``textnorm.clean``). An index records it; an index of another version is stale, and its files
# are read again (chunks whose text did not change keep their vectors). Raise it whenever a
# change to those rules can change the text a file yields.
READING_VERSION = 4

# Size limits, checked with fstat before a byte is read. Text: the web upload limit, one constant
# for both (pipeline.UPLOAD_MAX_BYTES is this one). 20 MB of text is about 40,000 chunks; reading
# and cleaning it takes about 9 s and 320 MB (measured on 2 cores), so the limit also bounds a
# rebuild's memory. PDF: 100 MB admits long reports with scanned figures (the text layer is a
# small part of such files); 2,000 pages is what PDF_TIME_LIMIT_S admits at 30 ms a page on a
# busy 2-core machine, and ten times a long legal report. The page count is read from the page
# tree before any page is extracted.
MAX_TEXT_BYTES = 20 * 1024 * 1024
PDF_MAX_BYTES = 100 * 1024 * 1024
PDF_MAX_PAGES = 2_000

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

def os_error_reason(error: OSError) -> str:
    """The Indonesian reason for an OSError met while reading a file."""
    return ui.REASON_UNREADABLE.format(reason=ui.os_reason(error))


def reason_too_big(size: int, limit: int) -> str:
    return ui.REASON_FILE_TOO_BIG.format(size=ui.megabytes(size), limit=ui.megabytes(limit))


def reason_too_many_pages(pages: int, limit: int) -> str:
    return ui.REASON_TOO_MANY_PAGES.format(pages=ui.number(pages), limit=ui.number(limit))


# --- finding corpus files -------------------------------------------------------------------


def _inside(target: Path, root: Path) -> bool:
    return target == root or root in target.parents


def _link_target(path: Path, root: Path) -> Path | str:
    """The resolved target of the link ``path``, or the reason it is not followed."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13: "Symlink loop from ..."
        return ui.REASON_LINK_LOOP
    except OSError as e:
        if e.errno == errno.ELOOP:
            return ui.REASON_LINK_LOOP
        if e.errno in (errno.ENOENT, errno.ENOTDIR):
            return ui.REASON_LINK_BROKEN
        return os_error_reason(e)
    return target if _inside(target, root) else ui.REASON_LINK_OUTSIDE


def _may_be_corpus_entry(name: str) -> bool:
    """A name the scan reports when it cannot be used: a supported file, or maybe a folder."""
    suffix = Path(name).suffix.lower()
    return not suffix or suffix in SUPPORTED


def list_corpus(corpus: Path) -> tuple[list[Path], list[Skipped]]:
    """The supported files below ``corpus`` (sorted) and the entries refused without reading.

    Hidden files and folders and unsupported names are ignored. A symbolic link (to a file or
    a folder) is followed only when its resolved target stays inside ``corpus``; a link out of
    it, a broken link, a link to itself or to a folder above it, and a FIFO, device or socket
    under a supported name become ``Skipped`` records. Each link's target folder is walked at
    most once, so no arrangement of links makes the scan loop or blow up.
    """
    root = corpus.resolve()
    files: list[Path] = []
    refused: list[Skipped] = []
    linked: set[Path] = set()

    def walk(folder: Path, real: Path, chain: tuple[Path, ...]) -> None:
        try:
            names = sorted(os.listdir(folder))
        except OSError as e:
            if folder != corpus:
                refused.append(Skipped(source_name(folder, corpus), os_error_reason(e)))
            return
        for name in names:
            if name.startswith("."):
                continue
            path = folder / name
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue  # gone since the listing
            if stat.S_ISLNK(mode):
                target = _link_target(path, root)
                if isinstance(target, str):
                    if _may_be_corpus_entry(name) or os.path.isdir(path):
                        refused.append(Skipped(source_name(path, corpus), target))
                    continue
                try:
                    mode = os.stat(target).st_mode
                except OSError:
                    continue  # gone since the listing
                if stat.S_ISDIR(mode):
                    if target in chain:
                        refused.append(Skipped(source_name(path, corpus), ui.REASON_LINK_LOOP))
                    elif target in linked:
                        refused.append(Skipped(source_name(path, corpus), ui.REASON_LINK_REPEAT))
                    else:
                        linked.add(target)
                        walk(path, target, (*chain, target))
                    continue
            elif stat.S_ISDIR(mode):
                walk(path, real / name, (*chain, real / name))
                continue
            if Path(name).suffix.lower() not in SUPPORTED:
                continue
            if stat.S_ISREG(mode):
                files.append(path)
            else:
                refused.append(Skipped(source_name(path, corpus), ui.REASON_NOT_REGULAR))

    walk(corpus, root, (root,))
    files.sort(key=lambda p: p.relative_to(corpus).parts)
    refused.sort(key=lambda s: Path(s.source).parts)
    return files, refused


def find_files(corpus: Path) -> list[Path]:
    """Supported regular files anywhere below ``corpus``, sorted (``list_corpus``)."""
    return list_corpus(corpus)[0]


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return stream_sha256(f)


def stream_sha256(f: BinaryIO) -> str:
    h = hashlib.sha256()
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
    return h.hexdigest()


def source_name(path: Path, corpus: Path) -> str:
    return path.relative_to(corpus).as_posix()


class Refused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def open_checked(path: Path, corpus: Path) -> BinaryIO:
    """``path`` opened for reading, once it is known to be a regular file inside ``corpus``
    (raises ``Refused`` otherwise). The open does not block on a FIFO, and the type is
    checked on the opened file, so a file swapped after the check is still caught."""
    target = _link_target(path, corpus.resolve())  # any folder on the way may be a link
    if target == ui.REASON_LINK_BROKEN and not path.is_symlink():  # a plain file, gone
        raise Refused(os_error_reason(FileNotFoundError(errno.ENOENT, "")))
    if isinstance(target, str):
        raise Refused(target)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused(ui.REASON_NOT_REGULAR)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def load_file(path: Path, corpus: Path,
              on_page: Callable[[int, int], None] | None = None) -> Document | Skipped:
    """The file's pages, or why it is skipped. ``on_page(done, total)`` is called as pages are
    read (progress: ``progress.py``); a text file is one page."""
    source = source_name(path, corpus)
    is_pdf = path.suffix.lower() == ".pdf"
    limit = PDF_MAX_BYTES if is_pdf else MAX_TEXT_BYTES
    try:
        with open_checked(path, corpus) as f:
            size = os.fstat(f.fileno()).st_size
            if size > limit:
                return Skipped(source, reason_too_big(size, limit))
            if is_pdf:
                sha = stream_sha256(f)
                result = _read_pdf_in_worker(f.fileno(), on_page)
                if isinstance(result, str):
                    return Skipped(source, result)
                raw_pages = strip_furniture(result)
            else:
                data = f.read(limit + 1)  # never more, even if the file grew since fstat
                if len(data) > limit:
                    return Skipped(source, reason_too_big(len(data), limit))
                sha = hashlib.sha256(data).hexdigest()
                text = decode_bytes(data)
                del data
                if _looks_binary(text):
                    return Skipped(source, ui.REASON_NOT_TEXT)
                raw_pages = [(None, text)]
                if on_page:
                    on_page(1, 1)
    except Refused as e:
        return Skipped(source, e.reason)
    except OSError as e:
        return Skipped(source, os_error_reason(e))
    pages = tuple(Page(number, clean(text)) for number, text in raw_pages)
    pages = tuple(p for p in pages if p.text.strip())
    if not pages:
        return Skipped(source, ui.REASON_NO_TEXT if is_pdf and raw_pages else ui.REASON_EMPTY)
    return Document(source=source, sha256=sha, pages=pages)


def load_corpus(corpus: Path) -> Iterator[Document | Skipped]:
    """Every corpus entry in name order: a Document, or a Skipped with its reason."""
    files, refused = list_corpus(corpus)
    entries: list[Path | Skipped] = [*files, *refused]
    entries.sort(key=lambda e: Path(e.source if isinstance(e, Skipped)
                                    else source_name(e, corpus)).parts)
    for entry in entries:
        yield entry if isinstance(entry, Skipped) else load_file(entry, corpus)


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


def read_pdf_pages(stream: BinaryIO,
                   on_count: Callable[[int], None] | None = None) -> Iterator[tuple[int, str]]:
    """pypdf's text layer, page by page: (1-based number, text). Raises on an unusable file;
    ``reason_for`` turns the exception into a reason. Runs in the worker. ``on_count`` hears
    the page count before the first page."""
    from pypdf import PdfReader

    head = stream.read(1024)
    stream.seek(0)
    if not head.strip():
        raise PdfUnreadable(ui.REASON_EMPTY)
    if b"%PDF-" not in head:  # the header may follow up to 1 KiB of junk
        raise PdfUnreadable(ui.REASON_NOT_PDF)
    reader = PdfReader(stream)
    if reader.is_encrypted and not reader.decrypt(""):  # an empty user password opens it
        raise PdfUnreadable(ui.REASON_ENCRYPTED)
    declared = _declared_pages(reader)
    if declared > PDF_MAX_PAGES:
        raise PdfUnreadable(reason_too_many_pages(declared, PDF_MAX_PAGES))
    count = len(reader.pages)  # the page tree walked: /Count may lie
    if count > PDF_MAX_PAGES:
        raise PdfUnreadable(reason_too_many_pages(count, PDF_MAX_PAGES))
    if on_count:
        on_count(count)
    for number, page in enumerate(reader.pages, start=1):
        yield number, page.extract_text() or ""


def _declared_pages(reader) -> int:
    """The page count the root of the page tree declares (/Count), read without walking the
    tree. pypdf refuses arrays of more than 100,000 items, so a flat tree of 200,000 pages
    could not even be opened to count them: the catalog and the tree's root are read with a
    larger array limit (bounded: the file is at most PDF_MAX_BYTES, and the worker's time and
    memory limits hold)."""
    try:
        from pypdf import apply_configuration, get_configuration

        wider = apply_configuration(array_maximum_element_count=PDF_MAX_BYTES // 2) \
            if hasattr(get_configuration(), "array_maximum_element_count") \
            else contextlib.nullcontext()
    except ImportError:  # pypdf < 6.18: no configurable array limit
        wider = contextlib.nullcontext()
    try:
        with wider:
            return int(reader.trailer["/Root"]["/Pages"].get("/Count", 0))
    except (KeyError, TypeError, ValueError, AttributeError):  # odd tree: pages are counted
        return 0


def reason_for(error: BaseException) -> str:
    """The Indonesian reason for an exception raised while reading a PDF.

    pypdf raises ``PyPdfError`` subclasses, but ``DependencyError`` (a missing crypto library)
    is not one of them; a hostile file can also raise RecursionError, MemoryError or any of
    the usual built-in errors from deep inside the parser. The exception's own text (English,
    Python's) is never part of the reason.
    """
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError

    if isinstance(error, PdfUnreadable):
        return error.reason
    if isinstance(error, FileNotDecryptedError):
        return ui.REASON_ENCRYPTED
    if isinstance(error, DependencyError):
        text = str(error).lower()
        return ui.REASON_NO_CRYPTO if "crypt" in text or "aes" in text else ui.REASON_BROKEN
    if isinstance(error, LimitReachedError):  # pypdf's own guards: sizes, counts, depth
        text = str(error).lower()
        if "depth" in text:
            return ui.REASON_NESTED
        return ui.REASON_LIMIT if "decompress" in text or "output length" in text \
            else ui.REASON_STRUCTURE
    if isinstance(error, MemoryError):
        return ui.REASON_TOO_BIG
    if isinstance(error, RecursionError):
        return ui.REASON_NESTED
    return ui.REASON_BROKEN


def _pdf_worker(fd: int, conn) -> None:
    """The forked worker: send the page count (``{"pages": n}``), each page, then ``None`` when
    done, or a reason string. ``fd``
    is the parent's open file (inherited by the fork), so the file checked is the file read."""
    limit_memory(PDF_MEMORY_LIMIT_BYTES)
    # Ctrl-C in the terminal reaches the whole process group: the parent stops, and ends this
    # worker (a daemon) itself; no KeyboardInterrupt traceback from here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # the reason is reported instead
    try:
        with os.fdopen(os.dup(fd), "rb") as stream:
            stream.seek(0)
            for page in read_pdf_pages(stream, lambda n: send_json(conn, {"pages": n})):
                send_json(conn, page)
        message = None
    except Exception as e:  # noqa: BLE001 - whatever a hostile file raises becomes a reason
        message = reason_for(e)
    with contextlib.suppress(Exception):  # out of memory even for this: the parent sees EOF
        send_json(conn, message)
    conn.close()


def _page_message(data: bytes) -> tuple[int, str] | int | str | None:
    """A worker's message: a page (number, text), the page count (int), None when done, or a
    reason string; anything else is a broken file."""
    try:
        message = json.loads(data.decode("utf-8"))
    except ValueError:
        return ui.REASON_BROKEN
    if message is None or isinstance(message, str):
        return message
    if isinstance(message, dict) and list(message) == ["pages"] and \
            type(message["pages"]) is int and message["pages"] >= 0:
        return message["pages"]
    if (isinstance(message, list) and len(message) == 2 and isinstance(message[0], int)
            and isinstance(message[1], str)):
        return message[0], message[1]
    return ui.REASON_BROKEN


def _read_pdf_in_worker(fd: int, on_page: Callable[[int, int], None] | None = None
                        ) -> list[tuple[int, str]] | str:
    """The pages of the PDF open as ``fd``, read in a forked worker, or a reason string.

    The worker sends one message per page; it is killed when one step (opening, or one page)
    takes longer than PDF_STEP_TIME_LIMIT_S or the file longer than PDF_TIME_LIMIT_S.
    ``on_page(done, total)`` hears every page read.
    """
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_pdf_worker, args=(fd, send), daemon=True)
    proc.start()
    send.close()
    deadline = time.monotonic() + PDF_TIME_LIMIT_S
    pages: list[tuple[int, str]] = []
    count = 0
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not recv.poll(min(PDF_STEP_TIME_LIMIT_S, left)):
                if left <= PDF_STEP_TIME_LIMIT_S:
                    return ui.REASON_PDF_TIMEOUT.format(seconds=PDF_TIME_LIMIT_S)
                return ui.REASON_PDF_STUCK.format(seconds=PDF_STEP_TIME_LIMIT_S)
            try:
                message = _page_message(recv.recv_bytes())
            except EOFError:  # the worker died without a word (killed, crashed)
                proc.join(5)
                return reason_died(proc.exitcode)
            if message is None:
                return pages
            if isinstance(message, str):
                return message
            if isinstance(message, int):
                count = message
                if on_page:
                    on_page(0, count)
                continue
            pages.append(message)
            if on_page:
                on_page(len(pages), max(count, len(pages)))
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        recv.close()

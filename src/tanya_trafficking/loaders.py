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
# A legitimate page takes milliseconds (about 30 ms for a dense page on a 2-core machine), so a
# file that spends seconds opening or on one page is hostile or broken: it is stopped after
# PDF_STEP_TIME_LIMIT_S instead of the whole PDF_TIME_LIMIT_S, which bounds big documents
# (about 1,800 dense pages). The memory limit is the address space the worker may add to what
# it inherited from the process that forked it (an absolute limit would starve a worker forked
# from a process that already maps a lot, such as the web app with its model loaded).
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
    if path.suffix.lower() == ".pdf":
        result = _read_pdf_in_worker(path)
        if isinstance(result, str):
            return Skipped(source, result)
        raw_pages = result
    else:
        raw_pages = [(None, decode_bytes(data))]
    pages = tuple(Page(number, clean(text)) for number, text in raw_pages)
    pages = tuple(p for p in pages if p.text.strip())
    if not pages:
        reason = REASON_NO_TEXT if path.suffix.lower() == ".pdf" and raw_pages else REASON_EMPTY
        return Skipped(source, reason)
    return Document(source=source, sha256=sha, pages=pages)


def load_corpus(corpus: Path) -> Iterator[Document | Skipped]:
    for path in find_files(corpus):
        yield load_file(path, corpus)


# --- PDF ---------------------------------------------------------------------------------


def read_pdf_pages(path: Path) -> list[tuple[int, str]] | str:
    """pypdf's text layer, page by page; a reason string (Indonesian) when it cannot be read.

    Runs in the worker. Catches pypdf's ``PyPdfError`` and ``DependencyError`` (which is not
    a subclass of it) and the usual backstops of a parser fed hostile bytes.
    """
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    try:
        with open(path, "rb") as f:
            head = f.read(1024)
        if not head.strip():
            return REASON_EMPTY
        if not head.lstrip().startswith(b"%PDF-"):
            return REASON_BROKEN + " (bukan berkas PDF)"
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    return REASON_ENCRYPTED
            except (FileNotDecryptedError, DependencyError, NotImplementedError):
                return REASON_ENCRYPTED
        pages = []
        for i, page in enumerate(reader.pages, start=1):
            pages.append((i, page.extract_text() or ""))
        return pages
    except FileNotDecryptedError:
        return REASON_ENCRYPTED
    except DependencyError as e:
        return f"{REASON_ENCRYPTED} ({e})" if "crypt" in str(e).lower() else REASON_BROKEN
    except MemoryError:
        return REASON_TOO_BIG
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError,
            AssertionError, RecursionError, OSError, UnicodeError, ZeroDivisionError):
        return REASON_BROKEN


def _pdf_worker(path: str, conn) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (PDF_MEMORY_LIMIT_BYTES, PDF_MEMORY_LIMIT_BYTES))
    except (ImportError, ValueError, OSError):
        pass
    try:
        conn.send(read_pdf_pages(Path(path)))
    except MemoryError:
        conn.send(REASON_TOO_BIG)
    except Exception:  # noqa: BLE001 - last backstop: a hostile file must not crash a rebuild
        conn.send(REASON_BROKEN)
    finally:
        conn.close()


def _read_pdf_in_worker(path: Path) -> list[tuple[int, str]] | str:
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_pdf_worker, args=(str(path), send), daemon=True)
    proc.start()
    send.close()
    try:
        if recv.poll(PDF_TIME_LIMIT_S):
            try:
                result = recv.recv()
            except EOFError:  # the worker died (killed by the memory limit, say)
                result = REASON_TOO_BIG
        else:
            result = REASON_TIMEOUT
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        recv.close()
    return result

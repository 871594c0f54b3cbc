"""A child process that reads an untrusted file (a PDF's text for ``loaders.py``, a page's
picture for ``pdfworker.py``): its address space capped, its messages JSON bytes over a pipe
(the parent never unpickles what a process that parsed a hostile file sends; docs/security.md),
and the Indonesian reason when it died without a word."""

from __future__ import annotations

import json
import os
import signal

from . import ui_text as ui


def limit_memory(extra: int) -> None:
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


def send_json(conn, message) -> None:
    """One message to the parent as JSON bytes: the parent never unpickles what a process
    that parses a hostile file sends (docs/security.md: nothing is read with pickle)."""
    conn.send_bytes(json.dumps(message, ensure_ascii=False).encode("utf-8"))


def reason_died(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        return ui.REASON_PDF_KILLED.format(signal=name)
    return ui.REASON_PDF_DIED.format(code=exitcode)

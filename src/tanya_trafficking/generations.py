"""Which generation of ``index/`` is live: the pointer files, the generation folders, the lock.

``CURRENT`` names the live generation and ``PREVIOUS`` its fallback(s), one ``gen-…`` name a
line, each replaced atomically (``write_pointer``: temp file, fsync, rename). A pointer names a
generation only by a plain ``gen-…`` name: anything else (bytes that are not text, a path such
as ``../x``) is reported as a damaged pointer, never followed. ``load_candidates`` gives the
order loading tries: the live one, the fallbacks, then every other generation on disk, newest
first. ``rebuild_lock`` keeps two rebuilds from interleaving; ``prune`` removes what no pointer
needs; ``fault`` marks the points where tests/test_durability.py injects a crash or a full disk.
What a generation holds, and publishing one: ``store.py``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import sys
import time
from pathlib import Path

from . import ui_text as ui
from .errors import RebuildBusy

CURRENT = "CURRENT"
PREVIOUS = "PREVIOUS"
FAULT_ENV = "TANYA_FAULT"
GENERATION_NAME = re.compile(r"gen-[0-9A-Za-z_-]{1,100}")  # no dots, no slashes: no traversal


def fault(point: str) -> None:
    """A named point of a rebuild where tests/test_durability.py injects a fault.

    Off unless the environment variable TANYA_FAULT is "<point>:<action>" for this point:
    "sleep" announces the point on stderr and waits there (the test then kills the process with
    SIGKILL at a known moment), "enospc" raises the OSError of a full disk. The points, in the
    order a rebuild passes them: "embed" (after each embedding batch), "write" (generation half
    written), "before-rename" (written and fsynced, still ``.tmp-``), "before-publish" (renamed
    to ``gen-``, not live yet), "publish" (PREVIOUS written, CURRENT not replaced yet: the old
    generation is live and its own fallback still named), "after-publish" (live, older
    generations not pruned yet). Costs one look-up when off.
    """
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    where, _, action = spec.partition(":")
    if where != point:
        return
    if action == "sleep":
        sys.stderr.write(f"{FAULT_ENV}: berhenti di titik {point}\n")
        sys.stderr.flush()
        while True:
            time.sleep(3600)
    if action == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    for d in [folder, *[p for p in folder.rglob("*") if p.is_dir()]]:
        fsync_dir(d)


def write_pointer(index_dir: Path, filename: str, names: list[str]) -> None:
    """Atomically replace a pointer file (CURRENT, PREVIOUS): temp file, fsync, rename."""
    tmp = index_dir / f".{filename}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("".join(n + "\n" for n in names))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, index_dir / filename)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(index_dir)


@contextlib.contextmanager
def rebuild_lock(index_dir: Path):
    """Held for the whole rebuild; a second rebuild fails at once with a clear message."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RebuildBusy(ui.INDEX_BUSY.format(index=index_dir)) from None
        yield
    finally:
        os.close(fd)


def _pointer_lines(index_dir: Path, filename: str) -> tuple[list[str], str | None]:
    """The generation names a pointer file holds, and what is wrong with it (Indonesian)."""
    try:
        raw = (index_dir / filename).read_bytes()
    except FileNotFoundError:
        return [], ui.POINTER_MISSING.format(pointer=filename)
    except OSError as e:
        return [], ui.POINTER_UNREADABLE.format(pointer=filename, reason=ui.os_reason(e))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return [], ui.POINTER_NOT_TEXT.format(pointer=filename)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return [], ui.POINTER_EMPTY.format(pointer=filename)
    bad = [line for line in lines if not GENERATION_NAME.fullmatch(line)]
    if bad:
        shown = "".join(ch if ch.isprintable() else "?" for ch in bad[0])[:60]
        return ([line for line in lines if line not in bad],
                ui.POINTER_NOT_A_NAME.format(pointer=filename, shown=shown))
    return lines, None


def read_pointer(index_dir: Path, filename: str = CURRENT) -> tuple[str | None, str | None]:
    """(name, problem): the generation a pointer names, or why it names none (Indonesian)."""
    lines, problem = _pointer_lines(index_dir, filename)
    if problem:
        return None, problem
    if len(lines) > 1:
        return None, ui.POINTER_MANY_NAMES.format(pointer=filename)
    return lines[0], None


def current_name(index_dir: Path) -> str | None:
    """The live generation's name; None when CURRENT is missing, empty or garbage."""
    return read_pointer(index_dir, CURRENT)[0]


def previous_names(index_dir: Path, current: str | None) -> list[str]:
    """The fallback generations PREVIOUS names, first the one to use, without ``current``."""
    lines, _ = _pointer_lines(index_dir, PREVIOUS)
    return [n for n in dict.fromkeys(lines) if n != current]


def generation_names(index_dir: Path) -> list[str]:
    """The generation folders on disk, newest first (by the time in the name, then mtime)."""
    found = []
    try:
        entries = list(index_dir.iterdir())
    except OSError:
        return []
    for p in entries:
        try:
            if GENERATION_NAME.fullmatch(p.name) and p.is_dir() and not p.is_symlink():
                found.append((p.name[4:19], p.stat().st_mtime_ns, p.name))
        except OSError:
            continue
    return [name for *_, name in sorted(found, reverse=True)]


def load_candidates(index_dir: Path) -> tuple[str | None, str | None, list[str]]:
    """(CURRENT's name, what is wrong with CURRENT, the generations to try in order): the live
    one, the fallbacks PREVIOUS names, then every other generation on disk, newest first."""
    name, problem = read_pointer(index_dir, CURRENT)
    order = ([name] if name else []) + previous_names(index_dir, name) \
        + generation_names(index_dir)
    return name, problem, list(dict.fromkeys(order))


def has_index(index_dir: Path) -> bool:
    """Whether anything of an index is there (a pointer file or a generation folder)."""
    return any(os.path.lexists(index_dir / f) for f in (CURRENT, PREVIOUS)) \
        or bool(generation_names(index_dir))


def prune(index_dir: Path, keep: set) -> None:
    """Remove generations other than ``keep`` and leftovers of crashed builds."""
    for p in index_dir.iterdir():
        if p.is_dir() and (p.name.startswith("gen-") or p.name.startswith(".tmp-")):
            if p.name not in keep:
                shutil.rmtree(p, ignore_errors=True)
        elif p.is_file() and p.name.startswith(".") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)  # a pointer or stamp file a crash left half-written
        elif p.is_file() and p.name.startswith(".verified-") and p.name.endswith(".json"):
            if p.name[len(".verified-"):-len(".json")] not in keep:
                p.unlink(missing_ok=True)

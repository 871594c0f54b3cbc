"""The documents of the index one by one: list them, scope a question to some of them, delete
one, read one again. The web chat's documents panel and the CLI's ``ask --dokumen`` use this
through ``pipeline``.

A document is named by its *source*: its path relative to the corpus folder, as the live
generation's manifest records it. An action never takes a path from a user: the source must
be one the manifest lists, and the file it names must lie inside the corpus folder.

Deleting and re-reading change the corpus and rebuild the index like an upload does
(``uploads.py``): through ``pipeline.build_index`` (handed in as ``build``), i.e. the atomic
generation publish of ``store.py``. A deleted file is first renamed to a hidden name beside
it (hidden files are not corpus files, ``loaders.list_corpus``); it is removed only once the
new generation is live, and renamed back if the rebuild fails, so a failure leaves corpus and
index as they were. A delete holds the change lock (``index/.dokumen.lock``) from the rename to
the end; a process that died in between leaves the hidden file, and ``recover_deletions``
(run by every build, ``pipeline.build_index``) puts it back or removes it.

A corpus file the last build skipped (unreadable, too large, ...: the manifest's ``skipped``
list with its Indonesian reason) is listed too (``list_skipped``) and can be deleted at any
time: it is not in the index, so no rebuild is needed; the file is unlinked under the
rebuild lock, so no build reads it half-gone.

Every message is Indonesian (``ui_text``): it is shown to the user.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from . import store
from . import ui_text as ui
from .building import BuildReport
from .config import Settings
from .textnorm import display_name

log = logging.getLogger(__name__)

BUSY_WAIT_S = 120.0  # how long a change waits for another rebuild to finish
CHANGE_LOCK = ".dokumen.lock"  # in the index folder: held by a delete from rename to cleanup
ASIDE_NAME = re.compile(r"\.(?P<name>.+)\.dihapus-[0-9a-f]{8}")  # a file a delete set aside


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document, as the live generation's manifest records it."""

    source: str  # path relative to the corpus folder
    pages: int
    chunks: int
    added: str | None  # ISO time it entered the index (None: an index older than the record)


@dataclass(frozen=True)
class ChangeOutcome:
    """What a delete or a re-index did."""

    ok: bool
    message: str  # Indonesian
    report: BuildReport | None = None


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file the live generation's build skipped, with its Indonesian reason."""

    source: str
    reason: str


class UnknownDocuments(ValueError):
    """A scope names documents the index does not have; the message is Indonesian."""


def list_documents(manifest: dict | None) -> list[DocumentInfo]:
    """The manifest's documents in index order."""
    return [DocumentInfo(str(d.get("source", "")), int(d.get("pages", 0)),
                         int(d.get("chunks", 0)), d.get("added"))
            for d in (manifest or {}).get("documents") or []]


def list_skipped(settings: Settings, manifest: dict | None) -> list[SkippedFile]:
    """The manifest's skipped files that are still in the corpus folder (a skipped file
    deleted since the build is not listed), in the manifest's order."""
    out = []
    for s in (manifest or {}).get("skipped") or []:
        source = str(s.get("source", ""))
        path, problem = _corpus_file(settings, source, {source})
        if problem is None and os.path.lexists(path):
            out.append(SkippedFile(source, str(s.get("reason", ""))))
    return out


# --------------------------------------------------------------------------- scope


def resolve_scope(manifest: dict, names: Iterable[str]) -> list[str]:
    """The sources ``names`` mean, in index order. A name is a document's source (its path
    in the corpus) or, when only one document has it, its file name without the folders.
    An empty list or an unknown name raises ``UnknownDocuments`` with an Indonesian message."""
    names = [str(n).strip() for n in names if str(n).strip()]
    if not names:
        raise UnknownDocuments(ui.SCOPE_NONE)
    sources = [d.source for d in list_documents(manifest)]
    known = set(sources)
    by_file: dict[str, list[str]] = {}
    for s in sources:
        by_file.setdefault(PurePosixPath(s).name, []).append(s)
    chosen, unknown = set(), []
    for name in names:
        if name in known:
            chosen.add(name)
        elif len(by_file.get(name, [])) == 1:
            chosen.add(by_file[name][0])
        else:
            unknown.append(name)
    if unknown:
        raise UnknownDocuments(ui.SCOPE_UNKNOWN.format(
            names=", ".join(f"«{display_name(n)}»" for n in dict.fromkeys(unknown)),
            known=", ".join(display_name(s) for s in sources)))
    return [s for s in sources if s in chosen]


def row_mask(index: store.LoadedIndex, sources: Iterable[str]) -> np.ndarray:
    """A boolean mask over the chunk rows: True for the chunks of ``sources``.

    A generation's rows are grouped by document in manifest order, so the mask is a few
    ranges; if the manifest's counts do not add up, every chunk's source is read instead."""
    wanted = set(sources)
    n = len(index.chunks)
    mask = np.zeros(n, dtype=bool)
    docs = list_documents(index.manifest)
    if sum(d.chunks for d in docs) == n:
        row = 0
        for d in docs:
            if d.source in wanted:
                mask[row:row + d.chunks] = True
            row += d.chunks
        return mask
    for i in range(n):  # pragma: no cover - a manifest whose counts are off
        mask[i] = index.chunks[i].source in wanted
    return mask


# --------------------------------------------------------------------------- changes


def delete_document(settings: Settings, source: str, build: Callable[..., BuildReport],
                    progress: Callable[[str, float], None] | None = None,
                    busy_wait_s: float = BUSY_WAIT_S) -> ChangeOutcome:
    """Remove ``source``'s file from the corpus and its chunks from the index (a rebuild
    through ``build``, which publishes a new generation atomically). The last document is
    not deleted: an index needs one. On failure the file is put back. A file the last build
    skipped is simply removed (``_delete_skipped``): always allowed, no rebuild."""
    say = progress or (lambda text, fraction: None)
    name = display_name(source)
    manifest = store.read_manifest(settings.index)
    docs = list_documents(manifest)
    indexed = {d.source for d in docs}
    if isinstance(source, str) and source not in indexed and \
            source in {s.source for s in list_skipped(settings, manifest)}:
        return _delete_skipped(settings, source, say, busy_wait_s)
    path, problem = _corpus_file(settings, source, indexed)
    if problem:
        return ChangeOutcome(False, ui.DOC_DELETE_FAILED.format(name=name, problem=problem))
    if len(docs) == 1:
        return ChangeOutcome(False, ui.DOC_DELETE_LAST.format(name=name))
    say(ui.DOC_DELETING.format(name=name), 0.1)
    with _change_lock(settings, wait=True):
        return _delete_indexed(settings, path, name, build, say, busy_wait_s)


def _delete_indexed(settings: Settings, path: Path, name: str,
                    build: Callable[..., BuildReport], say: Callable[[str, float], None],
                    busy_wait_s: float) -> ChangeOutcome:
    """Set the file aside, rebuild, then remove it (or put it back): under the change lock."""
    aside = None
    if os.path.lexists(path):
        aside = path.with_name(f".{path.name}.dihapus-{secrets.token_hex(4)}")
        try:
            os.replace(path, aside)
        except OSError as e:
            return ChangeOutcome(False, ui.DOC_DELETE_FAILED.format(
                name=name, problem=ui.os_reason(e)))
    report, failure = _rebuild(settings, build, say, busy_wait_s)
    if failure is not None:
        if aside is not None:
            os.replace(aside, path)
        return ChangeOutcome(False, ui.DOC_DELETE_FAILED.format(name=name, problem=failure))
    if aside is not None:
        aside.unlink(missing_ok=True)
        _remove_empty_folders(path.parent, settings.corpus)
    say(ui.DOC_CHANGE_DONE, 1.0)
    return ChangeOutcome(True, ui.DOC_DELETED.format(name=name), report)


def reindex_document(settings: Settings, source: str, build: Callable[..., BuildReport],
                     progress: Callable[[str, float], None] | None = None,
                     busy_wait_s: float = BUSY_WAIT_S) -> ChangeOutcome:
    """Read ``source``'s file again and replace its chunks (after the file changed, or the
    reading rules did), through ``build`` with ``refresh`` (an atomic publish). A file that
    cannot be read any more leaves the index with its reason, like any unreadable file."""
    say = progress or (lambda text, fraction: None)
    name = display_name(source)
    docs = list_documents(store.read_manifest(settings.index))
    path, problem = _corpus_file(settings, source, {d.source for d in docs})
    if problem is None and not path.is_file():
        problem = ui.DOC_FILE_MISSING
    if problem:
        return ChangeOutcome(False, ui.DOC_REINDEX_FAILED.format(name=name, problem=problem))
    say(ui.DOC_REINDEXING.format(name=name), 0.1)
    report, failure = _rebuild(settings, build, say, busy_wait_s, refresh=(source,))
    if failure is not None:
        return ChangeOutcome(False, ui.DOC_REINDEX_FAILED.format(name=name, problem=failure))
    skipped = {s.source: s.reason for s in report.skipped}
    say(ui.DOC_CHANGE_DONE, 1.0)
    if source in skipped:
        return ChangeOutcome(False, ui.DOC_REINDEX_SKIPPED.format(
            name=name, reason=skipped[source]), report)
    entry = next((d for d in list_documents(store.read_manifest(settings.index))
                  if d.source == source), None)
    if entry is None:  # pragma: no cover - published without it: another change raced
        return ChangeOutcome(False, ui.DOC_REINDEX_FAILED.format(
            name=name, problem=ui.DOC_FILE_MISSING), report)
    return ChangeOutcome(True, ui.DOC_REINDEXED.format(name=name, pages=entry.pages,
                                                       chunks=entry.chunks), report)


def _corpus_file(settings: Settings, source: str,
                 known: Iterable[str]) -> tuple[Path, str | None]:
    """(path, problem): the corpus file of ``source``, one of the ``known`` sources (the live
    manifest's). A source not known, or one that would lead out of the corpus folder, is a
    problem."""
    corpus = settings.corpus
    if not isinstance(source, str) or source not in set(known):
        return corpus, ui.DOC_NOT_INDEXED
    rel = PurePosixPath(source)
    if rel.is_absolute() or not rel.parts or any(p in ("", ".", "..") for p in rel.parts) \
            or "\\" in source or "\x00" in source:
        return corpus, ui.DOC_NOT_INDEXED
    path = corpus.joinpath(*rel.parts)
    try:
        inside = path.parent.resolve().is_relative_to(corpus.resolve())
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        return corpus, ui.DOC_NOT_INDEXED
    return path, None


def _rebuild(settings: Settings, build: Callable[..., BuildReport],
             say: Callable[[str, float], None], busy_wait_s: float,
             **kwargs) -> tuple[BuildReport | None, str | None]:
    """(report, None) after a published rebuild, or (None, why not) in Indonesian. Waits
    for another rebuild to finish, up to ``busy_wait_s``."""
    say(ui.DOC_REBUILDING, 0.4)
    deadline = time.monotonic() + busy_wait_s
    while True:
        try:
            return build(settings, **kwargs), None
        except store.RebuildBusy:
            if time.monotonic() > deadline:
                return None, ui.DOC_REBUILD_BUSY
            say(ui.UPLOAD_WAITING_REBUILD, 0.4)
            time.sleep(1.0)
        except store.IndexProblem as e:  # Indonesian already (a full disk, say)
            return None, str(e)
        except Exception:  # noqa: BLE001 - any failure: corpus and index stay as they were
            log.exception("the index build of a document change failed")
            return None, ui.DOC_SERVER_ERROR


def _remove_empty_folders(folder: Path, corpus: Path) -> None:
    """Remove ``folder`` and its parents up to (not including) ``corpus`` while empty."""
    root = corpus.resolve()
    while folder.resolve() != root and folder.resolve().is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _delete_skipped(settings: Settings, source: str, say: Callable[[str, float], None],
                    busy_wait_s: float) -> ChangeOutcome:
    """Remove a corpus file the last build skipped. It is not in the index: no rebuild, but
    the rebuild lock is held while it goes, so no build scans it half-gone. A link is
    removed, never what it points to; a folder is not removed."""
    name = display_name(source)
    path, problem = _corpus_file(settings, source, {source})
    if problem is None:
        say(ui.DOC_DELETING.format(name=name), 0.1)
        deadline = time.monotonic() + busy_wait_s
        while True:
            try:
                with store.rebuild_lock(settings.index):
                    if not os.path.lexists(path):
                        problem = ui.DOC_FILE_MISSING
                    else:
                        os.unlink(path)
                break
            except store.RebuildBusy:
                if time.monotonic() > deadline:
                    problem = ui.DOC_REBUILD_BUSY
                    break
                say(ui.UPLOAD_WAITING_REBUILD, 0.4)
                time.sleep(1.0)
            except OSError as e:  # a folder, a read-only corpus
                problem = ui.os_reason(e)
                break
    if problem:
        return ChangeOutcome(False, ui.DOC_DELETE_FAILED.format(name=name, problem=problem))
    _remove_empty_folders(path.parent, settings.corpus)
    say(ui.DOC_CHANGE_DONE, 1.0)
    return ChangeOutcome(True, ui.DOC_SKIPPED_DELETED.format(name=name))


# --------------------------------------------------------------------------- recovery


@contextlib.contextmanager
def _change_lock(settings: Settings, wait: bool):
    """Yields whether the change lock (``index/CHANGE_LOCK``, flock) is held: a delete waits
    for it, ``recover_deletions`` does not (a delete is running: its hidden file is not a
    leftover). The lock goes with the process: a delete that died holds nothing."""
    settings.index.mkdir(parents=True, exist_ok=True)
    fd = os.open(settings.index / CHANGE_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            held = True
        except BlockingIOError:
            held = False
        yield held
    finally:
        os.close(fd)


def recover_deletions(settings: Settings) -> list[tuple[str, str]]:
    """Finish what an interrupted delete left: every hidden ``.NAME.dihapus-XXXXXXXX`` file in
    the corpus. If the live index still lists NAME (the delete never published) and NAME is
    not there, the file is put back; otherwise (published without it, or NAME is there again)
    the hidden file is removed. An unreadable live manifest counts as still listing NAME:
    nothing the index may serve is lost. Skipped while a delete holds the change lock (its
    hidden file is no leftover). Returns (source, "kembali" | "dihapus") per file handled."""
    corpus = settings.corpus
    if not corpus.is_dir() or not settings.index.is_dir():
        return []
    asides = []
    for folder, dirs, files in os.walk(corpus):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        asides += [Path(folder) / f for f in sorted(files) if ASIDE_NAME.fullmatch(f)]
    if not asides:
        return []
    done = []
    with _change_lock(settings, wait=False) as held:
        if not held:
            return []
        manifest = store.read_manifest(settings.index)
        served = None if manifest is None else {d.source for d in list_documents(manifest)}
        for aside in asides:
            path = aside.with_name(ASIDE_NAME.fullmatch(aside.name)["name"])
            source = path.relative_to(corpus).as_posix()
            try:
                if (served is None or source in served) and not os.path.lexists(path):
                    os.replace(aside, path)
                    done.append((source, "kembali"))
                    log.warning(ui.LOG_DELETE_UNDONE.format(name=display_name(source)))
                else:
                    aside.unlink()
                    done.append((source, "dihapus"))
                    log.warning(ui.LOG_DELETE_FINISHED.format(name=display_name(source)))
                    _remove_empty_folders(path.parent, corpus)
            except OSError as e:
                log.warning(ui.LOG_DELETE_NOT_RECOVERED.format(
                    name=display_name(source), reason=ui.os_reason(e)))
    return done

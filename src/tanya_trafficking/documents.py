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
index as they were.

Every message is Indonesian (``ui_text``): it is shown to the user.
"""

from __future__ import annotations

import logging
import os
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


class UnknownDocuments(ValueError):
    """A scope names documents the index does not have; the message is Indonesian."""


def list_documents(manifest: dict | None) -> list[DocumentInfo]:
    """The manifest's documents in index order."""
    return [DocumentInfo(str(d.get("source", "")), int(d.get("pages", 0)),
                         int(d.get("chunks", 0)), d.get("added"))
            for d in (manifest or {}).get("documents") or []]


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
    not deleted: an index needs one. On failure the file is put back."""
    say = progress or (lambda text, fraction: None)
    name = display_name(source)
    docs = list_documents(store.read_manifest(settings.index))
    path, problem = _corpus_file(settings, source, docs)
    if problem:
        return ChangeOutcome(False, ui.DOC_DELETE_FAILED.format(name=name, problem=problem))
    if len(docs) == 1:
        return ChangeOutcome(False, ui.DOC_DELETE_LAST.format(name=name))
    say(ui.DOC_DELETING.format(name=name), 0.1)
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
    path, problem = _corpus_file(settings, source, docs)
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
                 docs: list[DocumentInfo]) -> tuple[Path, str | None]:
    """(path, problem): the corpus file of an indexed ``source``. A source the live index
    does not list, or one that would lead out of the corpus folder, is a problem."""
    corpus = settings.corpus
    if not isinstance(source, str) or source not in {d.source for d in docs}:
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

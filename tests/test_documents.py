"""documents.py: listing, scoping, deleting and re-indexing single documents, over small real
indexes (the real default embedder, real FAISS and BM25, real rebuilds and publishes)."""

from __future__ import annotations

import time

import pytest

from tanya_trafficking import documents, pipeline, store
from tanya_trafficking import ui_text as ui
from tanya_trafficking.config import Settings
from tanya_trafficking.query import parse
from tanya_trafficking.retrieval import Retriever

ACTIP = "actip.txt"
KASUS = "laporan/kasus.md"


def _sources(settings: Settings) -> list[str]:
    return [d.source for d in documents.list_documents(store.read_manifest(settings.index))]


def _chunk_sources(settings: Settings) -> set[str]:
    index = store.load_index(settings.index, pipeline.Bot.open(settings).index.manifest
                             ["embedder"]["id"])
    return {c.source for c in index.chunks}


# --------------------------------------------------------------------------- listing


def test_documents_are_listed_with_pages_chunks_and_when_they_were_added(small_index,
                                                                        make_corpus) -> None:
    manifest = store.read_manifest(small_index.index)
    docs = documents.list_documents(manifest)
    assert [d.source for d in docs] == [ACTIP, KASUS]
    assert all(d.pages == 1 and d.chunks >= 1 for d in docs)
    first_build = manifest["built_at"]
    assert [d.added for d in docs] == [first_build, first_build]
    time.sleep(1.1)  # times have a resolution of one second
    make_corpus({"baru.txt": "Dokumen baru tentang korban perdagangan orang di pelabuhan."})
    (small_index.corpus / KASUS).write_text("Teks kasus yang diubah. Korbannya anak-anak.\n",
                                            encoding="utf-8")
    pipeline.build_index(small_index)
    manifest = store.read_manifest(small_index.index)
    added = {d.source: d.added for d in documents.list_documents(manifest)}
    assert manifest["built_at"] != first_build
    # an old document keeps its time, a changed one too; a new one gets the new build's
    assert added == {ACTIP: first_build, KASUS: first_build, "baru.txt": manifest["built_at"]}


# --------------------------------------------------------------------------- scope


def test_scope_names_sources_or_unique_file_names(small_index) -> None:
    manifest = store.read_manifest(small_index.index)
    assert documents.resolve_scope(manifest, [KASUS]) == [KASUS]
    assert documents.resolve_scope(manifest, ["kasus.md", ACTIP]) == [ACTIP, KASUS]
    with pytest.raises(documents.UnknownDocuments) as e:
        documents.resolve_scope(manifest, ["tidak-ada.pdf", ACTIP])
    assert str(e.value) == ui.SCOPE_UNKNOWN.format(
        names="«tidak-ada.pdf»", known=f"{ACTIP}, {KASUS}")
    with pytest.raises(documents.UnknownDocuments) as e:
        documents.resolve_scope(manifest, ["  "])
    assert str(e.value) == ui.SCOPE_NONE


def test_row_mask_marks_exactly_the_chunks_of_the_chosen_documents(small_index) -> None:
    bot = pipeline.Bot.open(small_index)
    mask = documents.row_mask(bot.index, [KASUS])
    assert mask.sum() >= 1
    assert [bot.index.chunks[i].source == KASUS for i in range(len(mask))] == mask.tolist()


@pytest.fixture
def lopsided(make_corpus, tmp_path, embedder) -> Settings:
    """A large document that matches the question everywhere and a small one that does not."""
    big = " ".join(f"Konvensi ACTIP pasal {i} mengatur kerja sama ASEAN melawan perdagangan "
                   f"orang di wilayah perbatasan nomor {i}." for i in range(24))
    small = " ".join(f"Catatan nelayan hari ke-{i} menyebut cuaca buruk dan ombak tinggi di "
                     f"dermaga pada musim hujan." for i in range(14))
    corpus = make_corpus({"besar.txt": big, "kecil.txt": small})
    settings = Settings(corpus=corpus, index=tmp_path / "index", chunk_chars=200,
                        candidates=6)
    pipeline.build_index(settings)
    chunks = {d.source: d.chunks for d in
              documents.list_documents(store.read_manifest(settings.index))}
    assert chunks["besar.txt"] > 6 and chunks["kecil.txt"] >= 6, chunks
    return settings


def test_a_scoped_search_fetches_its_candidates_among_the_chosen_documents(lopsided) -> None:
    bot = pipeline.Bot.open(lopsided)
    retriever = Retriever(bot.index, bot.retriever.embedder, candidates=6)
    query = parse("Apa isi konvensi ACTIP tentang kerja sama ASEAN?", bot.speller)
    everywhere = retriever.search(query, k=6)
    assert {h.chunk.source for h in everywhere} == {"besar.txt"}  # the small one never shows
    # Filtering those hits afterwards would leave nothing; the scope filters the candidates.
    scoped = retriever.search(query, k=6,
                              allowed=documents.row_mask(bot.index, ["kecil.txt"]))
    assert len(scoped) == 6
    assert {h.chunk.source for h in scoped} == {"kecil.txt"}
    assert len({h.chunk.id for h in scoped}) == 6


def test_bot_answers_only_from_the_chosen_documents(small_index) -> None:
    bot = pipeline.Bot.open(small_index)
    question = "Apa kepanjangan dari ACTIP?"
    plain = bot.ask(question)
    assert plain.found and plain.quotes[0].source == ACTIP
    scoped = bot.ask(question, sources=bot.scope([KASUS]))
    assert {h.chunk.source for h in scoped.hits} == {KASUS}
    assert {q.source for q in scoped.quotes} <= {KASUS}
    assert not scoped.found  # the other document does not say it
    assert bot.ask(question, sources=bot.scope([ACTIP])).found


# --------------------------------------------------------------------------- delete


def test_delete_removes_the_file_and_its_chunks_through_a_new_generation(small_index) -> None:
    before = store.current_name(small_index.index)
    progress = []
    outcome = pipeline.delete_document(small_index, KASUS,
                                       lambda text, fraction: progress.append(text))
    assert outcome.ok, outcome.message
    assert outcome.message == ui.DOC_DELETED.format(name=KASUS)
    assert not (small_index.corpus / KASUS).exists()
    assert not (small_index.corpus / "laporan").exists()  # its emptied folder went too
    assert [p.name for p in small_index.corpus.iterdir()] == [ACTIP]  # no hidden leftover
    assert store.current_name(small_index.index) not in (None, before)
    assert _sources(small_index) == [ACTIP]
    assert _chunk_sources(small_index) == {ACTIP}
    assert ui.DOC_DELETING.format(name=KASUS) in progress
    bot = pipeline.Bot.open(small_index)
    answer = bot.ask("Berapa kasus perdagangan orang pada tahun 2023?")
    assert all(h.chunk.source == ACTIP for h in answer.hits)
    assert pipeline.index_status(small_index)[0]


def test_a_failed_delete_changes_nothing(small_index, monkeypatch) -> None:
    before = store.current_name(small_index.index)
    data = (small_index.corpus / KASUS).read_bytes()
    monkeypatch.setenv(store.FAULT_ENV, "before-publish:enospc")  # a full disk mid-publish
    outcome = pipeline.delete_document(small_index, KASUS)
    assert not outcome.ok
    assert outcome.message.startswith(f"{KASUS} tidak dihapus: ")
    assert (small_index.corpus / KASUS).read_bytes() == data
    assert sorted(p.name for p in (small_index.corpus / "laporan").iterdir()) == ["kasus.md"]
    assert store.current_name(small_index.index) == before
    assert _sources(small_index) == [ACTIP, KASUS]


@pytest.mark.parametrize("source", ["../luar.txt", "/etc/passwd", "laporan/../../luar.txt",
                                    "tidak-ada.txt", "", "laporan"])
def test_delete_refuses_anything_but_an_indexed_document(small_index, source) -> None:
    outside = small_index.corpus.parent / "luar.txt"
    outside.write_text("Berkas di luar korpus.", encoding="utf-8")
    before = store.current_name(small_index.index)
    for change in (pipeline.delete_document, pipeline.reindex_document):
        outcome = change(small_index, source)
        assert not outcome.ok and ui.DOC_NOT_INDEXED in outcome.message
    assert outside.read_text(encoding="utf-8") == "Berkas di luar korpus."
    assert store.current_name(small_index.index) == before
    assert sorted(p.name for p in small_index.corpus.rglob("*")) == \
        ["actip.txt", "kasus.md", "laporan"]


def test_the_last_document_is_not_deleted(make_corpus, tmp_path, embedder) -> None:
    settings = Settings(corpus=make_corpus({ACTIP: "ACTIP disahkan pada tahun 2015."}),
                        index=tmp_path / "index")
    pipeline.build_index(settings)
    outcome = pipeline.delete_document(settings, ACTIP)
    assert not outcome.ok and outcome.message == ui.DOC_DELETE_LAST.format(name=ACTIP)
    assert (settings.corpus / ACTIP).is_file()


# --------------------------------------------------------------------------- re-index


def test_reindex_reads_the_file_again_and_replaces_its_chunks(small_index) -> None:
    manifest = store.read_manifest(small_index.index)
    added = {d.source: d.added for d in documents.list_documents(manifest)}
    generation = store.current_name(small_index.index)
    # Unchanged: a plain rebuild does nothing, a re-index reads it and publishes anyway.
    assert pipeline.build_index(small_index).unchanged
    outcome = pipeline.reindex_document(small_index, ACTIP)
    assert outcome.ok, outcome.message
    assert outcome.report.files == 2 and outcome.report.reused_files == 1  # only ACTIP read
    assert store.current_name(small_index.index) != generation
    # Changed behind the index's back: its chunks are replaced.
    (small_index.corpus / ACTIP).write_text(
        "Dokumen ini kini membahas Protokol Palermo yang disahkan pada tahun 2000.\n",
        encoding="utf-8")
    outcome = pipeline.reindex_document(small_index, ACTIP)
    assert outcome.ok
    assert outcome.message == ui.DOC_REINDEXED.format(name=ACTIP, pages=1, chunks=1)
    bot = pipeline.Bot.open(small_index)
    texts = [c.text for c in bot.index.chunks if c.source == ACTIP]
    assert texts == ["Dokumen ini kini membahas Protokol Palermo yang disahkan pada tahun 2000."]
    after = {d.source: d.added for d in documents.list_documents(bot.index.manifest)}
    assert after == added  # re-reading does not make it new


def test_reindex_of_a_file_that_became_unreadable_says_why(small_index) -> None:
    (small_index.corpus / KASUS).write_bytes(b"")
    outcome = pipeline.reindex_document(small_index, KASUS)
    assert not outcome.ok
    assert outcome.message.startswith(f"{KASUS} tidak bisa dibaca lagi (")
    assert _sources(small_index) == [ACTIP]
    (small_index.corpus / KASUS).unlink()
    outcome = pipeline.reindex_document(small_index, ACTIP)
    assert outcome.ok
    assert not pipeline.reindex_document(small_index, KASUS).ok  # no longer indexed


# --------------------------------------------------------------------------- skipped files


def _broken_pdf(path) -> bytes:
    """A real PDF (fpdf2) cut to its first third: the build skips it as unreadable."""
    from pdfs import write_pdf

    path.parent.mkdir(parents=True, exist_ok=True)
    data = write_pdf(path, ["Laporan tahunan tentang korban perdagangan orang."]).read_bytes()
    path.write_bytes(data[:len(data) // 3])
    return path.read_bytes()


def test_a_skipped_file_is_listed_with_its_reason_and_deleted_without_a_rebuild(
        make_corpus, tmp_path, embedder) -> None:
    corpus = make_corpus({ACTIP: SMALL_ACTIP})
    _broken_pdf(corpus / "laporan" / "rusak.pdf")
    settings = Settings(corpus=corpus, index=tmp_path / "index")
    pipeline.build_index(settings)
    manifest = store.read_manifest(settings.index)
    skipped = documents.list_skipped(settings, manifest)
    assert skipped == [documents.SkippedFile("laporan/rusak.pdf",
                                             "rusak: tidak bisa dibaca sebagai PDF")]
    generation = store.current_name(settings.index)
    # the only indexed document stays undeletable; the skipped file can always go
    assert not pipeline.delete_document(settings, ACTIP).ok
    progress = []
    outcome = pipeline.delete_document(settings, "laporan/rusak.pdf",
                                       lambda text, fraction: progress.append(text))
    assert outcome.ok and outcome.report is None
    assert outcome.message == ui.DOC_SKIPPED_DELETED.format(name="laporan/rusak.pdf")
    assert ui.DOC_DELETING.format(name="laporan/rusak.pdf") in progress
    assert sorted(p.name for p in corpus.rglob("*")) == [ACTIP]  # its emptied folder went too
    assert store.current_name(settings.index) == generation  # no rebuild
    assert documents.list_skipped(settings, store.read_manifest(settings.index)) == []
    again = pipeline.delete_document(settings, "laporan/rusak.pdf")
    assert not again.ok and ui.DOC_NOT_INDEXED in again.message
    assert pipeline.Bot.open(settings).ask("Kapan ACTIP disahkan?").found


def test_a_skipped_name_cannot_lead_out_of_the_corpus(make_corpus, tmp_path, embedder) -> None:
    corpus = make_corpus({ACTIP: SMALL_ACTIP, "kosong.txt": ""})
    settings = Settings(corpus=corpus, index=tmp_path / "index")
    pipeline.build_index(settings)
    outside = tmp_path / "luar.txt"
    outside.write_text("Berkas di luar korpus.", encoding="utf-8")
    # a manifest naming a path outside the corpus as skipped: never listed, never deleted
    manifest = store.read_manifest(settings.index)
    manifest["skipped"].append({"source": "../luar.txt", "reason": "kosong"})
    assert [s.source for s in documents.list_skipped(settings, manifest)] == ["kosong.txt"]
    assert not pipeline.delete_document(settings, "../luar.txt").ok
    assert outside.is_file()


# --------------------------------------------------------------------------- recovery


SMALL_ACTIP = ("Regulasi ini disebut ASEAN Convention Against Trafficking in Persons (ACTIP). "
               "Konvensi ini disahkan pada tahun 2015.\n")


def _killed_delete(settings: Settings, source: str, point: str) -> None:
    """Delete ``source`` in a real process that is killed (SIGKILL) at the rebuild's fault
    ``point`` (``store.fault``): a crash in the middle of a delete."""
    import os
    import signal
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from tanya_trafficking import pipeline; "
            "from tanya_trafficking.config import Settings; "
            "pipeline.delete_document(Settings(corpus=Path(sys.argv[1]), "
            "index=Path(sys.argv[2])), sys.argv[3])")
    env = {**os.environ, store.FAULT_ENV: f"{point}:sleep", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", code, str(settings.corpus),
                             str(settings.index), source], stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        deadline = time.monotonic() + 120
        for line in proc.stderr:
            if f"berhenti di titik {point}" in line:
                break
            assert time.monotonic() < deadline
        else:
            pytest.fail("the delete never reached the fault point")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stderr.close()


def _asides(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.corpus.rglob(".*.dihapus-*"))


def test_a_delete_killed_before_publishing_is_undone_by_the_next_build(small_index) -> None:
    data = (small_index.corpus / KASUS).read_bytes()
    generation = store.current_name(small_index.index)
    _killed_delete(small_index, KASUS, "before-publish")
    assert not (small_index.corpus / KASUS).exists() and len(_asides(small_index)) == 1
    assert _sources(small_index) == [ACTIP, KASUS]  # never published
    assert not pipeline.index_status(small_index)[0]  # so the next start builds ...
    report = pipeline.build_index(small_index)  # ... and the build puts the file back first
    assert report.unchanged and store.current_name(small_index.index) == generation
    assert (small_index.corpus / KASUS).read_bytes() == data
    assert _asides(small_index) == []
    assert pipeline.index_status(small_index)[0]


def test_a_delete_killed_after_publishing_is_finished_by_the_next_build(small_index) -> None:
    _killed_delete(small_index, KASUS, "after-publish")
    assert _sources(small_index) == [ACTIP]  # published without it
    assert len(_asides(small_index)) == 1
    assert pipeline.index_status(small_index)[0]  # the hidden file is no corpus file
    assert pipeline.build_index(small_index).unchanged
    assert sorted(p.name for p in small_index.corpus.rglob("*")) == [ACTIP]
    assert (small_index.corpus / ACTIP).read_text(encoding="utf-8") == SMALL_ACTIP


def test_recovery_keeps_a_new_file_of_the_same_name_and_leaves_a_running_delete(
        small_index) -> None:
    _killed_delete(small_index, KASUS, "before-publish")
    (small_index.corpus / KASUS).write_text("Versi baru laporan kasus.\n", encoding="utf-8")
    # while a delete holds the change lock, its hidden file is not a leftover
    with documents._change_lock(small_index, wait=True):
        assert documents.recover_deletions(small_index) == []
    assert len(_asides(small_index)) == 1
    assert documents.recover_deletions(small_index) == [(KASUS, "dihapus")]
    assert _asides(small_index) == []
    assert (small_index.corpus / KASUS).read_text(encoding="utf-8") == \
        "Versi baru laporan kasus.\n"


def test_recovery_never_removes_a_file_when_the_live_index_is_unreadable(small_index) -> None:
    data = (small_index.corpus / KASUS).read_bytes()
    _killed_delete(small_index, KASUS, "after-publish")
    (small_index.index / store.CURRENT).write_bytes(b"\xff\xfe")  # CURRENT damaged
    assert documents.recover_deletions(small_index) == [(KASUS, "kembali")]
    assert (small_index.corpus / KASUS).read_bytes() == data

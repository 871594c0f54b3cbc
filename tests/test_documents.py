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

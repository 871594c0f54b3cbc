"""Tests for tanya_trafficking.loaders: finding corpus files and turning them into Documents
or Skipped records (real files, real PDFs written by fpdf2 and encrypted by pypdf)."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfWriter
from pypdf.errors import (DependencyError, FileNotDecryptedError, LimitReachedError,
                          PdfReadError, PyPdfError)

from tanya_trafficking import loaders, ui_text
from tanya_trafficking.loaders import find_files, load_corpus, load_file
from tanya_trafficking.schema import Document, Skipped

from pdfs import write_pdf

PAGE_TEXTS = [
    "Halaman pertama membahas ACTIP. Konvensi ini disahkan pada tahun 2015.",
    "Halaman kedua membahas peran ASEAN dalam pencegahan.",
    "Halaman ketiga membahas data UNODC tentang korban.",
]


def make_pdf(path: Path, pages: list[str | None]) -> Path:
    """A real PDF: one page per entry, text written with a core font, or for ``None`` a page
    with only a filled rectangle (no text layer)."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text is None:
            pdf.rect(20, 20, 120, 60, style="F")
        else:
            pdf.multi_cell(0, 10, text)
    pdf.output(str(path))
    return path


def encrypt_pdf(source: Path, target: Path, user_password: str, algorithm: str) -> Path:
    writer = PdfWriter(clone_from=str(source))
    writer.encrypt(user_password=user_password, owner_password="pemilik-rahasia",
                   algorithm=algorithm)
    with open(target, "wb") as f:
        writer.write(f)
    return target


def words(text: str) -> str:
    return " ".join(text.split())


def load(path: Path) -> Document | Skipped:
    return load_file(path, path.parent)


# --------------------------------------------------------------------------- find_files


def test_find_files_recurses_and_ignores_hidden_and_unsupported(make_corpus) -> None:
    corpus = make_corpus({
        "a.txt": "teks",
        "sub/b.md": "teks",
        "sub/deeper/c.pdf": b"%PDF-",
        "BESAR.TXT": "ekstensi huruf besar tetap didukung",
        ".tersembunyi.txt": "berkas tersembunyi",
        ".git/config.txt": "folder tersembunyi",
        "sub/.cache/d.md": "folder tersembunyi di dalam sub-folder",
        "catatan.docx": "tidak didukung",
        "gambar.png": b"\x89PNG",
        "README": "tanpa ekstensi",
    })
    (corpus / "folder.txt").mkdir()  # a folder named like a text file is not a file

    found = find_files(corpus)

    assert [p.relative_to(corpus).as_posix() for p in found] == sorted(
        ["a.txt", "sub/b.md", "sub/deeper/c.pdf", "BESAR.TXT"],
        key=lambda rel: Path(rel).parts,
    )


def test_find_files_of_empty_folder(tmp_path) -> None:
    assert find_files(tmp_path) == []


# --------------------------------------------------------------------------- text files


def test_txt_is_one_cleaned_page_without_number(make_corpus) -> None:
    raw = "Perdagangan   orang adalah\r\nkejahatan berat.\r\n\r\nACTIP\tdisahkan tahun 2015.\r\n"
    corpus = make_corpus({"sub/artikel.txt": raw.encode("utf-8")})

    doc = load_file(corpus / "sub" / "artikel.txt", corpus)

    assert isinstance(doc, Document)
    assert doc.source == "sub/artikel.txt"  # relative, forward slashes
    assert doc.sha256 == hashlib.sha256(raw.encode("utf-8")).hexdigest()
    assert len(doc.pages) == 1
    assert doc.pages[0].number is None
    # CRLF normalised, spaces collapsed, the hard-wrapped line joined, paragraphs kept
    assert doc.pages[0].text == ("Perdagangan orang adalah kejahatan berat.\n\n"
                                 "ACTIP disahkan tahun 2015.")


def test_md_with_bom_and_mojibake_is_cleaned(make_corpus) -> None:
    text = "# Ringkasan\n\nRegulasi ini disebut ACTIP. Korban dilindungi negara café.\n"
    # UTF-8 with a BOM, and the word "café" mis-decoded once (mojibake "cafÃ©")
    mojibake = text.replace("café", "café".encode("utf-8").decode("latin-1"))
    corpus = make_corpus({"catatan.md": b"\xef\xbb\xbf" + mojibake.encode("utf-8")})

    doc = load(corpus / "catatan.md")

    assert isinstance(doc, Document)
    assert [p.number for p in doc.pages] == [None]
    page = doc.pages[0].text
    assert not page.startswith("\ufeff")
    assert "café" in page and "Ã" not in page
    assert "Regulasi ini disebut ACTIP." in page


# --------------------------------------------------------------------------- PDFs


def test_multi_page_pdf_keeps_page_numbers_and_text(tmp_path) -> None:
    path = make_pdf(tmp_path / "laporan.pdf", PAGE_TEXTS)

    doc = load(path)

    assert isinstance(doc, Document)
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert [words(p.text) for p in doc.pages] == PAGE_TEXTS


def test_pdf_page_without_text_is_dropped_but_numbers_stay(tmp_path) -> None:
    path = make_pdf(tmp_path / "campur.pdf", [None, PAGE_TEXTS[1], None, PAGE_TEXTS[2]])

    doc = load(path)

    assert isinstance(doc, Document)
    assert [p.number for p in doc.pages] == [2, 4]
    assert [words(p.text) for p in doc.pages] == [PAGE_TEXTS[1], PAGE_TEXTS[2]]


REPORT_HEADER = "Laporan Pemantauan TPPO Provinsi Nusa Tenggara Barat 2024"
REPORT_FOOTER = "Dokumen ini ditandatangani secara elektronik oleh Balai Sertifikasi Elektronik"
TOPICS = ["perekrutan", "pemberangkatan", "penampungan", "pemulangan", "pendampingan"]


def column(side: str, n: int) -> str:
    return " ".join(f"Kalimat {i} kolom {side} membahas korban di desa {side} dan modus "
                    f"{TOPICS[n]}." for i in range(5))


def report_pages() -> list[list[tuple]]:
    """Five pages of a report: a heading, a paragraph across the page, two columns."""
    return [[("heading", f"Modus {topic}"),
             ("text", f"Bagian ini menjelaskan modus {topic} yang ditemukan tim pemantau."),
             ("columns", column("kiri", n), column("kanan", n))]
            for n, topic in enumerate(TOPICS)]


def test_report_pdf_loses_its_header_footer_and_page_numbers(tmp_path) -> None:
    from pdfs import write_report

    path = write_report(tmp_path / "laporan.pdf", report_pages(), header=REPORT_HEADER,
                        footer=REPORT_FOOTER, number="- {n} -")
    doc = load(path)
    assert isinstance(doc, Document) and [p.number for p in doc.pages] == [1, 2, 3, 4, 5]
    for n, page in enumerate(doc.pages):
        assert REPORT_HEADER not in page.text and REPORT_FOOTER not in page.text
        assert f"- {n + 1} -" not in page.text
        paragraphs = page.text.split("\n\n")
        assert paragraphs[0] == f"Modus {TOPICS[n]}"  # the heading, a paragraph of its own
        assert paragraphs[1].startswith("Bagian ini menjelaskan")
        assert words(column("kiri", n)) in words(page.text)  # each column whole, in order
        assert words(column("kanan", n)) in words(page.text)
        assert words(page.text).index(column("kiri", n)) < words(page.text).index(
            column("kanan", n))


def test_report_pdf_numbered_halaman_n_dari_m_without_footer(tmp_path) -> None:
    from pdfs import write_report

    path = write_report(tmp_path / "laporan.pdf", report_pages(), number="Halaman {n} dari 5")
    doc = load(path)
    assert all("Halaman" not in p.text for p in doc.pages)
    assert doc.pages[0].text.startswith("Modus perekrutan\n\nBagian ini menjelaskan")


def test_a_short_pdf_keeps_what_only_repeats_twice(tmp_path) -> None:
    """Two pages cannot tell a repeated header from text; their page numbers still go."""
    from pdfs import write_report

    path = write_report(tmp_path / "dua.pdf", report_pages()[:2], header=REPORT_HEADER)
    doc = load(path)
    assert all(p.text.startswith(REPORT_HEADER) for p in doc.pages)
    assert all("- 1 -" not in p.text and "- 2 -" not in p.text for p in doc.pages)


def test_markdown_headings_stand_alone(make_corpus) -> None:
    title = "## Modus perekrutan korban melalui tawaran kerja di luar negeri yang menjanjikan"
    line = "para perekrut mendatangi desa-desa dan menawarkan pekerjaan dengan gaji"
    corpus = make_corpus({"catatan.md": f"{title}\nPara perekrut datang.\n{line}\n{line}\n"
                                        f"{line}\n{line}.\n"})
    doc = load_file(corpus / "catatan.md", corpus)
    assert doc.pages[0].text.split("\n\n")[0] == title


def test_pdf_without_text_layer_needs_ocr(tmp_path) -> None:
    path = make_pdf(tmp_path / "pindaian.pdf", [None])

    assert load(path) == Skipped("pindaian.pdf", "tidak ada lapisan teks, perlu OCR")


@pytest.mark.parametrize("algorithm", ["AES-256", "RC4-128"])
def test_pdf_with_user_password_is_skipped(tmp_path, algorithm) -> None:
    plain = make_pdf(tmp_path / "asli.pdf", PAGE_TEXTS)
    locked = encrypt_pdf(plain, tmp_path / "terkunci.pdf", "kata-sandi", algorithm)

    result = load(locked)

    assert isinstance(result, Skipped)
    assert result.source == "terkunci.pdf"
    assert "terenkripsi" in result.reason


@pytest.mark.parametrize("algorithm", ["AES-256", "RC4-128"])
def test_pdf_with_empty_user_password_is_loaded(tmp_path, algorithm) -> None:
    plain = make_pdf(tmp_path / "asli.pdf", PAGE_TEXTS)
    # Only the owner password is set: any reader may open it (typical "protected" PDFs).
    opened = encrypt_pdf(plain, tmp_path / "terlindungi.pdf", "", algorithm)

    doc = load(opened)

    assert isinstance(doc, Document)
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert [words(p.text) for p in doc.pages] == PAGE_TEXTS


def test_truncated_pdf_is_broken(tmp_path) -> None:
    data = make_pdf(tmp_path / "utuh.pdf", PAGE_TEXTS).read_bytes()
    path = tmp_path / "terpotong.pdf"
    path.write_bytes(data[: len(data) // 2])

    result = load(path)

    assert isinstance(result, Skipped)
    assert "rusak" in result.reason


@pytest.mark.parametrize("data", [
    bytes(range(256)) * 8,  # not a PDF at all
    b"%PDF-1.7\n" + bytes(range(256)) * 8,  # a PDF header, then garbage
], ids=["no-header", "header-then-garbage"])
def test_garbage_pdf_is_broken(tmp_path, data) -> None:
    path = tmp_path / "sampah.pdf"
    path.write_bytes(data)

    result = load(path)

    assert isinstance(result, Skipped)
    assert "rusak" in result.reason


@pytest.mark.parametrize("name, data", [
    ("kosong.txt", b""),
    ("spasi.md", b"  \n\n\t \r\n"),
])
def test_empty_text_file_is_skipped(tmp_path, name, data) -> None:
    path = tmp_path / name
    path.write_bytes(data)

    result = load(path)

    assert isinstance(result, Skipped)
    assert "kosong" in result.reason


def test_empty_pdf_is_skipped(tmp_path) -> None:
    path = tmp_path / "kosong.pdf"
    path.write_bytes(b"")

    result = load(path)

    assert isinstance(result, Skipped)
    assert result.reason.startswith(("kosong", "rusak"))


# --------------------------------------------------------------------------- load_corpus


def test_one_bad_file_does_not_stop_the_corpus(make_corpus, tmp_path) -> None:
    corpus = make_corpus({
        "a-baik.txt": "Teks yang baik tentang ACTIP.",
        "b-sampah.pdf": bytes(range(256)) * 4,
        "d-kosong.txt": "",
    })
    make_pdf(corpus / "c-laporan.pdf", PAGE_TEXTS[:2])
    encrypt_pdf(make_pdf(tmp_path / "asli.pdf", PAGE_TEXTS), corpus / "e-terkunci.pdf",
                "kata-sandi", "AES-256")

    results = {r.source: r for r in load_corpus(corpus)}

    assert list(results) == ["a-baik.txt", "b-sampah.pdf", "c-laporan.pdf", "d-kosong.txt",
                             "e-terkunci.pdf"]
    assert isinstance(results["a-baik.txt"], Document)
    assert results["a-baik.txt"].pages[0].text == "Teks yang baik tentang ACTIP."
    assert isinstance(results["c-laporan.pdf"], Document)
    assert [p.number for p in results["c-laporan.pdf"].pages] == [1, 2]
    assert "rusak" in results["b-sampah.pdf"].reason
    assert "kosong" in results["d-kosong.txt"].reason
    assert "terenkripsi" in results["e-terkunci.pdf"].reason


# --------------------------------------------------------------------------- reasons


@pytest.mark.parametrize("error, expected", [
    (PdfReadError("EOF marker not found"), ui_text.REASON_BROKEN),
    (FileNotDecryptedError("File has not been decrypted"), ui_text.REASON_ENCRYPTED),
    (DependencyError("cryptography>=3.1 is required for AES algorithm"),
     "terenkripsi: pustaka dekripsinya belum terpasang"),
    (DependencyError("pillow is required to do image extraction"), "rusak:"),
    (LimitReachedError("Maximum page tree depth reached: 101 > 100."), ui_text.REASON_NESTED),
    (LimitReachedError("Limit reached while decompressing."), ui_text.REASON_LIMIT),
    (RecursionError("maximum recursion depth exceeded"), ui_text.REASON_NESTED),
    (MemoryError(), ui_text.REASON_TOO_BIG),
    (ValueError("invalid literal"), ui_text.REASON_BROKEN),
    (ZeroDivisionError("division by zero"), ui_text.REASON_BROKEN),
])
def test_reason_for_pypdf_and_builtin_errors(error, expected) -> None:
    # DependencyError is not a PyPdfError: it still becomes a reason, never a crash
    assert not isinstance(DependencyError(), PyPdfError)
    assert loaders.reason_for(error).startswith(expected)


def test_binary_file_named_as_text_is_refused(make_corpus) -> None:
    corpus = make_corpus({
        "foto.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        "catatan.txt": "Bagian satu.\fBagian dua\x1b[0m selesai.\n",  # a form feed, an escape
    })

    assert load(corpus / "foto.md") == Skipped("foto.md", ui_text.REASON_NOT_TEXT)
    doc = load(corpus / "catatan.txt")
    assert isinstance(doc, Document)
    assert "Bagian dua" in doc.pages[0].text


# --------------------------------------------------------------------------- links and odd files


SECRET = "root:x:0:0:RAHASIA-DI-LUAR-KORPUS"


def outcomes(corpus: Path) -> dict[str, Document | Skipped]:
    return {r.source: r for r in load_corpus(corpus)}


def test_links_leaving_the_corpus_are_refused_with_a_reason(make_corpus, tmp_path) -> None:
    corpus = make_corpus({"baik.txt": "Teks yang baik tentang ACTIP."})
    outside = make_corpus({"rahasia.txt": SECRET, "map/lain.txt": SECRET}, folder="luar")
    (corpus / "tautan.txt").symlink_to(outside / "rahasia.txt")  # like a link to /etc/passwd
    (corpus / "map-luar").symlink_to(outside / "map", target_is_directory=True)
    (corpus / "relatif.md").symlink_to("../luar/rahasia.txt")

    results = outcomes(corpus)

    assert results["tautan.txt"] == Skipped("tautan.txt", ui_text.REASON_LINK_OUTSIDE)
    assert results["map-luar"] == Skipped("map-luar", ui_text.REASON_LINK_OUTSIDE)
    assert results["relatif.md"] == Skipped("relatif.md", ui_text.REASON_LINK_OUTSIDE)
    assert isinstance(results["baik.txt"], Document)
    texts = " ".join(p.text for r in results.values() if isinstance(r, Document)
                     for p in r.pages)
    assert "RAHASIA" not in texts
    assert find_files(corpus) == [corpus / "baik.txt"]
    # load_file called directly on such a link refuses it too
    assert load_file(corpus / "tautan.txt", corpus) == results["tautan.txt"]


def test_broken_and_looping_links_are_reported(make_corpus) -> None:
    corpus = make_corpus({"sub/isi.txt": "Teks di dalam sub-folder tentang ACTIP."})
    (corpus / "rusak.txt").symlink_to(corpus / "tidak-ada.txt")
    (corpus / "putar.txt").symlink_to("putar.txt")
    (corpus / "sub" / "atas").symlink_to("..", target_is_directory=True)
    (corpus / "sub" / "diri").symlink_to(".", target_is_directory=True)
    (corpus / "lain.docx").symlink_to("tidak-ada.docx")  # an unsupported name: not a word

    results = outcomes(corpus)

    assert results["rusak.txt"] == Skipped("rusak.txt", ui_text.REASON_LINK_BROKEN)
    assert results["putar.txt"] == Skipped("putar.txt", ui_text.REASON_LINK_LOOP)
    assert results["sub/atas"] == Skipped("sub/atas", ui_text.REASON_LINK_LOOP)
    assert results["sub/diri"] == Skipped("sub/diri", ui_text.REASON_LINK_LOOP)
    assert isinstance(results["sub/isi.txt"], Document)
    assert set(results) == {"rusak.txt", "putar.txt", "sub/atas", "sub/diri", "sub/isi.txt"}


def test_links_that_stay_inside_the_corpus_are_followed(make_corpus) -> None:
    corpus = make_corpus({"asli/dokumen.txt": "Dokumen asli tentang ACTIP tahun 2015."})
    (corpus / "alias.txt").symlink_to(corpus / "asli" / "dokumen.txt")
    (corpus / "salinan").symlink_to("asli", target_is_directory=True)

    results = outcomes(corpus)

    assert set(results) == {"alias.txt", "asli/dokumen.txt", "salinan/dokumen.txt"}
    assert all(isinstance(r, Document) for r in results.values())
    assert results["alias.txt"].pages == results["asli/dokumen.txt"].pages


def test_fifo_is_refused_instead_of_hanging(make_corpus) -> None:
    corpus = make_corpus({"baik.txt": "Teks yang baik."})
    os.mkfifo(corpus / "pipa.txt")  # opening it for reading would wait for a writer forever

    results = outcomes(corpus)

    assert results["pipa.txt"] == Skipped("pipa.txt", ui_text.REASON_NOT_REGULAR)
    assert load_file(corpus / "pipa.txt", corpus) == results["pipa.txt"]
    assert isinstance(results["baik.txt"], Document)


# --------------------------------------------------------------------------- size and page limits


def test_text_limit_is_the_upload_limit() -> None:
    from tanya_trafficking import pipeline

    assert loaders.MAX_TEXT_BYTES == pipeline.UPLOAD_MAX_BYTES == 20 * 1024 * 1024


def test_oversized_text_is_refused_before_reading(make_corpus) -> None:
    corpus = make_corpus({})
    with open(corpus / "besar.txt", "wb") as f:  # sparse: 21 MiB on paper, nothing on disk
        f.write(b"Teks ")
        f.truncate(21 * 2**20)
    tracemalloc.start()
    try:
        result = load_file(corpus / "besar.txt", corpus)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert result == Skipped("besar.txt", "terlalu besar: 21 MB, batas 20 MB")
    assert peak < 2 * 2**20  # the file was not read into memory


def test_oversized_pdf_is_refused_before_reading(make_corpus) -> None:
    corpus = make_corpus({})
    with open(corpus / "besar.pdf", "wb") as f:
        f.write(b"%PDF-1.7\n")
        f.truncate(loaders.PDF_MAX_BYTES + 2**20)
    tracemalloc.start()
    try:
        result = load_file(corpus / "besar.pdf", corpus)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert result == Skipped("besar.pdf", "terlalu besar: 101 MB, batas 100 MB")
    assert peak < 2 * 2**20


def test_pdf_with_too_many_pages_is_refused(tmp_path, monkeypatch) -> None:
    path = make_pdf(tmp_path / "tebal.pdf", [f"Halaman nomor {i}." for i in range(1, 31)])
    monkeypatch.setattr(loaders, "PDF_MAX_PAGES", 20)

    assert load(path) == Skipped("tebal.pdf", "terlalu banyak halaman: 30, batas 20")

    monkeypatch.setattr(loaders, "PDF_MAX_PAGES", 30)
    doc = load(path)
    assert isinstance(doc, Document) and len(doc.pages) == 30


def test_limits_are_sensible() -> None:
    assert loaders.PDF_MAX_BYTES == 100 * 1024 * 1024
    assert loaders.PDF_MAX_PAGES == 2_000


# --------------------------------------------------------------------------- no Python text


def test_vanished_file_gets_an_indonesian_reason(tmp_path) -> None:
    result = load_file(tmp_path / "hilang.txt", tmp_path)

    assert result == Skipped("hilang.txt", "tidak bisa dibaca (berkasnya tidak ada)")


@pytest.mark.parametrize("error", [
    DependencyError("cryptography>=3.1 is required for AES algorithm"),
    DependencyError("pillow is required to do image extraction"),
    LimitReachedError("Reached maximum array element count."),
])
def test_reasons_carry_no_python_text(error) -> None:
    reason = loaders.reason_for(error)

    assert not any(word in reason for word in ("required", "Reached", "element", "Error"))
    assert reason.startswith(("rusak:", "terenkripsi:")), reason


def test_the_pdf_worker_speaks_json_and_nothing_else_is_a_page() -> None:
    """The worker's messages are JSON (never pickles: it parses hostile files); a message of
    any other shape means a broken file."""
    message = loaders._page_message
    assert message(b'[3, "Halaman tiga."]') == (3, "Halaman tiga.")
    assert message(b"null") is None
    assert message('"rusak: bukan berkas PDF"'.encode()) == "rusak: bukan berkas PDF"
    for junk in (b"\x80\x04K\x01.", b"[1]", b'{"a": 1}', b'["1", "x"]', b"[1, 2]"):
        assert message(junk) == ui_text.REASON_BROKEN, junk


def test_load_file_reports_every_page_with_the_count(tmp_path) -> None:
    """Progress while reading (progress.py): the worker sends the page count first, then each
    page is reported as (done, total)."""
    path = write_pdf(tmp_path / "tiga.pdf", [f"Halaman {n} tentang perdagangan orang."
                                             for n in range(1, 6)])
    seen: list[tuple[int, int]] = []
    doc = loaders.load_file(path, tmp_path, on_page=lambda done, total: seen.append((done, total)))
    assert len(doc.pages) == 5
    assert seen == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    text = tmp_path / "catatan.txt"
    text.write_text("Satu halaman saja.\n", encoding="utf-8")
    seen.clear()
    loaders.load_file(text, tmp_path, on_page=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 1)]
    assert loaders._page_message(b'{"pages": 7}') == 7
    for junk in (b'{"pages": -1}', b'{"pages": "7"}', b'{"pages": true}', b'{"pages": 1, "x": 2}'):
        assert loaders._page_message(junk) == ui_text.REASON_BROKEN, junk

"""The page renderer in its worker (pdfworker.py): real PDFs written by fpdf2, drawn by pdfium
in the forked, limited worker; the quote found on the page and highlighted on the PNG."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest
from pdfs import write_pdf

from tanya_trafficking import loaders, pdfworker, ui_text
from tanya_trafficking.schema import Document

FACT = ("Pada tahun 2025 Lembaga Pelindung Pesisir mencatat 52 awak kapal asal Desa Karangjati "
        "yang dipekerjakan paksa di kapal penangkap cumi.")
PAGES = ["Laporan Tahunan. Bagian pertama berisi pengantar dan ucapan terima kasih kepada para "
         "mitra yang mendukung kegiatan lembaga sepanjang tahun.",
         "Halaman kedua dibuka dengan ringkasan. " + FACT + " Mereka kini didampingi oleh "
         "pekerja sosial desa."]


@pytest.fixture
def report(tmp_path) -> Path:
    return write_pdf(tmp_path / "laporan.pdf", PAGES)


def cleaned_quote(path: Path) -> tuple[str, float]:
    """FACT as the index holds it: cut from the cleaned text of page 2 (pypdf, textnorm), and
    its relative position there."""
    doc = loaders.load_file(path, path.parent)
    assert isinstance(doc, Document)
    text = next(p.text for p in doc.pages if p.number == 2)
    start = text.index("Pada tahun 2025")
    end = text.index("cumi.") + len("cumi.")
    return text[start:end], start / len(text)


def render(path: Path, page: int, quote: str, hint: float = 0.0):
    with open(path, "rb") as f:
        return pdfworker.render_page(f.fileno(), page, quote, hint)


def highlighted(png: bytes) -> tuple[int, tuple[int, int, int, int] | None]:
    """How many pixels of the PNG the highlight turned yellow, and their bounding box."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    ys, xs = np.nonzero((r > 150) & (g > 120) & (r - b > 80))
    if not len(xs):
        return 0, None
    return len(xs), (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))


def word_box(path: Path, page: int, word: str, width: int, height: int) -> tuple:
    """Where pdfium's own search finds ``word`` on the page, in the rendered image's pixels
    (PDF points scaled; y downwards): an independent check of the highlight's place."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    p = pdf[page - 1]
    pw, ph = p.get_size()
    textpage = p.get_textpage()
    found = textpage.search(word, match_case=True).get_next()
    assert found, word
    first, count = found
    boxes = [textpage.get_charbox(i) for i in range(first, first + count)]
    sx, sy = width / pw, height / ph
    left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
    bottom, top = min(b[1] for b in boxes), max(b[3] for b in boxes)
    return left * sx, (ph - top) * sy, right * sx, (ph - bottom) * sy


def test_a_quote_on_page_2_is_located_and_highlighted_over_its_text(report) -> None:
    quote, hint = cleaned_quote(report)
    result = render(report, 2, quote, hint)
    assert isinstance(result, dict), result
    width, height = result["width"], result["height"]
    assert result["png"].startswith(b"\x89PNG") and width == pdfworker.RENDER_WIDTH_PX
    boxes = result["boxes"]
    assert len(boxes) == 2  # the quote runs over two lines: one box per line
    for x0, y0, x1, y1 in boxes:
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    # The words of the quote lie inside the boxes; the words around it do not.
    def inside(box, boxes):
        x0, y0, x1, y1 = box
        return any(a <= x0 + 1 and b <= y0 + 1 and x1 - 1 <= c and y1 - 1 <= d
                   for a, b, c, d in boxes)
    for word in ("Pada", "Karangjati", "cumi"):
        assert inside(word_box(report, 2, word, width, height), boxes), word
    for word in ("ringkasan", "Mereka"):
        assert not inside(word_box(report, 2, word, width, height), boxes), word
    # The PNG itself is yellow exactly there.
    count, area = highlighted(result["png"])
    assert count > 5000, count
    x0, y0, x1, y1 = area
    union = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
             max(b[3] for b in boxes))
    assert union[0] - 2 <= x0 and union[1] - 2 <= y0 and x1 <= union[2] + 2 \
        and y1 <= union[3] + 2, (area, union)
    kx0, ky0, kx1, ky1 = word_box(report, 2, "Karangjati", width, height)
    assert x0 <= kx0 and y0 <= ky0 and kx1 <= x1 and ky1 <= y1


def test_a_quote_that_is_not_on_the_page_shows_the_page_without_highlight(report) -> None:
    quote, _ = cleaned_quote(report)
    result = render(report, 1, quote)  # page 1 does not hold it
    assert isinstance(result, dict), result
    assert result["boxes"] == []
    assert highlighted(result["png"])[0] == 0
    assert result["png"].startswith(b"\x89PNG")


def test_a_page_that_does_not_exist_is_a_reason(report) -> None:
    assert render(report, 3, FACT) == ui_text.REASON_BROKEN


def test_malformed_pdf_is_refused_in_indonesian(tmp_path) -> None:
    path = tmp_path / "rusak.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R\n%%EOF")
    assert render(path, 1, FACT) == "rusak: tidak bisa dibaca sebagai PDF"


def heavy_pdf() -> bytes:
    """One page whose content stream draws three million lines (130 KB on disk): seconds of
    pdfium's time."""
    from test_hostile_input import raw_pdf, stream

    ops = zlib.compress(b"0 0 m 600 800 l S\n" * 3_000_000, 9)
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        4: stream(ops, b"/Filter /FlateDecode"),
    })


def test_a_page_too_heavy_to_draw_is_stopped_by_the_time_limit(tmp_path, monkeypatch) -> None:
    path = tmp_path / "berat.pdf"
    path.write_bytes(heavy_pdf())
    monkeypatch.setattr(loaders, "PDF_STEP_TIME_LIMIT_S", 0.5)
    assert render(path, 1, FACT) == \
        "rusak: pembacaan PDF macet (satu langkah lebih dari 0.5 detik)"


def test_drawing_past_the_memory_limit_is_refused(report, monkeypatch) -> None:
    # A page drawn 9,000 pixels wide needs about 500 MB; the worker may add 64 MB.
    monkeypatch.setattr(pdfworker, "RENDER_WIDTH_PX", 9_000)
    monkeypatch.setattr(pdfworker, "RENDER_MAX_PIXELS", 200_000_000)
    monkeypatch.setattr(pdfworker, "RENDER_MAX_SCALE", 20.0)
    monkeypatch.setattr(loaders, "PDF_MEMORY_LIMIT_BYTES", 64 * 1024**2)
    assert render(report, 2, FACT) == ui_text.REASON_TOO_BIG


def test_a_huge_page_is_drawn_within_the_pixel_cap(tmp_path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format=(5000, 5000))  # millimetres: a page of 5 x 5 metres
    pdf.add_page()
    pdf.set_font("Helvetica", size=200)
    pdf.cell(0, 100, "Halaman raksasa.")
    path = tmp_path / "raksasa.pdf"
    pdf.output(str(path))
    result = render(path, 1, "Halaman raksasa.")
    assert isinstance(result, dict), result
    assert result["width"] * result["height"] <= pdfworker.RENDER_MAX_PIXELS
    assert result["boxes"]


def test_the_worker_speaks_json_and_its_shape_is_checked() -> None:
    check = pdfworker._result
    assert check(b'{"reason": "rusak: x"}') == "rusak: x"
    assert check(b"\x80\x04pickle") == ui_text.REASON_BROKEN
    assert check(b'{"result": {"png": "bm90IGEgcG5n", "width": 1, "height": 1, '
                 b'"boxes": []}}') == ui_text.REASON_BROKEN  # not a PNG
    assert check(b'{"result": {"png": "iVBORw0KGgo=", "width": 1, "height": 1, '
                 b'"boxes": [[1, 2, 3]]}}') == ui_text.REASON_BROKEN
    ok = check(b'{"result": {"png": "iVBORw0KGgo=", "width": 2, "height": 3, '
               b'"boxes": [[0, 0, 1, 1]]}}')
    assert ok == {"png": b"\x89PNG\r\n\x1a\n", "width": 2, "height": 3,
                  "boxes": [[0.0, 0.0, 1.0, 1.0]]}

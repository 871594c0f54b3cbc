"""A quote where it stands (pageview.py): its address, and the view of a real index's PDF page
and text passage, served only for the index's own documents and cached."""

from __future__ import annotations

import os

import pytest
from pdfs import write_pdf

from tanya_trafficking import pageview, pipeline, store, ui_text
from tanya_trafficking.config import Settings
from tanya_trafficking.pageview import source_id, source_link
from tanya_trafficking.schema import Quote

FACT = ("Pada tahun 2025 Lembaga Pelindung Pesisir mencatat 52 awak kapal asal Desa Karangjati "
        "yang dipekerjakan paksa di kapal penangkap cumi.")


def test_source_link_names_an_id_and_a_span_never_a_path() -> None:
    quote = Quote("x", "laporan/../../etc/passwd.pdf", 2, "c", 1.0, 10, 20)
    link = source_link(quote)
    assert link == f"sumber/{source_id(quote.source)}/2/10-20"
    assert "passwd" not in link and len(source_id("a")) == 16
    assert source_link(Quote("x", "a.txt", None, "c", 1.0, 5, 9)).endswith("/0/5-9")
    assert source_link(Quote("x", "a.txt", None, "c", 1.0)) is None  # no span


# --------------------------------------------------------------------------- a real index


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, embedder):
    """An index of a two-page PDF (FACT on page 2) and a long text file."""
    corpus = tmp_path_factory.mktemp("pageview") / "corpus"
    corpus.mkdir()
    write_pdf(corpus / "laporan.pdf", ["Pengantar laporan tahunan lembaga.",
                                       "Ringkasan. " + FACT + " Mereka didampingi."])
    filler = " ".join(f"Kalimat pengisi nomor {i} tentang kegiatan desa." for i in range(80))
    (corpus / "catatan.txt").write_text(filler + " Konvensi ACTIP disahkan pada tahun 2015. "
                                        + filler, encoding="utf-8")
    settings = Settings(corpus=corpus, index=corpus.parent / "index")
    pipeline.build_index(settings)
    return settings, store.load_index(settings.index, embedder.id)


def span_of(index, source: str, page: int | None, text: str) -> tuple[int, int]:
    page_text = index.page_text(source, page)
    start = page_text.index(text)
    return start, start + len(text)


def test_view_of_a_pdf_quote_is_its_page_with_the_quote_highlighted(indexed) -> None:
    settings, index = indexed
    pageview.clear_cache()
    start, end = span_of(index, "laporan.pdf", 2, FACT)
    view = pageview.source_view(index, settings.corpus, source_id("laporan.pdf"), 2, start, end)
    assert view.is_pdf and view.page == 2 and view.quote == FACT and view.problem is None
    assert view.image.located and len(view.image.boxes) == 2
    assert view.image.png.startswith(b"\x89PNG")
    # Cached: the same page and quote is not drawn again.
    again = pageview.source_view(index, settings.corpus, source_id("laporan.pdf"), 2, start, end)
    assert again.image is view.image


def test_view_of_a_text_quote_is_its_passage_with_the_quote_marked(indexed) -> None:
    settings, index = indexed
    quote = "Konvensi ACTIP disahkan pada tahun 2015."
    start, end = span_of(index, "catatan.txt", None, quote)
    view = pageview.source_view(index, settings.corpus, source_id("catatan.txt"), 0, start, end)
    assert not view.is_pdf and view.image is None
    assert view.text[view.quote_start:view.quote_end] == quote
    assert pageview.TEXT_CONTEXT_CHARS - 60 <= view.quote_start <= pageview.TEXT_CONTEXT_CHARS
    assert view.more_before and view.more_after
    assert view.text.startswith("Kalimat") or view.text[0].isdigit() or view.text[0].isalpha()


def test_only_the_indexs_own_documents_pages_and_spans_are_served(indexed) -> None:
    settings, index = indexed
    pdf = source_id("laporan.pdf")
    start, end = span_of(index, "laporan.pdf", 2, FACT)
    view = lambda *a: pageview.source_view(index, settings.corpus, *a)  # noqa: E731
    assert view(source_id("../../etc/passwd"), 2, start, end) is None
    assert view(source_id("laporan.pdf") + "0", 2, start, end) is None
    assert view(pdf, 3, 0, 5) is None  # no such page
    assert view(pdf, 0, 0, 5) is None  # a PDF has no page 0
    assert view(pdf, 2, end, start) is None
    assert view(pdf, 2, 0, 10**6) is None


def test_a_pdf_changed_since_indexing_is_not_drawn(indexed, tmp_path) -> None:
    settings, index = indexed
    pageview.clear_cache()
    path = settings.corpus / "laporan.pdf"
    original = path.read_bytes()
    try:
        write_pdf(path, ["Isi lain sama sekali.", "Halaman kedua yang lain."])
        start, end = span_of(index, "laporan.pdf", 2, FACT)
        view = pageview.source_view(index, settings.corpus, source_id("laporan.pdf"), 2,
                                    start, end)
        assert view.image is None and view.problem == ui_text.SOURCE_CHANGED
        assert view.quote == FACT  # the quote is still shown, as text
        # A link in its place that leads out of the corpus is refused the same way as in a
        # rebuild, without being opened.
        path.unlink()
        os.symlink(tmp_path, path)
        view = pageview.source_view(index, settings.corpus, source_id("laporan.pdf"), 2,
                                    start, end)
        assert view.image is None and view.problem == ui_text.REASON_LINK_OUTSIDE
    finally:
        path.unlink()
        path.write_bytes(original)

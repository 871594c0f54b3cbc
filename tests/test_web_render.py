"""The chat's HTML (web/render.py, web/templates/): the answer bubble while it streams and
when complete, the "Sumber" block, the marks, escaping of everything users, documents and the
index bring, file names with bidi and invisible characters made visible, the documents panel.
The browser's view of the same HTML: test_browser.py."""

from __future__ import annotations

import re

import pytest
from seedqa import ACTIP_Q, ACTIP_SOURCE

from tanya_trafficking import pipeline
from tanya_trafficking.textnorm import display_name
from tanya_trafficking.web import render


@pytest.mark.slow
def test_answer_bubble_streams_then_shows_sources_and_copy_button(seed_bot) -> None:
    result = seed_bot.ask(ACTIP_Q)
    full = render.answer_html(result, seed_bot)
    partial = render.answer_html(result, seed_bot, reveal=10)
    assert "tt-cursor" in partial and "tt-sources" not in partial and "tt-copy" not in partial
    assert result.quotes[0].text[:10] in partial and result.quotes[0].text[:30] not in partial
    assert "tt-cursor" not in full
    assert '<details class="tt-sources"><summary>Sumber (1)</summary>' in full
    # The reader's short answer: shown on its own line and marked inside the quote.
    assert "Trafficking in Persons" in result.short_answer
    assert f'<mark class="tt-ans">{result.short_answer}</mark>' in full
    assert f'Jawaban singkat: <strong>{result.short_answer}</strong>' in full
    assert ACTIP_SOURCE in full and "Lihat bagian sekitarnya" in full
    # One HTML block for the Markdown renderer: a blank line would end it.
    assert "\n" not in full
    # What "Salin jawaban" copies: the plain answer, one hidden <span> per line.
    copy = re.search(r'<span class="tt-copy-text">(.*?)</span></div>', full).group(1)
    lines = re.findall(r"<span>(.*?)</span>", copy)
    assert "\n".join(lines) == result.text
    assert lines[0] == f"Jawaban singkat: {result.short_answer}" and "Menurut dokumen:" in lines
    assert "Sumber:" in lines


@pytest.mark.slow
def test_not_found_answer_marks_no_answer(seed_bot) -> None:
    result = seed_bot.ask("Berapa jumlah korban di Filipina pada tahun 2024?")
    assert not result.found and result.quotes
    html = render.answer_html(result, seed_bot)
    assert "tidak ditemukan dalam dokumen" in html and "Sumber bagian terkait" in html
    assert 'class="tt-ans"' not in html  # related passages, not answers


def test_user_text_is_escaped_everywhere() -> None:
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    for html in (render.user_html(evil), render.message_html(evil)):
        assert "<img" not in html and "<script" not in html and "&lt;script&gt;" in html
    manifest = {"documents": [{"source": evil + ".txt", "pages": 1, "chunks": 2}],
                "counts": {"documents": 1, "pages": 1, "chunks": 2},
                "skipped": [{"source": "x.pdf", "reason": evil}],
                "built_at": "2025-11-22T16:01:05+00:00"}
    html = render.documents_html(manifest)
    assert "<script" not in html and "<img" not in html


@pytest.mark.slow
def test_documents_panel_lists_counts_and_build_time(seed_bot) -> None:
    html = render.documents_html(seed_bot.index.manifest)
    for doc in seed_bot.index.manifest["documents"]:
        assert doc["source"] in html
        assert f'{doc["pages"]} halaman · {doc["chunks"]} bagian teks' in html
    assert render.format_time("2025-11-22T16:01:05+00:00") == "22 November 2025, 16.01 UTC"
    assert "Indeks terakhir dibangun" in html


def test_display_name_shows_bidi_and_invisible_characters() -> None:
    assert display_name("laporan\u202etxt.pdf") == "laporan[U+202E]txt.pdf"
    assert display_name("a\u200bb\u2066c\x07.txt") == "a[U+200B]b[U+2066]c[U+0007].txt"
    assert display_name("Laporan TPPO 2024 (final).pdf") == "Laporan TPPO 2024 (final).pdf"


def test_names_in_the_documents_panel_and_upload_report_are_neutralised() -> None:
    name = "exe.\u202egpj.pdf"
    panel = render.documents_html({"documents": [{"source": name, "pages": 1, "chunks": 1}],
                                   "skipped": [{"source": name, "reason": "kosong"}]})
    outcome = pipeline.UploadOutcome(name, False, "berkas kosong")
    report = render.upload_status_html("Selesai", outcomes=[outcome])
    for html in (panel, report):
        assert "\u202e" not in html and "[U+202E]" in html


def test_documents_panel_offers_scope_reindex_and_a_confirmed_delete() -> None:
    name = "laporan/kasus \u202e2024.md"
    manifest = {"documents": [{"source": "a.txt", "pages": 1, "chunks": 2,
                               "added": "2026-12-03T18:01:05+00:00"},
                              {"source": name, "pages": 3, "chunks": 4}],
                "counts": {"documents": 2, "pages": 4, "chunks": 6},
                "built_at": "2026-12-03T18:05:00+00:00"}
    html = render.documents_html(manifest)
    assert "\n" not in html and html.count('<li class="tt-doc"') == 2
    assert "ditambahkan 3 Desember 2026, 18.01 UTC" in html
    assert html.count("ditambahkan ") == 1  # a document without the record shows no time
    # every row: a checked scope box and both actions, named by the percent-encoded source
    assert html.count('type="checkbox" class="tt-scope"') == 2 and html.count("checked") == 2
    assert 'data-source="a.txt"' in html
    assert 'data-source="laporan%2Fkasus%20%E2%80%AE2024.md"' in html
    assert html.count(">Indeks ulang</button>") == 2 and html.count(">Hapus</button>") == 2
    # the confirmation is there, hidden until "Hapus" is clicked
    assert re.search(r'<span class="tt-doc-confirm" role="group" hidden>'
                     r'<span class="tt-doc-question">Hapus a\.txt dari korpus dan indeks\?',
                     html), html
    assert "Ya, hapus" in html and "Batal" in html
    assert 'aria-label="Cari jawaban di laporan/kasus [U+202E]2024.md"' in html


def test_document_status_shows_progress_then_the_outcome() -> None:
    busy = render.document_status_html("Menghapus a.txt", 0.4)
    assert 'role="progressbar"' in busy and 'aria-valuenow="40"' in busy
    assert "Menghapus a.txt…" in busy
    done = render.document_status_html("", outcome=pipeline.ChangeOutcome(True, "<a> dihapus."))
    assert 'class="tt-ok"' in done and "&lt;a&gt; dihapus." in done and "<a>" not in done
    failed = render.document_status_html("", outcome=pipeline.ChangeOutcome(False, "gagal"))
    assert 'class="tt-bad"' in failed and "✗" in failed
# --------------------------------------------------------------------------- source viewer


@pytest.mark.slow
def test_quote_numbers_link_to_their_source(seed_bot) -> None:
    result = seed_bot.ask(ACTIP_Q)
    html = render.answer_html(result, seed_bot)
    link = pipeline.source_link(result.quotes[0])
    cite = (f'<a class="tt-cite" href="{link}" title="Lihat sumber kutipan 1">'
            '<span class="tt-sr">Lihat sumber kutipan 1 </span>'
            '<span class="tt-cite-num">[1]</span></a>')
    assert html.count(cite) == 2  # after the quote, and in the "Sumber" block
    assert render.answer_html(result, seed_bot, reveal=10).count("tt-cite") == 0


def test_source_view_html_escapes_the_document_and_marks_the_quote() -> None:
    from tanya_trafficking.pageview import PageImage, SourceView

    evil = '<img src=x onerror="alert(1)">'
    text = f"Sebelum {evil}. Kutipan <b>ini</b>. Sesudah."
    start = text.index("Kutipan")
    end = text.index(". Sesudah")
    view = SourceView("catatan\u202e.txt", None, text[start:end], False, text=text,
                      quote_start=start, quote_end=end, more_after=True)
    html = render.source_view_html(view, "sumber/0123456789abcdef/0/5-9")
    assert "<img" not in html and "<b>" not in html and "\u202e" not in html
    assert '<mark class="tt-in-source">Kutipan &lt;b&gt;ini&lt;/b&gt;</mark>' in html
    assert "tanpa nomor halaman" in html and html.endswith("…</p></div>")
    # A PDF page: the image from the quote's own address, or why it cannot be shown.
    image = PageImage(b"\x89PNG", 1100, 1556, ((1.0, 2.0, 3.0, 4.0),))
    pdf = SourceView("laporan.pdf", 2, evil, True, image=image)
    html = render.source_view_html(pdf, "sumber/0123456789abcdef/2/5-9")
    assert 'src="sumber/0123456789abcdef/2/5-9.png"' in html
    assert 'alt="Halaman 2 dari laporan.pdf, kutipan ditandai kuning"' in html
    assert "Kutipan ditandai kuning pada halaman." in html and "<img src=x" not in html
    unplaced = SourceView("laporan.pdf", 2, "teks", True, image=PageImage(b"", 10, 10, ()))
    assert "tidak bisa ditandai" in render.source_view_html(unplaced, "sumber/x/2/1-2")
    broken = SourceView("laporan.pdf", 2, "teks kutipan", True, problem="rusak: x")
    html = render.source_view_html(broken, "sumber/x/2/1-2")
    assert "Halaman ini tidak bisa ditampilkan (rusak: x)." in html and "<img" not in html
    assert "teks kutipan" in html


def test_a_skipped_file_is_listed_with_its_reason_and_only_a_confirmed_delete() -> None:
    manifest = {"documents": [{"source": "a.txt", "pages": 1, "chunks": 2}],
                "counts": {"documents": 1, "pages": 1, "chunks": 2},
                "skipped": [{"source": "laporan/rusak \u202e.pdf",
                             "reason": "rusak: tidak bisa dibaca sebagai PDF"}]}
    html = render.documents_html(manifest)
    row = html[html.index('<li class="tt-doc tt-doc-skipped"'):]
    row = row[:row.index("</li>")]
    assert 'data-source="laporan%2Frusak%20%E2%80%AE.pdf"' in row
    assert "dilewati: rusak: tidak bisa dibaca sebagai PDF" in row
    assert "tt-doc-delete" in row and "tt-doc-reindex" not in row and "tt-scope" not in row
    assert "Hapus laporan/rusak [U+202E].pdf dari korpus?" in row and "Ya, hapus" in row
    assert "\u202e" not in html and "1 berkas dilewati" in html

"""Page furniture (``furniture.py``): running headers, footers and page numbers are recognised
by repetition and removed from the page text before cleaning; text that merely repeats stays.
The loader's side, on generated report PDFs and on the real regulation, is in
test_loaders.py and test_perda.py."""

from __future__ import annotations

from tanya_trafficking.furniture import furniture_lines, strip_furniture

FOOTER = "Dokumen ini ditandatangani secara elektronik oleh Balai Sertifikasi"


def body(n: int) -> str:
    return (f"Bagian {'ABCDEFGH'[n]}\nKorban di wilayah {n} mendapat pendampingan.\n"
            f"Petugas mencatat {n * 7} laporan baru.")


def pages_with(top, bottom, count: int = 6) -> list[tuple[int, str]]:
    """``count`` pages: ``top(n)`` and ``bottom(n)`` lines (None: no line) around a body."""
    out = []
    for n in range(1, count + 1):
        lines = [x for x in (top(n), body(n), bottom(n)) if x is not None]
        out.append((n, "\n".join(lines)))
    return out


def kept(pages) -> list[str]:
    return [text for _, text in strip_furniture(pages)]


def test_a_footer_repeated_on_every_page_is_removed() -> None:
    pages = pages_with(lambda n: None, lambda n: f"{FOOTER}\nsecara elektronik")
    for n, text in enumerate(kept(pages), 1):
        assert FOOTER not in text and "secara elektronik" not in text
        assert text == body(n)


def test_running_page_numbers_are_removed_in_any_common_form() -> None:
    for form in ("-{n}-", "- {n} -", "{n}", "Halaman {n} dari 6", "Page {n}",
                 "Laporan TPPO 2024 | {n}"):
        pages = pages_with(lambda n, f=form: f.format(n=n), lambda n: None)
        assert kept(pages) == [body(n) for n in range(1, 7)], form


def test_page_numbers_that_start_later_are_still_page_numbers() -> None:
    """A document whose printed numbers are the PDF page index plus a constant (a cover page
    before page "1"), numbered at the bottom."""
    pages = pages_with(lambda n: None, lambda n: f"— {n + 10} —")
    assert kept(pages) == [body(n) for n in range(1, 7)]


def test_a_heading_that_opens_many_pages_is_not_a_page_number() -> None:
    """"Pasal 21", "Pasal 22" ... open every page, but their numbers do not keep step with the
    page numbers: they stay."""
    pages = [(n, f"Pasal {3 * n + (n % 2)}\nIsi pasal yang panjang di halaman {n}.")
             for n in range(1, 7)]
    assert kept(pages) == [text for _, text in pages]


def test_a_phrase_that_many_pages_merely_start_with_stays() -> None:
    """The explanatory part of a regulation says "Cukup jelas." under most articles, so many
    pages start and end with it, but it occurs far more often than once a page: it is text."""
    pages = [(n, "\n".join(f"Pasal {4 * n + i}\nCukup jelas." for i in range(4)).split("\n", 1)[1])
             for n in range(1, 7)]
    assert pages[0][1].startswith("Cukup jelas.\nPasal 5")
    assert kept(pages) == [text for _, text in pages]


def test_a_line_repeated_on_few_pages_stays() -> None:
    pages = pages_with(lambda n: "Catatan redaksi" if n <= 2 else None, lambda n: None)
    assert kept(pages)[0].startswith("Catatan redaksi")


def test_a_repeated_line_in_the_middle_of_a_page_stays() -> None:
    """Only the lines at the top and bottom of a page can be furniture: the footer's text
    quoted in the middle of page 1 stays there."""
    middle = "\n".join(f"Baris isi {i} yang berbeda." for i in range(6))
    pages = [(n, f"-{n}-\n{middle}\n{FOOTER if n == 1 else ''}\n{middle}\n{FOOTER}")
             for n in range(1, 7)]
    texts = kept(pages)
    assert texts[0].count(FOOTER) == 1 and not texts[0].endswith(FOOTER)
    assert all(FOOTER not in text and not text.startswith("-") for text in texts[1:])


def test_a_sentence_whose_number_follows_the_page_stays() -> None:
    """A page number is a short line that does not end like a sentence."""
    pages = [(n, f"Pada hari ke-{n} tim menemukan korban baru.\nLaporan berlanjut {7 * n}.")
             for n in range(1, 7)]
    assert kept(pages) == [text for _, text in pages]


def test_a_single_page_has_no_furniture() -> None:
    page = [(1, f"-1-\n{body(1)}\n{FOOTER}")]
    assert kept(page) == [page[0][1]]
    assert furniture_lines([]) == []


def test_blank_lines_do_not_hide_the_page_edges() -> None:
    pages = [(n, f" \n\n-{n}-\n \n{body(n)}\n\n \n{FOOTER}\n \n") for n in range(1, 5)]
    for n, text in enumerate(kept(pages), 1):
        assert body(n) in text and FOOTER not in text and f"-{n}-" not in text


def test_a_repeated_line_of_text_below_the_header_stays() -> None:
    """Pages of a form all start their text with the same line, under a running header and a
    heading of their own: only what stands at the very edge goes."""
    pages = [(n, f"Laporan Pemantauan 2024\nBagian {'ABCDEFG'[n]}\nNama korban dan alamat:\n"
                 f"isian nomor {7 * n}\n-{n}-") for n in range(1, 7)]
    for n, text in enumerate(kept(pages), 1):
        assert text == f"Bagian {'ABCDEFG'[n]}\nNama korban dan alamat:\nisian nomor {7 * n}"

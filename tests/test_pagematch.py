"""Where a quote lies in a page's text (pagematch.py): letters and digits compared, whatever
the spaces, line breaks, hyphens and ligatures; repeats; partial matches; boxes per line."""

from __future__ import annotations

from tanya_trafficking.pagematch import line_boxes, locate, normalised

FACT = ("Pada tahun 2025 Lembaga Pelindung Pesisir mencatat 52 awak kapal asal Desa Karangjati "
        "yang dipekerjakan paksa di kapal penangkap cumi.")


def test_normalised_keeps_letters_and_digits_with_their_places() -> None:
    text, where = normalised("Per-\r\ndagangan  ﬁle, 2025!")
    assert text == "perdagangan" "file" "2025"
    assert [("Per-\r\ndagangan  ﬁle, 2025!")[i] for i in where[:4]] == ["P", "e", "r", "d"]
    assert where[11] == where[12]  # "ﬁ" gives "f" and "i", both from the ligature


def test_locate_tolerates_spaces_line_breaks_and_hyphenation() -> None:
    page = "Judul\r\nPada tahun 2025 tercatat 52 awak kapal yang dipe-\r\nkerjakan paksa. Lain."
    quote = "Pada tahun 2025 tercatat 52 awak kapal yang dipekerjakan paksa."
    start, end = locate(page, quote)
    assert page[start:end] == "Pada tahun 2025 tercatat 52 awak kapal yang dipe-\r\nkerjakan paksa"


def test_locate_picks_the_repeat_nearest_the_hint() -> None:
    page = "Korban didampingi. " + "x " * 200 + "Korban didampingi. " + "y " * 10
    first = locate(page, "Korban didampingi.", hint=0.0)
    last = locate(page, "Korban didampingi.", hint=0.95)
    assert first[0] == 0 and last[0] == page.rindex("Korban")


def test_locate_falls_back_to_the_quotes_ends_when_its_middle_differs() -> None:
    page = "Awal. " + FACT.replace("mencatat", "mendata") + " Akhir."
    start, end = locate(page, FACT)
    assert page[start:].startswith("Pada tahun") and page[:end].endswith("cumi")
    assert locate("Sama sekali lain.", FACT) is None
    assert locate(page, "ab") is None  # too short to place


def test_line_boxes_merge_characters_per_line() -> None:
    chars = [(10, 10, 20, 30), (20, 11, 30, 30), (0, 0, 0, 0), (30, 10, 40, 29),
             (5, 40, 15, 60), (15, 40, 25, 60)]
    assert line_boxes(chars, pad=0) == [(10, 10, 40, 30), (5, 40, 25, 60)]

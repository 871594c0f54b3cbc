"""The rules' side of answering (``candidates.py``): which sentences continue the best one,
and the focus of a fact question. End-to-end checks of the rules are in test_answering.py."""

from __future__ import annotations

from tanya_trafficking.candidates import continuation, focus
from tanya_trafficking.query import parse


def test_continuation_takes_the_sentence_that_leans_back() -> None:
    text = ("Berbagai organisasi internasional telah memperingati negara-negara. Seperti PBB, "
            "IOM dan UNODC telah memperingati setiap negara. Kalimat lain yang berdiri sendiri.")
    end = text.index(".") + 1
    follows = continuation(text, end)
    assert [t for _, _, t in follows] == ["Seperti PBB, IOM dan UNODC telah memperingati "
                                          "setiap negara."]


def test_continuation_takes_the_items_of_a_list() -> None:
    text = ("Ada tiga upaya. Adapun diantaranya:\n\n1. Membangun jaringan. Fungsinya mencegah."
            "\n\n2. Mengadopsi langkah.\n\nParagraf baru yang lain.")
    end = text.index("upaya.") + len("upaya.")
    got = [t for _, _, t in continuation(text, end)]
    assert got == ["Adapun diantaranya:", "1. Membangun jaringan.", "Fungsinya mencegah.",
                   "2. Mengadopsi langkah."]
    for s, e, t in continuation(text, end):
        assert text[s:e] == t


def test_continuation_stops_at_an_unrelated_sentence() -> None:
    text = "ASEAN didirikan untuk perdamaian. Pada tahun 2023 kasus meningkat."
    assert continuation(text, text.index(".") + 1) == []


def test_focus_is_the_word_after_the_question_word_frame_words_skipped() -> None:
    assert focus(parse("Berapa anggaran ASEAN?")).alternatives[0] == ("anggar",)
    assert focus(parse("Berapa jumlah korban tahun 2023?")).alternatives[0] == ("korban",)
    asked = parse("Di universitas mana skripsi itu ditulis?")
    assert focus(asked).alternatives[0] == ("universitas",)
    assert focus(parse("Apa tujuan ASEAN?")) is None  # not a fact question


def test_contrast_continues_across_a_paragraph_break_only_right_after() -> None:
    text = "ASEAN berdiri tahun 1967.\n\nAkan tetapi, masalah tetap ada. Namun, ada harapan."
    got = [t for _, _, t in continuation(text, text.index(".") + 1)]
    assert got == ["Akan tetapi, masalah tetap ada."]

"""The rules' side of answering (``candidates.py``): which sentences continue the best one,
and the focus of a fact question. End-to-end checks of the rules are in test_answering.py."""

from __future__ import annotations

from tanya_trafficking.candidates import _candidates, continuation, focus, follows_best
from tanya_trafficking.query import parse
from tanya_trafficking.schema import Chunk, Hit


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


# --- a regulation's layout: headings, lists, values ------------------------------------------

PASAL = ("Pasal 4\n\n(1) Pemerintah Daerah bertanggung jawab meliputi:\n\n"
         "a. sosialisasi mengenai:\n\n1. hak pekerja; dan\n\n2. Perdagangan Orang.\n\n"
         "b. menjalin kerja sama dengan berbagai pihak.\n\n"
         "(2) Tanggung jawab dikoordinasikan oleh Perangkat Daerah.\n\nBAB III\n\nPasal 5")


def _hit(text: str, start: int = 0) -> Hit:
    return Hit(Chunk(f"a.pdf:{start}", "a.pdf", 3, start, start + len(text), text), 0.5, 0.8, 1.0)


def test_headings_and_wordless_lines_are_never_candidates() -> None:
    text = ("BAB VIII\n\nPENDANAAN\n\nPasal 35\n\nNOMOR 6 TAHUN 2025\n\nModus perekrutan\n\n"
            "Pendanaan bersumber dari anggaran daerah.\n\n(6-151/2025)\n\n-27-")
    assert [c.text for c in _candidates([_hit(text)])] == [
        "Pendanaan bersumber dari anggaran daerah."]


def test_a_short_sentence_inside_a_paragraph_is_no_heading() -> None:
    """Only a whole line can be a heading: the last sentence of a paragraph, short and without
    a full stop, is still a candidate."""
    text = "Negara-negara ASEAN belum sepakat. Namun ada harapan baru"
    assert [c.text for c in _candidates([_hit(text)])] == [
        "Negara-negara ASEAN belum sepakat.", "Namun ada harapan baru"]


def test_a_list_keeps_its_nested_list_and_stops_at_the_next_ayat() -> None:
    end = PASAL.index("meliputi:") + len("meliputi:")
    got = [t for _, _, t in continuation(PASAL, end)]
    assert got == ["a. sosialisasi mengenai:", "1. hak pekerja; dan", "2. Perdagangan Orang.",
                   "b. menjalin kerja sama dengan berbagai pihak."]


def test_a_list_stops_at_a_heading_and_at_another_kind_of_marker() -> None:
    text = ("Pendanaan bersumber dari:\n\na. anggaran daerah; dan/atau\n\nb. sumber lain.\n\n"
            "BAB IX\n\nPasal 36")
    assert [t for _, _, t in continuation(text, text.index(":") + 1)] == [
        "a. anggaran daerah; dan/atau", "b. sumber lain."]
    text = "Asas-asasnya:\n\na. kolaboratif;\n\nb. partisipatif.\n\n1. Lain hal."
    assert [t for _, _, t in continuation(text, text.index(":") + 1)] == [
        "a. kolaboratif;", "b. partisipatif."]


def test_a_lead_in_without_items_brings_the_value_after_it() -> None:
    text = "NOREG PERATURAN DAERAH :\n\n(6-151/2025)\n\nKalimat berikutnya yang lain."
    assert [t for _, _, t in continuation(text, text.index(":") + 1)] == ["(6-151/2025)"]
    text = "Disahkan oleh:\n\nBAB II\n\nIsi bab."
    assert continuation(text, text.index(":") + 1) == []


def test_a_lead_in_brings_its_list_even_for_a_number_question() -> None:
    """"Berapa ..." is answered inside one sentence, unless that sentence only introduces the
    answer ("... paling sedikit memuat:")."""
    text = "Rencana aksi paling sedikit memuat:\n\na. latar belakang;\n\nb. 5 (lima) strategi."
    page = lambda source, page: text  # noqa: E731
    lead = _candidates([_hit(text)])[0]
    assert [t for _, _, t in follows_best(parse("Berapa strategi rencana aksi?"), lead, page)] \
        == ["a. latar belakang;", "b. 5 (lima) strategi."]
    plain = _candidates([_hit("Rencana aksi berlaku 5 (lima) tahun. Seperti itu.")])[0]
    assert follows_best(parse("Berapa lama rencana aksi berlaku?"), plain, page) == []


def test_a_list_stops_at_the_sibling_of_its_lead_in() -> None:
    text = ("1. Korban berhak atas:\n\na. rehabilitasi; dan\n\nb. pemulangan.\n\n"
            "2. Keluarga korban berhak atas pendampingan.")
    assert [t for _, _, t in continuation(text, text.index(":") + 1)] == [
        "a. rehabilitasi; dan", "b. pemulangan."]


def test_an_item_brings_its_lead_in_and_its_sibling_items() -> None:
    from tanya_trafficking.candidates import lead_in

    start = PASAL.index("2. Perdagangan")
    assert lead_in(PASAL, start)[2] == "a. sosialisasi mengenai:"
    start = PASAL.index("b. menjalin")
    lead = lead_in(PASAL, start)
    assert lead[2] == "(1) Pemerintah Daerah bertanggung jawab meliputi:"
    assert PASAL[lead[0]:lead[1]] == lead[2]
    assert lead_in(PASAL, PASAL.index("(2) Tanggung")) is None  # no ":" above it
    assert lead_in("Kalimat biasa.\n\na. butir satu.", 16) is None
    item = next(c for c in _candidates([_hit(PASAL)]) if c.text.startswith("b. menjalin"))
    page = lambda source, page: PASAL  # noqa: E731
    got = [t for _, _, t in follows_best(parse("Apa tanggung jawab pemerintah?"), item, page)]
    assert got == ["(1) Pemerintah Daerah bertanggung jawab meliputi:",
                   "a. sosialisasi mengenai:", "1. hak pekerja; dan", "2. Perdagangan Orang."]


def test_the_tail_of_a_sentence_from_the_page_before_is_no_candidate() -> None:
    text = ("Indonesia Tahun 2023 Nomor 41, Tambahan Lembaran Negara Republik Indonesia "
            "Nomor 6856);\n\nPeraturan ini mulai berlaku pada tanggal diundangkan.")
    chunk = Chunk("c", "perda.pdf", 3, 0, len(text), text)
    got = [c.text for c in _candidates([Hit(chunk, 1.0, 1.0, 1.0)])]
    assert got == ["Peraturan ini mulai berlaku pada tanggal diundangkan."]
    # the same words opening the first page, or later on a page, are sentences of their own
    first = Chunk("c", "perda.pdf", 1, 0, len(text), text)
    later = Chunk("c", "perda.pdf", 3, 40, 40 + len(text), text)
    for c in (first, later):
        assert len(_candidates([Hit(c, 1.0, 1.0, 1.0)])) == 2

"""Tests for tanya_trafficking.textnorm: decoding, cleaning, sentences, tokens."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tanya_trafficking.textnorm import (
    clean,
    decode_bytes,
    is_heading,
    is_question,
    list_style,
    normalize_for_match,
    split_sentences,
    tokenize,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
SEED_ARTICLE = SEEDS / "000_2816cf2e956440c3.txt"
SEED_ABSTRACT = SEEDS / "002_a5cb370b43b55e75.txt"
needs_seeds = pytest.mark.skipif(not SEED_ARTICLE.exists(), reason="seed corpus not available")

SAMPLE = "perdagangan orang — café ‘kutip’"


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def seed(path: Path) -> str:
    return clean(decode_bytes(path.read_bytes()))


# --------------------------------------------------------------------------- decode_bytes


# utf-16 writes a BOM; utf-16-le/-be write none (detected from the NUL bytes).
@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252"]
)
def test_decode_round_trips(encoding: str) -> None:
    assert decode_bytes(SAMPLE.encode(encoding)) == SAMPLE
    assert decode_bytes(("ABSTRAK\r\n" + SAMPLE).encode(encoding)) == "ABSTRAK\r\n" + SAMPLE


def test_decode_utf16_with_bom_both_endians() -> None:
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        assert decode_bytes(bom + SAMPLE.encode(codec)) == SAMPLE


def test_decode_latin1() -> None:
    text = "café ¿qué? 50°"  # representable in latin-1; byte 0x81 forces the latin-1 fallback
    assert decode_bytes(text.encode("latin-1")) == text
    assert decode_bytes(b"a\x81b") == "a\x81b"


def test_decode_never_produces_replacement_char() -> None:
    samples = (b"\xff\xfe\x00", b"caf\xe9 \x81\x8d\x90", bytes(range(256)), b"\xef\xbb\xbf\xff")
    for data in samples:
        assert "\ufffd" not in decode_bytes(data)


def test_decode_plain_ascii_and_empty() -> None:
    assert decode_bytes(b"") == ""
    assert decode_bytes(b"ASEAN 2015") == "ASEAN 2015"


# --------------------------------------------------------------------------- clean: characters


def test_clean_repairs_mojibake() -> None:
    assert clean("donâ€™t") == "don’t"
    assert clean("cafÃ© di Jakarta.") == "café di Jakarta."
    assert clean("kata â€œkutipâ€\x9d.") == "kata “kutip”."


def test_clean_removes_lone_a_circumflex() -> None:
    assert clean("Persons (ACTIP).Â\nSemenjak itu.") == "Persons (ACTIP).\n\nSemenjak itu."
    assert clean("kasus.Â Pada tahun") == "kasus. Pada tahun"
    assert clean("kasus. Â") == "kasus."
    assert clean("Index\u00c2\u00a02023") == "Index 2023"  # Â + NBSP is a mis-decoded NBSP


def test_clean_leaves_normal_indonesian_text_alone() -> None:
    text = "Pria dan anak-anak (UNODC, 2004) mencapai 5,82% atau 225.000 orang: “kutip” 'tunggal'."
    assert clean(text) == text


def test_clean_nfc() -> None:
    assert clean("cafe\u0301.") == "caf\u00e9."


def test_clean_removes_invisible_characters() -> None:
    text = "per\u200bdagangan\u200c or\u200dang\u2060 \ufeffASEAN pro\u00adtokol"
    assert clean(text) == "perdagangan orang ASEAN protokol"
    bidi = "\u202aASEAN\u202c \u2067UNODC\u2069 \u200eIOM\u200f \u202eX\u202d \u2066Y\u2068"
    assert clean(bidi) == "ASEAN UNODC IOM X Y"


def test_clean_keeps_emoji_and_other_scripts() -> None:
    text = "Stop 🚫 perdagangan 👩‍💻 مرحبا 中文 ไทย ที่ नमस्ते."
    assert clean(text) == text


def test_clean_whitespace() -> None:
    assert clean("  a\u00a0\u00a0b\tc\u2003d  \r\ne\u3000f.  \r\n\r\n\r\n") == "a b c d e f."
    assert clean("baris satu.\rbaris dua.") == "baris satu.\n\nbaris dua."
    assert clean("") == ""
    assert clean(" \n\t\n ") == ""


# --------------------------------------------------------------------------- clean: reflow


def test_clean_joins_hard_wrapped_lines() -> None:
    text = "ASEAN merupakan sebuah\norganisasi regional.\nIa berdiri tahun\n1967."
    assert clean(text) == "ASEAN merupakan sebuah organisasi regional.\n\nIa berdiri tahun 1967."


def test_clean_blank_lines_separate_paragraphs() -> None:
    text = "Paragraf satu\nberlanjut.\n\n\n\nParagraf dua tanpa titik\n\nParagraf tiga."
    assert clean(text) == "Paragraf satu berlanjut.\n\nParagraf dua tanpa titik\n\nParagraf tiga."


def test_clean_double_spaced_pdf() -> None:
    text = (
        " JUDUL \n\n \n\n"
        "Kalimat pertama ini dipotong \n\ndi tengah jalan oleh PDF. Kalimat kedua \n\n"
        "juga dipotong.  \n\n  \n\n"
        "Paragraf baru yang \n\njuga panjang.\n\n"
    )
    assert clean(text) == (
        "JUDUL\n\n"
        "Kalimat pertama ini dipotong di tengah jalan oleh PDF. Kalimat kedua juga dipotong.\n\n"
        "Paragraf baru yang juga panjang."
    )


def test_clean_list_items_and_headings_stay_separate() -> None:
    text = (
        "ABSTRAK\nAdapun diantaranya:\n1. Membangun jaringan\n2) Mengadopsi langkah\n"
        "- butir\n• butir lain\na. huruf\nBAB II TINJAUAN PUSTAKA\nIsi bab dua."
    )
    assert clean(text).split("\n\n") == [
        "ABSTRAK",
        "Adapun diantaranya:",
        "1. Membangun jaringan",
        "2) Mengadopsi langkah",
        "- butir",
        "• butir lain",
        "a. huruf",
        "BAB II TINJAUAN PUSTAKA",
        "Isi bab dua.",
    ]


def test_clean_sentence_final_punctuation_ends_paragraph() -> None:
    text = "Dia berkata “selesai.”\nLalu pergi!\nApa?\nBegitu;\nlalu (selesai.)\nAkhir"
    assert clean(text).split("\n\n") == [
        "Dia berkata “selesai.”", "Lalu pergi!", "Apa?", "Begitu;", "lalu (selesai.)", "Akhir"
    ]


def test_clean_short_line_ends_paragraph_in_long_documents() -> None:
    line = "kalimat yang cukup panjang untuk menjadi baris biasa dalam dokumen"
    text = f"Pendahuluan\n{line}\n{line}\n{line}\n{line}."
    assert clean(text) == f"Pendahuluan\n\n{line} {line} {line} {line}."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("upaya melaksana-\nkan aturan", "upaya melaksanakan aturan"),
        ("anak-\nanak kecil", "anak-anak kecil"),
        ("anak-\nanaknya pergi", "anak-anaknya pergi"),
        ("bekerja bersungguh-\nsungguh", "bekerja bersungguh-sungguh"),
        ("pandemi Covid-\n19 melanda", "pandemi Covid-19 melanda"),
        ("gerakan anti-\nASEAN muncul", "gerakan anti-ASEAN muncul"),
        ("harus me-\nmerlukan", "harus memerlukan"),
        ("asas non-intervensi, yaitu non-\nintervensi",
         "asas non-intervensi, yaitu non-intervensi"),
        ("pemba-\n\n\nngunan", "pemba-\n\nngunan"),  # a paragraph break is not a word break
        ("kata -\nlanjut", "kata - lanjut"),
        ("tahun 2022-\n2023", "tahun 2022-2023"),
        ("melaksana\u00ad\nkan", "melaksanakan"),
    ],
)
def test_clean_dehyphenation(text: str, expected: str) -> None:
    assert clean(text) == expected


def test_clean_dehyphenation_in_double_spaced_text() -> None:
    text = "harus melaksana- \n\nkan tugas; negara- \n\nnegara ASEAN dan anak-\n\nanaknya pergi"
    assert clean(text) == "harus melaksanakan tugas; negara-negara ASEAN dan anak-anaknya pergi"


def test_clean_keeps_within_line_hyphens() -> None:
    text = "negara-negara menolak non-intervensi dan langkah-langkah."
    assert clean(text) == text


IDEMPOTENCE_CASES = [
    "Judul\n\nkemudian teks.\n\nLain lagi",
    "satu baris tanpa titik\ndua baris tanpa titik\n\ntiga",
    "A.\n\nb\n\nc\n\nd.",
    " ABSTRAK \n\n \n\nKalimat ini \n\nberlanjut. \n\n  \n\nBaru \n\n",
    "berikut ini:\nmembangun jaringan\n1. satu\n2. dua",
    "anak-\nanak dan melaksana-\nkan\u00ad\n tugas\u200b Â\n",
    "x\u00a0\u00a0y\r\n\r\nz\t\tw",
]


@pytest.mark.parametrize("text", IDEMPOTENCE_CASES)
def test_clean_is_idempotent(text: str) -> None:
    once = clean(text)
    assert clean(once) == once


def test_clean_is_idempotent_on_random_mixtures() -> None:
    pieces = [
        "kata", "ASEAN", "anak-", "anak", "melaksana-", "kan", " ", "\n", "\n\n", "\n \n\n", ".",
        "?", ":", "1. ", "- ", "Â", "\u00a0", "\u00ad", "\u200b", "\u200d", "👩", "Ã©", "â€™",
        "(", ")", "\t", "\r\n", "Covid-", "19", "e\u0301", "ABSTRAK", "kemudian", "ﬁ",
    ]
    rng = random.Random(1234)
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        once = clean(text)
        assert clean(once) == once, text
        assert "\n\n\n" not in once and once == once.strip()
        for start, end in split_sentences(once):
            assert once[start:end] == once[start:end].strip() and "\n" not in once[start:end]


def test_clean_output_shape() -> None:
    out = clean("  a\n\n\n\n\nb  \n\n\n  c.  \n\n")
    assert out == "a\n\nb\n\nc."
    assert "\n\n\n" not in out and not out.startswith("\n") and not out.endswith(("\n", " "))


# --------------------------------------------------------------------------- headings


@pytest.mark.parametrize("line", [
    "BAB I", "BAB VIII", "Bagian Kesatu", "Bagian Kedua Belas", "Pasal 5", "Pasal 12A",
    "Ayat (2)", "Huruf a", "Paragraf 3", "NOMOR 6 TAHUN 2025", "KETENTUAN UMUM",
    "GUBERNUR DAERAH ISTIMEWA YOGYAKARTA,", "I. UMUM", "# Modus perekrutan",
    "### 2. Jalur pemberangkatan korban ke luar negeri melalui pelabuhan kecil di pesisir",
    "Pengelolaan Industri Pariwisata", "Pencegahan Perdagangan Orang pada Kegiatan Prostitusi",
    "Laporan Pemantauan TPPO Provinsi Nusa Tenggara Barat 2024", "Modus perekrutan", "Umum",
])
def test_headings_are_recognised_by_their_shape(line: str) -> None:
    assert is_heading(line)


@pytest.mark.parametrize("line", [
    "Regulasi ini disebut ASEAN Convention Against Trafficking in Persons (ACTIP).",
    "Pendanaan kegiatan upaya Pencegahan dan Penanganan Korban Perdagangan Orang yang "
    "dilaksanakan oleh Pemerintah Daerah bersumber dari:",
    "a. kolaboratif;", "e. pemberian bantuan hukum", "- Kamboja",
    "NOREG PERATURAN DAERAH DAERAH ISTIMEWA YOGYAKARTA :", "Cukup jelas.",
    "Kata Kunci: ASEAN, Human Trafficking, dan Prinsip Non-intervensi",
    "Ditetapkan di Yogyakarta pada tanggal 24 Oktober 2025 GUBERNUR DAERAH ISTIMEWA "
    "YOGYAKARTA, ttd. HAMENGKU BUWONO X",
    "(2) Edukasi kepada Masyarakat dilaksanakan oleh Perangkat Daerah terkait sesuai dengan "
    "tugas dan fungsinya",
    "Korban mendapat pendampingan hukum dari awal hingga akhir proses tanpa biaya", "",
])
def test_sentences_list_items_and_lead_ins_are_not_headings(line: str) -> None:
    assert not is_heading(line)


def test_a_heading_is_never_glued_onto_the_next_sentence() -> None:
    """A Title Case heading as long as a text line, then the report's first sentence (the
    issue's «Laporan Pemantauan TPPO ... 2024 Laporan ini disusun oleh ...»)."""
    line = "oleh tim pemantau provinsi bersama lembaga pendamping korban di"
    text = ("Laporan Pemantauan TPPO Provinsi Nusa Tenggara Barat 2024\n"
            f"Laporan ini disusun {line}\nsetiap kabupaten {line}\nsetiap kota.")
    paragraphs = clean(text).split("\n\n")
    assert paragraphs[0] == "Laporan Pemantauan TPPO Provinsi Nusa Tenggara Barat 2024"
    assert paragraphs[1].startswith("Laporan ini disusun oleh") and len(paragraphs) == 2


def test_a_wrapped_line_of_capitalised_names_stays_in_its_sentence() -> None:
    """In a regulation, a line of defined terms ("... Penanganan Korban") continues into the
    next line ("Perdagangan Orang bertujuan:"): that is one sentence, not a heading."""
    text = ("Pasal 3\nPengaturan Pencegahan dan Penanganan Korban\nPerdagangan Orang bertujuan:\n"
            "a. mencegah terjadinya Perdagangan Orang; dan\nb. memulihkan kerugian Korban.")
    assert clean(text).split("\n\n")[:2] == [
        "Pasal 3", "Pengaturan Pencegahan dan Penanganan Korban Perdagangan Orang bertujuan:"]


def test_a_line_ending_in_a_conjunction_goes_on_even_into_capitals() -> None:
    text = ("MEMUTUSKAN:\nMenetapkan: PERATURAN DAERAH TENTANG PENCEGAHAN DAN\n"
            "PENANGANAN KORBAN PERDAGANGAN ORANG.\nBAB I\nKETENTUAN UMUM")
    assert clean(text).split("\n\n") == [
        "MEMUTUSKAN:", "Menetapkan: PERATURAN DAERAH TENTANG PENCEGAHAN DAN PENANGANAN KORBAN "
        "PERDAGANGAN ORANG.", "BAB I", "KETENTUAN UMUM"]
    assert clean("Huruf a\nCukup jelas.\nHuruf b\nYang dimaksud dengan sumber lain.") == (
        "Huruf a\n\nCukup jelas.\n\nHuruf b\n\nYang dimaksud dengan sumber lain.")


def test_a_markdown_heading_ends_its_line_whatever_its_length() -> None:
    title = "## Modus perekrutan korban melalui tawaran kerja di luar negeri yang menjanjikan"
    line = "para perekrut mendatangi desa-desa dan menawarkan pekerjaan dengan gaji"
    text = f"{title}\nPara perekrut datang ke desa.\n{line}\n{line}\n{line}\n{line}."
    assert clean(text).split("\n\n")[0] == title


def test_a_colon_followed_by_lower_case_text_goes_on_as_one_sentence() -> None:
    """"..., seperti:" at the end of a line and the rest of the sentence on the next (no list
    marker): one paragraph, one sentence; a list item after ":" still starts a paragraph."""
    text = ("Hal tersebut disertai dengan ragam modus yang dilakukan, seperti:\n"
            "pengiriman pekerja tanpa dokumen resmi, serta modus lainnya.\n"
            "Pendanaan bersumber dari:\na. anggaran daerah; dan\nb. sumber lain.")
    cleaned = clean(text)
    assert sentences(cleaned)[0] == ("Hal tersebut disertai dengan ragam modus yang dilakukan, "
                                     "seperti: pengiriman pekerja tanpa dokumen resmi, serta "
                                     "modus lainnya.")
    assert "Pendanaan bersumber dari:\n\na. anggaran daerah; dan\n\nb. sumber lain." in cleaned


def test_a_hanging_label_is_split_from_the_first_item_of_its_list() -> None:
    """"Menimbang : a. bahwa ..." (a label in the left column, the items indented on the right)
    reads as a lead-in ending in ":" and its items; a longer sentence with a colon does not."""
    text = ("Menimbang : a. bahwa dalam upaya mewujudkan\nnilai Hamemayu Hayuning Bawana;\n"
            "b. bahwa terjadinya Perdagangan Orang;\nMengingat : 1. Pasal 18 ayat (6);\n"
            "  2. Undang-Undang Nomor 21 Tahun 2007;\n"
            "Upaya yang dilakukan antara lain: 1. membangun jaringan.")
    assert clean(text).split("\n\n") == [
        "Menimbang :", "a. bahwa dalam upaya mewujudkan nilai Hamemayu Hayuning Bawana;",
        "b. bahwa terjadinya Perdagangan Orang;", "Mengingat :", "1. Pasal 18 ayat (6);",
        "2. Undang-Undang Nomor 21 Tahun 2007;",
        "Upaya yang dilakukan antara lain: 1. membangun jaringan."]


SIGNATURE = ("Pasal 37\nPeraturan Daerah ini mulai berlaku pada tanggal\ndiundangkan.\n \n"
             "Ditetapkan di Yogyakarta \npada tanggal 24 Oktober 2025 \n  \nGUBERNUR \n"
             "DAERAH ISTIMEWA YOGYAKARTA, \n \nttd. \n \nHAMENGKU BUWONO X \n \n \n"
             "Diundangkan di Yogyakarta \npada tanggal 24 Oktober 2025 \n \n"
             "SEKRETARIS DAERAH \nDAERAH ISTIMEWA YOGYAKARTA, \n \nttd. \n \n"
             "NI MADE DWIPANTI INDRAYANTI \n \n \nLEMBARAN DAERAH TAHUN 2025 \nNOMOR 6 \n")


def test_a_signature_block_reads_as_one_sentence() -> None:
    cleaned = clean(SIGNATURE)
    found = sentences(cleaned)
    assert ("Ditetapkan di Yogyakarta pada tanggal 24 Oktober 2025 GUBERNUR DAERAH ISTIMEWA "
            "YOGYAKARTA, ttd. HAMENGKU BUWONO X") in found
    assert ("Diundangkan di Yogyakarta pada tanggal 24 Oktober 2025 SEKRETARIS DAERAH DAERAH "
            "ISTIMEWA YOGYAKARTA, ttd. NI MADE DWIPANTI INDRAYANTI") in found
    assert found[-2:] == ["LEMBARAN DAERAH TAHUN 2025", "NOMOR 6"]
    assert clean(cleaned) == cleaned


@pytest.mark.parametrize("text", [
    "Jakarta, 12 Maret 2024\nKepala Dinas Sosial,\nttd\nDr. Budi Santoso, M.Si.",
    "Disahkan di Mataram\npada tanggal 3 Januari 2023\nBUPATI LOMBOK TIMUR,\nSUKIMAN AZMY",
])
def test_signature_blocks_of_other_shapes(text: str) -> None:
    assert clean(text).count("\n") == 0


def test_without_an_office_ending_in_a_comma_there_is_no_signature_block() -> None:
    text = "Ditetapkan di Jakarta\npada tanggal 1 Mei 2020\nBAB II\nKETENTUAN LAIN"
    assert clean(text).split("\n\n")[1:] == ["BAB II", "KETENTUAN LAIN"]


@pytest.mark.parametrize(("text", "style"), [
    ("a. kolaboratif;", "lower"), ("1. hak pekerja; dan", "digit"), ("(1) Korban", "(digit)"),
    ("(a) butir", "(lower)"), ("- Kamboja", "bullet"), ("• Laos", "bullet"), ("A. UMUM", "upper"),
    ("iv. keempat", "roman"), ("Korban adalah", None),
])
def test_list_style_names_the_kind_of_marker(text: str, style: str | None) -> None:
    assert list_style(text) == style


# --------------------------------------------------------------------------- clean: seeds


@needs_seeds
def test_seed_article_clean() -> None:
    text = seed(SEED_ARTICLE)
    assert "Â" not in text and "\u00a0" not in text and "  " not in text
    for number in ("156,330", "115.000", "5,82%", "225.000"):
        assert number in text
    assert "Persons (ACTIP).\n\nSemenjak didirikan ACTIP tahun 2015" in text
    assert "Adapun diantaranya:\n\n1. Membangun" in text
    assert "seperti anak dan perempuan.\n\n2. Mengadopsi" in text
    assert "negara ASEAN.\n\n3. Melakukan" in text
    assert "(cnbc.2022)." in text
    assert "bersungguh-sungguh dalam penanggulangan" in text
    assert len(text.split("\n\n")) == 10
    assert clean(text) == text


@needs_seeds
def test_seed_abstract_clean() -> None:
    text = seed(SEED_ABSTRACT)
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == "ABSTRAK"
    assert (
        "Association of Southeast Asian Nations (ASEAN) merupakan sebuah organisasi regional "
        "yang telah berintegrasi dalam bidang ekonomi, social, dan hukum yang terdiri dari 10 "
        "negara yang masuk keanggotannya."
    ) in paragraphs[1]
    assert "salah satu organisasi internasional regional yang terkemuka." in paragraphs[1]
    assert "kemanan manusia" in text and "mengantispasi" in text
    assert "prinsip non-intervensi." in text and "ditengah-tengah negara" in text
    assert paragraphs[-1] == "Kata Kunci: ASEAN, Human Trafficking, dan Prinsip Non-intervensi"
    assert all(line == line.strip() and line for line in paragraphs)
    assert "  " not in text
    assert clean(text) == text


@needs_seeds
def test_seed_sentences() -> None:
    text = seed(SEED_ARTICLE)
    found = sentences(text)
    assert "Regulasi ini disebut ASEAN Convention Against Trafficking in Persons (ACTIP)." in found
    assert "Hal ini meningkat dibandingkan pada tahun 2022 sebanyak 115.000 ribu (CTDC, 2023)." in (
        found
    )
    assert "Pada tahun 2023 kasus human traficking sebanyak 156,330 ribu kasus." in found
    assert "1. Membangun berbagai jaringan regional di tingkat kawasan Asia Tenggara." in found
    assert any(s.endswith("(cnbc.2022).") for s in found)
    assert any(s.endswith("(Global Organized Crime Index, 2023).") and "5,82%" in s for s in found)
    questions = [s for s in found if is_question(s)]
    assert len(questions) == 1 and questions[0].endswith("paling banyak kasusnya?.")


# --------------------------------------------------------------------------- split_sentences


def test_split_spans_exclude_whitespace_and_index_the_text() -> None:
    text = "  Kalimat satu.   Kalimat dua!  \n\n Ketiga?  "
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["Kalimat satu.", "Kalimat dua!", "Ketiga?"]
    assert spans[0] == (2, 15)
    assert split_sentences("") == [] and split_sentences(" \n\n ") == []


def test_split_never_crosses_line_breaks() -> None:
    assert sentences("Tanpa titik\nlanjutan di baris") == ["Tanpa titik", "lanjutan di baris"]
    assert sentences("Satu\n\nDua.") == ["Satu", "Dua."]


@pytest.mark.parametrize(
    "text",
    [
        "Angka 5,82% dan 115.000 serta 156,330 atau 3.5 tetap utuh.",
        "Bahan: kertas, pena, dll. dan lain-lain.",
        "Lihat No. 5 dan hlm. 20 untuk rinciannya.",
        "Dr. Susanto dan Prof. Rina bertemu Tn. Budi dan Ny. Sari di Jl. Merdeka.",
        "Surat a.n. Kepala Dinas u.p. Bagian Umum.",
        "Budi S.H. M.Si. hadir bersama Bpk. Joko dan Sdr. Ali pada tgl. 5 thn. 2023.",
        "Menurut Santoso dkk. Hasilnya, e.g. Contoh, i.e. Artinya, vs. Lawan, tsb. Itu, dsb. Dst.",
        "Dipimpin A. Rahman dan B. J. Habibie.",
        "Menurut P.B.B. Kasus meningkat.",
        "Keputusan PBB. kemudian ditolak.",
        "Data (UNODC, 2004) dan (cnbc.2022) serta (Global Organized Crime Index, 2023) jelas.",
        "Lihat (bagian 2. Metode) dan [catatan. Lain] untuk itu.",
        "Sumber www.kompas.com dan cnbc.2022 dikutip.",
        "Dia bertanya “Mengapa?” kemudian pergi.",
        "1. Membangun berbagai jaringan regional.",
        "a. Mengadopsi langkah.",
    ],
)
def test_split_does_not_split(text: str) -> None:
    assert sentences(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Perjanjian (ACTIP). Semenjak itu.", ["Perjanjian (ACTIP).", "Semenjak itu."]),
        ("Banyak kasusnya?. Sebelum itu.", ["Banyak kasusnya?.", "Sebelum itu."]),
        ("Benarkah? Ya! Tentu… Jadi.", ["Benarkah?", "Ya!", "Tentu…", "Jadi."]),
        ("Tunggu... Lalu pergi.", ["Tunggu...", "Lalu pergi."]),
        ("Ada 10 kasus. 2024 adalah tahun baru.", ["Ada 10 kasus.", "2024 adalah tahun baru."]),
        ("Dia berkata, “Pergi.” Lalu hilang.", ["Dia berkata, “Pergi.”", "Lalu hilang."]),
        ("Selesai. “Kutipan baru.”", ["Selesai.", "“Kutipan baru.”"]),
        ("Selesai. (Catatan baru.)", ["Selesai.", "(Catatan baru.)"]),
        ("Tiba di kompas.com. Berita lain.", ["Tiba di kompas.com.", "Berita lain."]),
        ("Menurut PBB. Kemudian ditolak.", ["Menurut PBB.", "Kemudian ditolak."]),
        ("Perang Dunia II. Setelah itu damai.", ["Perang Dunia II.", "Setelah itu damai."]),
        ("Tanda kurung ) liar. Kalimat baru.", ["Tanda kurung ) liar.", "Kalimat baru."]),
        ("Kurung ( tidak ditutup. Kalimat baru.", ["Kurung ( tidak ditutup.", "Kalimat baru."]),
        ("Dia pergi (katanya.) Lalu kembali.", ["Dia pergi (katanya.)", "Lalu kembali."]),
        ("Ke Jakarta! “Kapan?” Besok.", ["Ke Jakarta!", "“Kapan?”", "Besok."]),
        ("Berikut ini. 1. Membangun jaringan. 2. Mengadopsi langkah.",
         ["Berikut ini.", "1. Membangun jaringan.", "2. Mengadopsi langkah."]),
    ],
)
def test_split_splits(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


# --------------------------------------------------------------------------- is_question


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Negara manakah yang paling banyak kasusnya?", True),
        ("Negara Manakah yang paling banyak kasusnya?.", True),
        ("Dia bertanya, “Siapa pelakunya?”", True),
        ("Apa itu ACTIP?  ", True),
        ("(Benarkah?)", True),
        ("Apa itu? Itu ACTIP.", False),
        ("ASEAN didirikan tahun 1967.", False),
        ("Tanda tanya ? di tengah", False),
        ("", False),
    ],
)
def test_is_question(sentence: str, expected: bool) -> None:
    assert is_question(sentence) is expected


# --------------------------------------------------------------------------- tokenize


def test_tokenize_words() -> None:
    assert tokenize("Negara-negara ASEAN, UN Women & UNODC!") == [
        "negara", "negara", "asean", "un", "women", "unodc"
    ]
    assert tokenize("Covid-19 dan COVID19") == ["covid", "19", "dan", "covid", "19"]
    assert tokenize("ＡＳＥＡＮ ﬁnal Straße") == ["asean", "final", "strasse"]
    assert tokenize("snake_case") == ["snake", "case"]
    assert tokenize("") == [] and tokenize(" .,;- ") == []


def test_tokenize_keeps_scripts_with_combining_marks() -> None:
    thai, arabic, hindi = "ภาษาไทย ที่นี่", "مَرْحَبًا", "नमस्ते"  # all contain combining marks
    assert tokenize(thai) == thai.split()
    assert tokenize(f"{arabic} {hindi} café") == [arabic, hindi, "café"]
    assert tokenize("pro\u00adto\u200bkol") == ["protokol"]
    assert tokenize("中文 😀 ok") == ["中文", "ok"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("156,330", ["156330"]),
        ("156.330", ["156330"]),
        ("156330", ["156330"]),
        ("115.000 ribu", ["115000", "ribu"]),
        ("1.250.000", ["1250000"]),
        ("1,250,000", ["1250000"]),
        ("5,82%", ["5.82"]),
        ("5.82", ["5.82"]),
        ("3.5", ["3.5"]),
        ("0,125", ["0.125"]),
        ("1.234,56", ["1234.56"]),
        ("1,234.56", ["1234.56"]),
        ("12.05.2023", ["12", "05", "2023"]),
        ("tahun 2023.", ["tahun", "2023"]),
        ("(CTDC, 2023)", ["ctdc", "2023"]),
        ("cnbc.2022", ["cnbc", "2022"]),
        ("Rp5.000", ["rp", "5000"]),
    ],
)
def test_tokenize_numbers(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_tokenize_number_variants_agree() -> None:
    assert tokenize("156,330 kasus") == tokenize("156.330 kasus") == tokenize("156330 kasus")
    assert tokenize("5,82%") == tokenize("5.82 %")


# --------------------------------------------------------------------------- normalize_for_match


def test_normalize_for_match() -> None:
    assert normalize_for_match("  Asia\tTenggara\n\n ASEAN  ") == "asia tenggara asean"
    assert normalize_for_match("STRASSE") == normalize_for_match("straße")
    assert normalize_for_match("5,82%") == "5,82%"
    assert normalize_for_match("") == ""


def test_a_page_that_opens_inside_the_previous_pages_sentence_is_told() -> None:
    from tanya_trafficking.textnorm import continues_from_before

    assert continues_from_before("Indonesia Tahun 2023 Nomor 41, Tambahan Lembaran Negara "
                                 "Republik Indonesia Nomor 6856);")
    assert continues_from_before("dan korban dipulangkan ke daerah asalnya.")
    assert not continues_from_before("Pasal 3 (1) mengatur pencegahan (lihat Pasal 2).")
    assert not continues_from_before("b. penanganan korban;")
    assert not continues_from_before("a) pencegahan (primer) dan penindakan;")
    assert not continues_from_before("Korban berjumlah 52 orang.")

"""Hostile and odd input, end to end: bad PDFs made here (empty, garbage, truncated, cyclic page
tree, circular cross-reference chain, deep nesting, decompression bombs, RC4/AES encryption, a
scanned page, a renamed image), text files in every common encoding with invisible and bidi
characters, and sentences longer than the embedding model's token limit.

Every PDF is parsed in the loader's worker process; the limits of that worker are exercised by
lowering them (they are module constants). Nothing here asserts speed: subprocess timeouts are
only a safety net so that a hang fails the test instead of blocking the suite.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfWriter

from tanya_trafficking import loaders, pipeline, store, ui_text
from tanya_trafficking.config import Settings
from tanya_trafficking.loaders import load_file
from tanya_trafficking.schema import Document, Skipped

GOOD_PAGES = ["Halaman pertama membahas ACTIP yang disahkan pada tahun 2015.",
              "Halaman kedua membahas peran ASEAN dalam pencegahan perdagangan orang."]


# --------------------------------------------------------------------------- PDF makers


def text_pdf(pages: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """A page holding only a picture of text, as a scanner makes it: no text layer."""
    image = Image.new("L", (400, 120), 255)
    for x in range(20, 380, 6):  # dark strokes where the "letters" are
        for y in range(40, 80):
            image.putpixel((x, y), 0)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=180)
    return bytes(pdf.output())


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def encrypted(user_password: str, algorithm: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(text_pdf(GOOD_PAGES)))
    writer.encrypt(user_password=user_password, owner_password="pemilik-rahasia",
                   algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def raw_pdf(objects: dict[int, bytes], root: int = 1) -> bytes:
    """A hand-made PDF: the objects, a correct cross-reference table and trailer."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num, body in objects.items():
        offsets[num] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (num, body))
    xref = out.tell()
    size = max(objects) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for num in range(1, size):
        out.write(b"%010d 00000 n \n" % offsets[num] if num in offsets
                  else b"0000000000 65535 f \n")
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (size, root, xref))
    return out.getvalue()


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), extra, data)


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
TEXT = b"BT /F1 12 Tf 72 720 Td (Teks halaman yang sah.) Tj ET"


def page(contents: bytes, parent: int = 2, extra: bytes = b"") -> bytes:
    return (b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %s "
            b"/Resources << /Font << /F1 5 0 R >> >> %s>>" % (parent, contents, extra))


def one_page(page_obj: bytes, content_stream: bytes = stream(TEXT)) -> bytes:
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>",
                    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    3: page_obj, 4: content_stream, 5: FONT})


def cyclic_page_tree() -> bytes:
    """The page tree lists itself among its own kids."""
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>",
                    2: b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                    3: page(b"4 0 R"), 4: stream(TEXT), 5: FONT})


def prev_loop() -> bytes:
    """Two cross-reference sections whose /Prev entries point at each other."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
               2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               3: page(b"4 0 R"), 4: stream(TEXT), 5: FONT}
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = {}
    for num, body in objects.items():
        offsets[num] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (num, body))
    table = b"xref\n0 6\n0000000000 65535 f \n" + b"".join(
        b"%010d 00000 n \n" % offsets[n] for n in range(1, 6))
    trailer = b"trailer\n<< /Size 6 /Root 1 0 R /Prev %010d >>\n"
    first = out.tell()
    second = first + len(table) + len(trailer % 0)
    out.write(table + trailer % second)
    out.write(b"xref\n0 1\n0000000000 65535 f \n" + trailer % first)
    out.write(b"startxref\n%d\n%%%%EOF\n" % first)
    return out.getvalue()


def deep_array_in_content(depth: int = 50_000) -> bytes:
    return one_page(page(b"4 0 R"), stream(b"BT /F1 12 Tf " + b"[" * depth + b"(x)"
                                           + b"]" * depth + b" TJ ET"))


def deep_array_in_object(depth: int = 100_000) -> bytes:
    return one_page(page(b"4 0 R", extra=b"/Dalam " + b"[" * depth + b"]" * depth + b" "))


def deep_page_tree(depth: int = 5_000) -> bytes:
    objects = {1: b"<< /Type /Catalog /Pages 10 0 R >>", 4: stream(TEXT), 5: FONT}
    for i in range(depth):
        objects[10 + i] = b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (11 + i)
    objects[10 + depth] = page(b"4 0 R", parent=9 + depth)
    return raw_pdf(objects)


def flate_bomb(megabytes: int = 400) -> bytes:
    """One FlateDecode content stream: about 400 KB that inflate to hundreds of MB."""
    data = zlib.compress(b" " * (megabytes * 1024 * 1024), 9)
    return one_page(page(b"4 0 R"), stream(data, b"/Filter /FlateDecode "))


def many_page_bomb(pages: int = 300) -> bytes:
    """Every page shares one stream that inflates to 70 MB (under pypdf's per-stream limit):
    a small file that takes minutes to read. Only the time limit stops it."""
    data = zlib.compress(b" " * 70_000_000, 9)
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
               2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
               % (b" ".join(b"%d 0 R" % (100 + i) for i in range(pages)), pages),
               4: stream(data, b"/Filter /FlateDecode "), 5: FONT}
    for i in range(pages):
        objects[100 + i] = page(b"4 0 R")
    return raw_pdf(objects)


def zero_pages() -> bytes:
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>",
                    2: b"<< /Type /Pages /Kids [] /Count 0 >>"})


def truncated() -> bytes:
    data = text_pdf(GOOD_PAGES)
    return data[: len(data) // 2]


# name -> (bytes, expected): a reason prefix, or "indexed" (the good pages' text must be there),
# or a set of acceptable outcomes for files that pypdf may legitimately repair.
HOSTILE = {
    "kosong.pdf": (lambda: b"", "kosong"),
    "sampah.pdf": (lambda: bytes((i * 131 + 7) % 256 for i in range(4096)), "rusak"),
    "sampah-berkepala.pdf": (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 16, "rusak"),
    "terpotong.pdf": (truncated, "rusak"),
    "pohon-halaman-siklik.pdf": (cyclic_page_tree, "rusak"),
    "xref-melingkar.pdf": (prev_loop, {"indexed-raw", "rusak"}),
    "bersarang-isi.pdf": (deep_array_in_content, ui_text.REASON_NESTED),
    "bersarang-objek.pdf": (deep_array_in_object, "rusak"),
    "bersarang-pohon.pdf": (deep_page_tree, ui_text.REASON_NESTED),
    "bom-dekompresi.pdf": (flate_bomb, ui_text.REASON_LIMIT),
    "nol-halaman.pdf": (zero_pages, "kosong"),
    "pindaian.pdf": (scanned_pdf, ui_text.REASON_NO_TEXT),
    "gambar-png.pdf": (png_bytes, ui_text.REASON_NOT_PDF),
    "gambar-png.txt": (png_bytes, ui_text.REASON_NOT_TEXT),
    **{f"sandi-{alg.lower()}.pdf": (lambda alg=alg: encrypted("rahasia", alg),
                                    ui_text.REASON_ENCRYPTED)
       for alg in ("RC4-128", "AES-128", "AES-256")},
    **{f"terbuka-{alg.lower()}.pdf": (lambda alg=alg: encrypted("", alg), "indexed")
       for alg in ("RC4-128", "AES-128", "AES-256")},
}


def outcome(result: Document | Skipped) -> str:
    """"indexed" for the good pages, "indexed-raw" for the hand-made page, else the reason."""
    if isinstance(result, Skipped):
        return result.reason
    texts = [" ".join(p.text.split()) for p in result.pages]
    if texts == GOOD_PAGES:
        return "indexed"
    assert texts == ["Teks halaman yang sah."], texts
    return "indexed-raw"


def matches(got: str, expected) -> bool:
    if isinstance(expected, set):
        return any(matches(got, e) for e in expected)
    return got == expected if expected.startswith("indexed") else got.startswith(expected)


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for name, (make, _) in HOSTILE.items():
        (folder / name).write_bytes(make())
    return folder


# --------------------------------------------------------------------------- one file at a time


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_is_reported_or_indexed(hostile_dir, name) -> None:
    expected = HOSTILE[name][1]

    result = load_file(hostile_dir / name, hostile_dir)

    assert result.source == name
    assert matches(outcome(result), expected), (name, result)


def test_bomb_is_small_on_disk_but_huge_inflated(hostile_dir) -> None:
    data = (hostile_dir / "bom-dekompresi.pdf").read_bytes()
    assert len(data) < 2_000_000
    start = data.index(b"stream\n") + len(b"stream\n")
    assert len(zlib.decompressobj().decompress(data[start:])) >= 300 * 1024 * 1024


# --------------------------------------------------------------------------- the whole corpus


def test_hostile_corpus_is_reported_and_the_rest_indexed(hostile_dir, tmp_path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in hostile_dir.iterdir():
        (corpus / "pdf-aneh" / p.name).parent.mkdir(exist_ok=True)
        (corpus / "pdf-aneh" / p.name).write_bytes(p.read_bytes())
    (corpus / "baik.txt").write_text("Regulasi ini disebut ASEAN Convention Against "
                                     "Trafficking in Persons (ACTIP).\n", encoding="utf-8")
    (corpus / "laporan.pdf").write_bytes(text_pdf(GOOD_PAGES))
    index = tmp_path / "index"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANYA_")}

    proc = subprocess.run(  # the timeout only turns a hang into a failure
        [str(Path(sys.executable).parent / "tanya-trafficking"), "rebuild-index",
         "--corpus", str(corpus), "--index", str(index)],
        capture_output=True, text=True, env=env, timeout=900)

    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    manifest = store.read_manifest(index)
    skipped = {s["source"]: s["reason"] for s in manifest["skipped"]}
    for name, (_, expected) in HOSTILE.items():
        source = f"pdf-aneh/{name}"
        if expected == "indexed":
            assert source not in skipped
        elif not isinstance(expected, set):
            assert matches(skipped[source], expected), (name, skipped.get(source))
        if source in skipped:  # reported by name, with its reason, in the summary
            assert f"  - {source}: {skipped[source]}" in proc.stdout
    assert f"Berkas dilewati : {len(skipped)}" in proc.stdout
    live = index / store.current_name(index)
    chunks = [json.loads(line) for line in
              (live / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    indexed = {c["source"] for c in chunks}
    assert {"baik.txt", "laporan.pdf"} <= indexed
    assert {f"pdf-aneh/terbuka-{a}.pdf" for a in ("rc4-128", "aes-128", "aes-256")} <= indexed
    assert not indexed & set(skipped)
    assert indexed | set(skipped) == set(manifest["files"])  # every file accounted for


# --------------------------------------------------------------------------- worker limits


def test_time_limit_stops_a_slow_pdf(tmp_path, monkeypatch) -> None:
    path = tmp_path / "lambat.pdf"
    path.write_bytes(many_page_bomb())
    monkeypatch.setattr(loaders, "PDF_TIME_LIMIT_S", 3.0)

    result = load_file(path, tmp_path)

    assert result == Skipped("lambat.pdf", "rusak: pembacaan PDF melewati batas waktu 3 detik")


def test_step_limit_stops_a_pdf_stuck_on_one_page(tmp_path, monkeypatch) -> None:
    path = tmp_path / "macet.pdf"
    path.write_bytes(many_page_bomb(pages=3))
    monkeypatch.setattr(loaders, "PDF_STEP_TIME_LIMIT_S", 0.2)

    result = load_file(path, tmp_path)

    assert result == Skipped("macet.pdf",
                             "rusak: pembacaan PDF macet (satu langkah lebih dari 0.2 detik)")


def test_memory_limit_stops_a_bomb(hostile_dir, monkeypatch) -> None:
    # pypdf's own 75 MB limit stops the bomb first by default; with less room than that the
    # worker's address-space limit does
    monkeypatch.setattr(loaders, "PDF_MEMORY_LIMIT_BYTES", 48 * 1024**2)

    result = load_file(hostile_dir / "bom-dekompresi.pdf", hostile_dir)

    assert result == Skipped("bom-dekompresi.pdf", ui_text.REASON_TOO_BIG)


def test_killed_worker_becomes_a_reason(tmp_path) -> None:
    path = tmp_path / "dibunuh.pdf"
    path.write_bytes(many_page_bomb())
    before = {p.pid for p in multiprocessing.active_children()}
    results = []
    reader = threading.Thread(target=lambda: results.append(load_file(path, tmp_path)))
    reader.start()
    deadline = time.monotonic() + 30
    workers = []
    while not workers and time.monotonic() < deadline:
        workers = [p for p in multiprocessing.active_children() if p.pid not in before]
        time.sleep(0.05)
    assert workers, "no PDF worker appeared"
    os.kill(workers[0].pid, signal.SIGKILL)  # as the kernel's OOM killer would
    reader.join(60)

    assert results == [Skipped("dibunuh.pdf",
                               "rusak: pembaca PDF dihentikan paksa (sinyal SIGKILL)")]


_NO_CRYPTO = """
import sys
sys.modules["cryptography"] = None  # as if pypdf[crypto] were not installed
from pathlib import Path
from tanya_trafficking.loaders import load_file
path = Path(sys.argv[1])
print(load_file(path, path.parent).reason)
"""


def test_missing_crypto_library_is_a_reason_not_a_crash(hostile_dir) -> None:
    # pypdf raises DependencyError, which is not a PyPdfError, for AES without cryptography
    proc = subprocess.run([sys.executable, "-c", _NO_CRYPTO,
                           str(hostile_dir / "terbuka-aes-256.pdf")],
                          capture_output=True, text=True, timeout=300)

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("terenkripsi: pustaka dekripsinya belum terpasang"), proc.stdout
    assert "pypdf[crypto]" in proc.stdout


# --------------------------------------------------------------------------- text encodings

SENTENCES = {
    "utf8.txt": ("utf-8", "Laporan “Bitung” mencatat biaya €1.200 — dibayar di café pelabuhan."),
    "utf8-bom.txt": ("utf-8-sig", "Konvensi ACTIP ditandatangani di Kuala Lumpur « tahun 2015 »."),
    "utf16.txt": ("utf-16", "Korban dari Nusa Tenggara Timur dipulangkan ke Kupang."),
    "utf16le-tanpa-bom.txt": ("utf-16-le", "Satgas menyelamatkan 47 korban di Batam."),
    "cp1252.txt": ("cp1252", "Ia berkata “jangan pergi” – lalu membayar €300 kepada perekrut."),
    "latin1.txt": ("latin-1", "Señora García dari Perú bersaksi: pasporé ditahan ±3 bulan."),
}
INVISIBLE = {
    "\u200b": "zero-width space", "\u200c": "zero-width non-joiner", "\u00ad": "soft hyphen",
    "\ufeff": "BOM", "\u202e": "right-to-left override", "\u202d": "left-to-right override",
    "\u202a": "LTR embedding", "\u2066": "LTR isolate", "\u2067": "RTL isolate",
    "\u2069": "pop isolate", "\u200e": "LTR mark", "\u200f": "RTL mark", "\u2060": "word joiner",
}
TRICKY = (
    "Kata perda\u200bgangan dan ke\u00adjahatan tetap utuh\u2060. "
    "Nama \u202eSITPA\u202c dan \u2067\u05e9\u05dc\u05d5\u05dd\u2069 tidak membalik teks. "
    "\ufeffEmoji 👩\u200d💻 dan 🇮🇩 serta الاتجار بالبشر, การค้ามนุษย์, 人口贩卖 tetap ada.\n"
)
WRAPPED = (
    "Pemerintah daerah wajib melaksana-\nkan program perlindungan bagi anak-\n"
    "anak korban perdagangan orang selama\npandemi Covid-\n19 yang membuat banyak keluarga "
    "jatuh\nmiskin dan rentan terhadap bujukan para\nperekrut tenaga kerja ilegal di desa.\n"
)


@pytest.fixture(scope="module")
def encoded_index(tmp_path_factory, embedder) -> tuple[list[dict], list[dict]]:
    """Files in every encoding, with invisible characters and hard-wrapped lines, really
    indexed: (chunks, pages) of the live generation."""
    root = tmp_path_factory.mktemp("encodings")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, (codec, sentence) in SENTENCES.items():
        (corpus / name).write_bytes(sentence.encode(codec))
    (corpus / "tak-terlihat.md").write_text(TRICKY, encoding="utf-8")
    (corpus / "pemenggalan.txt").write_text(WRAPPED, encoding="utf-8")
    settings = Settings(corpus=corpus, index=root / "index")
    report = pipeline.build_index(settings)
    assert report.skipped == []
    live = settings.index / report.generation
    read = lambda name: [json.loads(line) for line in  # noqa: E731
                         (live / name).read_text(encoding="utf-8").splitlines()]
    return read("chunks.jsonl"), read("documents.jsonl")


def test_every_encoding_is_decoded_correctly(encoded_index) -> None:
    chunks, _ = encoded_index
    by_source = {c["source"]: c["text"] for c in chunks}
    for name, (_, sentence) in SENTENCES.items():
        assert by_source[name] == sentence, name
    for c in chunks:
        assert "\ufffd" not in c["text"]
        assert "Â" not in c["text"] and "â€" not in c["text"] and "Ã" not in c["text"]


def test_invisible_and_bidi_characters_are_removed(encoded_index) -> None:
    chunks, pages = encoded_index
    for record in chunks + pages:
        found = {INVISIBLE[ch] for ch in record["text"] if ch in INVISIBLE}
        assert not found, (record["source"], found)
    text = next(c["text"] for c in chunks if c["source"] == "tak-terlihat.md")
    assert "perdagangan" in text and "kejahatan" in text
    assert "SITPA" in text  # the override is gone, the letters stay in file order


def test_emoji_and_other_scripts_survive(encoded_index) -> None:
    chunks, _ = encoded_index
    text = next(c["text"] for c in chunks if c["source"] == "tak-terlihat.md")
    for piece in ["👩\u200d💻", "🇮🇩", "الاتجار بالبشر", "การค้ามนุษย์", "人口贩卖",
                  "\u05e9\u05dc\u05d5\u05dd"]:
        assert piece in text, piece


def test_dehyphenation_keeps_reduplication_and_numbers(encoded_index) -> None:
    chunks, _ = encoded_index
    text = " ".join(c["text"] for c in chunks if c["source"] == "pemenggalan.txt")
    assert "wajib melaksanakan program" in text
    assert "bagi anak-anak korban" in text
    assert "pandemi Covid-19 yang" in text
    assert "\n" not in text  # the hard-wrapped lines are one paragraph


# --------------------------------------------------------------------------- token limit


def live_records(settings: Settings, name: str) -> list[dict]:
    live = settings.index / store.current_name(settings.index)
    return [json.loads(line) for line in (live / name).read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("case", ["symbols-default-size", "words-large-window"])
def test_no_chunk_exceeds_the_model_token_limit(tmp_path, embedder, case) -> None:
    if case == "symbols-default-size":
        # 360 characters of these are about 850 tokens (the tokenizer expands each symbol)
        text = "rumus " + " ".join(["⨌∰"] * 120) + " selesai"
        settings = Settings(corpus=tmp_path / "corpus", index=tmp_path / "index")
    else:
        # a window of 4,000 characters would hold about 800 tokens of ordinary words
        words = ("korban perdagangan orang dari desa pesisir dibawa ke kota besar lalu "
                 "dipekerjakan tanpa upah oleh jaringan perekrut").split()
        text = " ".join(words[i % len(words)] for i in range(500))
        settings = Settings(corpus=tmp_path / "corpus", index=tmp_path / "index",
                            chunk_chars=4000)
    settings.corpus.mkdir()
    (settings.corpus / "panjang.txt").write_text(text + "\n", encoding="utf-8")
    assert embedder.count_tokens(text[: settings.chunk_chars]) > embedder.max_tokens

    pipeline.build_index(settings)

    chunks = live_records(settings, "chunks.jsonl")
    (page_text,) = [p["text"] for p in live_records(settings, "documents.jsonl")]
    counts = [embedder.count_tokens(c["text"]) for c in chunks]
    assert len(chunks) > 1
    assert max(counts) <= embedder.max_tokens, counts
    # nothing dropped: the chunks cover every non-space character of the page
    covered = set()
    for c in chunks:
        assert page_text[c["start"]:c["end"]] == c["text"]
        covered.update(range(c["start"], c["end"]))
    assert all(i in covered for i, ch in enumerate(page_text) if not ch.isspace())
    assert page_text.split() == text.split()


# --------------------------------------------------------------------------- corpus scan limits


def flat_page_tree(pages: int) -> bytes:
    """One page tree node listing every page: more entries than pypdf reads in one array."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
               2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
               % (b" ".join(b"%d 0 R" % (100 + i) for i in range(pages)), pages),
               4: stream(TEXT), 5: FONT}
    for i in range(pages):
        objects[100 + i] = page(b"4 0 R")
    return raw_pdf(objects)


def test_pdf_of_200_000_pages_is_too_many_pages_not_a_bomb(tmp_path) -> None:
    path = tmp_path / "tebal.pdf"
    path.write_bytes(flat_page_tree(200_000))

    result = load_file(path, tmp_path)

    assert result == Skipped("tebal.pdf", "terlalu banyak halaman: 200.000, batas 2.000")


def test_page_tree_that_understates_its_count_is_still_limited(tmp_path, monkeypatch) -> None:
    data = flat_page_tree(5).replace(b"/Count 5", b"/Count 1")
    (tmp_path / "bohong.pdf").write_bytes(data)
    monkeypatch.setattr(loaders, "PDF_MAX_PAGES", 3)

    result = load_file(tmp_path / "bohong.pdf", tmp_path)

    assert result == Skipped("bohong.pdf", "terlalu banyak halaman: 5, batas 3")


def test_rebuild_reports_links_odd_files_and_limits_and_shows_progress(tmp_path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "baik.txt").write_text("Regulasi ini disebut ASEAN Convention Against "
                                     "Trafficking in Persons (ACTIP).\n", encoding="utf-8")
    (corpus / "sub" / "laporan.pdf").write_bytes(text_pdf(GOOD_PAGES))
    outside = tmp_path / "luar"
    outside.mkdir()
    (outside / "rahasia.txt").write_text("RAHASIA-DI-LUAR-KORPUS", encoding="utf-8")
    (corpus / "tautan.txt").symlink_to("/etc/passwd")
    (corpus / "luar.txt").symlink_to(outside / "rahasia.txt")
    (corpus / "rusak.md").symlink_to(corpus / "tidak-ada.md")
    (corpus / "putar.txt").symlink_to("putar.txt")
    (corpus / "sub" / "atas").symlink_to("..", target_is_directory=True)
    os.mkfifo(corpus / "pipa.txt")
    with open(corpus / "besar.txt", "wb") as f:
        f.write(b"Teks ")
        f.truncate(21 * 2**20)
    index = tmp_path / "index"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANYA_")}
    command = [str(Path(sys.executable).parent / "tanya-trafficking"), "rebuild-index",
               "--corpus", str(corpus), "--index", str(index)]
    expected = {
        "tautan.txt": ui_text.REASON_LINK_OUTSIDE,
        "luar.txt": ui_text.REASON_LINK_OUTSIDE,
        "rusak.md": ui_text.REASON_LINK_BROKEN,
        "putar.txt": ui_text.REASON_LINK_LOOP,
        "sub/atas": ui_text.REASON_LINK_LOOP,
        "pipa.txt": ui_text.REASON_NOT_REGULAR,
        "besar.txt": "terlalu besar: 21 MB, batas 20 MB",
    }

    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)

    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    for source, reason in expected.items():
        assert f"  - {source}: {reason}" in proc.stdout, proc.stdout
    assert f"Berkas dilewati : {len(expected)}" in proc.stdout
    assert "] Membaca " in proc.stderr and "sub/laporan.pdf (berkas" in proc.stderr  # progress
    manifest = store.read_manifest(index)
    assert {s["source"]: s["reason"] for s in manifest["skipped"]} == expected
    assert set(manifest["files"]) == set(expected) | {"baik.txt", "sub/laporan.pdf"}
    live = index / store.current_name(index)
    chunks = (live / "chunks.jsonl").read_text(encoding="utf-8")
    assert "RAHASIA" not in chunks and "root:" not in chunks
    assert {json.loads(line)["source"] for line in chunks.splitlines()} == \
        {"baik.txt", "sub/laporan.pdf"}

    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)

    assert again.returncode == 0, again.stderr
    assert "Tidak ada perubahan" in again.stdout
    assert "  - tautan.txt: " + ui_text.REASON_LINK_OUTSIDE in again.stdout

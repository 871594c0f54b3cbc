"""Tests for tanya_trafficking.chunking: sentence-aligned, overlapping, bounded windows."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tanya_trafficking.chunking import chunk_document, windows
from tanya_trafficking.loaders import load_corpus
from tanya_trafficking.schema import Document, Page
from tanya_trafficking.textnorm import split_sentences

COUNTRIES = ["Indonesia", "Malaysia", "Thailand", "Filipina", "Vietnam", "Kamboja", "Laos",
             "Myanmar", "Singapura", "Brunei"]
# Ten distinct sentences of 75-80 characters: three fit in 250 characters, four do not.
UNIFORM = " ".join(f"Laporan tentang {c} mencatat kasus perdagangan orang yang terus meningkat."
                   for c in COUNTRIES)


def document(text: str, source: str = "uji.txt", number: int | None = None) -> Document:
    return Document(source=source, sha256="0" * 64, pages=(Page(number, text),))


def seed_pages(seed_corpus) -> list[tuple[str, Page]]:
    docs = [d for d in load_corpus(seed_corpus) if isinstance(d, Document)]
    assert len(docs) >= 2
    return [(d.source, p) for d in docs for p in d.pages]


def sentence_index(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """(first, last) sentence numbers of a sentence-aligned span."""
    sents = split_sentences(text)
    starts = [s for s, _ in sents]
    ends = [e for _, e in sents]
    return starts.index(span[0]), ends.index(span[1])


def no_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- shape


@pytest.mark.parametrize("max_chars", [300, 500, 700])
@pytest.mark.parametrize("overlap", [0, 1, 2])
def test_chunks_start_and_end_at_sentence_boundaries(seed_corpus, max_chars, overlap) -> None:
    # the pages whose sentences all fit (nothing is hard-split there): all of the two text
    # documents (their longest sentence is under 300 characters) and most regulation pages
    fitting = [(source, page) for source, page in seed_pages(seed_corpus)
               if max(e - s for s, e in split_sentences(page.text)) <= max_chars]
    assert {s for s, _ in fitting} >= {p.name for p in seed_corpus.glob("*.txt")}
    assert len(fitting) >= 20
    for _, page in fitting:
        sents = split_sentences(page.text)
        starts, ends = {s for s, _ in sents}, {e for _, e in sents}
        spans = windows(page.text, max_chars, overlap)
        assert spans
        for start, end in spans:
            assert start in starts and end in ends, page.text[start:end]
        # together the windows cover every sentence
        assert spans[0][0] == sents[0][0] and spans[-1][1] == sents[-1][1]


@pytest.mark.parametrize("max_chars", [60, 120, 200, 300, 700])
def test_chunks_never_exceed_max_chars(seed_corpus, max_chars) -> None:
    for _, page in seed_pages(seed_corpus):
        sents = split_sentences(page.text)
        starts, ends = {s for s, _ in sents}, {e for _, e in sents}
        for start, end in windows(page.text, max_chars, 1):
            assert end - start <= max_chars
            # a boundary off the sentence grid can only be a cut inside an over-long sentence
            for cut in [start] * (start not in starts) + [end] * (end not in ends):
                assert any(s < cut < e and e - s > max_chars for s, e in sents), cut


@pytest.mark.parametrize("overlap", [0, 1, 2])
def test_consecutive_windows_share_overlap_sentences(overlap) -> None:
    max_chars = 250
    sents = split_sentences(UNIFORM)
    assert len(sents) == 10

    spans = windows(UNIFORM, max_chars, overlap)
    ranges = [sentence_index(UNIFORM, span) for span in spans]

    for (first, last), (next_first, next_last) in zip(ranges, ranges[1:]):
        assert last - first + 1 == 3  # windows are filled: 3 of these sentences fit, 4 do not
        assert next_first == last + 1 - overlap  # exactly `overlap` sentences shared
        assert next_last > last  # always moving forward
    assert ranges[0][0] == 0 and ranges[-1][1] == 9
    for start, end in spans:  # each window is maximal: the next sentence would not fit
        following = [e for s, e in sents if s > end]
        assert not following or following[0] - start > max_chars


def test_chunk_text_is_the_page_span(seed_corpus) -> None:
    for source, page in seed_pages(seed_corpus):
        doc = Document(source, "0" * 64, (page,))
        chunks = chunk_document(doc, max_chars=300, overlap=1)
        assert chunks
        for c in chunks:
            assert c.text == page.text[c.start:c.end]
            assert (c.source, c.page) == (source, page.number)
            assert c.text == c.text.strip() and c.text


def test_chunks_keep_the_page_number() -> None:
    doc = Document("laporan.pdf", "0" * 64,
                   (Page(2, "Halaman dua tentang ACTIP."), Page(5, "Halaman lima tentang ASEAN.")))
    assert [(c.page, c.text) for c in chunk_document(doc)] == [
        (2, "Halaman dua tentang ACTIP."), (5, "Halaman lima tentang ASEAN.")]


# --------------------------------------------------------------------------- ids


_IDS_IN_SUBPROCESS = """
import json, sys
from pathlib import Path
from tanya_trafficking.chunking import chunk_document
from tanya_trafficking.loaders import load_corpus
print(json.dumps([c.id for d in load_corpus(Path(sys.argv[1]))
                  for c in chunk_document(d, 300, 1)]))
"""


def test_chunk_ids_are_stable_across_runs(seed_corpus) -> None:
    here = [c.id for d in load_corpus(seed_corpus) for c in chunk_document(d, 300, 1)]
    assert len(set(here)) == len(here)  # unique

    for hash_seed in ("1", "12345"):  # another process, another str-hash seed
        out = subprocess.run(
            [sys.executable, "-c", _IDS_IN_SUBPROCESS, str(seed_corpus)],
            capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        assert json.loads(out.stdout) == here


def test_chunk_ids_change_with_the_text() -> None:
    changed = UNIFORM.replace("tentang Laos", "tentang Guam")  # same length: same spans
    assert changed != UNIFORM

    before = chunk_document(document(UNIFORM), max_chars=250, overlap=1)
    after = chunk_document(document(changed), max_chars=250, overlap=1)

    assert [(c.start, c.end) for c in before] == [(c.start, c.end) for c in after]
    for old, new in zip(before, after):
        if "Laos" in old.text:
            assert new.id != old.id
        else:  # untouched windows keep their ids
            assert new.id == old.id
    assert any("Laos" in c.text for c in before)
    # the same text in another file is another chunk
    elsewhere = chunk_document(document(UNIFORM, source="lain.txt"), max_chars=250, overlap=1)
    assert not {c.id for c in elsewhere} & {c.id for c in before}


# --------------------------------------------------------------------------- limits


def test_fits_callback_makes_smaller_chunks() -> None:
    calls = []

    def fits(text: str) -> bool:
        calls.append(text)
        return len(text) <= 170  # two of the uniform sentences fit, three do not

    free = windows(UNIFORM, 700, 1)
    limited = windows(UNIFORM, 700, 1, fits)

    assert calls
    assert max(e - s for s, e in free) > 170
    assert all(e - s <= 170 for s, e in limited)
    assert len(limited) > len(free)
    starts = {s for s, _ in split_sentences(UNIFORM)}
    assert all(s in starts for s, _ in limited)  # still whole sentences


def test_fits_callback_splits_a_sentence_it_rejects() -> None:
    sentence = " ".join(["perdagangan"] * 40) + "."  # 480 characters, one sentence
    pieces = windows(sentence, 700, 0, fits=lambda t: len(t) <= 100)
    assert len(pieces) > 1
    assert all(e - s <= 100 for s, e in pieces)
    assert no_space("".join(sentence[s:e] for s, e in pieces)) == no_space(sentence)


@pytest.mark.parametrize("sentence", [
    "Sebuah kalimat yang sangat panjang " + " ".join(f"kata{i}" for i in range(300)) + ".",
    "Kode " + "x" * 450 + " akhir kalimat.",  # a "word" longer than the limit
], ids=["words", "long-word"])
def test_overlong_sentence_is_split_without_losing_text(sentence) -> None:
    max_chars = 200
    text = f"Kalimat pendek pertama. {sentence} Kalimat pendek terakhir."
    assert max(e - s for s, e in split_sentences(text)) > max_chars

    doc = document(text)
    chunks = chunk_document(doc, max_chars=max_chars, overlap=0)

    assert all(len(c.text) <= max_chars for c in chunks)
    assert all(c.text == text[c.start:c.end] for c in chunks)
    # in order, without gaps or repeats, nothing but whitespace lost
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))
    assert no_space("".join(c.text for c in chunks)) == no_space(text)


def test_empty_page_has_no_chunks() -> None:
    assert windows("", 700, 1) == []


# --------------------------------------------------------------------------- seed corpus


def test_seed_corpus_chunks_have_no_mojibake(seed_corpus) -> None:
    raw = b"".join(p.read_bytes() for p in sorted(seed_corpus.glob("*.txt")))
    assert "Â".encode("utf-8") in raw  # the seed article really has the stray "Â"

    chunks = [c for d in load_corpus(seed_corpus) if isinstance(d, Document)
              for c in chunk_document(d)]

    assert chunks
    assert not [c.text for c in chunks if "Â" in c.text]
    assert any("(ACTIP)." in c.text for c in chunks)

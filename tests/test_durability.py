"""Durability of index/ under crashes, damage, a full disk and concurrent use, with real processes.

* `tanya-trafficking rebuild-index` is killed with SIGKILL at every named point of a rebuild
  (``store.fault``: the process stops at ``TANYA_FAULT=<point>:sleep`` and announces it) and at
  moments spread over a whole rebuild; afterwards the previous generation (or, once the commit
  point has passed, the new one) is served, byte for byte intact.
* Index files are truncated and bit-flipped: `store.verify_generation` and `check-index` report
  them, loading falls back to the previous generation or refuses with the command to run.
* A full disk: ``OSError(ENOSPC)`` injected at named points, and (where unprivileged mount
  namespaces work) a real, small tmpfs; the rebuild fails with a clear message, the old index stays.
* Readers: a loaded ``Bot`` keeps answering from its generation during and after rebuilds, a
  ``Bot`` opened later sees only the new one, no answer mixes two generations; a second
  concurrent rebuild exits at once with "sedang berjalan".
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tanya_trafficking import pipeline, store
from tanya_trafficking import ui_text as ui
from tanya_trafficking.config import Settings

pytestmark = pytest.mark.slow

OLD_CORPUS = {
    "actip.txt": (
        "Regulasi ini disebut ASEAN Convention Against Trafficking in Persons (ACTIP). "
        "Konvensi ini disahkan pada tahun 2015.\n"
    ),
    "laporan/kasus.md": (
        "Pada tahun 2023 tercatat 156,330 ribu kasus perdagangan orang. "
        "Korbannya sebagian besar perempuan dan anak.\n"
    ),
}
# Added for the rebuild under test: enough text for several chunks to embed.
NEW_FILES = {
    "tambahan/patroli.txt": "\n\n".join(
        f"Pada bulan ke-{i} patroli gabungan Kamboja dan Laos memeriksa {i * 7} kapal nelayan. "
        f"Petugas menemukan {i} korban kerja paksa yang dibawa dari pelabuhan kecil. "
        f"Laporan ke-{i} dikirim ke sekretariat ASEAN untuk ditindaklanjuti."
        for i in range(1, 5)
    ) + "\n",
}
ACTIP_Q = "Apa kepanjangan dari ACTIP?"
POINTS_BEFORE_COMMIT = ["embed", "write", "before-rename", "before-publish", "publish"]


# --------------------------------------------------------------------------- helpers


def cli_exe() -> str:
    exe = Path(sys.executable).parent / "tanya-trafficking"
    assert exe.exists(), "the tanya-trafficking entry point is not installed"
    return str(exe)


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANYA_")}
    env.update({"PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    env.update(extra)
    return env


def run_cli(*args, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([cli_exe(), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=clean_env(**env))


def show(proc) -> str:
    return f"exit {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"


def write_files(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file below ``folder``."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def generations(index: Path) -> set[str]:
    return {p.name for p in index.iterdir() if p.is_dir() and p.name.startswith("gen-")}


def leftovers(index: Path) -> list[str]:
    return sorted(p.name for p in index.iterdir()
                  if p.name.startswith(".tmp-") or p.name.endswith(".tmp"))


def sources_of(settings: Settings) -> set[str]:
    return set(pipeline.corpus_hashes(settings.corpus))


def answer_sources(answer) -> set[str]:
    return {q.source for q in answer.quotes} | {h.chunk.source for h in answer.hits}


class Rebuild:
    """A `tanya-trafficking rebuild-index` process; a thread collects its stderr and notices
    when it starts embedding (the progress bar) and when it stops at a fault point."""

    started: list[Rebuild] = []  # killed at teardown if a failed test left one running

    def __init__(self, corpus: Path, index: Path, fault: str | None = None):
        env = clean_env(**({store.FAULT_ENV: fault} if fault else {}))
        self.proc = subprocess.Popen(
            [cli_exe(), "rebuild-index", "--corpus", str(corpus), "--index", str(index)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        Rebuild.started.append(self)
        self.stderr = ""
        self.embedding = threading.Event()
        self.paused = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        # raw reads, as they come (the progress lines are flushed one by one)
        while block := os.read(self.proc.stderr.fileno(), 4096):
            self.stderr += block.decode("utf-8", errors="replace")
            if ui.PROGRESS_EMBED.split(":")[0] in self.stderr:
                self.embedding.set()
            if f"{store.FAULT_ENV}: berhenti di titik" in self.stderr:
                self.paused.set()

    def show(self) -> str:
        return f"exit {self.proc.returncode}\n--- stderr ---\n{self.stderr}"

    def wait_paused(self, timeout: float = 180) -> None:
        assert self.paused.wait(timeout), "the rebuild never reached its fault point\n" + \
            self.show()

    def kill9(self) -> int:
        """SIGKILL, unless it has already exited; returns the exit status."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        code = self.proc.wait(timeout=60)
        self._reader.join(10)
        self.proc.stderr.close()
        return code

    def finish(self, timeout: float = 300) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(10)
        self.proc.stderr.close()
        return code


@pytest.fixture(autouse=True)
def no_orphan_rebuilds():
    yield
    while Rebuild.started:
        Rebuild.started.pop().kill9()


@dataclass
class Indexed:
    """An index built from OLD_CORPUS, and a second corpus (OLD_CORPUS + NEW_FILES) to rebuild
    it from."""

    old: Settings  # corpus = the old corpus, index = the index under test
    new: Settings  # corpus = the grown corpus, same index
    generation: str  # the live generation, built from the old corpus
    files: dict[str, str]  # its snapshot


@pytest.fixture
def indexed(tmp_path, embedder) -> Indexed:
    old_corpus = write_files(tmp_path / "lama", OLD_CORPUS)
    new_corpus = write_files(tmp_path / "baru", {**OLD_CORPUS, **NEW_FILES})
    old = Settings(corpus=old_corpus, index=tmp_path / "index")
    name = pipeline.build_index(old).generation
    return Indexed(old, old.replace(corpus=new_corpus), name, snapshot(old.index / name))


def assert_serves_old(ix: Indexed) -> None:
    """The index still serves the generation built from the old corpus, byte for byte."""
    index = ix.old.index
    assert store.current_name(index) == ix.generation
    assert snapshot(index / ix.generation) == ix.files
    assert store.verify_generation(index / ix.generation) == []
    check = run_cli("check-index", "--index", index, "--corpus", ix.old.corpus)
    assert check.returncode == 0, show(check)
    assert "Hasil          : OK" in check.stdout
    bot = pipeline.Bot.open(ix.old)
    assert bot.index.folder.name == ix.generation
    answer = bot.ask(ACTIP_Q)
    assert answer.found, answer.text
    assert "ASEAN Convention Against Trafficking in Persons" in answer.text
    assert answer_sources(answer) <= set(OLD_CORPUS)


def assert_recovers(ix: Indexed, embedder) -> None:
    """The next rebuild works (the lock died with the killed process) and tidies up."""
    report = pipeline.build_index(ix.new)
    index = ix.old.index
    assert store.current_name(index) == report.generation != ix.generation
    assert leftovers(index) == []
    assert generations(index) == {ix.generation, report.generation}
    assert (index / "PREVIOUS").read_text(encoding="utf-8").strip() == ix.generation
    loaded = store.load_index(index, embedder.id)
    assert {c.source for c in loaded.chunks} == set(OLD_CORPUS) | set(NEW_FILES)


# --------------------------------------------------------------------------- kill -9


@pytest.mark.parametrize("point", POINTS_BEFORE_COMMIT)
def test_kill9_before_the_commit_point_keeps_the_old_generation(indexed, point,
                                                                 embedder) -> None:
    rebuild = Rebuild(indexed.new.corpus, indexed.new.index, fault=f"{point}:sleep")
    rebuild.wait_paused()
    if point in ("write", "before-rename"):
        assert leftovers(indexed.old.index), "the new generation is being written"
    if point in ("before-publish", "publish"):
        assert len(generations(indexed.old.index)) == 2, "the new generation is complete"

    assert rebuild.kill9() == -signal.SIGKILL

    assert_serves_old(indexed)
    assert_recovers(indexed, embedder)


def test_kill9_after_the_commit_point_serves_the_new_generation(indexed, embedder) -> None:
    rebuild = Rebuild(indexed.new.corpus, indexed.new.index, fault="after-publish:sleep")
    rebuild.wait_paused()
    assert rebuild.kill9() == -signal.SIGKILL

    index = indexed.old.index
    new = store.current_name(index)
    assert new != indexed.generation
    assert store.verify_generation(index / new) == []
    assert snapshot(index / indexed.generation) == indexed.files  # the fallback, intact
    check = run_cli("check-index", "--index", index, "--corpus", indexed.new.corpus)
    assert check.returncode == 0, show(check)
    answer = pipeline.Bot.open(indexed.new).ask("Berapa kapal yang diperiksa patroli gabungan "
                                                "Kamboja dan Laos pada bulan ke-3?")
    assert answer_sources(answer) <= set(OLD_CORPUS) | set(NEW_FILES)
    assert "tambahan/patroli.txt" in answer_sources(answer)


def test_kill9_at_moments_spread_over_a_rebuild(indexed, tmp_path, embedder) -> None:
    """Whatever the moment, the live generation is complete and intact: the old one, byte for
    byte, or the new one of the grown corpus. Kills land while the process starts, then at
    growing delays after embedding starts (through embedding, writing and publishing)."""
    pristine = tmp_path / "pristine"
    shutil.copytree(indexed.old.index, pristine)
    outcomes = []
    for k, delay in enumerate([None, 0.0, 0.1, 0.2, 0.35, 0.5, 0.8, 1.1, 1.4, 1.7, 2.0]):
        index = tmp_path / f"kill-{k}"
        shutil.copytree(pristine, index)
        rebuild = Rebuild(indexed.new.corpus, index)
        if delay is None:
            time.sleep(0.3)  # still importing
        else:
            assert rebuild.embedding.wait(180), rebuild.show()
            time.sleep(delay)
        status = rebuild.kill9()
        live = store.current_name(index)
        if live == indexed.generation:
            assert snapshot(index / live) == indexed.files
            outcomes.append(f"lama ({status})")
        else:
            assert store.verify_generation(index / live) == [], (k, live)
            manifest = store.read_manifest(index)
            assert set(manifest["files"]) == set(OLD_CORPUS) | set(NEW_FILES)
            assert snapshot(index / indexed.generation) == indexed.files
            outcomes.append(f"baru ({status})")
        assert store.load_index(index, embedder.id).folder.name == live
        assert store.verify_generation(index / live) == []
    assert outcomes[0] == f"lama ({-signal.SIGKILL})", outcomes  # killed while starting up
    print("kill -9 outcomes:", outcomes)


# --------------------------------------------------------------------------- full disk


@pytest.mark.parametrize("point", ["write", "before-rename", "publish"])
def test_full_disk_fails_the_rebuild_and_keeps_the_old_index(indexed, point, embedder) -> None:
    proc = run_cli("rebuild-index", "--corpus", indexed.new.corpus, "--index",
                   indexed.new.index, **{store.FAULT_ENV: f"{point}:enospc"})

    assert proc.returncode != 0, show(proc)
    assert "Galat: Indeks baru tidak bisa ditulis" in proc.stderr, show(proc)
    assert "disk penuh" in proc.stderr and "Indeks lama tetap dipakai" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert leftovers(indexed.old.index) == []
    assert generations(indexed.old.index) == {indexed.generation}
    assert_serves_old(indexed)


def test_unwritable_index_folder_is_a_message_not_a_traceback(indexed, tmp_path) -> None:
    blocker = tmp_path / "berkas-biasa"
    blocker.write_text("bukan folder\n", encoding="utf-8")

    proc = run_cli("rebuild-index", "--corpus", indexed.old.corpus, "--index", blocker / "index")

    assert proc.returncode != 0, show(proc)
    assert "Galat: pembaruan indeks gagal" in proc.stderr, show(proc)
    assert "Traceback" not in proc.stderr


_TMPFS_SCRIPT = r"""
mount -t tmpfs -o size=8m tmpfs "$MNT" || exit 77
cp -a "$SRC" "$MNT/index" || exit 78
used=$(df -k --output=used "$MNT" | tail -1 | tr -d ' ')
mount -o remount,size=$((used + 12))k "$MNT" || exit 79
"$CLI" rebuild-index --corpus "$CORPUS" --index "$MNT/index"
echo "rebuild=$?"
"$CLI" check-index --corpus "$CORPUS" --index "$MNT/index"
echo "check=$?"
echo "current=$(cat "$MNT/index/CURRENT")"
echo "entries=$(ls -A "$MNT/index" | tr '\n' ' ')"
"""


def test_real_full_disk_on_a_small_tmpfs(indexed, tmp_path) -> None:
    """A real ENOSPC: the index is copied into a tmpfs with 12 KiB to spare, in a private mount
    namespace (skipped where unprivileged user namespaces are not allowed)."""
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rm", "true"],
                                         capture_output=True).returncode != 0:
        pytest.skip("unshare -rm (unprivileged mount namespace) is not available here")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    env = clean_env(MNT=str(mnt), SRC=str(indexed.old.index), CLI=cli_exe(),
                    CORPUS=str(indexed.new.corpus))
    proc = subprocess.run([unshare, "-rm", "sh", "-c", _TMPFS_SCRIPT], capture_output=True,
                          text=True, env=env, timeout=300)
    if proc.returncode == 77:
        pytest.skip("tmpfs cannot be mounted in a user namespace here")
    assert proc.returncode == 0, show(proc)
    out = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line
               and line.split("=", 1)[0] in {"rebuild", "check", "current", "entries"})

    assert out["rebuild"] != "0", show(proc)
    assert "disk penuh" in proc.stderr and "Indeks lama tetap dipakai" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert out["current"] == indexed.generation
    entries = set(out["entries"].split())
    stamps = {e for e in entries if e.startswith(".verified-")}  # store: verified-file record
    assert entries - stamps == {".lock", "CURRENT", indexed.generation}
    assert stamps <= {f".verified-{indexed.generation}.json"}
    # check-index (against the grown corpus) finds the old generation intact, only stale
    assert "Checksum       : OK" in proc.stdout, show(proc)
    assert "isi korpus berubah" in proc.stdout


# --------------------------------------------------------------------------- damaged files


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def flip_bit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x04
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def two_generations(tmp_path_factory, embedder) -> tuple[Settings, str, str]:
    """A pristine index with two generations: (settings, previous, current)."""
    root = tmp_path_factory.mktemp("zwei")
    corpus = write_files(root / "corpus", OLD_CORPUS)
    settings = Settings(corpus=corpus, index=root / "index")
    previous = pipeline.build_index(settings).generation
    write_files(corpus, {"baru.txt": "Kamboja dan Laos memperkuat patroli perbatasan.\n"})
    current = pipeline.build_index(settings).generation
    return settings, previous, current


@pytest.fixture
def damaged_copy(two_generations, tmp_path) -> tuple[Settings, str, str]:
    settings, previous, current = two_generations
    shutil.copytree(settings.index, tmp_path / "index")
    return settings.replace(index=tmp_path / "index"), previous, current


DAMAGEABLE = ["vectors.faiss", "chunks.jsonl", "documents.jsonl", "manifest.json",
              "words.json", "bm25/params.index.json"]


@pytest.mark.parametrize("damage", [truncate, flip_bit], ids=["truncated", "bit-flipped"])
@pytest.mark.parametrize("name", DAMAGEABLE)
def test_damaged_file_is_reported_and_loading_falls_back(damaged_copy, name, damage, embedder,
                                                         caplog) -> None:
    settings, previous, current = damaged_copy
    target = settings.index / current / name
    assert target.is_file(), sorted(snapshot(settings.index / current))
    damage(target)

    problems = store.verify_generation(settings.index / current)
    assert problems and any(name.split("/")[-1] in p or "manifest" in p for p in problems)

    check = run_cli("check-index", "--index", settings.index, "--corpus", settings.corpus)
    assert check.returncode != 0, show(check)
    assert "Checksum       : RUSAK" in check.stdout
    assert name.split("/")[-1] in check.stdout or "manifest.json" in check.stdout
    assert f"Cadangan       : {previous} (utuh, dipakai sebagai cadangan)" in check.stdout
    assert "tanya-trafficking rebuild-index" in check.stdout
    assert "Traceback" not in check.stdout + check.stderr

    with caplog.at_level(logging.WARNING, logger="tanya_trafficking.store"):
        loaded = store.load_index(settings.index, embedder.id)
    assert loaded.folder.name == previous
    assert current in caplog.text and previous in caplog.text
    answer = pipeline.Bot.open(settings).ask(ACTIP_Q)
    assert answer.found and answer_sources(answer) <= set(OLD_CORPUS)


@pytest.mark.parametrize("name", ["vectors.faiss", "manifest.json"])
def test_no_intact_generation_is_refused_with_the_command(damaged_copy, name) -> None:
    settings, previous, current = damaged_copy
    flip_bit(settings.index / current / name)
    truncate(settings.index / previous / "chunks.jsonl")

    ask = run_cli("ask", ACTIP_Q, "--index", settings.index)

    assert ask.returncode != 0, show(ask)
    assert "Galat: Indeks rusak" in ask.stderr
    assert "tanya-trafficking rebuild-index" in ask.stderr
    assert "Traceback" not in ask.stderr
    check = run_cli("check-index", "--index", settings.index, "--corpus", settings.corpus)
    assert check.returncode != 0 and "RUSAK juga" in check.stdout, show(check)


# --------------------------------------------------------------------------- concurrency


def test_second_rebuild_exits_with_sedang_berjalan(indexed, embedder) -> None:
    first = Rebuild(indexed.new.corpus, indexed.new.index, fault="embed:sleep")
    try:
        first.wait_paused()
        second = run_cli("rebuild-index", "--corpus", indexed.new.corpus, "--index",
                         indexed.new.index)
        assert second.returncode != 0, show(second)
        assert "sedang berjalan" in second.stderr, show(second)
        assert "Traceback" not in second.stderr
    finally:
        first.kill9()
    assert_serves_old(indexed)
    assert_recovers(indexed, embedder)


READER_FILES = {
    "{gen}-1.txt": "Regulasi ini disebut ASEAN Convention Against Trafficking in Persons (ACTIP). "
                   "Konvensi ini disahkan pada tahun 2015.\n",
    "{gen}-2.txt": "Pada tahun 2023 tercatat 156,330 ribu kasus perdagangan orang. "
                   "Korbannya sebagian besar perempuan dan anak.\n",
}
READER_QUESTIONS = [ACTIP_Q, "Berapa kasus perdagangan orang pada tahun 2023?",
                    "Kapan konvensi ACTIP disahkan?"]


def reader_corpus(root: Path, gen: str) -> Path:
    """The same texts under file names that tell the generations apart."""
    return write_files(root / gen, {k.format(gen=gen): v for k, v in READER_FILES.items()})


def test_readers_never_mix_generations(tmp_path, embedder) -> None:
    index = tmp_path / "index"
    old = Settings(corpus=reader_corpus(tmp_path, "lama"), index=index)
    new = old.replace(corpus=reader_corpus(tmp_path, "baru"))
    first = pipeline.build_index(old).generation
    old_sources, new_sources = sources_of(old), sources_of(new)
    held = pipeline.Bot.open(old)  # a reader holding the old generation throughout

    seen: list[tuple[str, set[str]]] = []  # (generation, sources of one answer)
    errors: list[BaseException] = []
    rebuilding = threading.Event()

    def readers() -> None:
        try:
            while rebuilding.is_set():
                for q in READER_QUESTIONS:
                    seen.append((first, answer_sources(held.ask(q))))
                fresh = pipeline.Bot.open(old)
                gen_sources = {c.source for c in fresh.index.chunks}
                assert gen_sources in (old_sources, new_sources)
                for q in READER_QUESTIONS:
                    sources = answer_sources(fresh.ask(q))
                    assert sources <= gen_sources
                    seen.append((fresh.index.folder.name, sources))
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    rebuilding.set()
    thread = threading.Thread(target=readers)
    thread.start()
    try:
        rebuild = Rebuild(new.corpus, index)
        assert rebuild.finish() == 0, rebuild.show()
        second = store.current_name(index)
        deadline = time.monotonic() + 60
        while not any(gen == second for gen, _ in seen) and time.monotonic() < deadline:
            time.sleep(0.1)  # let the readers open the new generation too
    finally:
        rebuilding.clear()
        thread.join(120)
    assert not errors, errors
    assert second != first
    for gen, sources in seen:
        assert sources, gen
        assert sources <= (old_sources if gen == first else new_sources), (gen, sources)
    assert {gen for gen, _ in seen} == {first, second}, "the readers saw both generations"

    # after the rebuild: a new reader sees only the new generation, the held one its own
    after = pipeline.Bot.open(old)
    assert after.index.folder.name == second
    for q in READER_QUESTIONS:
        assert answer_sources(after.ask(q)) <= new_sources
        assert answer_sources(held.ask(q)) <= old_sources
    # a second rebuild prunes the first generation from disk; the held reader still answers
    pipeline.build_index(new, force=True)  # (an unchanged corpus alone writes nothing)
    assert not (index / first).exists()
    answer = held.ask(ACTIP_Q)
    assert answer.found and answer_sources(answer) <= old_sources
    assert all(q.text in held.index.page_text(q.source, q.page) for q in answer.quotes)


# --------------------------------------------------------------------------- issue 14


def test_kill9_between_the_pointer_writes_keeps_a_real_backup(indexed, embedder) -> None:
    """Killed at "publish" (PREVIOUS written, CURRENT not replaced): when the live generation
    is damaged afterwards, loading still finds the older intact generation."""
    older = indexed.generation
    live = pipeline.build_index(indexed.new).generation  # live: the grown corpus; PREVIOUS: old
    rebuild = Rebuild(indexed.old.corpus, indexed.old.index, fault="publish:sleep")
    rebuild.wait_paused()
    assert rebuild.kill9() == -signal.SIGKILL
    index = indexed.old.index
    assert store.current_name(index) == live

    flip_bit(index / live / "chunks.jsonl")

    loaded = store.load_index(index, embedder.id)
    assert loaded.folder.name == older
    assert snapshot(index / older) == indexed.files
    check = run_cli("check-index", "--index", index, "--corpus", indexed.new.corpus)
    assert check.returncode != 0, show(check)
    assert f"Cadangan       : {older} (utuh, dipakai sebagai cadangan)" in check.stdout
    answer = pipeline.Bot.open(indexed.old).ask(ACTIP_Q)
    assert answer.found and answer_sources(answer) <= set(OLD_CORPUS)

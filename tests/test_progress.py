"""Progress arithmetic (progress.py): the fraction never goes back, whatever order steps arrive
in; the time left follows the measured rate; the text is Indonesian with counts."""

from __future__ import annotations

import random

import pytest

from tanya_trafficking import progress
from tanya_trafficking.progress import LinePrinter, Snapshot, Step, Tracker

ENGLISH = ("queue", "processing", "Embedding", "page", "of ", "remaining", "ETA", "it/s")


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def upload_steps() -> list[Step]:
    """The steps of an upload of a 3-page PDF and a text file, in the order a build sends them."""
    steps = [Step("check", d, 3, name="laporan.pdf") for d in range(1, 4)]
    steps.append(Step("check", 1, 1, name="catatan.txt"))
    steps += [Step("read", d, 3, 1, 2, "laporan.pdf") for d in range(0, 4)]
    steps += [Step("read", d, 1, 2, 2, "catatan.txt") for d in (0, 1)]
    steps += [Step("model"), Step("model", 1, 1)]
    steps += [Step("embed", d, 200) for d in range(0, 201, 64)] + [Step("embed", 200, 200)]
    steps += [Step("write"), Step("write", 1, 1), Step("load"), Step("load", 1, 1)]
    return steps


def test_fraction_rises_through_the_phases_and_ends_at_one() -> None:
    tracker = Tracker(progress.UPLOAD_PHASES, Clock())
    fractions = [tracker.update(s).fraction for s in upload_steps()]
    assert fractions == sorted(fractions)
    assert fractions[-1] == pytest.approx(1.0)
    assert 0 < fractions[0] < 0.1
    # Embedding moves the bar (the issue: it sat at 50% while 125 pages were embedded).
    embed = [tracker_fraction for s, tracker_fraction in zip(upload_steps(), fractions)
             if s.phase == "embed"]
    assert len(set(embed)) >= 4 and embed[-1] - embed[0] > 0.4


@pytest.mark.parametrize("seed", range(30))
def test_fraction_is_monotone_in_any_order(seed: int) -> None:
    steps = upload_steps()
    random.Random(seed).shuffle(steps)
    tracker = Tracker(progress.UPLOAD_PHASES, Clock())
    seen = []
    for s in steps:
        snap = tracker.update(s)
        seen.append(snap.fraction)
        assert 0.0 <= snap.fraction <= 1.0
        assert 0 <= snap.percent <= 100
        seen.append(tracker.note("Menunggu").fraction)
    assert seen == sorted(seen)


def test_late_phase_or_unknown_phase_does_not_move_back() -> None:
    tracker = Tracker(progress.UPLOAD_PHASES, Clock())
    high = tracker.update(Step("write", 1, 1)).fraction
    assert tracker.update(Step("read", 0, 5, 1, 1, "a.pdf")).fraction == high
    assert tracker.update(Step("nothing-we-know", 5, 5)).fraction == high
    # The parent's "loading the new index" after the worker's end: not 100% then 95%.
    assert tracker.update(Step("load")).fraction == high < 1.0
    assert tracker.finish().fraction == 1.0


def test_percent_reaches_100_only_at_the_end() -> None:
    tracker = Tracker(progress.BUILD_PHASES, Clock())
    assert tracker.update(Step("embed", 199, 200)).percent < 100
    assert tracker.update(Step("write", 0, 1)).percent < 100
    assert tracker.update(Step("write", 1, 1)).percent == 100


def test_eta_follows_the_measured_rate() -> None:
    clock = Clock()
    tracker = Tracker(progress.BUILD_PHASES, clock)
    assert tracker.update(Step("embed", 0, 1000)).eta_s is None  # nothing measured yet
    clock.t += 0.5
    assert tracker.update(Step("embed", 10, 1000)).eta_s is None  # too soon to tell
    clock.t += 1.5  # 2 s for 100 chunks: 900 left take 18 s
    snap = tracker.update(Step("embed", 100, 1000))
    assert snap.eta_s == pytest.approx(18.0)
    clock.t += 8.0  # 10 s for 500: 500 left at 50/s take 10 s
    assert tracker.update(Step("embed", 500, 1000)).eta_s == pytest.approx(10.0)
    clock.t += 10.0
    assert tracker.update(Step("embed", 1000, 1000)).eta_s is None  # done: no estimate
    # A phase without counts has no estimate; a new phase measures afresh.
    clock.t += 5.0
    assert tracker.update(Step("write")).eta_s is None


def test_eta_is_never_negative_or_absurd() -> None:
    clock = Clock()
    tracker = Tracker(progress.BUILD_PHASES, clock)
    tracker.update(Step("embed", 0, 10**9))
    clock.t += 3600
    snap = tracker.update(Step("embed", 1, 10**9))
    assert 0 <= snap.eta_s <= progress.ETA_MAX_S
    clock.t += 1
    snap = tracker.update(Step("embed", 5, 3))  # a count past its total
    assert snap.eta_s is None and snap.fraction <= 1.0


@pytest.mark.parametrize("seconds, text", [
    (0.2, "1 detik"), (3.4, "4 detik"), (12, "15 detik"), (59.5, "1 menit"),
    (61, "1 menit 10 detik"), (120, "2 menit"), (725, "13 menit"),
])
def test_seconds_are_said_in_indonesian(seconds, text) -> None:
    assert progress.format_seconds(seconds) == text


def test_texts_are_indonesian_with_counts() -> None:
    texts = [progress.step_text(s) for s in upload_steps()]
    assert "Memeriksa laporan.pdf: halaman 2 dari 3" in texts
    assert "Membaca laporan.pdf (berkas 1 dari 2): halaman 3 dari 3" in texts
    assert "Membaca catatan.txt (berkas 2 dari 2)" in texts
    assert "Mengolah bagian teks: 128 dari 200" in texts
    assert all(t and not any(w in t for w in ENGLISH) for t in texts), texts
    snap = Snapshot(0.42, "Menulis indeks", 75.0)
    assert snap.line() == "[ 42%] Menulis indeks, sisa sekitar 1 menit 20 detik"
    assert Snapshot(0.05, "Memuat model bahasa").line() == "[  5%] Memuat model bahasa"


def test_step_crosses_a_process_boundary_as_plain_values() -> None:
    step = Step("read", 3, 9, 1, 2, "laporan.pdf")
    assert Step.from_tuple(step.to_tuple()) == step
    assert all(isinstance(v, (str, int)) for v in step.to_tuple())


def test_line_printer_prints_each_phase_and_at_most_one_line_a_second() -> None:
    clock, lines = Clock(), []
    printer = LinePrinter(lines.append, clock=clock)
    printer(Step("read", 0, 1, 1, 1, "a.txt"))
    printer(Step("read", 1, 1, 1, 1, "a.txt"))  # phase complete: printed
    printer(Step("model"))
    for done in range(0, 1001, 10):  # 101 steps in 2 s
        printer(Step("embed", done, 1000))
        clock.t += 0.02
    printer(Step("write"))
    printer(Step("write", 1, 1))
    assert lines[0].startswith("[  0%] Membaca a.txt")
    assert any(line.endswith("] Memuat model bahasa") for line in lines), lines
    embed = [line for line in lines if "Mengolah bagian teks" in line]
    assert 2 <= len(embed) <= 4, embed
    assert embed[-1].endswith("1.000 dari 1.000"), embed
    assert lines[-1] == "[100%] Menulis indeks"
    pcts = [int(line[1:4]) for line in lines]
    assert pcts == sorted(pcts)


def test_eta_of_a_file_counts_its_own_pages() -> None:
    """Reading: the estimate is for the file whose pages the text counts, measured afresh."""
    clock = Clock()
    tracker = Tracker(progress.BUILD_PHASES, clock)
    tracker.update(Step("read", 1, 1, 1, 2, "kecil.txt"))
    clock.t += 0.1
    tracker.update(Step("read", 0, 40, 2, 2, "besar.pdf"))
    clock.t += 2.0
    assert tracker.update(Step("read", 10, 40, 2, 2, "besar.pdf")).eta_s == pytest.approx(6.0)


def test_work_measures_the_share_better_than_the_count() -> None:
    """Chunks are embedded shortest first: characters, not chunks, say how far it is."""
    clock = Clock()
    tracker = Tracker(("embed",), clock)
    tracker.update(Step("embed", 0, 100, work=0, work_total=10_000))
    clock.t += 2.0
    snap = tracker.update(Step("embed", 50, 100, work=2_000, work_total=10_000))
    assert snap.fraction == pytest.approx(0.2)
    assert snap.eta_s == pytest.approx(8.0)
    assert snap.text.endswith("50 dari 100")

"""generations.py: the pointer files, the generation folders on disk, pruning, the lock and
the fault points, on real folders in a tmp dir (no index needed: these are file rules). How a
rebuild and loading use them end to end: tests/test_store.py and tests/test_durability.py."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tanya_trafficking import generations as gens
from tanya_trafficking.errors import RebuildBusy

OLD, MID, NEW = "gen-20260101T000000-aaaaaa", "gen-20260601T000000-bbbbbb", \
    "gen-20261201T000000-cccccc"


def folders(index: Path, *names: str) -> None:
    for name in names:
        (index / name).mkdir(parents=True)


# --------------------------------------------------------------------------- pointers


def test_pointer_round_trip_leaves_no_temp_file(tmp_path) -> None:
    gens.write_pointer(tmp_path, gens.CURRENT, [NEW])

    assert gens.read_pointer(tmp_path) == (NEW, None)
    assert gens.current_name(tmp_path) == NEW
    assert sorted(p.name for p in tmp_path.iterdir()) == [gens.CURRENT]


@pytest.mark.parametrize("raw, problem", [
    (None, "tidak ada"),
    (b"", "kosong"),
    (b"  \n\n", "kosong"),
    (b"\xff\xfe\x00", "bukan teks"),
    (b"../x\n", 'bukan nama generasi: "../x"'),
    (b"gen-a/../../etc\n", "bukan nama generasi"),
    (b"gen-\x1b[31m\n", 'bukan nama generasi: "gen-?[31m"'),  # shown printable only
    (f"{MID}\n{NEW}\n".encode(), "lebih dari satu nama"),
])
def test_a_damaged_pointer_names_nothing_and_says_why(tmp_path, raw, problem) -> None:
    if raw is not None:
        (tmp_path / gens.CURRENT).write_bytes(raw)

    name, why = gens.read_pointer(tmp_path)

    assert name is None and problem in why and "CURRENT" in why
    assert gens.current_name(tmp_path) is None


def test_previous_names_skip_the_current_one_and_repeats(tmp_path) -> None:
    gens.write_pointer(tmp_path, gens.PREVIOUS, [NEW, MID, MID, OLD])

    assert gens.previous_names(tmp_path, NEW) == [MID, OLD]
    assert gens.previous_names(tmp_path, None) == [NEW, MID, OLD]


def test_previous_keeps_its_good_names_beside_a_bad_one(tmp_path) -> None:
    (tmp_path / gens.PREVIOUS).write_text(f"{MID}\n../luar\n", encoding="utf-8")

    assert gens.previous_names(tmp_path, None) == [MID]


# --------------------------------------------------------------------------- folders


def test_generation_names_are_folders_newest_first(tmp_path) -> None:
    folders(tmp_path, MID, OLD, NEW, ".tmp-gen-20261203T000000-dddddd", "gen-bad.name")
    (tmp_path / "gen-20261202T000000-eeeeee").write_text("a file, not a folder")
    os.symlink(tmp_path / NEW, tmp_path / "gen-20261231T000000-ffffff")

    assert gens.generation_names(tmp_path) == [NEW, MID, OLD]
    assert gens.generation_names(tmp_path / "nowhere") == []


def test_load_candidates_order_live_then_fallbacks_then_the_rest(tmp_path) -> None:
    folders(tmp_path, OLD, MID, NEW)
    gens.write_pointer(tmp_path, gens.CURRENT, [OLD])
    gens.write_pointer(tmp_path, gens.PREVIOUS, [MID])

    assert gens.load_candidates(tmp_path) == (OLD, None, [OLD, MID, NEW])

    (tmp_path / gens.CURRENT).write_bytes(b"\xff")
    name, problem, order = gens.load_candidates(tmp_path)
    assert name is None and "bukan teks" in problem and order == [MID, NEW, OLD]


def test_has_index(tmp_path) -> None:
    assert not gens.has_index(tmp_path)
    (tmp_path / "README.md").write_text("bukan indeks")
    assert not gens.has_index(tmp_path)
    folders(tmp_path, OLD)
    assert gens.has_index(tmp_path)


def test_prune_keeps_what_is_asked_and_what_is_not_an_index(tmp_path) -> None:
    folders(tmp_path, OLD, MID, NEW, f".tmp-{NEW}x")
    for name in (f".{gens.CURRENT}.tmp", f".verified-{OLD}.json", "README.md", ".lock",
                 f".verified-{NEW}.json"):
        (tmp_path / name).write_text("x")
    gens.write_pointer(tmp_path, gens.CURRENT, [NEW])

    gens.prune(tmp_path, {NEW, MID})

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [gens.CURRENT, ".lock", f".verified-{NEW}.json", "README.md", MID, NEW])


# --------------------------------------------------------------------------- lock, faults


def test_a_second_rebuild_lock_is_refused_until_the_first_is_released(tmp_path) -> None:
    index = tmp_path / "index"
    with gens.rebuild_lock(index):
        with pytest.raises(RebuildBusy, match="sedang berjalan"):
            with gens.rebuild_lock(index):
                pass
    with gens.rebuild_lock(index):  # released
        pass


def test_fault_points_are_off_without_the_variable(monkeypatch) -> None:
    monkeypatch.delenv(gens.FAULT_ENV, raising=False)
    gens.fault("write")  # returns at once
    monkeypatch.setenv(gens.FAULT_ENV, "write:enospc")
    gens.fault("embed")  # another point: nothing happens
    with pytest.raises(OSError) as e:
        gens.fault("write")
    assert e.value.errno == errno.ENOSPC

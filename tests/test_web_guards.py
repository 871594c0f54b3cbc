"""The web layer's guards (web/guards.py), pure logic on real files: which file paths an
event may take (``is_uploaded_file``, ``foreign_paths``) and the login throttle (with a clock
the test moves). Probed over HTTP against the running app: test_app_security.py."""

from __future__ import annotations

import pytest

from tanya_trafficking.web import guards


@pytest.fixture()
def cache(tmp_path):
    folder = tmp_path / "gradio"
    (folder / "abc123").mkdir(parents=True)
    good = folder / "abc123" / "laporan.txt"
    good.write_text("isi unggahan\n", encoding="utf-8")
    outside = tmp_path / "rahasia.txt"
    outside.write_text("rahasia server\n", encoding="utf-8")
    return folder.resolve(), good, outside


def test_only_regular_files_inside_the_upload_cache_are_uploads(cache, tmp_path) -> None:
    folder, good, outside = cache
    assert guards.is_uploaded_file(str(good), folder)
    link = folder / "abc123" / "tautan.txt"
    link.symlink_to(outside)
    dir_link = folder / "keluar"
    dir_link.symlink_to(tmp_path)
    inner_link = folder / "abc123" / "tautan-dalam.txt"
    inner_link.symlink_to(good)  # even a link that stays inside: uploads are never links
    for path in [str(outside), "/etc/hosts", str(link), str(dir_link / "rahasia.txt"),
                 str(inner_link), str(folder / "abc123" / ".." / ".." / "rahasia.txt"),
                 "laporan.txt", str(folder / "abc123"), str(folder / "tidak-ada.txt"),
                 f"http://127.0.0.1:9/{good.name}", "file:///etc/hosts"]:
        assert not guards.is_uploaded_file(path, folder), path


def test_upload_cache_reached_through_a_link_still_works(cache, tmp_path) -> None:
    folder, good, _ = cache
    alias = tmp_path / "alias"
    alias.symlink_to(folder)  # e.g. /tmp -> /private/tmp: the cache's own path has a link
    assert guards.is_uploaded_file(str(alias / "abc123" / "laporan.txt"), folder)


def test_foreign_paths_finds_file_objects_anywhere_in_a_body(cache) -> None:
    folder, good, outside = cache
    body = {"data": [[{"path": str(good), "meta": {"_type": "gradio.FileData"}},
                      {"path": str(outside), "meta": {"_type": "gradio.FileData"}}],
                     "teks", {"nested": [{"path": "/etc/hosts"}]}],
            "fn_index": 6}
    assert sorted(guards.foreign_paths(body, folder)) == sorted([str(outside), "/etc/hosts"])
    assert guards.foreign_paths({"data": ["Apa itu ACTIP?", ""]}, folder) == []


def test_login_throttle_locks_out_after_the_free_tries_with_a_doubling_wait() -> None:
    now = [1000.0]
    t = guards.LoginThrottle(clock=lambda: now[0])
    for _ in range(t.FREE_TRIES):
        assert t.locked_for("10.0.0.1") == 0
        t.failed("10.0.0.1")
    assert t.locked_for("10.0.0.1") == 0  # typos are free
    waits = []
    for _ in range(4):
        t.failed("10.0.0.1")
        waits.append(t.locked_for("10.0.0.1"))
        now[0] += waits[-1]
    assert waits == [1.0, 2.0, 4.0, 8.0]
    assert t.locked_for("10.0.0.2") == 0  # per client
    t.failed("10.0.0.1")
    assert t.locked_for("10.0.0.1") == 16.0
    t.succeeded("10.0.0.1")
    assert t.locked_for("10.0.0.1") == 0


def test_login_throttle_caps_the_wait_and_forgets_quiet_clients() -> None:
    now = [0.0]
    t = guards.LoginThrottle(clock=lambda: now[0])
    for _ in range(40):
        t.failed("a")
    assert t.locked_for("a") == t.MAX_LOCK_S
    now[0] += t.FORGET_S + 1
    assert t.locked_for("a") == 0


def test_login_throttle_remembers_a_bounded_number_of_clients(monkeypatch) -> None:
    monkeypatch.setattr(guards.LoginThrottle, "MAX_CLIENTS", 50)
    t = guards.LoginThrottle()
    for i in range(500):
        t.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(t._clients) == 50

"""The key file (keyfile.py): created once with mode 0600 as hex text, read back unchanged,
never world-readable; a damaged file is an error the caller can tell apart. The web chat's use
of it (a damaged file logs one line and the chat runs with a fresh key): test_web_service.py;
across a real restart: test_browser.py."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tanya_trafficking import keyfile
from tanya_trafficking.config import Settings


def test_key_is_created_once_0600_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "index" / ".conversation-key"  # its folder is created too
    old = os.umask(0)  # even a permissive umask gives an owner-only file
    try:
        key = keyfile.load_or_create(path)
    finally:
        os.umask(old)
    assert len(key) == keyfile.KEY_BYTES
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text("ascii").strip() == key.hex()
    assert keyfile.load_or_create(path) == key  # the next run reads the same key
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_key_file_readable_by_others_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / ".conversation-key"
    key = keyfile.load_or_create(path)
    path.chmod(0o644)
    assert keyfile.load_or_create(path) == key
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("content", [b"", b"bukan kunci\n", b"ab" * 16 + b"\n",
                                     b"\xff\xfe" * 40])
def test_a_damaged_key_file_is_reported_and_left_alone(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / ".conversation-key"
    path.write_bytes(content)
    with pytest.raises(keyfile.KeyFileDamaged):
        keyfile.load_or_create(path)
    assert path.read_bytes() == content  # not overwritten: someone may want to look at it


def test_two_processes_creating_it_at_once_get_the_same_key(tmp_path: Path) -> None:
    path = tmp_path / ".conversation-key"
    keys: list[bytes] = []
    start = threading.Barrier(8)

    def create() -> None:
        start.wait()
        keys.append(keyfile.load_or_create(path))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert keyfile.load_or_create(path) == keys[0]


def test_the_key_file_setting(tmp_path: Path) -> None:
    settings = Settings.from_env({"TANYA_INDEX": str(tmp_path / "ix")})
    assert settings.conversation_key_path() == tmp_path / "ix" / ".conversation-key"
    settings = Settings.from_env({"TANYA_INDEX": str(tmp_path / "ix"),
                                  "TANYA_CONVERSATION_KEY_FILE": str(tmp_path / "k" / "kunci")})
    assert settings.conversation_key_path() == tmp_path / "k" / "kunci"
    assert settings.replace(conversation_key_file=str(tmp_path / "lain")) \
        .conversation_key_path() == tmp_path / "lain"


def test_pruning_the_index_leaves_the_key_file(tmp_path: Path) -> None:
    from tanya_trafficking import generations

    index = tmp_path / "index"
    key = keyfile.load_or_create(index / ".conversation-key")
    (index / "gen-20260101T000000-abcdef").mkdir()
    generations.prune(index, keep=set())
    assert keyfile.load_or_create(index / ".conversation-key") == key

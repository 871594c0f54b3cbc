"""A secret key kept in a file: created once (``KEY_BYTES`` random bytes as hex text, mode 0600,
written atomically: temp file, fsync, hard link into place), then read back by every later run.
The web chat signs the conversation browsers keep with it (``web/service.py``), so a restart
does not forget them. Two processes creating it at once end with the same key: the link that
comes second fails and that process reads the first one's file.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from .generations import fsync_dir

KEY_BYTES = 32
MODE = 0o600  # owner only: never group- or world-readable


class KeyFileDamaged(ValueError):
    """The file exists but does not hold a key this module wrote."""


def _read(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileDamaged(f"{path} is not a regular file")
        if info.st_mode & 0o077:  # readable by others (copied, or a umask-less tool): tighten
            os.fchmod(fd, MODE)
        raw = os.read(fd, 4 * KEY_BYTES)
    finally:
        os.close(fd)
    try:
        key = bytes.fromhex(raw.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise KeyFileDamaged(f"{path} does not hold hex text") from None
    if len(key) != KEY_BYTES:
        raise KeyFileDamaged(f"{path} holds {len(key)} bytes, not {KEY_BYTES}")
    return key


def load_or_create(path: Path) -> bytes:
    """The key in ``path``, created (with its folder) when missing. Raises ``OSError`` when
    the file cannot be read or written, ``KeyFileDamaged`` when it holds no key."""
    path = Path(path)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    # A dot name ending in .tmp: ``generations.prune`` clears one a crash left behind.
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
    try:
        try:
            os.fchmod(fd, MODE)
            os.write(fd, (key.hex() + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # never replaces a key another process wrote meanwhile
        except FileExistsError:
            return _read(path)
        except OSError:  # a file system without hard links
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return key

"""The chat's thumbs up/down: one JSON line per verdict in ``settings.feedback``
(``tanya-trafficking eval`` reads that file as unlabelled questions)."""

from __future__ import annotations

import fcntl
import json
import os

from .config import Settings


def record_feedback(settings: Settings, record: dict) -> None:
    """Append one JSON line to the feedback file.

    One ``write`` on an ``O_APPEND`` descriptor under an exclusive lock: concurrent writers
    (threads or processes) never interleave lines.
    """
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    settings.feedback.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(settings.feedback, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
    finally:
        os.close(fd)

"""The child process for untrusted files (sandbox.py): JSON messages, the reason it died, and
its address-space cap."""

from __future__ import annotations

import json
import multiprocessing as mp
import signal

from tanya_trafficking import sandbox


def test_messages_cross_the_pipe_as_json_bytes() -> None:
    recv, send = mp.Pipe(duplex=False)
    sandbox.send_json(send, [3, "Halaman tiga «ACTIP»"])
    data = recv.recv_bytes()
    assert json.loads(data.decode("utf-8")) == [3, "Halaman tiga «ACTIP»"]
    assert b"\x80" not in data[:1]  # not a pickle (protocol 2+ starts with 0x80)


def test_the_reason_a_child_died_names_the_signal_or_the_exit_code() -> None:
    assert "SIGKILL" in sandbox.reason_died(-signal.SIGKILL)
    assert "3" in sandbox.reason_died(3)
    assert sandbox.reason_died(-9) != sandbox.reason_died(9)


def _allocate(conn) -> None:
    sandbox.limit_memory(64 * 2**20)
    try:
        block = bytearray(512 * 2**20)  # far over the cap
        conn.send(len(block))
    except MemoryError:
        conn.send("MemoryError")


def test_a_capped_child_cannot_allocate_past_its_limit() -> None:
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_allocate, args=(send,))
    proc.start()
    proc.join(30)
    assert recv.poll(1) and recv.recv() == "MemoryError"

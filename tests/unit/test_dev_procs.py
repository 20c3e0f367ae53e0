from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from connectrt.dev.procs import pid_alive, port_is_free, spawn, stop_pids, tail_lines

pytestmark = pytest.mark.unit


def test_port_is_free_sees_a_listener() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not port_is_free(port)
    assert port_is_free(port)


def test_spawn_alive_marker_and_stop(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "sleeper.log"
    marker = f"marker-{tmp_path.name}"
    code = f"import sys, time; print('hello from {marker}', flush=True); time.sleep(60)"
    proc = spawn([sys.executable, "-c", code, marker], log)
    try:
        assert pid_alive(proc.pid, marker)
        assert not pid_alive(proc.pid, "some-other-marker")
        deadline = time.monotonic() + 20
        while "hello from" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "hello from" in log.read_text()
        assert stop_pids({proc.pid: (marker, 15)}, timeout=10) == []
        assert not pid_alive(proc.pid, marker)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_stop_kills_what_ignores_the_signal(tmp_path: Path) -> None:
    code = "import signal, time, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        assert stop_pids({proc.pid: (None, 15)}, timeout=0.5) == [proc.pid]
        assert not pid_alive(proc.pid)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_dead_or_bogus_pids_are_not_alive() -> None:
    assert not pid_alive(0)
    assert not pid_alive(-5)
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not pid_alive(proc.pid)


def test_tail_lines(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("".join(f"line {i}\n\n" for i in range(100)))
    assert tail_lines(log, 3) == ["line 97", "line 98", "line 99"]
    assert tail_lines(log, 3, offset=log.stat().st_size) == []
    assert tail_lines(tmp_path / "missing.log") == []

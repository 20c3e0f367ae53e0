"""Start connectrt workers as real processes for integration tests (and kill them with -9)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_properties(path: Path, props: dict[str, Any]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    return path


class WorkerProcess:
    """``connectrt standalone|distributed`` in a subprocess, with its REST URL and log file."""

    def __init__(
        self,
        mode: str,
        worker_props: dict[str, Any],
        workdir: Path,
        extra_args: list[str] | None = None,
        port: int | None = None,
    ):
        self.mode = mode
        self.port = port or free_port()
        self.props = {"listeners": f"http://127.0.0.1:{self.port}", **worker_props}
        self.workdir = workdir
        self.extra_args = extra_args or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"worker-{self.port}.log"
        self.props_path = write_properties(workdir / f"worker-{self.port}.properties", self.props)

    def start(self, wait_healthy: bool = True, timeout_s: float = 60.0) -> WorkerProcess:
        log = open(self.log_path, "ab")
        env = dict(os.environ, CONNECTRT_LOG_LEVEL=os.environ.get("CONNECTRT_TEST_LOG_LEVEL", "INFO"))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "connectrt.cli", self.mode, str(self.props_path), *self.extra_args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=self.workdir,
        )
        if wait_healthy:
            self.wait_healthy(timeout_s)
        return self

    def wait_healthy(self, timeout_s: float = 60.0) -> float:
        start = time.monotonic()
        deadline = start + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"worker exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return time.monotonic() - start
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"worker not healthy within {timeout_s}s:\n{self.tail()}")

    def tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout_s: float = 30.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.kill9()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


def wait_until(predicate: Any, timeout_s: float, message: str, interval_s: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s: {message} (last: {last!r})")

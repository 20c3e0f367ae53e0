"""A real Java Kafka Connect 4.2.1 distributed worker for the compatibility tests (the REST recorder,
the Java -> connectrt -> Java round trip, the mixed cluster).

The runtime (connect-runtime, connect-json, connect-file from Maven Central) is resolved with mvn by
``bench/_common.ensure_java_connect`` into ~/.cache/connectrt/bench/java-connect-4.2.1, Debezium 3.6.1's
PostgreSQL connector by ``bench/cdc/debezium.ensure_debezium_plugin`` into a ``plugin.path`` directory
under ~/.cache/connectrt/bench; both are reused once there and never committed. Without java or mvn
the caller's test is skipped, except in CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT / "bench", ROOT / "bench" / "cdc"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import _common  # noqa: E402
import debezium  # noqa: E402


def java_available(need_mvn: bool = True) -> None:
    """Skip (fail in CI) when the Java side cannot run here."""
    missing = [tool for tool in ("java", *(("mvn",) if need_mvn else ())) if shutil.which(tool) is None]
    if missing:
        message = f"{' and '.join(missing)} not on PATH: Java Kafka Connect cannot run"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def java_runtime() -> Path:
    """Kafka Connect 4.2.1's jars (with the FileStream connectors), resolved once."""
    return _common.ensure_java_connect()


def debezium_plugin_path() -> Path:
    """A ``plugin.path`` directory holding Debezium 3.6.1's PostgreSQL connector, resolved once."""
    return debezium.ensure_debezium_plugin()


def worker_props(bootstrap: str, group: str) -> dict[str, str]:
    """Worker settings both kinds of worker take unchanged: a group and its internal topics."""
    return {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "config.storage.topic": f"{group}-configs",
        "offset.storage.topic": f"{group}-offsets",
        "status.storage.topic": f"{group}-status",
        "config.storage.replication.factor": "1",
        "offset.storage.replication.factor": "1",
        "status.storage.replication.factor": "1",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "offset.flush.interval.ms": "1000",
    }


class JavaWorker:
    """``ConnectDistributed`` with ``props`` (``listeners`` is set from ``port``), logging to ``workdir``."""

    def __init__(self, props: dict[str, Any], workdir: Path, port: int | None = None) -> None:
        self.port = port or _common.free_port()
        self.props = {**props, "listeners": f"http://127.0.0.1:{self.port}"}
        self.workdir = workdir
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"java-worker-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 120.0) -> JavaWorker:
        cache = java_runtime()
        props = _common.write_properties(self.workdir / f"java-worker-{self.port}.properties", self.props)
        argv = _common.java_connect_standalone_argv(cache, [props], heap_opts="-Xms128M -Xmx768M")
        argv = [
            a
            if a != "org.apache.kafka.connect.cli.ConnectStandalone"
            else "org.apache.kafka.connect.cli.ConnectDistributed"
            for a in argv
        ]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Java Connect exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"Java Connect did not become healthy in {timeout_s} s:\n{self.tail()}")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def stop(self, timeout_s: float = 60.0) -> None:
        """A graceful shutdown (SIGTERM: the worker leaves the group, tasks commit their offsets)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

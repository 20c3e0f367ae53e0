from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectrt.dev import services
from connectrt.dev.config import DevSettings
from connectrt.dev.state import InstanceState, ServiceRecord, load_state, save_state

pytestmark = pytest.mark.unit


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "sleeper-marker"])
    yield proc
    proc.kill()
    proc.wait()


def _record(name: str, kind: str, pid: int, address: str, marker: str = "sleeper-marker") -> ServiceRecord:
    return ServiceRecord(
        name=name, kind=kind, pid=pid, address=address, marker=marker, log=f"/tmp/{name}.log"
    )


def test_state_round_trip(tmp_path: Path) -> None:
    state = InstanceState("default", 29000, brokers=3, kafka_version="4.2.1")
    state.services["kafka-1"] = _record("kafka-1", "kafka", 123, "127.0.0.1:29092")
    state.services["kafka-1"].info["version"] = "4.2.1"
    save_state(tmp_path / "state.json", state)
    assert load_state(tmp_path / "state.json") == state
    assert load_state(tmp_path / "missing.json") is None


def test_running_checks_pid_and_marker(sleeper: subprocess.Popen[bytes]) -> None:
    state = InstanceState("default", 29000)
    state.services["s3"] = _record("s3", "s3", sleeper.pid, "http://127.0.0.1:29900")
    state.services["postgres"] = _record(
        "postgres", "postgres", sleeper.pid, "127.0.0.1:29432", marker="nope"
    )
    assert list(state.running()) == ["s3"]


def test_env_vars_from_running_services(sleeper: subprocess.Popen[bytes]) -> None:
    state = InstanceState("default", 29000)
    for i in (2, 1):
        rec = _record(f"kafka-{i}", "kafka", sleeper.pid, f"127.0.0.1:2909{i + 1}")
        rec.info["version"] = "4.2.1"
        state.services[rec.name] = rec
    state.services["postgres"] = _record("postgres", "postgres", sleeper.pid, "127.0.0.1:29432")
    state.services["s3"] = _record("s3", "s3", sleeper.pid, "http://127.0.0.1:29900")
    env = services.env_vars(state)
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:29092,127.0.0.1:29093"
    assert env["CONNECTRT_KAFKA_VERSION"] == "4.2.1"
    assert env["CONNECTRT_PG_DSN"] == "postgresql://connectrt:connectrt@127.0.0.1:29432/connectrt"
    assert env["CONNECTRT_PG_PORT"] == "29432"
    assert env["CONNECTRT_S3_ENDPOINT"] == "http://127.0.0.1:29900"
    assert env["AWS_ENDPOINT_URL_S3"] == "http://127.0.0.1:29900"


def test_down_stops_only_recorded_processes(tmp_path: Path, sleeper: subprocess.Popen[bytes]) -> None:
    settings = DevSettings(cache_dir=tmp_path)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "sleeper-marker"])
    try:
        state = InstanceState("default", 29000)
        state.services["s3"] = _record("s3", "s3", sleeper.pid, "http://127.0.0.1:29900")
        save_state(settings.state_file, state)
        assert [row.name for row in services.status(settings) if row.running] == ["s3"]
        assert services.down(settings) == ["s3"]
        assert sleeper.wait(10) is not None
        assert other.poll() is None  # same command line, not recorded: left alone
        assert settings.instance_dir.exists()
        assert services.down(settings) == []
        services.down(settings, purge=True)
        assert not settings.instance_dir.exists()
    finally:
        other.kill()
        other.wait()

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connectrt.dev import leases
from connectrt.dev.config import DevSettings
from connectrt.dev.procs import pid_alive, process_start_time
from connectrt.dev.state import InstanceState, ServiceRecord, save_state

pytestmark = pytest.mark.unit


def _sleeper(tag: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", tag])


def test_last_lease_out_stops_labelled_services_only(tmp_path: Path) -> None:
    settings = DevSettings(cache_dir=tmp_path)
    labelled, manual, other_user = _sleeper("svc-a"), _sleeper("svc-b"), _sleeper("user")
    try:
        state = InstanceState("default", 29000)
        state.services["s3"] = ServiceRecord(
            "s3", "s3", labelled.pid, "x", "svc-a", "l", info={"started_by": "pytest"}
        )
        state.services["postgres"] = ServiceRecord("postgres", "postgres", manual.pid, "y", "svc-b", "l")
        save_state(settings.state_file, state)

        leases.acquire(settings, "me")
        lease_dir = settings.instance_dir / "leases"
        (lease_dir / "other.lease").write_text(f"{other_user.pid} {process_start_time(other_user.pid)}\n")
        (lease_dir / "stale.lease").write_text("999999999 12345\n")
        assert leases.release(settings, "me", "pytest") == []  # another session still uses them
        assert labelled.poll() is None
        assert not (lease_dir / "stale.lease").exists()

        other_user.kill()
        other_user.wait()
        leases.acquire(settings, "me")
        assert leases.release(settings, "me", "pytest") == ["s3"]
        assert labelled.wait(10) is not None
        assert pid_alive(manual.pid, "svc-b")  # started by hand: never stopped by leases
    finally:
        for proc in (labelled, manual, other_user):
            proc.kill()
            proc.wait()


def test_others_alive_sees_live_leases_of_other_holders_only(tmp_path: Path) -> None:
    settings = DevSettings(cache_dir=tmp_path)
    leases.acquire(settings, "me")
    assert not leases.others_alive(settings, "me")
    lease_dir = settings.instance_dir / "leases"
    (lease_dir / "stale.lease").write_text("999999999 12345\n")
    assert not leases.others_alive(settings, "me")  # its process is gone
    other = _sleeper("other")
    try:
        (lease_dir / "other.lease").write_text(f"{other.pid} {process_start_time(other.pid)}\n")
        assert leases.others_alive(settings, "me")
    finally:
        other.kill()
        other.wait()
    assert not leases.others_alive(settings, "me")

"""Leases: several processes (e.g. two pytest sessions) sharing one dev instance.

A user of the services takes a lease before ``up`` and releases it when done. Services that
users started under a label (``started_by``) are stopped when the last live lease goes away, so
one test session never stops the services another session is still using, and services started
by hand with ``connectrt dev up`` (no label) are never stopped by leases.
"""

from __future__ import annotations

import os
from pathlib import Path

from connectrt.dev import services
from connectrt.dev.config import DevSettings
from connectrt.dev.procs import process_start_time
from connectrt.dev.state import load_state, save_state


def _lease_dir(settings: DevSettings) -> Path:
    return settings.instance_dir / "leases"


def _lease_alive(path: Path) -> bool:
    try:
        pid_text, started = path.read_text().split()
    except (OSError, ValueError):
        return False
    return process_start_time(int(pid_text)) == started


def acquire(settings: DevSettings, holder: str) -> None:
    """Record that this process (``holder`` names it) uses the instance."""
    directory = _lease_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    (directory / f"{holder}.lease").write_text(f"{pid} {process_start_time(pid)}\n")


def others_alive(settings: DevSettings, holder: str) -> bool:
    """Whether a live process other than ``holder`` holds a lease on the instance."""
    directory = _lease_dir(settings)
    return any(path.name != f"{holder}.lease" and _lease_alive(path) for path in directory.glob("*.lease"))


def release(settings: DevSettings, holder: str, started_by: str) -> list[str]:
    """Drop this process's lease; when no live lease is left, stop the services labelled
    ``started_by``. Returns the names of the services stopped."""
    directory = _lease_dir(settings)
    with services.instance_lock(settings):
        (directory / f"{holder}.lease").unlink(missing_ok=True)
        others = [path for path in directory.glob("*.lease") if _lease_alive(path)]
        for path in directory.glob("*.lease"):
            if path not in others:
                path.unlink(missing_ok=True)
        if others:
            return []
        state = load_state(settings.state_file)
        if state is None:
            return []
        mine = [rec for rec in state.services.values() if rec.info.get("started_by") == started_by]
        stopped = services.stop_records(mine)
        for rec in mine:
            state.services.pop(rec.name, None)
        save_state(settings.state_file, state)
        return stopped

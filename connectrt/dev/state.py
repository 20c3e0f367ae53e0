"""The state file of a dev instance: which processes ``up`` started, so ``down`` stops exactly those."""

from __future__ import annotations

import json
import os
import signal
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from connectrt.dev.errors import DevError
from connectrt.dev.procs import pid_alive

STATE_VERSION = 1


@dataclass
class ServiceRecord:
    """One process started by ``connectrt dev up``."""

    name: str  # "kafka-1", "postgres", "s3"
    kind: str  # "kafka", "postgres" or "s3"
    pid: int
    address: str  # host:port, or a URL for S3
    marker: str  # a string in the process's command line (guards against pid reuse)
    log: str
    stop_signal: int = int(signal.SIGTERM)
    started_at: float = 0.0
    info: dict[str, str] = field(default_factory=dict)

    def alive(self) -> bool:
        return pid_alive(self.pid, self.marker)


@dataclass
class InstanceState:
    instance: str
    port_base: int
    brokers: int = 1
    kafka_version: str = ""
    services: dict[str, ServiceRecord] = field(default_factory=dict)

    def running(self) -> dict[str, ServiceRecord]:
        return {name: rec for name, rec in self.services.items() if rec.alive()}

    def of_kind(self, kind: str) -> list[ServiceRecord]:
        return [rec for rec in self.services.values() if rec.kind == kind]


def load_state(path: Path) -> InstanceState | None:
    try:
        raw: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DevError(
            f"The state file {path} is unreadable ({exc}); stop its services by hand and delete it."
        )
    services = {name: ServiceRecord(**record) for name, record in (raw.get("services") or {}).items()}
    return InstanceState(
        instance=str(raw.get("instance", "")),
        port_base=int(raw.get("port_base", 0)),
        brokers=int(raw.get("brokers", 1)),
        kafka_version=str(raw.get("kafka_version", "")),
        services=services,
    )


def save_state(path: Path, state: InstanceState) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"version": STATE_VERSION, **asdict(state)}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)

"""A cluster of connectrt distributed workers as real processes, on the shared dev broker."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.integration.worker_process import WorkerProcess, wait_until


class ConnectCluster:
    def __init__(self, bootstrap: str, name: str, workdir: Path, **overrides: Any) -> None:
        self.workdir = workdir
        self.group = name
        self.props: dict[str, Any] = {
            "bootstrap.servers": bootstrap,
            "group.id": name,
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "config.storage.topic": f"{name}-configs",
            "offset.storage.topic": f"{name}-offsets",
            "status.storage.topic": f"{name}-status",
            "config.storage.replication.factor": "1",
            "offset.storage.replication.factor": "1",
            "status.storage.replication.factor": "1",
            "offset.storage.partitions": "3",
            "status.storage.partitions": "2",
            "offset.flush.interval.ms": "1000",
            "scheduled.rebalance.max.delay.ms": "0",
            **overrides,
        }
        self.workers: list[WorkerProcess] = []

    def add_worker(self, port: int | None = None, wait: bool = True) -> WorkerProcess:
        w = WorkerProcess("distributed", dict(self.props), self.workdir, port=port)
        w.start(wait_healthy=wait, timeout_s=90)
        self.workers.append(w)
        return w

    def start(self, n: int) -> ConnectCluster:
        for _ in range(n):
            self.add_worker(wait=False)
        for w in self.workers:
            w.wait_healthy(90)
        return self

    def alive(self) -> list[WorkerProcess]:
        return [w for w in self.workers if w.proc is not None and w.proc.poll() is None]

    def client(self, i: int = 0) -> httpx.Client:
        return self.alive()[i].client()

    def stop(self) -> None:
        for w in self.workers:
            w.stop(10)

    def status(self, connector: str, via: int = 0) -> dict[str, Any]:
        with self.client(via) as c:
            r = c.get(f"/connectors/{connector}/status")
            return r.json() if r.status_code == 200 else {}

    def wait_running(self, connector: str, tasks: int, timeout_s: float = 60, via: int = 0) -> dict[str, Any]:
        def ok() -> dict[str, Any] | None:
            s = self.status(connector, via)
            if s.get("connector", {}).get("state") != "RUNNING" or len(s.get("tasks", [])) != tasks:
                return None
            return s if all(t["state"] == "RUNNING" for t in s["tasks"]) else None

        return wait_until(ok, timeout_s, f"{connector} RUNNING with {tasks} tasks")

    def tasks_per_worker(self, status: dict[str, Any]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t in status["tasks"]:
            counts[t["worker_id"]] = counts.get(t["worker_id"], 0) + 1
        return counts


def monitorable(topic: str, tasks: int, events: Path | None = None, **extra: str) -> dict[str, str]:
    cfg = {
        "connector.class": "org.apache.kafka.connect.integration.MonitorableSourceConnector",
        "tasks.max": str(tasks),
        "topic": topic,
        "throughput": "20",
    }
    if events is not None:
        cfg["events.file"] = str(events)
    cfg.update(extra)
    return cfg


def elapsed(start: float) -> float:
    return round(time.monotonic() - start, 2)

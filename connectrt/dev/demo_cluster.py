"""The CDC demo's connectrt cluster: N ``connectrt distributed`` worker processes in one group, connectors
registered through the REST API and waited for until their tasks run, and the workers stopped at the end."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from connectrt.dev.errors import DevError

Worker = tuple[subprocess.Popen[bytes], str]


def start_workers(env: dict[str, str], workdir: Path, group: str, count: int) -> list[Worker]:
    """Start ``count`` workers (JsonConverter with schemas by default, as Java's sample properties) and
    wait until each answers ``/health``."""
    workers: list[Worker] = []
    for i in range(count):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        props = {
            "bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"],
            "group.id": group,
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "config.storage.topic": f"{group}-configs",
            "offset.storage.topic": f"{group}-offsets",
            "status.storage.topic": f"{group}-status",
            "config.storage.replication.factor": "-1",
            "offset.storage.replication.factor": "-1",
            "status.storage.replication.factor": "-1",
            "offset.flush.interval.ms": "1000",
            "listeners": f"http://127.0.0.1:{port}",
        }
        path = workdir / f"worker-{i + 1}.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        with open(workdir / f"worker-{i + 1}.log", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "connectrt.cli", "distributed", str(path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        workers.append((proc, f"http://127.0.0.1:{port}"))
    deadline = time.monotonic() + 90
    for proc, url in workers:
        while True:
            if proc.poll() is not None:
                raise DevError(f"A connectrt worker exited during start-up; see its log in {workdir}.")
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise DevError(
                    f"The connectrt workers did not become healthy within 90 s; logs in {workdir}."
                )
            time.sleep(0.2)
    return workers


def stop_workers(workers: list[Worker]) -> None:
    for proc, _ in workers:
        if proc.poll() is None:
            proc.terminate()
    for proc, _ in workers:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_running(url: str, name: str, timeout_s: float = 90) -> dict[str, Any]:
    """The connector's status once it and all its tasks run; a FAILED one raises with its trace's last line."""
    deadline = time.monotonic() + timeout_s
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        r = httpx.get(f"{url}/connectors/{name}/status", timeout=5)
        if r.status_code == 200:
            status = r.json()
            tasks = status.get("tasks", [])
            if any(t["state"] == "FAILED" for t in tasks) or status["connector"]["state"] == "FAILED":
                trace = next((t.get("trace") for t in tasks if t.get("trace")), None) or status[
                    "connector"
                ].get("trace", "")
                raise DevError(
                    f"The connector {name} failed: {str(trace).splitlines()[-1] if trace else 'no trace'}"
                )
            if tasks and all(t["state"] == "RUNNING" for t in tasks):
                return status
        time.sleep(0.5)
    raise DevError(f"The connector {name} was not RUNNING within {timeout_s:.0f} s (last status: {status}).")


def register(url: str, spec: dict[str, Any]) -> dict[str, Any]:
    """PUT the connector's config and wait until it runs."""
    r = httpx.put(f"{url}/connectors/{spec['name']}/config", json=spec["config"], timeout=60)
    if r.status_code >= 400:
        raise DevError(f"Registering the connector {spec['name']} failed: {r.status_code} {r.text}")
    return wait_running(url, spec["name"])


def failed_task(url: str, name: str) -> str | None:
    """The last line of a FAILED task's trace, or None while the connector's tasks are not failed."""
    try:
        r = httpx.get(f"{url}/connectors/{name}/status", timeout=5)
        tasks = r.json().get("tasks", []) if r.status_code == 200 else []
    except (httpx.HTTPError, ValueError):
        return None
    for t in tasks:
        if t.get("state") == "FAILED":
            trace = str(t.get("trace") or "no trace").strip().splitlines()
            return trace[-1] if trace else "no trace"
    return None

"""Send the REST conversation of ``rest_scenario`` to a worker and keep every answer.

Used by the Java recorder and by ``rest_diff.py``: both run the same steps with the same waits, so
the two recordings differ only where the workers answer differently.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from tests.compat import rest_scenario as scenario


def prepare_files() -> None:
    Path(scenario.INPUT_FILE).parent.mkdir(parents=True, exist_ok=True)
    Path(scenario.INPUT_FILE).write_text("".join(f"line {i}\n" for i in range(10)))
    Path(scenario.OUTPUT_FILE).unlink(missing_ok=True)


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return {"<text>": response.text[:2000]}


def _running(client: httpx.Client, name: str) -> bool:
    response = client.get(f"/connectors/{name}/status")
    if response.status_code != 200:
        return False
    body = response.json()
    tasks = body.get("tasks") or []
    return (
        body.get("connector", {}).get("state") == "RUNNING"
        and bool(tasks)
        and all(t.get("state") == "RUNNING" for t in tasks)
    )


def _has_topics(client: httpx.Client, name: str) -> bool:
    response = client.get(f"/connectors/{name}/topics")
    return response.status_code == 200 and bool(response.json().get(name, {}).get("topics"))


def _task_failed(client: httpx.Client, name: str) -> bool:
    response = client.get(f"/connectors/{name}/status")
    tasks = response.json().get("tasks") or [] if response.status_code == 200 else []
    return bool(tasks) and all(t.get("state") == "FAILED" for t in tasks)


def _has_sink_offsets(client: httpx.Client, name: str) -> bool:
    """The sink's consumer group has committed the end of the topic (the ten input lines)."""
    response = client.get(f"/connectors/{name}/offsets")
    offsets = response.json().get("offsets") or [] if response.status_code == 200 else []
    return any((o.get("offset") or {}).get("kafka_offset", 0) >= 10 for o in offsets)


def _stopped(client: httpx.Client, name: str) -> bool:
    response = client.get(f"/connectors/{name}/status")
    return response.status_code == 200 and response.json().get("connector", {}).get("state") == "STOPPED"


def wait_for(client: httpx.Client, condition: tuple[str, ...], timeout_s: float = 60.0) -> bool:
    kind, name = condition
    check = {
        "running": _running,
        "topics": _has_topics,
        "failed": _task_failed,
        "sink-offsets": _has_sink_offsets,
        "stopped": _stopped,
    }[kind]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check(client, name):
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    return False


def run(
    base_url: str, timeout_s: float = 30.0, steps: Iterable[scenario.Step] | None = None
) -> list[dict[str, Any]]:
    """Every step's request and answer: ``{"id", "method", "path", "request", "status", "body"}``
    (the steps of ``rest_scenario`` unless ``steps`` are given)."""
    prepare_files()
    out: list[dict[str, Any]] = []
    with httpx.Client(base_url=base_url, timeout=timeout_s) as client:
        for step in steps if steps is not None else scenario.steps():
            waited = wait_for(client, step.wait) if step.wait else None
            headers = dict(step.headers)
            if step.raw is not None:
                content = step.raw
            elif step.body is not None:
                content = json.dumps(step.body).encode()
                headers.setdefault("Content-Type", "application/json")
            else:
                content = None
            response = client.request(step.method, step.path, content=content, headers=headers)
            out.append(
                {
                    "id": step.id,
                    "method": step.method,
                    "path": step.path,
                    "request": step.body if step.raw is None else step.raw.decode(errors="replace"),
                    "waited": waited,
                    "status": response.status_code,
                    "body": _decode(response),
                }
            )
            if step.settle_s:
                time.sleep(step.settle_s)
    return out

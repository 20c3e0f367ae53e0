"""The REST API of a real standalone worker, with literal expected JSON."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    workdir = tmp_path_factory.mktemp("standalone-rest")
    secrets = workdir / "secrets.properties"
    secrets.write_text("topic.name=secret-topic\n")
    w = WorkerProcess(
        "standalone",
        {
            "bootstrap.servers": kafka_bootstrap,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "offset.storage.file.filename": str(workdir / "offsets"),
            "offset.flush.interval.ms": "1000",
            "config.providers": "file",
            "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
        },
        workdir,
    )
    w.start()
    yield w
    w.stop()


@pytest.fixture
def client(worker: WorkerProcess) -> Iterator[httpx.Client]:
    with worker.client() as c:
        yield c


def _source_config(tmp: Path, topic: str) -> dict[str, str]:
    f = tmp / "in.txt"
    f.write_text("a\nb\n")
    return {"connector.class": "FileStreamSource", "file": str(f), "topic": topic, "tasks.max": "1"}


def test_create_get_status_delete(client: httpx.Client, tmp_path: Path, unique_name: Any) -> None:
    name = unique_name("rest-src")
    topic = unique_name("rest-topic")
    config = _source_config(tmp_path, topic)
    r = client.post("/connectors", json={"name": f"  {name} ", "config": config})
    assert r.status_code == 201, r.text
    assert r.headers["location"].endswith(f"/connectors/{name}")
    assert r.json() == {
        "name": name,
        "config": {**config, "name": name},
        "tasks": [{"connector": name, "task": 0}],
        "type": "source",
    }

    r = client.post("/connectors", json={"name": name, "config": config})
    assert r.status_code == 409
    assert r.json() == {"error_code": 409, "message": f"Connector {name} already exists"}

    assert client.get(f"/connectors/{name}/config").json() == {**config, "name": name}
    tasks = client.get(f"/connectors/{name}/tasks").json()
    assert tasks[0]["id"] == {"connector": name, "task": 0}
    assert tasks[0]["config"]["topic"] == topic
    assert tasks[0]["config"]["task.class"] == "org.apache.kafka.connect.file.FileStreamSourceTask"

    status = wait_until(
        lambda: (s := client.get(f"/connectors/{name}/status").json()).get("tasks") and s, 30, "task status"
    )
    worker_id = status["connector"]["worker_id"]
    assert worker_id.startswith("127.0.0.1:")
    assert status == {
        "name": name,
        "connector": {"state": "RUNNING", "worker_id": worker_id, "version": "4.2.1"},
        "tasks": [{"id": 0, "state": "RUNNING", "worker_id": worker_id, "version": "4.2.1"}],
        "type": "source",
    }
    assert client.get(f"/connectors/{name}/tasks/0/status").json() == {
        "id": 0,
        "state": "RUNNING",
        "worker_id": worker_id,
        "version": "4.2.1",
    }
    assert client.get(f"/connectors/{name}/tasks/7/status").json() == {
        "error_code": 404,
        "message": f"No status found for task {name}-7",
    }
    wait_until(
        lambda: client.get(f"/connectors/{name}/topics").json() == {name: {"topics": [topic]}},
        30,
        "topic tracking",
    )

    r = client.delete(f"/connectors/{name}")
    assert r.status_code == 204
    assert client.get(f"/connectors/{name}").json() == {
        "error_code": 404,
        "message": f"Connector {name} not found",
    }
    assert client.get(f"/connectors/{name}/status").status_code == 404


def test_pause_resume_stop_and_offsets(client: httpx.Client, tmp_path: Path, unique_name: Any) -> None:
    name = unique_name("rest-pause")
    config = _source_config(tmp_path, unique_name("rest-topic"))
    assert client.put(f"/connectors/{name}/config", json=config).status_code == 201
    assert client.put(f"/connectors/{name}/config", json=config).status_code == 200

    assert client.put(f"/connectors/{name}/pause").status_code == 202
    wait_until(
        lambda: client.get(f"/connectors/{name}/status").json()["connector"]["state"] == "PAUSED",
        30,
        "paused",
    )
    assert client.put(f"/connectors/{name}/resume").status_code == 202
    wait_until(
        lambda: client.get(f"/connectors/{name}/status").json()["connector"]["state"] == "RUNNING",
        30,
        "running",
    )
    r = client.patch(
        f"/connectors/{name}/offsets",
        json={"offsets": [{"partition": {"filename": "x"}, "offset": {"position": 1}}]},
    )
    assert r.status_code == 400
    assert r.json() == {
        "error_code": 400,
        "message": "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
        f"for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint",
    }
    assert client.put(f"/connectors/{name}/stop").status_code == 204
    wait_until(
        lambda: (
            client.get(f"/connectors/{name}/status").json()
            == {
                "name": name,
                "connector": {
                    "state": "STOPPED",
                    "worker_id": client.get(f"/connectors/{name}/status").json()["connector"]["worker_id"],
                    "version": "4.2.1",
                },
                "tasks": [],
                "type": "source",
            }
        ),
        30,
        "stopped",
    )
    assert client.get(f"/connectors/{name}").json()["tasks"] == []
    assert client.get(f"/connectors/{name}/tasks").json() == []

    partition = {"filename": config["file"]}
    r = client.patch(
        f"/connectors/{name}/offsets", json={"offsets": [{"partition": partition, "offset": {"position": 2}}]}
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "The offsets for this connector have been altered successfully"}
    assert client.get(f"/connectors/{name}/offsets").json() == {
        "offsets": [{"partition": partition, "offset": {"position": 2}}]
    }
    r = client.delete(f"/connectors/{name}/offsets")
    assert r.status_code == 200
    assert r.json() == {"message": "The offsets for this connector have been reset successfully"}
    assert client.get(f"/connectors/{name}/offsets").json() == {"offsets": []}
    assert client.delete(f"/connectors/{name}").status_code == 204


def test_bad_input_answers_connect_errors(client: httpx.Client, tmp_path: Path, unique_name: Any) -> None:
    name = unique_name("rest-bad")
    r = client.post("/connectors", json={"name": name, "config": {"connector.class": "NoSuchConnector"}})
    assert r.status_code == 400
    assert r.json()["error_code"] == 400
    assert r.json()["message"].startswith(
        "Failed to find any class that implements Connector and which name matches NoSuchConnector"
    )

    r = client.post("/connectors", json={"name": name, "config": {"connector.class": "FileStreamSource"}})
    assert r.status_code == 400
    assert r.json()["message"].startswith(
        "Connector configuration is invalid and contains the following 1 error(s):\n"
        'Missing required configuration "topic" which has no default value.'
    )

    r = client.post(
        "/connectors", json={"name": name, "config": {**_source_config(tmp_path, "t"), "tasks.max": "x"}}
    )
    assert r.status_code == 400
    assert "Invalid value x for configuration tasks.max: Not a number of type INT" in r.json()["message"]

    r = client.put(f"/connectors/{name}/config", json={**_source_config(tmp_path, "t"), "name": "other"})
    assert r.status_code == 400
    assert r.json() == {
        "error_code": 400,
        "message": f"Connector name configuration (other) doesn't match connector name in the URL ({name})",
    }

    r = client.put("/connector-plugins/Nope/config/validate", json={"connector.class": "Nope"})
    assert r.status_code == 400
    assert r.json()["message"].startswith("Failed to find any class that implements Connector")

    cfg = {**_source_config(tmp_path, "t"), "topic": f"${{file:{tmp_path}/missing.properties:topic.name}}"}
    r = client.post("/connectors", json={"name": name, "config": cfg})
    assert r.status_code == 400
    assert r.json() == {
        "error_code": 400,
        "message": "Failed to resolve config provider placeholders: Could not read properties from file "
        f"{tmp_path}/missing.properties",
    }


def test_placeholders_stay_raw(
    client: httpx.Client, worker: WorkerProcess, tmp_path: Path, unique_name: Any
) -> None:
    name = unique_name("rest-secret")
    secrets = worker.workdir / "secrets.properties"
    cfg = {**_source_config(tmp_path, "t"), "topic": f"${{file:{secrets}:topic.name}}"}
    assert client.put(f"/connectors/{name}/config", json=cfg).status_code == 201
    assert client.get(f"/connectors/{name}/config").json()["topic"] == f"${{file:{secrets}:topic.name}}"
    tasks = client.get(f"/connectors/{name}/tasks").json()
    assert tasks[0]["config"]["topic"] == f"${{file:{secrets}:topic.name}}"
    assert client.delete(f"/connectors/{name}").status_code == 204

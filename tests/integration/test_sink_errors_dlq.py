"""Sink error handling against a real broker: a poison record goes to the DLQ with Java's context
headers (errors.tolerance=all), or fails the task with its trace in /status (errors.tolerance=none)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka import Consumer, Producer

from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    workdir = tmp_path_factory.mktemp("sink-errors")
    w = WorkerProcess(
        "standalone",
        {
            "bootstrap.servers": kafka_bootstrap,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "false",
            "offset.storage.file.filename": str(workdir / "offsets"),
            "offset.flush.interval.ms": "500",
        },
        workdir,
    )
    w.start()
    yield w
    w.stop()


def _produce(bootstrap: str, topic: str) -> None:
    p = Producer({"bootstrap.servers": bootstrap})
    for i in range(10):
        value = b"not json {" if i == 4 else f'{{"n":{i}}}'.encode()
        p.produce(topic, value=value, key=f"k{i}".encode(), headers=[("h", b"v")])
    assert p.flush(10) == 0


def _read_all(bootstrap: str, topic: str, n: int) -> list[Any]:
    c = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"check-{topic}", "auto.offset.reset": "earliest"}
    )
    c.subscribe([topic])
    out: list[Any] = []
    try:
        wait_until(lambda: out.extend(c.consume(10, 0.5)) or len(out) >= n, 30, f"{n} records in {topic}")
    finally:
        c.close()
    return out


def test_poison_record_goes_to_dlq(
    worker: WorkerProcess, kafka_bootstrap: str, create_topic: Any, unique_name: Any, tmp_path: Path
) -> None:
    topic = create_topic(name=unique_name("poison"), partitions=1)
    dlq = unique_name("dlq")
    out = tmp_path / "sink.txt"
    _produce(kafka_bootstrap, topic)
    name = unique_name("dlq-sink")
    with worker.client() as c:
        r = c.put(
            f"/connectors/{name}/config",
            json={
                "connector.class": "FileStreamSink",
                "file": str(out),
                "topics": topic,
                "errors.tolerance": "all",
                "errors.log.enable": "true",
                "errors.deadletterqueue.topic.name": dlq,
                "errors.deadletterqueue.topic.replication.factor": "1",
                "errors.deadletterqueue.context.headers.enable": "true",
            },
        )
        assert r.status_code == 201, r.text
        wait_until(lambda: out.exists() and len(out.read_text().splitlines()) == 9, 30, "9 good records")
        assert out.read_text().splitlines() == [f"{{n={i}}}" for i in range(10) if i != 4]
        [msg] = _read_all(kafka_bootstrap, dlq, 1)
        assert msg.key() == b"k4"
        assert msg.value() == b"not json {"
        headers = dict(msg.headers())
        assert headers["h"] == b"v"
        assert headers["__connect.errors.topic"] == topic.encode()
        assert headers["__connect.errors.partition"] == b"0"
        assert headers["__connect.errors.offset"] == b"4"
        assert headers["__connect.errors.connector.name"] == name.encode()
        assert headers["__connect.errors.task.id"] == b"0"
        assert headers["__connect.errors.stage"] == b"VALUE_CONVERTER"
        assert headers["__connect.errors.class.name"] == b"org.apache.kafka.connect.json.JsonConverter"
        assert (
            headers["__connect.errors.exception.class.name"]
            == b"org.apache.kafka.connect.errors.DataException"
        )
        assert b"DataException" in headers["__connect.errors.exception.stacktrace"]
        assert headers["__connect.errors.exception.message"]
        # Offsets move past the poison record.
        wait_until(
            lambda: (
                c.get(f"/connectors/{name}/offsets").json()
                == {
                    "offsets": [
                        {
                            "partition": {"kafka_topic": topic, "kafka_partition": 0},
                            "offset": {"kafka_offset": 10},
                        }
                    ]
                }
            ),
            30,
            "committed offsets at 10",
        )
        assert c.delete(f"/connectors/{name}").status_code == 204


def test_poison_record_fails_task_without_tolerance(
    worker: WorkerProcess, kafka_bootstrap: str, create_topic: Any, unique_name: Any, tmp_path: Path
) -> None:
    topic = create_topic(name=unique_name("poison-none"), partitions=1)
    out = tmp_path / "sink.txt"
    _produce(kafka_bootstrap, topic)
    name = unique_name("fail-sink")
    with worker.client() as c:
        assert (
            c.put(
                f"/connectors/{name}/config",
                json={
                    "connector.class": "FileStreamSink",
                    "file": str(out),
                    "topics": topic,
                },
            ).status_code
            == 201
        )

        def failed() -> Any:
            s = c.get(f"/connectors/{name}/status").json()
            return s.get("tasks") and s["tasks"][0]["state"] == "FAILED" and s

        status = wait_until(failed, 30, "task FAILED")
        assert status["connector"]["state"] == "RUNNING"
        trace = status["tasks"][0]["trace"]
        assert "Tolerance exceeded in error handler" in trace
        assert "DataException" in trace
        # Nothing is committed past the failed record.
        offsets = c.get(f"/connectors/{name}/offsets").json()["offsets"]
        assert all(o["offset"]["kafka_offset"] <= 4 for o in offsets), offsets
        r = c.post(f"/connectors/{name}/tasks/0/restart")
        assert r.status_code == 204
        assert c.delete(f"/connectors/{name}").status_code == 204


def test_status_404_for_unknown(worker: WorkerProcess) -> None:
    with httpx.Client(base_url=worker.url) as c:
        assert c.get("/connectors/nope/status").json() == {
            "error_code": 404,
            "message": "No status found for connector nope",
        }
        assert c.post("/connectors/nope/restart").json() == {
            "error_code": 404,
            "message": "Unknown connector: nope",
        }

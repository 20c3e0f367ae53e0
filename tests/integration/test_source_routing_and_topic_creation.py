"""A source connector with the CDC config's RegexRouter and topic.creation.*: records land in the
routed topic, which the worker creates with the configured partition count (issue 4's end-to-end test)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient

from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration


def test_regex_router_and_topic_creation(kafka_bootstrap: str, unique_name: Any, tmp_path: Path) -> None:
    suffix = unique_name("orders")
    source_topic = f"cdc.public.{suffix}"
    routed = f"warehouse.{suffix}"
    worker = WorkerProcess(
        "standalone",
        {
            "bootstrap.servers": kafka_bootstrap,
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "offset.storage.file.filename": str(tmp_path / "offsets"),
        },
        tmp_path,
    ).start()
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    try:
        with worker.client() as c:
            r = c.put(
                f"/connectors/{suffix}/config",
                json={
                    "connector.class": "org.apache.kafka.connect.integration.MonitorableSourceConnector",
                    "tasks.max": "1",
                    "topic": source_topic,
                    "max.messages": "20",
                    "throughput": "100",
                    "transforms": "route",
                    "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
                    "transforms.route.regex": "cdc\\.public\\.(.*)",
                    "transforms.route.replacement": "warehouse.$1",
                    "topic.creation.default.replication.factor": "1",
                    "topic.creation.default.partitions": "3",
                },
            )
            assert r.status_code == 201, r.text
            wait_until(lambda: routed in admin.list_topics(timeout=5).topics, 30, "routed topic created")
            assert len(admin.list_topics(timeout=5).topics[routed].partitions) == 3
            assert source_topic not in admin.list_topics(timeout=5).topics
            consumer = Consumer(
                {
                    "bootstrap.servers": kafka_bootstrap,
                    "group.id": unique_name("check"),
                    "auto.offset.reset": "earliest",
                }
            )
            consumer.subscribe([routed])
            got: list[Any] = []
            try:
                wait_until(
                    lambda: (
                        got.extend(m for m in consumer.consume(20, 0.5) if not m.error()) or len(got) >= 20
                    ),
                    30,
                    "20 routed records",
                )
            finally:
                consumer.close()
            assert {m.topic() for m in got} == {routed}
            wait_until(
                lambda: c.get(f"/connectors/{suffix}/topics").json() == {suffix: {"topics": [routed]}},
                10,
                "active topics",
            )
            assert c.delete(f"/connectors/{suffix}").status_code == 204
    finally:
        worker.stop()
        admin.delete_topics([routed])

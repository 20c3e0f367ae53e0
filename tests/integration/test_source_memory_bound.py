"""Unthrottled sources cannot grow a worker's memory past a bound set by the producer's buffer.memory.

Four MonitorableSource tasks produce as fast as they can (``throughput=-1``, one record per poll, and
commit_record, so each record in flight is kept until Kafka acknowledges it) for 20 s with
``producer.buffer.memory`` of 2 MiB: whatever the broker's speed, a task's records in flight stay under
2 MiB of payload and 2,048 messages, i.e. a few MiB per task (bench/README.md, "Memory"). Before the
bound, the acknowledged batches of every poll waited for the next offset commit (60 s) and the task
thread scanned them all after each poll: ~80 MiB per task after 20 s, and falling throughput.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration

TASKS = 4
SECONDS = 20.0
#: 2 MiB of payload + 2,048 queued messages x (~0.4 KiB librdkafka + ~1 KiB retained record): ~5 MiB; with
#: Python's allocator keeping freed arenas and the REST and status traffic of 4 tasks, 12 MiB per task.
BOUND_MIB_PER_TASK = 12.0


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def end_offsets(bootstrap: str, topics: list[str]) -> list[int]:
    from confluent_kafka import Consumer, TopicPartition

    from tests.fixtures.clients import quiet_logger

    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "memory-bound", "logger": quiet_logger()}
    )
    try:
        return [consumer.get_watermark_offsets(TopicPartition(t, 0), timeout=10)[1] for t in topics]
    finally:
        consumer.close()


def test_unthrottled_sources_stay_within_the_bound(
    kafka_bootstrap: str, tmp_path: Path, unique_name: Any, create_topic: Callable[..., str]
) -> None:
    topics = [create_topic() for _ in range(TASKS)]
    worker = WorkerProcess(
        "standalone",
        {
            "bootstrap.servers": kafka_bootstrap,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "offset.storage.file.filename": str(tmp_path / "offsets"),
            "producer.buffer.memory": str(2 * 1024 * 1024),
        },
        tmp_path,
    ).start()
    try:
        with worker.client() as client:
            idle = rss_mib(worker.proc.pid)  # type: ignore[union-attr]
            for i, topic in enumerate(topics):
                r = client.put(
                    f"/connectors/{unique_name('mem')}-{i}/config",
                    json={
                        "connector.class": "org.apache.kafka.connect.integration.MonitorableSourceConnector",
                        "tasks.max": "1",
                        "topic": topic,
                        "throughput": "-1",
                    },
                )
                assert r.status_code == 201, r.text
            wait_until(lambda: min(end_offsets(kafka_bootstrap, topics)) > 0, 60, "every task producing")
            samples = []
            for _ in range(int(SECONDS)):
                time.sleep(1)
                samples.append(rss_mib(worker.proc.pid))  # type: ignore[union-attr]
                assert worker.proc.poll() is None, worker.tail()  # type: ignore[union-attr]
        produced = end_offsets(kafka_bootstrap, topics)
    finally:
        worker.stop()
    per_task = (max(samples) - idle) / TASKS
    print(
        f"idle {idle:.1f} MiB, peak {max(samples):.1f} MiB, {per_task:.1f} MiB per task; records {produced}"
    )
    assert min(produced) > 1000, produced  # the tasks did run unthrottled
    assert per_task < BOUND_MIB_PER_TASK, (idle, samples)

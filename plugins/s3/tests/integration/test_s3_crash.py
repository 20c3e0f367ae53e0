"""Exactly-once objects: kill -9 the worker several times while it consumes and uploads (multipart objects of
two parts included), restart it, and compare with a run that never crashed: the same object keys with the
same bytes, every record in exactly one object."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

from s3_harness import json_records, objects, produce, sink_connector, start_worker, wait_committed

N, PARTITIONS = 24_000, 2
JSON_FLUSH, PARQUET_FLUSH = 6_000, 3_000  # JSON objects of ~6.6 MB: two parts of s3.part.size=5 MiB
PAD = 1_000


def _connectors(names: dict[str, str], topic: str, bucket: str, creds: dict[str, str], run: str) -> list[Any]:
    return [
        sink_connector(names["json"], topic, bucket, creds, **{
            "format.class": "JsonFormat", "flush.size": JSON_FLUSH, "s3.part.size": 5 * 1024 * 1024,
            "topics.dir": f"{run}-json",
        }),
        sink_connector(names["parquet"], topic, bucket, creds, **{
            "format.class": "ParquetFormat", "flush.size": PARQUET_FLUSH, "topics.dir": f"{run}-parquet",
        }),
    ]  # fmt: skip


def test_kill_9_during_uploads_then_objects_match_a_run_without_crashes(
    kafka_bootstrap: str, create_topic: Any, s3_client: Any, s3_credentials: dict[str, str], unique_name: Any,
    tmp_path: Path,
) -> None:  # fmt: skip
    topic = create_topic(partitions=PARTITIONS)
    bucket = unique_name.bucket("crash")
    s3_client.create_bucket(Bucket=bucket)
    crash = {"json": unique_name("s3-crash-json"), "parquet": unique_name("s3-crash-pq")}
    calm = {"json": unique_name("s3-calm-json"), "parquet": unique_name("s3-calm-pq")}

    # Records keep arriving while the crashing worker runs: produced in slices over several seconds.
    def feed() -> None:
        for start in range(0, N, 3_000):
            produce(kafka_bootstrap, topic, range(start, start + 3_000), PARTITIONS, PAD)
            time.sleep(0.4)

    feeder = threading.Thread(target=feed)
    feeder.start()
    rng = random.Random(7)
    kills = 0
    workdir = tmp_path / "crash"
    workdir.mkdir()
    try:
        for _ in range(3):
            w = start_worker(
                kafka_bootstrap, workdir, _connectors(crash, topic, bucket, s3_credentials, "crash")
            )
            time.sleep(rng.uniform(1.0, 2.5))
            w.kill9()
            kills += 1
    finally:
        feeder.join()
    w = start_worker(kafka_bootstrap, workdir, _connectors(crash, topic, bucket, s3_credentials, "crash"))
    try:
        for name in crash.values():
            wait_committed(kafka_bootstrap, name, topic, PARTITIONS, N, timeout=180, w=w)
    finally:
        w.stop()

    calm_dir = tmp_path / "calm"
    calm_dir.mkdir()
    w = start_worker(kafka_bootstrap, calm_dir, _connectors(calm, topic, bucket, s3_credentials, "calm"))
    try:
        for name in calm.values():
            wait_committed(kafka_bootstrap, name, topic, PARTITIONS, N, timeout=180, w=w)
    finally:
        w.stop()

    assert kills == 3
    for fmt, flush in (("json", JSON_FLUSH), ("parquet", PARQUET_FLUSH)):
        crashed = objects(s3_client, bucket, f"crash-{fmt}/")
        reference = objects(s3_client, bucket, f"calm-{fmt}/")
        assert len(reference) == N // flush
        assert {k.split("/", 1)[1]: v for k, v in crashed.items()} == {
            k.split("/", 1)[1]: v for k, v in reference.items()
        }, f"{fmt} objects differ from the run without crashes"
    ids = sorted(r["id"] for r in json_records(objects(s3_client, bucket, "crash-json/")))
    assert ids == list(range(N))
    # Multipart objects really were multipart (ETag of a completed multipart upload ends in -<parts>).
    key = next(iter(objects(s3_client, bucket, "crash-json/")))
    assert s3_client.head_object(Bucket=bucket, Key=key)["ETag"].endswith('-2"')


def test_scheduled_rotation_with_conditional_writes_never_overwrites_an_object(
    kafka_bootstrap: str, create_topic: Any, s3_client: Any, s3_credentials: dict[str, str], unique_name: Any,
    tmp_path: Path,
) -> None:  # fmt: skip
    """Wall-clock rotation is not replay-deterministic; with conditional writes a replay that reaches an object
    key already written gets 412 and moves on to the next free offset instead of replacing the object."""
    n = 12_000
    topic = create_topic(partitions=1)
    bucket = unique_name.bucket("sched")
    s3_client.create_bucket(Bucket=bucket)
    name = unique_name("s3-sched")
    config = sink_connector(name, topic, bucket, s3_credentials, **{
        "flush.size": 1_000_000, "rotate.schedule.interval.ms": 700, "timezone": "UTC",
    })  # fmt: skip
    seen: dict[str, str] = {}
    changed: list[str] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for item in page.get("Contents", []):
                    if seen.setdefault(item["Key"], item["ETag"]) != item["ETag"]:
                        changed.append(item["Key"])
            time.sleep(0.05)

    def feed() -> None:
        for start in range(0, n, 1_500):
            produce(kafka_bootstrap, topic, range(start, start + 1_500), 1)
            time.sleep(0.3)

    watcher, feeder = threading.Thread(target=watch), threading.Thread(target=feed)
    watcher.start()
    feeder.start()
    workdir = tmp_path / "sched"
    workdir.mkdir()
    try:
        # Offsets are committed every 5 s: a kill lands after objects completed but before their offsets, so the
        # replay reaches keys that exist.
        for _ in range(2):
            w = start_worker(kafka_bootstrap, workdir, [config], flush_ms=5_000)
            time.sleep(3.0)
            w.kill9()
        feeder.join()
        w = start_worker(kafka_bootstrap, workdir, [config])
        try:
            wait_committed(kafka_bootstrap, name, topic, 1, n, timeout=120, w=w)
        finally:
            w.stop()
    finally:
        stop.set()
        watcher.join()
    assert changed == []
    logs = "".join(p.read_text() for p in workdir.glob("worker-*.log"))
    assert "File already exists" in logs  # the conditional write did refuse to replace an object
    ids = {r["id"] for r in json_records(objects(s3_client, bucket))}
    assert ids == set(range(n))  # every record arrived (a replay may repeat some in a later object)

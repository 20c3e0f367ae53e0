"""Faults: a missing bucket, an unreachable S3, S3 going away mid-stream, rejected credentials."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
from moto.server import ThreadedMotoServer
from s3_harness import json_records, objects, produce, sink_connector, task_status, wait_committed, worker
from tests.integration.worker_process import wait_until

PARTITIONS = 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _creds(url: str) -> dict[str, str]:
    return {
        "endpoint_url": url,
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
        "region_name": "us-east-1",
    }


def _failed_trace(w: Any, name: str, timeout: float = 60) -> str:
    wait_until(lambda: task_status(w, name).get("state") == "FAILED", timeout, f"{name} FAILED")
    return str(task_status(w, name).get("trace"))


def test_missing_bucket_and_unreachable_s3_fail_the_task_at_start(
    kafka_bootstrap: str, create_topic: Any, s3_credentials: dict[str, str], unique_name: Any, tmp_path: Path
) -> None:
    topic = create_topic()
    missing = unique_name.bucket("missing")
    nowhere = _creds(f"http://127.0.0.1:{_free_port()}")
    a, b = unique_name("s3-missing"), unique_name("s3-nowhere")
    connectors = [
        sink_connector(a, topic, missing, s3_credentials),
        sink_connector(b, topic, missing, nowhere, **{"s3.part.retries": "1"}),
    ]
    with worker(kafka_bootstrap, tmp_path, connectors) as w:
        trace = _failed_trace(w, a)
        assert (
            f"org.apache.kafka.connect.errors.ConnectException: Non-existent S3 bucket: {missing}" in trace
            or (f"Non-existent S3 bucket: {missing}" in trace)
        )
        trace = _failed_trace(w, b)
        assert f"Unable to reach S3 to check bucket {missing}" in trace
        # The REST validate endpoint: errors name the key, the secret is never echoed.
        bad = {**connectors[0]["config"], "name": a, "s3.part.size": "1024", "format.class": "os.system",
               "aws.secret.access.key": "s3cr3t-value"}  # fmt: skip
        with w.client() as c:
            r = c.put("/connector-plugins/io.confluent.connect.s3.S3SinkConnector/config/validate", json=bad)
        assert r.status_code == 200, r.text
        body = r.json()
        by_name = {v["value"]["name"]: v["value"] for v in body["configs"]}
        errors = {name: v["errors"] for name, v in by_name.items() if v["errors"]}
        assert body["name"] == "io.confluent.connect.s3.S3SinkConnector" and body["error_count"] == 2, errors
        assert by_name["s3.part.size"]["errors"] == [
            "Invalid value 1024 for configuration s3.part.size: Part size must be at least: 5242880 bytes (5MB)"
        ]
        assert by_name["format.class"]["errors"] == [
            "Invalid value os.system for configuration format.class: format is not one this S3 sink implements"
        ]
        assert by_name["aws.secret.access.key"]["value"] == "[hidden]" and "s3cr3t-value" not in r.text


def test_s3_outage_mid_stream_is_retried_and_nothing_is_lost_or_doubled(
    kafka_bootstrap: str, create_topic: Any, unique_name: Any, tmp_path: Path
) -> None:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    creds = _creds(f"http://127.0.0.1:{port}")
    bucket = unique_name.bucket("outage")
    client = boto3.client("s3", **creds)
    client.create_bucket(Bucket=bucket)
    topic = create_topic()
    name = unique_name("s3-outage")
    produce(kafka_bootstrap, topic, range(0, 200), PARTITIONS)
    config = sink_connector(name, topic, bucket, creds, **{"s3.part.retries": "1", "retry.backoff.ms": "300"})
    try:
        with worker(kafka_bootstrap, tmp_path, [config]) as w:
            wait_committed(kafka_bootstrap, name, topic, PARTITIONS, 200, w=w)
            server.stop()
            produce(kafka_bootstrap, topic, range(200, 400), PARTITIONS)
            wait_until(lambda: w.tail(400).count("Exception on topic partition") >= 2, 60, "retries logged")
            assert task_status(w, name)["state"] == "RUNNING"
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
            server.start()
            wait_committed(kafka_bootstrap, name, topic, PARTITIONS, 400, w=w)
            assert task_status(w, name)["state"] == "RUNNING"
        ids = sorted(r["id"] for r in json_records(objects(client, bucket)))
        assert ids == list(range(400))
    finally:
        server.stop()


def test_rejected_credentials_fail_the_task_with_a_clear_trace(
    kafka_bootstrap: str, create_topic: Any, unique_name: Any, tmp_path: Path
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_until(lambda: _answers(url), 30, "moto server up")
        bucket = unique_name.bucket("auth")
        boto3.client("s3", **_creds(url)).create_bucket(Bucket=bucket)
        httpx.post(
            f"{url}/moto-api/reset-auth", content=b"0"
        ).raise_for_status()  # from now on keys are checked
        topic = create_topic()
        produce(kafka_bootstrap, topic, range(0, 100), PARTITIONS)
        name = unique_name("s3-auth")
        with worker(kafka_bootstrap, tmp_path, [sink_connector(name, topic, bucket, _creds(url))]) as w:
            trace = _failed_trace(w, name)
        assert "InvalidAccessKeyId" in trace
        assert "check aws.access.key.id / aws.secret.access.key and the bucket policy" in trace
    finally:
        server.terminate()
        server.wait(10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/moto-api/", timeout=1).status_code < 500
    except httpx.HTTPError:
        time.sleep(0.1)
        return False

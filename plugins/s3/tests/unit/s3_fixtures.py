"""Unit-test helpers: a task context and errant-record reporter (fakes of connectrt's own interfaces), and an
in-process moto S3 (the same server as the dev S3 service, without the network)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from typing import Any

import boto3
import pytest
from connectrt.api import ErrantRecordReporter, SinkRecord, SinkTaskContext
from moto import mock_aws

from connectrt_s3.task import S3SinkTask

BUCKET = "unit-bucket"


class Reporter(ErrantRecordReporter):
    def __init__(self) -> None:
        self.reported: list[tuple[SinkRecord, BaseException]] = []

    def report(self, record: SinkRecord, error: BaseException) -> Future[None]:
        self.reported.append((record, error))
        f: Future[None] = Future()
        f.set_result(None)
        return f


class Context(SinkTaskContext):
    def __init__(self, assignment: set[tuple[str, int]], reporter: Reporter | None = None) -> None:
        self._assignment = assignment
        self.reporter = reporter
        self.offsets: dict[tuple[str, int], int] = {}
        self.timeout_ms = -1
        self.paused: set[tuple[str, int]] = set()

    @property
    def configs(self) -> dict[str, str]:
        return {}

    def offset(self, offsets: Mapping[tuple[str, int], int]) -> None:
        self.offsets.update(offsets)

    def timeout(self, timeout_ms: int) -> None:
        self.timeout_ms = timeout_ms

    def assignment(self) -> set[tuple[str, int]]:
        return set(self._assignment)

    def pause(self, *partitions: tuple[str, int]) -> None:
        self.paused.update(partitions)

    def resume(self, *partitions: tuple[str, int]) -> None:
        self.paused.difference_update(partitions)

    def request_commit(self) -> None:
        pass

    def errant_record_reporter(self) -> ErrantRecordReporter | None:
        return self.reporter


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-west-2", aws_access_key_id="k", aws_secret_access_key="s")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        yield client


def base_config(**overrides: str) -> dict[str, str]:
    config = {
        "name": "s3-unit",
        "connector.class": "io.confluent.connect.s3.S3SinkConnector",
        "topics": "orders",
        "s3.bucket.name": BUCKET,
        "s3.region": "us-west-2",
        "aws.access.key.id": "k",
        "aws.secret.access.key": "s",
        "storage.class": "io.confluent.connect.s3.storage.S3Storage",
        "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
        "flush.size": "3",
    }
    config.update({k.replace("__", "."): v for k, v in overrides.items()})
    return config


class Clock:
    def __init__(self, now: int = 1_700_000_000_000) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def start_task(
    config: Mapping[str, str],
    partitions: set[tuple[str, int]] | None = None,
    reporter: Reporter | None = None,
    clock: Clock | None = None,
) -> tuple[S3SinkTask, Context]:
    task = S3SinkTask(clock=clock or Clock())
    context = Context(partitions if partitions is not None else {("orders", 0)}, reporter)
    task.initialize(context)
    task.start(config)
    return task, context


def objects(client: Any, prefix: str = "") -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    for page in pages:
        for item in page.get("Contents", []):
            out[item["Key"]] = client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
    return out

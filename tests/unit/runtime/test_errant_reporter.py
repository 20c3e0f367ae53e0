"""A sink task gets an errant record reporter only when its connector has a dead-letter queue topic or the
error log enabled, as Java's Worker (SinkConnectorConfig.enableErrantRecordReporter): without one, a sink
that reports what it skips (the S3 sink's behavior.on.null.values=ignore) is not failed by errors.tolerance."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectrt.config.worker_config import StandaloneConfig
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import TargetState
from connectrt.runtime.plugins import default_plugins
from connectrt.runtime.sink_task import WorkerSinkTask
from connectrt.runtime.worker import Worker
from connectrt.storage.offsets import MemoryOffsetBackingStore

pytestmark = pytest.mark.unit


def _sink_task(tmp_path: Path, extra: dict[str, str]) -> WorkerSinkTask:
    config = StandaloneConfig(
        {
            "bootstrap.servers": "127.0.0.1:1",
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "offset.storage.file.filename": str(tmp_path / "offsets"),
        }
    )
    worker = Worker(
        "w",
        config,
        default_plugins(),
        MemoryOffsetBackingStore(),
        lambda *a: None,
        lambda *a: None,
        lambda name: None,
    )
    conn = {
        "name": "files",
        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "topics": "t",
        "file": str(tmp_path / "out.txt"),
        **extra,
    }
    task = worker._build_task(
        ConnectorTaskId("files", 0), conn, {**conn, "task.class": ""}, TargetState.STARTED
    )
    assert isinstance(task, WorkerSinkTask)
    return task


@pytest.mark.parametrize(
    ("extra", "enabled"),
    [
        ({}, False),
        ({"errors.tolerance": "all"}, False),
        ({"errors.log.enable": "true"}, True),
        ({"errors.log.enable": "false", "errors.tolerance": "all"}, False),
    ],
)
def test_reporter_only_with_a_dlq_or_the_error_log(
    tmp_path: Path, extra: dict[str, str], enabled: bool
) -> None:
    task = _sink_task(tmp_path, extra)
    try:
        assert (task.context.errant_record_reporter() is not None) is enabled
    finally:
        task.consumer.close()

"""A stopping task closes its converters, transforms and predicates, each once, as Java's tasks do."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import pytest

from connectrt.api.connector import SourceTask
from connectrt.api.plugin import Predicate, Transformation
from connectrt.api.records import SourceRecord
from connectrt.converters.json_converter import JsonConverter
from connectrt.kafka.clients import make_producer
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import TargetState
from connectrt.runtime.errors import RetryWithToleranceOperator
from connectrt.runtime.plugins import Plugins
from connectrt.runtime.source_task import WorkerSourceTask
from connectrt.runtime.transformation_chain import build_chain
from connectrt.storage.offsets import MemoryOffsetBackingStore, OffsetStorageReaderImpl, OffsetStorageWriter
from tests.integration.worker_process import free_port

pytestmark = pytest.mark.unit

CLOSED: list[str] = []


class Idle(SourceTask):
    def start(self, props: Mapping[str, str]) -> None:
        pass

    def poll(self) -> list[SourceRecord] | None:
        time.sleep(0.01)
        return None

    def stop(self) -> None:
        pass


class ClosingConverter(JsonConverter):
    def close(self) -> None:
        CLOSED.append(f"converter {self.name}")


class ClosingTransform(Transformation[Any]):
    def configure(self, configs: Mapping[str, Any]) -> None:
        self.name = str(configs["name"])
        if self.name == "broken":
            raise ValueError("cannot configure")

    def apply(self, record: Any) -> Any:
        return record

    def close(self) -> None:
        CLOSED.append(f"transform {self.name}")


class ClosingPredicate(Predicate[Any]):
    def configure(self, configs: Mapping[str, Any]) -> None:
        pass

    def test(self, record: Any) -> bool:
        return True

    def close(self) -> None:
        CLOSED.append("predicate")
        raise RuntimeError("a failing close does not stop the others")


def converter(name: str, is_key: bool) -> ClosingConverter:
    c = ClosingConverter()
    c.configure({"schemas.enable": "false"}, is_key)
    c.name = name
    return c


PLUGINS = Plugins([ClosingTransform, ClosingPredicate], load_entry_points=False)
CHAIN = {
    "transforms": "a,b",
    "predicates": "p",
    "transforms.a.type": "ClosingTransform",
    "transforms.a.name": "a",
    "transforms.a.predicate": "p",
    "transforms.b.type": "ClosingTransform",
    "transforms.b.name": "b",
    "transforms.b.predicate": "p",
    "predicates.p.type": "ClosingPredicate",
}


def test_a_stopped_source_task_closes_its_plugins() -> None:
    CLOSED.clear()
    operator = RetryWithToleranceOperator(0, 60000, False, [])
    store = MemoryOffsetBackingStore()
    header = converter("header", False)
    task = WorkerSourceTask(
        ConnectorTaskId("conn", 0), Idle(), {}, lambda *a: None, TargetState.STARTED,
        make_producer({"bootstrap.servers": f"127.0.0.1:{free_port()}"}),
        converter("key", True), converter("value", False), header, build_chain(PLUGINS, CHAIN, operator),
        operator, OffsetStorageReaderImpl(store, "conn"), OffsetStorageWriter(store, "conn"), 60000, 1000,
    )  # fmt: skip
    task.start()
    time.sleep(0.2)
    assert CLOSED == []
    task.stop()
    assert task.await_stop(10)
    assert sorted(CLOSED) == [
        "converter header",
        "converter key",
        "converter value",
        "predicate",
        "transform a",
        "transform b",
    ]


def test_a_chain_that_fails_to_build_closes_what_it_configured() -> None:
    CLOSED.clear()
    config = {
        **CHAIN,
        "transforms": "a,b,c",
        "transforms.c.type": "ClosingTransform",
        "transforms.c.name": "broken",
    }
    with pytest.raises(ValueError, match="cannot configure"):
        build_chain(PLUGINS, config)
    assert sorted(CLOSED) == ["predicate", "transform a", "transform b"]

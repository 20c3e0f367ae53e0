"""KafkaOffsetBackingStore over an in-memory loopback log: lookups by key bytes, tombstones,
connector partitions, and the set() future/callback contract."""

from __future__ import annotations

from typing import Any

import pytest

from connectrt.storage.kafka_log import KafkaWriteException
from connectrt.storage.kafka_offsets import KafkaOffsetBackingStore
from connectrt.storage.offsets import OffsetStorageReaderImpl, OffsetStorageWriter, offset_key
from tests.unit.storage.loopback_log import LoopbackLog

pytestmark = pytest.mark.unit


@pytest.fixture
def store_and_log() -> Any:
    logs: list[LoopbackLog] = []

    def factory(consumed: Any) -> LoopbackLog:
        logs.append(LoopbackLog(consumed, "offsets", partitions=25))
        return logs[0]

    store = KafkaOffsetBackingStore("offsets", {}, log_factory=factory)
    store.start()
    yield store, logs[0]
    store.stop()


def test_set_get_and_tombstones(store_and_log: Any) -> None:
    store, log = store_and_log
    k1, k2 = offset_key("c", {"file": "a"}), offset_key("c", {"file": "b"})
    calls: list[Any] = []
    store.set({k1: b'{"position":1}', k2: b'{"position":2}'}, calls.append).result(1)
    assert calls == [None]
    assert store.get([k1, k2, b"other"]) == {k1: b'{"position":1}', k2: b'{"position":2}', b"other": None}
    assert store.connector_partitions("c") == [{"file": "a"}, {"file": "b"}]
    store.set({k1: None}).result(1)
    assert log.records[-1] == (b'["c",{"file":"a"}]', None)
    assert store.get([k1]) == {k1: None}
    assert store.connector_partitions("c") == [{"file": "b"}]


def test_lookups_compare_key_bytes(store_and_log: Any) -> None:
    store, log = store_and_log
    log.append(b'["c",{"b":1,"a":2}]', b'{"p":1}')
    assert store.get([offset_key("c", {"b": 1, "a": 2})]) == {b'["c",{"b":1,"a":2}]': b'{"p":1}'}
    assert store.get([offset_key("c", {"a": 2, "b": 1})]) == {b'["c",{"a":2,"b":1}]': None}
    # but a connector's partitions are a set of maps, as in Java
    log.append(b'["c",{"a":2,"b":1}]', b'{"p":2}')
    store.get([])
    assert store.connector_partitions("c") == [{"a": 2, "b": 1}]


def test_unexpected_keys_are_kept_but_not_listed(store_and_log: Any) -> None:
    store, log = store_and_log
    log.append(b"not-json", b"{}")
    log.append(b'["c",null]', b"{}")
    log.append(b'[1,{"a":1}]', b"{}")
    assert store.get([b"not-json"]) == {b"not-json": b"{}"}
    assert store.connector_partitions("c") == []


def test_set_reports_the_first_failure_once(store_and_log: Any) -> None:
    store, log = store_and_log
    log.failures.append(KafkaWriteException("boom"))
    calls: list[Any] = []
    future = store.set({b"a": b"1", b"b": b"2"}, calls.append)
    with pytest.raises(KafkaWriteException, match="boom"):
        future.result(1)
    assert len(calls) == 1 and isinstance(calls[0], KafkaWriteException)


def test_empty_set_completes(store_and_log: Any) -> None:
    store, _ = store_and_log
    store.set({}).result(1)


def test_reader_and_writer_round_trip(store_and_log: Any) -> None:
    store, _ = store_and_log
    writer = OffsetStorageWriter(store, "src")
    writer.offset({"filename": "/tmp/a"}, {"position": 42})
    assert writer.flush(1)
    assert OffsetStorageReaderImpl(store, "src").offset({"filename": "/tmp/a"}) == {"position": 42}

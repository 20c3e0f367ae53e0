"""ConnectRecord.new_record: the slot-by-slot copies equal what the constructors build (Java's newRecord)."""

from __future__ import annotations

from typing import Any

import pytest

from connectrt.api.data import Schema
from connectrt.api.records import ConnectRecord, Header, Headers, SinkRecord, SourceRecord, TimestampType

ARGS = ("t2", 4, Schema.STRING_SCHEMA, "k2", Schema.INT64_SCHEMA, 7, 123)


def slots(record: ConnectRecord) -> dict[str, Any]:
    names = [n for cls in type(record).__mro__ for n in getattr(cls, "__slots__", ())]
    return {n: getattr(record, n) for n in names}


def source() -> SourceRecord:
    return SourceRecord({"p": 1}, {"o": 2}, "t", 3, None, "k", None, {"a": 1}, 99, [Header("h", "v")])


def sink(**originals: Any) -> SinkRecord:
    return SinkRecord(
        "t", 3, None, "k", None, {"a": 1}, 41, 99, TimestampType.CREATE_TIME, [Header("h", "v")], **originals
    )


def test_source_new_record_equals_constructor() -> None:
    record = source()
    out = record.new_record(*ARGS)
    want = SourceRecord({"p": 1}, {"o": 2}, *ARGS, headers=record.headers.duplicate())
    assert type(out) is SourceRecord
    assert slots(out) == slots(want)
    assert out.source_partition is record.source_partition and out.source_offset is record.source_offset


@pytest.mark.parametrize(
    "originals",
    [{}, {"original_topic": "o", "original_kafka_partition": 8, "original_kafka_offset": 9}],
    ids=["defaults", "given"],
)
@pytest.mark.parametrize("partition", [4, None])
def test_sink_new_record_equals_constructor(originals: dict[str, Any], partition: int | None) -> None:
    record = sink(**originals)
    args = (ARGS[0], partition, *ARGS[2:])
    out = record.new_record(*args)
    want = SinkRecord(
        ARGS[0], partition if partition is not None else 3, *ARGS[2:6], 41, ARGS[6], TimestampType.CREATE_TIME,
        record.headers.duplicate(), record.original_topic, record.original_kafka_partition,
        record.original_kafka_offset,
    )  # fmt: skip
    assert type(out) is SinkRecord
    assert slots(out) == slots(want)


def test_sink_new_record_fills_original_coordinates_left_none() -> None:
    record = sink()
    record.original_topic = record.original_kafka_partition = record.original_kafka_offset = None
    out = record.new_record(*ARGS)
    assert (out.original_topic, out.original_kafka_partition, out.original_kafka_offset) == ("t2", 4, 41)


@pytest.mark.parametrize("make", [source, sink], ids=["source", "sink"])
def test_new_record_headers_copy_on_write(make: Any) -> None:
    record = make()
    out = record.new_record(*ARGS)
    assert out.headers is not record.headers and out.headers == record.headers
    out.headers.add("x", 1)
    assert len(record.headers) == 1 and len(out.headers) == 2
    record.headers.add("y", 2)
    assert [h.key for h in out.headers] == ["h", "x"]


@pytest.mark.parametrize("make", [source, sink], ids=["source", "sink"])
def test_new_record_given_headers(make: Any) -> None:
    record = make()
    fresh = Headers([Header("z", 0)])
    assert record.new_record(*ARGS, fresh).headers is fresh
    listed = record.new_record(*ARGS, [Header("z", 0)])  # type: ignore[arg-type]  # the constructors take any iterable
    assert isinstance(listed.headers, Headers) and listed.headers == fresh


def test_headers_all_with_name_and_retain_latest_as_java_connect_headers() -> None:
    """ConnectHeaders.allWithName / retainLatest: every header of a key in order; the last of each key
    kept, in place, order preserved. On a duplicate (a transform's copy) the original is untouched."""
    original = Headers([Header("a", 1), Header("b", 2), Header("a", 3), Header("c", 4), Header("b", 5)])
    assert [h.value for h in original.all_with_name("a")] == [1, 3]
    assert original.all_with_name("z") == []
    copy = original.duplicate()
    assert copy.retain_latest() is copy
    assert [(h.key, h.value) for h in copy] == [("a", 3), ("c", 4), ("b", 5)]
    assert [h.value for h in original] == [1, 2, 3, 4, 5]

"""WorkerSourceTask remembers the converted bytes of Header objects that come back on every record."""

from __future__ import annotations

from typing import Any

from connectrt.api.data import Schema
from connectrt.api.records import Header, Headers, SourceRecord
from connectrt.converters.simple_header import SimpleHeaderConverter
from tests.unit.runtime.test_task_hot_paths import FakeProducer, send, source_task


class CountingHeaderConverter(SimpleHeaderConverter):
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []

    def from_connect_header(
        self, topic: str, header_key: str, schema: Schema | None, value: Any
    ) -> bytes | None:
        self.calls.append((topic, header_key, value))
        return super().from_connect_header(topic, header_key, schema, value)


def test_same_header_objects_are_converted_once_and_changes_are_seen() -> None:
    producer = FakeProducer()
    task, _ = source_task(producer)
    hc = CountingHeaderConverter()
    task.header_converter = hc
    run_id = Header("runId", "r-1", Schema.STRING_SCHEMA)
    listed = Header("list", [1, 2], None)

    def record(topic: str, *extra: Header) -> SourceRecord:
        return SourceRecord({"p": 1}, {"o": 1}, topic, value_schema=Schema.STRING_SCHEMA, value="v",
                            headers=Headers([run_id, *extra]))  # fmt: skip

    send(task, [record("t"), record("t"), record("t", listed)])
    assert producer.headers == [
        [("runId", b"r-1")],
        [("runId", b"r-1")],
        [("runId", b"r-1"), ("list", b"[1,2]")],
    ]
    assert [c[1] for c in hc.calls] == ["runId", "list"]

    listed.value.append(3)  # a mutable value is converted every time
    run_id.value = "r-2"  # a new value object is converted again
    send(task, [record("t", listed), record("u")])
    assert producer.headers[3:] == [[("runId", b"r-2"), ("list", b"[1,2,3]")], [("runId", b"r-2")]]
    assert [c[1:] for c in hc.calls[2:]] == [("runId", "r-2"), ("list", [1, 2, 3]), ("runId", "r-2")]
    assert hc.calls[-1][0] == "u"  # another topic is converted again

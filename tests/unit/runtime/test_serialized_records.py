"""WorkerSourceTask sends the bytes a record offers for its converters (connectrt/runtime/serialized.py)
and converts the record when it offers none."""

from __future__ import annotations

from typing import Any

from connectrt.api.data import Schema
from connectrt.api.records import SourceRecord
from connectrt.runtime.serialized import preconverted
from tests.unit.runtime.test_task_hot_paths import FakeProducer, send, source_task


class KnowsItsBytes(SourceRecord):
    __slots__ = ("answer", "asked")

    def connect_serialized(
        self, key_converter: Any, value_converter: Any, header_converter: Any
    ) -> tuple[Any, ...] | None:
        self.asked.append((key_converter, value_converter))
        return self.answer  # type: ignore[no-any-return]


def record(answer: tuple[Any, ...] | None) -> KnowsItsBytes:
    r = KnowsItsBytes({"p": 1}, {"o": 1}, "t", key_schema=Schema.STRING_SCHEMA, key="k",
                      value_schema=Schema.STRING_SCHEMA, value="v")  # fmt: skip
    r.answer, r.asked = answer, []
    return r


def test_offered_bytes_are_sent_as_they_are_and_none_means_convert() -> None:
    producer = FakeProducer()
    task, _ = source_task(producer)
    offered, declined = record((b"KEY", b"VALUE")), record(None)
    plain = SourceRecord({"p": 1}, {"o": 2}, "t", value_schema=Schema.STRING_SCHEMA, value="p")
    send(task, [offered, declined, plain])
    assert [(topic, value) for topic, value, _cb in producer.sent] == [
        ("t", b"VALUE"),
        ("t", b'"v"'),
        ("t", b'"p"'),
    ]
    assert offered.asked == [(task.key_converter, task.value_converter)]
    assert declined.asked == [(task.key_converter, task.value_converter)]


def test_offered_headers_are_sent_as_they_are() -> None:
    producer = FakeProducer()
    task, _ = source_task(producer)
    with_headers = record((b"K", b"V", [("h", b"offered")]))
    with_headers.headers.add("h", "not converted", Schema.STRING_SCHEMA)
    without = record((b"K", b"V"))
    without.headers.add("h", "converted", Schema.STRING_SCHEMA)
    send(task, [with_headers, without])
    assert producer.headers == [[("h", b"offered")], [("h", b'"converted"')]]


def test_plain_records_are_not_asked() -> None:
    plain = SourceRecord(None, None, "t", value="x")
    assert preconverted(plain, object(), object()) is None

"""Records that already know their converted bytes (a source task's compiled serializer).

A source task may return records of a SourceRecord subclass with the method
``connect_serialized(key_converter, value_converter, header_converter) -> (key_bytes, value_bytes) |
(key_bytes, value_bytes, headers) | None``. Before converting a record that left the transformation
chain, WorkerSourceTask asks it: bytes mean "this is exactly what these converters would write for my
key and value" (and ``headers``, when given, the ``[(key, bytes)]`` the header converter would make of my
headers), and the converters are skipped; None means "convert me as usual". The record must say None whenever its key or value could differ
from what the bytes were made from (for instance once anything read them: a transform may have changed
them in place), and whenever it does not recognise the converters. Plain SourceRecords are not asked.

Used by connectrt-postgres (connectrt_postgres/native.py) to hand over Debezium change events as the
JsonConverter bytes its Rust code made off the task thread.
"""

from __future__ import annotations

from typing import Any

from connectrt.api.records import SourceRecord


def preconverted(
    record: SourceRecord, key_converter: Any, value_converter: Any, header_converter: Any = None
) -> tuple[Any, ...] | None:
    """The record's own key and value bytes (and maybe its converted headers) for these converters, or None
    to convert it."""
    if type(record) is SourceRecord:
        return None
    ask = getattr(record, "connect_serialized", None)
    if ask is None:
        return None
    answer: tuple[Any, ...] | None = ask(key_converter, value_converter, header_converter)
    return answer

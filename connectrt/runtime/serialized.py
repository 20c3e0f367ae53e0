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

Record runs. Building a SourceRecord per row costs a source task's reader, and asking each one for its bytes
costs the task thread, more than producing the row. A task may therefore define ``poll_serialized()``: the
same as ``poll()``, except that the list may hold, among SourceRecords, *record runs*: objects (not
SourceRecords) standing for consecutive records, with

- ``len(run)``: how many records it stands for;
- ``run.serialized(key_converter, value_converter, header_converter)``: ``(rows, source_partition,
  source_offset)``, where ``rows`` is a list of ``(topic, key_bytes, value_bytes, headers)`` (``headers`` the
  ``[(key, bytes)]`` the header converter makes of the record's headers, or None), and the partition and
  offset are those of the run's last record (what committing the whole run commits); or None when the bytes
  are not known for these converters;
- ``run.records()``: the SourceRecords it stands for (the worker then handles them one by one, as from
  ``poll()``).

WorkerSourceTask calls ``poll_serialized()`` instead of ``poll()`` only when the connector has no
transforms and the task does not override ``commit_record`` (nobody needs the records themselves); the
exactly-once task always calls ``poll()``. Records of a run are produced with partition "any" and no
timestamp, like records whose ``kafka_partition`` and ``timestamp`` are None.
"""

from __future__ import annotations

from typing import Any

from connectrt.api.records import SourceRecord


def is_record_run(item: Any) -> bool:
    """Whether an element of ``poll_serialized()``'s list is a record run rather than a SourceRecord."""
    return type(item) is not SourceRecord and not isinstance(item, SourceRecord)


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

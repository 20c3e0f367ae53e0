"""Debezium change events as SourceRecords: c/u/d/r/t envelopes, tombstones, primary-key changes,
logical decoding messages and heartbeats.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectrt.api.data import Schema, Struct
from connectrt.api.records import ConnectRecord, Header, Headers, SourceRecord

from connectrt_postgres.config import DEBEZIUM_VERSION
from connectrt_postgres.offsets import OffsetState
from connectrt_postgres.schemas import (
    HEARTBEAT_KEY_SCHEMA,
    HEARTBEAT_VALUE_SCHEMA,
    MESSAGE_KEY_SCHEMA,
    SOURCE_FIELDS,
    SOURCE_SCHEMA,
    TableSchema,
    make_struct,
    message_schemas,
    topic_name,
)
from connectrt_postgres.types import binary_encoder

_STRING = Schema.STRING_SCHEMA
_new_struct = Struct.__new__
_new_object = object.__new__
_update = dict.update

# SourceRecords are filled slot by slot (no __init__ chain) while their slots are the ones known here.
_RECORD_SLOTS = {"headers", "kafka_partition", "key", "key_schema", "timestamp", "topic", "value", "value_schema",
                 "source_offset", "source_partition"}  # fmt: skip
_FAST_RECORDS = set(ConnectRecord.__slots__) | set(SourceRecord.__slots__) == _RECORD_SLOTS and all(
    "__dict__" not in vars(c) for c in SourceRecord.__mro__[:-1]
)


def source_record(
    partition: dict[str, Any],
    offset: dict[str, Any],
    topic: str,
    key_schema: Schema | None,
    key: Any,
    value_schema: Schema | None,
    value: Any,
    headers: Headers,
) -> SourceRecord:
    """``SourceRecord(partition, offset, topic, None, key_schema, key, value_schema, value, None, headers)``."""
    if not _FAST_RECORDS:
        return SourceRecord(
            partition, offset, topic, None, key_schema, key, value_schema, value, None, headers
        )
    r: SourceRecord = _new_object(SourceRecord)
    r.source_partition = partition
    r.source_offset = offset
    r.topic = topic
    r.kafka_partition = None
    r.key_schema = key_schema
    r.key = key
    r.value_schema = value_schema
    r.value = value
    r.timestamp = None
    r.headers = headers
    return r


def uuid7() -> str:
    """A time-ordered UUID (version 7), like the runId Debezium puts in its context headers."""
    ms = time.time_ns() // 1_000_000
    raw = bytearray(ms.to_bytes(6, "big") + os.urandom(10))
    raw[6] = (raw[6] & 0x0F) | 0x70
    raw[8] = (raw[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(raw)))


@dataclass(frozen=True)
class EventSettings:
    prefix: str
    database: str
    delimiter: str = "."
    tombstones: bool = True
    skipped: frozenset[str] = frozenset({"t"})
    extended_headers: bool = True
    task_id: str = "0"
    heartbeat_topic_prefix: str = "__debezium-heartbeat"
    binary_mode: str = "bytes"


# EventFactory.source() fills the block in this order.
assert SOURCE_FIELDS == ("version", "connector", "name", "ts_ms", "snapshot", "db", "sequence", "ts_us", "ts_ns",
                         "schema", "table", "txId", "lsn", "xmin", "origin", "origin_lsn")  # fmt: skip


class EventFactory:
    """Builds the records of one connector task."""

    def __init__(self, settings: EventSettings, clock: Callable[[], int] = time.time_ns) -> None:
        self.settings = settings
        self.partition = {"server": settings.prefix}
        self.clock = clock
        self.run_id = uuid7()
        self.message_topic = topic_name(settings.prefix, "message", delimiter=settings.delimiter)
        self.heartbeat_topic = f"{settings.heartbeat_topic_prefix}{settings.delimiter}{settings.prefix}"
        content_schema, self.encode_content = binary_encoder(settings.binary_mode)
        self.message_block_schema, self.message_value_schema = message_schemas(content_schema)
        self.skip_create = "c" in settings.skipped
        self.skip_update = "u" in settings.skipped
        self.skip_delete = "d" in settings.skipped
        self.skip_truncate = "t" in settings.skipped
        self._context_headers: tuple[Header, ...] = (
            (
                Header("__debezium.context.connectorLogicalName", settings.prefix, _STRING),
                Header("__debezium.context.taskId", settings.task_id, _STRING),
                Header("__debezium.context.connectorName", "postgresql", _STRING),
                Header("__debezium.context.runId", self.run_id, _STRING),
            )
            if settings.extended_headers
            else ()
        )
        # Every change event's headers are a copy-on-write duplicate of these.
        self._headers_template = Headers(self._context_headers)

    # --- pieces --------------------------------------------------------------------------------
    def headers(self, *extra: Header) -> Headers:
        if not extra:
            return self._headers_template.duplicate()
        return Headers([*extra, *self._context_headers])

    def source(
        self,
        offset: OffsetState,
        schema: str,
        table: str,
        snapshot: str | None,
        ts_us: int,
        origin: str | None = None,
        origin_lsn: int | None = None,
        with_tx: bool = True,
    ) -> Struct:
        s = self.settings
        source = _new_struct(Struct)
        source.schema = SOURCE_SCHEMA
        _update(source, {
            "version": DEBEZIUM_VERSION, "connector": "postgresql", "name": s.prefix, "ts_ms": ts_us // 1000,
            "snapshot": snapshot, "db": s.database, "sequence": offset.sequence(), "ts_us": ts_us,
            "ts_ns": ts_us * 1000, "schema": schema, "table": table, "txId": offset.tx_id if with_tx else None,
            "lsn": offset.lsn, "xmin": offset.xmin, "origin": origin, "origin_lsn": origin_lsn,
        })  # fmt: skip
        return source

    def _envelope(
        self, ts: TableSchema, before: Struct | None, after: Struct | None, source: Struct, op: str
    ) -> Struct:
        return self.envelope(ts, before, after, source, op, self.clock())

    def envelope(
        self, ts: TableSchema, before: Struct | None, after: Struct | None, source: Struct, op: str, now: int
    ) -> Struct:
        """The change event envelope, processed at ``now`` (ns since the epoch)."""
        envelope = _new_struct(Struct)
        envelope.schema = ts.envelope_schema
        _update(envelope, {
            "before": before, "after": after, "source": source, "transaction": None, "op": op,
            "ts_ms": now // 1_000_000, "ts_us": now // 1000, "ts_ns": now,
        })  # fmt: skip
        return envelope

    # --- data change events ----------------------------------------------------------------------
    def change(
        self,
        out: list[SourceRecord],
        ts: TableSchema,
        op: str,
        key: Struct | None,
        before: Struct | None,
        after: Struct | None,
        source: Struct,
        offset: dict[str, Any],
    ) -> None:
        """Append the records of one c/u/d/r event (a delete is followed by its tombstone)."""
        now = self.clock()
        envelope_schema = ts.envelope_schema
        envelope = _new_struct(Struct)
        envelope.schema = envelope_schema
        _update(envelope, {
            "before": before, "after": after, "source": source, "transaction": None, "op": op,
            "ts_ms": now // 1_000_000, "ts_us": now // 1000, "ts_ns": now,
        })  # fmt: skip
        headers = self._headers_template.duplicate()
        if _FAST_RECORDS:  # source_record(), inline
            r: SourceRecord = _new_object(SourceRecord)
            r.source_partition = self.partition
            r.source_offset = offset
            r.topic = ts.topic
            r.kafka_partition = None
            r.key_schema = ts.key_schema
            r.key = key
            r.value_schema = envelope_schema
            r.value = envelope
            r.timestamp = None
            r.headers = headers
            out.append(r)
        else:
            out.append(
                source_record(
                    self.partition, offset, ts.topic, ts.key_schema, key, envelope_schema, envelope, headers
                )
            )
        if op == "d" and self.settings.tombstones:
            out.append(
                source_record(self.partition, offset, ts.topic, ts.key_schema, key, None, None, headers)
            )

    def key_change(
        self,
        out: list[SourceRecord],
        ts: TableSchema,
        old_key: Struct | None,
        new_key: Struct | None,
        before: Struct | None,
        after: Struct | None,
        source: Struct,
        offset: dict[str, Any],
    ) -> None:
        """An update that changed the key: a delete under the old key (and its tombstone), then a
        create under the new one, cross-referenced by the __debezium.newkey/oldkey headers."""
        delete_headers = self.headers(Header("__debezium.newkey", new_key, ts.key_schema))
        out.append(
            SourceRecord(
                self.partition,
                offset,
                ts.topic,
                None,
                ts.key_schema,
                old_key,
                ts.envelope_schema,
                self._envelope(ts, before, None, source, "d"),
                None,
                delete_headers,
            )
        )
        if self.settings.tombstones:
            out.append(
                SourceRecord(
                    self.partition,
                    offset,
                    ts.topic,
                    None,
                    ts.key_schema,
                    old_key,
                    None,
                    None,
                    None,
                    delete_headers,
                )
            )
        out.append(
            SourceRecord(
                self.partition,
                offset,
                ts.topic,
                None,
                ts.key_schema,
                new_key,
                ts.envelope_schema,
                self._envelope(ts, None, after, source, "c"),
                None,
                self.headers(Header("__debezium.oldkey", old_key, ts.key_schema)),
            )
        )

    def truncate(
        self, out: list[SourceRecord], ts: TableSchema, source: Struct, offset: dict[str, Any]
    ) -> None:
        out.append(
            SourceRecord(
                self.partition,
                offset,
                ts.topic,
                None,
                None,
                None,
                ts.envelope_schema,
                self._envelope(ts, None, None, source, "t"),
                None,
                self.headers(),
            )
        )

    # --- other records -----------------------------------------------------------------------------
    def message(
        self, out: list[SourceRecord], prefix: str, content: bytes, source: Struct, offset: dict[str, Any]
    ) -> None:
        key = make_struct(MESSAGE_KEY_SCHEMA, ("prefix",), (prefix,))
        block = make_struct(
            self.message_block_schema, ("prefix", "content"), (prefix, self.encode_content(content))
        )
        value = make_struct(
            self.message_value_schema,
            ("op", "ts_ms", "source", "transaction", "message"),
            ("m", self.clock() // 1_000_000, source, None, block),
        )
        out.append(
            SourceRecord(
                self.partition,
                offset,
                self.message_topic,
                None,
                MESSAGE_KEY_SCHEMA,
                key,
                self.message_value_schema,
                value,
            )
        )

    def heartbeat(self, offset: dict[str, Any]) -> SourceRecord:
        key = make_struct(HEARTBEAT_KEY_SCHEMA, ("serverName",), (self.settings.prefix,))
        value = make_struct(HEARTBEAT_VALUE_SCHEMA, ("ts_ms",), (self.clock() // 1_000_000,))
        return SourceRecord(
            self.partition,
            offset,
            self.heartbeat_topic,
            None,
            HEARTBEAT_KEY_SCHEMA,
            key,
            HEARTBEAT_VALUE_SCHEMA,
            value,
        )

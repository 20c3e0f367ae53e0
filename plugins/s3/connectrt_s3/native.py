"""The S3 sink's serialized put: consumed JsonConverter envelopes written by compiled code (connectrt-s3-native).

``S3SinkTask.serialized_put`` answers a :class:`NativePut` when the connector's records can take it: value
converter connectrt's JsonConverter with ``schemas.enable=true`` and no ``schema.content``; key converter
StringConverter or ByteArrayConverter (any key), or JsonConverter (records without a key); JsonFormat or
ParquetFormat storing the value only (no ``store.kafka.keys``/``store.kafka.headers``, no tombstone
writing); ``max.write.duration.ms`` unset. Per Kafka partition, only while its writer is in the fast case
(DefaultPartitioner, no time-based or scheduled rotation, no open-file limit, nothing buffered, no retry
back-off) and has an open file, the compiled code takes the messages whose value starts with an envelope
prefix the value converter remembers for the file's very schema object and whose payload is a Struct of
fields it reads exactly as the Python path (int8/16/32/64, float64, boolean, string, Timestamp, Date, Time;
no defaults). It appends the JsonFormat line, or the Parquet column values, that path would have written,
and stops at the first message it cannot take for certain; the runtime converts and puts that one as usual.
So the first record of a file (and of a new schema) always takes the Python path.

``CONNECTRT_S3_NATIVE=0`` turns it off (comparisons, debugging).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from connectrt.api import RetriableException
from connectrt.api.data import Date, Schema, SchemaType, Time, Timestamp
from connectrt.converters.bytearray import ByteArrayConverter
from connectrt.converters.json_converter import JsonConverter
from connectrt.converters.json_text import java_escapes
from connectrt.converters.string import StringConverter

from connectrt_s3.formats import parquet
from connectrt_s3.formats.base import VALUE_VIEW
from connectrt_s3.formats.lines import JsonFormat, LineRecordWriter
from connectrt_s3.formats.parquet import ParquetFormat, ParquetRecordWriter
from connectrt_s3.writer import TP, TopicPartitionWriter

if TYPE_CHECKING:
    from connectrt_s3.task import S3SinkTask

log = logging.getLogger(__name__)

ABI = 1
DISABLE_ENV = "CONNECTRT_S3_NATIVE"  # "0" turns the native path off

try:
    from connectrt_s3_native import _native
except ImportError as e:  # connectrt-s3-native is optional (it needs cargo to build)
    _native = None  # type: ignore[assignment]
    _IMPORT_ERROR: str | None = f"connectrt-s3-native is not installed ({e})"
else:
    _IMPORT_ERROR = None
    if getattr(_native, "ABI", None) != ABI:
        _IMPORT_ERROR = f"connectrt_s3_native._native is a build of another version (ABI {_native.ABI})"
        _native = None  # type: ignore[assignment]

# The compiled code's field kinds.
_KINDS = {
    SchemaType.INT8: 0,
    SchemaType.INT16: 1,
    SchemaType.INT32: 2,
    SchemaType.INT64: 3,
    SchemaType.FLOAT64: 4,
    SchemaType.BOOLEAN: 5,
    SchemaType.STRING: 6,
}
_LOGICAL_KINDS = {Timestamp.LOGICAL_NAME: 7, Date.LOGICAL_NAME: 8, Time.LOGICAL_NAME: 9}
_OTHER_LOGICAL = "org.apache.kafka.connect.data.Decimal"


def available() -> bool:
    """Whether the compiled module is installed, of this version, and not turned off."""
    return _native is not None and os.environ.get(DISABLE_ENV, "1") != "0"


def unavailable_reason() -> str | None:
    if os.environ.get(DISABLE_ENV, "1") == "0":
        return f"{DISABLE_ENV}=0"
    return _IMPORT_ERROR


def plan_fields(schema: Schema) -> list[tuple[bytes, int, bool]] | None:
    """(name, kind, optional) per field of a struct schema the compiled code reads, or None."""
    if schema.type is not SchemaType.STRUCT or schema.fields is None:
        return None
    out = []
    for f in schema.fields:
        fs = f.schema
        if fs.default is not None or fs.name == _OTHER_LOGICAL:
            return None
        kind = _LOGICAL_KINDS.get(fs.name or "")
        if kind is not None:
            expected = SchemaType.INT64 if kind == 7 else SchemaType.INT32
            if fs.type is not expected:
                return None
        else:
            kind = _KINDS.get(fs.type)
            if kind is None:
                return None
        out.append((f.name.encode("utf-8"), kind, bool(fs.optional)))
    return out


def serialized_put(task: S3SinkTask, key_converter: Any, value_converter: Any) -> NativePut | None:
    """A NativePut for this task and these converters, or None (the reason is logged at INFO)."""
    reason = _refusal(task, key_converter, value_converter)
    if reason is not None:
        log.info("%sThe compiled path is not used: %s", task.prefix, reason)
        return None
    log.info("%sThe compiled path (connectrt-s3-native) writes records where it can", task.prefix)
    return NativePut(task, value_converter, any_key=type(key_converter) is not JsonConverter)


def _refusal(task: S3SinkTask, key_converter: Any, value_converter: Any) -> str | None:
    if not available():
        return unavailable_reason()
    vc = value_converter
    if type(vc) is not JsonConverter or not vc.schemas_enabled:
        return "the value converter is not JsonConverter with schemas.enable=true"
    if type(key_converter) not in (StringConverter, ByteArrayConverter, JsonConverter):
        return "the key converter is not StringConverter, ByteArrayConverter or JsonConverter"
    provider = task.provider
    if provider.key_format is not None or provider.header_format is not None or provider.tombstones:
        return "keys, headers or tombstones are stored"
    fmt = provider.value_format
    if not isinstance(fmt, (JsonFormat, ParquetFormat)) or fmt.view is not VALUE_VIEW:
        return "the format is not JsonFormat or ParquetFormat"
    if task.config.long("max.write.duration.ms") != 2**63 - 1:
        return "max.write.duration.ms is set"
    return None


class NativePut:
    """``SerializedPut`` of the S3 sink: the compiled ``take`` with this task's writers as its host."""

    def __init__(self, task: S3SinkTask, value_converter: JsonConverter, any_key: bool) -> None:
        self.task = task
        self.converter = value_converter
        self.any_key = any_key
        self.json = isinstance(task.provider.value_format, JsonFormat)
        self.plans: dict[int, tuple[Schema, Any]] = {}  # id(schema) → (schema, Plan or None)
        self.open: dict[int, tuple[TP, TopicPartitionWriter, Any]] = {}  # id(slot) → ...
        self.slots: list[Any] = []

    def __call__(self, messages: Sequence[Any], start: int) -> int:
        batch = messages if type(messages) is list else list(messages)
        self.open.clear()
        self.slots.clear()
        try:
            taken: int = _native.take(batch, start, self, self.any_key)
        finally:
            for slot in self.slots:
                if slot.room > 0:
                    tp, w, _ = self.open[id(slot)]
                    try:
                        self._drain(slot)
                    except RetriableException as e:
                        self.task.recover(tp, w, e)
            self.open.clear()
            self.slots.clear()
        if taken:
            self.task.write_all()
        return taken

    # --- called by the compiled code ----------------------------------------------------------------
    def slot(self, topic: str, partition: int) -> Any:
        tp = (topic, partition)
        task = self.task
        w = task.writers.get(tp)
        if w is None or w.fast_encoded is None or w.buffer or w.failure_time > 0 or tp in task.rewinding:
            return None
        encoded = w.fast_encoded
        fw = w.writers.get(encoded)
        schema = w.current_schemas.get(encoded)
        if fw is None or schema is None:
            return None
        room = w.flush_size - w.record_count
        if self.json:
            if type(fw) is not LineRecordWriter:
                return None
        else:
            if type(fw) is not ParquetRecordWriter or fw.schema is not schema or fw.view is not VALUE_VIEW:
                return None
            room = min(room, parquet.BATCH_ROWS - fw.pending_count())
        if room <= 0:
            return None
        plan = self._plan(schema)
        if plan is None:
            return None
        prefixes = self.converter.envelope_prefixes(schema)
        if not prefixes:
            return None
        slot = _native.Slot(plan, prefixes, self.json, room)
        self.open[id(slot)] = (tp, w, fw)
        self.slots.append(slot)
        return slot

    def full(self, slot: Any) -> int:
        """The slot's room is used up: hand its records to the file (rotating on flush.size); its new room."""
        tp, w, fw = self.open[id(slot)]
        try:
            self._drain(slot)
        except RetriableException as e:  # the rotation's upload failed: as put() handles it
            self.task.recover(tp, w, e)
            return 0
        if w.record_count == 0:  # rotated: the next record opens the next file the usual way
            return 0
        if self.json:
            return w.flush_size - w.record_count
        return min(w.flush_size - w.record_count, parquet.BATCH_ROWS - fw.pending_count())

    def _drain(self, slot: Any) -> None:
        _, w, fw = self.open[id(slot)]
        n, offset = slot.count, slot.last_offset
        if not n:
            return
        if self.json:
            fw.write_encoded(slot.take_lines())
        else:
            columns, rows = slot.take_columns()
            fw.append_columns(columns, rows)
        w.appended(n, offset)

    def _plan(self, schema: Schema) -> Any:
        known = self.plans.get(id(schema))
        if known is not None and known[0] is schema:
            return known[1]
        fields = plan_fields(schema)
        plan = None
        if fields is not None:
            keys = [java_escapes(orjson.dumps(name.decode("utf-8"))) + b":" for name, _, _ in fields]
            plan = _native.Plan(fields, keys)
        if len(self.plans) > 1000:
            self.plans.clear()
        self.plans[id(schema)] = (schema, plan)
        return plan

"""Helpers shared by the built-in transforms (Java's transforms.util package and a few more).

- ``require_*``: the type checks of Java's ``Requirements``, with the same messages.
- ``copy_schema_basics``: Java's ``SchemaUtil.copySchemaBasics``.
- ``SchemaCache``: a small bounded cache keyed by input Schema (Java uses ``LRUCache(16)``).
- ``new_record``, ``with_key``, ``with_value``, ``with_topic``, ``with_headers``: ``record.new_record(...)``;
  for the runtime's own SourceRecord and SinkRecord a slot-by-slot copy several times faster than the
  constructors, since every transform makes one per record.
- ``make_struct``: builds a Struct from values already known to be valid, without re-validating.
- ``java_class_name``: the Java class a Python value corresponds to, for error messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

from connectrt.api.data import DataException, Schema, SchemaBuilder, SchemaType, Struct
from connectrt.api.plugin import KAFKA_CONNECT_VERSION
from connectrt.api.records import ConnectRecord, Headers, SinkRecord, SourceRecord
from connectrt.api.values import java_class
from connectrt.config.configdef import ConfigException, Validator

R = TypeVar("R", bound=ConnectRecord)
K = TypeVar("K")
V = TypeVar("V")


#: The version Kafka's SMTs and predicates report: the Kafka version, as Java's.
VERSION = KAFKA_CONNECT_VERSION

REPLACE_NULL_WITH_DEFAULT_CONFIG = "replace.null.with.default"
REPLACE_NULL_WITH_DEFAULT_DOC = (
    "Whether to replace fields that have a default value and that are null to the default value. "
    "When set to true, the default value is used, otherwise null is used."
)


# --- Java class names for messages ---------------------------------------------------------------


def java_class_name(value: Any) -> str:
    """The Java class name Connect would report for ``value`` (``Class.getName()``), for messages."""
    if value is None:
        return "null"
    if isinstance(value, SourceRecord):
        return "org.apache.kafka.connect.source.SourceRecord"
    if isinstance(value, SinkRecord):
        return "org.apache.kafka.connect.sink.SinkRecord"
    return java_class(value).removeprefix("class ")


def schema_type_of(value: Any) -> SchemaType | None:
    """The Connect type of a schemaless value (Java's ``ConnectSchema.schemaType(value.getClass())``)."""
    if isinstance(value, bool):
        return SchemaType.BOOLEAN
    if isinstance(value, int):
        return SchemaType.INT64
    if isinstance(value, float):
        return SchemaType.FLOAT64
    if isinstance(value, str):
        return SchemaType.STRING
    if isinstance(value, (bytes, bytearray, memoryview)):
        return SchemaType.BYTES
    if isinstance(value, (list, tuple)):
        return SchemaType.ARRAY
    if isinstance(value, Struct):
        return SchemaType.STRUCT
    if isinstance(value, dict):
        return SchemaType.MAP
    return None


# --- Requirements --------------------------------------------------------------------------------


def require_schema(schema: Schema | None, purpose: str) -> Schema:
    if schema is None:
        raise DataException(f"Schema required for [{purpose}]")
    return schema


def require_map(value: Any, purpose: str) -> dict[str, Any]:
    if not isinstance(value, dict) or isinstance(value, Struct):
        raise DataException(
            f"Only Map objects supported in absence of schema for [{purpose}], found: {java_class_name(value)}"
        )
    return value


def require_map_or_null(value: Any, purpose: str) -> dict[str, Any] | None:
    if value is None:
        return None
    return require_map(value, purpose)


def require_struct(value: Any, purpose: str) -> Struct:
    if not isinstance(value, Struct):
        raise DataException(f"Only Struct objects supported for [{purpose}], found: {java_class_name(value)}")
    return value


def require_struct_or_null(value: Any, purpose: str) -> Struct | None:
    if value is None:
        return None
    return require_struct(value, purpose)


def require_sink_record(record: ConnectRecord, purpose: str) -> SinkRecord:
    if not isinstance(record, SinkRecord):
        raise DataException(f"Only SinkRecord supported for [{purpose}], found: {java_class_name(record)}")
    return record


# --- schemas and structs -------------------------------------------------------------------------


def copy_schema_basics(source: Schema, builder: SchemaBuilder | None = None) -> SchemaBuilder:
    """Name, version, doc and parameters of ``source`` on ``builder`` (Java's SchemaUtil.copySchemaBasics).

    Without a builder, one of the source's type is made (an array builder keeps the element schema).
    Optionality, default and fields are not copied.
    """
    if builder is None:
        if source.type is SchemaType.ARRAY:
            assert source.value_schema is not None
            builder = SchemaBuilder.array(source.value_schema)
        else:
            builder = SchemaBuilder(source.type)
    builder.name(source.name)
    builder.version(source.version)
    builder.doc(source.doc)
    if source.parameters is not None:
        builder.parameters(source.parameters)
    return builder


_new_struct = Struct.__new__
_dict_setitem = dict.__setitem__


def make_struct(schema: Schema, values: Iterable[tuple[str, Any]] | Mapping[str, Any]) -> Struct:
    """A Struct of ``schema`` holding ``values`` (name, value pairs or a mapping, in schema field order),
    unvalidated.

    Callers pass values that are already valid for their fields (copied from a validated Struct or
    built for the field's own schema), as Java's ``Struct.put`` would accept them.
    """
    struct = _new_struct(Struct, schema)
    struct.update(values)
    struct.schema = schema
    return struct


class SchemaCache(dict[K, V], Generic[K, V]):
    """A bounded map from input to output schema; the oldest entry goes when it is full.

    Java's transforms keep an ``LRUCache`` of 16; a stream of records with one schema hits the first
    entry every time. Lookups are plain ``dict.get`` (identity is checked before equality).
    """

    __slots__ = ("max_size",)

    def __init__(self, max_size: int = 16) -> None:
        super().__init__()
        self.max_size = max_size

    def put(self, key: K, value: V) -> V:
        if len(self) >= self.max_size:
            del self[next(iter(self))]
        self[key] = value
        return value


# --- records -------------------------------------------------------------------------------------

_new = object.__new__


def _dup_headers(headers: Headers) -> Headers:
    return headers.duplicate()


def new_record(
    record: R,
    topic: str,
    kafka_partition: int | None,
    key_schema: Schema | None,
    key: Any,
    value_schema: Schema | None,
    value: Any,
    timestamp: int | None,
    headers: Headers | None = None,
) -> R:
    """``record.new_record(...)``: a copy with these fields, headers duplicated when not given (the
    record classes copy slot by slot; see connectrt.api.records)."""
    return record.new_record(  # type: ignore[return-value]
        topic, kafka_partition, key_schema, key, value_schema, value, timestamp, headers
    )


# The three copies below are new_record() specialised for the hot path: one call, no argument shuffling.


def with_key(record: R, key_schema: Schema | None, key: Any) -> R:
    """A copy of ``record`` with a new key and key schema."""
    cls = type(record)
    out: Any
    if cls is SourceRecord:
        out = _new(SourceRecord)
        out.source_partition = record.source_partition  # type: ignore[attr-defined]
        out.source_offset = record.source_offset  # type: ignore[attr-defined]
    elif cls is SinkRecord:
        out = _new(SinkRecord)
        _copy_sink_slots(record, out)
    else:
        return new_record(
            record,
            record.topic,
            record.kafka_partition,
            key_schema,
            key,
            record.value_schema,
            record.value,
            record.timestamp,
        )
    out.topic = record.topic
    out.kafka_partition = record.kafka_partition
    out.key_schema = key_schema
    out.key = key
    out.value_schema = record.value_schema
    out.value = record.value
    out.timestamp = record.timestamp
    out.headers = record.headers.duplicate()
    return out


def with_value(record: R, value_schema: Schema | None, value: Any) -> R:
    """A copy of ``record`` with a new value and value schema."""
    cls = type(record)
    out: Any
    if cls is SourceRecord:
        out = _new(SourceRecord)
        out.source_partition = record.source_partition  # type: ignore[attr-defined]
        out.source_offset = record.source_offset  # type: ignore[attr-defined]
    elif cls is SinkRecord:
        out = _new(SinkRecord)
        _copy_sink_slots(record, out)
    else:
        return new_record(
            record,
            record.topic,
            record.kafka_partition,
            record.key_schema,
            record.key,
            value_schema,
            value,
            record.timestamp,
        )
    out.topic = record.topic
    out.kafka_partition = record.kafka_partition
    out.key_schema = record.key_schema
    out.key = record.key
    out.value_schema = value_schema
    out.value = value
    out.timestamp = record.timestamp
    out.headers = record.headers.duplicate()
    return out


def with_topic(record: R, topic: str) -> R:
    """A copy of ``record`` with a new topic."""
    cls = type(record)
    out: Any
    if cls is SourceRecord:
        out = _new(SourceRecord)
        out.source_partition = record.source_partition  # type: ignore[attr-defined]
        out.source_offset = record.source_offset  # type: ignore[attr-defined]
    elif cls is SinkRecord:
        out = _new(SinkRecord)
        _copy_sink_slots(record, out)
    else:
        return new_record(
            record,
            topic,
            record.kafka_partition,
            record.key_schema,
            record.key,
            record.value_schema,
            record.value,
            record.timestamp,
        )
    out.topic = topic
    out.kafka_partition = record.kafka_partition
    out.key_schema = record.key_schema
    out.key = record.key
    out.value_schema = record.value_schema
    out.value = record.value
    out.timestamp = record.timestamp
    out.headers = record.headers.duplicate()
    return out


def _copy_sink_slots(record: Any, out: Any) -> None:
    out.kafka_offset = record.kafka_offset
    out.timestamp_type = record.timestamp_type
    out.original_topic = record.original_topic
    out.original_kafka_partition = record.original_kafka_partition
    out.original_kafka_offset = record.original_kafka_offset


def with_headers(record: R, headers: Headers) -> R:
    """A copy of ``record`` with these headers."""
    return new_record(
        record,
        record.topic,
        record.kafka_partition,
        record.key_schema,
        record.key,
        record.value_schema,
        record.value,
        record.timestamp,
        headers,
    )


def java_split(text: str, sep: str) -> list[str]:
    """Java's ``String.split`` with a literal one-character separator: trailing empty strings are dropped."""
    parts = text.split(sep)
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if parts == [""] and text:
        return []
    return parts


# --- config --------------------------------------------------------------------------------------


class NonEmptyListValidator(Validator):
    """Java's NonEmptyListValidator: ``Invalid value [] for configuration x: Empty list``."""

    def ensure_valid(self, name: str, value: Any) -> None:
        if not value:
            raise ConfigException(name, value, "Empty list")

    def __str__(self) -> str:
        return "non-empty list"


class NonEmptyString(Validator):
    """Java's ConfigDef.NonEmptyString: ``Invalid value  for configuration x: String must be non-empty``.

    (connectrt.config.configdef.NonEmptyString words its message differently; this one matches Java.)
    """

    def ensure_valid(self, name: str, value: Any) -> None:
        if isinstance(value, str) and value == "":
            raise ConfigException(name, value, "String must be non-empty")

    def __str__(self) -> str:
        return "non-empty string"

"""Helpers shared by the built-in transforms (Java's transforms.util package and a few more).

- ``require_*``: the type checks of Java's ``Requirements``, with the same messages.
- ``copy_schema_basics``: Java's ``SchemaUtil.copySchemaBasics``.
- ``SchemaCache``: a small bounded cache keyed by input Schema (Java uses ``LRUCache(16)``).
- ``make_struct``: builds a Struct from values already known to be valid, without re-validating.
- ``java_class_name``: the Java class a Python value corresponds to, for error messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

from connectrt.api.data import DataException, Schema, SchemaBuilder, SchemaType, Struct
from connectrt.api.plugin import KAFKA_CONNECT_VERSION
from connectrt.api.records import ConnectRecord, SinkRecord, SourceRecord
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

"""Connect value → Avro datum (the shape fastavro writes), compiled once per Connect schema.

A datum is plain Python data: dicts for records, lists for arrays, dicts for string-keyed maps, lists of
``{"key", "value"}`` dicts for other maps, ints/floats/str/bytes for primitives. Logical values become their
Avro encoding (Decimal → two's-complement bytes, Date → days, Time → ms of day, Timestamp → epoch ms), as
Confluent's ``AvroData.fromConnectData`` does; a member of a Connect union becomes fastavro's
``(type name, value)`` pair. Values without a schema become ``io.confluent.connect.avro.Anything`` records.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
from collections.abc import Callable
from typing import Any

from connectrt.api.data import DataException, Date, Decimal, Schema, SchemaType, Struct, Time, Timestamp
from connectrt.converters.avro import names as n
from connectrt.converters.avro.config import AvroDataConfig
from connectrt.converters.avro.schema_out import (
    SchemaOut,
    full_name,
    is_enum_schema,
    is_fixed_schema,
    is_union_schema,
    non_optional,
)

Encoder = Callable[[Any], Any]
NULL_REQUIRED = "Found null value for non-optional schema"


def _decimal_out(schema: Schema) -> Encoder:
    fixed_size = int(schema.parameters[n.CONNECT_AVRO_FIXED_SIZE_PROP]) if is_fixed_schema(schema) else 0  # type: ignore[index]

    def encode(v: Any) -> bytes:
        if not isinstance(v, _decimal.Decimal):
            raise DataException(f"Invalid type for Decimal, expected BigDecimal but was {type(v).__name__}")
        raw = Decimal.from_logical(schema, v)
        if fixed_size:
            if len(raw) > fixed_size:
                raise DataException(
                    f"Unscaled value byte array length {len(raw)} is greater than fixed size {fixed_size}"
                )
            raw = raw.rjust(fixed_size, b"\xff" if raw[0] & 0x80 else b"\x00")
        return raw

    return encode


def _date(v: Any) -> int:
    if not isinstance(v, _dt.date):
        raise DataException(f"Invalid type for Date, expected Date but was {type(v).__name__}")
    return Date.from_logical(Date.SCHEMA, v)


def _time(v: Any) -> int:
    if not isinstance(v, _dt.time):
        raise DataException(f"Invalid type for Time, expected Date but was {type(v).__name__}")
    return Time.from_logical(Time.SCHEMA, v)


def _timestamp(v: Any) -> int:
    if not isinstance(v, _dt.datetime):
        raise DataException(f"Invalid type for Timestamp, expected Date but was {type(v).__name__}")
    return Timestamp.from_logical(Timestamp.SCHEMA, v)


def _bytes(v: Any) -> bytes:
    if type(v) is bytes:
        return v
    if isinstance(v, (bytearray, memoryview)):
        return bytes(v)
    raise DataException(f"Invalid type for BYTES: {type(v).__name__}")


class ValueEncoders:
    """Builds (and the caller caches) one encoder per Connect schema."""

    def __init__(self, config: AvroDataConfig, schemas: SchemaOut) -> None:
        self.config = config
        self.schemas = schemas

    def encoder(self, schema: Schema | None) -> Encoder:
        """value → datum for ``schema`` (None = schemaless, written as Anything records)."""
        if schema is None:
            return encode_anything
        inner = self._compile(schema)

        def top(v: Any) -> Any:
            if v is None:
                if schema.optional:
                    return None
                raise DataException(NULL_REQUIRED)
            return v if inner is None else inner(v)

        return top

    def _compile(self, schema: Schema) -> Encoder | None:
        """The encoder of non-null values of ``schema``, or None when the value is its own datum."""
        name = schema.name
        if name == Decimal.LOGICAL_NAME:
            return _decimal_out(schema)
        if name == Date.LOGICAL_NAME:
            return _date
        if name == Time.LOGICAL_NAME:
            return _time
        if name == Timestamp.LOGICAL_NAME:
            return _timestamp
        t = schema.type
        if t is SchemaType.BYTES:
            return _bytes
        if t is SchemaType.ARRAY:
            assert schema.value_schema is not None
            item = self._nullable(schema.value_schema)
            if item is None:
                return list
            return lambda v: [item(x) for x in v]
        if t is SchemaType.MAP:
            return self._map(schema)
        if t is SchemaType.STRUCT:
            return self._union(schema) if is_union_schema(schema) else self._struct(schema)
        return None

    def _nullable(self, schema: Schema) -> Encoder | None:
        """An encoder that also checks nulls against optionality (used for items, map values, fields)."""
        inner = self._compile(schema)
        optional = schema.optional
        if inner is None and optional:
            return None

        def encode(v: Any) -> Any:
            if v is None:
                if optional:
                    return None
                raise DataException(NULL_REQUIRED)
            return v if inner is None else inner(v)

        return encode

    def _map(self, schema: Schema) -> Encoder:
        assert schema.key_schema is not None and schema.value_schema is not None
        value_enc = self._nullable(schema.value_schema)
        if schema.key_schema.type is SchemaType.STRING and (
            not schema.key_schema.optional or self.config.allow_optional_map_keys
        ):
            if value_enc is None:
                return dict
            return lambda v: {k: value_enc(x) for k, x in v.items()}
        key_enc = self._nullable(schema.key_schema) or (lambda k: k)
        val_enc = value_enc or (lambda x: x)
        return lambda v: [{n.KEY_FIELD: key_enc(k), n.VALUE_FIELD: val_enc(x)} for k, x in v.items()]

    def _struct(self, schema: Schema) -> Encoder:
        assert schema.fields is not None
        scrub = self.config.scrub_invalid_names
        use_default = not self.config.ignore_default_for_nullables
        plan = [
            (
                f.name,
                n.scrub_name(f.name, scrub) or f.name,
                self._compile(f.schema),
                f.schema.default if use_default else None,
                f.schema.optional,
            )
            for f in schema.fields
        ]

        return _struct_encoder(schema, plan)

    def _union(self, schema: Schema) -> Encoder:
        assert schema.fields is not None
        members = []
        for f in schema.fields:
            member = non_optional(f.schema)
            node = self.schemas.convert(member)
            label = full_name(node) or (node["type"] if isinstance(node, dict) else None)
            members.append((f.name, self._compile(member), label))

        def encode(v: Any) -> Any:
            if not isinstance(v, Struct):
                raise DataException("Mismatching struct schema")
            for name, enc, label in members:
                x = dict.get(v, name)
                if x is not None:
                    datum = x if enc is None else enc(x)
                    return (label, datum) if label is not None else datum
            return None

        return encode


def _struct_encoder(schema: Schema, plan: list[tuple[str, str, Encoder | None, Any, bool]]) -> Encoder:
    """A straight-line encoder for one struct schema (one statement per field, no loop per record).

    Field names enter the generated code only through ``repr`` (always a plain string literal); encoders and
    defaults are passed in as arguments.
    """
    lines = [
        "def encode(v):",
        "    if v.__class__ is not Struct and not isinstance(v, Struct) or (v.schema is not schema and v.schema != schema):",
        "        raise DataException('Mismatching struct schema')",
        "    get = v.get",
    ]
    items = []
    for i, (name, avro_name, enc, default, optional) in enumerate(plan):
        lines.append(f"    x{i} = get({name!r})")
        if default is not None:
            lines.append(f"    if x{i} is None: x{i} = d{i}")
        elif not optional:
            lines.append(f"    if x{i} is None: raise DataException(NULL_REQUIRED)")
        if enc is None:
            items.append(f"{avro_name!r}: x{i}")
        elif optional and default is None:
            items.append(f"{avro_name!r}: None if x{i} is None else e{i}(x{i})")
        else:
            items.append(f"{avro_name!r}: e{i}(x{i})")
    lines.append("    return {" + ", ".join(items) + "}")
    scope: dict[str, Any] = {
        "Struct": Struct,
        "DataException": DataException,
        "NULL_REQUIRED": NULL_REQUIRED,
        "schema": schema,
    }
    for i, (_, _, enc, default, _) in enumerate(plan):
        scope[f"e{i}"] = enc
        scope[f"d{i}"] = default
    exec(compile("\n".join(lines), f"<avro struct encoder {schema.name or 'struct'}>", "exec"), scope)
    encoder: Encoder = scope["encode"]
    return encoder


# --- schemaless values: the Anything record ---------------------------------------------------


def encode_anything(v: Any) -> dict[str, Any]:
    """A schemaless value as an ``io.confluent.connect.avro.Anything`` record (nulls as an empty record)."""
    if v is None:
        return {}
    if isinstance(v, bool):
        return {"boolean": v}
    if isinstance(v, int):
        return {"long": v}
    if isinstance(v, float):
        return {"double": v}
    if isinstance(v, str):
        return {"string": v}
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"bytes": bytes(v)}
    if isinstance(v, Struct):
        raise DataException(
            "Unknown Java type for schemaless data: class org.apache.kafka.connect.data.Struct"
        )
    if isinstance(v, dict):
        return {
            "map": [
                {n.KEY_FIELD: encode_anything(k), n.VALUE_FIELD: encode_anything(x)} for k, x in v.items()
            ]
        }
    if isinstance(v, (list, tuple)):
        return {"array": [encode_anything(x) for x in v]}
    raise DataException(f"Unknown Java type for schemaless data: {type(v).__name__}")


def anything_schema() -> dict[str, Any]:
    """The Avro schema of schemaless values (Confluent's ANYTHING_SCHEMA)."""
    record: dict[str, Any] = {"type": "record", "name": "Anything", "namespace": n.NAMESPACE, "fields": []}
    fields: list[dict[str, Any]] = record["fields"]
    for prim in ("boolean", "bytes", "double", "float", "int", "long", "string"):
        fields.append({"name": prim, "type": [{"type": "null"}, {"type": prim}], "default": None})
    fields.append(
        {"name": "array", "type": [{"type": "null"}, {"type": "array", "items": record}], "default": None}
    )
    entry = {
        "type": "record", "name": n.MAP_ENTRY_TYPE_NAME, "namespace": n.NAMESPACE,
        "fields": [{"name": n.KEY_FIELD, "type": record}, {"name": n.VALUE_FIELD, "type": record}],
    }  # fmt: skip
    fields.append(
        {"name": "map", "type": [{"type": "null"}, {"type": "array", "items": entry}], "default": None}
    )
    return record


__all__ = ["Encoder", "ValueEncoders", "anything_schema", "encode_anything", "is_enum_schema"]

"""Avro datum → Connect value, compiled once per Connect schema (Confluent's ``AvroData.toConnectData``).

Datums are what fastavro's readers return. Logical values may arrive converted (``decimal.Decimal``,
``datetime.date`` ...: fastavro's default) or raw (bytes, ints): both are accepted. A Connect union's
member is found by the Python type of the datum, or by name when the reader returned ``(name, value)``.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
from collections.abc import Callable
from typing import Any

from connectrt.api.data import DataException, Date, Decimal, Schema, SchemaType, Struct, Time, Timestamp
from connectrt.converters.avro import names as n

Decoder = Callable[[Any], Any]

_PY_TYPES: dict[SchemaType, tuple[type, ...]] = {
    SchemaType.INT8: (int,),
    SchemaType.INT16: (int,),
    SchemaType.INT32: (int,),
    SchemaType.INT64: (int,),
    SchemaType.FLOAT32: (float,),
    SchemaType.FLOAT64: (float,),
    SchemaType.BOOLEAN: (bool,),
    SchemaType.STRING: (str,),
    SchemaType.BYTES: (bytes, bytearray),
    SchemaType.ARRAY: (list, tuple),
    SchemaType.MAP: (dict, list),
    SchemaType.STRUCT: (dict,),
}


def _decimal_in(schema: Schema) -> Decoder:
    scale = Decimal.scale(schema)
    quantum = _decimal.Decimal(1).scaleb(-scale)

    def decode(v: Any) -> _decimal.Decimal:
        if isinstance(v, _decimal.Decimal):
            return v.quantize(quantum) if v.as_tuple().exponent != -scale else v
        if isinstance(v, (bytes, bytearray)):
            return Decimal.to_logical(schema, bytes(v))
        raise DataException(
            f"Invalid type for Decimal, underlying representation should be bytes but was {type(v).__name__}"
        )

    return decode


def _date_in(v: Any) -> _dt.date:
    if isinstance(v, _dt.date):
        return v
    if type(v) is int:
        return Date.to_logical(Date.SCHEMA, v)
    raise DataException(
        f"Invalid type for Date, underlying representation should be int32 but was {type(v).__name__}"
    )


def _time_in(v: Any) -> _dt.time:
    if isinstance(v, _dt.time):
        return v
    if type(v) is int:
        return Time.to_logical(Time.SCHEMA, v)
    raise DataException(
        f"Invalid type for Time, underlying representation should be int32 but was {type(v).__name__}"
    )


def _timestamp_in(v: Any) -> _dt.datetime:
    if isinstance(v, _dt.datetime):
        return v if v.tzinfo is not None else v.replace(tzinfo=_dt.UTC)
    if type(v) is int:
        return Timestamp.to_logical(Timestamp.SCHEMA, v)
    raise DataException(
        f"Invalid type for Timestamp, underlying representation should be int64 but was {type(v).__name__}"
    )


class ValueDecoders:
    def __init__(self, scrub_invalid_names: bool) -> None:
        self.scrub = scrub_invalid_names

    def decoder(self, schema: Schema | None) -> Decoder:
        if schema is None:
            return decode_anything
        inner = self._compile(schema)

        def top(v: Any) -> Any:
            if v is None:
                if schema.optional:
                    return None
                raise DataException("Found null value for non-optional schema")
            return inner(v) if inner is not None else v

        return top

    def _nullable(self, schema: Schema) -> Decoder:
        inner = self._compile(schema)
        return lambda v: None if v is None else (inner(v) if inner is not None else v)

    def _compile(self, schema: Schema) -> Decoder | None:
        name = schema.name
        if name == Decimal.LOGICAL_NAME:
            return _decimal_in(schema)
        if name == Date.LOGICAL_NAME:
            return _date_in
        if name == Time.LOGICAL_NAME:
            return _time_in
        if name == Timestamp.LOGICAL_NAME:
            return _timestamp_in
        t = schema.type
        if t is SchemaType.BYTES:
            return lambda v: bytes(v) if not isinstance(v, bytes) else v
        if t is SchemaType.STRING:
            return None  # fastavro reads strings and enum symbols as str
        if t is SchemaType.ARRAY:
            assert schema.value_schema is not None
            item = self._nullable(schema.value_schema)
            return lambda v: [item(x) for x in v]
        if t is SchemaType.MAP:
            assert schema.key_schema is not None and schema.value_schema is not None
            key, value = self._nullable(schema.key_schema), self._nullable(schema.value_schema)
            if schema.key_schema.type is SchemaType.STRING and not schema.key_schema.optional:
                return lambda v: {str(k): value(x) for k, x in v.items()}
            return lambda v: {key(e[n.KEY_FIELD]): value(e[n.VALUE_FIELD]) for e in v}
        if t is SchemaType.STRUCT:
            return self._union(schema) if schema.name == n.AVRO_TYPE_UNION else self._struct(schema)
        return None

    def _struct(self, schema: Schema) -> Decoder:
        assert schema.fields is not None
        plan = [
            (f.name, n.scrub_name(f.name, self.scrub) or f.name, self._compile(f.schema))
            for f in schema.fields
        ]
        return _struct_decoder(schema, plan)

    def _union(self, schema: Schema) -> Decoder:
        assert schema.fields is not None
        members = [(f.name, f.schema, self._nullable(f.schema)) for f in schema.fields]

        def decode(v: Any) -> Struct:
            if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str):
                label, v = v
                for name, _, dec in members:
                    if name == label or name == label.rsplit(".", 1)[-1]:
                        return Struct(schema).put(name, dec(v))
            for name, member, dec in members:
                types = _PY_TYPES[member.type]
                if isinstance(v, types) and not (
                    isinstance(v, bool) and member.type is not SchemaType.BOOLEAN
                ):
                    if member.type is SchemaType.STRUCT and member.fields is not None:
                        if isinstance(v, dict) and set(v) - {f.name for f in member.fields}:
                            continue
                    return Struct(schema).put(name, dec(v))
            raise DataException("Did not find matching union field for data")

        return decode


def _struct_decoder(schema: Schema, plan: list[tuple[str, str, Decoder | None]]) -> Decoder:
    """A straight-line decoder for one struct schema: the Struct is filled from one dict display in field
    order (no per-field loop, no None-filling first). Field names enter the generated code only through
    ``repr``; the field decoders are passed in as arguments."""
    lines = [
        "def decode(v):",
        "    if v.__class__ is not dict and not isinstance(v, dict):",
        "        raise DataException(f'Invalid type for STRUCT: {type(v).__name__}')",
        "    get = v.get",
    ]
    items = []
    for i, (name, avro_name, dec) in enumerate(plan):
        lines.append(f"    x{i} = get({avro_name!r})")
        items.append(f"{name!r}: x{i}" if dec is None else f"{name!r}: None if x{i} is None else c{i}(x{i})")
    lines += [
        "    out = new_struct(Struct)",
        "    out.schema = schema",
        "    fill(out, {" + ", ".join(items) + "})",
        "    return out",
    ]
    scope: dict[str, Any] = {
        "Struct": Struct, "DataException": DataException, "schema": schema, "new_struct": Struct.__new__,
        "fill": dict.update,
    }  # fmt: skip
    for i, (_, _, dec) in enumerate(plan):
        scope[f"c{i}"] = dec
    exec(compile("\n".join(lines), f"<avro struct decoder {schema.name or 'struct'}>", "exec"), scope)
    decoder: Decoder = scope["decode"]
    return decoder


def decode_anything(v: Any) -> Any:
    """The value of an ``io.confluent.connect.avro.Anything`` record."""
    if v is None:
        return None
    if not isinstance(v, dict):
        raise DataException("Invalid Avro data for schemaless Connect data")
    for key in ("boolean", "bytes", "double", "float", "int", "long", "string"):
        x = v.get(key)
        if x is not None:
            return x
    array = v.get("array")
    if array is not None:
        return [decode_anything(x) for x in array]
    entries = v.get("map")
    if entries is not None:
        return {decode_anything(e[n.KEY_FIELD]): decode_anything(e[n.VALUE_FIELD]) for e in entries}
    return None

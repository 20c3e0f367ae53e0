"""Cast$Key / $Value: casts fields or the whole key/value to another primitive type (Java's Cast)."""

from __future__ import annotations

import base64
import datetime as _dt
import decimal as _decimal
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from connectrt.api.data import DataException, Date, Schema, SchemaBuilder, SchemaType, Time, Timestamp
from connectrt.api.plugin import Transformation
from connectrt.api.values import format_double, format_float, java_class, to_float32
from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    ConfigDef,
    ConfigException,
    Importance,
    LambdaValidator,
    Type,
)
from connectrt.transforms.simple_date_format import SimpleDateFormat
from connectrt.transforms.util import (
    REPLACE_NULL_WITH_DEFAULT_CONFIG,
    REPLACE_NULL_WITH_DEFAULT_DOC,
    VERSION,
    R,
    SchemaCache,
    copy_schema_basics,
    java_split,
    make_struct,
    require_map,
    require_struct,
    schema_type_of,
)

SPEC_CONFIG = "spec"
PURPOSE = "cast types"
WHOLE_VALUE_CAST = ""  # the key of the whole-value cast in the parsed spec (Java uses null)

_INPUT_TYPES = (
    SchemaType.INT8,
    SchemaType.INT16,
    SchemaType.INT32,
    SchemaType.INT64,
    SchemaType.FLOAT32,
    SchemaType.FLOAT64,
    SchemaType.BOOLEAN,
    SchemaType.STRING,
    SchemaType.BYTES,
)
_OUTPUT_TYPES = _INPUT_TYPES[:-1]


def _type_list(types: tuple[SchemaType, ...]) -> str:
    return "[" + ", ".join(t.name for t in types) + "]"


def _valid_output(type_: SchemaType) -> SchemaType:
    if type_ not in _OUTPUT_TYPES:
        raise ConfigException(
            f"Cast transformation does not support casting to {type_.name}; supported types are "
            + _type_list(_OUTPUT_TYPES)
        )
    return type_


def _parse_type(text: str) -> SchemaType:
    try:
        return SchemaType[text.strip().upper()]
    except KeyError:
        raise ConfigException("Invalid type found in casting spec: " + text.strip())


def parse_field_types(mappings: list[str]) -> dict[str, SchemaType]:
    """The parsed ``spec``: field → type, or ``{WHOLE_VALUE_CAST: type}``; Java's messages on errors."""
    casts: dict[str, SchemaType] = {}
    whole = False
    for mapping in mappings:
        parts = java_split(mapping, ":")
        if len(parts) > 2:
            # Java reports this under ReplaceField's "renames" key; we keep its message.
            raise ConfigException("renames", mappings, "Invalid rename mapping: " + mapping)
        if len(parts) == 1:
            casts[WHOLE_VALUE_CAST] = _valid_output(_parse_type(parts[0]))
            whole = True
        elif len(parts) == 2:
            casts[parts[0].strip()] = _valid_output(_parse_type(parts[1]))
        else:
            raise ConfigException("Invalid type found in casting spec: ")
    if whole and len(mappings) > 1:
        raise ConfigException(
            "Cast transformations that specify a type to cast the entire value to "
            "may only specify a single cast in their spec"
        )
    return casts


def _validate_spec(name: str, value: Any) -> None:
    if not value:
        raise ConfigException("Must specify at least one field to cast.")
    parse_field_types(value)


CONFIG_DEF = (
    ConfigDef()
    .define(
        SPEC_CONFIG,
        Type.LIST,
        NO_DEFAULT_VALUE,
        LambdaValidator(_validate_spec, "list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>"),
        Importance.HIGH,
        "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of "
        "Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, "
        "int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string.",
    )
    .define(
        REPLACE_NULL_WITH_DEFAULT_CONFIG,
        Type.BOOLEAN,
        True,
        None,
        Importance.MEDIUM,
        REPLACE_NULL_WITH_DEFAULT_DOC,
    )
)


# --- Java's number conversions -----------------------------------------------------------------------

_JAVA_INT = re.compile(r"[+-]?[0-9]+\Z")
_JAVA_FLOAT = re.compile(r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)\Z")
_RANGES = {
    SchemaType.INT8: 8,
    SchemaType.INT16: 16,
    SchemaType.INT32: 32,
    SchemaType.INT64: 64,
}


def _wrap(value: int, bits: int) -> int:
    mask = (1 << bits) - 1
    value &= mask
    return value - (1 << bits) if value >> (bits - 1) else value


def _double_to_int(x: float, bits: int) -> int:
    """Java's ``(int)``/``(long)`` of a double: truncation, NaN → 0, saturating."""
    if x != x:
        return 0
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    if x >= hi:
        return hi
    if x <= lo:
        return lo
    return int(x)


def _number_to_int(value: Any, bits: int) -> int:
    """``Number.byteValue()`` … ``longValue()`` of an int, float or BigDecimal."""
    if isinstance(value, float):
        return _wrap(_double_to_int(value, 32), bits) if bits < 32 else _double_to_int(value, bits)
    if isinstance(value, _decimal.Decimal):
        if not value.is_finite():
            raise DataException(f"Value ({value}) was out of range for requested data type")
        return _wrap(int(value), 64 if bits == 64 else 32) if bits >= 32 else _wrap(int(value), bits)
    return _wrap(int(value), bits)


def _parse_java_int(text: str, bits: int) -> int:
    """``Byte.parseByte`` … ``Long.parseLong``: a decimal integer in range, nothing else."""
    if not _JAVA_INT.match(text):
        raise DataException(f"Value ({text}) was out of range for requested data type")
    value = int(text)
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise DataException(f"Value ({text}) was out of range for requested data type")
    return value


def _parse_java_double(text: str) -> float:
    """``Double.parseDouble``: surrounding whitespace, NaN, Infinity and a trailing f/d allowed."""
    trimmed = text.strip("".join(chr(c) for c in range(33)))
    if not _JAVA_FLOAT.match(trimmed):
        raise DataException(f"Value ({text}) was out of range for requested data type")
    body = trimmed.rstrip("fFdD") if trimmed[-1:] in "fFdD" and "Infinity" not in trimmed else trimmed
    return float(body.replace("Infinity", "inf").replace("NaN", "nan"))


def _epoch_millis(value: _dt.date | _dt.time) -> int:
    if isinstance(value, _dt.datetime):
        return Timestamp.from_logical(Timestamp.SCHEMA, value)
    if isinstance(value, _dt.date):
        return Date.from_logical(Date.SCHEMA, value) * 86_400_000
    return Time.from_logical(Time.SCHEMA, value)


_ISO_TIME = SimpleDateFormat("HH:mm:ss.SSS'Z'")
_ISO_DATE = SimpleDateFormat("yyyy-MM-dd")
_ISO_TIMESTAMP = SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")


def date_format_for(millis: int) -> SimpleDateFormat:
    """Java's ``Values.dateFormatFor``: time of day below one day, a date at midnight, else a timestamp."""
    if millis < 86_400_000:
        return _ISO_TIME
    if millis % 86_400_000 == 0:
        return _ISO_DATE
    return _ISO_TIMESTAMP


def _to_string(value: Any, schema: Schema | None) -> str:
    if isinstance(value, (_dt.date, _dt.time)):
        millis = _epoch_millis(value)
        return date_format_for(millis).format(millis)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if schema is not None and schema.type is SchemaType.FLOAT32:
            return format_float(value)
        return format_double(value)
    return str(value)


def _encode_logical(schema: Schema, value: Any) -> Any:
    if schema.name == Date.LOGICAL_NAME:
        return Date.from_logical(schema, value)
    if schema.name == Time.LOGICAL_NAME:
        return Time.from_logical(schema, value)
    if schema.name == Timestamp.LOGICAL_NAME:
        return Timestamp.from_logical(schema, value)
    return value


def cast_value(schema: Schema | None, value: Any, target: SchemaType) -> Any:
    """``value`` (of ``schema``, or inferred) cast to ``target`` as Java's Cast does."""
    if value is None:
        return None
    inferred = schema.type if schema is not None else schema_type_of(value)
    if inferred is None:
        raise DataException(
            f"Cast transformation was passed a value of type {java_class(value)} "
            "which is not supported by Connect's data API"
        )
    if inferred not in _INPUT_TYPES:
        raise DataException(
            f"Cast transformation does not support casting from {inferred.name}; supported types are "
            + _type_list(_INPUT_TYPES)
        )
    if schema is not None and schema.name is not None and target is not SchemaType.STRING:
        value = _encode_logical(schema, value)
    is_number = isinstance(value, (int, float, _decimal.Decimal)) and not isinstance(value, bool)
    if target in _RANGES:
        bits = _RANGES[target]
        if is_number:
            return _number_to_int(value, bits)
        if isinstance(value, bool):
            return 1 if value else 0
        if isinstance(value, str):
            return _parse_java_int(value, bits)
    elif target is SchemaType.FLOAT32 or target is SchemaType.FLOAT64:
        if is_number:
            result = float(value)
        elif isinstance(value, bool):
            result = 1.0 if value else 0.0
        elif isinstance(value, str):
            result = _parse_java_double(value)
        else:
            raise DataException(f"Unexpected type in Cast transformation: {java_class(value, schema)}")
        return to_float32(result) if target is SchemaType.FLOAT32 else result
    elif target is SchemaType.BOOLEAN:
        if is_number:
            return _number_to_int(value, 64) != 0
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return value.lower() == "true"
    elif target is SchemaType.STRING:
        return _to_string(value, schema)
    raise DataException(f"Unexpected type in Cast transformation: {java_class(value, schema)}")


def _builder_for(type_: SchemaType) -> SchemaBuilder:
    return SchemaBuilder(type_)


class Cast(Transformation[R]):
    """Cast fields or the entire key or value to a specific type, e.g. to force an integer field to a smaller width.

    Cast from integers, floats, boolean and string to any other type, and cast binary to string
    (base64 encoded). Use Cast$Key or Cast$Value.
    """

    _IS_KEY: ClassVar[bool] = False
    VERSION = VERSION

    def __init__(self) -> None:
        self._casts: dict[str, SchemaType] = {}
        self._whole: SchemaType | None = None
        self._replace_null_with_default = True
        self._schemas: SchemaCache[Schema, Schema] = SchemaCache()

    def configure(self, configs: Mapping[str, Any]) -> None:
        values = CONFIG_DEF.parse(configs)
        self._casts = parse_field_types(values[SPEC_CONFIG])
        self._whole = self._casts.get(WHOLE_VALUE_CAST)
        self._replace_null_with_default = values[REPLACE_NULL_WITH_DEFAULT_CONFIG]
        self._schemas = SchemaCache()

    def apply(self, record: R) -> R | None:
        if self._IS_KEY:
            schema, value = record.key_schema, record.key
        else:
            schema, value = record.value_schema, record.value
        if value is None:
            return record
        updated: Any
        if schema is None:
            updated_schema = None
            if self._whole is not None:
                updated = cast_value(None, value, self._whole)
            else:
                mapping = require_map(value, PURPOSE)
                updated = dict(mapping)
                for name, target in self._casts.items():
                    updated[name] = cast_value(None, mapping.get(name), target)
        else:
            updated_schema = self._schemas.get(schema)
            if updated_schema is None:
                updated_schema = self._schemas.put(schema, self._updated_schema(schema))
            if self._whole is not None:
                updated = cast_value(schema, value, self._whole)
            else:
                struct = require_struct(value, PURPOSE)
                assert struct.schema.fields is not None
                items = []
                for field in struct.schema.fields:
                    v = struct[field.name]
                    if v is None and self._replace_null_with_default:
                        v = field.schema.default
                    field_target = self._casts.get(field.name)
                    if field_target is not None:
                        v = cast_value(field.schema, v, field_target)
                        updated_field = updated_schema.field(field.name)
                        assert updated_field is not None
                        updated_field.schema.validate_value(v, field.name)
                    items.append((field.name, v))
                updated = make_struct(updated_schema, items)
        return record.with_key_or_value(self._IS_KEY, updated_schema, updated)

    def _updated_schema(self, schema: Schema) -> Schema:
        if self._whole is not None:
            builder = copy_schema_basics(schema, _builder_for(self._whole))
        else:
            if schema.fields is None:
                raise DataException("Cannot list fields on non-struct type")
            builder = copy_schema_basics(schema, SchemaBuilder.struct())
            for field in schema.fields:
                target = self._casts.get(field.name)
                if target is None:
                    builder.field(field.name, field.schema)
                    continue
                field_builder = _builder_for(target)
                if field.schema.optional:
                    field_builder.optional()
                if field.schema.default is not None:
                    field_builder.default_value(cast_value(field.schema, field.schema.default, target))
                builder.field(field.name, field_builder.build())
        if schema.optional:
            builder.optional()
        if schema.default is not None:
            builder.default_value(cast_value(schema, schema.default, builder.type))
        return builder.build()

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def close(self) -> None:
        self._schemas.clear()


class CastKey(Cast[R]):
    """Cast on the record key."""

    ALIASES = ("org.apache.kafka.connect.transforms.Cast$Key",)
    _IS_KEY = True


class CastValue(Cast[R]):
    """Cast on the record value."""

    ALIASES = ("org.apache.kafka.connect.transforms.Cast$Value",)
    _IS_KEY = False

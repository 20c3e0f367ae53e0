"""Java's ``Values.convertTo*``, ``convertToString`` and ``inferSchema``."""

from __future__ import annotations

import base64
import datetime as _dt
import decimal as _decimal
import math
from typing import Any

from connectrt.api.data import DataException, Date, Decimal, Schema, SchemaType, Struct, Time, Timestamp
from connectrt.api.values._java import (
    MILLIS_PER_DAY,
    SchemaAndValue,
    big_decimal,
    decimal_long,
    double_to_long,
    epoch_millis,
    format_double,
    format_float,
    format_temporal,
    java_class,
    java_str,
    schema_str,
    to_float32,
    truncating_div,
    wrap,
)
from connectrt.api.values._parse import parse_string

_ARRAY_SELECTOR_SCHEMA = Schema(SchemaType.ARRAY, value_schema=Schema.STRING_SCHEMA)
_MAP_SELECTOR_SCHEMA = Schema(
    SchemaType.MAP, key_schema=Schema.STRING_SCHEMA, value_schema=Schema.STRING_SCHEMA
)
_STRUCT_SELECTOR_SCHEMA = Schema(SchemaType.STRUCT)
_NULL_NEEDS_VALUE = "Unable to convert a null value to a schema that requires a value"


# --- conversions -----------------------------------------------------------------------------


def _unable(value: Any, schema: Schema | None, value_schema: Schema | None = None) -> DataException:
    target = schema_str(schema) if schema is not None else "a number"
    what = f"{java_str(value, value_schema)} ({java_class(value, value_schema)})"
    return DataException(f"Unable to convert {what} to {target}")


def _as_long(value: Any, from_schema: Schema | None) -> int:
    """Java's ``Values.asLong``."""
    if isinstance(value, bool):
        pass
    elif isinstance(value, int):
        return wrap(value, 64)
    elif isinstance(value, float):
        return double_to_long(value)
    elif isinstance(value, _decimal.Decimal) and value.is_finite():
        return decimal_long(value)
    elif isinstance(value, str):
        try:
            return decimal_long(big_decimal(value))
        except ValueError:
            pass
    if from_schema is not None and isinstance(value, (_dt.date, _dt.time)):
        name = from_schema.name
        if name == Date.LOGICAL_NAME and isinstance(value, _dt.date):
            return Date.from_logical(from_schema, value)
        if name == Time.LOGICAL_NAME and isinstance(value, _dt.time):
            return Time.from_logical(from_schema, value)
        if name == Timestamp.LOGICAL_NAME and isinstance(value, _dt.datetime):
            return Timestamp.from_logical(from_schema, value)
    raise _unable(value, from_schema)


def _as_double(value: Any, from_schema: Schema | None) -> float:
    """Java's ``Values.asDouble``."""
    if isinstance(value, float):
        return value
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, _decimal.Decimal):
            return float(value)
        if isinstance(value, str):
            return float(big_decimal(value))
    except OverflowError:
        return math.copysign(math.inf, value)
    except ValueError:
        pass
    return float(_as_long(value, from_schema))


def convert_to_boolean(schema: Schema | None, value: Any) -> bool | None:
    """A bool: booleans as they are, ``"true"``/``"false"``, and numbers as ``!= 0``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        parsed = parse_string(value)
        if isinstance(parsed.value, bool):
            return parsed.value
    return _as_long(value, schema) != 0


def convert_to_byte(schema: Schema | None, value: Any) -> int | None:
    """An int8 value (Java's narrowing cast of the long value)."""
    return None if value is None else wrap(_as_long(value, schema), 8)


def convert_to_short(schema: Schema | None, value: Any) -> int | None:
    """An int16 value (Java's narrowing cast of the long value)."""
    return None if value is None else wrap(_as_long(value, schema), 16)


def convert_to_integer(schema: Schema | None, value: Any) -> int | None:
    """An int32 value (Java's narrowing cast of the long value)."""
    return None if value is None else wrap(_as_long(value, schema), 32)


def convert_to_long(schema: Schema | None, value: Any) -> int | None:
    """An int64 value."""
    return None if value is None else _as_long(value, schema)


def convert_to_float(schema: Schema | None, value: Any) -> float | None:
    """A float32 value (a Python float rounded to float32)."""
    return None if value is None else to_float32(_as_double(value, schema))


def convert_to_double(schema: Schema | None, value: Any) -> float | None:
    """A float64 value."""
    return None if value is None else _as_double(value, schema)


def convert_to_string(schema: Schema | None, value: Any) -> str | None:
    """The string form that :func:`parse_string` reads back (Java's ``Values.convertToString``).

    Top-level strings are written as they are; strings inside arrays, maps and structs are quoted and escaped;
    bytes are base64; Date/Time/Timestamp values use the ISO-8601 forms. ``schema`` only decides whether a
    float is written as float32 (Java's ``Float.toString``) or float64 (``Double.toString``).
    """
    if value is None:
        return None
    out: list[str] = []
    _append(out, value, False, schema)
    return "".join(out)


def convert_to_list(schema: Schema | None, value: Any) -> list[Any]:
    """A list; a string is parsed and must hold an array."""
    return _convert_to_array(_ARRAY_SELECTOR_SCHEMA, value)


def convert_to_map(schema: Schema | None, value: Any) -> dict[Any, Any]:
    """A dict; a string is parsed and must hold a map."""
    return _convert_to_map(_MAP_SELECTOR_SCHEMA, value)


def convert_to_struct(schema: Schema | None, value: Any) -> Struct:
    """The value itself when it is a Struct; anything else is an error."""
    return _convert_to_struct(_STRUCT_SELECTOR_SCHEMA, value)


def convert_to_time(schema: Schema | None, value: Any) -> Any:
    """A Time value (``datetime.time``) from a time, a timestamp, millis or a string."""
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    return _convert_to_time(Time.SCHEMA, schema, value)


def convert_to_date(schema: Schema | None, value: Any) -> Any:
    """A Date value (``datetime.date``) from a date, a timestamp, days or a string."""
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    return _convert_to_date(Date.SCHEMA, schema, value)


def convert_to_timestamp(schema: Schema | None, value: Any) -> Any:
    """A Timestamp value (UTC ``datetime.datetime``) from a timestamp, date, time, millis or a string."""
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    return _convert_to_timestamp(Timestamp.SCHEMA, schema, value)


def convert_to_decimal(schema: Schema | None, value: Any, scale: int) -> _decimal.Decimal:
    """A ``decimal.Decimal`` from bytes (unscaled, with ``scale``), a number or a string."""
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    return _convert_to_decimal(Decimal.schema(scale), value)


def convert_to(to_schema: Schema, from_schema: Schema | None, value: Any) -> Any:
    """Convert ``value`` to the type of ``to_schema`` (Java's ``Values.convertTo``)."""
    if value is None:
        if to_schema.optional:
            return None
        raise DataException(_NULL_NEEDS_VALUE)
    t = to_schema.type
    name = to_schema.name
    if t is SchemaType.BYTES:
        if name == Decimal.LOGICAL_NAME:
            return _convert_to_decimal(to_schema, value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        if isinstance(value, _decimal.Decimal):
            return Decimal.from_logical(to_schema, value)
        raise _unable(value, to_schema)
    if t is SchemaType.STRING:
        return convert_to_string(from_schema, value)
    if t is SchemaType.BOOLEAN:
        return convert_to_boolean(from_schema, value)
    if t is SchemaType.INT8:
        return convert_to_byte(from_schema, value)
    if t is SchemaType.INT16:
        return convert_to_short(from_schema, value)
    if t is SchemaType.INT32:
        if name == Date.LOGICAL_NAME:
            return _convert_to_date(to_schema, from_schema, value)
        if name == Time.LOGICAL_NAME:
            return _convert_to_time(to_schema, from_schema, value)
        return convert_to_integer(from_schema, value)
    if t is SchemaType.INT64:
        if name == Timestamp.LOGICAL_NAME:
            return _convert_to_timestamp(to_schema, from_schema, value)
        return convert_to_long(from_schema, value)
    if t is SchemaType.FLOAT32:
        return convert_to_float(from_schema, value)
    if t is SchemaType.FLOAT64:
        return convert_to_double(from_schema, value)
    if t is SchemaType.ARRAY:
        return _convert_to_array(to_schema, value)
    if t is SchemaType.MAP:
        return _convert_to_map(to_schema, value)
    return _convert_to_struct(to_schema, value)


def _convert_to_decimal(to_schema: Schema, value: Any) -> _decimal.Decimal:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Decimal.to_logical(to_schema, bytes(value))
    if isinstance(value, _decimal.Decimal):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _decimal.Decimal(format_double(float(value)))  # Java's BigDecimal.valueOf(double)
    if isinstance(value, str):
        try:
            return big_decimal(value)
        except ValueError:
            raise DataException(f"Unable to convert {value} ({java_class(value)}) to {schema_str(to_schema)}")
    raise _unable(value, to_schema)


def _parsed_if_string(value: Any) -> SchemaAndValue:
    """A string parsed (kept as it is when it reads as null), anything else as it is."""
    if isinstance(value, str):
        parsed = parse_string(value)
        if parsed.value is not None:
            return parsed
    return SchemaAndValue(None, value)


def _in_range(convert: Any, schema: Schema, value: int) -> Any:
    try:
        return convert(schema, value)
    except OverflowError:
        raise DataException(f"Value {value} is out of range for {schema_str(schema)}")


def _convert_to_date(to_schema: Schema, from_schema: Schema | None, value: Any) -> Any:
    value = _parsed_if_string(value).value
    if isinstance(value, (_dt.date, _dt.time)):
        if from_schema is None:
            return value
        if from_schema.name == Date.LOGICAL_NAME:
            return value
        if from_schema.name == Timestamp.LOGICAL_NAME:
            millis = epoch_millis(value)
            return Date.to_logical(to_schema, truncating_div(millis, MILLIS_PER_DAY))
    return _in_range(Date.to_logical, to_schema, wrap(_as_long(value, from_schema), 32))


def _convert_to_time(to_schema: Schema, from_schema: Schema | None, value: Any) -> Any:
    value = _parsed_if_string(value).value
    if isinstance(value, (_dt.date, _dt.time)):
        if from_schema is None:
            return value
        if from_schema.name == Time.LOGICAL_NAME:
            return value
        if from_schema.name == Timestamp.LOGICAL_NAME:
            return Time.to_logical(to_schema, epoch_millis(value) % MILLIS_PER_DAY)
    return Time.to_logical(to_schema, wrap(_as_long(value, from_schema), 32))


def _convert_to_timestamp(to_schema: Schema, from_schema: Schema | None, value: Any) -> Any:
    value = _parsed_if_string(value).value
    if isinstance(value, (_dt.date, _dt.time)):
        if from_schema is None:
            return value
        name = from_schema.name
        if name == Date.LOGICAL_NAME and isinstance(value, _dt.date):
            return Timestamp.to_logical(to_schema, Date.from_logical(from_schema, value) * MILLIS_PER_DAY)
        if name == Time.LOGICAL_NAME and isinstance(value, _dt.time):
            return Timestamp.to_logical(to_schema, Time.from_logical(from_schema, value))
        if name == Timestamp.LOGICAL_NAME:
            return value
    return _in_range(Timestamp.to_logical, to_schema, _as_long(value, from_schema))


def _convert_to_array(to_schema: Schema, value: Any) -> list[Any]:
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    parsed = _parsed_if_string(value)
    if isinstance(parsed.value, list):
        return parsed.value
    if isinstance(parsed.value, tuple):
        return list(parsed.value)
    raise _unable(parsed.value, to_schema, parsed.schema)


def _convert_to_map(to_schema: Schema, value: Any) -> dict[Any, Any]:
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    parsed = _parsed_if_string(value)
    if isinstance(parsed.value, dict) and not isinstance(parsed.value, Struct):
        return parsed.value
    raise _unable(parsed.value, to_schema, parsed.schema)


def _convert_to_struct(to_schema: Schema, value: Any) -> Struct:
    if value is None:
        raise DataException(_NULL_NEEDS_VALUE)
    if isinstance(value, Struct):
        return value
    raise _unable(value, to_schema)


# --- string form -----------------------------------------------------------------------------


def escape(value: str) -> str:
    """Escape backslashes and double quotes for a string embedded in an array, map or struct."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _append(out: list[str], value: Any, embedded: bool, schema: Schema | None) -> None:
    if value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, str):
        out.append(f'"{escape(value)}"' if embedded else value)
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        float32 = schema is not None and schema.type is SchemaType.FLOAT32
        out.append(format_float(value) if float32 else format_double(value))
    elif isinstance(value, _decimal.Decimal):
        out.append(
            "0" if value.is_zero() and value.is_signed() and value.as_tuple().exponent == 0 else str(value)
        )
    elif isinstance(value, (bytes, bytearray, memoryview)):
        encoded = base64.b64encode(bytes(value)).decode("ascii")
        out.append(f'"{encoded}"' if embedded else encoded)
    elif isinstance(value, (list, tuple)):
        element_schema = (
            schema.value_schema if schema is not None and schema.type is SchemaType.ARRAY else None
        )
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _append(out, item, True, element_schema)
        out.append("]")
    elif isinstance(value, Struct):
        assert value.schema.fields is not None
        out.append("{")
        for i, field in enumerate(value.schema.fields):
            if i:
                out.append(",")
            out.append(f'"{escape(field.name)}":')
            _append(out, value.get_checked(field.name), True, field.schema)
        out.append("}")
    elif isinstance(value, dict):
        is_map = schema is not None and schema.type is SchemaType.MAP
        key_schema = schema.key_schema if is_map and schema is not None else None
        value_schema = schema.value_schema if is_map and schema is not None else None
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            if i:
                out.append(",")
            _append(out, k, True, key_schema)
            out.append(":")
            _append(out, v, True, value_schema)
        out.append("}")
    elif isinstance(value, (_dt.date, _dt.time)):
        out.append(format_temporal(value))
    else:
        raise DataException(
            f"Failed to serialize unexpected value type {java_class(value)[6:]}: {java_str(value)}"
        )


# --- schema inference ------------------------------------------------------------------------


def infer_schema(value: Any) -> Schema | None:
    """The schema of a value when it can be told from the value alone (Java's ``Values.inferSchema``).

    Python ints infer as int64 and floats as float64; Decimal and date/time values infer no schema, as in Java.
    """
    if isinstance(value, str):
        return Schema.STRING_SCHEMA
    if isinstance(value, bool):
        return Schema.BOOLEAN_SCHEMA
    if isinstance(value, int):
        return Schema.INT64_SCHEMA
    if isinstance(value, float):
        return Schema.FLOAT64_SCHEMA
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Schema.BYTES_SCHEMA
    if isinstance(value, (list, tuple)):
        element = _detect(value)
        return Schema(SchemaType.ARRAY, value_schema=element) if element is not None else None
    if isinstance(value, Struct):
        return value.schema
    if isinstance(value, dict):
        key = _detect(value.keys())
        val = _detect(value.values())
        return Schema(SchemaType.MAP, key_schema=key, value_schema=val) if key and val else None
    return None


def _detect(values: Any) -> Schema | None:
    """Java's SchemaDetector: one shared type (optional when a null was seen), or None."""
    known: SchemaType | None = None
    optional = False
    for v in values:
        if v is None:
            optional = True
            continue
        schema = infer_schema(v)
        if schema is None or (known is not None and known is not schema.type):
            return None
        known = schema.type
    return Schema(known, optional=optional) if known is not None else None

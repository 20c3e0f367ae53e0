"""connectrt.api.values against Java's Values: recorded Java results plus hand-written cases."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest

from connectrt.api import values as V
from connectrt.api.data import (
    DataException,
    Date,
    Decimal,
    Schema,
    SchemaBuilder,
    SchemaType,
    Struct,
    Time,
    Timestamp,
)
from tests.unit.converters.values_java_cases import JAVA_CONVERSIONS, JAVA_PARSE_STRING

pytestmark = pytest.mark.unit

UTC = dt.UTC


# --- the notation of values_java_cases ---------------------------------------------------------


def describe_schema(s: Schema | None) -> str:
    if s is None:
        return "null"
    out = s.type.name
    if s.name:
        out += "/" + s.name.replace("org.apache.kafka.connect.data.", "")
    if s.parameters and "scale" in s.parameters:
        out += "/scale=" + s.parameters["scale"]
    if s.optional:
        out += "?"
    if s.type is SchemaType.ARRAY:
        out += f"<{describe_schema(s.value_schema)}>"
    if s.type is SchemaType.MAP:
        out += f"<{describe_schema(s.key_schema)},{describe_schema(s.value_schema)}>"
    return out


def _quote(s: str) -> str:
    out = ['"']
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 32 or ord(c) > 126:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out) + '"'


def describe_value(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return f"I{v}"
    if isinstance(v, float):
        return "F" + V.format_double(v)
    if isinstance(v, decimal.Decimal):
        return f"DEC{v}"
    if isinstance(v, str):
        return _quote(v)
    if isinstance(v, dt.datetime):
        return f"T{Timestamp.from_logical(Timestamp.SCHEMA, v)}"
    if isinstance(v, dt.date):
        return f"T{Date.from_logical(Date.SCHEMA, v) * V.MILLIS_PER_DAY}"
    if isinstance(v, dt.time):
        return f"T{Time.from_logical(Time.SCHEMA, v)}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(describe_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(f"{describe_value(k)}:{describe_value(x)}" for k, x in v.items()) + "}"
    raise AssertionError(f"unexpected value {v!r}")


@pytest.mark.parametrize(("text", "schema", "value", "as_string"), JAVA_PARSE_STRING)
def test_parse_string_matches_java(text: str, schema: str, value: str | None, as_string: str | None) -> None:
    parsed = V.parse_string(text)
    if schema == "NULL":
        assert parsed == (None, None)
        return
    assert describe_schema(parsed.schema) == schema
    assert describe_value(parsed.value) == value
    assert V.convert_to_string(parsed.schema, parsed.value) == as_string


_CONVERTERS = {
    "boolean": V.convert_to_boolean,
    "byte": V.convert_to_byte,
    "short": V.convert_to_short,
    "integer": V.convert_to_integer,
    "long": V.convert_to_long,
    "float": V.convert_to_float,
    "double": V.convert_to_double,
    "list": V.convert_to_list,
    "map": V.convert_to_map,
    "time": V.convert_to_time,
    "date": V.convert_to_date,
    "timestamp": V.convert_to_timestamp,
    "decimal2": lambda s, v: V.convert_to_decimal(s, v, 2),
}


@pytest.mark.parametrize(("function", "text", "expected"), JAVA_CONVERSIONS)
def test_convert_string_matches_java(function: str, text: str, expected: str) -> None:
    try:
        got = describe_value(_CONVERTERS[function](Schema.STRING_SCHEMA, text))
    except DataException as e:
        got = f"EXC DataException: {e}"
    assert got == expected


# --- parse_string, by hand ---------------------------------------------------------------------


def test_parse_string_basics() -> None:
    assert V.parse_string(None) == (None, None)
    assert V.parse_string("") == (Schema.STRING_SCHEMA, "")
    assert V.parse_string("null") == (None, None)
    assert V.parse_string("127") == (Schema.INT8_SCHEMA, 127)
    assert V.parse_string("128") == (Schema.INT16_SCHEMA, 128)
    assert V.parse_string("32768") == (Schema.INT32_SCHEMA, 32768)
    assert V.parse_string("2147483648") == (Schema.INT64_SCHEMA, 2147483648)
    assert V.parse_string("9223372036854775808") == (
        Decimal.schema(0),
        decimal.Decimal("9223372036854775808"),
    )
    assert V.parse_string("1.5") == (Schema.FLOAT32_SCHEMA, 1.5)
    assert V.parse_string("1.0") == (Schema.INT8_SCHEMA, 1)
    assert V.parse_string("1.7976931348623157E308") == (Schema.FLOAT64_SCHEMA, 1.7976931348623157e308)
    assert V.parse_string("hello world") == (Schema.STRING_SCHEMA, "hello world")
    assert V.parse_string("\xef\xbf\xbf") == (Schema.STRING_SCHEMA, "\xef\xbf\xbf")
    assert isinstance(V.parse_string("true"), tuple)
    schema, value = V.parse_string("false")
    assert (schema, value) == (Schema.BOOLEAN_SCHEMA, False)


def test_parse_string_temporal_values_are_python_datetimes() -> None:
    assert V.parse_string("2019-08-23") == (Date.SCHEMA, dt.date(2019, 8, 23))
    assert V.parse_string("14:34:54.346Z") == (Time.SCHEMA, dt.time(14, 34, 54, 346000))
    assert V.parse_string("2019-08-23T14:34:54.346Z") == (
        Timestamp.SCHEMA,
        dt.datetime(2019, 8, 23, 14, 34, 54, 346000, tzinfo=UTC),
    )
    # SimpleDateFormat is lenient: out-of-range fields roll over.
    assert V.parse_string("2019-13-45") == (Date.SCHEMA, dt.date(2020, 2, 14))


def test_parse_string_arrays_and_maps() -> None:
    schema, value = V.parse_string('{"foo": 12345, "bar": 0, "baz": -4321}')
    assert schema == SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT16_SCHEMA).build()
    assert value == {"foo": 12345, "bar": 0, "baz": -4321}
    schema, value = V.parse_string("[1, 2, 3.5]")
    assert schema == SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build()
    assert value == [1.0, 2.0, 3.5]
    assert all(isinstance(v, float) for v in value)
    schema, value = V.parse_string('[1, "two"]')
    assert schema == Schema(SchemaType.ARRAY) and value == [1, "two"]
    assert V.parse_string("[1, null]") == (Schema.STRING_SCHEMA, "[1, null]")
    assert V.parse_string("[null]") == (Schema(SchemaType.ARRAY), [None])
    assert V.parse_string("{3: null}") == (Schema(SchemaType.MAP, key_schema=Schema.INT8_SCHEMA), {3: None})


# --- convert_to_string -------------------------------------------------------------------------


def test_convert_to_string_of_python_values() -> None:
    assert V.convert_to_string(None, None) is None
    assert V.convert_to_string(Schema.STRING_SCHEMA, 'three"blind\\"mice') == 'three"blind\\"mice'
    assert V.convert_to_string(None, ['a"b', "c\\d"]) == '["a\\"b","c\\\\d"]'
    assert V.convert_to_string(None, b"\x00\x01") == "AAE="
    assert V.convert_to_string(None, [b"\x00\x01"]) == '["AAE="]'
    assert V.convert_to_string(None, True) == "true"
    assert V.convert_to_string(None, 1e10) == "1.0E10"
    assert V.convert_to_string(Schema.FLOAT32_SCHEMA, 1.100000023841858) == "1.1"
    assert V.convert_to_string(None, decimal.Decimal("1.50")) == "1.50"
    assert V.convert_to_string(None, decimal.Decimal("1E+3")) == "1E+3"
    assert V.convert_to_string(None, {"a": 1, "b": [True, None]}) == '{"a":1,"b":[true,null]}'
    assert V.convert_to_string(None, dt.date(2019, 8, 23)) == "2019-08-23"
    assert V.convert_to_string(None, dt.time(14, 34, 54, 346000)) == "14:34:54.346Z"
    ts = dt.datetime(2019, 8, 23, 14, 34, 54, 346000, tzinfo=UTC)
    assert V.convert_to_string(None, ts) == "2019-08-23T14:34:54.346Z"
    # Java picks the form from the millis: midnight prints as a date, the first day as a time.
    assert V.convert_to_string(None, dt.datetime(2019, 8, 23, tzinfo=UTC)) == "2019-08-23"
    assert V.convert_to_string(None, dt.date(1970, 1, 1)) == "00:00:00.000Z"


def test_convert_to_string_of_struct_uses_defaults_and_field_order() -> None:
    schema = (
        SchemaBuilder.struct()
        .field("name", Schema.STRING_SCHEMA)
        .field("n", SchemaBuilder.int32().optional().default_value(7).build())
        .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
        .build()
    )
    struct = Struct(schema).put("name", "x")
    assert V.convert_to_string(schema, struct) == '{"name":"x","n":7,"tags":null}'
    assert V.parse_string(V.convert_to_string(schema, struct) or "").value == {
        "name": "x",
        "n": 7,
        "tags": None,
    }


def test_convert_to_string_rejects_unknown_types() -> None:
    with pytest.raises(DataException, match=r"Failed to serialize unexpected value type builtins\.object"):
        V.convert_to_string(None, object())


# --- convert_to_<type> of Python values --------------------------------------------------------


def test_numeric_conversions_use_java_casts() -> None:
    assert V.convert_to_byte(None, 300) == 44
    assert V.convert_to_short(None, 70000) == 4464
    assert V.convert_to_integer(None, 2**32 + 5) == 5
    assert V.convert_to_long(None, 2.9) == 2
    assert V.convert_to_long(None, -2.9) == -2
    assert V.convert_to_long(None, 1e30) == 2**63 - 1
    assert V.convert_to_long(None, float("nan")) == 0
    assert V.convert_to_long(None, decimal.Decimal("12.7")) == 12
    assert V.convert_to_float(None, 1.1) == V.to_float32(1.1)
    assert V.convert_to_double(None, 3) == 3.0
    assert V.convert_to_boolean(None, 0) is False
    assert V.convert_to_boolean(None, 2) is True
    assert V.convert_to_boolean(None, None) is None
    with pytest.raises(
        DataException, match=r"Unable to convert true \(class java.lang.Boolean\) to a number"
    ):
        V.convert_to_long(None, True)


def test_temporal_conversions() -> None:
    ts = dt.datetime(2019, 8, 23, 14, 34, 54, 346000, tzinfo=UTC)
    assert V.convert_to_date(Timestamp.SCHEMA, ts) == dt.date(2019, 8, 23)
    assert V.convert_to_time(Timestamp.SCHEMA, ts) == dt.time(14, 34, 54, 346000)
    assert V.convert_to_timestamp(Date.SCHEMA, dt.date(2019, 8, 23)) == dt.datetime(2019, 8, 23, tzinfo=UTC)
    assert V.convert_to_timestamp(Time.SCHEMA, dt.time(1, 0)) == dt.datetime(1970, 1, 1, 1, 0, tzinfo=UTC)
    assert V.convert_to_timestamp(None, 1566570894346) == ts
    assert V.convert_to_date(None, 18131) == dt.date(2019, 8, 23)
    assert V.convert_to_time(None, 3_600_000) == dt.time(1, 0)
    assert V.convert_to_date(None, ts) is ts  # no schema: Java returns the value as it is
    with pytest.raises(
        DataException, match="Unable to convert a null value to a schema that requires a value"
    ):
        V.convert_to_time(None, None)
    with pytest.raises(DataException, match="out of range"):
        V.convert_to_date(None, 2**31 - 1)


def test_decimal_conversions() -> None:
    value = decimal.Decimal("1.0")
    encoded = Decimal.from_logical(Decimal.schema(1), value)
    for source in (1.0, "1.0", value, encoded, bytearray(encoded)):
        assert V.convert_to_decimal(None, source, 1) == value
    assert str(V.convert_to_decimal(None, 1e10, 1)) == "1.0E+10"
    with pytest.raises(DataException):
        V.convert_to_decimal(None, None, 1)


def test_structured_conversions() -> None:
    assert V.convert_to_list(None, "[1, 2]") == [1, 2]
    assert V.convert_to_list(None, (1, 2)) == [1, 2]
    assert V.convert_to_map(None, '{"a": true}') == {"a": True}
    struct = Struct(SchemaBuilder.struct().build())
    assert V.convert_to_struct(None, struct) is struct
    with pytest.raises(
        DataException, match=r"Unable to convert  \(class java.lang.String\) to Schema\{STRUCT\}"
    ):
        V.convert_to_struct(None, "")
    with pytest.raises(DataException, match=r"to Schema\{ARRAY\}"):
        V.convert_to_list(Schema.STRING_SCHEMA, "[1, 2, 3,,,]")
    with pytest.raises(
        DataException, match=r"Unable to convert null \(class java.lang.String\) to Schema\{MAP\}"
    ):
        V.convert_to_map(None, "null")


def test_convert_to_aligns_to_the_target_schema() -> None:
    assert V.convert_to(Schema.OPTIONAL_INT32_SCHEMA, None, None) is None
    assert V.convert_to(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA, "42") == 42
    assert V.convert_to(Schema.STRING_SCHEMA, None, [1, "a"]) == '[1,"a"]'
    assert V.convert_to(Date.SCHEMA, None, 1) == dt.date(1970, 1, 2)
    assert V.convert_to(Decimal.schema(2), None, "1.25") == decimal.Decimal("1.25")
    assert V.convert_to(Schema.BYTES_SCHEMA, None, bytearray(b"ab")) == b"ab"
    with pytest.raises(DataException, match="Unable to convert a null value"):
        V.convert_to(Schema.INT32_SCHEMA, None, None)


# --- infer_schema and text forms -----------------------------------------------------------------


def test_infer_schema() -> None:
    assert V.infer_schema("s") == Schema.STRING_SCHEMA
    assert V.infer_schema(True) == Schema.BOOLEAN_SCHEMA
    assert V.infer_schema(1) == Schema.INT64_SCHEMA
    assert V.infer_schema(1.5) == Schema.FLOAT64_SCHEMA
    assert V.infer_schema(b"x") == Schema.BYTES_SCHEMA
    assert V.infer_schema([1, None]) == SchemaBuilder.array(Schema.OPTIONAL_INT64_SCHEMA).build()
    assert V.infer_schema({"a": 1}) == SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build()
    assert V.infer_schema([]) is None
    assert V.infer_schema({}) is None
    assert V.infer_schema([1, "a"]) is None
    assert V.infer_schema(decimal.Decimal(1)) is None
    assert V.infer_schema(dt.date(2020, 1, 1)) is None
    struct = Struct(SchemaBuilder.struct().build())
    assert V.infer_schema(struct) is struct.schema


@pytest.mark.parametrize(
    ("value", "double", "single"),
    [
        (1.0, "1.0", "1.0"),
        (0.1, "0.1", "0.1"),
        (100.0, "100.0", "100.0"),
        (1234567.0, "1234567.0", "1234567.0"),
        (1e7, "1.0E7", "1.0E7"),
        (0.001, "0.001", "0.001"),
        (1e-4, "1.0E-4", "1.0E-4"),
        (-1.5e-7, "-1.5E-7", "-1.5E-7"),
        (1.1, "1.1", "1.1"),
        (3.4028234663852886e38, "3.4028234663852886E38", "3.4028235E38"),
        (1.7976931348623157e308, "1.7976931348623157E308", "Infinity"),
        (123456789.0, "1.23456789E8", "1.2345679E8"),
        (1e23, "1.0E23", "1.0E23"),
        (-0.0, "-0.0", "-0.0"),
        (float("nan"), "NaN", "NaN"),
        (float("-inf"), "-Infinity", "-Infinity"),
    ],
)
def test_java_float_text(value: float, double: str, single: str) -> None:
    # The shortest-digits forms of JDK 19 and later (checked on JDK 25); JDK 17 prints a few values with
    # extra digits (1.23456792E8, 9.999999999999999E22).
    assert V.format_double(value) == double
    assert V.format_float(value) == single


def test_escape_and_schema_str() -> None:
    assert V.escape('three"blind\\"mice') == 'three\\"blind\\\\\\"mice'
    assert V.schema_str(Schema.STRING_SCHEMA) == "Schema{STRING}"
    assert V.schema_str(Decimal.schema(2)) == "Schema{org.apache.kafka.connect.data.Decimal:BYTES}"

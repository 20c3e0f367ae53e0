"""JsonConverter against Kafka 4.2.1's own output (recorded in json_converter_java_4_2_1) and the
schema Kafka's system tests (kafkatest's connect_test.py) compare."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
from collections.abc import Callable
from typing import Any

import orjson
import pytest

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
from connectrt.api.values import format_double, format_float
from connectrt.converters.json_converter import JsonConverter
from tests.compat.json_converter_java_4_2_1 import JAVA_DECODED, JAVA_DECODED_SCHEMALESS, JAVA_ENCODED

pytestmark = pytest.mark.unit

D = decimal.Decimal
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def ts(ms: int) -> dt.datetime:
    return EPOCH + dt.timedelta(milliseconds=ms)


def converter(schemas: bool = True, decimal_format: str = "BASE64", replace: bool = True) -> JsonConverter:
    c = JsonConverter()
    c.configure(
        {
            "schemas.enable": str(schemas).lower(),
            "decimal.format": decimal_format,
            "replace.null.with.default": str(replace).lower(),
        },
        False,
    )
    return c


CONVERTERS: dict[str, Callable[[], JsonConverter]] = {
    "on": converter,
    "off": lambda: converter(False),
    "numeric": lambda: converter(True, "NUMERIC"),
    "numeric_off": lambda: converter(False, "NUMERIC"),
    "noreplace": lambda: converter(True, replace=False),
    "noreplace_off": lambda: converter(False, replace=False),
}

# --- the cases of JAVA_ENCODED, built in Python -------------------------------------------------

ST = (
    SchemaBuilder.struct()
    .field("field1", Schema.BOOLEAN_SCHEMA)
    .field("field2", Schema.STRING_SCHEMA)
    .field("field3", Schema.STRING_SCHEMA)
    .field("field4", Schema.BOOLEAN_SCHEMA)
    .build()
)
OPT = (
    SchemaBuilder.struct()
    .field("a", Schema.OPTIONAL_STRING_SCHEMA)
    .field("b", Schema.OPTIONAL_INT32_SCHEMA)
    .field("c", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
    .build()
)
SPEC = (
    SchemaBuilder.struct()
    .field("content", Schema.STRING_SCHEMA)
    .field("ts", Timestamp.builder().optional().build())
    .build()
)
META = (
    SchemaBuilder.int32().optional().name("my.Name").version(3).doc("the doc")
    .parameter("k1", "v1").parameter("k2", "v2").default_value(42).build()
)  # fmt: skip
REQ_DEFAULT = SchemaBuilder.string().default_value("dflt").build()
WITH_DEFAULTS = (
    SchemaBuilder.struct()
    .field("i", SchemaBuilder.int32().default_value(1).build())
    .field("s", SchemaBuilder.string().optional().default_value("x").build())
    .field("b", SchemaBuilder.bytes().default_value(b"\x01\x02").build())
    .field("a", SchemaBuilder.array(Schema.INT32_SCHEMA).default_value([1, 2]).build())
    .field("m", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).default_value({"k": 1}).build())
    .field("d", Decimal.builder(1).default_value(D("1.5")).build())
    .field("t", Timestamp.builder().default_value(ts(5)).build())
    .field("f", SchemaBuilder.float64().default_value(1e10).build())
    .build()
)
INNER = SchemaBuilder.struct().name("Inner").field("x", Schema.INT32_SCHEMA).build()
OUTER = (
    SchemaBuilder.struct().name("Outer").doc("outer doc")
    .field("list", SchemaBuilder.array(INNER).build())
    .field("map", SchemaBuilder.map(Schema.STRING_SCHEMA, INNER).optional().build())
    .field("bytes_map", SchemaBuilder.map(Schema.BYTES_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).build())
    .build()
)  # fmt: skip
DEC2 = Decimal.schema(2)


def _cases() -> list[tuple[str, str, Schema | None, Any]]:
    """(case, converter, schema, value) for every JAVA_ENCODED entry."""
    both: list[tuple[str, Schema | None, Any]] = [
        ("boolean", Schema.BOOLEAN_SCHEMA, True),
        ("int8", Schema.INT8_SCHEMA, 12),
        ("int16", Schema.INT16_SCHEMA, 12),
        ("int32", Schema.INT32_SCHEMA, 12),
        ("int64", Schema.INT64_SCHEMA, 4398046511104),
        ("float32", Schema.FLOAT32_SCHEMA, 12.34),
        ("float64", Schema.FLOAT64_SCHEMA, 12.34),
        ("float64_big", Schema.FLOAT64_SCHEMA, 1e10),
        ("float64_small", Schema.FLOAT64_SCHEMA, 1e-5),
        ("float64_nan", Schema.FLOAT64_SCHEMA, float("nan")),
        ("float64_inf", Schema.FLOAT64_SCHEMA, float("-inf")),
        ("float32_big", Schema.FLOAT32_SCHEMA, 1.0e10),
        ("float64_int", Schema.FLOAT64_SCHEMA, 1.0),
        ("bytes", Schema.BYTES_SCHEMA, b"test-string"),
        ("string", Schema.STRING_SCHEMA, "test-string"),
        ("string_unicode", Schema.STRING_SCHEMA, 'h\u00e9llo \u2603 \U0001f600 "q" \\ / \n\t\u0001\u007f'),
        ("array", SchemaBuilder.array(Schema.INT32_SCHEMA).build(), [1, 2, 3]),
        (
            "map_string_keys",
            SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(),
            {"key1": 12, "key2": 15},
        ),
        ("map_int_keys", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.INT32_SCHEMA).build(), {1: 12, 2: 15}),
        (
            "struct",
            ST,
            Struct(ST)
            .put("field1", True)
            .put("field2", "string2")
            .put("field3", "string3")
            .put("field4", False),
        ),
        ("struct_optional_nulls", OPT, Struct(OPT)),
        ("spec_example", SPEC, Struct(SPEC).put("content", "hello").put("ts", ts(1700000000000))),
        ("decimal_wrong_scale", DEC2, D("1.5")),
        ("decimal_wrong_type", DEC2, "1.5"),
        ("date", Date.SCHEMA, dt.date(1970, 1, 1) + dt.timedelta(days=10000)),
        ("time", Time.SCHEMA, dt.time(4, 0)),
        ("timestamp", Timestamp.SCHEMA, ts(4000000000)),
        ("timestamp_negative", Timestamp.SCHEMA, ts(-1)),
        ("date_wrong_type", Date.SCHEMA, 5),
        ("time_wrong_type", Time.SCHEMA, "x"),
        ("timestamp_wrong_type", Timestamp.SCHEMA, 5),
        ("metadata", META, 7),
        ("default_used", META, None),
        ("required_default_used", REQ_DEFAULT, None),
        ("struct_defaults", WITH_DEFAULTS, Struct(WITH_DEFAULTS)),
        (
            "nested",
            OUTER,
            Struct(OUTER)
            .put("list", [Struct(INNER).put("x", 1), Struct(INNER).put("x", 2)])
            .put("map", {"k": Struct(INNER).put("x", 3)})
            .put("bytes_map", {b"\x00": None}),
        ),
        ("null_null", None, None),
        ("schema_null_value", Schema.OPTIONAL_STRING_SCHEMA, None),
        ("required_null", Schema.STRING_SCHEMA, None),
        ("struct_required_field_null", ST, Struct(ST).put("field1", True)),
        ("schemaless_mixed_keys", None, {1: "a", "b": 2}),
        ("schemaless_nested", None, {"a": [1, 2.5, "x", None, True], "b": {"c": b"\x01"}}),
        ("schemaless_int", None, 5),
        ("schemaless_double", None, 1e10),
        ("schemaless_struct", None, Struct(ST)),
        ("schemaless_bigdecimal", None, D("1.5")),
        ("schemaless_date", None, ts(0)),
        ("int32_wrong_type", Schema.INT32_SCHEMA, "12"),
        ("string_wrong_type", Schema.STRING_SCHEMA, 12),
        ("bytes_wrong_type", Schema.BYTES_SCHEMA, "abc"),
        ("struct_mismatch", ST, Struct(OPT)),
        ("map_wrong_type", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(), [1]),
        ("array_wrong_type", SchemaBuilder.array(Schema.INT32_SCHEMA).build(), 5),
        ("boolean_wrong_type", Schema.BOOLEAN_SCHEMA, 1),
    ]
    cases = [(f"{name}/{c}", c, schema, value) for name, schema, value in both for c in ("on", "off")]
    for d in ["156.00", "-156.00", "0.00", "1.27", "-1.28", "12345678901234567890123456789012345.67"]:
        for c in ("on", "off", "numeric", "numeric_off"):
            cases.append((f"decimal_{d}/{c}", c, DEC2, D(d)))
    cases += [
        ("decimal_neg_scale/numeric", "numeric", Decimal.schema(-2), D("1E+5")),
        ("decimal_small/numeric", "numeric", Decimal.schema(10), D("0.0000000001")),
        ("default_not_replaced", "noreplace", META, None),
        ("default_not_replaced/off", "noreplace_off", META, None),
        ("required_default_not_replaced", "noreplace", REQ_DEFAULT, None),
        ("struct_defaults/noreplace", "noreplace", WITH_DEFAULTS, Struct(WITH_DEFAULTS)),
        ("struct_defaults/numeric", "numeric", WITH_DEFAULTS, Struct(WITH_DEFAULTS)),
    ]
    return cases


# Where Python and Java can differ only in how a message names a Java class.
CLASS_NAME_ONLY = {
    "timestamp_wrong_type": "Invalid type for Timestamp, expected Date but was class java.lang.Integer",
    "map_wrong_type": "Invalid type for MAP: class java.util.ArrayList",
}


def _encode(c: JsonConverter, schema: Schema | None, value: Any) -> str:
    try:
        out = c.from_connect_data("topic", schema, value)
    except DataException as e:
        return f"EXC DataException: {e}"
    return "NULLBYTES" if out is None else out.decode("utf-8")


@pytest.mark.parametrize(
    ("case", "conv", "schema", "value"), _cases(), ids=lambda x: x if isinstance(x, str) else ""
)
def test_encoding_matches_java(case: str, conv: str, schema: Schema | None, value: Any) -> None:
    got = _encode(CONVERTERS[conv](), schema, value)
    expected = JAVA_ENCODED[case]
    base = case.split("/")[0]
    if base in CLASS_NAME_ONLY:
        expected = f"EXC DataException: {CLASS_NAME_ONLY[base]}"
    assert got == expected


def test_every_java_encoding_case_is_covered() -> None:
    covered = {case for case, *_ in _cases()}
    assert covered | {"float64_wrong_type/on", "float64_wrong_type/off"} == set(JAVA_ENCODED)


def test_python_int_for_float64_is_accepted() -> None:
    # Documented difference: Java rejects an Integer for FLOAT64 ("Invalid type for FLOAT64: class
    # java.lang.Integer"); a Python int is a natural float64 value, so it is written as a double.
    assert JAVA_ENCODED["float64_wrong_type/on"].startswith("EXC DataException: Invalid type for FLOAT64")
    assert converter(False).from_connect_data("t", Schema.FLOAT64_SCHEMA, 1) == b"1.0"


# --- decoding -----------------------------------------------------------------------------------


def describe(value: Any, schema: Schema | None = None) -> str:
    """A decoded value in the notation of json_converter_java_4_2_1."""
    if value is None:
        return "null"
    if isinstance(value, Struct):
        assert value.schema.fields is not None
        parts = [f"{f.name}={describe(dict.get(value, f.name), f.schema)}" for f in value.schema.fields]
        return "S{" + ",".join(parts) + "}"
    if isinstance(value, (bytes, bytearray)):
        return "B" + base64.b64encode(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"I{value}"
    if isinstance(value, float):
        if schema is not None and schema.type is SchemaType.FLOAT32:
            return "F32:" + format_float(value)
        return "F64:" + format_double(value)
    if isinstance(value, decimal.Decimal):
        return f"DEC{value}"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dt.datetime):
        return f"T{Timestamp.from_logical(Timestamp.SCHEMA, value)}"
    if isinstance(value, dt.date):
        return f"T{Date.from_logical(Date.SCHEMA, value) * 86_400_000}"
    if isinstance(value, dt.time):
        return f"T{Time.from_logical(Time.SCHEMA, value)}"
    if isinstance(value, (list, tuple)):
        element = schema.value_schema if schema is not None else None
        return "[" + ",".join(describe(x, element) for x in value) + "]"
    if isinstance(value, dict):
        ks = schema.key_schema if schema is not None else None
        vs = schema.value_schema if schema is not None else None
        items = sorted((describe(k, ks), describe(x, vs)) for k, x in value.items())
        return "{" + ",".join(f"{k}:{x}" for k, x in items) + "}"
    raise AssertionError(repr(value))


def _decode(c: JsonConverter, text: str) -> str:
    try:
        schema, value = c.to_connect_data("topic", text.encode("utf-8"))
    except DataException as e:
        return f"EXC DataException: {e}"
    schema_json = "null" if schema is None else orjson.dumps(c.as_json_schema(schema)).decode()
    return f"{schema_json}\t{describe(value, schema)}"


# Documented differences: JSON integers beyond 64 bits (Java wraps them to a long; orjson reads a float),
# and Java's SchemaBuilderException is a DataException here.
DECODE_DIFFERENCES = {
    '{ "schema": { "type": "int64" }, "payload": 18446744073709551617 }': '{"type":"int64","optional":false}\tI0',
}


def _expected(java: str) -> str:
    return java.replace("EXC SchemaBuilderException:", "EXC DataException:")


@pytest.mark.parametrize(("text", "expected", "expected_noreplace"), JAVA_DECODED)
def test_decoding_matches_java(text: str, expected: str, expected_noreplace: str) -> None:
    if text in DECODE_DIFFERENCES:
        expected = expected_noreplace = DECODE_DIFFERENCES[text]
    assert _decode(converter(), text) == _expected(expected)
    assert _decode(converter(replace=False), text) == _expected(expected_noreplace)


@pytest.mark.parametrize(("text", "expected"), JAVA_DECODED_SCHEMALESS)
def test_schemaless_decoding_matches_java(text: str, expected: str) -> None:
    if text == "18446744073709551617":
        expected = "null\tF64:1.8446744073709552E19"  # beyond 64 bits: see DECODE_DIFFERENCES
    if text == "-0.0":
        expected = "null\tF64:-0.0"  # Jackson reads -0.0 through BigDecimal, which has no negative zero
    assert _decode(converter(False), text) == expected


def test_tombstones() -> None:
    for c in (converter(), converter(False)):
        assert c.to_connect_data("t", None) == (None, None)
        assert c.from_connect_data("t", None, None) is None


# --- kafkatest's example -----------------------------------------------------------------------


def test_spec_section_6_example() -> None:
    """The schema as kafkatest's Python test (connect_test.py) compares it (as parsed JSON)."""
    spec_schema = (
        '{"type":"struct","fields":[{"field":"content","type":"string","optional":false},'
        '{"field":"ts","name":"org.apache.kafka.connect.data.Timestamp","type":"int64","version":1,'
        '"optional":true}],"optional":false}'
    )
    record = Struct(SPEC).put("content", "hello").put("ts", ts(1700000000000))
    out = converter().from_connect_data("topic", SPEC, record)
    assert out is not None
    assert orjson.loads(out)["schema"] == orjson.loads(spec_schema)
    # The bytes, in Java's key order ("field" last in each field):
    assert out == (
        b'{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"content"},'
        b'{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,'
        b'"field":"ts"}],"optional":false},"payload":{"content":"hello","ts":1700000000000}}'
    )
    message = '{"schema":' + spec_schema + ',"payload":{"content":"hello","ts":1700000000000}}'
    schema, value = converter().to_connect_data("topic", message.encode())
    assert schema == SPEC
    assert value == record

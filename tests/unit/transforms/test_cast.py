"""Cast$Key / $Value."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

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
from connectrt.config.configdef import ConfigException
from connectrt.transforms.cast import CastKey, CastValue, cast_value

from .helpers import configure, operating, part

pytestmark = pytest.mark.unit

VARIANTS = [(CastKey, True), (CastValue, False)]
SUPPORTED_OUT = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"
SUPPORTED_IN = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "Must specify at least one field to cast."),
        ("foo:faketype", "Invalid type found in casting spec: faketype"),
        (
            "foo:array",
            "Cast transformation does not support casting to ARRAY; supported types are " + SUPPORTED_OUT,
        ),
        (
            "array",
            "Cast transformation does not support casting to ARRAY; supported types are " + SUPPORTED_OUT,
        ),
        (
            "foo:bytes",
            "Cast transformation does not support casting to BYTES; supported types are " + SUPPORTED_OUT,
        ),
        (
            "foo:int8:extra",
            "Invalid value [foo:int8:extra] for configuration renames: Invalid rename mapping: foo:int8:extra",
        ),
        (
            "foo:int8,int32",
            "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec",
        ),
        ("foo:", "Invalid type found in casting spec: foo"),
    ],
)
def test_invalid_specs(spec: str, message: str) -> None:
    with pytest.raises(ConfigException) as e:
        configure(CastValue, {"spec": spec})
    assert str(e.value) == message


def test_missing_spec() -> None:
    with pytest.raises(
        ConfigException, match='Missing required configuration "spec" which has no default value.'
    ):
        configure(CastValue, {})


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
@pytest.mark.parametrize("schema", [None, Schema.OPTIONAL_STRING_SCHEMA])
def test_null_passes_through(cls: type, is_key: bool, schema: Schema | None) -> None:
    record = part(is_key, schema, None)
    assert configure(cls, {"spec": "foo:int64"}).apply(record) is record


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
@pytest.mark.parametrize(
    ("target", "value", "expected_type", "expected"),
    [
        ("int8", 42, SchemaType.INT8, 42),
        ("int16", 42, SchemaType.INT16, 42),
        ("int32", 42, SchemaType.INT32, 42),
        ("int64", 42, SchemaType.INT64, 42),
        ("float32", 42, SchemaType.FLOAT32, 42.0),
        ("float64", 42, SchemaType.FLOAT64, 42.0),
        ("boolean", 42, SchemaType.BOOLEAN, True),
        ("boolean", 0, SchemaType.BOOLEAN, False),
        ("string", 42, SchemaType.STRING, "42"),
        ("int8", 300, SchemaType.INT8, 44),  # Java's narrowing cast
    ],
)
def test_whole_value(
    cls: type, is_key: bool, target: str, value: Any, expected_type: SchemaType, expected: Any
) -> None:
    xform = configure(cls, {"spec": target})
    schema, cast = operating(xform.apply(part(is_key, Schema.INT32_SCHEMA, value)), is_key)
    assert schema.type is expected_type and cast == expected and type(cast) is type(expected)
    schema, cast = operating(xform.apply(part(is_key, None, value)), is_key)
    assert schema is None and cast == expected


def test_whole_value_keeps_schema_basics_and_converts_default() -> None:
    source = SchemaBuilder.float32().name("n").doc("d").version(3).optional().default_value(-42.125).build()
    schema, cast = operating(
        configure(CastValue, {"spec": "int32"}).apply(part(False, source, 42.125)), False
    )
    assert schema == SchemaBuilder.int32().name("n").doc("d").version(3).optional().default_value(-42).build()
    assert cast == 42


@pytest.mark.parametrize(
    ("schema", "value", "target", "expected"),
    [
        (Schema.STRING_SCHEMA, "42", SchemaType.INT32, 42),
        (Schema.STRING_SCHEMA, "-128", SchemaType.INT8, -128),
        (Schema.STRING_SCHEMA, "1.5", SchemaType.FLOAT64, 1.5),
        (Schema.STRING_SCHEMA, " 1.5f ", SchemaType.FLOAT32, 1.5),
        (Schema.STRING_SCHEMA, "NaN", SchemaType.FLOAT64, None),
        (Schema.STRING_SCHEMA, "-Infinity", SchemaType.FLOAT64, float("-inf")),
        (Schema.STRING_SCHEMA, "TRUE", SchemaType.BOOLEAN, True),
        (Schema.STRING_SCHEMA, "yes", SchemaType.BOOLEAN, False),
        (Schema.FLOAT64_SCHEMA, 1e10, SchemaType.STRING, "1.0E10"),
        (Schema.FLOAT64_SCHEMA, 0.5, SchemaType.STRING, "0.5"),
        (Schema.FLOAT32_SCHEMA, 1.100000023841858, SchemaType.STRING, "1.1"),
        (Schema.FLOAT64_SCHEMA, 3.9, SchemaType.INT32, 3),
        (Schema.FLOAT64_SCHEMA, -3.9, SchemaType.INT64, -3),
        (Schema.FLOAT64_SCHEMA, 1e20, SchemaType.INT32, 2**31 - 1),
        (Schema.FLOAT64_SCHEMA, 1e20, SchemaType.INT8, -1),
        (Schema.FLOAT64_SCHEMA, 0.5, SchemaType.BOOLEAN, False),
        (Schema.FLOAT64_SCHEMA, 1.1, SchemaType.FLOAT32, 1.100000023841858),
        (Schema.BOOLEAN_SCHEMA, True, SchemaType.INT8, 1),
        (Schema.BOOLEAN_SCHEMA, False, SchemaType.STRING, "false"),
        (
            Schema.BYTES_SCHEMA,
            bytes([0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10]),
            SchemaType.STRING,
            "/ty6mHZUMhA=",
        ),
        (Decimal.schema(0), decimal.Decimal(2**31), SchemaType.INT32, -(2**31)),
        (Decimal.schema(0), decimal.Decimal(1982), SchemaType.STRING, "1982"),
        (Decimal.schema(2), decimal.Decimal("0.00000012"), SchemaType.STRING, "1.2E-7"),
        (Date.SCHEMA, dt.date(1970, 1, 2), SchemaType.INT32, 1),
        (Date.SCHEMA, dt.date(1970, 1, 2), SchemaType.STRING, "1970-01-02"),
        (Time.SCHEMA, dt.time(0, 0, 0, 1000), SchemaType.INT64, 1),
        (Time.SCHEMA, dt.time(1), SchemaType.STRING, "01:00:00.000Z"),
        (Timestamp.SCHEMA, dt.datetime(1970, 1, 1, tzinfo=dt.UTC), SchemaType.INT64, 0),
        (
            Timestamp.SCHEMA,
            dt.datetime(1970, 1, 2, 0, 0, 0, 1000, tzinfo=dt.UTC),
            SchemaType.STRING,
            "1970-01-02T00:00:00.001Z",
        ),
        (Timestamp.SCHEMA, dt.datetime(2024, 1, 1, tzinfo=dt.UTC), SchemaType.FLOAT64, 1704067200000.0),
    ],
)
def test_cast_value(schema: Schema, value: Any, target: SchemaType, expected: Any) -> None:
    cast = cast_value(schema, value, target)
    if expected is None:
        assert cast != cast  # NaN
    else:
        assert cast == expected and type(cast) is type(expected)


@pytest.mark.parametrize(
    ("schema", "value", "target", "message"),
    [
        (
            Schema.STRING_SCHEMA,
            "128",
            SchemaType.INT8,
            "Value (128) was out of range for requested data type",
        ),
        (
            Schema.STRING_SCHEMA,
            "4.5",
            SchemaType.INT32,
            "Value (4.5) was out of range for requested data type",
        ),
        (Schema.STRING_SCHEMA, " 1", SchemaType.INT64, "Value ( 1) was out of range for requested data type"),
        (
            Schema.STRING_SCHEMA,
            "inf",
            SchemaType.FLOAT64,
            "Value (inf) was out of range for requested data type",
        ),
        (
            None,
            ["foo"],
            SchemaType.INT8,
            "Cast transformation does not support casting from ARRAY; supported types are " + SUPPORTED_IN,
        ),
        (
            None,
            decimal.Decimal(1),
            SchemaType.INT8,
            "Cast transformation was passed a value of type class java.math.BigDecimal which is not supported by Connect's data API",
        ),
        (Schema.BYTES_SCHEMA, b"x", SchemaType.INT32, "Unexpected type in Cast transformation: class [B"),
    ],
)
def test_cast_value_errors(schema: Schema | None, value: Any, target: SchemaType, message: str) -> None:
    with pytest.raises(DataException) as e:
        cast_value(schema, value, target)
    assert str(e.value) == message


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_fields_with_schema(cls: type, is_key: bool) -> None:
    spec = "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32,bigdecimal:string,date:string,optional:int32,bytes:string,notthere:int8"
    builder = (
        SchemaBuilder.struct()
        .field("int8", Schema.INT8_SCHEMA)
        .field("int16", Schema.OPTIONAL_INT16_SCHEMA)
        .field("int32", SchemaBuilder.int32().default_value(2).build())
        .field("int64", Schema.INT64_SCHEMA)
        .field("float32", Schema.FLOAT32_SCHEMA)
        .field("float64", SchemaBuilder.float64().default_value(-1.125).build())
        .field("boolean", Schema.BOOLEAN_SCHEMA)
        .field("string", Schema.STRING_SCHEMA)
        .field("bigdecimal", Decimal.schema(0))
        .field("date", Date.SCHEMA)
        .field("optional", Schema.OPTIONAL_FLOAT32_SCHEMA)
        .field("timestamp", Timestamp.SCHEMA)
        .field("bytes", Schema.BYTES_SCHEMA)
    )
    schema = builder.name("rec").build()
    value = Struct(
        schema,
        {
            "int8": 8,
            "int16": 16,
            "int32": 32,
            "int64": 64,
            "float32": 32.0,
            "float64": -64.0,
            "boolean": True,
            "string": "42",
            "bigdecimal": decimal.Decimal(42),
            "date": dt.date(1970, 1, 2),
            "timestamp": dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
            "bytes": bytes([0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10]),
        },
    )
    out_schema, cast = operating(configure(cls, {"spec": spec}).apply(part(is_key, schema, value)), is_key)
    assert dict(cast) == {
        "int8": 8,
        "int16": 16,
        "int32": 32,
        "int64": True,
        "float32": 32.0,
        "float64": True,
        "boolean": 1,
        "string": 42,
        "bigdecimal": "42",
        "date": "1970-01-02",
        "optional": None,
        "timestamp": dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        "bytes": "/ty6mHZUMhA=",
    }
    types = {f.name: f.schema.type for f in out_schema.fields}
    assert (
        types["int8"] is SchemaType.INT16
        and types["int16"] is SchemaType.INT32
        and types["bytes"] is SchemaType.STRING
    )
    assert out_schema.field("int16").schema.optional
    assert out_schema.field("int32").schema.default == 2
    assert out_schema.field("float64").schema.default is True
    assert out_schema.field("optional").schema == Schema.OPTIONAL_INT32_SCHEMA
    assert out_schema.field("timestamp").schema == Timestamp.SCHEMA
    assert out_schema.name == "rec"
    cast.validate()


def test_fields_schemaless() -> None:
    xform = configure(CastValue, {"spec": "a:int16,b:boolean,c:int8,d:int32,missing:string"})
    _, cast = operating(
        xform.apply(part(False, None, {"a": 8, "b": 1.0, "c": True, "d": "42", "e": "x"})), False
    )
    assert cast == {"a": 8, "b": True, "c": 1, "d": 42, "e": "x", "missing": None}


@pytest.mark.parametrize(("replace_null_with_default", "expected"), [(False, None), (True, "10")])
def test_field_default(replace_null_with_default: bool, expected: Any) -> None:
    xform = configure(
        CastValue, {"spec": "magic:string", "replace.null.with.default": replace_null_with_default}
    )
    schema = (
        SchemaBuilder.struct()
        .field("magic", SchemaBuilder.int32().optional().default_value(10).build())
        .build()
    )
    out_schema, cast = operating(xform.apply(part(False, schema, Struct(schema))), False)
    assert out_schema.field("magic").schema.type is SchemaType.STRING
    assert cast.get_without_default("magic") == expected


def test_requires_struct_with_schema() -> None:
    with pytest.raises(DataException, match="^Cannot list fields on non-struct type$"):
        configure(CastValue, {"spec": "a:int8"}).apply(part(False, Schema.INT32_SCHEMA, 1))
    schema = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build()
    with pytest.raises(DataException, match=r"Only Struct objects supported for \[cast types\]"):
        configure(CastValue, {"spec": "a:int8"}).apply(part(False, schema, {"a": 1}))
    with pytest.raises(
        DataException, match=r"Only Map objects supported in absence of schema for \[cast types\]"
    ):
        configure(CastValue, {"spec": "a:int8"}).apply(part(False, None, 1))

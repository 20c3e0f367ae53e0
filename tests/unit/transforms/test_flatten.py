"""Flatten$Key / $Value."""

from __future__ import annotations

import decimal
from typing import Any

import pytest

from connectrt.api.data import DataException, Schema, SchemaBuilder, Struct
from connectrt.transforms.flatten import FlattenKey, FlattenValue

from .helpers import configure, operating, part

pytestmark = pytest.mark.unit

VARIANTS = [(FlattenKey, True), (FlattenValue, False)]

PRIMITIVES = (
    SchemaBuilder.struct()
    .field("int8", Schema.INT8_SCHEMA)
    .field("int16", Schema.INT16_SCHEMA)
    .field("int32", Schema.INT32_SCHEMA)
    .field("int64", Schema.INT64_SCHEMA)
    .field("float32", Schema.FLOAT32_SCHEMA)
    .field("float64", Schema.FLOAT64_SCHEMA)
    .field("boolean", Schema.BOOLEAN_SCHEMA)
    .field("string", Schema.STRING_SCHEMA)
    .field("bytes", Schema.BYTES_SCHEMA)
    .build()
)
ONE_LEVEL = SchemaBuilder.struct().field("B", PRIMITIVES).build()
TWO_LEVELS = SchemaBuilder.struct().name("outer").version(2).field("A", ONE_LEVEL).build()
PRIMITIVE_VALUES = {
    "int8": 8,
    "int16": 16,
    "int32": 32,
    "int64": 64,
    "float32": 32.0,
    "float64": 64.0,
    "boolean": True,
    "string": "stringy",
    "bytes": b"bytes",
}


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_nested_struct(cls: type, is_key: bool) -> None:
    value = Struct(TWO_LEVELS, {"A": Struct(ONE_LEVEL, {"B": Struct(PRIMITIVES, PRIMITIVE_VALUES)})})
    schema, flat = operating(configure(cls, {}).apply(part(is_key, TWO_LEVELS, value)), is_key)
    expected = SchemaBuilder.struct().name("outer").version(2)
    for field in PRIMITIVES.fields or ():
        expected.field("A.B." + field.name, field.schema)
    assert schema == expected.build()
    assert dict(flat) == {"A.B." + k: v for k, v in PRIMITIVE_VALUES.items()}
    flat.validate()


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_nested_map_with_delimiter(cls: type, is_key: bool) -> None:
    value = {"A": {"B": dict(PRIMITIVE_VALUES)}, "top": 1, "arr": [1, {"x": 2}]}
    schema, flat = operating(configure(cls, {"delimiter": "#"}).apply(part(is_key, None, value)), is_key)
    assert schema is None
    assert flat == {**{"A#B#" + k: v for k, v in PRIMITIVE_VALUES.items()}, "top": 1, "arr": [1, {"x": 2}]}
    assert next(iter(flat)) == "A#B#int8"


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_nulls(cls: type, is_key: bool) -> None:
    xform = configure(cls, {})
    _, flat = operating(xform.apply(part(is_key, None, {"a": None, "b": {"c": None}, "d": 1})), is_key)
    assert flat == {"a": None, "b.c": None, "d": 1}
    for schema in (None, ONE_LEVEL):
        record = part(is_key, schema, None)
        assert xform.apply(record) is record


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_optional_nested_struct(cls: type, is_key: bool) -> None:
    inner = SchemaBuilder.struct().field("opt_int32", Schema.OPTIONAL_INT32_SCHEMA).optional().build()
    outer = SchemaBuilder.struct().field("B", inner).build()
    schema, flat = operating(
        configure(cls, {}).apply(part(is_key, outer, Struct(outer, {"B": None}))), is_key
    )
    assert schema == SchemaBuilder.struct().field("B.opt_int32", Schema.OPTIONAL_INT32_SCHEMA).build()
    assert flat == Struct(schema, {"B.opt_int32": None})


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_optional_and_default_values_nested(cls: type, is_key: bool) -> None:
    builder = SchemaBuilder.struct().optional()
    builder.field("req_field", Schema.STRING_SCHEMA)
    builder.field("opt_field", SchemaBuilder.string().optional().default_value("child_default").build())
    child_default = Struct(builder.build(), {"req_field": "req_default"})
    builder.default_value(child_default)
    inner = builder.build()
    outer = SchemaBuilder.struct().field("child", inner).build()
    schema, flat = operating(
        configure(cls, {}).apply(part(is_key, outer, Struct(outer, {"child": None}))), is_key
    )
    assert (
        schema.field("child.req_field").schema
        == SchemaBuilder.string().optional().default_value("req_default").build()
    )
    assert (
        schema.field("child.opt_field").schema
        == SchemaBuilder.string().optional().default_value("child_default").build()
    )
    assert flat.get_checked("child.req_field") == "req_default"
    # a top-level optional struct with a default: flattened fields take the default's values
    top_schema, top = operating(configure(cls, {}).apply(part(is_key, inner, Struct(inner))), is_key)
    assert (
        top_schema.field("req_field").schema
        == SchemaBuilder.string().optional().default_value("req_default").build()
    )
    assert not top_schema.optional
    assert top.get_without_default("opt_field") == "child_default"


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_arrays_untouched(cls: type, is_key: bool) -> None:
    nested = SchemaBuilder.struct().field("lfg", Schema.STRING_SCHEMA).build()
    inner = SchemaBuilder.struct().field("baz", nested).build()
    schema = SchemaBuilder.struct().field("foo", SchemaBuilder.array(inner).doc("durk").build()).build()
    value = Struct(schema, {"foo": [Struct(inner, {"baz": Struct(nested, {"lfg": "lfg"})})]})
    out_schema, flat = operating(configure(cls, {}).apply(part(is_key, schema, value)), is_key)
    assert out_schema == schema
    assert flat == value


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_unsupported(cls: type, is_key: bool) -> None:
    xform = configure(cls, {})
    with pytest.raises(
        DataException, match=r"^Only Map objects supported in absence of schema for \[flattening\]"
    ):
        xform.apply(part(is_key, None, 42))
    with pytest.raises(DataException, match=r"^Only Struct objects supported for \[flattening\]"):
        xform.apply(part(is_key, Schema.INT32_SCHEMA, 42))
    with pytest.raises(
        DataException,
        match=r"^Flatten transformation was passed a value of type class java.math.BigDecimal which is not supported",
    ):
        xform.apply(part(is_key, None, {"d": decimal.Decimal(1)}))
    with pytest.raises(DataException, match="for record without schemas \\(for field a.s\\)"):
        xform.apply(part(is_key, None, {"a": {"s": Struct(PRIMITIVES, PRIMITIVE_VALUES)}}))
    with_map = (
        SchemaBuilder.struct()
        .field("m", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build())
        .build()
    )
    with pytest.raises(
        DataException,
        match=r"^Flatten transformation does not support MAP for record with schemas \(for field m\)\.$",
    ):
        xform.apply(part(is_key, with_map, Struct(with_map, {"m": {}})))


def test_schema_cache() -> None:
    xform = configure(FlattenValue, {})
    value = Struct(ONE_LEVEL, {"B": Struct(PRIMITIVES, PRIMITIVE_VALUES)})
    first: Any = xform.apply(part(False, ONE_LEVEL, value)).value_schema
    assert xform.apply(part(False, ONE_LEVEL, value)).value_schema is first

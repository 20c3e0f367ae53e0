"""ExtractField (with field.syntax.version V1/V2 paths) and HoistField."""

from __future__ import annotations

from typing import Any

import pytest

from connectrt.api.data import DataException, Schema, SchemaBuilder, Struct
from connectrt.config.configdef import ConfigException
from connectrt.transforms.extract_field import ExtractFieldKey, ExtractFieldValue
from connectrt.transforms.field_path import FieldSyntaxVersion, SingleFieldPath
from connectrt.transforms.hoist_field import HoistFieldKey, HoistFieldValue

from .helpers import configure, operating, part

pytestmark = pytest.mark.unit

EXTRACT = [(ExtractFieldKey, True), (ExtractFieldValue, False)]
HOIST = [(HoistFieldKey, True), (HoistFieldValue, False)]
V2 = {"field.syntax.version": "V2"}

FOO = SchemaBuilder.struct().field("foo", Schema.INT32_SCHEMA).build()
NESTED = SchemaBuilder.struct().field("magic", FOO).build()


@pytest.mark.parametrize(("cls", "is_key"), EXTRACT)
def test_extract_schemaless(cls: type, is_key: bool) -> None:
    xform = configure(cls, {"field": "magic"})
    assert operating(xform.apply(part(is_key, None, {"magic": 42})), is_key) == (None, 42)
    assert operating(xform.apply(part(is_key, None, {"other": 42})), is_key) == (None, None)
    assert operating(xform.apply(part(is_key, None, None)), is_key) == (None, None)
    with pytest.raises(
        DataException, match=r"Only Map objects supported in absence of schema for \[field extraction\]"
    ):
        xform.apply(part(is_key, None, 42))


@pytest.mark.parametrize(("cls", "is_key"), EXTRACT)
def test_extract_with_schema(cls: type, is_key: bool) -> None:
    xform = configure(cls, {"field": "foo"})
    assert operating(xform.apply(part(is_key, FOO, Struct(FOO, {"foo": 42}))), is_key) == (
        Schema.INT32_SCHEMA,
        42,
    )
    optional = SchemaBuilder.struct().field("foo", Schema.INT32_SCHEMA).optional().build()
    assert operating(xform.apply(part(is_key, optional, None)), is_key) == (Schema.INT32_SCHEMA, None)
    with pytest.raises(ValueError, match="^Unknown field: foo$"):
        xform.apply(part(is_key, NESTED, Struct(NESTED)))
    with pytest.raises(DataException, match=r"Only Struct objects supported for \[field extraction\]"):
        xform.apply(part(is_key, FOO, {"foo": 1}))


@pytest.mark.parametrize(("cls", "is_key"), EXTRACT)
def test_extract_nested_paths(cls: type, is_key: bool) -> None:
    xform = configure(cls, {"field": "magic.foo", **V2})
    assert operating(xform.apply(part(is_key, None, {"magic": {"foo": 42}})), is_key) == (None, 42)
    assert operating(xform.apply(part(is_key, None, {"magic": None})), is_key) == (None, None)
    nested = Struct(NESTED, {"magic": Struct(FOO, {"foo": 42})})
    assert operating(xform.apply(part(is_key, NESTED, nested)), is_key) == (Schema.INT32_SCHEMA, 42)
    missing = configure(cls, {"field": "magic.nonexistent", **V2})
    assert operating(missing.apply(part(is_key, None, {"magic": {"foo": 42}})), is_key) == (None, None)
    with pytest.raises(ValueError, match="^Unknown field: magic.nonexistent$"):
        missing.apply(part(is_key, NESTED, nested))
    # V1 takes the dotted name as one field name
    v1 = configure(cls, {"field": "magic.foo"})
    assert operating(v1.apply(part(is_key, None, {"magic.foo": 1, "magic": {"foo": 2}})), is_key) == (None, 1)


@pytest.mark.parametrize(("cls", "is_key"), EXTRACT)
@pytest.mark.parametrize(("replace_null_with_default", "expected"), [(False, None), (True, 42)])
def test_extract_unset_optional(
    cls: type, is_key: bool, replace_null_with_default: bool, expected: Any
) -> None:
    xform = configure(
        cls, {"field": "optional_with_default", "replace.null.with.default": replace_null_with_default}
    )
    schema = (
        SchemaBuilder.struct()
        .field("optional_with_default", SchemaBuilder.int32().optional().default_value(42).build())
        .build()
    )
    _, extracted = operating(xform.apply(part(is_key, schema, Struct(schema))), is_key)
    assert extracted == expected


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        ({}, 'Missing required configuration "field" which has no default value.'),
        (
            {"field": "a", "field.syntax.version": "V3"},
            "Invalid value V3 for configuration field.syntax.version: String must be one of (case insensitive): V1, V2",
        ),
        (
            {"field": "`a.b", "field.syntax.version": "v2"},
            "Incomplete backtick pair in path: [`a.b], consider adding a backslash before backtick at position 0 "
            "to escape it",
        ),
    ],
)
def test_extract_invalid_configs(configs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigException) as e:
        configure(ExtractFieldValue, configs)
    assert str(e.value) == message


@pytest.mark.parametrize(
    ("path", "steps"),
    [
        ("foo.bar.baz", ["foo", "bar", "baz"]),
        ("..", ["", "", ""]),
        ("foo..", ["foo", "", ""]),
        (".bar.", ["", "bar", ""]),
        ("", []),
        ("foo`bar`baz", ["foo`bar`baz"]),
        ("`foo.bar.baz`", ["foo.bar.baz"]),
        ("foo.`bar.baz`", ["foo", "bar.baz"]),
        ("`foo.bar`.baz", ["foo.bar", "baz"]),
        ("foo.`bar`.baz", ["foo", "bar", "baz"]),
        ("foo.``bar.baz`", ["foo", "`bar.baz"]),
        ("foo.`bar.baz``", ["foo", "bar.baz`"]),
        ("foo.`ba`r.baz`", ["foo", "ba`r.baz"]),
        ("foo.ba`r.baz", ["foo", "ba`r", "baz"]),
        ("foo.``bar``.baz", ["foo", "`bar`", "baz"]),
        ("``foo.bar.baz``", ["`foo.bar.baz`"]),
        ("foo.`bar\\`.baz`", ["foo", "bar`.baz"]),
        ("foo.`bar.`baz`", ["foo", "bar.`baz"]),
        ("foo.`bar\\`.`baz`", ["foo", "bar`.`baz"]),
    ],
)
def test_v2_paths(path: str, steps: list[str]) -> None:
    v2 = SingleFieldPath(path, FieldSyntaxVersion.V2)
    assert list(v2.steps) == steps
    assert v2.value_from_map({}) is None
    assert list(SingleFieldPath(path, FieldSyntaxVersion.V1).steps) == [path]


@pytest.mark.parametrize(
    ("path", "position"), [("foo.`bar.baz", 4), ("foo.bar.`baz", 8), ("foo.bar.`baz\\`", 8)]
)
def test_v2_incomplete_backticks(path: str, position: int) -> None:
    with pytest.raises(ConfigException, match=f"at position {position} to escape it"):
        SingleFieldPath(path, FieldSyntaxVersion.V2)


@pytest.mark.parametrize(("cls", "is_key"), HOIST)
def test_hoist_schemaless(cls: type, is_key: bool) -> None:
    xform = configure(cls, {"field": "magic"})
    assert operating(xform.apply(part(is_key, None, 42)), is_key) == (None, {"magic": 42})
    assert operating(xform.apply(part(is_key, None, None)), is_key) == (None, {"magic": None})


@pytest.mark.parametrize(("cls", "is_key"), HOIST)
def test_hoist_with_schema(cls: type, is_key: bool) -> None:
    xform = configure(cls, {"field": "magic"})
    schema, value = operating(xform.apply(part(is_key, Schema.INT32_SCHEMA, 42)), is_key)
    expected = SchemaBuilder.struct().field("magic", Schema.INT32_SCHEMA).build()
    assert schema == expected
    assert value == Struct(expected, {"magic": 42})
    schema2, _ = operating(xform.apply(part(is_key, Schema.INT32_SCHEMA, 7)), is_key)
    assert schema2 is schema
    opt_schema, opt_value = operating(xform.apply(part(is_key, Schema.OPTIONAL_INT32_SCHEMA, None)), is_key)
    assert opt_value == Struct(opt_schema, {"magic": None})
    with pytest.raises(
        DataException, match='Invalid value: null used for required field: "magic", schema type: INT32'
    ):
        xform.apply(part(is_key, Schema.INT32_SCHEMA, None))


def test_hoist_requires_field() -> None:
    with pytest.raises(
        ConfigException, match='Missing required configuration "field" which has no default value.'
    ):
        configure(HoistFieldValue, {})

"""ReplaceField$Key / $Value."""

from __future__ import annotations

from typing import Any

import pytest

from connectrt.api.data import DataException, Schema, SchemaBuilder, Struct
from connectrt.config.configdef import ConfigException
from connectrt.transforms.replace_field import ReplaceFieldKey, ReplaceFieldValue

from .helpers import configure, operating, part

pytestmark = pytest.mark.unit

VARIANTS = [(ReplaceFieldKey, True), (ReplaceFieldValue, False)]

SCHEMA = (
    SchemaBuilder.struct()
    .name("rec")
    .version(3)
    .doc("doc")
    .field("dont", Schema.STRING_SCHEMA)
    .field("abc", Schema.INT32_SCHEMA)
    .field("foo", Schema.BOOLEAN_SCHEMA)
    .field("etc", Schema.OPTIONAL_STRING_SCHEMA)
    .build()
)


def value() -> Struct:
    return Struct(SCHEMA, {"dont": "whatever", "abc": 42, "foo": True, "etc": "etc"})


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
@pytest.mark.parametrize(
    ("configs", "expected"),
    [
        ({"exclude": "dont", "renames": "abc:xyz,foo:bar"}, {"xyz": 42, "bar": True, "etc": "etc"}),
        ({"include": "abc,foo", "renames": "abc:xyz,foo:bar"}, {"xyz": 42, "bar": True}),
        ({"include": "abc,foo", "exclude": "foo"}, {"abc": 42}),
        ({"renames": "abc:foo,foo:abc"}, {"dont": "whatever", "foo": 42, "abc": True, "etc": "etc"}),
        ({"renames": "abc:x,x:y"}, {"dont": "whatever", "x": 42, "foo": True, "etc": "etc"}),
        ({}, {"dont": "whatever", "abc": 42, "foo": True, "etc": "etc"}),
        ({"exclude": "missing"}, {"dont": "whatever", "abc": 42, "foo": True, "etc": "etc"}),
        ({"include": "missing"}, {}),
    ],
)
def test_schemaless(cls: type, is_key: bool, configs: dict[str, str], expected: dict[str, Any]) -> None:
    original = {"dont": "whatever", "abc": 42, "foo": True, "etc": "etc"}
    schema, updated = operating(configure(cls, configs).apply(part(is_key, None, original)), is_key)
    assert schema is None
    assert updated == expected
    assert original == {"dont": "whatever", "abc": 42, "foo": True, "etc": "etc"}  # input untouched


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_with_schema(cls: type, is_key: bool) -> None:
    xform = configure(cls, {"include": "abc,foo,etc", "exclude": "etc", "renames": "abc:xyz,foo:bar"})
    schema, updated = operating(xform.apply(part(is_key, SCHEMA, value())), is_key)
    expected_schema = (
        SchemaBuilder.struct()
        .name("rec")
        .version(3)
        .doc("doc")
        .field("xyz", Schema.INT32_SCHEMA)
        .field("bar", Schema.BOOLEAN_SCHEMA)
        .build()
    )
    assert schema == expected_schema
    assert updated == Struct(expected_schema, {"xyz": 42, "bar": True})
    assert updated.schema is schema
    # one output schema per input schema
    schema2, _ = operating(xform.apply(part(is_key, SCHEMA, value())), is_key)
    assert schema2 is schema


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_with_schema_drops_optionality_like_java(cls: type, is_key: bool) -> None:
    optional = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).optional().build()
    schema, _ = operating(
        configure(cls, {}).apply(part(is_key, optional, Struct(optional, {"a": 1}))), is_key
    )
    assert schema == SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build()


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
@pytest.mark.parametrize(("replace_null_with_default", "expected"), [(False, None), (True, 42)])
def test_replace_null_with_default(
    cls: type, is_key: bool, replace_null_with_default: bool, expected: Any
) -> None:
    xform = configure(
        cls,
        {
            "include": "abc",
            "renames": "abc:optional_with_default",
            "replace.null.with.default": str(replace_null_with_default).lower(),
        },
    )
    schema = (
        SchemaBuilder.struct()
        .field("abc", SchemaBuilder.int32().optional().default_value(42).build())
        .build()
    )
    _, updated = operating(xform.apply(part(is_key, schema, Struct(schema, {"abc": None}))), is_key)
    assert len(updated.schema.fields) == 1
    assert updated.get_without_default("optional_with_default") == expected


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
@pytest.mark.parametrize("schema", [None, SCHEMA])
def test_null_passes_through(cls: type, is_key: bool, schema: Schema | None) -> None:
    record = part(is_key, schema, None)
    assert configure(cls, {"include": "abc,foo", "renames": "abc:xyz,foo:bar"}).apply(record) is record


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_wrong_types(cls: type, is_key: bool) -> None:
    xform = configure(cls, {"exclude": "a"})
    with pytest.raises(
        DataException, match=r"^Only Map objects supported in absence of schema for \[field replacement\]"
    ):
        xform.apply(part(is_key, None, "string"))
    with pytest.raises(
        DataException, match=r"^Only Struct objects supported for \[field replacement\], found: java.util"
    ):
        xform.apply(part(is_key, SCHEMA, {"dont": "x"}))


def test_rename_collision_fails_like_java() -> None:
    xform = configure(ReplaceFieldValue, {"renames": "abc:foo"})
    with pytest.raises(DataException, match="Cannot create field because of field name duplication foo"):
        xform.apply(part(False, SCHEMA, value()))


@pytest.mark.parametrize(
    ("renames", "message"),
    [
        ("abc", "Invalid value [abc] for configuration renames: Invalid rename mapping: abc"),
        (
            "abc:xyz:z",
            "Invalid value [abc:xyz:z] for configuration renames: Invalid rename mapping: abc:xyz:z",
        ),
        ("a:b,c", "Invalid value [a:b, c] for configuration renames: Invalid rename mapping: c"),
    ],
)
def test_invalid_renames(renames: str, message: str) -> None:
    with pytest.raises(ConfigException) as e:
        configure(ReplaceFieldValue, {"renames": renames})
    assert str(e.value) == message


def test_config_def() -> None:
    keys = ReplaceFieldValue().config().config_keys()
    assert list(keys) == ["exclude", "include", "renames", "replace.null.with.default"]
    assert keys["exclude"].default_value == [] and keys["replace.null.with.default"].default_value is True

"""SetSchemaMetadata$Key / $Value and ValueToKey."""

from __future__ import annotations

from typing import Any

import pytest

from connectrt.api.data import DataException, Schema, SchemaBuilder, Struct
from connectrt.config.configdef import ConfigException
from connectrt.transforms.set_schema_metadata import SetSchemaMetadataKey, SetSchemaMetadataValue
from connectrt.transforms.value_to_key import ValueToKey

from .helpers import configure, operating, part, sink, source

pytestmark = pytest.mark.unit

SSM = [(SetSchemaMetadataKey, True), (SetSchemaMetadataValue, False)]
ORIG = (
    SchemaBuilder.struct()
    .name("my.orig.SchemaDefn")
    .doc("d")
    .field("f1", Schema.STRING_SCHEMA)
    .field("f2", Schema.INT32_SCHEMA)
    .build()
)


@pytest.mark.parametrize(("cls", "is_key"), SSM)
@pytest.mark.parametrize(
    ("configs", "name", "version"),
    [
        ({"schema.name": "foo"}, "foo", None),
        ({"schema.version": 42}, "my.orig.SchemaDefn", 42),
        ({"schema.name": "foo", "schema.version": "42"}, "foo", 42),
    ],
)
def test_updates_name_and_version(
    cls: type, is_key: bool, configs: dict[str, Any], name: str, version: int | None
) -> None:
    xform = configure(cls, configs)
    schema, value = operating(
        xform.apply(part(is_key, ORIG, Struct(ORIG, {"f1": "value1", "f2": 1}))), is_key
    )
    assert (schema.name, schema.version, schema.doc) == (name, version, "d")
    assert schema.fields == ORIG.fields
    assert value.schema is schema
    assert value == Struct(schema, {"f1": "value1", "f2": 1})
    # a record with a schema but no value still gets the new schema
    schema2, value2 = operating(xform.apply(part(is_key, ORIG, None)), is_key)
    assert (schema2, value2) == (schema, None)


@pytest.mark.parametrize(("cls", "is_key"), SSM)
def test_non_struct_schemas(cls: type, is_key: bool) -> None:
    xform = configure(cls, {"schema.name": "n", "schema.version": "2"})
    array = SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build()
    schema, value = operating(xform.apply(part(is_key, array, ["a"])), is_key)
    assert schema == SchemaBuilder.array(Schema.STRING_SCHEMA).optional().name("n").version(2).build()
    assert value == ["a"]
    mapping = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build()
    schema, _ = operating(xform.apply(part(is_key, mapping, {"a": 1})), is_key)
    assert (schema.key_schema, schema.value_schema, schema.name) == (
        Schema.STRING_SCHEMA,
        Schema.INT32_SCHEMA,
        "n",
    )
    schema, value = operating(xform.apply(part(is_key, Schema.INT32_SCHEMA, 5)), is_key)
    assert (schema, value) == (SchemaBuilder.int32().name("n").version(2).build(), 5)


@pytest.mark.parametrize(("cls", "is_key"), SSM)
@pytest.mark.parametrize(("replace_null_with_default", "expected"), [(False, None), (True, "default")])
def test_null_field_with_default(
    cls: type, is_key: bool, replace_null_with_default: bool, expected: Any
) -> None:
    schema = (
        SchemaBuilder.struct()
        .name("my.orig.SchemaDefn")
        .field("f1", SchemaBuilder.string().default_value("default").optional().build())
        .field("f2", Schema.INT32_SCHEMA)
        .build()
    )
    xform = configure(
        cls,
        {
            "schema.name": "foo",
            "schema.version": "42",
            "replace.null.with.default": replace_null_with_default,
        },
    )
    _, value = operating(xform.apply(part(is_key, schema, Struct(schema, {"f2": 1}))), is_key)
    assert value.get_without_default("f1") == expected


@pytest.mark.parametrize(("cls", "is_key"), SSM)
def test_schemaless(cls: type, is_key: bool) -> None:
    xform = configure(cls, {"schema.name": "foo"})
    record = part(is_key, None, None)
    assert xform.apply(record) is record
    with pytest.raises(DataException, match=r"^Schema required for \[updating schema metadata\]$"):
        xform.apply(part(is_key, None, 42))


def test_update_schema_in() -> None:
    xform = configure(SetSchemaMetadataValue, {"schema.name": "x"})
    value = Struct(ORIG, {"f1": "value1", "f2": 1})
    renamed = (
        SchemaBuilder.struct()
        .name("my.updated")
        .field("f1", Schema.STRING_SCHEMA)
        .field("f2", Schema.INT32_SCHEMA)
        .build()
    )
    updated = xform.update_schema_in(value, renamed)
    assert updated.schema is renamed and updated == Struct(renamed, {"f1": "value1", "f2": 1})
    assert xform.update_schema_in(1, Schema.INT32_SCHEMA) == 1
    assert xform.update_schema_in(None, Schema.INT32_SCHEMA) is None


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        ({}, "Neither schema name nor version configured"),
        (
            {"schema.version": "x"},
            "Invalid value x for configuration schema.version: Not a number of type INT",
        ),
    ],
)
def test_set_schema_metadata_invalid(configs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigException) as e:
        configure(SetSchemaMetadataValue, configs)
    assert str(e.value) == message


VALUE_SCHEMA = (
    SchemaBuilder.struct()
    .field("a", Schema.INT32_SCHEMA)
    .field("b", Schema.INT32_SCHEMA)
    .field("c", SchemaBuilder.int32().optional().default_value(7).build())
    .build()
)


def test_value_to_key_schemaless() -> None:
    xform = configure(ValueToKey, {"fields": "a,b"})
    record = sink(key="old", value={"a": 1, "b": 2, "c": 3})
    updated = xform.apply(record)
    assert (updated.key_schema, updated.key) == (None, {"a": 1, "b": 2})
    assert updated.value == {"a": 1, "b": 2, "c": 3}
    assert configure(ValueToKey, {"fields": "a,missing"}).apply(record).key == {"a": 1, "missing": None}


def test_value_to_key_with_schema() -> None:
    xform = configure(ValueToKey, {"fields": "a,b"})
    value = Struct(VALUE_SCHEMA, {"a": 1, "b": 2, "c": 3})
    updated = xform.apply(source(value=value, value_schema=VALUE_SCHEMA, key="old"))
    expected = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).field("b", Schema.INT32_SCHEMA).build()
    assert updated.key_schema == expected
    assert updated.key == Struct(expected, {"a": 1, "b": 2})
    assert (updated.value_schema, updated.value) == (VALUE_SCHEMA, value)
    assert xform.apply(source(value=value, value_schema=VALUE_SCHEMA)).key_schema is updated.key_schema


@pytest.mark.parametrize(("replace_null_with_default", "expected"), [(False, None), (True, 7)])
def test_value_to_key_default(replace_null_with_default: bool, expected: Any) -> None:
    xform = configure(ValueToKey, {"fields": "c", "replace.null.with.default": replace_null_with_default})
    updated = xform.apply(sink(value=Struct(VALUE_SCHEMA, {"a": 1, "b": 2}), value_schema=VALUE_SCHEMA))
    assert updated.key.get_without_default("c") == expected


def test_value_to_key_errors() -> None:
    xform = configure(ValueToKey, {"fields": "a,nope"})
    with pytest.raises(DataException, match="^Field does not exist: nope$"):
        xform.apply(sink(value=Struct(VALUE_SCHEMA, {"a": 1, "b": 2}), value_schema=VALUE_SCHEMA))
    with pytest.raises(
        DataException,
        match=r"^Only Map objects supported in absence of schema for \[copying fields from value to key\], found: null$",
    ):
        xform.apply(sink(value=None))
    with pytest.raises(
        DataException, match=r"^Only Struct objects supported for \[copying fields from value to key\]"
    ):
        xform.apply(sink(value=None, value_schema=VALUE_SCHEMA))
    # Java 4.2's ValidList.anyNonDuplicateValues(false, false)
    with pytest.raises(
        ConfigException, match="^Configuration 'fields' must not be empty. Valid values include: any"
    ):
        configure(ValueToKey, {"fields": ""})
    with pytest.raises(ConfigException, match="^Configuration 'fields' values must not be null.$"):
        configure(ValueToKey, {"fields": None})
    with pytest.raises(ConfigException, match='Missing required configuration "fields"'):
        configure(ValueToKey, {})

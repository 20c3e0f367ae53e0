"""MaskField$Key / $Value."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest

from connectrt.api.data import (
    EPOCH,
    EPOCH_DATE,
    DataException,
    Date,
    Decimal,
    Schema,
    SchemaBuilder,
    Struct,
    Time,
    Timestamp,
)
from connectrt.config.configdef import ConfigException
from connectrt.transforms.mask_field import MaskFieldKey, MaskFieldValue

from .helpers import configure, operating, part

pytestmark = pytest.mark.unit

VARIANTS = [(MaskFieldKey, True), (MaskFieldValue, False)]

SCHEMA = (
    SchemaBuilder.struct()
    .field("magic", Schema.INT32_SCHEMA)
    .field("bool", Schema.BOOLEAN_SCHEMA)
    .field("byte", Schema.INT8_SCHEMA)
    .field("short", Schema.INT16_SCHEMA)
    .field("int", Schema.INT32_SCHEMA)
    .field("long", Schema.INT64_SCHEMA)
    .field("float", Schema.FLOAT32_SCHEMA)
    .field("double", Schema.FLOAT64_SCHEMA)
    .field("string", Schema.STRING_SCHEMA)
    .field("date", Date.SCHEMA)
    .field("time", Time.SCHEMA)
    .field("timestamp", Timestamp.SCHEMA)
    .field("decimal", Decimal.schema(0))
    .field("array", SchemaBuilder.array(Schema.INT32_SCHEMA).build())
    .field("map", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build())
    .field("withDefault", SchemaBuilder.string().optional().default_value("default").build())
    .build()
)


def with_schema() -> Struct:
    return Struct(
        SCHEMA,
        {
            "magic": 42,
            "bool": True,
            "byte": 42,
            "short": 42,
            "int": 42,
            "long": 42,
            "float": 42.0,
            "double": 42.0,
            "string": "hmm",
            "date": dt.date(2024, 5, 6),
            "time": dt.time(7, 8, 9),
            "timestamp": dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC),
            "decimal": decimal.Decimal(42),
            "array": [1, 2, 3],
            "map": {"what": "what"},
            "withDefault": None,
        },
    )


def schemaless() -> dict[str, Any]:
    return {
        "magic": 42,
        "bool": True,
        "long": 42,
        "double": 42.0,
        "string": "55.121.20.20",
        "date": dt.datetime(2024, 5, 6, tzinfo=dt.UTC),
        "bigdec": decimal.Decimal("42.0"),
        "list": [42],
        "map": {"key": "value"},
        "bytes": b"x",
    }


def mask(cls: type, fields: list[str], replacement: str | None = None, **extra: Any) -> Any:
    configs: dict[str, Any] = {"fields": fields, "replace.null.with.default": False, **extra}
    if replacement is not None:
        configs["replacement"] = replacement
    return configure(cls, configs)


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_schemaless(cls: type, is_key: bool) -> None:
    fields = ["bool", "long", "double", "string", "date", "bigdec", "list", "map", "missing"]
    schema, updated = operating(mask(cls, fields).apply(part(is_key, None, schemaless())), is_key)
    assert schema is None
    assert updated == {
        "magic": 42,
        "bool": False,
        "long": 0,
        "double": 0.0,
        "string": "",
        "date": EPOCH,
        "bigdec": decimal.Decimal(0),
        "list": [],
        "map": {},
        "bytes": b"x",
        "missing": None,
    }


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_with_schema(cls: type, is_key: bool) -> None:
    fields = [f.name for f in SCHEMA.fields if f.name != "magic"]
    schema, updated = operating(mask(cls, fields).apply(part(is_key, SCHEMA, with_schema())), is_key)
    assert schema is SCHEMA
    assert dict(updated) == {
        "magic": 42,
        "bool": False,
        "byte": 0,
        "short": 0,
        "int": 0,
        "long": 0,
        "float": 0.0,
        "double": 0.0,
        "string": "",
        "date": EPOCH_DATE,
        "time": dt.time(0),
        "timestamp": EPOCH,
        "decimal": decimal.Decimal(0),
        "array": [],
        "map": {},
        "withDefault": None,
    }
    updated.validate()


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_null_list_and_map_replacements_are_fresh(cls: type, is_key: bool) -> None:
    xform = mask(cls, ["array", "map"])
    _, first = operating(xform.apply(part(is_key, SCHEMA, with_schema())), is_key)
    first["array"].append(0)
    _, second = operating(xform.apply(part(is_key, SCHEMA, with_schema())), is_key)
    assert second["array"] == []


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
@pytest.mark.parametrize(
    ("field", "replacement", "expected"),
    [
        ("short", "123", 123),
        ("byte", "123", 123),
        ("byte", "300", 44),  # Java's narrowing cast
        ("int", "123", 123),
        ("long", "123", 123),
        ("long", "12.9", 12),
        ("float", "123.0", 123.0),
        ("double", "123.5", 123.5),
        ("string", "123", "123"),
        ("decimal", "123.0", decimal.Decimal("123.0")),
    ],
)
def test_with_schema_and_replacement(
    cls: type, is_key: bool, field: str, replacement: str, expected: Any
) -> None:
    _, updated = operating(mask(cls, [field], replacement).apply(part(is_key, SCHEMA, with_schema())), is_key)
    assert updated[field] == expected
    assert type(updated[field]) is type(expected)


@pytest.mark.parametrize(
    ("field", "replacement", "expected"),
    [
        ("long", "123", 123),
        ("double", "123.0", 123.0),
        ("string", "123", "123"),
        ("bigdec", "123.0", decimal.Decimal("123.0")),
    ],
)
def test_schemaless_with_replacement(field: str, replacement: str, expected: Any) -> None:
    _, updated = operating(
        mask(MaskFieldValue, [field], replacement).apply(part(False, None, schemaless())), False
    )
    assert updated[field] == expected


@pytest.mark.parametrize(
    ("schema", "field", "message"),
    [
        (None, "date", "Cannot mask value of type class java.util.Date with custom replacement."),
        (None, "bool", "Cannot mask value of type class java.lang.Boolean with custom replacement."),
        (None, "list", "Cannot mask value of type class java.util.ArrayList with custom replacement."),
        (None, "map", "Cannot mask value of type class java.util.LinkedHashMap with custom replacement."),
        (SCHEMA, "time", "Cannot mask value of type class java.util.Date with custom replacement."),
        (SCHEMA, "array", "Cannot mask value of type class java.util.ArrayList with custom replacement."),
    ],
)
def test_unsupported_replacement_types(schema: Schema | None, field: str, message: str) -> None:
    value = with_schema() if schema is not None else schemaless()
    with pytest.raises(DataException) as e:
        mask(MaskFieldValue, [field], "123").apply(part(False, schema, value))
    assert str(e.value) == message


@pytest.mark.parametrize("field", ["long", "double", "bigdec"])
def test_replacement_type_mismatch(field: str) -> None:
    with pytest.raises(DataException, match="Unable to convert foo"):
        mask(MaskFieldValue, [field], "foo").apply(part(False, None, schemaless()))


def test_unmaskable_values() -> None:
    with pytest.raises(DataException, match=r"^Cannot mask value of type: class \[B$"):
        mask(MaskFieldValue, ["bytes"]).apply(part(False, None, schemaless()))
    nested = (
        SchemaBuilder.struct()
        .field("s", SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build())
        .build()
    )
    value = Struct(nested, {"s": Struct(nested.field("s").schema, {"a": 1})})  # type: ignore[union-attr]
    with pytest.raises(
        DataException, match="^Cannot mask value of type: class org.apache.kafka.connect.data.Struct$"
    ):
        mask(MaskFieldValue, ["s"]).apply(part(False, nested, value))


@pytest.mark.parametrize(("replace_null_with_default", "expected"), [(False, None), (True, "")])
def test_replace_null_with_default(replace_null_with_default: bool, expected: Any) -> None:
    xform = mask(MaskFieldValue, ["withDefault"], **{"replace.null.with.default": replace_null_with_default})
    _, updated = operating(xform.apply(part(False, SCHEMA, with_schema())), False)
    assert updated.get_without_default("withDefault") == expected


def test_tombstones_fail_like_java() -> None:
    xform = mask(MaskFieldValue, ["a"])
    with pytest.raises(DataException, match=r"\[mask fields\], found: null"):
        xform.apply(part(False, None, None))


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        (
            {"fields": ""},
            "Configuration 'fields' must not be empty. Valid values include: any non-empty value",
        ),
        ({}, 'Missing required configuration "fields" which has no default value.'),
        (
            {"fields": "a", "replacement": ""},
            "Invalid value  for configuration replacement: String must be non-empty",
        ),
    ],
)
def test_invalid_configs(configs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigException) as e:
        configure(MaskFieldValue, configs)
    assert str(e.value) == message

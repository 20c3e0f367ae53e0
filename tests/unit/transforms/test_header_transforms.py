"""DropHeaders, HeaderFrom$Key / $Value and InsertHeader."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from connectrt.api.data import DataException, Schema, SchemaBuilder, Struct, Timestamp
from connectrt.api.records import Header
from connectrt.config.configdef import ConfigException
from connectrt.transforms.drop_headers import DropHeaders
from connectrt.transforms.header_from import HeaderFromKey, HeaderFromValue
from connectrt.transforms.insert_header import InsertHeader

from .helpers import configure, headers, operating, part, source

pytestmark = pytest.mark.unit

S = Schema.STRING_SCHEMA


def test_drop_headers() -> None:
    xform = configure(DropHeaders, {"headers": "dropped, other-dropped"})
    record = source(
        value="v",
        key="k",
        headers=headers(("dropped", 1), ("kept", 2), ("other-dropped", 3), ("dropped", 4), ("kept", 5)),
    )
    updated = xform.apply(record)
    assert [(h.key, h.value) for h in updated.headers] == [("kept", 2), ("kept", 5)]
    assert (updated.key, updated.value, updated.topic) == ("k", "v", "test")
    assert len(record.headers) == 5
    assert list(configure(DropHeaders, {"headers": "x"}).apply(source()).headers) == []


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        ({}, 'Missing required configuration "headers" which has no default value.'),
        # Java 4.2's ValidList.anyNonDuplicateValues(false, false)
        (
            {"headers": ""},
            "Configuration 'headers' must not be empty. Valid values include: any non-empty value",
        ),
        ({"headers": "a,a"}, "Configuration 'headers' values must not be duplicated."),
    ],
)
def test_drop_headers_invalid(configs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigException) as e:
        configure(DropHeaders, configs)
    assert str(e.value) == message


HF = [(HeaderFromKey, True), (HeaderFromValue, False)]
TWO = SchemaBuilder.struct().field("field1", S).field("field2", S).build()


def _headers(record: Any) -> list[tuple[str, Any, Schema | None]]:
    return [(h.key, h.value, h.schema) for h in record.headers]


@pytest.mark.parametrize(("cls", "is_key"), HF)
@pytest.mark.parametrize("operation", ["copy", "move"])
def test_header_from_with_schema(cls: type, is_key: bool, operation: str) -> None:
    xform = configure(cls, {"fields": "field1", "headers": "inserted1", "operation": operation})
    record = part(
        is_key,
        TWO,
        Struct(TWO, {"field1": "field1-value", "field2": "field2-value"}),
        headers=[Header("inserted1", "existing-value", S)],
    )
    updated = xform.apply(record)
    schema, value = operating(updated, is_key)
    if operation == "copy":
        assert schema is TWO and value == Struct(TWO, {"field1": "field1-value", "field2": "field2-value"})
    else:
        moved = SchemaBuilder.struct().field("field2", S).build()
        assert schema == moved and value == Struct(moved, {"field2": "field2-value"})
    assert _headers(updated) == [("inserted1", "existing-value", S), ("inserted1", "field1-value", S)]
    assert len(record.headers) == 1


@pytest.mark.parametrize(("cls", "is_key"), HF)
@pytest.mark.parametrize("operation", ["copy", "move"])
def test_header_from_schemaless(cls: type, is_key: bool, operation: str) -> None:
    xform = configure(cls, {"fields": "field1,missing", "headers": "h1,h2", "operation": operation})
    updated = xform.apply(part(is_key, None, {"field1": "v1", "field2": "v2"}))
    _, value = operating(updated, is_key)
    assert value == ({"field1": "v1", "field2": "v2"} if operation == "copy" else {"field2": "v2"})
    assert _headers(updated) == [("h1", "v1", None), ("h2", None, None)]


@pytest.mark.parametrize(("cls", "is_key"), HF)
def test_header_from_types_and_defaults(cls: type, is_key: bool) -> None:
    ts = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    schema = (
        SchemaBuilder.struct()
        .field("ts", Timestamp.SCHEMA)
        .field("opt", SchemaBuilder.int32().optional().default_value(7).build())
        .build()
    )
    value = Struct(schema, {"ts": ts})
    for replace, expected in (("true", 7), ("false", None)):
        xform = configure(
            cls,
            {"fields": "ts,opt", "headers": "t,o", "operation": "move", "replace.null.with.default": replace},
        )
        updated = xform.apply(part(is_key, schema, value))
        assert _headers(updated) == [("t", ts, Timestamp.SCHEMA), ("o", expected, schema.field("opt").schema)]  # type: ignore[union-attr]
        assert operating(updated, is_key)[1] == Struct(SchemaBuilder.struct().build(), {})


@pytest.mark.parametrize(("cls", "is_key"), HF)
def test_header_from_errors(cls: type, is_key: bool) -> None:
    xform = configure(cls, {"fields": "nope", "headers": "h", "operation": "copy"})
    with pytest.raises(DataException, match="^Field does not exist: nope$"):
        xform.apply(part(is_key, TWO, Struct(TWO, {"field1": "a", "field2": "b"})))
    with pytest.raises(
        DataException,
        match=r"^Only Map objects supported in absence of schema for \[header copy\], found: null$",
    ):
        xform.apply(part(is_key, None, None))
    with pytest.raises(DataException, match=r"^Only Struct objects supported for \[header copy\]"):
        xform.apply(part(is_key, TWO, None))


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        (
            {"fields": "a,b", "headers": "h", "operation": "copy"},
            "'fields' config must have the same number of elements as 'headers' config.",
        ),
        (
            {"fields": "a", "headers": "h", "operation": "teleport"},
            "Invalid value teleport for configuration operation: String must be one of: move, copy",
        ),
        (
            {"fields": "", "headers": "h", "operation": "copy"},
            "Invalid value [] for configuration fields: Empty list",
        ),
        (
            {"fields": "a", "headers": "", "operation": "copy"},
            "Invalid value [] for configuration headers: Empty list",
        ),
        (
            {"fields": "a", "headers": "h"},
            'Missing required configuration "operation" which has no default value.',
        ),
    ],
)
def test_header_from_invalid(configs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigException) as e:
        configure(HeaderFromValue, configs)
    assert str(e.value) == message


@pytest.mark.parametrize(
    ("literal", "schema", "value"),
    [
        ("inserted-value", Schema.STRING_SCHEMA, "inserted-value"),
        ("1", Schema.INT8_SCHEMA, 1),
        ("300", Schema.INT16_SCHEMA, 300),
        ("true", Schema.BOOLEAN_SCHEMA, True),
        ("null", None, None),
    ],
)
def test_insert_header(literal: str, schema: Schema | None, value: Any) -> None:
    xform = configure(InsertHeader, {"header": "inserted", "value.literal": literal})
    record = source(key="key", value="value", headers=headers(("existing", "existing-value")))
    updated = xform.apply(record)
    assert _headers(updated) == [("existing", "existing-value", None), ("inserted", value, schema)]
    assert (updated.key, updated.value, updated.topic, updated.source_offset) == (
        "key",
        "value",
        "test",
        {"offset": 1},
    )
    assert len(record.headers) == 1


def test_insert_header_same_name_appends() -> None:
    xform = configure(InsertHeader, {"header": "existing", "value.literal": "inserted-value"})
    updated = xform.apply(source(headers=headers(("existing", "preexisting-value"))))
    assert [h.value for h in updated.headers] == ["preexisting-value", "inserted-value"]


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        (
            {"header": None, "value.literal": "1"},
            "Invalid value null for configuration header: entry must be non null",
        ),
        (
            {"header": "h", "value.literal": None},
            "Invalid value null for configuration value.literal: entry must be non null",
        ),
        ({"header": "h"}, 'Missing required configuration "value.literal" which has no default value.'),
    ],
)
def test_insert_header_invalid(configs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigException) as e:
        configure(InsertHeader, configs)
    assert str(e.value) == message

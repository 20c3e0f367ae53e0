"""InsertField$Key / $Value."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from connectrt.api.data import DataException, Schema, SchemaBuilder, Struct, Timestamp
from connectrt.config.configdef import ConfigException
from connectrt.transforms.insert_field import InsertFieldKey, InsertFieldValue

from .helpers import configure, operating, part, source

pytestmark = pytest.mark.unit

VARIANTS = [(InsertFieldKey, True), (InsertFieldValue, False)]
ALL_FIELDS = {
    "topic.field": "topic_field!",
    "partition.field": "partition_field",
    "timestamp.field": "timestamp_field?",
    "static.field": "instance_id",
    "static.value": "my-instance-id",
}
SIMPLE = (
    SchemaBuilder.struct()
    .name("name")
    .version(1)
    .doc("doc")
    .field("magic", Schema.OPTIONAL_INT64_SCHEMA)
    .build()
)


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_with_schema(cls: type, is_key: bool) -> None:
    xform = configure(cls, ALL_FIELDS)
    record = part(is_key, SIMPLE, Struct(SIMPLE, {"magic": 42}), timestamp=789)
    schema, updated = operating(xform.apply(record), is_key)
    expected_schema = (
        SchemaBuilder.struct()
        .name("name")
        .version(1)
        .doc("doc")
        .field("magic", Schema.OPTIONAL_INT64_SCHEMA)
        .field("topic_field", Schema.STRING_SCHEMA)
        .field("partition_field", Schema.OPTIONAL_INT32_SCHEMA)
        .field("timestamp_field", Timestamp.builder().optional().build())
        .field("instance_id", Schema.OPTIONAL_STRING_SCHEMA)
        .build()
    )
    assert schema == expected_schema
    assert updated == Struct(
        expected_schema,
        {
            "magic": 42,
            "topic_field": "test",
            "partition_field": 0,
            "timestamp_field": dt.datetime(1970, 1, 1, 0, 0, 0, 789000, tzinfo=dt.UTC),
            "instance_id": "my-instance-id",
        },
    )
    updated.validate()
    # the schema is built once per input schema
    schema2, updated2 = operating(xform.apply(part(is_key, SIMPLE, Struct(SIMPLE), timestamp=None)), is_key)
    assert schema2 is schema
    assert updated2["timestamp_field"] is None and updated2["magic"] is None


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_schemaless(cls: type, is_key: bool) -> None:
    xform = configure(cls, ALL_FIELDS)
    _, updated = operating(xform.apply(part(is_key, None, {"magic": 42}, timestamp=123)), is_key)
    assert updated == {
        "magic": 42,
        "topic_field": "test",
        "partition_field": 0,
        "timestamp_field": 123,
        "instance_id": "my-instance-id",
    }
    _, without_timestamp = operating(xform.apply(part(is_key, None, {"magic": 42})), is_key)
    assert "timestamp_field" not in without_timestamp


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
@pytest.mark.parametrize("schema", [None, SIMPLE])
def test_null_leaves_record_unchanged(cls: type, is_key: bool, schema: Schema | None) -> None:
    record = part(is_key, schema, None)
    assert configure(cls, ALL_FIELDS).apply(record) is record


def test_key_fields_into_a_tombstone() -> None:
    record = source(key={"magic": 42}, value=None)
    updated = configure(InsertFieldKey, ALL_FIELDS).apply(record)
    assert updated.key == {
        "magic": 42,
        "topic_field": "test",
        "partition_field": 0,
        "instance_id": "my-instance-id",
    }
    assert updated.value is None


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_offset_needs_a_sink_record(cls: type, is_key: bool) -> None:
    xform = configure(cls, {"offset.field": "offset!"})
    _, updated = operating(xform.apply(part(is_key, None, {"a": 1}, offset=77)), is_key)
    assert updated == {"a": 1, "offset": 77}
    _, struct = operating(xform.apply(part(is_key, SIMPLE, Struct(SIMPLE, {"magic": 1}), offset=77)), is_key)
    assert struct.schema.field("offset").schema == Schema.INT64_SCHEMA
    assert struct["offset"] == 77
    record = source(value={"a": 1}, key={"a": 1})
    with pytest.raises(
        DataException,
        match=r"^Only SinkRecord supported for \[field insertion\], found: org.apache.kafka.connect.source.SourceRecord$",
    ):
        xform.apply(record)


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
def test_requires_map_or_struct(cls: type, is_key: bool) -> None:
    xform = configure(cls, {"topic.field": "topic_field"})
    with pytest.raises(DataException, match=r"^Only Struct objects supported for \[field insertion\]"):
        xform.apply(part(is_key, Schema.INT32_SCHEMA, 42))
    with pytest.raises(
        DataException, match=r"^Only Map objects supported in absence of schema for \[field insertion\]"
    ):
        xform.apply(part(is_key, None, 42))


@pytest.mark.parametrize(("cls", "is_key"), VARIANTS)
@pytest.mark.parametrize(("replace_null_with_default", "expected"), [(False, None), (True, 42)])
def test_unset_optional_field(
    cls: type, is_key: bool, replace_null_with_default: bool, expected: Any
) -> None:
    xform = configure(cls, {**ALL_FIELDS, "replace.null.with.default": replace_null_with_default})
    magic = SchemaBuilder.int64().optional().default_value(42).build()
    schema = SchemaBuilder.struct().name("name").field("magic_with_default", magic).build()
    out_schema, updated = operating(xform.apply(part(is_key, schema, Struct(schema), timestamp=789)), is_key)
    assert out_schema.field("magic_with_default").schema == magic
    assert updated.get_without_default("magic_with_default") == expected


def test_existing_field_name_collides_like_java() -> None:
    xform = configure(InsertFieldValue, {"topic.field": "magic"})
    with pytest.raises(DataException, match="field name duplication magic"):
        xform.apply(part(False, SIMPLE, Struct(SIMPLE)))
    _, updated = operating(xform.apply(part(False, None, {"magic": 1})), False)
    assert updated == {"magic": "test"}


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        ({}, "No field insertion configured"),
        ({"replace.null.with.default": "false"}, "No field insertion configured"),
        (
            {"static.field": "instance_id"},
            "Invalid value null for configuration static.value: No value specified for static field: instance_id",
        ),
        (
            {"topic.field": "t", "replace.null.with.default": "maybe"},
            "Expected value to be either true or false",
        ),
    ],
)
def test_invalid_configs(configs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigException) as e:
        configure(InsertFieldValue, configs)
    assert message in str(e.value)


def test_config_def() -> None:
    keys = InsertFieldValue().config().config_keys()
    assert list(keys) == [
        "topic.field",
        "partition.field",
        "offset.field",
        "timestamp.field",
        "static.field",
        "static.value",
        "replace.null.with.default",
    ]
    assert all(keys[k].default_value is None for k in list(keys)[:-1])
    assert "Suffix with <code>!</code> to make this a required field" in keys["topic.field"].documentation


def test_schemaful_timestamps_convert_exactly_across_seconds() -> None:
    """The converted timestamp is EPOCH + timedelta(milliseconds=t) for every t, whatever the last one was."""
    xform = configure(InsertFieldValue, {"timestamp.field": "ts"})
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    stamps: list[Any] = [0, 1, 999, 1000, 1001, 999, -1, -999, -1000, -1001, 1_700_000_000_123,
                         1_700_000_000_999, 1_700_000_001_000, 1_700_000_000_123, 253_402_300_799_999, 5, 2.5]  # fmt: skip
    for millis in stamps:
        out = xform.apply(source(Struct(SIMPLE, {"magic": 1}), SIMPLE, timestamp=millis))
        assert out.value["ts"] == epoch + dt.timedelta(milliseconds=millis), millis

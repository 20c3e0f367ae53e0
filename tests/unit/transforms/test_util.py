"""The shared helpers: requirements, schema copies, Java's split; every transform copies through new_record."""

from __future__ import annotations

from typing import Any

import pytest

from connectrt.api.data import DataException, Schema, SchemaBuilder, SchemaType, Struct
from connectrt.api.plugin import Transformation
from connectrt.api.records import Header, SinkRecord, SourceRecord, TimestampType
from connectrt.transforms import (
    DropHeaders,
    ExtractFieldKey,
    HoistFieldValue,
    InsertHeader,
    TimestampRouter,
    ValueToKey,
)
from connectrt.transforms.util import (
    SchemaCache,
    copy_schema_basics,
    java_split,
    make_struct,
    require_map,
    require_schema,
    require_sink_record,
    require_struct,
    schema_type_of,
)

pytestmark = pytest.mark.unit


SOURCE = SourceRecord(
    {"p": 1}, {"o": 2}, "topic", 3, Schema.STRING_SCHEMA, "k", Schema.INT32_SCHEMA, 5, 99, [Header("h", "v")]
)
SINK = SinkRecord(
    "topic",
    3,
    Schema.STRING_SCHEMA,
    "k",
    Schema.INT32_SCHEMA,
    5,
    42,
    99,
    TimestampType.CREATE_TIME,
    [Header("h", "v")],
    original_topic="orig",
    original_kafka_partition=7,
    original_kafka_offset=41,
)


class CustomRecord(SourceRecord):
    __slots__ = ("extra",)

    def new_record(self, *args: Any, **kwargs: Any) -> CustomRecord:
        out = CustomRecord(None, None, "custom")
        out.extra = "made by new_record"
        return out


# One transform per kind of copy: the key, the value, the topic, the headers, several fields at once.
COPYING = [
    (ExtractFieldKey, {"field": "a"}, {"key": {"a": 1}}),
    (HoistFieldValue, {"field": "f"}, {"value": 1}),
    (TimestampRouter, {}, {"timestamp": 0}),
    (InsertHeader, {"header": "h", "value.literal": "v"}, {}),
    (DropHeaders, {"headers": "h"}, {}),
    (ValueToKey, {"fields": "a"}, {"value": {"a": 1}}),
]


@pytest.mark.parametrize(("cls", "config", "fields"), COPYING, ids=[c.__name__ for c, _, _ in COPYING])
def test_transforms_copy_through_the_records_new_record(
    cls: type[Transformation[Any]], config: dict[str, Any], fields: dict[str, Any]
) -> None:
    xform = cls()
    xform.configure(config)
    record = CustomRecord(None, None, "custom", 0, None, fields.get("key"), None, fields.get("value"),
                          fields.get("timestamp"))  # fmt: skip
    out = xform.apply(record)
    assert type(out) is CustomRecord and out.extra == "made by new_record"
    for runtime_record in (SOURCE, SINK):  # the runtime's records: a new record of the same class
        plain = runtime_record.new_record(
            runtime_record.topic, runtime_record.kafka_partition, runtime_record.key_schema,
            fields.get("key", runtime_record.key), runtime_record.value_schema,
            fields.get("value", runtime_record.value), fields.get("timestamp", runtime_record.timestamp),
        )  # fmt: skip
        if "key" in fields or "value" in fields:
            plain.key_schema = plain.value_schema = None
        copied = xform.apply(plain)
        assert type(copied) is type(runtime_record) and copied is not plain
        assert copied.headers is not plain.headers  # duplicated or given anew, as Java's newRecord


def test_requirements_messages() -> None:
    schema = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build()
    with pytest.raises(DataException, match=r"^Schema required for \[p\]$"):
        require_schema(None, "p")
    with pytest.raises(
        DataException,
        match=r"^Only Map objects supported in absence of schema for \[p\], found: java.lang.String$",
    ):
        require_map("x", "p")
    with pytest.raises(DataException, match=r"found: org.apache.kafka.connect.data.Struct$"):
        require_map(Struct(schema, {"a": 1}), "p")
    with pytest.raises(DataException, match=r"^Only Struct objects supported for \[p\], found: null$"):
        require_struct(None, "p")
    with pytest.raises(
        DataException,
        match=r"^Only SinkRecord supported for \[p\], found: org.apache.kafka.connect.source.SourceRecord$",
    ):
        require_sink_record(SOURCE, "p")
    assert require_sink_record(SINK, "p") is SINK


def test_copy_schema_basics() -> None:
    source = (
        SchemaBuilder.array(Schema.STRING_SCHEMA)
        .name("n")
        .version(2)
        .doc("d")
        .parameter("k", "v")
        .optional()
        .build()
    )
    copy = copy_schema_basics(source).build()
    assert (
        copy
        == SchemaBuilder.array(Schema.STRING_SCHEMA).name("n").version(2).doc("d").parameter("k", "v").build()
    )
    struct = SchemaBuilder.struct().name("s").field("a", Schema.INT32_SCHEMA).optional().build()
    assert (
        copy_schema_basics(struct, SchemaBuilder.struct()).build() == SchemaBuilder.struct().name("s").build()
    )


def test_make_struct_and_schema_cache() -> None:
    schema = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).field("b", Schema.STRING_SCHEMA).build()
    struct = make_struct(schema, [("a", 1), ("b", "x")])
    assert struct == Struct(schema, {"a": 1, "b": "x"})
    assert list(struct) == ["a", "b"]
    cache: SchemaCache[Schema, Schema] = SchemaCache(max_size=2)
    schemas = [SchemaBuilder.int32().name(str(i)).build() for i in range(3)]
    for s in schemas:
        cache.put(s, s)
    assert list(cache) == schemas[1:]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", [""]),
        ("a", ["a"]),
        ("a:b", ["a", "b"]),
        ("a:", ["a"]),
        (":a", ["", "a"]),
        (":", []),
        ("a:b:c", ["a", "b", "c"]),
    ],
)
def test_java_split(text: str, parts: list[str]) -> None:
    assert java_split(text, ":") == parts


@pytest.mark.parametrize(
    ("value", "type_"),
    [
        (True, SchemaType.BOOLEAN),
        (1, SchemaType.INT64),
        (1.5, SchemaType.FLOAT64),
        ("s", SchemaType.STRING),
        (b"b", SchemaType.BYTES),
        ([1], SchemaType.ARRAY),
        ({"a": 1}, SchemaType.MAP),
        (object(), None),
    ],
)
def test_schema_type_of(value: Any, type_: SchemaType | None) -> None:
    assert schema_type_of(value) is type_

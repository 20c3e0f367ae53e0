"""The shared helpers: fast record copies, requirements, schema copies, Java's split."""

from __future__ import annotations

from typing import Any

import pytest

from connectrt.api.data import DataException, Schema, SchemaBuilder, SchemaType, Struct
from connectrt.api.records import Header, Headers, SinkRecord, SourceRecord, TimestampType
from connectrt.transforms.util import (
    SchemaCache,
    copy_schema_basics,
    java_split,
    make_struct,
    new_record,
    require_map,
    require_schema,
    require_sink_record,
    require_struct,
    schema_type_of,
    with_headers,
    with_key,
    with_topic,
    with_value,
)

pytestmark = pytest.mark.unit


def _slots(record: Any) -> dict[str, Any]:
    names = {name for cls in type(record).__mro__ for name in getattr(cls, "__slots__", ())}
    return {name: getattr(record, name) for name in names}


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


@pytest.mark.parametrize("record", [SOURCE, SINK], ids=["source", "sink"])
def test_fast_copies_equal_new_record(record: Any) -> None:
    copies = [
        with_key(record, Schema.INT64_SCHEMA, 1),
        with_value(record, None, {"a": 1}),
        with_topic(record, "t2"),
    ]
    expected = [
        record.new_record(
            record.topic,
            record.kafka_partition,
            Schema.INT64_SCHEMA,
            1,
            record.value_schema,
            record.value,
            99,
        ),
        record.new_record(
            record.topic, record.kafka_partition, record.key_schema, record.key, None, {"a": 1}, 99
        ),
        record.new_record(
            "t2", record.kafka_partition, record.key_schema, record.key, record.value_schema, 5, 99
        ),
    ]
    for copy, want in zip(copies, expected, strict=True):
        assert type(copy) is type(record)
        assert _slots(copy) == _slots(want)
        assert copy == want
        assert copy.headers is not record.headers  # duplicated, as Java's newRecord does
        copy.headers.add("new", 1)
        assert len(record.headers) == 1
    fresh = Headers([Header("x", 1)])
    assert with_headers(record, fresh).headers is fresh
    generic = new_record(record, "t3", None, None, None, None, None, None)
    assert _slots(generic) == _slots(record.new_record("t3", None, None, None, None, None, None))


def test_other_record_classes_use_their_own_new_record() -> None:
    record = CustomRecord(None, None, "custom")
    assert with_value(record, None, 1).extra == "made by new_record"
    assert with_key(record, None, 1).extra == "made by new_record"
    assert with_topic(record, "x").extra == "made by new_record"


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

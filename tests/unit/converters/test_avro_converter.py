"""AvroConverter without a network: the Confluent wire format stated literally, round trips of every Connect
type, subject strategies, caching, and the errors users see. The registry is an in-memory implementation of
our own ``SchemaRegistry`` interface (the real registry is exercised in tests/integration/test_avro_*.py).
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
from typing import Any

import fastavro
import pytest

from connectrt.api.connector import ConnectException, RetriableException
from connectrt.api.data import DataException, Date, Decimal, Schema, SchemaBuilder, Struct, Time, Timestamp
from connectrt.converters import PLUGINS, AvroConverter
from connectrt.converters.schema_registry.client import (
    RegisteredSchema,
    SchemaRegistryError,
    SchemaRegistryUnavailableError,
)

pytestmark = pytest.mark.unit

RECORD = "io.confluent.kafka.serializers.subject.RecordNameStrategy"
TOPIC_RECORD = "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"


class MemoryRegistry:
    """Our SchemaRegistry interface kept in memory: ids by schema text, versions per subject, call counts."""

    def __init__(self) -> None:
        self.schemas: dict[int, str] = {}
        self.subjects: dict[str, list[int]] = {}
        self.calls: list[tuple[str, Any]] = []
        self.refuse: SchemaRegistryError | None = None

    def _id(self, schema: str) -> int:
        for schema_id, text in self.schemas.items():
            if text == schema:
                return schema_id
        schema_id = len(self.schemas) + 1
        self.schemas[schema_id] = schema
        return schema_id

    def register(self, subject: str, schema: str) -> int:
        self.calls.append(("register", subject))
        if self.refuse is not None:
            raise self.refuse
        schema_id = self._id(schema)
        versions = self.subjects.setdefault(subject, [])
        if schema_id not in versions:
            versions.append(schema_id)
        return schema_id

    def lookup(self, subject: str, schema: str) -> RegisteredSchema:
        self.calls.append(("lookup", subject))
        for version, schema_id in enumerate(self.subjects.get(subject, []), 1):
            if self.schemas[schema_id] == schema:
                return RegisteredSchema(schema_id, schema, subject, version)
        raise SchemaRegistryError("Schema not found; error code: 40403", 404, 40403)

    def schema_by_id(self, schema_id: int) -> str:
        self.calls.append(("schema_by_id", schema_id))
        if self.refuse is not None:
            raise self.refuse
        if schema_id not in self.schemas:
            raise SchemaRegistryError(f"Schema {schema_id} not found.; error code: 40403", 404, 40403)
        return self.schemas[schema_id]

    def latest(self, subject: str) -> RegisteredSchema:
        self.calls.append(("latest", subject))
        versions = self.subjects.get(subject)
        if not versions:
            raise SchemaRegistryError(f"Subject '{subject}' not found.; error code: 40401", 404, 40401)
        return RegisteredSchema(versions[-1], self.schemas[versions[-1]], subject, len(versions))

    def close(self) -> None:
        pass


def converter(registry: MemoryRegistry | None = None, is_key: bool = False, **configs: Any) -> AvroConverter:
    conv = AvroConverter(registry or MemoryRegistry())
    conv.configure({"schema.registry.url": "http://registry.invalid:8081", **configs}, is_key)
    return conv


ORDER = (
    SchemaBuilder.struct().name("shop.Order")
    .field("id", Schema.INT32_SCHEMA)
    .field("note", Schema.OPTIONAL_STRING_SCHEMA)
    .build()
)  # fmt: skip


def test_registered_as_its_java_class_name() -> None:
    assert AvroConverter in PLUGINS
    assert AvroConverter.ALIASES == ("io.confluent.connect.avro.AvroConverter",)


def test_wire_format_and_registered_schema_literally() -> None:
    registry = MemoryRegistry()
    conv = converter(registry)
    data = conv.from_connect_data("orders", ORDER, Struct(ORDER).put("id", 1).put("note", "x"))
    # magic byte 0, schema id 1 (4 bytes big-endian), then Avro: zigzag 1, union branch 1, string "x"
    assert data == b"\x00\x00\x00\x00\x01" + b"\x02" + b"\x02\x02x"
    assert registry.subjects == {"orders-value": [1]}
    assert registry.schemas[1] == (
        '{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"int"},'
        '{"name":"note","type":["null","string"],"default":null}],"connect.name":"shop.Order"}'
    )
    schema, value = conv.to_connect_data("orders", data)
    assert (
        schema is not None and schema.name == "shop.Order" and schema.version == 1
    )  # the registry's version
    assert dict(value) == {"id": 1, "note": "x"}


def test_key_converter_uses_the_key_subject() -> None:
    registry = MemoryRegistry()
    converter(registry, is_key=True).from_connect_data("orders", Schema.STRING_SCHEMA, "k1")
    assert registry.subjects == {"orders-key": [1]}
    assert registry.schemas[1] == '"string"'


def test_every_connect_type_round_trips() -> None:
    conv = converter()
    everything = (
        SchemaBuilder.struct().name("all.Types").version(3).doc("every type")
        .field("i8", Schema.INT8_SCHEMA).field("i16", Schema.INT16_SCHEMA).field("i32", Schema.INT32_SCHEMA)
        .field("i64", Schema.INT64_SCHEMA).field("f32", Schema.FLOAT32_SCHEMA).field("f64", Schema.FLOAT64_SCHEMA)
        .field("flag", Schema.BOOLEAN_SCHEMA).field("text", Schema.STRING_SCHEMA).field("raw", Schema.BYTES_SCHEMA)
        .field("amount", Decimal.schema(2)).field("day", Date.SCHEMA).field("at", Time.SCHEMA)
        .field("ts", Timestamp.SCHEMA)
        .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
        .field("counts", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build())
        .field("by_id", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).build())
        .field("inner", SchemaBuilder.struct().name("all.Inner").field("x", Schema.INT32_SCHEMA).optional().build())
        .field("maybe", Schema.OPTIONAL_INT64_SCHEMA)
        .field("dflt", SchemaBuilder.string().default_value("d").build())
        .build()
    )  # fmt: skip
    inner = everything.field("inner").schema  # type: ignore[union-attr]
    value = (
        Struct(everything).put("i8", -8).put("i16", 1600).put("i32", -(2**31)).put("i64", 2**63 - 1)
        .put("f32", 1.5).put("f64", -2.25).put("flag", True).put("text", "héllo").put("raw", b"\x00\xff")
        .put("amount", decimal.Decimal("-12.34")).put("day", dt.date(2024, 2, 29))
        .put("at", dt.time(23, 59, 59, 999000)).put("ts", dt.datetime(2024, 1, 2, 3, 4, 5, 6000, tzinfo=dt.UTC))
        .put("tags", ["a", "b"]).put("counts", {"x": 1}).put("by_id", {1: "one", 2: None})
        .put("inner", Struct(inner).put("x", 7)).put("maybe", None).put("dflt", "set")
    )  # fmt: skip
    schema, back = conv.to_connect_data("t", conv.from_connect_data("t", everything, value))
    assert schema == everything
    assert back == value


@pytest.mark.parametrize(
    ("schema", "value", "payload"),
    [
        (Schema.INT32_SCHEMA, 42, b"\x54"),
        (Schema.INT64_SCHEMA, -1, b"\x01"),
        (Schema.BOOLEAN_SCHEMA, True, b"\x01"),
        (Schema.FLOAT64_SCHEMA, 1.0, b"\x00\x00\x00\x00\x00\x00\xf0\x3f"),
        (Schema.STRING_SCHEMA, "hi", b"\x04hi"),
        (
            Schema.BYTES_SCHEMA,
            b"\x01\x02",
            b"\x01\x02",
        ),  # a top-level bytes value goes raw, as Java writes it
        (Decimal.schema(2), decimal.Decimal("1.00"), b"\x64"),  # so does a top-level Decimal's unscaled value
        (Schema.OPTIONAL_STRING_SCHEMA, "o", b"\x02\x02o"),  # ["null","string"], branch 1
    ],
)
def test_primitive_values_literally(schema: Schema, value: Any, payload: bytes) -> None:
    conv = converter()
    data = conv.from_connect_data("p", schema, value)
    assert data == b"\x00\x00\x00\x00\x01" + payload
    back_schema, back = conv.to_connect_data("p", data)
    assert back == value
    assert back_schema is not None and back_schema.type == schema.type


def test_schemaless_values_use_the_anything_record() -> None:
    registry = MemoryRegistry()
    conv = converter(registry)
    data = conv.from_connect_data("s", None, {"a": [1, 2.5, "x", None, True]})
    assert registry.schemas[1].startswith(
        '{"type":"record","name":"Anything","namespace":"io.confluent.connect.avro"'
    )
    assert conv.to_connect_data("s", data) == (None, {"a": [1, 2.5, "x", None, True]})


def test_tombstones_stay_tombstones_and_register_nothing() -> None:
    registry = MemoryRegistry()
    conv = converter(registry)
    assert conv.from_connect_data("t", None, None) is None
    assert conv.from_connect_data("t", Schema.OPTIONAL_STRING_SCHEMA, None) is None
    assert conv.to_connect_data("t", None) == (None, None)
    assert registry.calls == []
    with pytest.raises(DataException, match="non-optional"):
        conv.from_connect_data("t", ORDER, None)


def test_the_registry_is_asked_once_per_schema() -> None:
    registry = MemoryRegistry()
    conv = converter(registry)
    records = [conv.from_connect_data("t", ORDER, Struct(ORDER).put("id", i)) for i in range(50)]
    other = converter(registry)
    for data in records:
        other.to_connect_data("t", data)
    assert registry.calls == [("register", "t-value"), ("schema_by_id", 1), ("lookup", "t-value")]


def test_record_name_strategies() -> None:
    registry = MemoryRegistry()
    converter(registry, **{"value.subject.name.strategy": RECORD}).from_connect_data(
        "t", ORDER, Struct(ORDER).put("id", 1)
    )
    converter(registry, **{"value.subject.name.strategy": TOPIC_RECORD}).from_connect_data(
        "t", ORDER, Struct(ORDER).put("id", 1)
    )
    converter(registry, True, **{"key.subject.name.strategy": TOPIC_RECORD}).from_connect_data(
        "t", ORDER, Struct(ORDER).put("id", 1)
    )
    assert list(registry.subjects) == ["shop.Order", "t-shop.Order"]


def test_record_name_strategy_refuses_values_that_are_not_records() -> None:
    conv = converter(**{"value.subject.name.strategy": RECORD})
    with pytest.raises(DataException) as err:
        conv.from_connect_data("t", Schema.STRING_SCHEMA, "x")
    assert str(err.value) == (
        "In configuration value.subject.name.strategy = io.confluent.kafka.serializers.subject.RecordNameStrategy, "
        "the message value must only be a record schema; use io.confluent.kafka.serializers.subject."
        "TopicNameStrategy for values that are not structs."
    )


def test_without_auto_registration_the_schema_must_be_registered() -> None:
    registry = MemoryRegistry()
    conv = converter(registry, **{"auto.register.schemas": "false"})
    with pytest.raises(
        DataException, match=r"not registered under subject 't-value'.*auto.register.schemas=true"
    ):
        conv.from_connect_data("t", ORDER, Struct(ORDER).put("id", 1))
    converter(registry).from_connect_data("t", ORDER, Struct(ORDER).put("id", 1))
    assert conv.from_connect_data("t", ORDER, Struct(ORDER).put("id", 2))[:5] == b"\x00\x00\x00\x00\x01"


def test_use_latest_version_writes_with_the_latest_schema() -> None:
    registry = MemoryRegistry()
    wider = (
        SchemaBuilder.struct().name("shop.Order")
        .field("id", Schema.INT32_SCHEMA)
        .field("note", Schema.OPTIONAL_STRING_SCHEMA)
        .field("extra", Schema.OPTIONAL_INT64_SCHEMA)
        .build()
    )  # fmt: skip
    converter(registry).from_connect_data("t", ORDER, Struct(ORDER).put("id", 1))
    converter(registry).from_connect_data("t", wider, Struct(wider).put("id", 1))
    conv = converter(registry, **{"auto.register.schemas": "false", "use.latest.version": "true"})
    data = conv.from_connect_data("t", ORDER, Struct(ORDER).put("id", 5).put("note", "n"))
    assert data[:5] == b"\x00\x00\x00\x00\x02"  # the latest schema's id; the missing field takes its default
    schema, value = converter(registry).to_connect_data("t", data)
    assert value == Struct(schema).put("id", 5).put("note", "n").put("extra", None)  # type: ignore[arg-type]


def test_use_latest_version_checks_compatibility_strictly() -> None:
    registry = MemoryRegistry()
    narrow = SchemaBuilder.struct().name("shop.Order").field("id", Schema.STRING_SCHEMA).build()
    converter(registry).from_connect_data("t", narrow, Struct(narrow).put("id", "x"))
    conv = converter(registry, **{"auto.register.schemas": "false", "use.latest.version": "true"})
    with pytest.raises(DataException, match="Set latest.compatibility.strict=false to disable this check"):
        conv.from_connect_data("t", ORDER, Struct(ORDER).put("id", 1))


def test_incompatible_schema_is_a_data_error_that_says_what_to_do() -> None:
    registry = MemoryRegistry()
    registry.refuse = SchemaRegistryError("Incompatible artifact: t-value [AVRO]; error code: 409", 409, 409)
    with pytest.raises(DataException) as err:
        converter(registry).from_connect_data("t", ORDER, Struct(ORDER).put("id", 1))
    message = str(err.value)
    assert message.startswith("Failed to serialize Avro data for topic t: the schema registry refused")
    assert "'t-value'" in message and "optional" in message


def test_too_many_schemas_for_one_subject() -> None:
    conv = converter(**{"max.schemas.per.subject": "2"})
    for n in range(2):
        schema = SchemaBuilder.struct().name("s.R").field(f"f{n}", Schema.OPTIONAL_INT32_SCHEMA).build()
        conv.from_connect_data("t", schema, Struct(schema))
    third = SchemaBuilder.struct().name("s.R").field("f9", Schema.OPTIONAL_INT32_SCHEMA).build()
    with pytest.raises(DataException, match="Too many schema objects created for t-value!"):
        conv.from_connect_data("t", third, Struct(third))


def test_bytes_not_in_the_wire_format() -> None:
    conv = converter()
    for data in (b"{}", b"\x00\x00", b"\x01\x00\x00\x00\x01\x02"):
        with pytest.raises(
            DataException, match="Failed to deserialize data for topic t to Avro: Unknown magic byte!"
        ):
            conv.to_connect_data("t", data)


def test_unknown_schema_id_names_the_id() -> None:
    with pytest.raises(DataException) as err:
        converter().to_connect_data("t", b"\x00\x00\x00\x30\x39\x02")
    assert "Error retrieving Avro value schema for id 12345" in str(err.value)


def test_bytes_that_do_not_match_their_schema() -> None:
    registry = MemoryRegistry()
    conv = converter(registry)
    data = conv.from_connect_data("t", ORDER, Struct(ORDER).put("id", 1).put("note", "long note"))
    with pytest.raises(DataException, match="do not match schema id 1"):
        conv.to_connect_data("t", data[:-3])


def test_unreachable_registry_and_timeouts() -> None:
    registry = MemoryRegistry()
    registry.refuse = SchemaRegistryUnavailableError(
        "The schema registry at http://127.0.0.1:1 cannot be reached: connection refused"
    )
    with pytest.raises(ConnectException) as err:
        converter(registry).from_connect_data("t", ORDER, Struct(ORDER).put("id", 1))
    assert not isinstance(err.value, (DataException, RetriableException))
    assert str(err.value) == (
        "Failed to serialize Avro data for topic t: The schema registry at http://127.0.0.1:1 cannot be reached: "
        "connection refused (after 3 retries); check schema.registry.url and that the registry is running"
    )
    registry.refuse = SchemaRegistryUnavailableError(
        "The schema registry at http://h:1 did not answer in time"
    )
    with pytest.raises(RetriableException):
        converter(registry).to_connect_data("t", b"\x00\x00\x00\x00\x01\x02")


def test_connect_version_in_the_schema_wins_over_the_registry_version() -> None:
    registry = MemoryRegistry()
    versioned = SchemaBuilder.struct().name("v.R").version(7).field("a", Schema.INT32_SCHEMA).build()
    conv = converter(registry)
    schema, _ = conv.to_connect_data(
        "t", conv.from_connect_data("t", versioned, Struct(versioned).put("a", 1))
    )
    assert schema is not None and schema.version == 7


def test_connect_meta_data_off_registers_plain_avro() -> None:
    registry = MemoryRegistry()
    conv = converter(registry, **{"connect.meta.data": "false"})
    conv.from_connect_data("t", ORDER, Struct(ORDER).put("id", 1))
    assert registry.schemas[1] == (
        '{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"int"},'
        '{"name":"note","type":["null","string"],"default":null}]}'
    )


@pytest.mark.parametrize(
    "text", ['{"type":"nope"}', "not json", '{"type":"record","name":"x"}', "[" * 5000 + "]" * 5000]
)
def test_a_registry_answering_a_broken_schema(text: str) -> None:
    registry = MemoryRegistry()
    registry.schemas[1] = text
    registry.subjects["t-value"] = [1]
    with pytest.raises(DataException, match="schema id 1 is not a valid Avro schema"):
        converter(registry).to_connect_data("t", b"\x00\x00\x00\x00\x01\x02")


def test_scrub_invalid_names_and_enhanced_enums_reach_the_registered_schema() -> None:
    registry = MemoryRegistry()
    odd = SchemaBuilder.struct().name("my-ns.rec-1").field("a-b", Schema.INT32_SCHEMA).build()
    conv = converter(registry, **{"scrub.invalid.names": "true"})
    data = conv.from_connect_data("t", odd, Struct(odd).put("a-b", 1))
    assert registry.schemas[1] == (
        '{"type":"record","name":"rec_1","namespace":"my_ns","fields":[{"name":"a_b","type":"int"}],'
        '"connect.name":"my-ns.rec-1"}'
    )
    assert dict(conv.to_connect_data("t", data).value) == {"a_b": 1}  # Avro's (scrubbed) names, as in Java

    enum_param = "io.confluent.connect.avro.Enum"
    color = (
        SchemaBuilder.string().name("Color").parameter(enum_param, "shop.Color")
        .parameter(f"{enum_param}.RED", "RED").parameter(f"{enum_param}.BLUE", "BLUE").build()
    )  # fmt: skip
    registry = MemoryRegistry()
    conv = converter(registry, **{"enhanced.avro.schema.support": "true"})
    data = conv.from_connect_data("t", color, "BLUE")
    assert data == b"\x00\x00\x00\x00\x01\x02"  # enum index 1
    assert registry.schemas[1].startswith(
        '{"type":"enum","name":"Color","namespace":"shop","symbols":["RED","BLUE"]'
    )
    assert conv.to_connect_data("t", data).value == "BLUE"


def test_a_union_of_two_records_is_read_by_member_name() -> None:
    text = (
        '{"type":"record","name":"Holder","namespace":"u","fields":[{"name":"pick","type":['
        '{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]},'
        '{"type":"record","name":"B","fields":[{"name":"x","type":"int"}]}]}]}'
    )
    registry = MemoryRegistry()
    registry.register("t-value", text)
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(json.loads(text)), {"pick": ("u.B", {"x": 7})})
    _, value = converter(registry).to_connect_data("t", b"\x00\x00\x00\x00\x01" + out.getvalue())
    pick = value["pick"]
    assert pick.schema.name == "io.confluent.connect.avro.Union"
    assert pick["A"] is None and dict(pick["B"]) == {"x": 7}

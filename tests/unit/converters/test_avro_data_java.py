"""AvroData's schema text against a Java AvroData, recorded: Apicurio Registry's port of Confluent's AvroData
(io.apicurio:apicurio-registry-utils-converter:2.6.13.Final, Avro 1.12.0) printed ``Schema.toString()`` for
these Connect schemas (tests/unit/converters/avro_data_java/record.py; Confluent's own jar is not on Maven
Central). Every case must match byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectrt.api.data import Date, Decimal, Schema, SchemaBuilder, Time, Timestamp
from connectrt.converters.avro import AvroData, AvroDataConfig

pytestmark = pytest.mark.unit

RECORDED = json.loads((Path(__file__).parent / "data" / "apicurio_avro_data_2.6.13.json").read_text())[
    "cases"
]


def _cases() -> dict[str, Schema]:
    a = SchemaBuilder.struct().field("x", Schema.INT32_SCHEMA).build()
    b = SchemaBuilder.struct().field("y", Schema.STRING_SCHEMA).build()
    plain = SchemaBuilder.struct().name("Plain").field("x", Schema.INT32_SCHEMA).build()
    thing = SchemaBuilder.struct().name("com.acme.Thing").field("id", Schema.INT64_SCHEMA).optional().build()
    return {
        "complex": (
            SchemaBuilder.struct()
            .field("int8", SchemaBuilder.int8().default_value(2).doc("int8 field").build())
            .field("int16", Schema.INT16_SCHEMA).field("int32", Schema.INT32_SCHEMA).field("int64", Schema.INT64_SCHEMA)
            .field("float32", Schema.FLOAT32_SCHEMA).field("float64", Schema.FLOAT64_SCHEMA)
            .field("boolean", Schema.BOOLEAN_SCHEMA).field("string", Schema.STRING_SCHEMA)
            .field("bytes", Schema.BYTES_SCHEMA).field("array", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("map", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
            .field("mapNonStringKeys", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.INT32_SCHEMA).build()).build()
        ),
        "optional_primitive_with_metadata": (
            SchemaBuilder.string().doc("doc").default_value("foo").name("io.confluent.stringtype").version(2)
            .optional().parameter("foo", "bar").parameter("baz", "baz").build()
        ),
        "optional_string": Schema.OPTIONAL_STRING_SCHEMA,
        "named_record": (
            SchemaBuilder.struct().name("io.confluent.test.TestSchema").version(12).doc("doc")
            .field("int32", Schema.INT32_SCHEMA).build()
        ),
        "decimal": Decimal.schema(2),
        "decimal_precision": Decimal.builder(2).parameter("connect.decimal.precision", "10").build(),
        "date": Date.SCHEMA,
        "time": Time.SCHEMA,
        "timestamp_doc": Timestamp.builder().doc("When this message was received.").build(),
        "named_map": SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).name("foo.bar").build(),
        "unnamed_reuse": SchemaBuilder.struct().field("a", a).field("b", b).field("a2", a).build(),
        "other_namespace": SchemaBuilder.struct().name("com.acme.Outer").field("inner", plain).build(),
        "union": (
            SchemaBuilder.struct().name("io.confluent.connect.avro.Union").optional()
            .field("int", Schema.OPTIONAL_INT32_SCHEMA).field("string", Schema.OPTIONAL_STRING_SCHEMA)
            .field("Thing", thing).build()
        ),
        "defaults": (
            SchemaBuilder.struct().name("rec.Defaults").field("dflt", SchemaBuilder.int32().default_value(5).build())
            .field("opt_dflt", SchemaBuilder.string().optional().default_value("x").build())
            .field("f64", SchemaBuilder.float64().default_value(1.5).build())
            .field("raw", SchemaBuilder.bytes().default_value(b"hi").build()).build()
        ),
        "enum_enhanced": (
            SchemaBuilder.string().name("TestEnum").parameter("io.confluent.connect.avro.Enum", "TestEnum")
            .parameter("io.confluent.connect.avro.Enum.foo", "foo")
            .parameter("io.confluent.connect.avro.Enum.bar", "bar").build()
        ),
        "no_metadata": (
            SchemaBuilder.struct().name("a.B").version(3).doc("d")
            .field("ts", Timestamp.SCHEMA).field("s", Schema.INT16_SCHEMA).build()
        ),
    }  # fmt: skip


CASES = _cases()


def test_every_recorded_case_is_covered() -> None:
    assert set(CASES) == set(RECORDED)


@pytest.mark.parametrize("case", sorted(CASES))
def test_schema_text_matches_java(case: str) -> None:
    config = AvroDataConfig(
        enhanced_avro_schema_support=case == "enum_enhanced", connect_meta_data=case != "no_metadata"
    )
    avro = AvroData(config).from_connect_schema(CASES[case])
    assert avro.text == RECORDED[case]
    # Java's text reads back to the same Connect schema (without connect.meta.data, version and doc are gone).
    back = AvroData(config).to_connect_schema(RECORDED[case])
    if case == "no_metadata":
        assert back is not None and (back.name, back.version, back.doc) == ("a.B", None, None)
    else:
        assert back == CASES[case]

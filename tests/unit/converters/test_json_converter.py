"""JsonConverter behaviour beyond the recorded Java cases: config, round trips, caches, text details."""

from __future__ import annotations

import datetime as dt
import decimal

import orjson
import pytest

from connectrt.api.data import DataException, Date, Decimal, Schema, SchemaBuilder, Struct, Time, Timestamp
from connectrt.config.configdef import ConfigException, config_key_info
from connectrt.converters._common import LRUCache
from connectrt.converters.json_converter import JsonConverter

pytestmark = pytest.mark.unit


def conv(**configs: object) -> JsonConverter:
    c = JsonConverter()
    c.configure({k.replace("_", "."): v for k, v in configs.items()}, False)
    return c


# --- configuration -------------------------------------------------------------------------------


def test_config_def_mirrors_json_converter_config() -> None:
    infos = [config_key_info(k) for k in JsonConverter().config().config_keys().values()]
    assert [(i["name"], i["type"], i["default_value"], i["group"], i["order_in_group"]) for i in infos] == [
        ("converter.type", "STRING", None, None, -1),
        ("schemas.enable", "BOOLEAN", "true", "Schemas", 0),
        ("schemas.cache.size", "INT", "1000", "Schemas", 1),
        ("schema.content", "STRING", None, "Schemas", 2),
        ("decimal.format", "STRING", "BASE64", "Serialization", 0),
        ("replace.null.with.default", "BOOLEAN", "true", "Serialization", 1),
    ]


def test_configure() -> None:
    c = JsonConverter()
    assert (c.schemas_enabled, c.cache_size, c.decimal_format, c.replace_null_with_default) == (
        True,
        1000,
        "BASE64",
        True,
    )
    c.configure({"schemas.enable": "false", "decimal.format": "numeric", "schemas.cache.size": "5"}, True)
    assert (c.converter_type, c.schemas_enabled, c.decimal_format, c.cache_size) == (
        "key",
        False,
        "NUMERIC",
        5,
    )
    c.configure({})  # as a header converter
    assert c.converter_type == "header"
    with pytest.raises(ConfigException, match="decimal.format"):
        c.configure({"decimal.format": "HEX"}, False)
    with pytest.raises(ConfigException, match="schemas.enable"):
        c.configure({"schemas.enable": "maybe"}, False)


def test_schema_content_fixes_the_schema() -> None:
    c = conv(schema_content='{"type":"struct","fields":[{"field":"a","type":"int32"}]}')
    schema, value = c.to_connect_data("t", b'{"a": 5}')
    assert schema == SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build()
    assert value == Struct(schema).put("a", 5)
    with pytest.raises(DataException, match="Failed to parse schema in converter config"):
        conv(schema_content="{not json")


# --- round trips ---------------------------------------------------------------------------------

EVERYTHING = (
    SchemaBuilder.struct().name("com.example.Everything").version(2).doc("all types")
    .field("i8", Schema.INT8_SCHEMA)
    .field("i16", Schema.INT16_SCHEMA)
    .field("i32", Schema.INT32_SCHEMA)
    .field("i64", Schema.INT64_SCHEMA)
    .field("f32", Schema.FLOAT32_SCHEMA)
    .field("f64", Schema.FLOAT64_SCHEMA)
    .field("bool", Schema.BOOLEAN_SCHEMA)
    .field("str", Schema.OPTIONAL_STRING_SCHEMA)
    .field("bytes", Schema.BYTES_SCHEMA)
    .field("arr", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build())
    .field("map", SchemaBuilder.map(Schema.INT64_SCHEMA, Schema.STRING_SCHEMA).build())
    .field("smap", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT64_SCHEMA).optional().build())
    .field("dec", Decimal.schema(5))
    .field("date", Date.SCHEMA)
    .field("time", Time.SCHEMA)
    .field("ts", Timestamp.SCHEMA)
    .field("nested", SchemaBuilder.struct().field("x", Schema.INT32_SCHEMA).optional().build())
    .build()
)  # fmt: skip


def everything() -> Struct:
    nested = EVERYTHING.field("nested")
    assert nested is not None
    return Struct(EVERYTHING, {
        "i8": -128, "i16": 32767, "i32": -(2**31), "i64": 2**63 - 1, "f32": 1.5, "f64": 1e-300, "bool": True,
        "str": "\u00e9\U0001f600\x1f", "bytes": b"\x00\xff", "arr": ["a", None], "map": {-1: "x", 2: "y"},
        "smap": {"k": 1e10}, "dec": decimal.Decimal("-123456789012345678901234567890.12345"),
        "date": dt.date(2000, 2, 29), "time": dt.time(23, 59, 59, 999000),
        "ts": dt.datetime(1969, 7, 20, 20, 17, 40, tzinfo=dt.UTC), "nested": Struct(nested.schema).put("x", 7),
    })  # fmt: skip


@pytest.mark.parametrize("decimal_format", ["BASE64", "NUMERIC"])
@pytest.mark.parametrize("schemas_enable", [True, False])
def test_round_trip_every_type(decimal_format: str, schemas_enable: bool) -> None:
    c = conv(decimal_format=decimal_format, schemas_enable=schemas_enable)
    data = c.from_connect_data("t", EVERYTHING, everything())
    assert data is not None
    if schemas_enable:
        assert c.to_connect_data("t", data) == (EVERYTHING, everything())
    else:
        schema, value = c.to_connect_data("t", data)
        assert schema is None and value["i64"] == 2**63 - 1 and value["map"] == [[-1, "x"], [2, "y"]]


def test_literal_payload_of_every_type() -> None:
    data = conv(schemas_enable=False).from_connect_data("t", EVERYTHING, everything())
    assert data == (
        b'{"i8":-128,"i16":32767,"i32":-2147483648,"i64":9223372036854775807,"f32":1.5,"f64":1.0E-300,'
        b'"bool":true,"str":"\xc3\xa9\\uD83D\\uDE00\\u001F","bytes":"AP8=","arr":["a",null],'
        b'"map":[[-1,"x"],[2,"y"]],"smap":{"k":1.0E10},"dec":"/Z9PoAQYA07oX9sOHSCH","date":11016,'
        b'"time":86399999,"ts":-14182940000,"nested":{"x":7}}'
    )


def test_numeric_decimals_keep_every_digit() -> None:
    c = conv(decimal_format="NUMERIC")
    schema = Decimal.schema(20)
    value = decimal.Decimal("3.14159265358979323846")
    data = c.from_connect_data("t", schema, value)
    assert data is not None and data.endswith(b',"payload":3.14159265358979323846}')
    assert c.to_connect_data("t", data) == (schema, value)


def test_header_converter_use() -> None:
    c = JsonConverter()
    c.configure({"schemas.enable": "false"})
    assert c.from_connect_header("t", "h", Schema.INT32_SCHEMA, 5) == b"5"
    assert c.to_connect_header("t", "h", b'{"a":[1]}') == (None, {"a": [1]})


# --- JSON text details -------------------------------------------------------------------------------


def test_jackson_reading_leniencies() -> None:
    c = conv(schemas_enable=False)
    assert c.to_connect_data("t", b"[0012, -007, 0.5, 1e007]").value == [12, -7, 0.5, 1e7]
    assert c.to_connect_data("t", b'{"a": "0012"} trailing').value == {"a": "0012"}
    assert c.to_connect_data("t", b"").value is None
    assert c.to_connect_data("t", b"1e400").value == float("inf")
    with pytest.raises(DataException) as e:
        c.to_connect_data("t", b"NaN")
    assert str(e.value) == "Converting byte[] to Kafka Connect data failed due to serialization error: "


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e7, b"1.0E7"),
        (12345678.9, b"1.23456789E7"),
        (1e-4, b"1.0E-4"),
        (-1.5e300, b"-1.5E300"),
        (123.25, b"123.25"),
        (0.001, b"0.001"),
    ],
)
def test_schemaless_floats_use_java_text(value: float, text: bytes) -> None:
    assert conv(schemas_enable=False).from_connect_data("t", None, {"v": value}) == b'{"v":' + text + b"}"


def test_schemaless_values() -> None:
    c = conv(schemas_enable=False)
    assert c.from_connect_data("t", None, {"b": b"\x01", "t": (1, 2)}) == b'{"b":"AQ==","t":[1,2]}'
    assert c.from_connect_data("t", None, {"\x0b": "\U0001f600"}) == b'{"\\u000B":"\\uD83D\\uDE00"}'
    with pytest.raises(DataException, match="^Mismatching schema.$"):
        c.from_connect_data("t", None, {"s": Struct(SchemaBuilder.struct().build())})
    with pytest.raises(DataException, match="does not have corresponding schema type"):
        c.from_connect_data("t", None, {"d": decimal.Decimal(1)})
    with pytest.raises(DataException, match="serialization error"):
        c.from_connect_data("t", None, 2**70)


def test_escaped_backslashes_are_left_alone() -> None:
    data = conv(schemas_enable=False).from_connect_data("t", Schema.STRING_SCHEMA, "\\u001f\x1f")
    assert data == b'"\\\\u001f\\u001F"'


# --- caches --------------------------------------------------------------------------------------------


def test_schema_caches_are_bounded() -> None:
    c = conv(schemas_cache_size=2)
    schemas = [SchemaBuilder.int32().name(f"s{i}").build() for i in range(5)]
    for s in schemas:
        data = c.from_connect_data("t", s, 1)
        assert data is not None
        assert c.to_connect_data("t", data) == (s, 1)
    assert len(c._schemas._bytes) == 2
    assert len(c._schemas._schemas) == 2


def test_lru_cache() -> None:
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)  # evicts b, the least recently used
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    empty: LRUCache[str, int] = LRUCache(0)
    empty.put("a", 1)
    assert empty.get("a") is None


def test_public_schema_translation() -> None:
    c = JsonConverter()
    schema = SchemaBuilder.map(Schema.STRING_SCHEMA, Decimal.schema(1)).optional().build()
    node = c.as_json_schema(schema)
    assert orjson.dumps(node) == (
        b'{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"bytes","optional":false,'
        b'"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"1"}},"optional":true}'
    )
    assert c.as_connect_schema(node) == schema
    assert c.as_json_schema(None) is None and c.as_connect_schema(None) is None

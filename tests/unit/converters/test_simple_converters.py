"""String, ByteArray, numeric, Boolean and SimpleHeader converters.

Expected bytes and messages are those of Kafka 4.2.1's classes, recorded by running them (JDK 25, UTC).
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from connectrt.api.data import DataException, Schema, SchemaBuilder, Struct
from connectrt.config.configdef import ConfigException
from connectrt.converters import (
    PLUGINS,
    AvroConverter,
    BooleanConverter,
    ByteArrayConverter,
    DoubleConverter,
    FloatConverter,
    IntegerConverter,
    JsonConverter,
    LongConverter,
    ShortConverter,
    SimpleHeaderConverter,
    StringConverter,
)

pytestmark = pytest.mark.unit


def test_every_converter_answers_to_its_java_name() -> None:
    names = {cls.ALIASES[0]: cls for cls in PLUGINS}  # type: ignore[attr-defined]
    assert names == {
        "org.apache.kafka.connect.json.JsonConverter": JsonConverter,
        "org.apache.kafka.connect.storage.StringConverter": StringConverter,
        "org.apache.kafka.connect.converters.ByteArrayConverter": ByteArrayConverter,
        "org.apache.kafka.connect.converters.BooleanConverter": BooleanConverter,
        "org.apache.kafka.connect.converters.DoubleConverter": DoubleConverter,
        "org.apache.kafka.connect.converters.FloatConverter": FloatConverter,
        "org.apache.kafka.connect.converters.IntegerConverter": IntegerConverter,
        "org.apache.kafka.connect.converters.LongConverter": LongConverter,
        "org.apache.kafka.connect.converters.ShortConverter": ShortConverter,
        "org.apache.kafka.connect.storage.SimpleHeaderConverter": SimpleHeaderConverter,
        "io.confluent.connect.avro.AvroConverter": AvroConverter,
    }


def test_entry_point_lists_the_converters() -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="connectrt.plugins") if e.name == "converters"]
    assert ep.load() is PLUGINS


# --- numeric -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("converter", "value", "hex_bytes", "schema"),
    [
        (IntegerConverter, 42, "0000002a", Schema.OPTIONAL_INT32_SCHEMA),
        (IntegerConverter, -1, "ffffffff", Schema.OPTIONAL_INT32_SCHEMA),
        (LongConverter, 4398046511104, "0000040000000000", Schema.OPTIONAL_INT64_SCHEMA),
        (ShortConverter, -2, "fffe", Schema.OPTIONAL_INT16_SCHEMA),
        (FloatConverter, 1.5, "3fc00000", Schema.OPTIONAL_FLOAT32_SCHEMA),
        (DoubleConverter, 1.5, "3ff8000000000000", Schema.OPTIONAL_FLOAT64_SCHEMA),
        (BooleanConverter, True, "01", Schema.OPTIONAL_BOOLEAN_SCHEMA),
        (BooleanConverter, False, "00", Schema.OPTIONAL_BOOLEAN_SCHEMA),
    ],
)
def test_numeric_round_trip(converter: type, value: object, hex_bytes: str, schema: Schema) -> None:
    c = converter()
    c.configure({}, False)
    assert c.from_connect_data("t", None, value) == bytes.fromhex(hex_bytes)
    assert c.to_connect_data("t", bytes.fromhex(hex_bytes)) == (schema, value)
    assert c.from_connect_header("t", "h", None, value) == bytes.fromhex(hex_bytes)
    assert c.to_connect_header("t", "h", bytes.fromhex(hex_bytes)) == (schema, value)
    assert c.from_connect_data("t", None, None) is None
    assert c.to_connect_data("t", None) == (schema, None)


@pytest.mark.parametrize(
    ("converter", "message", "cause"),
    [
        (
            IntegerConverter,
            "Failed to deserialize integer: ",
            "Size of data received by IntegerDeserializer is not 4",
        ),
        (LongConverter, "Failed to deserialize long: ", "Size of data received by LongDeserializer is not 8"),
        (
            ShortConverter,
            "Failed to deserialize short: ",
            "Size of data received by ShortDeserializer is not 2",
        ),
        (FloatConverter, "Failed to deserialize float: ", "Size of data received by Deserializer is not 4"),
        (DoubleConverter, "Failed to deserialize double: ", "Size of data received by Deserializer is not 8"),
        (
            BooleanConverter,
            "Failed to deserialize boolean: ",
            "Size of data received by BooleanDeserializer is not 1",
        ),
    ],
)
def test_numeric_wrong_length(converter: type, message: str, cause: str) -> None:
    with pytest.raises(DataException) as e:
        converter().to_connect_data("t", b"\x00\x00\x00")
    assert str(e.value) == message
    assert str(e.value.__cause__) == cause


def test_numeric_errors() -> None:
    with pytest.raises(DataException) as e:
        IntegerConverter().from_connect_data("t", None, "x")
    assert str(e.value) == "Failed to serialize to integer (was class java.lang.String): "
    with pytest.raises(DataException, match="Failed to serialize to short: "):
        ShortConverter().from_connect_data("t", None, 70000)
    with pytest.raises(DataException, match=r"Failed to serialize to long \(was class java.lang.Boolean\)"):
        LongConverter().from_connect_data("t", None, True)
    assert FloatConverter().from_connect_data("t", None, 1) == bytes.fromhex("3f800000")
    assert FloatConverter().from_connect_data("t", None, 1e300) == bytes.fromhex(
        "7f800000"
    )  # Java's (float) cast


def test_boolean_errors() -> None:
    c = BooleanConverter()
    with pytest.raises(DataException) as e:
        c.to_connect_data("t", b"\xff")
    assert str(e.value) == "Failed to deserialize boolean: "
    assert str(e.value.__cause__) == "Unexpected byte received by BooleanDeserializer: -1"
    with pytest.raises(DataException, match="^Invalid schema type for BooleanConverter: INT32$"):
        c.from_connect_data("t", Schema.INT32_SCHEMA, True)
    with pytest.raises(
        DataException,
        match=r"^BooleanConverter is not compatible with objects of type class java\.lang\.Integer$",
    ):
        c.from_connect_data("t", None, 1)


def test_converter_type_is_validated() -> None:
    c = IntegerConverter()
    c.configure({"converter.type": "header"})
    with pytest.raises(ConfigException):
        c.configure({"converter.type": "sideways"})


# --- bytes ---------------------------------------------------------------------------------------


def test_byte_array_converter() -> None:
    c = ByteArrayConverter()
    c.configure({}, True)
    assert c.from_connect_data("t", Schema.BYTES_SCHEMA, b"\x00\x01") == b"\x00\x01"
    assert c.from_connect_data("t", None, bytearray(b"ab")) == b"ab"
    assert c.from_connect_data("t", None, memoryview(b"ab")) == b"ab"
    assert c.from_connect_data("t", None, None) is None
    assert c.to_connect_data("t", b"x") == (Schema.OPTIONAL_BYTES_SCHEMA, b"x")
    assert c.to_connect_header("t", "h", None) == (Schema.OPTIONAL_BYTES_SCHEMA, None)
    with pytest.raises(DataException, match="^Invalid schema type for ByteArrayConverter: STRING$"):
        c.from_connect_data("t", Schema.STRING_SCHEMA, b"x")
    with pytest.raises(
        DataException,
        match=r"^ByteArrayConverter is not compatible with objects of type class java\.lang\.String$",
    ):
        c.from_connect_data("t", None, "x")


# --- strings -------------------------------------------------------------------------------------


def test_string_converter_defaults_to_utf8() -> None:
    c = StringConverter()
    c.configure({}, False)
    assert c.from_connect_data("t", Schema.STRING_SCHEMA, "h\u00e9") == b"h\xc3\xa9"
    assert c.to_connect_data("t", b"h\xc3\xa9") == (Schema.OPTIONAL_STRING_SCHEMA, "h\u00e9")
    assert c.to_connect_data("t", None) == (Schema.OPTIONAL_STRING_SCHEMA, None)
    assert c.from_connect_data("t", None, None) is None
    assert c.to_connect_data("t", b"\xff1") == (Schema.OPTIONAL_STRING_SCHEMA, "\ufffd1")


def test_string_converter_writes_java_to_string() -> None:
    c = StringConverter()
    schema = (
        SchemaBuilder.struct()
        .field("a", Schema.INT32_SCHEMA)
        .field("b", Schema.OPTIONAL_STRING_SCHEMA)
        .field("c", Schema.FLOAT64_SCHEMA)
        .build()
    )
    assert (
        c.from_connect_data("t", schema, Struct(schema).put("a", 1).put("c", 1e10)) == b"Struct{a=1,c=1.0E10}"
    )
    assert c.from_connect_data("t", None, [1, "x", None, 2.5]) == b"[1, x, null, 2.5]"
    assert c.from_connect_data("t", None, True) == b"true"
    assert c.from_connect_data("t", None, 12) == b"12"
    ts = dt.datetime(2019, 8, 23, 14, 34, 54, tzinfo=dt.UTC)
    assert c.from_connect_data("t", None, ts) == b"Fri Aug 23 14:34:54 UTC 2019"


def test_string_converter_encodings() -> None:
    c = StringConverter()
    c.configure({"converter.encoding": "UTF-16"}, False)
    assert c.from_connect_data("t", None, "h\u00e9") == bytes.fromhex("feff006800e9")
    assert c.to_connect_data("t", bytes.fromhex("fffe6800")).value == "h"
    assert c.to_connect_data("t", bytes.fromhex("0068")).value == "h"
    c.configure({"converter.encoding": "US-ASCII"}, False)
    assert c.from_connect_data("t", None, "h\u00e9") == bytes.fromhex("683f")
    c.configure({"converter.encoding": "ISO-8859-1", "value.deserializer.encoding": "UTF-8"}, False)
    assert c.from_connect_data("t", None, "\u00e9") == b"\xe9"
    assert c.to_connect_data("t", b"\xc3\xa9").value == "\u00e9"
    with pytest.raises(ConfigException, match="Unsupported encoding NOPE"):
        c.configure({"converter.encoding": "NOPE"}, False)


def test_string_converter_config_def() -> None:
    keys = StringConverter().config().config_keys()
    assert list(keys) == ["converter.type", "converter.encoding"]
    assert keys["converter.encoding"].default_value == "UTF-8"


# --- SimpleHeaderConverter ---------------------------------------------------------------------------


def test_simple_header_converter_round_trips() -> None:
    c = SimpleHeaderConverter()
    c.configure({})
    schema = (
        SchemaBuilder.struct()
        .field("a", Schema.INT32_SCHEMA)
        .field("b", Schema.OPTIONAL_STRING_SCHEMA)
        .field("c", Schema.FLOAT64_SCHEMA)
        .build()
    )
    out = c.from_connect_header("t", "k", schema, Struct(schema).put("a", 1).put("c", 1e10))
    assert out == b'{"a":1,"b":null,"c":1.0E10}'
    assert c.to_connect_header("t", "k", b"42") == (Schema.INT8_SCHEMA, 42)
    assert c.to_connect_header("t", "k", b"true") == (Schema.BOOLEAN_SCHEMA, True)
    assert c.to_connect_header("t", "k", b"hello") == (Schema.STRING_SCHEMA, "hello")
    assert c.to_connect_header("t", "k", b"\xff1") == (Schema.STRING_SCHEMA, "\ufffd1")
    assert c.to_connect_header("t", "k", None) == (None, None)
    assert c.from_connect_header("t", "k", None, None) is None
    assert c.from_connect_header("t", "k", Schema.STRING_SCHEMA, "x") == b"x"
    assert c.config().names() == []


def test_simple_header_converter_falls_back_to_bytes(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import connectrt.converters.simple_header as module

    def boom(text: str) -> object:
        raise RuntimeError("unparseable")

    monkeypatch.setattr(module, "parse_string", boom)
    with caplog.at_level(logging.WARNING):
        assert SimpleHeaderConverter().to_connect_header("t", "k", b"x") == (Schema.BYTES_SCHEMA, b"x")
    assert "Failed to deserialize value for header 'k' on topic 't', so using byte array" in caplog.text

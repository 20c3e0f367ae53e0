"""The numeric and boolean converters of ``org.apache.kafka.connect.converters``.

Each writes one value with Kafka's serializer layout (big-endian, like ``ByteBuffer``): Short 2 bytes,
Integer and Float 4, Long and Double 8, Boolean one byte 0x00/0x01. The schema passed in is ignored, as in
Java (BooleanConverter only checks that it is a boolean schema).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any, ClassVar

from connectrt.api.data import DataException, Schema, SchemaType
from connectrt.api.plugin import Converter, HeaderConverter
from connectrt.api.records import Headers
from connectrt.api.values import SchemaAndValue, java_class, to_float32
from connectrt.config.configdef import ConfigDef
from connectrt.converters._common import VERSION, converter_config_def, with_converter_type

_CONFIG_DEF = converter_config_def()


class _SerializationError(Exception):
    """Kafka's SerializationException, the cause of the converter's DataException."""


class NumberConverter(Converter, HeaderConverter):
    """Base of the Short/Integer/Long/Float/Double converters (Java's ``NumberConverter``)."""

    TYPE_NAME: ClassVar[str]
    SCHEMA: ClassVar[Schema]
    FORMAT: ClassVar[struct.Struct]
    DESERIALIZER: ClassVar[str]  # how Kafka's deserializer names itself in its size message
    FLOATING: ClassVar[bool] = False
    VERSION = VERSION

    def config(self) -> ConfigDef:
        return _CONFIG_DEF

    def configure(self, configs: Mapping[str, Any], is_key: bool | None = None) -> None:
        _CONFIG_DEF.parse(with_converter_type(configs, is_key))

    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (float, int) if self.FLOATING else int):
            raise DataException(f"Failed to serialize to {self.TYPE_NAME} (was {java_class(value)}): ")
        try:
            return self.FORMAT.pack(to_float32(value) if self.FORMAT.format == ">f" else value)
        except struct.error as e:
            raise DataException(f"Failed to serialize to {self.TYPE_NAME}: ") from _SerializationError(str(e))

    def to_connect_data(
        self, topic: str, value: bytes | None, headers: Headers | None = None
    ) -> SchemaAndValue:
        if value is None:
            return SchemaAndValue(self.SCHEMA, None)
        if len(value) != self.FORMAT.size:
            raise DataException(f"Failed to deserialize {self.TYPE_NAME}: ") from _SerializationError(
                f"Size of data received by {self.DESERIALIZER} is not {self.FORMAT.size}"
            )
        return SchemaAndValue(self.SCHEMA, self.FORMAT.unpack(value)[0])

    def from_connect_header(
        self, topic: str, header_key: str, schema: Schema | None, value: Any
    ) -> bytes | None:
        return self.from_connect_data(topic, schema, value)

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        return self.to_connect_data(topic, value)


class ShortConverter(NumberConverter):
    ALIASES = ("org.apache.kafka.connect.converters.ShortConverter",)
    TYPE_NAME, SCHEMA, FORMAT = "short", Schema.OPTIONAL_INT16_SCHEMA, struct.Struct(">h")
    DESERIALIZER = "ShortDeserializer"


class IntegerConverter(NumberConverter):
    ALIASES = ("org.apache.kafka.connect.converters.IntegerConverter",)
    TYPE_NAME, SCHEMA, FORMAT = "integer", Schema.OPTIONAL_INT32_SCHEMA, struct.Struct(">i")
    DESERIALIZER = "IntegerDeserializer"


class LongConverter(NumberConverter):
    ALIASES = ("org.apache.kafka.connect.converters.LongConverter",)
    TYPE_NAME, SCHEMA, FORMAT = "long", Schema.OPTIONAL_INT64_SCHEMA, struct.Struct(">q")
    DESERIALIZER = "LongDeserializer"


class FloatConverter(NumberConverter):
    ALIASES = ("org.apache.kafka.connect.converters.FloatConverter",)
    TYPE_NAME, SCHEMA, FORMAT = "float", Schema.OPTIONAL_FLOAT32_SCHEMA, struct.Struct(">f")
    DESERIALIZER = "Deserializer"
    FLOATING = True


class DoubleConverter(NumberConverter):
    ALIASES = ("org.apache.kafka.connect.converters.DoubleConverter",)
    TYPE_NAME, SCHEMA, FORMAT = "double", Schema.OPTIONAL_FLOAT64_SCHEMA, struct.Struct(">d")
    DESERIALIZER = "Deserializer"
    FLOATING = True


class BooleanConverter(Converter, HeaderConverter):
    """A boolean as one byte: 0x01 true, 0x00 false."""

    ALIASES = ("org.apache.kafka.connect.converters.BooleanConverter",)
    VERSION = VERSION

    def config(self) -> ConfigDef:
        return _CONFIG_DEF

    def configure(self, configs: Mapping[str, Any], is_key: bool | None = None) -> None:
        _CONFIG_DEF.parse(with_converter_type(configs, is_key))

    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        if schema is not None and schema.type is not SchemaType.BOOLEAN:
            raise DataException(f"Invalid schema type for BooleanConverter: {schema.type.name}")
        if value is None:
            return None
        if not isinstance(value, bool):
            raise DataException(
                f"BooleanConverter is not compatible with objects of type {java_class(value)}"
            )
        return b"\x01" if value else b"\x00"

    def to_connect_data(
        self, topic: str, value: bytes | None, headers: Headers | None = None
    ) -> SchemaAndValue:
        if value is None:
            return SchemaAndValue(Schema.OPTIONAL_BOOLEAN_SCHEMA, None)
        if len(value) != 1:
            raise DataException("Failed to deserialize boolean: ") from _SerializationError(
                "Size of data received by BooleanDeserializer is not 1"
            )
        if value[0] not in (0, 1):
            signed = value[0] - 256 if value[0] > 127 else value[0]
            raise DataException("Failed to deserialize boolean: ") from _SerializationError(
                f"Unexpected byte received by BooleanDeserializer: {signed}"
            )
        return SchemaAndValue(Schema.OPTIONAL_BOOLEAN_SCHEMA, value[0] == 1)

    def from_connect_header(
        self, topic: str, header_key: str, schema: Schema | None, value: Any
    ) -> bytes | None:
        return self.from_connect_data(topic, schema, value)

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        return self.to_connect_data(topic, value)

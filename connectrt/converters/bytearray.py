"""ByteArrayConverter (``org.apache.kafka.connect.converters.ByteArrayConverter``): bytes passed through."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectrt.api.data import DataException, Schema, SchemaType
from connectrt.api.plugin import Converter, HeaderConverter
from connectrt.api.records import Headers
from connectrt.api.values import SchemaAndValue, java_class
from connectrt.config.configdef import ConfigDef
from connectrt.converters._common import VERSION, converter_config_def

_CONFIG_DEF = converter_config_def()


class ByteArrayConverter(Converter, HeaderConverter):
    """Bytes in, bytes out, with an optional bytes schema."""

    ALIASES = ("org.apache.kafka.connect.converters.ByteArrayConverter",)
    VERSION = VERSION

    def config(self) -> ConfigDef:
        return _CONFIG_DEF

    def configure(self, configs: Mapping[str, Any], is_key: bool | None = None) -> None:
        """Nothing to configure (Java ignores the configs too)."""

    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        if schema is not None and schema.type is not SchemaType.BYTES:
            raise DataException(f"Invalid schema type for ByteArrayConverter: {schema.type.name}")
        if value is None:
            return None
        if type(value) is bytes:
            return value
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        raise DataException(f"ByteArrayConverter is not compatible with objects of type {java_class(value)}")

    def to_connect_data(
        self, topic: str, value: bytes | None, headers: Headers | None = None
    ) -> SchemaAndValue:
        return SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, value)

    def from_connect_header(
        self, topic: str, header_key: str, schema: Schema | None, value: Any
    ) -> bytes | None:
        return self.from_connect_data(topic, schema, value)

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        return self.to_connect_data(topic, value)

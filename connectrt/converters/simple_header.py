"""SimpleHeaderConverter (``org.apache.kafka.connect.storage.SimpleHeaderConverter``), the default header converter.

Header values are written as :func:`~connectrt.api.values.convert_to_string` text in UTF-8 and read back with
:func:`~connectrt.api.values.parse_string`, which infers a schema; text that cannot be read falls back to bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from connectrt.api.data import Schema
from connectrt.api.plugin import HeaderConverter
from connectrt.api.values import NULL_SCHEMA_AND_VALUE, SchemaAndValue, convert_to_string, parse_string
from connectrt.config.configdef import ConfigDef
from connectrt.converters._common import VERSION

log = logging.getLogger(__name__)


class SimpleHeaderConverter(HeaderConverter):
    """Headers as strings; schemas are not written but inferred when read."""

    ALIASES = ("org.apache.kafka.connect.storage.SimpleHeaderConverter",)
    VERSION = VERSION

    def config(self) -> ConfigDef:
        return ConfigDef()

    def configure(self, configs: Mapping[str, Any]) -> None:
        """Nothing to configure."""

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        if value is None:
            return NULL_SCHEMA_AND_VALUE
        try:
            return parse_string(value.decode("utf-8", "replace"))
        except Exception:
            log.warning(
                "Failed to deserialize value for header '%s' on topic '%s', so using byte array",
                header_key, topic, exc_info=True,
            )  # fmt: skip
            return SchemaAndValue(Schema.BYTES_SCHEMA, value)

    def from_connect_header(
        self, topic: str, header_key: str, schema: Schema | None, value: Any
    ) -> bytes | None:
        if value is None:
            return None
        text = convert_to_string(schema, value)
        assert text is not None
        return text.encode("utf-8", "replace")

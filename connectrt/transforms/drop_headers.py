"""DropHeaders: removes the named headers (Java's DropHeaders)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectrt.api.plugin import Transformation
from connectrt.api.records import Headers
from connectrt.config.configdef import NO_DEFAULT_VALUE, ConfigDef, Importance, Type, ValidList
from connectrt.transforms.util import VERSION, R

HEADERS_FIELD = "headers"

CONFIG_DEF = ConfigDef().define(
    HEADERS_FIELD,
    Type.LIST,
    NO_DEFAULT_VALUE,
    ValidList.any_non_duplicate_values(False, False),
    Importance.HIGH,
    "The name of the headers to be removed.",
)


class DropHeaders(Transformation[R]):
    """Removes one or more headers from each record."""

    ALIASES = ("org.apache.kafka.connect.transforms.DropHeaders",)
    VERSION = VERSION

    def __init__(self) -> None:
        self._headers: frozenset[str] = frozenset()

    def configure(self, configs: Mapping[str, Any]) -> None:
        self._headers = frozenset(CONFIG_DEF.parse(configs)[HEADERS_FIELD])

    def apply(self, record: R) -> R | None:
        drop = self._headers
        headers = Headers([h for h in record.headers if h.key not in drop])
        return record.new_record(
            record.topic,
            record.kafka_partition,
            record.key_schema,
            record.key,
            record.value_schema,
            record.value,
            record.timestamp,
            headers,
        )

    def config(self) -> ConfigDef:
        return CONFIG_DEF

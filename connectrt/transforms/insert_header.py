"""InsertHeader: adds a header with a literal value to each record (Java's InsertHeader)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectrt.api.plugin import Transformation
from connectrt.api.records import Header, Headers
from connectrt.api.values import parse_string
from connectrt.config.configdef import NO_DEFAULT_VALUE, ConfigDef, Importance, NonNullValidator, Type
from connectrt.transforms.util import VERSION, R

HEADER_FIELD = "header"
VALUE_LITERAL_FIELD = "value.literal"

CONFIG_DEF = (
    ConfigDef()
    .define(
        HEADER_FIELD,
        Type.STRING,
        NO_DEFAULT_VALUE,
        NonNullValidator(),
        Importance.HIGH,
        "The name of the header.",
    )
    .define(
        VALUE_LITERAL_FIELD,
        Type.STRING,
        NO_DEFAULT_VALUE,
        NonNullValidator(),
        Importance.HIGH,
        "The literal value that is to be set as the header value on all records.",
    )
)


class InsertHeader(Transformation[R]):
    """Add a header to each record.

    The literal value is parsed as Java's ``Values.parseString`` does: ``1`` is an int8, ``true`` a
    boolean, ``[1,2]`` an array, anything else a string.
    """

    ALIASES = ("org.apache.kafka.connect.transforms.InsertHeader",)
    VERSION = VERSION

    def __init__(self) -> None:
        self._header = ""
        self._schema: Any = None
        self._value: Any = None

    def configure(self, configs: Mapping[str, Any]) -> None:
        values = CONFIG_DEF.parse(configs)
        self._header = values[HEADER_FIELD]
        self._schema, self._value = parse_string(values[VALUE_LITERAL_FIELD])

    def apply(self, record: R) -> R | None:
        headers = Headers(record.headers)
        headers.add_header(Header(self._header, self._value, self._schema))
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

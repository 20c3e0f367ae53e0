"""TimestampRouter: sets the topic from the topic and the record timestamp (Java's TimestampRouter)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectrt.api.data import DataException
from connectrt.api.plugin import Transformation
from connectrt.config.configdef import ConfigDef, ConfigException, Importance, Type
from connectrt.transforms.simple_date_format import SimpleDateFormat
from connectrt.transforms.util import VERSION, R

TOPIC_FORMAT_CONFIG = "topic.format"
TIMESTAMP_FORMAT_CONFIG = "timestamp.format"

CONFIG_DEF = (
    ConfigDef()
    .define(
        TOPIC_FORMAT_CONFIG,
        Type.STRING,
        "${topic}-${timestamp}",
        None,
        Importance.HIGH,
        "Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as placeholders "
        "for the topic and timestamp, respectively.",
    )
    .define(
        TIMESTAMP_FORMAT_CONFIG,
        Type.STRING,
        "yyyyMMdd",
        None,
        Importance.HIGH,
        "Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>.",
    )
)


class TimestampRouter(Transformation[R]):
    """Update the record's topic field as a function of the original topic value and the record timestamp.

    This is mainly useful for sink connectors, since the topic field is often used to determine the
    equivalent entity name in the destination system (e.g. database table or search index name).
    The timestamp is formatted in UTC.
    """

    ALIASES = ("org.apache.kafka.connect.transforms.TimestampRouter",)
    VERSION = VERSION

    def __init__(self) -> None:
        self._topic_format = "${topic}-${timestamp}"
        self._format: SimpleDateFormat | None = None

    def configure(self, configs: Mapping[str, Any]) -> None:
        values = CONFIG_DEF.parse(configs)
        self._topic_format = values[TOPIC_FORMAT_CONFIG]
        pattern = values[TIMESTAMP_FORMAT_CONFIG]
        try:
            self._format = SimpleDateFormat(pattern)
        except ValueError as e:
            raise ConfigException(TIMESTAMP_FORMAT_CONFIG, pattern, str(e))

    def apply(self, record: R) -> R | None:
        timestamp = record.timestamp
        if timestamp is None:
            raise DataException(f"Timestamp missing on record: {record!r}")
        assert self._format is not None, "TimestampRouter is not configured"
        formatted = self._format.format(timestamp)
        topic = self._topic_format.replace("${topic}", record.topic).replace("${timestamp}", formatted)
        return record.new_record(
            topic,
            record.kafka_partition,
            record.key_schema,
            record.key,
            record.value_schema,
            record.value,
            timestamp,
        )

    def config(self) -> ConfigDef:
        return CONFIG_DEF

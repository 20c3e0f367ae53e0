"""Subject name strategies: under which subject a key or value schema is registered.

``key.subject.name.strategy`` / ``value.subject.name.strategy`` name Confluent's Java classes; the
converter maps those names to the functions here itself (nothing named in a config is ever imported):

- ``io.confluent.kafka.serializers.subject.TopicNameStrategy`` (default): ``<topic>-key`` / ``<topic>-value``;
- ``io.confluent.kafka.serializers.subject.RecordNameStrategy``: the record's full name;
- ``io.confluent.kafka.serializers.subject.TopicRecordNameStrategy``: ``<topic>-<record full name>``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectrt.api.data import DataException
from connectrt.config.configdef import ConfigException, Validator

_PACKAGE = "io.confluent.kafka.serializers.subject."
TOPIC_NAME_STRATEGY = _PACKAGE + "TopicNameStrategy"
RECORD_NAME_STRATEGY = _PACKAGE + "RecordNameStrategy"
TOPIC_RECORD_NAME_STRATEGY = _PACKAGE + "TopicRecordNameStrategy"

#: (topic, is_key, Avro schema as JSON data) → subject
SubjectNameStrategy = Callable[[str, bool, Any], str]


def record_name(schema: Any, is_key: bool, strategy: str) -> str:
    """The full name of a record schema; other schemas cannot name a subject (Java's getRecordName)."""
    if isinstance(schema, dict) and schema.get("type") == "record":
        name = str(schema["name"])
        namespace = schema.get("namespace")
        return f"{namespace}.{name}" if namespace and "." not in name else name
    which = "key" if is_key else "value"
    raise DataException(
        f"In configuration {which}.subject.name.strategy = {strategy}, the message {which} must only be a record "
        f"schema; use {TOPIC_NAME_STRATEGY} for {which}s that are not structs."
    )


def topic_name_strategy(topic: str, is_key: bool, schema: Any) -> str:
    return f"{topic}-key" if is_key else f"{topic}-value"


def record_name_strategy(topic: str, is_key: bool, schema: Any) -> str:
    return record_name(schema, is_key, RECORD_NAME_STRATEGY)


def topic_record_name_strategy(topic: str, is_key: bool, schema: Any) -> str:
    return f"{topic}-{record_name(schema, is_key, TOPIC_RECORD_NAME_STRATEGY)}"


STRATEGIES: dict[str, SubjectNameStrategy] = {
    TOPIC_NAME_STRATEGY: topic_name_strategy,
    RECORD_NAME_STRATEGY: record_name_strategy,
    TOPIC_RECORD_NAME_STRATEGY: topic_record_name_strategy,
}


def strategy(class_name: str) -> SubjectNameStrategy:
    return STRATEGIES[class_name]


class ValidStrategy(Validator):
    """Accepts the Java class names of the strategies above; anything else is a class that is not found."""

    def ensure_valid(self, name: str, value: Any) -> None:
        if value not in STRATEGIES:
            shown = str(value)[:200]
            raise ConfigException(
                name,
                shown,
                f"Class {shown} could not be found; use one of {', '.join(STRATEGIES)}.",
            )

    def __str__(self) -> str:
        return "[" + ", ".join(STRATEGIES) + "]"

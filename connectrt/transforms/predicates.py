"""Kafka's built-in predicates: TopicNameMatches, HasHeaderKey, RecordIsTombstone."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectrt.api.plugin import Predicate
from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    CompositeValidator,
    ConfigDef,
    ConfigException,
    Importance,
    Type,
)
from connectrt.transforms.java_regex import JavaRegexError, compile_java_regex
from connectrt.transforms.regex_router import RegexValidator
from connectrt.transforms.util import VERSION, NonEmptyString, R

PATTERN_CONFIG = "pattern"
NAME_CONFIG = "name"

TOPIC_NAME_MATCHES_CONFIG_DEF = ConfigDef().define(
    PATTERN_CONFIG,
    Type.STRING,
    NO_DEFAULT_VALUE,
    CompositeValidator(NonEmptyString(), RegexValidator()),
    Importance.MEDIUM,
    "A Java regular expression for matching against the name of a record's topic.",
)

HAS_HEADER_KEY_CONFIG_DEF = ConfigDef().define(
    NAME_CONFIG, Type.STRING, NO_DEFAULT_VALUE, NonEmptyString(), Importance.MEDIUM, "The header name."
)

_EMPTY_CONFIG_DEF = ConfigDef()


class TopicNameMatches(Predicate[R]):
    """A predicate which is true for records with a topic name that matches the configured regular expression.

    The whole topic must match (Java's ``Matcher.matches()``).
    """

    ALIASES = ("org.apache.kafka.connect.transforms.predicates.TopicNameMatches",)
    VERSION = VERSION

    def __init__(self) -> None:
        self._pattern: re.Pattern[str] | None = None
        self._cache: dict[str, bool] = {}

    def configure(self, configs: Mapping[str, Any]) -> None:
        value = TOPIC_NAME_MATCHES_CONFIG_DEF.parse(configs)[PATTERN_CONFIG]
        try:
            self._pattern = compile_java_regex(value)
        except JavaRegexError as e:
            raise ConfigException(
                PATTERN_CONFIG, value, "entry must be a Java-compatible regular expression: " + str(e)
            )
        self._cache = {}

    def test(self, record: R) -> bool:
        topic = record.topic
        if topic is None:
            return False
        result = self._cache.get(topic)
        if result is None:
            assert self._pattern is not None, "TopicNameMatches is not configured"
            result = self._pattern.fullmatch(topic) is not None
            if len(self._cache) >= 10_000:
                self._cache.clear()
            self._cache[topic] = result
        return result

    def config(self) -> ConfigDef:
        return TOPIC_NAME_MATCHES_CONFIG_DEF

    def __repr__(self) -> str:
        return f"TopicNameMatches{{pattern={self._pattern.pattern if self._pattern else None}}}"


class HasHeaderKey(Predicate[R]):
    """A predicate which is true for records with at least one header with the configured name."""

    ALIASES = ("org.apache.kafka.connect.transforms.predicates.HasHeaderKey",)
    VERSION = VERSION

    def __init__(self) -> None:
        self._name: str | None = None

    def configure(self, configs: Mapping[str, Any]) -> None:
        self._name = HAS_HEADER_KEY_CONFIG_DEF.parse(configs)[NAME_CONFIG]

    def test(self, record: R) -> bool:
        name = self._name
        return any(h.key == name for h in record.headers)

    def config(self) -> ConfigDef:
        return HAS_HEADER_KEY_CONFIG_DEF

    def __repr__(self) -> str:
        return f"HasHeaderKey{{name='{self._name}'}}"


class RecordIsTombstone(Predicate[R]):
    """A predicate which is true for records which are tombstones (i.e. have null value)."""

    ALIASES = ("org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",)
    VERSION = VERSION

    def configure(self, configs: Mapping[str, Any]) -> None:
        pass

    def test(self, record: R) -> bool:
        return record.value is None

    def config(self) -> ConfigDef:
        return _EMPTY_CONFIG_DEF

    def __repr__(self) -> str:
        return "RecordIsTombstone{}"

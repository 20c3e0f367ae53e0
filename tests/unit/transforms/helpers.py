"""Shared builders for the transform tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connectrt.api.data import Schema
from connectrt.api.plugin import Predicate, Transformation
from connectrt.api.records import Header, Headers, SinkRecord, SourceRecord


def configure(cls: type[Transformation[Any]] | type[Predicate[Any]], configs: dict[str, Any]) -> Any:
    xform = cls()
    xform.configure(configs)
    return xform


def source(
    value: Any = None,
    value_schema: Schema | None = None,
    key: Any = None,
    key_schema: Schema | None = None,
    topic: str = "test",
    partition: int | None = 0,
    timestamp: int | None = None,
    headers: Iterable[Header] | None = None,
) -> SourceRecord:
    return SourceRecord(
        {"part": "p"},
        {"offset": 1},
        topic,
        partition,
        key_schema,
        key,
        value_schema,
        value,
        timestamp,
        headers,
    )


def sink(
    value: Any = None,
    value_schema: Schema | None = None,
    key: Any = None,
    key_schema: Schema | None = None,
    topic: str = "test",
    partition: int = 0,
    offset: int = 0,
    timestamp: int | None = None,
    headers: Iterable[Header] | None = None,
) -> SinkRecord:
    return SinkRecord(
        topic, partition, key_schema, key, value_schema, value, offset, timestamp, headers=headers
    )


def headers(*pairs: tuple[str, Any]) -> Headers:
    return Headers(Header(k, v) for k, v in pairs)


def part(is_key: bool, schema: Schema | None, value: Any, **kwargs: Any) -> SinkRecord:
    """A sink record whose key (or value) is ``value``; the other side holds a marker."""
    if is_key:
        return sink(key=value, key_schema=schema, value="other", value_schema=Schema.STRING_SCHEMA, **kwargs)
    return sink(value=value, value_schema=schema, key="other", key_schema=Schema.STRING_SCHEMA, **kwargs)


def operating(record: Any, is_key: bool) -> tuple[Schema | None, Any]:
    """The (schema, value) a Key or Value transform produced, checking the other side is untouched."""
    if is_key:
        assert (record.value_schema, record.value) == (Schema.STRING_SCHEMA, "other")
        return record.key_schema, record.key
    assert (record.key_schema, record.key) == (Schema.STRING_SCHEMA, "other")
    return record.value_schema, record.value

"""RegexRouter and TimestampRouter."""

from __future__ import annotations

import pytest

from connectrt.api.data import DataException, Schema
from connectrt.config.configdef import ConfigException
from connectrt.transforms.regex_router import RegexRouter
from connectrt.transforms.timestamp_router import TimestampRouter

from .helpers import configure, headers, sink, source

pytestmark = pytest.mark.unit


def route(regex: str, replacement: str, topic: str) -> str:
    router = configure(RegexRouter, {"regex": regex, "replacement": replacement})
    return str(router.apply(sink(topic=topic)).topic)


@pytest.mark.parametrize(
    ("regex", "replacement", "topic", "expected"),
    [
        ("foo", "bar", "foo", "bar"),
        ("foo", "bar", "orig", "orig"),
        ("(.*)", "$1", "orig", "orig"),
        ("(.*)", "prefix-$1", "orig", "prefix-orig"),
        ("(.*)", "$1-suffix", "orig", "orig-suffix"),
        (r"(.*)-(\d\d\d\d\d\d\d\d)", "$1", "index-20160117", "index"),
        ("foo", "bar", "foofoo", "foofoo"),  # the regex must match the whole topic
        ("dbserver1\\.([^.]+)\\.(.+)", "$1_$2", "dbserver1.inventory.orders", "inventory_orders"),
        ("(?<db>[^.]+)\\.(?<table>.+)", "${table}", "db.orders", "orders"),
        ("(?i)ORDERS", "x", "orders", "x"),
        ("a|ab", "X", "ab", "Xb"),  # Matcher.replaceFirst semantics
        (r"\Qmy.topic\E", "renamed", "my.topic", "renamed"),
        (r"\Qmy.topic\E", "renamed", "myxtopic", "myxtopic"),
        ("[\\w.-]+", "all", "a.b-c_1", "all"),
    ],
)
def test_regex_router(regex: str, replacement: str, topic: str, expected: str) -> None:
    assert route(regex, replacement, topic) == expected


def test_regex_router_keeps_everything_else_and_caches() -> None:
    router = configure(RegexRouter, {"regex": "(.*)", "replacement": "x-$1"})
    record = source(
        value={"a": 1},
        key="k",
        key_schema=Schema.STRING_SCHEMA,
        timestamp=5,
        headers=headers(("h", 1)),
        partition=2,
    )
    routed = router.apply(record)
    assert routed.topic == "x-test"
    assert (routed.key, routed.key_schema, routed.value, routed.timestamp, routed.kafka_partition) == (
        "k",
        Schema.STRING_SCHEMA,
        {"a": 1},
        5,
        2,
    )
    assert routed.source_partition == record.source_partition and routed.source_offset == record.source_offset
    assert list(routed.headers) == list(record.headers)
    assert router.apply(record).topic == "x-test"
    unmatched = configure(RegexRouter, {"regex": "nope", "replacement": "x"})
    assert unmatched.apply(record) is record
    tombstone = sink(topic="t", value=None)
    assert router.apply(tombstone).topic == "x-t"


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        ({"replacement": "x"}, 'Missing required configuration "regex" which has no default value.'),
        ({"regex": "x"}, 'Missing required configuration "replacement" which has no default value.'),
        (
            {"regex": "(", "replacement": "x"},
            "Invalid value ( for configuration regex: Invalid regex: Unclosed group",
        ),
        ({"regex": r"\p{L}+", "replacement": "x"}, r"Invalid regex: Unsupported Java regex construct \p{L}"),
        ({"regex": "(a)", "replacement": "$2"}, "Invalid value $2 for configuration replacement: No group 2"),
        ({"regex": "a", "replacement": "$"}, "Illegal group reference: group index is missing"),
    ],
)
def test_regex_router_invalid_configs(configs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigException) as e:
        configure(RegexRouter, configs)
    assert message in str(e.value)


def test_regex_router_validate_reports_errors_per_key() -> None:
    results = {v.name: v for v in RegexRouter().config().validate({"regex": "*", "replacement": "x"})}
    assert len(results["regex"].errors) == 1
    assert "Invalid regex: Dangling meta character '*'" in results["regex"].errors[0]
    assert results["replacement"].errors == []


def test_timestamp_router_defaults() -> None:
    router = configure(TimestampRouter, {})
    record = source(topic="test", timestamp=1483425001864, value="v")
    routed = router.apply(record)
    assert routed.topic == "test-20170103"
    assert routed.value == "v" and routed.timestamp == 1483425001864


@pytest.mark.parametrize(
    ("topic_format", "timestamp_format", "expected"),
    [
        ("${topic}-${timestamp}", "yyyyMMdd", "orders-20170103"),
        ("${timestamp}_${topic}", "yyyy-MM", "2017-01_orders"),
        ("${topic}.${topic}", "yyyy", "orders.orders"),
        ("static", "yyyy", "static"),
        ("${topic}-${timestamp}", "yyyy-MM-dd'T'HH", "orders-2017-01-03T06"),
        ("${topic}-${timestamp}", "EEE", "orders-Tue"),
    ],
)
def test_timestamp_router_formats(topic_format: str, timestamp_format: str, expected: str) -> None:
    router = configure(TimestampRouter, {"topic.format": topic_format, "timestamp.format": timestamp_format})
    assert router.apply(sink(topic="orders", timestamp=1483425001864)).topic == expected


def test_timestamp_router_needs_a_timestamp() -> None:
    router = configure(TimestampRouter, {})
    with pytest.raises(DataException, match="^Timestamp missing on record: "):
        router.apply(sink(topic="orders", timestamp=None))


def test_timestamp_router_invalid_format() -> None:
    with pytest.raises(ConfigException, match="Illegal pattern character 'b'"):
        configure(TimestampRouter, {"timestamp.format": "bad"})

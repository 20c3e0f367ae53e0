"""TopicNameMatches, HasHeaderKey, RecordIsTombstone and Filter."""

from __future__ import annotations

import pytest

from connectrt.config.configdef import ConfigException
from connectrt.transforms.filter import Filter
from connectrt.transforms.predicates import HasHeaderKey, RecordIsTombstone, TopicNameMatches

from .helpers import configure, headers, sink, source

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("pattern", "topic", "matches"),
    [
        ("my-prefix-.*", "my-prefix-", True),
        ("my-prefix-.*", "my-prefix-foo", True),
        ("my-prefix-.*", "x-my-prefix-", False),
        ("my-prefix-.*", "your-prefix-", False),
        ("orders", "orders-2024", False),  # the whole topic must match
        ("(?i)ORDERS", "orders", True),
        (r"\Qa.b\E", "a.b", True),
        (r"\Qa.b\E", "axb", False),
        ("db\\.(inventory|sales)\\..+", "db.sales.orders", True),
    ],
)
def test_topic_name_matches(pattern: str, topic: str, matches: bool) -> None:
    predicate = configure(TopicNameMatches, {"pattern": pattern})
    assert predicate.test(sink(topic=topic)) is matches
    assert predicate.test(sink(topic=topic)) is matches  # cached answer


def test_topic_name_matches_null_topic() -> None:
    predicate = configure(TopicNameMatches, {"pattern": ".*"})
    record = sink(topic="x")
    record.topic = None  # type: ignore[assignment]
    assert predicate.test(record) is False


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        ({}, 'Missing required configuration "pattern" which has no default value.'),
        ({"pattern": ""}, "Invalid value  for configuration pattern: String must be non-empty"),
        (
            {"pattern": "["},
            "Invalid value [ for configuration pattern: Invalid regex: Unclosed character class",
        ),
        ({"pattern": r"\p{IsLatin}.*"}, "Invalid regex: Unsupported Java regex construct"),
    ],
)
def test_topic_name_matches_invalid(configs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigException) as e:
        configure(TopicNameMatches, configs)
    assert message in str(e.value)


def test_topic_name_matches_validate() -> None:
    definition = TopicNameMatches().config()
    assert all(not v.errors for v in definition.validate({"pattern": "my-prefix-.*"}))
    errors = definition.validate({"pattern": "*"})[0].errors
    assert len(errors) == 1 and "Invalid regex" in errors[0]


def test_has_header_key() -> None:
    predicate = configure(HasHeaderKey, {"name": "h"})
    assert predicate.test(source(headers=headers(("h", None))))
    assert predicate.test(source(headers=headers(("a", 1), ("h", 2), ("h", 3))))
    assert not predicate.test(source(headers=headers(("H", 1))))
    assert not predicate.test(source())
    assert repr(predicate) == "HasHeaderKey{name='h'}"


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        ({}, 'Missing required configuration "name" which has no default value.'),
        ({"name": ""}, "Invalid value  for configuration name: String must be non-empty"),
    ],
)
def test_has_header_key_invalid(configs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigException) as e:
        configure(HasHeaderKey, configs)
    assert str(e.value) == message


def test_record_is_tombstone() -> None:
    predicate = configure(RecordIsTombstone, {})
    assert predicate.test(sink(value=None, key="k"))
    assert not predicate.test(sink(value={}))
    assert not predicate.test(sink(value=0))
    assert predicate.config().names() == []


def test_filter_drops_everything() -> None:
    xform = configure(Filter, {"anything": "ignored"})
    assert xform.apply(sink(value=1)) is None
    assert xform.apply(source(value=None)) is None
    assert xform.config().names() == []

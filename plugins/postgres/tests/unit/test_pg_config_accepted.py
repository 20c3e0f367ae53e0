"""Debezium's keys connectrt does not implement: listed, ignored when harmless, refused when they
would change the events (connectrt_postgres.config_accepted)."""

from __future__ import annotations

import pytest
from connectrt.config.configdef import ConfigException

from connectrt_postgres.config import CONFIG_DEF, parse_config
from connectrt_postgres.config_accepted import ACCEPTED
from connectrt_postgres.connector import PostgresConnector

pytestmark = pytest.mark.unit

BASE = {"database.hostname": "h", "database.user": "u", "database.dbname": "d", "topic.prefix": "p"}


def _errors(extra: dict[str, str]) -> dict[str, list[str]]:
    return {v.name: v.errors for v in PostgresConnector().validate({**BASE, **extra}) if v.errors}


def test_every_debezium_key_is_listed_and_says_it_is_not_implemented() -> None:
    keys = CONFIG_DEF.config_keys()
    for name, *_ in ACCEPTED:
        assert keys[name].documentation.startswith("Not implemented by connectrt"), name
        assert keys[name].group in ("Postgres", "Connector", "Events"), name  # Debezium's layout


@pytest.mark.parametrize(
    "extra",
    [
        {"query.fetch.size": "500", "max.queue.size.in.bytes": "1048576"},
        {"openlineage.integration.enabled": "true", "openlineage.integration.job.tags": "a=b,c=d"},
        {"guardrail.collections.max": "10", "guardrail.collections.limit.action": "fail"},
        {"signal.enabled.channels": "source,kafka", "statistics.metrics.enabled": "false"},
        # Debezium's defaults spelled out, as configs exported from a Java cluster do
        {
            "topic.naming.strategy": "io.debezium.schema.SchemaTopicNamingStrategy",
            "snapshot.query.mode": "SELECT_ALL",
        },
    ],
)
def test_harmless_keys_are_accepted_and_ignored(extra: dict[str, str]) -> None:
    assert _errors(extra) == {}
    parse_config({**BASE, **extra})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("converters", "boolean"),
        ("post.processors", "reselector"),
        ("signal.data.collection", "public.signals"),
        ("topic.naming.strategy", "io.debezium.schema.DefaultUnicodeTopicNamingStrategy"),
        ("heartbeat.topics.prefix", "beats"),
        ("snapshot.query.mode", "custom"),
        ("include.schema.comments", "true"),
        ("slot.failover", "true"),
        ("replica.identity.autoset.values", "public.t:FULL"),
        ("sourceinfo.struct.maker", "com.example.Maker"),
    ],
)
def test_keys_that_would_change_the_events_are_refused(key: str, value: str) -> None:
    message = f"{key} is not supported by connectrt; remove it (or set it to Debezium's default)."
    assert _errors({key: value}) == {key: [message]}
    with pytest.raises(ConfigException, match="not supported by connectrt"):
        parse_config({**BASE, key: value})


@pytest.mark.parametrize("key", ["column.mask.with.12.chars", "column.truncate.to.20.chars"])
def test_column_masking_is_refused_when_the_task_starts(key: str) -> None:
    with pytest.raises(ConfigException, match=f"{key} \\(column masking or truncation\\) is not supported"):
        parse_config({**BASE, key: "public.t.c"})


def test_a_class_name_in_a_request_is_never_loaded() -> None:
    # the class-valued keys are strings: validating one imports nothing
    assert _errors({"memory.management.tables.class": "os.system"}) == {}
    assert CONFIG_DEF.config_keys()["transaction.metadata.factory"].type.name == "STRING"


def test_validate_words_errors_as_debezium_and_start_as_kafka() -> None:
    errors = _errors({"database.port": "x", "snapshot.mode": "sometimes"})
    assert errors["database.port"] == ["The 'database.port' value is invalid: An integer is expected"]
    assert errors["snapshot.mode"] == [
        "The 'snapshot.mode' value is invalid: Value must be one of always, initial_only, configuration_based, "
        "when_needed, initial, custom, no_data"
    ]
    no_host = {v.name: v.errors for v in PostgresConnector().validate({"topic.prefix": "p"}) if v.errors}
    assert no_host["database.hostname"] == ["The 'database.hostname' value is invalid: A value is required"]
    with pytest.raises(ConfigException, match="Invalid value x for configuration database.port"):
        parse_config({**BASE, "database.port": "x"})


def test_required_keys_are_checked_as_debezium_checks_them() -> None:
    keys = CONFIG_DEF.config_keys()
    assert keys["topic.prefix"].default_value is None  # "required": false in the answers, as Debezium's
    assert keys["schema.include.list"].dependents == ["table.include.list"]
    answers = {v.name: v for v in PostgresConnector().validate({"database.hostname": "h"})}
    assert answers["database.user"].errors == ["The 'database.user' value is invalid: A value is required"]
    assert not answers["schema.exclude.list"].visible
    with pytest.raises(ConfigException, match="The 'topic.prefix' value is invalid: A value is required"):
        parse_config({k: v for k, v in BASE.items() if k != "topic.prefix"})


def test_regex_lists_are_described_as_lists_and_keep_escaped_commas() -> None:
    assert CONFIG_DEF.config_keys()["table.include.list"].type.name == "LIST"
    c = parse_config(
        {**BASE, "table.include.list": r" public\.t_\d{1\,3}, public.other ", "skipped.operations": "c,d"}
    )
    assert c.get("table.include.list") == r"public\.t_\d{1\,3}, public.other"
    assert c.skipped_operations == frozenset({"c", "d"})
    assert parse_config(BASE).skipped_operations == frozenset({"t"})  # Debezium's default, "t"


def test_snapshot_fetch_size_unset_is_debeziums_default() -> None:
    assert CONFIG_DEF.config_keys()["snapshot.fetch.size"].default_value is None  # as Debezium lists it
    assert parse_config(BASE).get("snapshot.fetch.size") == 10240
    assert parse_config({**BASE, "snapshot.fetch.size": "500"}).get("snapshot.fetch.size") == 500

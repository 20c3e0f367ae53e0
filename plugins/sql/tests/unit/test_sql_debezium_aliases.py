"""Debezium's deprecated aliases carry Debezium's defaults (table.name.format=${topic},
database.time_zone=UTC, table.naming.strategy=its default class) and still only win when set."""

from __future__ import annotations

import pytest
from connectrt.config.configdef import ConfigException, Importance

from connectrt_sql.config import DEBEZIUM, DEBEZIUM_DEF, parse_settings, validate_config

pytestmark = pytest.mark.unit

BASE = {"connection.url": "jdbc:postgresql://db.example:5432/warehouse", "connection.username": "u"}


def test_the_aliases_have_debeziums_defaults_and_importance() -> None:
    keys = DEBEZIUM_DEF.config_keys()
    assert keys["table.name.format"].default_value == "${topic}"
    assert keys["database.time_zone"].default_value == "UTC"
    assert (
        keys["table.naming.strategy"].default_value
        == "io.debezium.sink.naming.DefaultCollectionNamingStrategy"
    )
    assert keys["primary.key.mode"].importance is Importance.HIGH
    assert keys["connection.pool.max_size"].importance is Importance.LOW
    assert "cloud.events.schema.name.pattern" in keys


def test_the_new_key_is_used_unless_the_alias_is_set() -> None:
    new = parse_settings(
        DEBEZIUM, {**BASE, "collection.name.format": "t_${topic}", "use.time.zone": "Europe/Paris"}
    )
    assert (new.table_format, new.time_zone) == ("t_${topic}", "Europe/Paris")
    old = parse_settings(
        DEBEZIUM,
        {
            **BASE,
            "collection.name.format": "t_${topic}",
            "table.name.format": "old",
            "database.time_zone": "UTC",
        },
    )
    assert (old.table_format, old.time_zone) == ("old", "UTC")


@pytest.mark.parametrize("key", ["collection.naming.strategy", "table.naming.strategy"])
def test_a_custom_naming_strategy_is_refused_on_the_key_that_names_it(key: str) -> None:
    errors = {
        cv.name: cv.errors
        for cv in validate_config(DEBEZIUM, {**BASE, key: "com.example.Naming"})
        if cv.errors
    }
    assert errors == {
        key: [
            "Collection naming strategy com.example.Naming is not available in connectrt; "
            "remove the key to use the default strategy."
        ]
    }


def test_connection_url_is_required_as_debezium_checks_it() -> None:
    key = DEBEZIUM_DEF.config_keys()["connection.url"]
    assert not key.has_default or key.default_value is None  # "required": false, as Debezium answers
    errors = {
        cv.name: cv.errors for cv in validate_config(DEBEZIUM, {"connection.username": "u"}) if cv.errors
    }
    assert errors == {"connection.url": ["The 'connection.url' value is invalid: A value is required"]}
    with pytest.raises(ConfigException, match="connection.url' value is invalid: A value is required"):
        parse_settings(DEBEZIUM, {"connection.username": "u"})

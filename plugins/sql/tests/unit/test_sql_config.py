"""Config compatibility: both Java sinks' keys, defaults and validation messages; JDBC URL
translation; plugin registration through the entry point."""

from __future__ import annotations

from typing import Any

import pytest
from connectrt.config.configdef import ConfigException
from connectrt.runtime.plugins import Plugins

from connectrt_sql.config import (
    CONFLUENT,
    CONFLUENT_DEF,
    DEBEZIUM,
    DEBEZIUM_DEF,
    parse_settings,
    validate_config,
)
from connectrt_sql.urls import UrlError, parse_connection_url

pytestmark = pytest.mark.unit

PG = "jdbc:postgresql://db.example:5432/warehouse"


def errors(flavour: str, props: dict[str, str]) -> dict[str, list[str]]:
    return {cv.name: cv.errors for cv in validate_config(flavour, props) if cv.errors}


def test_registered_through_the_entry_point_under_both_java_names() -> None:
    plugins = Plugins()  # entry points only: no module.Class import by name
    debezium = plugins.connector_class("io.debezium.connector.jdbc.JdbcSinkConnector")
    confluent = plugins.connector_class("io.confluent.connect.jdbc.JdbcSinkConnector")
    assert debezium.__name__ == "JdbcSinkConnector" and debezium.__module__ == "connectrt_sql.connector"
    assert confluent.__name__ == "ConfluentJdbcSinkConnector"
    assert debezium.VERSION == "3.4.0.Final"


def test_debezium_defaults() -> None:
    defaults: dict[str, Any] = {k: v.default_value for k, v in DEBEZIUM_DEF.config_keys().items()}
    assert {
        k: defaults[k]
        for k in (
            "insert.mode",
            "delete.enabled",
            "truncate.enabled",
            "collection.name.format",
            "primary.key.mode",
            "schema.evolution",
            "quote.identifiers",
            "use.time.zone",
            "batch.size",
            "flush.max.retries",
            "flush.retry.delay.ms",
            "use.reduction.buffer",
            "connection.pool.max_size",
        )
    } == {
        "insert.mode": "insert",
        "delete.enabled": False,
        "truncate.enabled": False,
        "collection.name.format": "${topic}",
        "primary.key.mode": "none",
        "schema.evolution": "none",
        "quote.identifiers": False,
        "use.time.zone": "UTC",
        "batch.size": 500,
        "flush.max.retries": 5,
        "flush.retry.delay.ms": 1000,
        "use.reduction.buffer": False,
        "connection.pool.max_size": 32,
    }


def test_confluent_defaults() -> None:
    defaults: dict[str, Any] = {k: v.default_value for k, v in CONFLUENT_DEF.config_keys().items()}
    assert {
        k: defaults[k]
        for k in (
            "insert.mode",
            "batch.size",
            "delete.enabled",
            "table.name.format",
            "pk.mode",
            "pk.fields",
            "auto.create",
            "auto.evolve",
            "quote.sql.identifiers",
            "max.retries",
            "retry.backoff.ms",
            "db.timezone",
        )
    } == {
        "insert.mode": "insert",
        "batch.size": 3000,
        "delete.enabled": False,
        "table.name.format": "${topic}",
        "pk.mode": "none",
        "pk.fields": [],
        "auto.create": False,
        "auto.evolve": False,
        "quote.sql.identifiers": "ALWAYS",
        "max.retries": 10,
        "retry.backoff.ms": 3000,
        "db.timezone": "UTC",
    }


def test_debezium_validation_messages() -> None:
    base = {"connection.url": PG, "connection.username": "u"}
    assert errors(DEBEZIUM, {**base, "insert.mode": "upsert"}) == {
        "insert.mode": ["When using UPSERT, please define 'primary.key.mode' and 'primary.key.fields'."]
    }
    assert errors(DEBEZIUM, {**base, "insert.mode": "upsert", "primary.key.fields": "id"}) == {
        "insert.mode": ["When using UPSERT, please define 'primary.key.mode'."]
    }
    assert errors(DEBEZIUM, {**base, "delete.enabled": "true", "primary.key.mode": "record_value"}) == {
        "delete.enabled": [
            "When 'delete.enabled' is set to 'true', the 'primary.key.mode' option must be set to "
            "'record_key'."
        ]
    }
    [bogus] = errors(DEBEZIUM, {**base, "insert.mode": "bogus"})[
        "insert.mode"
    ]  # wording: ConfigDef's validator
    assert bogus.startswith(
        "Invalid value bogus for configuration insert.mode: String must be one of (case insensitive): "
    ) and {"insert", "upsert", "update"} == set(bogus.rsplit(": ", 1)[1].lower().split(", "))
    assert errors(DEBEZIUM, {"connection.url": PG}) == {
        "connection.username": ["The 'connection.username' value is invalid: A value is required"]
    }
    assert errors(DEBEZIUM, {"connection.url": "jdbc:duckdb:/tmp/w.duckdb"}) == {}  # no user for a file


def test_confluent_validation_messages() -> None:
    assert errors(CONFLUENT, {"connection.url": PG, "delete.enabled": "true"}) == {
        "pk.mode": ["Primary key mode must be 'record_key' when delete support is enabled"]
    }
    assert errors(CONFLUENT, {"connection.url": PG, "insert.mode": "upsert"}) == {
        "pk.mode": [
            "insert.mode 'upsert' needs a primary key: set pk.mode to record_key, record_value or kafka."
        ]
    }
    assert errors(CONFLUENT, {}) == {
        "connection.url": ['Missing required configuration "connection.url" which has no default value.']
    }


def test_bad_urls_are_validate_errors() -> None:
    assert errors(CONFLUENT, {"connection.url": "jdbc:sqlserver://h:1433;databaseName=x"}) == {
        "connection.url": [
            "connection.url 'jdbc:sqlserver://h:1433;databaseName=x': the JDBC subprotocol "
            "'sqlserver' has no translation in connectrt (known: postgresql, mysql, mariadb, sqlite, "
            "duckdb); give an SQLAlchemy URL instead."
        ]
    }
    assert errors(CONFLUENT, {"connection.url": "nosuchdb://h/x"}) == {
        "connection.url": [
            "connection.url names an unknown database dialect 'nosuchdb'; known: postgresql, duckdb, "
            "sqlite, mysql, mariadb, or any SQLAlchemy dialect installed in the worker."
        ]
    }
    assert errors(CONFLUENT, {"connection.url": "jdbc:mysql://h:3306/db"}) == {
        "connection.url": [
            "connection.url uses the mysql dialect, whose Python driver is not installed: run pip "
            "install 'pymysql' in the worker's environment."
        ]
    }
    assert errors(CONFLUENT, {"connection.url": "not a url"})["connection.url"][0].startswith(
        "connection.url 'not a url' is neither a JDBC URL"
    )


def test_start_raises_the_first_problem() -> None:
    with pytest.raises(ConfigException, match="When 'delete.enabled' is set to 'true'"):
        parse_settings(DEBEZIUM, {"connection.url": PG, "connection.username": "u", "delete.enabled": "true"})


@pytest.mark.parametrize(
    ("jdbc", "expected"),
    [
        ("jdbc:postgresql://h:5432/db", "postgresql+psycopg://h:5432/db"),
        (
            "jdbc:postgresql://h/db?user=bob&password=pw&sslmode=require&loggerLevel=OFF",
            "postgresql+psycopg://bob:***@h/db?sslmode=require",
        ),
        (
            "jdbc:postgresql://h:5432/db?currentSchema=dw",
            "postgresql+psycopg://h:5432/db?options=-csearch_path%3Ddw",
        ),
        ("jdbc:sqlite:/var/data/w.db", "sqlite:////var/data/w.db"),
        ("jdbc:sqlite::memory:", "sqlite://"),
        ("jdbc:duckdb:/var/data/w.duckdb", "duckdb:////var/data/w.duckdb"),
        ("jdbc:duckdb:", "duckdb://"),
        ("postgresql://h/db", "postgresql+psycopg://h/db"),
        ("duckdb:///w.duckdb", "duckdb:///w.duckdb"),
    ],
)
def test_jdbc_urls_translate(jdbc: str, expected: str) -> None:
    assert parse_connection_url(jdbc).display == expected


def test_credentials_come_from_the_connector_keys_and_never_show() -> None:
    url = parse_connection_url("jdbc:postgresql://h:5432/db", "alice", "s3cr@t/:")
    assert url.url.username == "alice" and url.url.password == "s3cr@t/:"
    assert "s3cr" not in url.display


def test_error_messages_hide_passwords() -> None:
    with pytest.raises(UrlError) as e:
        parse_connection_url("jdbc:postgresql:nohost?user=a&password=topsecret")
    assert "topsecret" not in str(e.value)

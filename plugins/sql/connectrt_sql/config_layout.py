"""How Debezium's JDBC sink 3.4.0.Final lays its keys out for UIs (``GET /connector-plugins/.../config``):
each key's group, order in the group, width and display name, in Debezium's order. Generated once
from the recording of a real Debezium worker (tests/compat/data/java_debezium_plugins.json, produced
by ``python -m tests.compat.plugin_diff --record``); ``tests/compat/test_plugin_fidelity.py`` checks
that it still matches. Documentation texts are connectrt's own.
"""

from __future__ import annotations

from connectrt.config.configdef import Width
from connectrt.config.layout import LayoutEntry

# name, group, order_in_group, width, display name
DEBEZIUM_LAYOUT: list[LayoutEntry] = [
    ("connection.url", "Connector", 1, Width.LONG, "Hostname"),
    ("connection.username", "Connector", 2, Width.SHORT, "User"),
    ("connection.password", "Connector", 3, Width.SHORT, "Password"),
    ("connection.pool.min_size", "Connector", 4, Width.SHORT, "Connection pool minimum size"),
    ("connection.pool.max_size", "Connector", 5, Width.SHORT, "Connection pool maximum size"),
    ("connection.pool.acquire_increment", "Connector", 6, Width.SHORT, "Connection pool acquire increment"),
    ("connection.pool.timeout", "Connector", 7, Width.SHORT, "Connection pool timeout"),
    ("insert.mode", "Connector", 8, Width.SHORT, "The insertion mode to use"),
    (
        "delete.enabled",
        "Connector",
        9,
        Width.SHORT,
        "Controls whether records can be deleted by the connector",
    ),
    (
        "truncate.enabled",
        "Connector",
        10,
        Width.SHORT,
        "Controls whether tables can be truncated by the connector",
    ),
    ("collection.name.format", "Connector", 11, Width.MEDIUM, "A format string for the collection name"),
    ("table.name.format", "Connector", 11, Width.MEDIUM, "A format string for the collection name"),
    ("primary.key.mode", "Connector", 12, Width.SHORT, "Primary key mode"),
    ("primary.key.fields", "Connector", 13, Width.MEDIUM, "Comma-separated list of primary key field names"),
    (
        "schema.evolution",
        "Connector",
        14,
        Width.SHORT,
        "Controls how schema evolution is handled by the sink connector",
    ),
    (
        "quote.identifiers",
        "Connector",
        15,
        Width.SHORT,
        "Controls whether table, column, or other identifiers are quoted",
    ),
    ("collection.naming.strategy", "Connector", 16, Width.LONG, "CollectionNamingStrategy class"),
    ("table.naming.strategy", "Connector", 16, Width.LONG, "CollectionNamingStrategy class"),
    (
        "column.naming.strategy",
        "Connector",
        17,
        Width.LONG,
        "Name of the strategy class that implements the ColumnNamingStrategy interface",
    ),
    ("collection.table.format", "Connector", 18, Width.LONG, "Format string using table name"),
    ("use.time.zone", "Connector", 19, Width.SHORT, "The timezone used when inserting temporal values."),
    ("database.time_zone", "Connector", 19, Width.SHORT, "The timezone used when inserting temporal values."),
    (
        "dialect.postgres.postgis.schema",
        "Connector",
        20,
        Width.LONG,
        "Name of the schema where postgis extension is installed",
    ),
    (
        "dialect.sqlserver.identity.insert",
        "Connector",
        21,
        Width.SHORT,
        "Allowing to insert explicit value for identity column in table for SQLSERVER.",
    ),
    (
        "batch.size",
        "Connector",
        22,
        Width.SHORT,
        # Debezium's display name here is two sentences of documentation: connectrt shows a name
        "Batch size",
    ),
    ("field.include.list", "Connector", 23, Width.LONG, "Include Fields"),
    ("field.exclude.list", "Connector", 24, Width.LONG, "Exclude Fields"),
    ("flush.max.retries", "Connector", 25, Width.SHORT, "Max retry count"),
    ("flush.retry.delay.ms", "Connector", 26, Width.SHORT, "Delay to retry flush"),
    ("connection.restart.on.errors", "Connector", 27, Width.SHORT, "Restart connection on errors"),
    (
        "cloud.events.schema.name.pattern",
        "Connector",
        28,
        Width.LONG,
        "CloudEvents messages schema name pattern",
    ),
]

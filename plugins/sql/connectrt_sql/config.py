"""The two config dialects the SQL sink accepts, and the one settings object it works with.

``DEBEZIUM_DEF`` has the keys, defaults and enum values of Debezium's JDBC sink
(``io.debezium.connector.jdbc.JdbcSinkConnector``); ``CONFLUENT_DEF`` those of Confluent's JDBC sink
(``io.confluent.connect.jdbc.JdbcSinkConnector``). :func:`parse_settings` turns either into a
:class:`SinkSettings`; :func:`validate_values` adds Java's cross-key errors (and ours: a URL we
cannot use, a driver that is not installed) to a validate answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    CaseInsensitiveValidString,
    ConfigDef,
    ConfigException,
    Importance,
    Password,
    Range,
    Type,
    Validator,
)
from connectrt.config.layout import define_in_layout_order

from connectrt_sql.config_layout import DEBEZIUM_LAYOUT
from connectrt_sql.urls import DatabaseUrl, UrlError, parse_connection_url, redact_url

log = logging.getLogger(__name__)

DEBEZIUM = "debezium"
CONFLUENT = "confluent"
DEBEZIUM_VERSION = "3.4.0.Final"
CONFLUENT_VERSION = "10.8.4"

INSERT_MODES = ("insert", "upsert", "update")
DEBEZIUM_PK_MODES = ("none", "kafka", "record_key", "record_value", "record_header")
CONFLUENT_PK_MODES = ("none", "kafka", "record_key", "record_value")
KAFKA_PK_COLUMNS = ("__connect_topic", "__connect_partition", "__connect_offset")

_Def = tuple[str, Type, Any, tuple[str, ...] | None, str]

_DEBEZIUM_KEYS: list[_Def] = [
    # required, but defined without a default and checked by validate_values, as Debezium does
    ("connection.url", Type.STRING, None, None, "Valid JDBC URL (or an SQLAlchemy URL)."),
    (
        "connection.username",
        Type.STRING,
        None,
        None,
        "Name of the database user; required for server databases, not for sqlite/duckdb files.",
    ),
    ("connection.password", Type.PASSWORD, None, None, "Password of the database user."),
    (
        "connection.provider",
        Type.STRING,
        "org.hibernate.c3p0.internal.C3P0ConnectionProvider",
        None,
        "Accepted for compatibility; connectrt keeps one connection per task.",
    ),
    ("connection.pool.min_size", Type.INT, 5, None, "Accepted for compatibility (one connection per task)."),
    ("connection.pool.max_size", Type.INT, 32, None, "Accepted for compatibility (one connection per task)."),
    ("connection.pool.acquire_increment", Type.INT, 32, None, "Accepted for compatibility."),
    ("connection.pool.timeout", Type.LONG, 1800, None, "Accepted for compatibility."),
    (
        "insert.mode",
        Type.STRING,
        "insert",
        INSERT_MODES,
        "insert, upsert (needs primary.key.mode) or update.",
    ),
    (
        "delete.enabled",
        Type.BOOLEAN,
        False,
        None,
        "Apply delete events and tombstones as DELETE; needs primary.key.mode=record_key.",
    ),
    ("truncate.enabled", Type.BOOLEAN, False, None, "Apply truncate events (op=t) as TRUNCATE."),
    (
        "collection.name.format",
        Type.STRING,
        "${topic}",
        None,
        "Destination table: ${topic} (dots become underscores), ${source.table}, ${source.schema}, ...",
    ),
    (
        "table.name.format",
        Type.STRING,
        "${topic}",
        None,
        "Deprecated alias of collection.name.format (used when set).",
    ),
    (
        "primary.key.mode",
        Type.STRING,
        "none",
        DEBEZIUM_PK_MODES,
        "none, kafka, record_key, record_value or record_header.",
    ),
    ("primary.key.fields", Type.STRING, None, None, "Comma-separated primary key column names."),
    (
        "schema.evolution",
        Type.STRING,
        "none",
        ("none", "basic"),
        "none (tables must exist) or basic (create tables, add missing columns).",
    ),
    ("quote.identifiers", Type.BOOLEAN, False, None, "Quote every table and column name."),
    (
        "collection.naming.strategy",
        Type.STRING,
        "io.debezium.sink.naming.DefaultCollectionNamingStrategy",
        None,
        "Only the default strategy is supported.",
    ),
    (
        "table.naming.strategy",
        Type.STRING,
        "io.debezium.sink.naming.DefaultCollectionNamingStrategy",
        None,
        "Deprecated alias of collection.naming.strategy; only the default strategy is supported.",
    ),
    (
        "column.naming.strategy",
        Type.STRING,
        "io.debezium.connector.jdbc.naming.DefaultColumnNamingStrategy",
        None,
        "Only the default strategy is supported.",
    ),
    ("collection.table.format", Type.STRING, "${table}", None, "Accepted for compatibility."),
    ("use.time.zone", Type.STRING, "UTC", None, "Time zone of temporal values written without one."),
    ("database.time_zone", Type.STRING, "UTC", None, "Deprecated alias of use.time.zone (used when set)."),
    ("dialect.postgres.postgis.schema", Type.STRING, "public", None, "Accepted for compatibility."),
    (
        "dialect.postgres.unnest.insert.enabled",
        Type.BOOLEAN,
        False,
        None,
        "Accepted; PostgreSQL targets always load through COPY.",
    ),
    ("dialect.sqlserver.identity.insert", Type.BOOLEAN, False, None, "Accepted for compatibility."),
    ("batch.size", Type.INT, 500, None, "Rows per statement batch."),
    (
        "field.include.list",
        Type.LIST,
        None,
        None,
        "Regexes of fields to write, as <topic>:<field> or <field>.",
    ),
    (
        "field.exclude.list",
        Type.LIST,
        None,
        None,
        "Regexes of fields not to write, as <topic>:<field> or <field>.",
    ),
    ("flush.max.retries", Type.INT, 5, None, "Retries of a batch after a connection error."),
    ("flush.retry.delay.ms", Type.LONG, 1000, None, "Delay between retries of a batch."),
    ("connection.restart.on.errors", Type.BOOLEAN, False, None, "Reconnect after a connection error."),
    (
        "use.reduction.buffer",
        Type.BOOLEAN,
        False,
        None,
        "Accepted; upserts are always reduced to the last change per key within a batch.",
    ),
    (
        "cloud.events.schema.name.pattern",
        Type.STRING,
        ".*CloudEvents\\.Envelope$",
        None,
        "Accepted for compatibility.",
    ),
]

_CONFLUENT_KEYS: list[_Def] = [
    ("connection.url", Type.STRING, NO_DEFAULT_VALUE, None, "JDBC connection URL (or an SQLAlchemy URL)."),
    ("connection.user", Type.STRING, None, None, "JDBC connection user."),
    ("connection.password", Type.PASSWORD, None, None, "JDBC connection password."),
    ("connection.attempts", Type.INT, 3, None, "Attempts to open a connection."),
    ("connection.backoff.ms", Type.LONG, 10000, None, "Backoff between connection attempts."),
    ("dialect.name", Type.STRING, "", None, "Accepted; the dialect comes from connection.url."),
    ("insert.mode", Type.STRING, "insert", INSERT_MODES, "insert, upsert or update."),
    ("batch.size", Type.INT, 3000, None, "Records per statement batch."),
    (
        "delete.enabled",
        Type.BOOLEAN,
        False,
        None,
        "Treat null record values as deletes; needs pk.mode=record_key.",
    ),
    (
        "table.name.format",
        Type.STRING,
        "${topic}",
        None,
        "Destination table name format; ${topic} is the topic.",
    ),
    ("pk.mode", Type.STRING, "none", CONFLUENT_PK_MODES, "none, kafka, record_key or record_value."),
    ("pk.fields", Type.LIST, "", None, "Primary key field names."),
    ("fields.whitelist", Type.LIST, "", None, "Value fields to write (all when empty)."),
    ("db.timezone", Type.STRING, "UTC", None, "Time zone of temporal values written without one."),
    ("date.timezone", Type.STRING, "DB_TIMEZONE", ("DB_TIMEZONE", "UTC"), "Accepted for compatibility."),
    ("auto.create", Type.BOOLEAN, False, None, "Create missing tables."),
    ("auto.evolve", Type.BOOLEAN, False, None, "Add missing columns."),
    ("quote.sql.identifiers", Type.STRING, "ALWAYS", ("ALWAYS", "NEVER"), "ALWAYS or NEVER."),
    ("max.retries", Type.INT, 10, None, "Retries of a batch after an error."),
    ("retry.backoff.ms", Type.INT, 3000, None, "Delay between retries of a batch."),
    ("table.types", Type.LIST, "TABLE", None, "Accepted for compatibility."),
    ("timestamp.precision.mode", Type.STRING, "MICROSECONDS", ("MICROSECONDS", "NANOSECONDS"), "Accepted."),
    ("timestamp.fields.list", Type.LIST, "", None, "Accepted for compatibility."),
    ("replace.null.with.default", Type.BOOLEAN, True, None, "Write a column's default for a null value."),
    ("mssql.use.merge.holdlock", Type.BOOLEAN, True, None, "Accepted for compatibility."),
    ("trim.sensitive.log", Type.BOOLEAN, False, None, "Accepted for compatibility."),
]


#: Debezium's importance of its keys (the others are MEDIUM).
_DEBEZIUM_IMPORTANCE: dict[str, Importance] = {
    **dict.fromkeys(
        ("connection.url", "connection.username", "connection.password", "primary.key.mode"), Importance.HIGH
    ),
    **dict.fromkeys(
        (
            "connection.pool.min_size",
            "connection.pool.max_size",
            "connection.pool.acquire_increment",
            "connection.pool.timeout",
            "connection.restart.on.errors",
            "insert.mode",
            "delete.enabled",
            "truncate.enabled",
            "primary.key.fields",
            "schema.evolution",
            "quote.identifiers",
            "collection.naming.strategy",
            "table.naming.strategy",
            "column.naming.strategy",
            "dialect.postgres.postgis.schema",
            "dialect.sqlserver.identity.insert",
            "flush.max.retries",
            "flush.retry.delay.ms",
            "cloud.events.schema.name.pattern",
        ),
        Importance.LOW,
    ),
}


def _specs(keys: list[_Def], importance: Mapping[str, Importance] | None = None) -> dict[str, dict[str, Any]]:
    """``ConfigDef.define`` keyword arguments of each key, by name."""
    specs: dict[str, dict[str, Any]] = {}
    for name, type_, default, enum, doc in keys:
        validator: Validator | None = CaseInsensitiveValidString.in_(*enum) if enum else None
        if name in (
            "batch.size",
            "max.retries",
            "flush.max.retries",
            "retry.backoff.ms",
            "flush.retry.delay.ms",
        ):
            validator = Range.at_least(1 if name == "batch.size" else 0)
        if importance is not None:
            level = importance.get(name, Importance.MEDIUM)
        else:
            level = Importance.HIGH if name.startswith("connection.") else Importance.MEDIUM
        specs[name] = {
            "type": type_,
            "default_value": default,
            "validator": validator,
            "importance": level,
            "documentation": doc,
        }
    return specs


#: Debezium's keys in its order and layout (config_layout), then connectrt's extra ones
DEBEZIUM_DEF = define_in_layout_order(_specs(_DEBEZIUM_KEYS, _DEBEZIUM_IMPORTANCE), DEBEZIUM_LAYOUT)
CONFLUENT_DEF = define_in_layout_order(_specs(_CONFLUENT_KEYS), [])


def config_def(flavour: str) -> ConfigDef:
    return DEBEZIUM_DEF if flavour == DEBEZIUM else CONFLUENT_DEF


@dataclass(frozen=True)
class SinkSettings:
    """What the task needs, whichever connector's keys it was given in."""

    flavour: str
    url: DatabaseUrl
    insert_mode: str
    pk_mode: str
    pk_fields: tuple[str, ...]
    delete_enabled: bool
    truncate_enabled: bool
    table_format: str
    auto_create: bool
    auto_evolve: bool
    quote_identifiers: bool
    time_zone: str
    batch_size: int
    max_retries: int
    retry_backoff_ms: int
    field_include: tuple[str, ...] = ()
    field_exclude: tuple[str, ...] = ()
    fields_whitelist: tuple[str, ...] = ()
    replace_null_with_default: bool = False
    ignored_keys: tuple[str, ...] = field(default=())

    @property
    def upsert(self) -> bool:
        return self.insert_mode == "upsert"


def split_list(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else value.split(",")
    return tuple(s.strip() for s in items if s.strip())


def _password(value: Any) -> str | None:
    if isinstance(value, Password):
        return value.value
    return None if value is None else str(value)


def _alias(props: Mapping[str, str], values: Mapping[str, Any], deprecated: str, key: str) -> Any:
    """A deprecated key's value when it is set (it has a default of its own, as in Debezium), else
    ``key``'s."""
    return values[deprecated] if props.get(deprecated) not in (None, "") else values[key]


def parse_settings(flavour: str, props: Mapping[str, str]) -> SinkSettings:
    """Parse and check ``props``; raise ConfigException with the first problem."""
    values = config_def(flavour).parse(props)
    errors = validate_values(flavour, props, values)
    if errors:
        raise ConfigException(errors[0][1])
    url = _url(flavour, values)
    hibernate = tuple(sorted(k for k in props if k.startswith("hibernate.")))
    if flavour == DEBEZIUM:
        evolve = values["schema.evolution"].lower() == "basic"
        return SinkSettings(
            flavour=flavour,
            url=url,
            insert_mode=values["insert.mode"].lower(),
            pk_mode=values["primary.key.mode"].lower(),
            pk_fields=split_list(values["primary.key.fields"]),
            delete_enabled=values["delete.enabled"],
            truncate_enabled=values["truncate.enabled"],
            table_format=_alias(props, values, "table.name.format", "collection.name.format"),
            auto_create=evolve,
            auto_evolve=evolve,
            quote_identifiers=values["quote.identifiers"],
            time_zone=_alias(props, values, "database.time_zone", "use.time.zone"),
            batch_size=values["batch.size"],
            max_retries=values["flush.max.retries"],
            retry_backoff_ms=values["flush.retry.delay.ms"],
            field_include=split_list(values["field.include.list"]),
            field_exclude=split_list(values["field.exclude.list"]),
            ignored_keys=hibernate,
        )
    return SinkSettings(
        flavour=flavour,
        url=url,
        insert_mode=values["insert.mode"].lower(),
        pk_mode=values["pk.mode"].lower(),
        pk_fields=split_list(values["pk.fields"]),
        delete_enabled=values["delete.enabled"],
        truncate_enabled=False,
        table_format=values["table.name.format"],
        auto_create=values["auto.create"],
        auto_evolve=values["auto.evolve"],
        quote_identifiers=values["quote.sql.identifiers"].upper() == "ALWAYS",
        time_zone=values["db.timezone"],
        batch_size=values["batch.size"],
        max_retries=values["max.retries"],
        retry_backoff_ms=values["retry.backoff.ms"],
        fields_whitelist=split_list(values["fields.whitelist"]),
        replace_null_with_default=values["replace.null.with.default"],
        ignored_keys=hibernate,
    )


def _url(flavour: str, values: Mapping[str, Any]) -> DatabaseUrl:
    user_key = "connection.username" if flavour == DEBEZIUM else "connection.user"
    return parse_connection_url(
        values["connection.url"], values.get(user_key), _password(values["connection.password"])
    )


def validate_values(
    flavour: str, props: Mapping[str, str], values: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """Java's cross-key checks plus ours, as (key, message) pairs; ``values`` are parsed values."""
    errors: list[tuple[str, str]] = []
    pk_key = "primary.key.mode" if flavour == DEBEZIUM else "pk.mode"
    pk_mode = str(values.get(pk_key) or "none").lower()
    insert_mode = str(values.get("insert.mode") or "insert").lower()
    if flavour == DEBEZIUM:
        if not values.get("connection.url"):
            errors.append(("connection.url", "The 'connection.url' value is invalid: A value is required"))
        if insert_mode == "upsert" and pk_key not in props:
            if "primary.key.fields" not in props:
                errors.append(
                    (
                        "insert.mode",
                        "When using UPSERT, please define 'primary.key.mode' and 'primary.key.fields'.",
                    )
                )
            else:
                errors.append(("insert.mode", "When using UPSERT, please define 'primary.key.mode'."))
        if values.get("delete.enabled") and pk_mode != "record_key":
            errors.append(
                (
                    "delete.enabled",
                    "When 'delete.enabled' is set to 'true', the 'primary.key.mode' option "
                    "must be set to 'record_key'.",
                )
            )
        if values.get("field.include.list") and values.get("field.exclude.list"):
            errors.append(
                (
                    "field.include.list",
                    "Cannot define both field.exclude.list and field.include.list. Please specify only one.",
                )
            )
        for key in ("table.naming.strategy", "collection.naming.strategy"):
            strategy = values.get(key)
            if strategy and not str(strategy).endswith("DefaultCollectionNamingStrategy"):
                errors.append(
                    (
                        key,
                        f"Collection naming strategy {strategy} is not available in "
                        "connectrt; remove the key to use the default strategy.",
                    )
                )
    else:
        if values.get("delete.enabled") and pk_mode != "record_key":
            errors.append(("pk.mode", "Primary key mode must be 'record_key' when delete support is enabled"))
        if pk_mode == "kafka" and values.get("pk.fields") and len(values["pk.fields"]) != 3:
            errors.append(
                (
                    "pk.fields",
                    "PK mode for table is KAFKA so there should be exactly 3 PK fields (topic, "
                    "partition, offset).",
                )
            )
    if insert_mode in ("upsert", "update") and pk_mode == "none" and not errors:
        errors.append(
            (
                pk_key,
                f"insert.mode '{insert_mode}' needs a primary key: set {pk_key} to record_key, "
                "record_value or kafka.",
            )
        )
    url = values.get("connection.url")
    if url:
        try:
            parsed = _url(flavour, values)
            if (
                flavour == DEBEZIUM
                and parsed.needs_user
                and not values.get("connection.username")
                and not parsed.url.username
            ):
                errors.append(
                    ("connection.username", "The 'connection.username' value is invalid: A value is required")
                )
        except UrlError as e:
            errors.append(("connection.url", str(e)))
    return errors


def validate_config(flavour: str, props: Mapping[str, str]) -> list[Any]:
    """The validate answer: per-key parse errors, then the cross-key ones."""
    cd = config_def(flavour)
    results = cd.validate_all(props)
    url = results["connection.url"]
    if isinstance(url.value, str):
        url.value = redact_url(url.value)  # a password written into the URL is not echoed back
    try:
        parsed = cd.parse(props)
    except ConfigException:
        return list(results.values())
    for name, message in validate_values(flavour, props, parsed):
        results[name].add_error(message)
    return list(results.values())

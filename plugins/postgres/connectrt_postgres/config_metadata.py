"""What Debezium 3.6.1's PostgresConnector says about its keys beyond name, type and default: the
importance of each key, the order its enum recommenders list the values in (Java's HashSet
order), as ``GET /connector-plugins/.../config`` and validate answer them, and the wording of
validate's errors (:class:`DebeziumConfigDef`).

Checked against the recording of a real Debezium worker by ``tests/compat/test_plugin_fidelity.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectrt.config.configdef import (
    ConfigDef,
    ConfigException,
    ConfigKey,
    ConfigValue,
    Importance,
    Recommender,
    Type,
    Validator,
)

#: Keys Debezium requires a value for: it defines them without a default ("required": false in
#: the answers) and checks them itself, saying "A value is required".
REQUIRED = ("topic.prefix", "database.hostname", "database.user", "database.dbname")

#: Lists Debezium types LIST but splits itself, on commas not preceded by a backslash (a regex may
#: hold ``\,``): described as LIST, parsed to the string given, which the connector splits.
RAW_LISTS = frozenset(
    (
        "skipped.operations",
        "snapshot.include.collection.list",
        "message.prefix.include.list",
        "message.prefix.exclude.list",
        "column.include.list",
        "column.exclude.list",
        "table.include.list",
        "table.exclude.list",
        "schema.include.list",
        "schema.exclude.list",
        "column.propagate.source.type",
        "datatype.propagate.source.type",
    )
)

#: Keys whose importance is not MEDIUM.
IMPORTANCE: dict[str, Importance] = {
    **dict.fromkeys(
        (
            *REQUIRED,
            "database.port",
            "database.password",
            "table.include.list",
            "schema.include.list",
        ),
        Importance.HIGH,
    ),
    **dict.fromkeys(
        (
            "database.query.timeout.ms",
            "slot.stream.params",
            "database.initial.statements",
            "slot.max.retries",
            "slot.retry.delay.ms",
            "skipped.operations",
            "lsn.flush.mode",
            "flush.lsn.source",
            "provide.transaction.metadata",
            "snapshot.delay.ms",
            "streaming.delay.ms",
            "retriable.restart.connector.wait.ms",
            "errors.max.retries",
            "extended.headers.enabled",
            "snapshot.isolation.mode",
            "snapshot.locking.mode",
            "hstore.handling.mode",
            "binary.handling.mode",
            "schema.name.adjustment.mode",
            "interval.handling.mode",
            "heartbeat.action.query",
        ),
        Importance.LOW,
    ),
}

#: The values Debezium recommends for its enum keys, in the order its worker lists them.
RECOMMENDED: dict[str, tuple[str, ...]] = {
    "plugin.name": ("decoderbufs", "pgoutput"),
    "publication.autocreate.mode": ("no_tables", "filtered", "disabled", "all_tables"),
    "database.sslmode": ("allow", "prefer", "disable", "verify-ca", "require", "verify-full"),
    "lsn.flush.timeout.action": ("fail", "warn", "ignore"),
    "lsn.flush.mode": ("connector_and_driver", "connector", "manual"),
    "event.processing.failure.handling.mode": ("warn", "fail", "ignore", "skip"),
    "decimal.handling.mode": ("string", "double", "precise"),
    "time.precision.mode": (
        "adaptive",
        "adaptive_time_microseconds",
        "isostring",
        "microseconds",
        "nanoseconds",
        "connect",
    ),
    "snapshot.mode": (
        "always",
        "initial_only",
        "configuration_based",
        "when_needed",
        "initial",
        "custom",
        "no_data",
    ),
    "snapshot.isolation.mode": ("read_uncommitted", "repeatable_read", "read_committed", "serializable"),
    "snapshot.locking.mode": ("shared", "custom", "none"),
    "hstore.handling.mode": ("json", "map"),
    "binary.handling.mode": ("bytes", "base64", "hex", "base64-url-safe"),
    "schema.name.adjustment.mode": ("none", "avro_unicode", "avro"),
    "interval.handling.mode": ("string", "numeric"),
    # keys connectrt does not implement (config_accepted)
    "incremental.snapshot.watermarking.strategy": ("insert_delete", "insert_insert"),
    "guardrail.collections.limit.action": ("warn", "fail"),
    "snapshot.query.mode": ("custom", "select_all"),
    "schema.refresh.mode": ("columns_diff", "columns_diff_exclude_unchanged_toast"),
    "snapshot.tables.order.by.row.count": ("disabled", "ascending", "descending"),
}


class EnumRecommender(Recommender):
    """Recommends an enum key's values as Debezium lists them."""

    def __init__(self, values: tuple[str, ...]) -> None:
        self.values = values

    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]:
        return list(self.values)


class NullOr(Validator):
    """``inner``'s check for a set value; an unset one (null) passes."""

    def __init__(self, inner: Validator) -> None:
        self.inner = inner

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is not None:
            self.inner.ensure_valid(name, value)

    def __str__(self) -> str:
        return str(self.inner)


_INTEGERS = (Type.SHORT, Type.INT, Type.LONG)


def debezium_error(key: ConfigKey, message: str) -> str:
    """Debezium's wording of a validate error Kafka's ConfigDef words otherwise ("The 'k' value is
    invalid: ..."); other messages unchanged."""
    if message.startswith("Missing required configuration"):
        reason = "A value is required"
    elif key.type in _INTEGERS and "Not a number" in message:
        reason = "An integer is expected"
    elif key.name in RECOMMENDED and "must be one of" in message:
        reason = "Value must be one of " + ", ".join(RECOMMENDED[key.name])
    else:
        return message
    return f"The '{key.name}' value is invalid: {reason}"


def _required_message(name: str) -> str:
    return f"The '{name}' value is invalid: A value is required"


class DebeziumConfigDef(ConfigDef):
    """A ConfigDef that checks :data:`REQUIRED` as Debezium does, parses :data:`RAW_LISTS` to the
    string given, and whose validate words its errors as Debezium does (parsing at start keeps
    Kafka's wording, which names the value)."""

    def parse(self, props: Mapping[str, Any]) -> dict[str, Any]:
        values = super().parse(props)
        for name in RAW_LISTS & values.keys():
            raw = props.get(name)
            if isinstance(raw, str):
                values[name] = raw.strip()
            elif isinstance(values[name], list):
                values[name] = ",".join(values[name])
        for name in REQUIRED:
            if values.get(name) is None:
                raise ConfigException(_required_message(name))
        return values

    def validate_all(self, props: Mapping[str, Any]) -> dict[str, ConfigValue]:
        values = super().validate_all(props)
        keys = self.config_keys()
        for name, value in values.items():
            value.errors = [debezium_error(keys[name], e) for e in value.errors]
        for name in REQUIRED:
            if name in values and values[name].value is None and not values[name].errors:
                values[name].add_error(_required_message(name))
        return values


class Visibility(Recommender):
    """Debezium's visibility of a key (schema.exclude.list is answered as not visible)."""

    def __init__(self, visible: bool) -> None:
        self._visible = visible

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool:
        return self._visible

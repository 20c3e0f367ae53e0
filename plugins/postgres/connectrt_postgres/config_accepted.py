"""Debezium 3.6.1 PostgresConnector keys that connectrt does not implement, listed so that
``GET /connector-plugins/.../config`` shows every key Debezium shows, with Debezium's type, default
and importance (and its layout, from config_layout); their documentation starts "Not implemented by
connectrt".

Two kinds: keys whose effect connectrt can do without (tuning, metrics, lineage, the Java classes
Debezium loads at their defaults) are accepted and ignored; keys that would change the events or
the source database are refused by validate when set to anything but Debezium's default
(:func:`unsupported_values`), with one sentence saying to remove them. Class-valued keys are typed
STRING: connectrt loads no Java class.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from connectrt.config.configdef import Importance, Type

from connectrt_postgres.config_metadata import RECOMMENDED, EnumRecommender

_H, _M, _L = Importance.HIGH, Importance.MEDIUM, Importance.LOW

# name, type, Debezium's default, importance, changes the events or the database when set
ACCEPTED: list[tuple[str, Type, Any, Importance, bool]] = [
    ("replica.identity.autoset.values", Type.STRING, None, _M, True),
    ("slot.failover", Type.BOOLEAN, False, _M, True),
    ("database.sslfactory", Type.STRING, None, _M, False),
    ("xmin.fetch.interval.ms", Type.LONG, 0, _M, False),
    ("max.queue.size.in.bytes", Type.LONG, 0, _M, False),
    ("snapshot.max.threads.multiplier", Type.INT, 1, _M, False),
    ("legacy.snapshot.max.threads", Type.BOOLEAN, False, _L, False),
    ("internal.legacy.snapshot.max.threads", Type.BOOLEAN, False, _L, False),
    ("snapshot.mode.custom.name", Type.STRING, None, _M, False),
    ("snapshot.mode.configuration.based.snapshot.data", Type.BOOLEAN, False, _M, False),
    ("snapshot.mode.configuration.based.snapshot.schema", Type.BOOLEAN, False, _M, False),
    ("snapshot.mode.configuration.based.start.stream", Type.BOOLEAN, False, _M, False),
    ("snapshot.mode.configuration.based.snapshot.on.schema.error", Type.BOOLEAN, False, _M, False),
    ("snapshot.mode.configuration.based.snapshot.on.data.error", Type.BOOLEAN, False, _M, False),
    ("query.fetch.size", Type.INT, 0, _M, False),
    ("incremental.snapshot.watermarking.strategy", Type.STRING, "INSERT_INSERT", _L, False),
    ("internal.log.position.check.enable", Type.BOOLEAN, True, _M, False),
    ("internal.advanced.metrics.enable", Type.BOOLEAN, False, _M, False),
    ("connection.validation.timeout.ms", Type.LONG, 60000, _L, False),
    ("executor.shutdown.timeout.ms", Type.LONG, 4000, _M, False),
    ("openlineage.integration.enabled", Type.BOOLEAN, False, _L, False),
    ("openlineage.integration.config.file.path", Type.STRING, "./openlineage.yml", _L, False),
    ("openlineage.integration.job.namespace", Type.STRING, None, _L, False),
    ("openlineage.integration.job.description", Type.STRING, "Debezium change data capture job", _L, False),
    ("openlineage.integration.job.tags", Type.LIST, None, _L, False),
    ("openlineage.integration.job.owners", Type.LIST, None, _L, False),
    ("openlineage.integration.dataset.kafka.bootstrap.servers", Type.STRING, None, _L, False),
    ("guardrail.collections.max", Type.INT, 0, _M, False),
    ("guardrail.collections.limit.action", Type.STRING, "warn", _M, False),
    (
        "custom.sanitize.pattern",
        Type.STRING,
        ".*secret$|.*password$|.*sasl\\.jaas\\.config$|.*basic\\.auth\\.user\\.info|"
        ".*registry\\.auth\\.client-secret|.*credentials\\.json$|.*connectionstring$|.*connection\\.string$",
        _L,
        False,
    ),
    ("statistics.metrics.enabled", Type.BOOLEAN, True, _M, False),
    (
        "memory.management.schemas.class",
        Type.STRING,
        "io.debezium.relational.ConcurrentMapTableMappingStorage",
        _L,
        False,
    ),
    (
        "memory.management.tables.class",
        Type.STRING,
        "io.debezium.relational.ConcurrentMapTableMappingStorage",
        _L,
        False,
    ),
    ("snapshot.query.mode", Type.STRING, "select_all", _L, True),
    ("snapshot.query.mode.custom.name", Type.STRING, None, _M, False),
    ("snapshot.locking.mode.custom.name", Type.STRING, None, _M, False),
    ("schema.refresh.mode", Type.STRING, "columns_diff", _M, False),
    ("incremental.snapshot.chunk.size", Type.INT, 1024, _M, False),
    ("converters", Type.STRING, None, _L, True),
    ("post.processors", Type.STRING, None, _L, True),
    ("heartbeat.topics.prefix", Type.STRING, "__debezium-heartbeat", _L, True),
    ("signal.data.collection", Type.LIST, None, _M, True),
    ("signal.poll.interval.ms", Type.LONG, 5000, _M, False),
    ("signal.enabled.channels", Type.LIST, "source", _M, False),
    ("topic.naming.strategy", Type.STRING, "io.debezium.schema.SchemaTopicNamingStrategy", _M, True),
    ("notification.enabled.channels", Type.LIST, None, _M, False),
    ("notification.sink.topic.name", Type.STRING, None, _H, False),
    (
        "transaction.metadata.factory",
        Type.STRING,
        "io.debezium.pipeline.txmetadata.DefaultTransactionMetadataFactory",
        _L,
        True,
    ),
    ("custom.metric.tags", Type.LIST, None, _L, False),
    ("table.ignore.builtin", Type.BOOLEAN, True, _L, False),
    ("column.mask.hash.([^.]+).with.salt.(.+)", Type.STRING, None, _M, True),
    ("column.mask.with.(d+).chars", Type.STRING, None, _M, True),
    ("column.truncate.to.(d+).chars", Type.INT, None, _M, True),
    ("include.schema.comments", Type.BOOLEAN, False, _M, True),
    ("internal.snapshot.scan.all.columns.force", Type.BOOLEAN, False, _L, False),
    ("snapshot.tables.order.by.row.count", Type.STRING, "disabled", _M, False),
    (
        "sourceinfo.struct.maker",
        Type.STRING,
        "io.debezium.connector.postgresql.PostgresSourceInfoStructMaker",
        _L,
        True,
    ),
]

#: Key patterns Debezium reads (column.mask.with.12.chars, ...) that change the events.
_UNSUPPORTED_PREFIXES = ("column.mask.", "column.truncate.")


def accepted_specs() -> dict[str, dict[str, Any]]:
    """``ConfigDef.define`` keyword arguments of each key, by name."""
    specs: dict[str, dict[str, Any]] = {}
    for name, type_, default, importance, changes_events in ACCEPTED:
        effect = (
            "Not implemented by connectrt: set to anything but its default, it is refused."
            if changes_events
            else "Not implemented by connectrt: accepted and ignored."
        )
        specs[name] = {
            "type": type_,
            "default_value": default,
            "importance": importance,
            "documentation": effect,
            "recommender": EnumRecommender(RECOMMENDED[name]) if name in RECOMMENDED else None,
        }
    return specs


def _text(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def unsupported_values(values: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """``(key, message)`` for each key that would change the events or the database and is set to
    something other than Debezium's default."""
    for name, _, default, _, changes_events in ACCEPTED:
        value = values.get(name)
        if changes_events and value not in (None, []) and _text(value).lower() != _text(default).lower():
            yield name, f"{name} is not supported by connectrt; remove it (or set it to Debezium's default)."


def unsupported_pattern_key(props: Mapping[str, Any]) -> str | None:
    """The first key naming a column masking or truncation rule (``column.mask.with.12.chars``),
    which connectrt does not implement, or None."""
    return next((k for k in props if k.startswith(_UNSUPPORTED_PREFIXES)), None)

"""PostgresConnector configuration: Debezium's property names, defaults and enum values.

``CONFIG_DEF`` describes every supported property (REST ``/connector-plugins/.../config`` shows
it); :class:`PostgresConfig` is the parsed, typed view the connector works with. Enum values are
matched case-insensitively after trimming, as Debezium does.

One documented difference: ``plugin.name`` defaults to ``pgoutput`` here (Debezium's default is
``decoderbufs``, an extension connectrt cannot read); an explicit ``decoderbufs`` is rejected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectrt.config.configdef import (
    CaseInsensitiveValidString,
    ConfigException,
    Importance,
    Password,
    Type,
)
from connectrt.config.layout import define_in_layout_order

from connectrt_postgres.config_accepted import accepted_specs, unsupported_pattern_key, unsupported_values
from connectrt_postgres.config_layout import LAYOUT
from connectrt_postgres.config_metadata import (
    IMPORTANCE,
    RECOMMENDED,
    DebeziumConfigDef,
    EnumRecommender,
    NullOr,
    Visibility,
)

DEBEZIUM_VERSION = "3.6.1.Final"
DEFAULT_SNAPSHOT_FETCH_SIZE = 10240

SNAPSHOT_MODES = ("always", "initial", "initial_only", "no_data", "when_needed")
UNSUPPORTED_SNAPSHOT_MODES = ("configuration_based", "custom")
PUBLICATION_MODES = ("all_tables", "disabled", "filtered", "no_tables")
DECIMAL_MODES = ("precise", "double", "string")
TIME_MODES = ("adaptive", "adaptive_time_microseconds", "connect", "isostring", "microseconds", "nanoseconds")
BINARY_MODES = ("bytes", "base64", "base64-url-safe", "hex")
HSTORE_MODES = ("json", "map")
INTERVAL_MODES = ("numeric", "string")
LSN_FLUSH_MODES = ("manual", "connector", "connector_and_driver")
FAILURE_MODES = ("fail", "warn", "skip", "ignore")
NAME_ADJUSTMENT_MODES = ("none", "avro", "avro_unicode")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
ISOLATION_MODES = ("serializable", "repeatable_read", "read_committed", "read_uncommitted")
LOCKING_MODES = ("none", "shared")

_C = "Connection"
_R = "Replication"
_F = "Filters"
_S = "Snapshot"
_E = "Events"

# name, type, default, enum values (or None), group, documentation
_DEFINITIONS: list[tuple[str, Type, Any, tuple[str, ...] | None, str, str]] = [
    (
        "database.hostname",
        Type.STRING,
        None,
        None,
        _C,
        "Resolvable hostname or IP address of the PostgreSQL server.",
    ),
    ("database.port", Type.INT, 5432, None, _C, "Port of the PostgreSQL server."),
    ("database.user", Type.STRING, None, None, _C, "Name of the database user to connect as."),
    ("database.password", Type.PASSWORD, None, None, _C, "Password of the database user."),
    (
        "database.dbname",
        Type.STRING,
        None,
        None,
        _C,
        "The name of the database to capture changes from.",
    ),
    (
        "database.sslmode",
        Type.STRING,
        "prefer",
        SSL_MODES,
        _C,
        "Whether to use an encrypted connection to the server.",
    ),
    ("database.sslcert", Type.STRING, None, None, _C, "File containing the client's SSL certificate."),
    ("database.sslkey", Type.STRING, None, None, _C, "File containing the client's SSL private key."),
    ("database.sslpassword", Type.PASSWORD, None, None, _C, "Password of the client's SSL private key."),
    (
        "database.sslrootcert",
        Type.STRING,
        None,
        None,
        _C,
        "File containing the root certificate(s) the server is checked against.",
    ),
    ("database.tcpKeepAlive", Type.BOOLEAN, True, None, _C, "Enable TCP keep-alive probes."),
    (
        "database.initial.statements",
        Type.STRING,
        None,
        None,
        _C,
        "Semicolon-separated SQL statements run on every new JDBC-side connection (not the replication one); ';;' escapes a semicolon.",
    ),
    (
        "database.query.timeout.ms",
        Type.INT,
        600000,
        None,
        _C,
        "Time to wait for a query to complete; 0 waits forever.",
    ),
    (
        "topic.prefix",
        Type.STRING,
        None,
        None,
        _C,
        "Logical name of the server: the prefix of every topic and the source partition.",
    ),
    (
        "plugin.name",
        Type.STRING,
        "pgoutput",
        ("pgoutput", "decoderbufs"),
        _R,
        "The logical decoding plugin; connectrt reads pgoutput.",
    ),
    ("slot.name", Type.STRING, "debezium", None, _R, "Name of the replication slot."),
    (
        "slot.drop.on.stop",
        Type.BOOLEAN,
        False,
        None,
        _R,
        "Drop the slot when the connector stops gracefully (for tests only).",
    ),
    ("slot.stream.params", Type.STRING, None, None, _R, "Extra START_REPLICATION options as 'k=v;k2=v2'."),
    (
        "slot.max.retries",
        Type.INT,
        6,
        None,
        _R,
        "How many times to retry creating the slot or starting the stream.",
    ),
    ("slot.retry.delay.ms", Type.LONG, 10000, None, _R, "Delay between slot retries."),
    (
        "status.update.interval.ms",
        Type.INT,
        10000,
        None,
        _R,
        "How often a standby status update is sent to the server.",
    ),
    (
        "publication.name",
        Type.STRING,
        "dbz_publication",
        None,
        _R,
        "Name of the publication the slot streams.",
    ),
    (
        "publication.autocreate.mode",
        Type.STRING,
        "all_tables",
        PUBLICATION_MODES,
        _R,
        "How the publication is created: all_tables, filtered, no_tables or disabled.",
    ),
    (
        "publish.via.partition.root",
        Type.BOOLEAN,
        False,
        None,
        _R,
        "Create the publication with publish_via_partition_root = true.",
    ),
    (
        "lsn.flush.mode",
        Type.STRING,
        None,
        LSN_FLUSH_MODES,
        _R,
        "Who confirms LSNs to the slot: connector (after Kafka committed the offsets), connector_and_driver, or manual (never).",
    ),
    (
        "flush.lsn.source",
        Type.BOOLEAN,
        True,
        None,
        _R,
        "Deprecated: true means lsn.flush.mode=connector, false means manual.",
    ),
    ("lsn.flush.timeout.ms", Type.LONG, 30000, None, _R, "How long a flush of the LSN to the slot may take."),
    (
        "lsn.flush.timeout.action",
        Type.STRING,
        "fail",
        ("fail", "warn", "ignore"),
        _R,
        "What to do when an LSN flush times out.",
    ),
    (
        "message.prefix.include.list",
        Type.LIST,
        None,
        None,
        _F,
        "Regexes of logical decoding message prefixes to capture.",
    ),
    (
        "message.prefix.exclude.list",
        Type.LIST,
        None,
        None,
        _F,
        "Regexes of logical decoding message prefixes not to capture.",
    ),
    ("schema.include.list", Type.LIST, None, None, _F, "Regexes of schemas to capture."),
    ("schema.exclude.list", Type.LIST, None, None, _F, "Regexes of schemas not to capture."),
    ("table.include.list", Type.LIST, None, None, _F, "Regexes of schema.table names to capture."),
    ("table.exclude.list", Type.LIST, None, None, _F, "Regexes of schema.table names not to capture."),
    (
        "column.include.list",
        Type.LIST,
        None,
        None,
        _F,
        "Regexes of schema.table.column names to include in events.",
    ),
    (
        "column.exclude.list",
        Type.LIST,
        None,
        None,
        _F,
        "Regexes of schema.table.column names to leave out of events.",
    ),
    (
        "message.key.columns",
        Type.STRING,
        None,
        None,
        _F,
        "Custom key columns: 'regexTable:col1,col2;regex2:colA'.",
    ),
    (
        "snapshot.mode",
        Type.STRING,
        "initial",
        SNAPSHOT_MODES + UNSUPPORTED_SNAPSHOT_MODES,
        _S,
        "When to snapshot: initial, initial_only, no_data, when_needed or always.",
    ),
    (
        "snapshot.isolation.mode",
        Type.STRING,
        "serializable",
        ISOLATION_MODES,
        _S,
        "Isolation of the snapshot transaction when the slot already exists.",
    ),
    (
        "snapshot.locking.mode",
        Type.STRING,
        "none",
        LOCKING_MODES,
        _S,
        "none, or shared (LOCK TABLE ... IN ACCESS SHARE MODE while reading).",
    ),
    ("snapshot.lock.timeout.ms", Type.LONG, 10000, None, _S, "lock_timeout while taking snapshot locks."),
    (
        "snapshot.select.statement.overrides",
        Type.STRING,
        None,
        None,
        _S,
        "schema.table names whose snapshot SELECT is given by snapshot.select.statement.overrides.<schema>.<table>.",
    ),
    (
        "snapshot.include.collection.list",
        Type.LIST,
        None,
        None,
        _S,
        "Regexes of captured tables to snapshot (all captured tables by default).",
    ),
    (
        "snapshot.fetch.size",
        Type.INT,
        None,
        None,
        _S,
        f"Rows fetched per round trip while snapshotting; unset, {DEFAULT_SNAPSHOT_FETCH_SIZE}.",
    ),
    (
        "snapshot.max.threads",
        Type.INT,
        1,
        None,
        _S,
        "Snapshot threads (connectrt reads tables one at a time).",
    ),
    ("snapshot.delay.ms", Type.LONG, 0, None, _S, "Delay before the snapshot starts."),
    ("streaming.delay.ms", Type.LONG, 0, None, _S, "Delay before streaming starts."),
    ("max.batch.size", Type.INT, 2048, None, _E, "Maximum records returned by one poll."),
    (
        "max.queue.size",
        Type.INT,
        8192,
        None,
        _E,
        "Maximum records buffered between the database reader and poll().",
    ),
    ("poll.interval.ms", Type.LONG, 500, None, _E, "How long poll() waits for records."),
    (
        "heartbeat.interval.ms",
        Type.INT,
        0,
        None,
        _E,
        "How often heartbeat records are sent; 0 disables them.",
    ),
    (
        "heartbeat.action.query",
        Type.STRING,
        None,
        None,
        _E,
        "SQL run on every heartbeat, e.g. an INSERT into a heartbeat table.",
    ),
    (
        "topic.heartbeat.prefix",
        Type.STRING,
        "__debezium-heartbeat",
        None,
        _E,
        "Prefix of the heartbeat topic.",
    ),
    ("topic.delimiter", Type.STRING, ".", None, _E, "Delimiter between the parts of topic names."),
    ("topic.transaction", Type.STRING, "transaction", None, _E, "Suffix of the transaction metadata topic."),
    (
        "event.processing.failure.handling.mode",
        Type.STRING,
        "fail",
        FAILURE_MODES,
        _E,
        "What to do with an event that cannot be processed.",
    ),
    ("errors.max.retries", Type.INT, -1, None, _E, "Retries after a retriable error; -1 retries forever."),
    (
        "retriable.restart.connector.wait.ms",
        Type.LONG,
        10000,
        None,
        _E,
        "Wait before reconnecting after a retriable error.",
    ),
    (
        "decimal.handling.mode",
        Type.STRING,
        "precise",
        DECIMAL_MODES,
        _E,
        "How NUMERIC/DECIMAL/MONEY values are represented: precise, double or string.",
    ),
    ("time.precision.mode", Type.STRING, "adaptive", TIME_MODES, _E, "How temporal values are represented."),
    ("binary.handling.mode", Type.STRING, "bytes", BINARY_MODES, _E, "How bytea values are represented."),
    (
        "hstore.handling.mode",
        Type.STRING,
        "json",
        HSTORE_MODES,
        _E,
        "How hstore values are represented: json or map.",
    ),
    (
        "interval.handling.mode",
        Type.STRING,
        "numeric",
        INTERVAL_MODES,
        _E,
        "How interval values are represented: numeric (µs) or string (ISO 8601).",
    ),
    ("money.fraction.digits", Type.SHORT, 2, None, _E, "Scale of money values."),
    (
        "unavailable.value.placeholder",
        Type.STRING,
        "__debezium_unavailable_value",
        None,
        _E,
        "Value standing for an unchanged TOASTed column; a 'hex:' prefix means bytes.",
    ),
    (
        "include.unknown.datatypes",
        Type.BOOLEAN,
        False,
        None,
        _E,
        "Emit columns of unknown types as binary instead of leaving them out.",
    ),
    (
        "schema.name.adjustment.mode",
        Type.STRING,
        "none",
        NAME_ADJUSTMENT_MODES,
        _E,
        "How schema names are adjusted for Avro.",
    ),
    (
        "field.name.adjustment.mode",
        Type.STRING,
        "none",
        NAME_ADJUSTMENT_MODES,
        _E,
        "How field names are adjusted for Avro.",
    ),
    ("tombstones.on.delete", Type.BOOLEAN, True, None, _E, "Send a tombstone after every delete event."),
    (
        "skipped.operations",
        Type.LIST,
        "t",
        None,
        _E,
        "Operations not to emit: c, u, d, t (comma separated), or none.",
    ),
    (
        "provide.transaction.metadata",
        Type.BOOLEAN,
        False,
        None,
        _E,
        "Emit BEGIN/END transaction events and a transaction block in every change event.",
    ),
    (
        "extended.headers.enabled",
        Type.BOOLEAN,
        True,
        None,
        _E,
        "Add the __debezium.context.* headers to every change event.",
    ),
    (
        "column.propagate.source.type",
        Type.LIST,
        None,
        None,
        _E,
        "Regexes of columns whose schemas get __debezium.source.column.* parameters.",
    ),
    (
        "datatype.propagate.source.type",
        Type.LIST,
        None,
        None,
        _E,
        "Regexes of type names whose columns get __debezium.source.column.* parameters.",
    ),
]

_SPECS: dict[str, dict[str, Any]] = {}
for _name, _type, _default, _values, _group, _doc in _DEFINITIONS:
    _validator = CaseInsensitiveValidString(_values) if _values else None
    _SPECS[_name] = {
        "type": _type,
        "default_value": _default,
        "validator": NullOr(_validator) if _validator is not None and _default is None else _validator,
        "importance": IMPORTANCE.get(_name, Importance.MEDIUM),
        "documentation": _doc,
        "group": _group,
        "recommender": EnumRecommender(RECOMMENDED[_name]) if _name in RECOMMENDED else None,
    }
_SPECS["schema.include.list"]["dependents"] = ["table.include.list"]  # as Debezium answers
_SPECS["schema.exclude.list"]["recommender"] = Visibility(False)
_SPECS.update(accepted_specs())
CONFIG_DEF = define_in_layout_order(_SPECS, LAYOUT, DebeziumConfigDef())

_SLOT_NAME = re.compile(r"[a-z0-9_]{1,63}")
_SKIPPABLE = {"c", "u", "d", "t"}


def split_list(value: str | None) -> list[str]:
    """A comma-separated list where ``\\,`` keeps a comma inside an item (regex lists)."""
    if not value or not value.strip():
        return []
    return [part.replace("\\,", ",").strip() for part in re.split(r"(?<!\\),", value) if part.strip()]


@dataclass(frozen=True)
class PostgresConfig:
    """The parsed configuration of one connector."""

    values: dict[str, Any]
    originals: dict[str, str]
    hostname: str
    port: int
    user: str
    password: str | None
    dbname: str
    topic_prefix: str
    slot_name: str
    publication_name: str
    publication_mode: str
    snapshot_mode: str
    decimal_mode: str
    time_mode: str
    binary_mode: str
    hstore_mode: str
    interval_mode: str
    skipped_operations: frozenset[str] = field(default_factory=frozenset)

    def get(self, name: str) -> Any:
        value = self.values[name]
        return value.value if isinstance(value, Password) else value

    def enum(self, name: str) -> str:
        return str(self.values[name]).strip().lower()

    @property
    def lsn_flush_mode(self) -> str:
        if self.values.get("lsn.flush.mode") is None:  # unset: the deprecated flag decides, as in Debezium
            return "manual" if self.values.get("flush.lsn.source") is False else "connector"
        return self.enum("lsn.flush.mode")

    def libpq_params(self) -> dict[str, Any]:
        """Keyword arguments for ``psycopg.connect``."""
        params: dict[str, Any] = {
            "host": self.hostname,
            "port": self.port,
            "user": self.user,
            "dbname": self.dbname,
            "sslmode": self.enum("database.sslmode"),
            "keepalives": 1 if self.get("database.tcpKeepAlive") else 0,
            "application_name": f"connectrt-{self.topic_prefix}"[:63],
            "connect_timeout": 30,
        }
        if self.password is not None:
            params["password"] = self.password
        for key, libpq in (
            ("database.sslcert", "sslcert"),
            ("database.sslkey", "sslkey"),
            ("database.sslrootcert", "sslrootcert"),
            ("database.sslpassword", "sslpassword"),
        ):
            value = self.get(key)
            if value:
                params[libpq] = value
        return params

    def initial_statements(self) -> list[str]:
        text = self.get("database.initial.statements")
        if not text:
            return []
        parts = re.split(r"(?<!;);(?!;)", text)
        return [p.replace(";;", ";").strip() for p in parts if p.strip()]

    def select_overrides(self) -> dict[str, str]:
        """``{"schema.table": "SELECT ..."}`` from snapshot.select.statement.overrides[.<table>]."""
        out: dict[str, str] = {}
        for table in split_list(self.get("snapshot.select.statement.overrides")):
            statement = self.originals.get(f"snapshot.select.statement.overrides.{table}")
            if statement is None or not statement.strip():
                raise ConfigException(
                    f"snapshot.select.statement.overrides lists {table} but "
                    f"snapshot.select.statement.overrides.{table} is not set; add the SELECT for that table."
                )
            out[table] = statement.strip()
        return out


def parse_config(props: Mapping[str, str]) -> PostgresConfig:
    """Parse and cross-check a connector config; raises ConfigException with what to fix."""
    values = CONFIG_DEF.parse(props)
    errors = validate_values(values)
    if errors:
        raise ConfigException(errors[0][1])
    if values["snapshot.fetch.size"] is None:  # Debezium's default when neither fetch size is set
        values["snapshot.fetch.size"] = DEFAULT_SNAPSHOT_FETCH_SIZE
    masking = unsupported_pattern_key(props)
    if masking is not None:
        raise ConfigException(
            f"{masking} (column masking or truncation) is not supported by connectrt; remove it."
        )

    def e(name: str) -> str:
        return str(values[name]).strip().lower()

    password = values["database.password"]
    skipped = e("skipped.operations")
    return PostgresConfig(
        values=values,
        originals={k: str(v) for k, v in props.items()},
        hostname=values["database.hostname"],
        port=int(values["database.port"]),
        user=values["database.user"],
        password=password.value if isinstance(password, Password) else password,
        dbname=values["database.dbname"],
        topic_prefix=values["topic.prefix"],
        slot_name=values["slot.name"],
        publication_name=values["publication.name"],
        publication_mode=e("publication.autocreate.mode"),
        snapshot_mode=e("snapshot.mode"),
        decimal_mode=e("decimal.handling.mode"),
        time_mode=e("time.precision.mode"),
        binary_mode=e("binary.handling.mode"),
        hstore_mode=e("hstore.handling.mode"),
        interval_mode=e("interval.handling.mode"),
        skipped_operations=frozenset() if skipped == "none" else frozenset(split_list(skipped)),
    )


def validate_values(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Cross-field checks on parsed values: ``[(config name, message)]``."""
    errors: list[tuple[str, str]] = []

    def add(name: str, message: str) -> None:
        errors.append((name, message))

    def lower(name: str) -> str:
        value = values.get(name)
        return str(value).strip().lower() if value is not None else ""

    if lower("plugin.name") == "decoderbufs":
        add("plugin.name", "connectrt reads only the pgoutput plugin; set plugin.name=pgoutput.")
    slot = values.get("slot.name")
    if slot is not None and not _SLOT_NAME.fullmatch(str(slot)):
        add(
            "slot.name", f"slot.name '{slot}' is invalid; use 1-63 lower-case letters, digits or underscores."
        )
    prefix = values.get("topic.prefix")
    if prefix is not None and not re.fullmatch(r"[A-Za-z0-9._-]+", str(prefix)):
        add("topic.prefix", f"topic.prefix '{prefix}' may contain only letters, digits, '.', '_' and '-'.")
    if lower("snapshot.mode") in UNSUPPORTED_SNAPSHOT_MODES:
        add(
            "snapshot.mode",
            f"snapshot.mode {lower('snapshot.mode')} is not supported by connectrt; use one of {', '.join(SNAPSHOT_MODES)}.",
        )
    for a, b in (
        ("schema.include.list", "schema.exclude.list"),
        ("table.include.list", "table.exclude.list"),
        ("column.include.list", "column.exclude.list"),
        ("message.prefix.include.list", "message.prefix.exclude.list"),
    ):
        if values.get(a) and values.get(b):
            add(b, f"{a} and {b} cannot both be set; keep one of them.")
    skipped = lower("skipped.operations")
    if skipped and skipped != "none":
        bad = [op for op in split_list(skipped) if op not in _SKIPPABLE]
        if bad:
            add(
                "skipped.operations",
                f"skipped.operations has unknown operation(s) {', '.join(bad)}; use c, u, d, t or none.",
            )
    errors.extend(unsupported_values(values))
    for name in ("column.propagate.source.type", "datatype.propagate.source.type"):
        if values.get(name):
            add(name, f"{name} is not supported by connectrt yet; remove it.")
    max_batch = values.get("max.batch.size")
    max_queue = values.get("max.queue.size")
    if isinstance(max_batch, int) and isinstance(max_queue, int) and max_queue <= max_batch:
        add(
            "max.queue.size",
            f"max.queue.size ({max_queue}) must be larger than max.batch.size ({max_batch}).",
        )
    for name in ("max.batch.size", "snapshot.fetch.size", "status.update.interval.ms"):
        value = values.get(name)
        if isinstance(value, int) and value <= 0:
            add(name, f"{name} must be a positive number.")
    return errors

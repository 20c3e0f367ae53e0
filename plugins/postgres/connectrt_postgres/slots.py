"""Server checks, the publication and the replication slot, with errors that say what to fix.

The publication is created (or adjusted) before the slot, as Debezium does:
``all_tables`` creates ``FOR ALL TABLES`` when missing, ``filtered`` creates or re-sets it to the
captured tables on every start, ``no_tables`` creates an empty one (logical messages only) and
``disabled`` requires it to exist. With ``skipped.operations`` the publication publishes only the
operations that are not skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from connectrt.api.connector import ConnectException

from connectrt_postgres.catalog import TableId, quote_ident, quote_literal
from connectrt_postgres.config import PostgresConfig
from connectrt_postgres.replication import SlotInfo, slot_info

log = logging.getLogger(__name__)


class NonRetriableError(ConnectException):
    """A problem a restart cannot fix: the task fails with this message."""


class RetriableError(ConnectException):
    """A transient problem (connection lost, slot still held by an old session): retried."""


def check_server(conn: Any, config: PostgresConfig, streaming: bool) -> None:
    if streaming:
        row = conn.execute("SHOW wal_level").fetchone()
        level = row[0] if row else "?"
        if level != "logical":
            raise NonRetriableError(
                f"PostgreSQL's wal_level is '{level}'; set wal_level = logical in postgresql.conf and restart the server."
            )
    row = conn.execute(
        "SELECT rolsuper, rolreplication FROM pg_catalog.pg_roles WHERE rolname = current_user"
    ).fetchone()
    if streaming and row is not None and not (row[0] or row[1]):
        raise NonRetriableError(
            f"Database user '{config.user}' may not stream changes; grant it replication "
            f"(ALTER ROLE {quote_ident(config.user)} REPLICATION) or connect as another user."
        )


def _publish_option(config: PostgresConfig) -> str:
    options = []
    skipped = config.skipped_operations
    if skipped:
        ops = [
            name
            for op, name in (("c", "insert"), ("u", "update"), ("d", "delete"), ("t", "truncate"))
            if op not in skipped
        ]
        options.append(f"publish = {quote_literal(', '.join(ops))}")
    if config.get("publish.via.partition.root"):
        options.append("publish_via_partition_root = true")
    return f" WITH ({', '.join(options)})" if options else ""


def ensure_publication(conn: Any, config: PostgresConfig, captured: Callable[[], Sequence[TableId]]) -> None:
    name = config.publication_name
    mode = config.publication_mode
    row = conn.execute(
        "SELECT puballtables FROM pg_catalog.pg_publication WHERE pubname = %s", (name,)
    ).fetchone()
    quoted = quote_ident(name)
    try:
        if mode == "disabled":
            if row is None:
                raise NonRetriableError(
                    f"Publication '{name}' does not exist and publication.autocreate.mode is disabled; "
                    f"create it (CREATE PUBLICATION {quoted} FOR TABLE ...) or change publication.autocreate.mode."
                )
            return
        if mode == "all_tables":
            if row is None:
                log.info("Creating publication %s FOR ALL TABLES", name)
                conn.execute(f"CREATE PUBLICATION {quoted} FOR ALL TABLES{_publish_option(config)}")
            return
        if mode == "no_tables":
            if row is None:
                log.info("Creating publication %s with no tables", name)
                conn.execute(f"CREATE PUBLICATION {quoted}{_publish_option(config)}")
            return
        tables = list(captured())
        if not tables:
            raise NonRetriableError(
                "No table matches the connector's table filters, so publication.autocreate.mode=filtered has "
                "nothing to publish; fix schema.include.list / table.include.list."
            )
        table_list = ", ".join(t.quoted for t in tables)
        if row is None:
            log.info("Creating publication %s FOR TABLE %s", name, table_list)
            conn.execute(f"CREATE PUBLICATION {quoted} FOR TABLE {table_list}{_publish_option(config)}")
        elif row[0]:
            raise NonRetriableError(
                f"Publication '{name}' is FOR ALL TABLES and cannot be narrowed by publication.autocreate.mode=filtered; "
                "drop it, use another publication.name, or use publication.autocreate.mode=all_tables."
            )
        else:
            log.info("Setting the tables of publication %s to %s", name, table_list)
            conn.execute(f"ALTER PUBLICATION {quoted} SET TABLE {table_list}")
    except psycopg.errors.InsufficientPrivilege as e:
        raise NonRetriableError(
            f"Database user '{config.user}' may not create or change publication '{name}' ({e.diag.message_primary}); "
            "create the publication as a superuser or table owner and set publication.autocreate.mode=disabled."
        ) from e


def check_slot(
    conn: Any, config: PostgresConfig, sleep: Callable[[float], Any] = time.sleep
) -> SlotInfo | None:
    """The slot if it exists and is usable; waits for a slot still held by an older session."""
    name = config.slot_name
    retries = int(config.get("slot.max.retries"))
    delay_s = int(config.get("slot.retry.delay.ms")) / 1000
    attempt = 0
    while True:
        info = slot_info(conn, name)
        if info is None:
            return None
        if info.slot_type != "logical" or info.plugin != "pgoutput":
            raise NonRetriableError(
                f"Replication slot '{name}' is a {info.slot_type} slot for plugin '{info.plugin}', but connectrt "
                "reads pgoutput slots; drop the slot or set slot.name to another slot."
            )
        if info.database is not None and info.database != config.dbname:
            raise NonRetriableError(
                f"Replication slot '{name}' belongs to database '{info.database}', not '{config.dbname}'; "
                "set slot.name to a slot of this database."
            )
        if not info.active:
            return info
        attempt += 1
        if attempt > retries:
            raise RetriableError(
                f"Replication slot '{name}' is active for PID {info.active_pid}; stop the other consumer of the slot "
                "or set slot.name to another slot."
            )
        log.warning(
            "Replication slot %s is active for PID %s; waiting %.1f s (attempt %d of %d)",
            name,
            info.active_pid,
            delay_s,
            attempt,
            retries,
        )
        sleep(delay_s)


def drop_slot(conn: Any, name: str) -> None:
    try:
        conn.execute(
            "SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots "
            "WHERE slot_name = %s AND NOT active",
            (name,),
        )
        log.info("Dropped replication slot %s", name)
    except psycopg.Error as e:
        log.warning("Could not drop replication slot %s: %s", name, e)

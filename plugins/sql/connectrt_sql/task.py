"""JdbcSinkTask: each ``put()`` batch is one database transaction; offsets are committed only for
records whose transaction committed.

Records that cannot become rows (no schema, a key missing for an upsert, a value the column type
cannot take) and rows the database refuses (NOT NULL, type mismatch) go to Connect's error handling:
with ``errors.tolerance=all`` they are reported (log / dead letter queue with the
``__connect.errors.*`` headers) and the rest of the batch is written; otherwise the task fails
naming the record. A lost or refused connection is retried ``max.retries`` / ``flush.max.retries``
times, ``retry.backoff.ms`` / ``flush.retry.delay.ms`` apart (the batch is redelivered by the worker
as a RetriableException), then the task fails with the database's message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from connectrt.api.connector import ConnectException, RetriableException, SinkTask
from connectrt.api.data import DataException
from connectrt.api.records import SinkRecord
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, StatementError

from connectrt_sql.batch import BatchApplier
from connectrt_sql.config import (
    CONFLUENT,
    CONFLUENT_VERSION,
    DEBEZIUM,
    DEBEZIUM_VERSION,
    SinkSettings,
    parse_settings,
)
from connectrt_sql.records import Change, ChangeExtractor
from connectrt_sql.tables import TableManager
from connectrt_sql.writers import SqlWriter, writer_for

log = logging.getLogger(__name__)
TP = tuple[str, int]
GATHER_S = 2.0
GATHER_CHANGES = 10_000
BACKLOG_PUT = 500
"""a put of at least this many records (the worker's default max.poll.records) means a backlog"""
_BAD_VALUE = (DataException, ValueError, TypeError, KeyError, OverflowError, AttributeError)


def db_message(e: BaseException) -> str:
    """The database's own message, first line, without SQLAlchemy's statement dump."""
    orig = getattr(e, "orig", None) or e
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


_CONNECTION_ERRORS = {"OperationalError", "InterfaceError", "ConnectionException", "IOException"}
_DATA_ERRORS = {
    "DataError",
    "IntegrityError",
    "ProgrammingError",
    "DatabaseError",
    "NotSupportedError",
    "InternalError",
    "Error",
}


def classify(e: BaseException) -> str | None:
    """'connection' (retry), 'data' (a record the database refuses) or None (not a database error).

    The bulk writers call the driver directly (psycopg COPY, DuckDB), so driver exceptions are
    classified by their PEP 249 class names as well as SQLAlchemy's wrappers."""
    if isinstance(e, DBAPIError):
        if e.connection_invalidated or isinstance(e, InterfaceError):
            return "connection"
        if isinstance(e, OperationalError):
            # SQLite reports statement problems (no such table, unknown database) as OperationalError too.
            if type(e.orig).__module__.startswith("sqlite3") and not any(
                w in str(e.orig).lower() for w in ("locked", "unable to open", "disk i/o", "busy")
            ):
                return "data"
            return "connection"
        return "data"
    if isinstance(e, StatementError):
        return "data"
    names = {c.__name__ for c in type(e).__mro__}
    if names & _CONNECTION_ERRORS:
        return "connection"
    if names & _DATA_ERRORS and type(e).__module__.split(".")[0] in (
        "psycopg",
        "duckdb",
        "sqlite3",
        "pymysql",
    ):
        return "data"
    return None


def _keep_coordinates(changes: list[Change]) -> None:
    """Gathered changes keep their record's coordinates only (topic, partition, offset, timestamp, headers),
    not its key and value: a parsed Debezium envelope is ~2.7 KB, ~27 MB for 10,000 gathered changes. Only
    what reports a record refused later needs the record, and the worker reports a record of an earlier
    put by its coordinates anyway (it keeps the consumed bytes of its latest poll only)."""
    for ch in changes:
        r = ch.record
        ch.record = r.new_record(r.topic, r.kafka_partition, None, None, None, None, r.timestamp, r.headers)


class _ContextLog(logging.LoggerAdapter[logging.Logger]):
    """Log lines with Java's ``[connector|task-n]`` context."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"[{self.extra['ctx']}] {msg}", kwargs  # type: ignore[index]


def task_context(props: Mapping[str, str]) -> str:
    """``connector|task-n`` from the connector name and the worker's task thread (``task-thread-<c>-<n>``)."""
    name = props.get("name", "sql-sink")
    thread = threading.current_thread().name
    if thread.startswith(f"task-thread-{name}-") and thread.rsplit("-", 1)[1].isdigit():
        return f"{name}|task-{thread.rsplit('-', 1)[1]}"
    return name


class JdbcSinkTask(SinkTask):
    """The task of both JDBC sink connectors (the connector's flavour picks the config keys)."""

    #: Java's name of this task class: the ``task.class`` of its task configs (a Java worker can run them).
    ALIASES = ("io.debezium.connector.jdbc.JdbcSinkConnectorTask",)

    FLAVOUR = DEBEZIUM

    def __init__(self) -> None:
        self.settings: SinkSettings | None = None
        self.engine: Engine | None = None
        self.conn: Connection | None = None
        self.lock = threading.RLock()
        self.retries_left = 0
        self.uncommitted: dict[TP, int] = {}
        """per partition, the first offset put but not yet in a committed transaction"""
        self.buffer: list[Change] = []
        self.buffered_at = time.monotonic()
        self.gather = False
        self.records = 0
        self.batches = 0
        self.failed_records = 0
        self.table_rows: dict[str, int] = {}
        self._rows_wanted = 0.0
        self._counter: threading.Thread | None = None
        self._stopped = threading.Event()
        self.log: logging.Logger | logging.LoggerAdapter[logging.Logger] = log

    def version(self) -> str:
        return DEBEZIUM_VERSION if self.FLAVOUR == DEBEZIUM else CONFLUENT_VERSION

    def start(self, props: Mapping[str, str]) -> None:
        self.log = _ContextLog(logging.getLogger(__name__), {"ctx": task_context(props)})
        s = self.settings = parse_settings(self.FLAVOUR, props)
        if s.ignored_keys:
            self.log.warning(
                "Ignoring %d hibernate.* settings (%s): connectrt writes through SQLAlchemy, not Hibernate",
                len(s.ignored_keys),
                ", ".join(s.ignored_keys),
            )
        connect_args: dict[str, Any] = {"check_same_thread": False} if s.url.dialect == "sqlite" else {}
        self.engine = sa.create_engine(s.url.url, poolclass=sa.pool.NullPool, connect_args=connect_args)
        self.tables = TableManager(s, self.engine.dialect, self.log)
        self.extractor = ChangeExtractor(s, self.engine.dialect.name)
        self.writer: SqlWriter = writer_for(s, self.tables)
        self.applier = BatchApplier(self.writer, self.tables, s.insert_mode)
        self.retries_left = s.max_retries
        # Every commit has a fixed cost (PostgreSQL: a WAL flush; DuckDB: 0.3-0.5 s on a 300k-row table).
        # While the worker delivers full batches (a backlog), puts are gathered into transactions of up
        # to GATHER_S seconds / GATHER_CHANGES changes; a short batch (caught up) is written at once.
        # Not with a dead letter queue: the worker keeps the consumed bytes of its latest poll only, and a
        # record refused in a gathered transaction must reach the DLQ with its original key and value.
        self.gather = not str(props.get("errors.deadletterqueue.topic.name") or "").strip()
        self.log.info(
            "Writing to %s (%s, insert.mode=%s, primary key mode %s)",
            s.url.display,
            self.engine.dialect.name,
            s.insert_mode,
            s.pk_mode,
        )

    def stop(self) -> None:
        self._stopped.set()
        with self.lock:
            self._drop_connection()
            if self.engine is not None:
                self.engine.dispose()

    # --- the connection -----------------------------------------------------------------------
    def _connection(self) -> Connection:
        if self.conn is None:
            assert self.engine is not None
            self.conn = self.engine.connect()
        return self.conn

    def _drop_connection(self) -> None:
        if self.conn is not None:
            try:
                self.conn.invalidate()
                self.conn.close()
            except Exception:
                pass
            self.conn = None
        if hasattr(self, "writer"):
            self.writer.rolled_back()

    # --- put ----------------------------------------------------------------------------------
    def put(self, records: Sequence[SinkRecord]) -> None:
        if not records:
            return
        changes: list[Change] = []
        extract = self.extractor.extract
        for r in records:
            try:
                ch = extract(r)
            except _BAD_VALUE as e:
                self._report(
                    r, e if isinstance(e, DataException) else DataException(f"{type(e).__name__}: {e}")
                )
                continue
            if ch is not None:
                changes.append(ch)
        uncommitted = self.uncommitted
        for r in records:
            tp = (r.topic, r.kafka_partition or 0)
            if r.kafka_offset < uncommitted.get(tp, r.kafka_offset + 1):
                uncommitted[tp] = r.kafka_offset
        earlier = len(self.buffer)
        self.buffer.extend(changes)
        self.records += len(records)
        if (
            not self.gather
            or len(records) < BACKLOG_PUT
            or len(self.buffer) >= GATHER_CHANGES
            or time.monotonic() - self.buffered_at >= GATHER_S
        ):
            try:
                self._flush_buffer()
            except RetriableException:
                del self.buffer[earlier:]  # the worker redelivers this put's records
                raise
        else:
            _keep_coordinates(changes)

    def _flush_buffer(self) -> None:
        """Write what was put since the last write as one transaction (RetriableException: the worker
        redelivers the last put's records; the earlier ones stay buffered, and a replay is idempotent)."""
        with self.lock:
            self._write(self.buffer)
            self.buffer = []
            self.buffered_at = time.monotonic()
            self.uncommitted.clear()
            self.batches += 1

    def _write(self, changes: list[Change]) -> None:
        if not changes:
            return
        s = self.settings
        assert s is not None
        try:
            self._transaction(changes)
            self.retries_left = s.max_retries
        except Exception as e:
            kind = classify(e)
            if kind is None:
                raise
            if kind == "connection":
                self._drop_connection()
                message = db_message(e)
                if self.retries_left > 0:
                    self.retries_left -= 1
                    self.log.warning(
                        "Writing %d changes to %s failed (%s); retrying in %d ms (%d retries left)",
                        len(changes),
                        s.url.display,
                        message,
                        s.retry_backoff_ms,
                        self.retries_left,
                    )
                    self.context.timeout(s.retry_backoff_ms)
                    raise RetriableException(f"Writing to {s.url.display} failed: {message}") from e
                raise ConnectException(
                    f"Writing to {s.url.display} failed {s.max_retries + 1} times, last with: {message}. Check that "
                    "the database is reachable and accepts the connection.url's credentials, then restart the task."
                ) from e
            self._unroll(changes, e)

    def _transaction(self, changes: list[Change]) -> None:
        conn = self._connection()
        try:
            with conn.begin():
                self.applier.apply(conn, changes)
        except BaseException:
            self.writer.rolled_back()
            self.applier.rolled_back()
            self.tables.forget()
            raise
        self.writer.committed()
        self.applier.committed()

    def _unroll(self, changes: list[Change], first: BaseException) -> None:
        """A batch the database refused: write it change by change, reporting the ones refused."""
        reporter = self.context.errant_record_reporter() if getattr(self, "context", None) else None
        if reporter is None:
            tables = ", ".join(sorted({str(ch.table) for ch in changes}))
            raise ConnectException(
                f"Writing a batch of {len(changes)} changes to {tables} failed: {db_message(first)}"
            ) from first
        self.log.warning(
            "A batch of %d changes failed (%s); writing them one by one to find the bad records",
            len(changes),
            db_message(first),
        )
        for ch in changes:
            try:
                self._transaction([ch])
            except Exception as e:
                kind = classify(e)
                if kind is None:
                    raise
                if kind == "connection":
                    self._drop_connection()
                    raise ConnectException(
                        f"Lost the database connection while isolating bad records: {db_message(e)}"
                    ) from e
                self._report(
                    ch.record, DataException(f"Table {ch.table} refused the record: {db_message(e)}")
                )

    def _report(self, record: SinkRecord, error: DataException) -> None:
        self.failed_records += 1
        reporter = self.context.errant_record_reporter() if getattr(self, "context", None) else None
        if reporter is None:
            raise ConnectException(
                f"Cannot write the record at {record.topic}-{record.kafka_partition} offset "
                f"{record.kafka_offset}: {error}"
            ) from error
        reporter.report(record, error)

    # --- offsets ------------------------------------------------------------------------------
    def pre_commit(self, current_offsets: Mapping[TP, int]) -> Mapping[TP, int]:
        """Offsets of what is in committed transactions: everything put, unless a batch waits for a
        retry (or, for DuckDB, is still gathering and cannot be written now)."""
        if self.buffer:
            try:
                self._flush_buffer()
            except Exception as e:
                # The worker rewinds to its last committed offsets and redelivers; start the buffer afresh.
                self.log.warning("Writing the gathered changes before an offset commit failed: %s", e)
                self.buffer = []
        if not self.uncommitted:
            return current_offsets
        return {tp: min(o, self.uncommitted.get(tp, o)) for tp, o in current_offsets.items()}

    # --- metrics ------------------------------------------------------------------------------
    def metrics(self) -> dict[str, Any]:
        applier: BatchApplier | None = getattr(self, "applier", None)
        out: dict[str, Any] = {
            "records": self.records,
            "batches": self.batches,
            "failed_records": self.failed_records,
            "tables": {k: dict(v) for k, v in applier.written.items()} if applier else {},
        }
        s = self.settings
        if s is not None and s.url.embedded_path is not None:
            # An embedded database file cannot be read by another process while the task has it
            # open: count its rows here, on demand, at most once a second.
            self._rows_wanted = time.monotonic()
            if self._counter is None:
                self._counter = threading.Thread(
                    target=self._count_rows, name="sql-sink-row-counter", daemon=True
                )
                self._counter.start()
            out["table_rows"] = dict(self.table_rows)
        return out

    def _count_rows(self) -> None:
        while not self._stopped.wait(1.0):
            if time.monotonic() - self._rows_wanted > 30 or not self.lock.acquire(timeout=0.5):
                continue
            try:
                conn = self._connection()
                with conn.begin():
                    for name, info in list(self.tables.tables.items()):
                        n = conn.exec_driver_sql(f"SELECT count(*) FROM {info.quoted}").scalar()
                        self.table_rows[str(name)] = int(n or 0)
            except Exception as e:
                self.log.debug("Counting rows failed: %s", e)
                self._drop_connection()
            finally:
                self.lock.release()


class ConfluentJdbcSinkTask(JdbcSinkTask):
    #: Java's name of this task class: the ``task.class`` of its task configs (a Java worker can run them).
    ALIASES = ("io.confluent.connect.jdbc.sink.JdbcSinkTask",)
    FLAVOUR = CONFLUENT

"""The initial snapshot: every captured table read in one transaction, as ``op: "r"`` events.

With a freshly created slot the transaction imports the slot's exported snapshot (``SET TRANSACTION
SNAPSHOT``), so the snapshot sees exactly the transactions committed before the slot's consistent
point and streaming from that point emits everything after it: nothing falls in between and nothing
is emitted twice. Otherwise (an existing slot, ``snapshot.mode=always``) the snapshot uses
``snapshot.isolation.mode`` and ``pg_current_wal_lsn()``, as Debezium does.

Markers in ``source.snapshot``: the first record is ``first``, the last ``last``; within a table
``first_in_data_collection`` / ``last_in_data_collection``; the others ``true``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from connectrt.api.data import Struct
from connectrt.api.records import SourceRecord
from psycopg.types.string import TextLoader

from connectrt_postgres.catalog import TableId, quote_ident, quote_literal
from connectrt_postgres.config import PostgresConfig
from connectrt_postgres.events import EventFactory
from connectrt_postgres.filters import Filters
from connectrt_postgres.metrics import SnapshotProgress
from connectrt_postgres.native_snapshot import NativeSnapshot, PythonRow
from connectrt_postgres.offsets import OffsetState
from connectrt_postgres.pgoutput import parse_lsn
from connectrt_postgres.replication import connect
from connectrt_postgres.schemas import SOURCE_SCHEMA, TableSchema
from connectrt_postgres.tables import TableSchemas

log = logging.getLogger(__name__)

_new_struct = Struct.__new__
_update = dict.update

_ISOLATION = {
    "serializable": "SERIALIZABLE, READ ONLY, DEFERRABLE",
    "repeatable_read": "REPEATABLE READ, READ ONLY",
    "read_committed": "READ COMMITTED, READ ONLY",
    "read_uncommitted": "READ UNCOMMITTED, READ ONLY",
}

Emit = Callable[[list[SourceRecord]], None]
Stopped = Callable[[], bool]


def _estimates(conn: Any, oids: list[int]) -> dict[int, int]:
    """Row estimates (``pg_class.reltuples``) of the tables that were ever analyzed or vacuumed."""
    if not oids:
        return {}
    rows = conn.execute(
        "SELECT oid::bigint, reltuples::bigint FROM pg_catalog.pg_class WHERE oid = ANY(%s::bigint[]::oid[])",
        (oids,),
    ).fetchall()
    estimates = {int(oid): int(n) for oid, n in rows if n is not None}  # values may load as text here
    return {oid: n for oid, n in estimates.items() if n >= 0}


class _Run:
    """The state of one snapshot across its tables."""

    __slots__ = ("first_overall", "offset", "out", "pending", "ts_us")

    def __init__(self, offset: OffsetState, ts_us: int) -> None:
        self.offset = offset
        self.ts_us = ts_us
        self.out: list[SourceRecord] = []
        self.first_overall = True
        # the last row read, not yet emitted: (schema, row tuple or COPY line, marker, native plan or None)
        self.pending: tuple[TableSchema, Any, str, Any] | None = None


class SnapshotStopped(Exception):
    """The task stopped while the snapshot ran."""


class Snapshot:
    def __init__(
        self,
        config: PostgresConfig,
        tables: TableSchemas,
        events: EventFactory,
        filters: Filters,
        emit: Emit,
        stopped: Stopped,
        progress: SnapshotProgress | None = None,
        native: NativeSnapshot | None = None,
    ) -> None:
        self.native = native  # the compiled path for tables it converts (COPY), else the cursor path
        self.config = config
        self.tables = tables
        self.events = events
        self.filters = filters
        self.emit = emit
        self.stopped = stopped
        self.batch_size = int(config.get("max.batch.size"))
        self._row_templates: tuple[tuple[Any, ...], Struct, dict[str, Any]] | None = None
        self.progress = progress if progress is not None else SnapshotProgress()
        self.estimates: dict[int, int] = {}

    def run(self, exported_snapshot: str | None, slot_lsn: int | None) -> OffsetState:
        """Read every captured table; returns the offset streaming continues from."""
        conn = connect(self.config.libpq_params())
        try:
            for oid in self.tables.types.by_oid:
                conn.adapters.register_loader(oid, TextLoader)
            for statement in self.config.initial_statements():
                conn.execute(statement)
            if exported_snapshot is not None:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                conn.execute(f"SET TRANSACTION SNAPSHOT {quote_literal(exported_snapshot)}")
            else:
                conn.execute(
                    "BEGIN ISOLATION LEVEL " + _ISOLATION[self.config.enum("snapshot.isolation.mode")]
                )
            if slot_lsn is not None and exported_snapshot is not None:
                lsn = slot_lsn
            else:
                row = conn.execute("SELECT pg_catalog.pg_current_wal_lsn()::text").fetchone()
                lsn = parse_lsn(row[0]) if row else 0
            tx_id: int | None = None
            try:
                conn.execute("SAVEPOINT dbz_txid")
                row = conn.execute("SELECT pg_catalog.txid_current()").fetchone()
                tx_id = int(row[0]) if row else None
                conn.execute("RELEASE SAVEPOINT dbz_txid")
            except Exception:
                conn.execute("ROLLBACK TO SAVEPOINT dbz_txid")
            started_us = time.time_ns() // 1000
            offset = OffsetState(
                lsn=lsn,
                tx_id=tx_id,
                ts_usec=started_us,
                snapshot="INITIAL",
                last_snapshot_record=False,
                snapshot_completed=False,
            )
            captured = [
                (oid, tid) for oid, tid in self.tables.captured_tables() if self.filters.snapshots(tid)
            ]
            captured.sort(key=lambda item: (item[1].schema, item[1].table))
            if self.config.enum("snapshot.locking.mode") == "shared" and captured:
                conn.execute(f"SET LOCAL lock_timeout = {int(self.config.get('snapshot.lock.timeout.ms'))}")
                for _oid, tid in captured:
                    conn.execute(f"LOCK TABLE {tid.quoted} IN ACCESS SHARE MODE")
            schemas = self.tables.for_tables([oid for oid, _ in captured])
            self.estimates = _estimates(conn, [oid for oid, _ in captured])
            self.progress.start(
                {f"{tid.schema}.{tid.table}": self.estimates.get(oid) for oid, tid in captured}
            )
            log.info(
                "Snapshot of %d table(s) at LSN %d (exported snapshot: %s)",
                len(captured),
                lsn,
                exported_snapshot,
            )
            self._read_all(
                conn, [(schemas[oid], tid) for oid, tid in captured if oid in schemas], offset, started_us
            )
            conn.execute("COMMIT")
            self.progress.finish()
            offset.snapshot = None
            offset.last_snapshot_record = False
            return offset
        except BaseException:
            self.progress.abort()
            raise
        finally:
            conn.close()

    def _select(self, ts: TableSchema, tid: TableId, overrides: dict[str, str]) -> str:
        override = overrides.get(f"{tid.schema}.{tid.table}")
        if override is not None:
            return override
        columns = ", ".join(quote_ident(c.name) for c in ts.columns)
        return f"SELECT {columns} FROM {tid.quoted}"

    def _read_all(
        self, conn: Any, tables: list[tuple[TableSchema, TableId]], offset: OffsetState, ts_us: int
    ) -> None:
        overrides = self.config.select_overrides()
        fetch = int(self.config.get("snapshot.fetch.size"))
        run = _Run(offset, ts_us)
        total = 0
        for index, (ts, tid) in enumerate(tables, start=1):
            if self.stopped():
                raise SnapshotStopped()
            sql = self._select(ts, tid, overrides)
            name = f"{tid.schema}.{tid.table}"
            estimate = self.estimates.get(ts.table.oid)
            about = "unknown" if estimate is None else f"~{estimate}"
            log.info(
                "Snapshot step %d of %d: exporting %s (%s rows estimated)", index, len(tables), tid, about
            )
            self.progress.table_started(name)
            began = time.monotonic()
            planned = None
            if self.native is not None and name not in overrides:
                planned = self.native.plan_for(ts)
            if planned is not None:
                rows = self._read_copy(conn, run, ts, planned, sql, name, about)
            else:
                rows = self._read_cursor(conn, run, index, ts, sql, fetch, name, about)
            pending = run.pending
            if rows > 0 and pending is not None and pending[2] != "first":
                run.pending = (pending[0], pending[1], "last_in_data_collection", pending[3])
            total += rows
            self.progress.table_done(name, rows)
            log.info(
                "Snapshot of %s: %d rows (%s estimated) in %.1f s", tid, rows, about, time.monotonic() - began
            )
        if run.pending is not None:
            offset.last_snapshot_record = True
            pending = run.pending
            self._emit_pending(run, (pending[0], pending[1], "last", pending[3]))
        if run.out:
            self.emit(run.out)
        log.info("Snapshot completed: %d rows from %d table(s)", total, len(tables))

    def _flush(self, run: _Run, name: str, rows: int) -> None:
        if len(run.out) >= self.batch_size:
            self.emit(run.out)
            run.out = []
            self.progress.scanned(name, rows)
            if self.stopped():
                raise SnapshotStopped()

    def _read_cursor(
        self, conn: Any, run: _Run, index: int, ts: TableSchema, sql: str, fetch: int, name: str, about: str
    ) -> int:
        rows = 0
        with conn.cursor(name=f"dbz_snapshot_{index}") as cur:
            cur.itersize = fetch
            cur.execute(sql)
            names = [d.name for d in cur.description or ()]
            if names != [c.name for c in ts.columns]:
                ts = self._reorder(ts, names)
            for row in cur:
                if run.pending is not None:
                    self._emit_pending(run, run.pending)
                marker = (
                    "first" if run.first_overall else ("first_in_data_collection" if rows == 0 else "true")
                )
                run.first_overall = False
                run.pending = (ts, row, marker, None)
                rows += 1
                self._flush(run, name, rows)
                if rows % 100_000 == 0:
                    log.info("Snapshot of %s: %d of %s rows so far", ts.table.id, rows, about)
        return rows

    def _read_copy(
        self, conn: Any, run: _Run, ts: TableSchema, planned: tuple[Any, Any], sql: str, name: str, about: str
    ) -> int:
        """The table through COPY and the compiled path (native_snapshot.py); the same rows, markers and order
        as the cursor path. The last line read is held back: its marker depends on whether another follows."""
        assert self.native is not None
        rows = 0
        lines: list[Any] = []
        first_marker: str | None = None  # the marker of the table's first line, until it is converted
        started = False
        limit = max(1, self.batch_size)
        python_row = self._python_row(run)
        with conn.cursor().copy(f"COPY ({sql}) TO STDOUT") as copy:
            for data in copy:
                if not started:
                    started = True
                    if run.pending is not None:  # the previous table's last row, now that another row follows
                        self._emit_pending(run, run.pending)
                        run.pending = None
                    first_marker = "first" if run.first_overall else "first_in_data_collection"
                    run.first_overall = False
                lines.append(bytes(data))
                rows += 1
                if len(lines) > limit:
                    self.native.rows(
                        run.out,
                        ts,
                        planned,
                        lines[:-1],
                        "true",
                        first_marker,
                        run.offset,
                        run.ts_us,
                        python_row,
                    )
                    first_marker = None
                    lines = lines[-1:]
                    self._flush(run, name, rows)
                    if rows % 100_000 < limit:
                        log.info("Snapshot of %s: %d of %s rows so far", ts.table.id, rows, about)
        if lines:
            if len(lines) > 1:
                self.native.rows(
                    run.out, ts, planned, lines[:-1], "true", first_marker, run.offset, run.ts_us, python_row
                )
                first_marker = None
            # the held line: marked as the cursor path marks a table's last row before it knows it is the last
            run.pending = (ts, lines[-1], first_marker or "true", planned)
        return rows

    def _emit_pending(self, run: _Run, pending: tuple[TableSchema, Any, str, Any]) -> None:
        ts, row, marker, planned = pending
        if planned is None:
            self._emit_row(run.out, ts, row, marker, run.offset, run.ts_us)
        else:
            assert self.native is not None
            self.native.rows(
                run.out, ts, planned, [row], marker, None, run.offset, run.ts_us, self._python_row(run)
            )

    def _python_row(self, run: _Run) -> PythonRow:
        """For COPY lines the compiled path leaves to Python: the cursor path's row conversion."""

        def emit(out: list[SourceRecord], ts: TableSchema, values: list[str | None], marker: str) -> None:
            self._emit_row(out, ts, tuple(values), marker, run.offset, run.ts_us)

        return emit

    def _emit_row(
        self, out: list[SourceRecord], ts: TableSchema, row: Any, marker: str, offset: OffsetState, ts_us: int
    ) -> None:
        # Within a table every row has the same source block and offset but for the marker (first, last, ...):
        # both are made once and copied.
        state = (ts, marker, ts_us, offset.lsn, offset.lsn_commit, offset.tx_id, offset.xmin, offset.snapshot,
                 offset.last_snapshot_record, offset.snapshot_completed)  # fmt: skip
        cached = self._row_templates
        if cached is None or cached[0] != state:
            tid = ts.table.id
            source_template = self.events.source(offset, tid.schema, tid.table, marker, ts_us)
            cached = self._row_templates = (state, source_template, offset.to_dict())
        source = _new_struct(Struct)
        source.schema = SOURCE_SCHEMA
        _update(source, cached[1])
        after = ts._row(row, None)
        self.events.change(out, ts, "r", ts._key(row, after), None, after, source, dict(cached[2]))

    def _reorder(self, ts: TableSchema, names: list[str]) -> TableSchema:
        """A custom SELECT returned other columns: rebuild the plan over what it returned."""
        by_name = {c.name: c for c in ts.columns}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise ValueError(
                f"snapshot.select.statement.overrides for {ts.table.id} returns column(s) {', '.join(missing)} "
                "that the table does not have; select only the table's columns."
            )
        return self.tables.rebuild(ts, [by_name[n] for n in names])

"""One ``put()`` batch: changes grouped per table and applied in order inside one transaction.

In upsert mode, changes to the same key collapse to the last one (an insert then an update write
the update; an insert then a delete delete; a delete then an insert insert), so every key is touched
once and a table gets at most one delete statement and one upsert statement per column shape. A
truncate drops what came before it for that table. In insert and update modes nothing collapses:
consecutive changes of one kind form a run, and runs apply in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection

from connectrt_sql.records import DELETE, TRUNCATE, UPSERT, Change, Shape, TableName
from connectrt_sql.tables import TableManager
from connectrt_sql.writers import Row, SqlWriter


class _TablePending:
    __slots__ = ("delete_shape", "latest", "runs", "shape", "truncate")

    def __init__(self) -> None:
        self.truncate = False
        self.shape: Shape | None = None
        self.delete_shape: Shape | None = None
        self.latest: dict[tuple[Any, ...], Row | None] = {}
        """upsert mode: key → last row (None = deleted)"""
        self.runs: list[tuple[str, Shape, list[Row]]] = []
        """insert/update modes: (op, shape, rows) in order"""

    def empty(self) -> bool:
        return not (self.truncate or self.latest or self.runs)


class BatchApplier:
    """Applies changes through a writer; counts what it wrote per table (for ``metrics()``)."""

    def __init__(self, writer: SqlWriter, tables: TableManager, mode: str) -> None:
        self.writer = writer
        self.tables = tables
        self.collapse = mode == "upsert"
        self.row_op = "update" if mode == "update" else "insert"
        self.written: dict[str, dict[str, int]] = {}
        self._uncommitted: list[tuple[str, str, int]] = []

    def committed(self) -> None:
        for table, what, n in self._uncommitted:
            counts = self.written.setdefault(table, {"upserted": 0, "deleted": 0})
            counts[what] += n
        self._uncommitted.clear()

    def rolled_back(self) -> None:
        self._uncommitted.clear()

    def apply(self, conn: Connection, changes: Iterable[Change]) -> None:
        pending: dict[TableName, _TablePending] = {}
        for ch in changes:
            p = pending.get(ch.table)
            if p is None:
                p = pending[ch.table] = _TablePending()
            if ch.op == TRUNCATE:
                p.latest.clear()
                p.runs.clear()
                p.truncate = True
                continue
            assert ch.shape is not None and ch.key is not None
            if self.collapse:
                if ch.op == UPSERT:
                    if (
                        p.shape is not None
                        and p.shape is not ch.shape
                        and any(r is not None for r in p.latest.values())
                    ):
                        self._flush(conn, ch.table, p)
                    p.shape = ch.shape
                    p.latest[ch.key] = ch.row
                else:
                    if (
                        p.delete_shape is not None
                        and p.delete_shape is not ch.shape
                        and any(r is None for r in p.latest.values())
                    ):
                        self._flush(conn, ch.table, p)
                    p.delete_shape = ch.shape
                    p.latest[ch.key] = None
                continue
            op = self.row_op if ch.op == UPSERT else DELETE
            value = ch.row if ch.op == UPSERT else ch.key
            assert value is not None
            if p.runs and p.runs[-1][0] == op and p.runs[-1][1] is ch.shape:
                p.runs[-1][2].append(value)
            else:
                p.runs.append((op, ch.shape, [value]))
        for table, p in pending.items():
            self._flush(conn, table, p)

    def _count(self, table: TableName, what: str, n: int) -> None:
        self._uncommitted.append((str(table), what, n))

    def _flush(self, conn: Connection, table: TableName, p: _TablePending) -> None:
        if p.empty():
            return
        w = self.writer
        if p.truncate:
            info = self.tables.existing(conn, table)
            if info is not None:
                w.truncate(conn, info)
            p.truncate = False
        if self.collapse:
            deletes = [k for k, r in p.latest.items() if r is None]
            upserts = [r for r in p.latest.values() if r is not None]
            p.latest = {}
            if deletes and p.delete_shape is not None:
                info = self.tables.existing(conn, table)
                if info is not None:
                    w.delete(conn, info, p.delete_shape, deletes)
                self._count(table, "deleted", len(deletes))
            if upserts and p.shape is not None:
                w.upsert(conn, self.tables.ensure(conn, p.shape), p.shape, upserts)
                self._count(table, "upserted", len(upserts))
            return
        for op, shape, rows in p.runs:
            if op == DELETE:
                info = self.tables.existing(conn, table)
                if info is not None:
                    w.delete(conn, info, shape, rows)
                self._count(table, "deleted", len(rows))
            else:
                info = self.tables.ensure(conn, shape)
                (w.update if op == "update" else w.insert)(conn, info, shape, rows)
                self._count(table, "upserted", len(rows))
        p.runs = []

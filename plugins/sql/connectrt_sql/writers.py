"""Statements per dialect: the portable SQLAlchemy Core writer and :func:`writer_for`.

Every writer applies row lists to one table inside the caller's transaction: ``upsert`` (insert or
replace by primary key), ``insert``, ``update`` (by key), ``delete`` (by key) and ``truncate``.
PostgreSQL and DuckDB have bulk writers (:mod:`connectrt_sql.pg_writer`,
:mod:`connectrt_sql.duckdb_writer`); this one serves SQLite, MySQL/MariaDB and other dialects with
batched ``executemany`` (``INSERT … ON CONFLICT`` / ``ON DUPLICATE KEY UPDATE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import quoted_name

from connectrt_sql.config import SinkSettings
from connectrt_sql.records import Shape
from connectrt_sql.tables import TableInfo, TableManager

Row = tuple[Any, ...]


def chunks(rows: Sequence[Row], size: int) -> list[Sequence[Row]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


class SqlWriter:
    """Portable statements through SQLAlchemy Core (executemany, ``batch.size`` rows per call)."""

    def __init__(self, settings: SinkSettings, tables: TableManager) -> None:
        self.s = settings
        self.tables = tables
        self.dialect = tables.dialect.name

    # --- transaction hooks (bulk writers keep per-transaction state) ---------------------------
    def committed(self) -> None:
        """The transaction the last writes were part of committed."""

    def rolled_back(self) -> None:
        """The transaction rolled back (or the connection was lost)."""

    # --- statements ---------------------------------------------------------------------------
    def _names(self, info: TableInfo, names: list[str]) -> list[str]:
        return [self.tables._find(info, n) or n for n in names]

    def _table(self, info: TableInfo, names: list[str]) -> sa.TableClause:
        force = True if self.s.quote_identifiers else None
        cols: list[sa.ColumnClause[Any]] = [sa.column(quoted_name(n, force)) for n in names]
        schema = info.name.schema
        return sa.table(
            quoted_name(info.name.name, force), *cols, schema=quoted_name(schema, force) if schema else None
        )

    def _params(self, names: list[str], rows: Sequence[Row]) -> list[dict[str, Any]]:
        return [dict(zip(names, row, strict=True)) for row in rows]

    def insert(self, conn: Connection, info: TableInfo, shape: Shape, rows: Sequence[Row]) -> None:
        names = self._names(info, shape.names)
        stmt = sa.insert(self._table(info, names))
        for part in chunks(rows, self.s.batch_size):
            conn.execute(stmt, self._params(names, part))

    def upsert(self, conn: Connection, info: TableInfo, shape: Shape, rows: Sequence[Row]) -> None:
        names = self._names(info, shape.names)
        keys, others = names[: shape.key_count], names[shape.key_count :]
        table = self._table(info, names)
        stmt: Any
        if self.dialect in ("postgresql", "sqlite"):
            from sqlalchemy.dialects.postgresql import insert as pg_insert
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            ins: Any = pg_insert(table) if self.dialect == "postgresql" else sqlite_insert(table)
            stmt = (
                ins.on_conflict_do_update(index_elements=keys, set_={c: ins.excluded[c] for c in others})
                if others
                else ins.on_conflict_do_nothing(index_elements=keys)
            )
        elif self.dialect in ("mysql", "mariadb"):
            from sqlalchemy.dialects.mysql import insert as mysql_insert

            mins = mysql_insert(table)
            stmt = mins.on_duplicate_key_update({c: mins.inserted[c] for c in (others or keys[:1])})
        else:
            self.delete(conn, info, shape, [row[: shape.key_count] for row in rows])
            self.insert(conn, info, shape, rows)
            return
        for part in chunks(rows, self.s.batch_size):
            conn.execute(stmt, self._params(names, part))

    def update(self, conn: Connection, info: TableInfo, shape: Shape, rows: Sequence[Row]) -> None:
        names = self._names(info, shape.names)
        keys, others = names[: shape.key_count], names[shape.key_count :]
        if not others:
            return
        table = self._table(info, names)
        bind = {n: f"p{i}" for i, n in enumerate(names)}
        where = sa.and_(*[table.c[k] == sa.bindparam(bind[k]) for k in keys])
        stmt = table.update().where(where).values({c: sa.bindparam(bind[c]) for c in others})
        for part in chunks(rows, self.s.batch_size):
            conn.execute(stmt, [{bind[n]: v for n, v in zip(names, row, strict=True)} for row in part])

    def delete(self, conn: Connection, info: TableInfo, shape: Shape, keys: Sequence[Row]) -> None:
        names = self._names(info, shape.key_names)
        table = self._table(info, names)
        if len(names) == 1:
            col = table.c[names[0]]
            for part in chunks(keys, self.s.batch_size):
                conn.execute(table.delete().where(col.in_([k[0] for k in part])))
            return
        bind = {n: f"k{i}" for i, n in enumerate(names)}
        stmt = table.delete().where(sa.and_(*[table.c[n] == sa.bindparam(bind[n]) for n in names]))
        for part in chunks(keys, self.s.batch_size):
            conn.execute(stmt, [{bind[n]: v for n, v in zip(names, k, strict=True)} for k in part])

    def truncate(self, conn: Connection, info: TableInfo) -> None:
        verb = "DELETE FROM" if self.dialect == "sqlite" else "TRUNCATE TABLE"
        conn.exec_driver_sql(f"{verb} {info.quoted}")


def writer_for(settings: SinkSettings, tables: TableManager) -> SqlWriter:
    dialect = tables.dialect.name
    if dialect == "postgresql" and tables.dialect.driver == "psycopg":
        from connectrt_sql.pg_writer import PostgresCopyWriter

        return PostgresCopyWriter(settings, tables)
    if dialect == "duckdb":
        from connectrt_sql.duckdb_writer import DuckDBArrowWriter

        return DuckDBArrowWriter(settings, tables)
    return SqlWriter(settings, tables)

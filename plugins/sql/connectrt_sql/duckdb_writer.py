"""DuckDB bulk path: the batch becomes an Arrow table registered as a view, then one set statement.

Upserts: ``INSERT INTO t SELECT … FROM batch ON CONFLICT (pk) DO UPDATE SET …``; deletes:
``DELETE FROM t USING batch``; updates: ``UPDATE t SET … FROM batch``; inserts: ``INSERT … SELECT``.
Arrow types are inferred from the Python values; a column Arrow cannot type (mixed values) goes as
text and DuckDB casts it to the column's type.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
from sqlalchemy.engine import Connection

from connectrt_sql.records import Shape
from connectrt_sql.tables import TableInfo
from connectrt_sql.writers import Row, SqlWriter

_counter = itertools.count()


def arrow_table(rows: Sequence[Row], width: int) -> Any:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
    arrays = []
    for values in columns:
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
            arrays.append(pa.array([None if v is None else str(v) for v in values], pa.string()))
    return pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(width)])


class DuckDBArrowWriter(SqlWriter):
    @contextmanager
    def _batch(self, conn: Connection, rows: Sequence[Row], width: int) -> Iterator[str]:
        raw: Any = conn.connection.driver_connection
        name = f"connectrt_batch_{next(_counter)}"
        raw.register(name, arrow_table(rows, width))
        try:
            yield name
        finally:
            try:
                raw.unregister(name)
            except Exception:  # an aborted transaction refuses it; the view goes with the connection
                pass

    @staticmethod
    def _select(cols: list[str]) -> str:
        return ", ".join(f"c{i}" for i in range(len(cols)))

    def insert(self, conn: Connection, info: TableInfo, shape: Shape, rows: Sequence[Row]) -> None:
        cols = self.tables.columns_sql(info, shape.names)
        with self._batch(conn, rows, len(cols)) as batch:
            conn.exec_driver_sql(
                f"INSERT INTO {info.quoted} ({', '.join(cols)}) SELECT {self._select(cols)} FROM {batch}"
            )

    def upsert(self, conn: Connection, info: TableInfo, shape: Shape, rows: Sequence[Row]) -> None:
        cols = self.tables.columns_sql(info, shape.names)
        keys, others = cols[: shape.key_count], cols[shape.key_count :]
        action = (
            f"DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in others)}" if others else "DO NOTHING"
        )
        with self._batch(conn, rows, len(cols)) as batch:
            conn.exec_driver_sql(
                f"INSERT INTO {info.quoted} ({', '.join(cols)}) SELECT {self._select(cols)} "
                f"FROM {batch} ON CONFLICT ({', '.join(keys)}) {action}"
            )

    def update(self, conn: Connection, info: TableInfo, shape: Shape, rows: Sequence[Row]) -> None:
        cols = self.tables.columns_sql(info, shape.names)
        n = shape.key_count
        if len(cols) == n:
            return
        sets = ", ".join(f"{c} = b.c{i + n}" for i, c in enumerate(cols[n:]))
        where = " AND ".join(f"{info.quoted}.{k} = b.c{i}" for i, k in enumerate(cols[:n]))
        with self._batch(conn, rows, len(cols)) as batch:
            conn.exec_driver_sql(f"UPDATE {info.quoted} SET {sets} FROM {batch} AS b WHERE {where}")

    def delete(self, conn: Connection, info: TableInfo, shape: Shape, keys: Sequence[Row]) -> None:
        cols = self.tables.columns_sql(info, shape.key_names)
        where = " AND ".join(f"{info.quoted}.{k} = b.c{i}" for i, k in enumerate(cols))
        with self._batch(conn, keys, len(cols)) as batch:
            conn.exec_driver_sql(f"DELETE FROM {info.quoted} USING {batch} AS b WHERE {where}")

    def truncate(self, conn: Connection, info: TableInfo) -> None:
        conn.exec_driver_sql(f"DELETE FROM {info.quoted}")

"""PostgreSQL bulk path (psycopg 3): COPY into a temporary staging table, then one set statement.

Upserts: ``COPY stage FROM STDIN`` then ``INSERT INTO t SELECT … FROM stage ON CONFLICT (pk) DO UPDATE``;
deletes: the keys COPY'd into a key stage, then ``DELETE FROM t USING stage``; updates:
``UPDATE t SET … FROM stage``; plain inserts COPY straight into the table. Staging tables are
``TEMP … ON COMMIT DELETE ROWS`` tables made once per connection and column list, so they empty
themselves at every commit and vanish with the session.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from connectrt_sql.records import Shape
from connectrt_sql.tables import TableInfo
from connectrt_sql.writers import Row, SqlWriter


class PostgresCopyWriter(SqlWriter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stages: dict[tuple[str, tuple[str, ...]], str] = {}
        self._created: set[str] = set()
        self._dirty: set[str] = set()

    def committed(self) -> None:
        self._dirty.clear()

    def rolled_back(self) -> None:
        # A rollback undoes the CREATE of a stage made in that transaction; a lost connection drops them all.
        self._created.clear()
        self._dirty.clear()

    def _stage(self, conn: Connection, info: TableInfo, cols: list[str]) -> str:
        ident = (info.quoted, tuple(cols))
        name = self._stages.get(ident)
        if name is None:
            name = self._stages[ident] = f"connectrt_stage_{len(self._stages)}"
        if name not in self._created:
            conn.exec_driver_sql(
                f"CREATE TEMP TABLE IF NOT EXISTS {name} ON COMMIT DELETE ROWS AS "
                f"SELECT {', '.join(cols)} FROM {info.quoted} WITH NO DATA"
            )
            self._created.add(name)
        elif name in self._dirty:
            conn.exec_driver_sql(f"TRUNCATE {name}")
        self._dirty.add(name)
        return name

    @staticmethod
    def _copy(conn: Connection, target: str, cols: list[str], rows: Sequence[Row]) -> None:
        raw: Any = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {target} ({', '.join(cols)}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)

    def insert(self, conn: Connection, info: TableInfo, shape: Shape, rows: Sequence[Row]) -> None:
        self._copy(conn, info.quoted, self.tables.columns_sql(info, shape.names), rows)

    def upsert(self, conn: Connection, info: TableInfo, shape: Shape, rows: Sequence[Row]) -> None:
        cols = self.tables.columns_sql(info, shape.names)
        keys, others = cols[: shape.key_count], cols[shape.key_count :]
        stage = self._stage(conn, info, cols)
        self._copy(conn, stage, cols, rows)
        action = (
            f"DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in others)}" if others else "DO NOTHING"
        )
        conn.exec_driver_sql(
            f"INSERT INTO {info.quoted} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM {stage} "
            f"ON CONFLICT ({', '.join(keys)}) {action}"
        )

    def update(self, conn: Connection, info: TableInfo, shape: Shape, rows: Sequence[Row]) -> None:
        cols = self.tables.columns_sql(info, shape.names)
        keys, others = cols[: shape.key_count], cols[shape.key_count :]
        if not others:
            return
        stage = self._stage(conn, info, cols)
        self._copy(conn, stage, cols, rows)
        conn.exec_driver_sql(
            f"UPDATE {info.quoted} AS t SET {', '.join(f'{c} = s.{c}' for c in others)} FROM {stage} AS s "
            f"WHERE {' AND '.join(f't.{k} = s.{k}' for k in keys)}"
        )

    def delete(self, conn: Connection, info: TableInfo, shape: Shape, keys: Sequence[Row]) -> None:
        cols = self.tables.columns_sql(info, shape.key_names)
        stage = self._stage(conn, info, cols)
        self._copy(conn, stage, cols, keys)
        conn.exec_driver_sql(
            f"DELETE FROM {info.quoted} AS t USING {stage} AS s "
            f"WHERE {' AND '.join(f't.{k} = s.{k}' for k in cols)}"
        )

"""Destination tables: found by reflection, created (``auto.create`` / ``schema.evolution=basic``) and
given missing columns (``auto.evolve`` / ``schema.evolution=basic``). Columns are never dropped or
retyped, primary keys never changed, as in both Java sinks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from connectrt.api.connector import ConnectException
from sqlalchemy.engine import Connection

from connectrt_sql.config import SinkSettings
from connectrt_sql.records import Shape, TableName
from connectrt_sql.types import column_spec

log = logging.getLogger(__name__)


@dataclass
class TableInfo:
    name: TableName
    columns: dict[str, str]
    """Column name as the database knows it → its type as reflected."""
    primary_key: list[str]
    quoted: str
    """The table's qualified name, quoted as SQL needs it."""
    checked_shapes: set[int] = field(default_factory=set)


class TableManager:
    def __init__(
        self,
        settings: SinkSettings,
        dialect: sa.Dialect,
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger] = log,
    ) -> None:
        self.log = logger
        self.s = settings
        self.dialect = dialect
        self.prep = dialect.identifier_preparer
        self.tables: dict[TableName, TableInfo] = {}

    def quote(self, name: str) -> str:
        return self.prep.quote_identifier(name) if self.s.quote_identifiers else self.prep.quote(name)

    def qualified(self, table: TableName) -> str:
        q = self.quote(table.name)
        return f"{self.quote(table.schema)}.{q}" if table.schema else q

    def forget(self) -> None:
        """Reflect again on next use (after a rollback that may have undone a CREATE/ALTER)."""
        self.tables.clear()

    def existing(self, conn: Connection, table: TableName) -> TableInfo | None:
        info = self.tables.get(table)
        if info is None:
            info = self._reflect(conn, table)
            if info is not None:
                self.tables[table] = info
        return info

    def _reflect(self, conn: Connection, table: TableName) -> TableInfo | None:
        if self.dialect.name == "duckdb":
            return self._reflect_duckdb(conn, table)
        insp = sa.inspect(conn)
        if not insp.has_table(table.name, schema=table.schema):
            return None
        cols = {c["name"]: str(c["type"]) for c in insp.get_columns(table.name, schema=table.schema)}
        pk = list(insp.get_pk_constraint(table.name, schema=table.schema).get("constrained_columns") or [])
        return TableInfo(table, cols, pk, self.qualified(table))

    def _reflect_duckdb(self, conn: Connection, table: TableName) -> TableInfo | None:
        # duckdb-engine's inspector reads pg_catalog tables DuckDB 2 no longer has: ask DuckDB itself.
        schema = table.schema or "main"
        cols = {
            r[0]: str(r[1])
            for r in conn.exec_driver_sql(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position",
                (schema, table.name),
            )
        }
        if not cols:
            return None
        pk: list[str] = []
        for (names,) in conn.exec_driver_sql(
            "SELECT constraint_column_names FROM duckdb_constraints() WHERE schema_name = ? AND table_name = ? "
            "AND constraint_type = 'PRIMARY KEY'",
            (schema, table.name),
        ):
            pk = list(names)
        return TableInfo(table, cols, pk, self.qualified(table))

    def ensure(self, conn: Connection, shape: Shape) -> TableInfo:
        """The table ``shape`` writes to, created or evolved as the settings allow."""
        info = self.existing(conn, shape.table)
        if info is None:
            if not self.s.auto_create:
                raise ConnectException(
                    f"Table {shape.table} is missing and auto-creation is disabled: create it, or set "
                    f"{'schema.evolution=basic' if self.s.flavour == 'debezium' else 'auto.create=true'}."
                )
            self._create(conn, shape)
            info = self._reflect(conn, shape.table)
            if info is None:
                raise ConnectException(f"Table {shape.table} was created but cannot be found afterwards.")
            self.tables[shape.table] = info
        if id(shape) in info.checked_shapes:
            return info
        missing = [c for c in shape.columns if self._find(info, c.name) is None]
        if missing:
            if not self.s.auto_evolve:
                raise ConnectException(
                    f"Table {shape.table} is missing fields ({', '.join(c.name for c in missing)}) and auto-evolution "
                    f"is disabled: add the columns, or set "
                    f"{'schema.evolution=basic' if self.s.flavour == 'debezium' else 'auto.evolve=true'}."
                )
            for c in missing:
                sql_type = column_spec(c.schema, self.dialect.name, self.s.time_zone, c.key).sql_type
                ddl = sql_type.compile(dialect=self.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {info.quoted} ADD COLUMN {self.quote(c.name)} {ddl}")
                self.log.info("Added column %s %s to table %s", c.name, ddl, shape.table)
            refreshed = self._reflect(conn, shape.table)
            assert refreshed is not None
            info.columns = refreshed.columns
        if shape.key_count and self.s.upsert and not info.primary_key:
            raise ConnectException(
                f"Table {shape.table} has no primary key, which upserts need: add PRIMARY KEY "
                f"({', '.join(shape.key_names)}) or use insert.mode=insert."
            )
        info.checked_shapes.add(id(shape))
        return info

    def columns_sql(self, info: TableInfo, names: list[str]) -> list[str]:
        """The quoted column names as the table spells them (PostgreSQL folds unquoted names)."""
        return [self.quote(self._find(info, n) or n) for n in names]

    @staticmethod
    def _find(info: TableInfo, name: str) -> str | None:
        if name in info.columns:
            return name
        lowered = name.lower()
        return next((c for c in info.columns if c.lower() == lowered), None)

    def _create(self, conn: Connection, shape: Shape) -> None:
        md = sa.MetaData()
        cols = []
        for c in shape.columns:
            spec = column_spec(c.schema, self.dialect.name, self.s.time_zone, c.key)
            cols.append(
                sa.Column(
                    c.name,
                    spec.sql_type,
                    primary_key=c.key,
                    nullable=not c.key and c.schema.optional,
                    quote=True if self.s.quote_identifiers else None,
                    autoincrement=False,
                )
            )
        table = sa.Table(
            shape.table.name,
            md,
            *cols,
            schema=shape.table.schema,
            quote=True if self.s.quote_identifiers else None,
        )
        table.create(conn, checkfirst=True)
        self.log.info(
            "Created table %s with columns %s (primary key: %s)",
            shape.table,
            ", ".join(shape.names),
            ", ".join(shape.key_names) or "none",
        )

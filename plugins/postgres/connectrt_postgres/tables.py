"""The captured tables' schemas, built once per table shape and cached by relation OID."""

from __future__ import annotations

import logging
from typing import Any

from connectrt.api.connector import ConnectException

from connectrt_postgres.catalog import ColumnInfo, TableId, TableInfo, TypeRegistry, list_tables, read_tables
from connectrt_postgres.filters import Filters
from connectrt_postgres.pgoutput import Relation
from connectrt_postgres.schemas import SchemaSettings, TableSchema

log = logging.getLogger(__name__)


class TableSchemas:
    def __init__(self, conn: Any, filters: Filters, settings: SchemaSettings) -> None:
        self.conn = conn
        self.filters = filters
        self.settings = settings
        self.types = TypeRegistry.load(conn)
        self.by_oid: dict[int, TableSchema] = {}
        self.ignored: set[int] = set()

    def refresh_types(self) -> None:
        self.types = TypeRegistry.load(self.conn)

    def captured_tables(self) -> list[tuple[int, TableId]]:
        return [(oid, tid) for oid, tid in list_tables(self.conn) if self.filters.captures(tid)]

    def _build(self, info: TableInfo, columns: tuple[ColumnInfo, ...]) -> TableSchema:
        if any(self.types.get(c.type_oid) is None for c in columns):
            self.refresh_types()
        names = [c.name for c in columns]
        lowered = [n.lower() for n in names]
        if len(set(lowered)) != len(lowered):
            raise ConnectException(
                f"Table {info.id} has columns whose names differ only by case; rename one of them to capture the table."
            )
        key_columns = self.filters.key_columns_for(info.id)
        if key_columns is not None:
            missing = [k for k in key_columns if k not in names]
            if missing:
                raise ConnectException(
                    f"message.key.columns names column(s) {', '.join(missing)} that table {info.id} does not have; "
                    "fix message.key.columns."
                )
        column_filter = self.filters.column if self.filters.has_column_filter() else None
        return TableSchema(info, columns, self.types, self.settings, column_filter, key_columns)

    def for_tables(self, oids: list[int]) -> dict[int, TableSchema]:
        """Schemas from the catalog (snapshot): every live column in attnum order."""
        infos = read_tables(self.conn, oids)
        out = {}
        for oid, info in infos.items():
            schema = self._build(info, info.columns)
            out[oid] = schema
        return out

    def rebuild(self, schema: TableSchema, columns: list[ColumnInfo]) -> TableSchema:
        """The schema of ``schema``'s table over other columns (a custom snapshot SELECT)."""
        return self._build(schema.table.with_columns(columns), tuple(columns))

    def on_relation(self, rel: Relation) -> TableSchema | None:
        """A Relation message: the columns as the stream sends them, with keys, nullability and
        defaults from the catalog."""
        tid = TableId(rel.namespace, rel.name)
        if not self.filters.captures(tid):
            self.ignored.add(rel.oid)
            self.by_oid.pop(rel.oid, None)
            return None
        self.ignored.discard(rel.oid)
        info = read_tables(self.conn, [rel.oid]).get(rel.oid)
        catalog_cols = {c.name: c for c in info.columns} if info is not None else {}
        columns = []
        for position, col in enumerate(rel.columns, start=1):
            known = catalog_cols.get(col.name)
            columns.append(
                ColumnInfo(
                    col.name,
                    position,
                    col.type_oid,
                    col.typmod,
                    known.not_null if known is not None else False,
                    known.default_expr if known is not None else None,
                    known.comment if known is not None else None,
                )
            )
        if info is None:
            log.warning(
                "Table %s (OID %d) is gone from the catalog; its events use the stream's metadata",
                tid,
                rel.oid,
            )
            keys = tuple(c.name for c in rel.columns if c.is_key)
            info = TableInfo(tid, rel.oid, tuple(columns), keys, rel.replica_identity)
        else:
            names = {c.name for c in columns}
            info = TableInfo(
                tid,
                rel.oid,
                tuple(columns),
                tuple(k for k in info.key_columns if k in names),
                rel.replica_identity,
            )
        previous = self.by_oid.get(rel.oid)
        if (
            previous is not None
            and previous.columns == tuple(columns)
            and previous.table.key_columns == info.key_columns
        ):
            return previous
        schema = self._build(info, tuple(columns))
        self.by_oid[rel.oid] = schema
        log.info(
            "Captured table %s: %d columns, key %s", tid, len(columns), list(schema.key_fields) or "none"
        )
        return schema

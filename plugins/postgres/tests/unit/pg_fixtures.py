"""Hand-made catalog objects for unit tests (no database)."""

from __future__ import annotations

from connectrt_postgres.catalog import ColumnInfo, PgType, TableId, TableInfo, TypeRegistry
from connectrt_postgres.schemas import SchemaSettings, TableSchema
from connectrt_postgres.types import ValueModes

TYPES = TypeRegistry(
    [
        PgType(16, "bool", "pg_catalog", "b", 0, 0, -1, "B"),
        PgType(17, "bytea", "pg_catalog", "b", 0, 0, -1, "U"),
        PgType(20, "int8", "pg_catalog", "b", 0, 0, -1, "N"),
        PgType(23, "int4", "pg_catalog", "b", 0, 0, -1, "N"),
        PgType(25, "text", "pg_catalog", "b", 0, 0, -1, "S"),
        PgType(1043, "varchar", "pg_catalog", "b", 0, 0, -1, "S"),
        PgType(1007, "_int4", "pg_catalog", "b", 23, 0, -1, "A"),
        PgType(1700, "numeric", "pg_catalog", "b", 0, 0, -1, "N"),
        PgType(1114, "timestamp", "pg_catalog", "b", 0, 0, -1, "D"),
        PgType(1184, "timestamptz", "pg_catalog", "b", 0, 0, -1, "D"),
        PgType(790, "money", "pg_catalog", "b", 0, 0, -1, "N"),
        PgType(791, "_money", "pg_catalog", "b", 790, 0, -1, "A"),
        PgType(90001, "mood", "public", "e", 0, 0, -1, "E", ("sad", "ok", "happy")),
        PgType(90002, "posint", "public", "d", 0, 23, -1, "N"),
    ]
)

ORDERS = TableId("public", "orders")


def orders_table(replica_identity: str = "d") -> TableInfo:
    return TableInfo(
        ORDERS,
        16384,
        (
            ColumnInfo("id", 1, 23, -1, True, "nextval('orders_id_seq'::regclass)"),
            ColumnInfo("name", 2, 25, -1, False, None),
            ColumnInfo("amount", 3, 1700, (10 << 16 | 2) + 4, False, None),
            ColumnInfo("created_at", 4, 1184, -1, False, None),
            ColumnInfo("qty", 5, 23, -1, True, "1"),
        ),
        ("id",),
        replica_identity,
    )


def orders_schema(modes: ValueModes | None = None, **kwargs: object) -> TableSchema:
    table = orders_table()
    settings = SchemaSettings("dbserver1", ".", modes or ValueModes())
    return TableSchema(table, table.columns, TYPES, settings, **kwargs)  # type: ignore[arg-type]

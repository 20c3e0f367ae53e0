"""What the connector reads from PostgreSQL's catalog: types, tables, columns and keys.

Queries run on an ordinary (non-replication) connection. A table's key is its primary key, or
else its first unique index by name (Debezium's fallback), in index column order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableId:
    schema: str
    table: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def quoted(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.table)}"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class PgType:
    oid: int
    name: str
    namespace: str
    kind: str  # typtype: b base, e enum, d domain, c composite, r range, m multirange, p pseudo
    element_oid: int  # typelem for arrays, else 0
    base_oid: int  # typbasetype for domains, else 0
    base_typmod: int  # typtypmod for domains
    category: str  # typcategory: A array, ...
    enum_values: tuple[str, ...] = ()

    @property
    def is_array(self) -> bool:
        return self.category == "A" and self.element_oid != 0


class TypeRegistry:
    """Every type of the database, keyed by OID; refreshed when an unknown OID shows up."""

    def __init__(self, types: Iterable[PgType] = ()) -> None:
        self.by_oid: dict[int, PgType] = {t.oid: t for t in types}
        self.by_name: dict[str, PgType] = {}
        for t in self.by_oid.values():
            if t.namespace in ("pg_catalog", "public"):
                self.by_name.setdefault(t.name, t)
        # Extension types live where the extension was installed; find them by name anywhere.
        for t in self.by_oid.values():
            self.by_name.setdefault(t.name, t)

    def get(self, oid: int) -> PgType | None:
        return self.by_oid.get(oid)

    def root(self, t: PgType) -> tuple[PgType, int | None]:
        """The base type of a (possibly nested) domain and the domain's typmod, if it sets one."""
        typmod: int | None = None
        seen = 0
        while t.kind == "d" and t.base_oid and seen < 16:
            if typmod is None and t.base_typmod >= 0:
                typmod = t.base_typmod
            base = self.by_oid.get(t.base_oid)
            if base is None:
                break
            t = base
            seen += 1
        return t, typmod

    @classmethod
    def load(cls, conn: Any) -> TypeRegistry:
        enums: dict[int, list[str]] = {}
        for oid, label in conn.execute(
            "SELECT enumtypid, enumlabel FROM pg_catalog.pg_enum ORDER BY enumtypid, enumsortorder"
        ).fetchall():
            enums.setdefault(oid, []).append(label)
        rows = conn.execute(
            "SELECT t.oid, t.typname, n.nspname, t.typtype, t.typelem, t.typbasetype, t.typtypmod, t.typcategory "
            "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
        ).fetchall()
        return cls(
            PgType(
                int(oid),
                name,
                ns,
                str(kind),
                int(elem),
                int(base),
                int(typmod),
                str(cat),
                tuple(enums.get(oid, ())),
            )
            for oid, name, ns, kind, elem, base, typmod, cat in rows
        )


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    position: int  # 1-based attnum order among live columns
    type_oid: int
    typmod: int
    not_null: bool
    default_expr: str | None
    comment: str | None = None

    @property
    def optional(self) -> bool:
        return not self.not_null


@dataclass(frozen=True)
class TableInfo:
    id: TableId
    oid: int
    columns: tuple[ColumnInfo, ...]
    key_columns: tuple[str, ...]
    replica_identity: str  # d default, n nothing, f full, i index
    comment: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def column(self, name: str) -> ColumnInfo | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None

    def with_columns(self, columns: Sequence[ColumnInfo]) -> TableInfo:
        names = {c.name for c in columns}
        return replace(
            self, columns=tuple(columns), key_columns=tuple(k for k in self.key_columns if k in names)
        )


_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")


def is_system_table(schema: str, table: str) -> bool:
    """Tables Debezium never captures (SystemTablesPredicate)."""
    return (
        schema in _SYSTEM_SCHEMAS
        or schema.startswith("pg_temp")
        or schema.startswith("pg_toast")
        or table == "spatial_ref_sys"
    )


def list_tables(conn: Any) -> list[tuple[int, TableId]]:
    """Every ordinary and partitioned table outside the system schemas: ``[(oid, TableId)]``."""
    rows = conn.execute(
        "SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') ORDER BY n.nspname, c.relname"
    ).fetchall()
    return [(int(oid), TableId(ns, name)) for oid, ns, name in rows if not is_system_table(ns, name)]


def read_tables(conn: Any, oids: Sequence[int]) -> dict[int, TableInfo]:
    """Columns, keys and replica identity of the given tables, keyed by OID."""
    if not oids:
        return {}
    oid_list = list(oids)
    heads = conn.execute(
        "SELECT c.oid, n.nspname, c.relname, c.relreplident, obj_description(c.oid, 'pg_class') "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = ANY(%s)",
        (oid_list,),
    ).fetchall()
    columns: dict[int, list[ColumnInfo]] = {}
    for relid, _attnum, name, typid, typmod, notnull, default, comment in conn.execute(
        "SELECT a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull, "
        "pg_catalog.pg_get_expr(d.adbin, d.adrelid), pg_catalog.col_description(a.attrelid, a.attnum) "
        "FROM pg_catalog.pg_attribute a "
        "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
        "ORDER BY a.attrelid, a.attnum",
        (oid_list,),
    ).fetchall():
        cols = columns.setdefault(int(relid), [])
        cols.append(ColumnInfo(name, len(cols) + 1, int(typid), int(typmod), bool(notnull), default, comment))
    keys = _read_keys(conn, oid_list, columns)
    out: dict[int, TableInfo] = {}
    for oid, ns, name, replident, comment in heads:
        oid = int(oid)
        out[oid] = TableInfo(
            TableId(ns, name), oid, tuple(columns.get(oid, ())), keys.get(oid, ()), str(replident), comment
        )
    return out


def _read_keys(
    conn: Any, oids: list[int], columns: dict[int, list[ColumnInfo]]
) -> dict[int, tuple[str, ...]]:
    names_by_attnum: dict[int, dict[int, str]] = {}
    for relid, attnum, name in conn.execute(
        "SELECT attrelid, attnum, attname FROM pg_catalog.pg_attribute "
        "WHERE attrelid = ANY(%s) AND attnum > 0 AND NOT attisdropped",
        (oids,),
    ).fetchall():
        names_by_attnum.setdefault(int(relid), {})[int(attnum)] = name
    keys: dict[int, tuple[str, ...]] = {}
    for relid, conkey in conn.execute(
        "SELECT conrelid, conkey FROM pg_catalog.pg_constraint WHERE contype = 'p' AND conrelid = ANY(%s)",
        (oids,),
    ).fetchall():
        names = names_by_attnum.get(int(relid), {})
        keys[int(relid)] = tuple(names[n] for n in conkey if n in names)
    missing = [o for o in oids if o not in keys]
    if missing:
        # No primary key: the first unique index by name whose keys are all plain columns.
        for relid, indkey in conn.execute(
            "SELECT i.indrelid, i.indkey::int2[] FROM pg_catalog.pg_index i "
            "JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
            "WHERE i.indisunique AND i.indrelid = ANY(%s) AND i.indexprs IS NULL AND i.indpred IS NULL "
            "ORDER BY i.indrelid, ic.relname",
            (missing,),
        ).fetchall():
            relid = int(relid)
            if relid in keys:
                continue
            names = names_by_attnum.get(relid, {})
            attnums = list(indkey)[: len(indkey)]
            if attnums and all(n in names for n in attnums):
                keys[relid] = tuple(names[n] for n in attnums)
    return keys

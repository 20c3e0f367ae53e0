"""The CDC demo's warehouse as the demo reads it: row counts while changes stream, every row at the end,
and the row-by-row comparison with the source tables."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from connectrt.dev.demo_database import COLUMNS, TABLES, WAREHOUSE_DB, admin_dsn
from connectrt.dev.errors import DevError


class Warehouse:
    """Row counts and rows of the warehouse tables: read directly (PostgreSQL), or, for a DuckDB file
    the sink task holds open, counted by the task itself (its metrics) until the sink is removed."""

    def __init__(self, url: str, env: dict[str, str], duckdb_file: Path) -> None:
        self.url = url
        self.env = env
        self.duckdb_file = duckdb_file if url == f"jdbc:duckdb:{duckdb_file}" else None

    def counts(self, rest_url: str, sink: str) -> dict[str, int | None]:
        if self.duckdb_file is None and self.url.startswith(("jdbc:postgresql", "postgres")):
            out: dict[str, int | None] = {}
            for table, rows in self.rows().items():
                out[table] = None if rows is None else len(rows)
            return out
        counted: dict[str, int] = {}
        try:
            r = httpx.get(f"{rest_url}/connectors/{sink}/tasks/0/metrics", timeout=5)
            if r.status_code == 200:
                counted = (r.json().get("metrics") or {}).get("table_rows") or {}
        except (httpx.HTTPError, ValueError):
            pass
        return {t: counted.get(t) for t in TABLES}

    def rows(self) -> dict[str, list[tuple[Any, ...]] | None]:
        if self.duckdb_file is not None:
            import duckdb

            con = duckdb.connect(str(self.duckdb_file), read_only=True)
            try:
                return {t: _rows_or_none(con, t) for t in TABLES}
            finally:
                con.close()
        import psycopg

        if self.url.startswith("jdbc:postgresql"):
            dsn = admin_dsn(self.env, WAREHOUSE_DB)
        elif self.url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            dsn = self.url.replace("+psycopg", "", 1)
        else:
            return dict.fromkeys(TABLES)  # another database: the demo does not read it
        with psycopg.connect(dsn) as conn:
            return {t: _rows_or_none(conn, t) for t in TABLES}

    def final_rows(self, timeout_s: float = 30) -> dict[str, list[tuple[Any, ...]] | None]:
        """The warehouse rows; a DuckDB file is readable once the removed sink task has closed it."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return self.rows()
            except Exception as e:
                if time.monotonic() > deadline:
                    raise DevError(f"Cannot read the warehouse: {e}")
                time.sleep(0.5)


def _rows_or_none(conn: Any, table: str) -> list[tuple[Any, ...]] | None:
    try:
        return [
            tuple(r) for r in conn.execute(f"SELECT {COLUMNS[table]} FROM {table} ORDER BY id").fetchall()
        ]
    except Exception:
        try:
            conn.rollback()
        except Exception:
            pass
        return None


def compare(
    source: dict[str, list[tuple[Any, ...]]], warehouse: dict[str, list[tuple[Any, ...]] | None]
) -> list[str]:
    """One line per table; a table that differs says how."""
    lines = []
    for t in TABLES:
        want, got = source[t], warehouse.get(t)
        if got is None:
            lines.append(f"   {t:<10} MISSING in the warehouse")
            continue
        if got == want:
            lines.append(f"   {t:<10} {len(want):>6,} rows, identical to the source table")
            continue
        want_by_id, got_by_id = {r[0]: r for r in want}, {r[0]: r for r in got}
        missing = sorted(set(want_by_id) - set(got_by_id))
        extra = sorted(set(got_by_id) - set(want_by_id))
        changed = sorted(k for k in set(want_by_id) & set(got_by_id) if want_by_id[k] != got_by_id[k])
        lines.append(
            f"   {t:<10} DIFFERS: {len(want):,} source rows, {len(got):,} warehouse rows; missing ids "
            f"{missing[:5]}, extra ids {extra[:5]}, changed ids {changed[:5]}"
        )
    return lines

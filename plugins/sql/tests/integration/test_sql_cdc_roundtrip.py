"""Every PostgreSQL column type the CDC source maps goes source table → CDC source → Kafka
(JsonConverter with schemas) → SQL sink → warehouse table, and the values compare equal: in the dev
PostgreSQL's warehouse database (each column as PostgreSQL prints it), and in a DuckDB file."""

from __future__ import annotations

import decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sql_pipeline import (
    converge,
    drop_slot,
    put_connector,
    sink_config,
    source_config,
    wait_running,
    worker_props,
)
from tests.integration.worker_process import WorkerProcess

pytestmark = pytest.mark.integration

# column, type, two sample values (SQL literals), and how both sides are compared (%s = column).
COLUMNS: list[tuple[str, str, str, str, str]] = [
    ("c_bool", "boolean", "true", "false", "format('%s', %c)"),
    ("c_int2", "smallint", "-32768", "7", "format('%s', %c)"),
    ("c_int4", "integer", "2147483647", "-1", "format('%s', %c)"),
    ("c_int8", "bigint", "-9223372036854775808", "42", "format('%s', %c)"),
    ("c_oid", "oid", "4294967295", "1", "format('%s', %c)"),
    ("c_float4", "real", "1.1", "-3.25e10", "format('%s', %c)"),
    ("c_float8", "double precision", "3.141592653589793", "-1e-300", "format('%s', %c)"),
    ("c_bit1", "bit(1)", "B'1'", "B'0'", "format('%s', (%c)::text IN ('1', 'true'))"),
    ("c_bit4", "bit(4)", "B'1010'", "B'0001'", "format('%s', %c)"),
    ("c_varbit", "bit varying(12)", "B'110011'", "B'1'", "ltrim(format('%s', %c), '0')"),  # length is lost
    ("c_numeric", "numeric(12,3)", "123456789.123", "-0.001", "format('%s', %c)"),
    (
        "c_numvar",
        "numeric",
        "1.50000",
        "-1234567890123456789012.345678",  # 28 digits: see the report on normalize()
        "format('%s', trim_scale(%c))",
    ),
    ("c_money", "money", "'12.34'", "'-1000000.01'", "format('%s', (%c)::numeric)"),
    ("c_text", "text", "'héllo ''world'''", "''", "format('%s', %c)"),
    ("c_varchar", "varchar(20)", "'abc'", "'x'", "format('%s', %c)"),
    ("c_char", "char(4)", "'ab'", "'abcd'", "format('%s', %c)"),
    ("c_name", "name", "'pg_name'", "'n'", "format('%s', %c)"),
    ("c_citext", "citext", "'CaSe'", "'x'", "format('%s', %c)"),
    ("c_inet", "inet", "'192.168.0.1'", "'2001:db8::1/64'", "format('%s', %c)"),
    ("c_cidr", "cidr", "'10.0.0.0/8'", "'2001:db8::/32'", "format('%s', %c)"),
    ("c_macaddr", "macaddr", "'08:00:2b:01:02:03'", "'00:00:00:00:00:00'", "format('%s', %c)"),
    ("c_macaddr8", "macaddr8", "'08:00:2b:01:02:03:04:05'", "'00:00:00:00:00:00:00:01'", "format('%s', %c)"),
    ("c_int4range", "int4range", "'[1,10)'", "'empty'", "format('%s', %c)"),
    ("c_tsrange", "tsrange", "'[2024-01-01 10:00,2024-01-02 00:00)'", "'(,)'", "format('%s', %c)"),
    ("c_json", "json", "'{\"a\": [1, 2.5, null]}'", "'[]'", "format('%s', (%c)::jsonb)"),
    ("c_jsonb", "jsonb", '\'{"k": {"n": true}}\'', "'\"s\"'", "format('%s', (%c)::jsonb)"),
    ("c_xml", "xml", "'<a b=\"1\">t</a>'", "'<x/>'", "format('%s', %c)"),
    (
        "c_uuid",
        "uuid",
        "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
        "'00000000-0000-0000-0000-000000000000'",
        "format('%s', %c)",
    ),
    ("c_ltree", "ltree", "'Top.Science.Astronomy'", "'a'", "format('%s', %c)"),
    ("c_tsvector", "tsvector", "'a fat cat'", "''", "format('%s', %c)"),
    ("c_bytea", "bytea", "'\\xdeadbeef00'", "''", "format('%s', %c)"),
    ("c_hstore", "hstore", "'a=>1, b=>NULL'", "''", "format('%s', (%c)::jsonb)"),
    ("c_interval", "interval", "'1 day 02:03:04.000005'", "'-00:00:01'", "format('%s', %c)"),
    ("c_date", "date", "'2024-02-29'", "'0001-01-01'", "format('%s', %c)"),
    ("c_time", "time", "'23:59:59.999999'", "'24:00:00'", "format('%s', %c)"),
    ("c_timetz", "timetz", "'12:15:30.5+02'", "'00:00:00-11'", "format('%s', (%c) AT TIME ZONE 'UTC')"),
    ("c_timestamp", "timestamp", "'2024-02-29 12:34:56.789012'", "'1970-01-01 00:00:00'", "format('%s', %c)"),
    (
        "c_timestamptz",
        "timestamptz",
        "'2024-02-29 12:34:56.789012+05:30'",
        "'2000-01-01 00:00:00Z'",
        "format('%s', %c)",
    ),
    ("c_point", "point", "'(1.5,-2)'", "'(0,0)'", "format('%s', %c)"),
    ("c_enum", "mood", "'happy'", "'sad'", "format('%s', %c)"),
    ("c_int_array", "integer[]", "'{1,2,NULL,4}'", "'{}'", "format('%s', %c)"),
    ("c_text_array", "text[]", "'{a,\"b c\",NULL}'", "'{x}'", "format('%s', %c)"),
]


def compare_sql(table: str) -> str:
    cols = ", ".join(spec.replace("%c", name) for name, _t, _a, _b, spec in COLUMNS)
    return f"SELECT id, {cols} FROM {table} ORDER BY id"


def test_every_cdc_type_round_trips(
    pg_dsn: str,
    pg_params: dict[str, str],
    warehouse_dsn: str,
    warehouse_jdbc: str,
    kafka_bootstrap: str,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    table, slot, prefix = unique_name.table("alltypes"), unique_name.slot(), unique_name("rt")
    topic = f"{prefix}.public.{table}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for ext in ("hstore", "ltree", "citext"):
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")
        conn.execute(
            "DO $$ BEGIN CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        conn.execute(
            f"CREATE TABLE {table} (id int PRIMARY KEY, "
            + ", ".join(f"{n} {t}" for n, t, *_ in COLUMNS)
            + ")"
        )
        names = ", ".join(n for n, *_ in COLUMNS)
        conn.execute(
            f"INSERT INTO {table} (id, {names}) VALUES (1, {', '.join(c[2] for c in COLUMNS)}), "
            f"(2, {', '.join(c[3] for c in COLUMNS)}), (3, {', '.join('NULL' for _ in COLUMNS)}), "
            f"(4, {', '.join(c[2] for c in COLUMNS)})"
        )
    duck = tmp_path / "warehouse.duckdb"
    worker = WorkerProcess("standalone", worker_props(kafka_bootstrap, tmp_path, unique_name("g")), tmp_path)
    try:
        worker.start()
        put_connector(worker, "src", source_config(pg_params, prefix, slot, [table]))
        wait_running(worker, "src")
        put_connector(
            worker, "pg-sink", sink_config(warehouse_jdbc, pg_params["user"], pg_params["password"], [topic])
        )
        put_connector(worker, "duck-sink", sink_config(f"jdbc:duckdb:{duck}", None, None, [topic]))
        wait_running(worker, "pg-sink")
        wait_running(worker, "duck-sink")
        with psycopg.connect(pg_dsn, autocommit=True) as conn:  # streamed changes after the snapshot
            conn.execute(
                f"UPDATE {table} SET ({names}) = (SELECT {names} FROM {table} WHERE id = 2) WHERE id = 4"
            )
            conn.execute(f"INSERT INTO {table} (id, {names}) VALUES (5, {', '.join(c[2] for c in COLUMNS)})")
            conn.execute(f"DELETE FROM {table} WHERE id = 1")
        with psycopg.connect(pg_dsn) as conn:
            expected = conn.execute(compare_sql(table)).fetchall()
        assert [r[0] for r in expected] == [2, 3, 4, 5]

        def warehouse() -> tuple[bool, Any]:
            with psycopg.connect(warehouse_dsn) as conn:
                try:
                    got = conn.execute(compare_sql(table)).fetchall()
                except psycopg.errors.UndefinedTable:
                    return False, "no table yet"
            return got == expected, _diff(expected, got)

        converge(warehouse, 90, worker)
        with worker.client() as c:
            assert c.delete("/connectors/duck-sink").status_code == 204  # releases the DuckDB file
        converge(lambda: (_duck_rows(duck, table) is not None, "file still locked"), 30, worker)
    finally:
        worker.stop()
        drop_slot(pg_dsn, slot)
    with psycopg.connect(pg_dsn) as conn:
        source = conn.execute(
            f"SELECT id, c_int8, c_numeric, c_text, c_date, c_timestamp, c_bool, c_uuid::text, "
            f"c_float8 FROM {table} ORDER BY id"
        ).fetchall()
    got = _duck_rows(duck, table)
    assert got is not None
    assert [
        (r[0], r[1], r[2], r[3], r[4], r[5], r[6], None if r[7] is None else str(r[7]), r[8]) for r in got
    ] == source
    assert isinstance(got[0][2], decimal.Decimal)  # decimals are numbers in the warehouse


def _duck_rows(path: Path, table: str) -> list[tuple[Any, ...]] | None:
    try:
        engine = sa.create_engine(f"duckdb:///{path}")
        with engine.connect() as c:
            rows = c.exec_driver_sql(
                f"SELECT id, c_int8, c_numeric, c_text, c_date, c_timestamp, c_bool, c_uuid, "
                f"c_float8 FROM {table} ORDER BY id"
            ).fetchall()
        engine.dispose()
        return [tuple(r) for r in rows]
    except sa.exc.DBAPIError as e:
        if "lock" in str(e).lower():
            return None
        raise


def _diff(expected: list[tuple[Any, ...]], got: list[tuple[Any, ...]]) -> Any:
    names = ["id"] + [c[0] for c in COLUMNS]
    out = []
    for e, g in zip(expected, got, strict=False):
        out += [(e[0], names[i], e[i], g[i]) for i in range(len(e)) if e[i] != g[i]]
    return out[:20] or (len(expected), len(got))

"""The snapshot through COPY and the compiled path (native_snapshot.py) against the cursor path, on a real
server: the same records in the same order with the same markers and offsets, and bytes that are exactly
what JsonConverter writes for them."""

from __future__ import annotations

import os
from typing import Any

import psycopg
import pytest
from connectrt.api.records import SourceRecord
from connectrt.converters.json_converter import JsonConverter
from connectrt.runtime.serialized import preconverted

from connectrt_postgres import native
from connectrt_postgres.config import parse_config
from connectrt_postgres.events import EventFactory, EventSettings
from connectrt_postgres.filters import Filters
from connectrt_postgres.native import SerializationTarget
from connectrt_postgres.native_snapshot import NativeSnapshot
from connectrt_postgres.replication import connect
from connectrt_postgres.schemas import SchemaSettings
from connectrt_postgres.snapshot import Snapshot
from connectrt_postgres.tables import TableSchemas
from connectrt_postgres.task import value_modes

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not native.available(), reason=f"native path unavailable: {native.unavailable_reason()}"
    ),
]

NATIVE_TABLE = """CREATE TABLE {s}.a_native (id int PRIMARY KEY, t text, n numeric(12,2) NOT NULL DEFAULT 0,
    ts timestamptz, d date, b bytea, j jsonb, f boolean, big bigint)"""
ROWS = [
    "(1, 'plain', 1.25, '2024-05-01 12:00:01.5+00', '2024-02-29', '\\x00ff', '{\"a\": 1}', true, 9223372036854775807)",
    "(2, E'tab\\there\\nnewline \\\\ back\\r\\b\\f\\v \u00e9 \U0001f600', -0.01, NULL, NULL, NULL, NULL, NULL, NULL)",
    "(3, 'nan numeric', 'NaN', 'infinity', '0044-03-15 BC', '\\x', '[]', false, -1)",
    "(4, '', 99999999.99, '1970-01-01 00:00:00+00', '1970-01-01', '\\x5c0a09', '\"\\\\u0000\"', true, 0)",
]


def _snapshot(pg_params: dict[str, str], schema: str, use_native: bool) -> list[SourceRecord]:
    config = parse_config(
        {
            "database.hostname": pg_params["host"],
            "database.port": str(pg_params["port"]),
            "database.user": pg_params["user"],
            "database.password": pg_params["password"],
            "database.dbname": pg_params["dbname"],
            "topic.prefix": "snapn",
            "schema.include.list": schema,
            "max.batch.size": "3",  # several COPY batches, a held-back line in each
        }
    )
    events = EventFactory(
        EventSettings(prefix="snapn", database=pg_params["dbname"]), clock=lambda: 1_714_000_000_000_000_000
    )
    filters = Filters(config)
    out: list[SourceRecord] = []
    with connect(config.libpq_params()) as conn:
        tables = TableSchemas(conn, filters, SchemaSettings("snapn", ".", value_modes(config)))
        snap_native = NativeSnapshot(events, tables, SerializationTarget()) if use_native else None
        Snapshot(config, tables, events, filters, out.extend, lambda: False, None, snap_native).run(
            None, None
        )
    return out


def _masked(r: SourceRecord) -> tuple[Any, ...]:
    value = r.value
    if value is not None:
        source = dict(value["source"])
        for k in ("txId", "lsn", "sequence", "ts_ms", "ts_us", "ts_ns"):
            source.pop(k)
        value = (dict(value["after"]), value["op"], source)
    offset = {k: v for k, v in (r.source_offset or {}).items() if k not in ("txId", "lsn", "ts_usec")}
    return r.topic, dict(r.key) if r.key is not None else None, value, offset


def test_native_snapshot_equals_the_cursor_path(
    pg_dsn: str, pg_params: dict[str, str], unique_name: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = unique_name("snapn")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(NATIVE_TABLE.format(s=schema))
        conn.execute(f"INSERT INTO {schema}.a_native VALUES " + ", ".join(ROWS))
        conn.execute(
            f"INSERT INTO {schema}.a_native (id, t) SELECT g, 'r' || g FROM generate_series(10, 30) g"
        )
        conn.execute(f"CREATE TABLE {schema}.b_python (id int PRIMARY KEY, x float8)")  # a type native leaves
        conn.execute(f"INSERT INTO {schema}.b_python VALUES (1, 1.5), (2, NULL)")
        conn.execute(f"CREATE TABLE {schema}.c_single (id int PRIMARY KEY)")
        conn.execute(f"INSERT INTO {schema}.c_single VALUES (7)")
    try:
        python_records = _snapshot(pg_params, schema, use_native=False)
        native_records = _snapshot(pg_params, schema, use_native=True)
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    kc, vc = JsonConverter(), JsonConverter()
    kc.configure({}, True)
    vc.configure({}, False)
    native_count = served = 0
    for r in native_records:
        if type(r) is native.NativeChangeRecord:
            native_count += 1
            known = preconverted(r, kc, vc)
            if known is not None:
                served += 1
                assert known == (
                    kc.from_connect_data(r.topic, r.key_schema, r.key),
                    vc.from_connect_data(r.topic, r.value_schema, r.value),
                )
    assert native_count == 24 + 1 and served >= native_count - 2  # a_native but the NaN row, c_single
    assert [_masked(r) for r in native_records] == [_masked(r) for r in python_records]
    markers = [r.value["source"]["snapshot"] for r in native_records]
    assert markers[0] == "first" and markers[-1] == "last"
    assert markers.count("last_in_data_collection") == 2  # a_native, b_python (c_single's row is the last)
    assert native_records[-1].source_offset["last_snapshot_record"] is True
    assert os.environ.get(native.DISABLE_ENV, "1") != "0"

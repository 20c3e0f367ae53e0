"""Schemas, rows, keys and records of one table, and the stream processor over literal pgoutput frames."""

from __future__ import annotations

import decimal
import struct
from typing import Any

import pytest
from connectrt.api.data import Struct
from connectrt.api.records import SourceRecord
from connectrt.converters.json_converter import JsonConverter
from pg_fixtures import TYPES, orders_schema, orders_table

from connectrt_postgres.catalog import ColumnInfo, TableId, TableInfo
from connectrt_postgres.events import EventFactory, EventSettings
from connectrt_postgres.offsets import OffsetState, ResumeFilter
from connectrt_postgres.pgoutput import UNCHANGED_TOAST, Relation
from connectrt_postgres.schemas import SchemaSettings, TableSchema
from connectrt_postgres.streaming import StreamProcessor
from connectrt_postgres.types import ValueModes

pytestmark = pytest.mark.unit


def _json(schema: Any, value: Any, schemas: bool = True) -> bytes:
    c = JsonConverter()
    c.configure({"schemas.enable": str(schemas).lower()}, False)
    out = c.from_connect_data("t", schema, value)
    assert out is not None
    return out


def test_worked_example_schemas_and_row() -> None:
    ts = orders_schema()
    assert ts.topic == "dbserver1.public.orders"
    assert ts.key_schema is not None and ts.key_schema.name == "dbserver1.public.orders.Key"
    assert ts.value_schema.name == "dbserver1.public.orders.Value"
    assert ts.envelope_schema.name == "dbserver1.public.orders.Envelope"
    assert ts.envelope_schema.version == 2
    row = ts.row(["1", "Widget", "123.45", "2024-05-01 12:34:56.789+00", None])
    assert dict(row) == {
        "id": 1,
        "name": "Widget",
        "amount": decimal.Decimal("123.45"),
        "created_at": "2024-05-01T12:34:56.789000Z",
        "qty": 1,
    }
    key = ts.key(["1", None, None, None, None], row)
    assert _json(ts.key_schema, key) == (
        b'{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"default":0,"field":"id"}],'
        b'"optional":false,"name":"dbserver1.public.orders.Key"},"payload":{"id":1}}'
    )
    assert _json(ts.value_schema, row, schemas=False) == (
        b'{"id":1,"name":"Widget","amount":"MDk=","created_at":"2024-05-01T12:34:56.789000Z","qty":1}'
    )


def test_not_null_columns_without_a_value_get_the_default_or_a_zero() -> None:
    ts = orders_schema()
    row = ts.row(["5", None, None, None, None])
    assert row["qty"] == 1  # NOT NULL with DEFAULT 1
    assert row["id"] == 5
    assert row["name"] is None


def test_unconvertible_values_become_null() -> None:
    ts = orders_schema()
    row = ts.row(["1", "x", "NaN", None, "2"])
    assert row["amount"] is None


def test_unchanged_toast_takes_the_old_value_or_the_placeholder() -> None:
    ts = orders_schema()
    old = ts.row(["1", "old name", None, None, "1"])
    assert ts.row(["1", UNCHANGED_TOAST, None, None, "1"], old)["name"] == "old name"
    assert ts.row(["1", UNCHANGED_TOAST, None, None, "1"])["name"] == "__debezium_unavailable_value"


def test_column_filter_keeps_key_columns_in_the_key() -> None:
    table = orders_table()
    ts = TableSchema(
        table,
        table.columns,
        TYPES,
        SchemaSettings("p", ".", ValueModes()),
        column_filter=lambda tid, col: col not in ("id", "created_at"),
    )
    assert [f.name for f in ts.value_schema.fields or ()] == ["name", "amount", "qty"]
    values = ["7", "n", "1.00", None, "3"]
    row = ts.row(values)
    assert dict(ts.key(values, row) or {}) == {"id": 7}


def test_custom_key_columns_and_keyless_tables() -> None:
    table = orders_table()
    ts = TableSchema(
        table, table.columns, TYPES, SchemaSettings("p", ".", ValueModes()), key_columns=["name", "id"]
    )
    values = ["7", "n", None, None, "3"]
    assert list((ts.key(values, ts.row(values)) or {}).items()) == [("name", "n"), ("id", 7)]
    keyless = TableInfo(TableId("s", "t"), 1, (ColumnInfo("a", 1, 23, -1, False, None),), (), "d")
    ts2 = TableSchema(keyless, keyless.columns, TYPES, SchemaSettings("p", ".", ValueModes()))
    assert ts2.key_schema is None and ts2.key(["1"], None) is None


def test_unsupported_array_types_are_left_out() -> None:
    table = TableInfo(
        TableId("s", "t"),
        1,
        (
            ColumnInfo("id", 1, 23, -1, True, None),
            ColumnInfo("m", 2, 791, -1, False, None),
            ColumnInfo("d", 3, 90002, -1, False, None),
            ColumnInfo("e", 4, 90001, -1, False, "'ok'::mood"),
        ),
        ("id",),
        "d",
    )
    ts = TableSchema(table, table.columns, TYPES, SchemaSettings("p", ".", ValueModes()))
    fields = {f.name: f.schema for f in ts.value_schema.fields or ()}
    assert list(fields) == ["id", "d", "e"]
    assert fields["e"].parameters == {"allowed": "sad,ok,happy"} and fields["e"].default == "ok"
    assert fields["d"].type.name == "INT32"


# --- the stream processor over literal frames ---------------------------------------------------------


class FakeTables:
    """TableSchemas without a database: relations become schemas of the orders table's shape."""

    def __init__(self) -> None:
        self.by_oid: dict[int, TableSchema] = {}
        self.ignored: set[int] = set()

    def on_relation(self, rel: Relation) -> TableSchema | None:
        if rel.name != "orders":
            self.ignored.add(rel.oid)
            return None
        table = orders_table()
        ts = TableSchema(table, table.columns, TYPES, SchemaSettings("dbserver1", ".", ValueModes()))
        self.by_oid[rel.oid] = ts
        return ts

    def refresh_types(self) -> None:
        pass


def frame(lsn: int, payload: bytes) -> tuple[int, bytes]:
    return lsn, b"w" + struct.pack("!QQq", lsn, lsn, 0) + payload


def t(*values: str | None) -> bytes:
    out = struct.pack("!h", len(values))
    for v in values:
        if v is None:
            out += b"n"
        elif v == "<u>":
            out += b"u"
        else:
            data = v.encode()
            out += b"t" + struct.pack("!i", len(data)) + data
    return out


REL = (
    b"R"
    + struct.pack("!I", 16384)
    + b"public\x00orders\x00d"
    + struct.pack("!h", 5)
    + b"".join(
        bytes([1 if n == "id" else 0]) + n.encode() + b"\x00" + struct.pack("!Ii", oid, mod)
        for n, oid, mod in (
            ("id", 23, -1),
            ("name", 25, -1),
            ("amount", 1700, (10 << 16 | 2) + 4),
            ("created_at", 1184, -1),
            ("qty", 23, -1),
        )
    )
)
OTHER_REL = (
    b"R"
    + struct.pack("!I", 999)
    + b"public\x00other\x00d"
    + struct.pack("!h", 1)
    + (b"\x01id\x00" + struct.pack("!Ii", 23, -1))
)


def begin(final_lsn: int, xid: int) -> bytes:
    return b"B" + struct.pack("!QqI", final_lsn, 767882100123456, xid)


def commit(lsn: int, end: int) -> bytes:
    return b"C\x00" + struct.pack("!QQq", lsn, end, 767882100123456)


def processor(
    settings: EventSettings | None = None,
    offset: OffsetState | None = None,
    resume: ResumeFilter | None = None,
) -> StreamProcessor:
    from connectrt_postgres.config import PostgresConfig  # noqa: F401  (keeps imports honest)
    from connectrt_postgres.filters import Filters

    class AllFilters(Filters):
        def __init__(self) -> None:
            self.message_include = None
            self.message_exclude = None

    events = EventFactory(
        settings or EventSettings(prefix="dbserver1", database="shop"), clock=lambda: 1_000_000_000_000
    )
    return StreamProcessor(FakeTables(), events, AllFilters(), offset or OffsetState(), resume)  # type: ignore[arg-type]


def ops(records: list[SourceRecord]) -> list[tuple[str, Any, Any]]:
    out = []
    for r in records:
        value = r.value
        out.append(
            (
                value["op"] if isinstance(value, Struct) else "tombstone",
                dict(r.key) if r.key else None,
                dict(value["after"]) if isinstance(value, Struct) and value["after"] else None,
            )
        )
    return out


def test_insert_update_delete_with_offsets_and_source() -> None:
    p = processor()
    out: list[SourceRecord] = []
    p.process(
        [
            frame(0, REL),
            frame(100, begin(190, 767)),
            frame(100, b"I" + struct.pack("!I", 16384) + b"N" + t("1", "Widget", "123.45", None, "1")),
            frame(210, commit(190, 210)),
            frame(210, begin(290, 768)),
            frame(220, b"U" + struct.pack("!I", 16384) + b"N" + t("1", "Gadget", "1.00", None, "2")),
            frame(230, b"D" + struct.pack("!I", 16384) + b"K" + t("1", None, None, None, None)),
            frame(310, commit(290, 310)),
        ],
        out,
    )
    assert ops(out) == [
        (
            "c",
            {"id": 1},
            {"id": 1, "name": "Widget", "amount": decimal.Decimal("123.45"), "created_at": None, "qty": 1},
        ),
        (
            "u",
            {"id": 1},
            {"id": 1, "name": "Gadget", "amount": decimal.Decimal("1.00"), "created_at": None, "qty": 2},
        ),
        ("d", {"id": 1}, None),
        ("tombstone", {"id": 1}, None),
    ]
    first = out[0]
    assert first.topic == "dbserver1.public.orders"
    assert first.source_partition == {"server": "dbserver1"}
    assert first.source_offset == {
        "lsn_proc": 100,
        "messageType": "INSERT",
        "lsn": 100,
        "txId": 767,
        "ts_usec": 1714566900123456,
    }
    source = first.value["source"]
    assert (source["ts_ms"], source["txId"], source["lsn"], source["sequence"]) == (
        1714566900123,
        767,
        100,
        '[null,"100"]',
    )
    assert out[1].source_offset["lsn_commit"] == 210
    assert out[1].value["source"]["sequence"] == '["210","220"]'
    assert dict(out[2].value["before"]) == {
        "id": 1,
        "name": None,
        "amount": None,
        "created_at": None,
        "qty": 1,
    }
    assert [h.key for h in out[0].headers] == [
        "__debezium.context.connectorLogicalName",
        "__debezium.context.taskId",
        "__debezium.context.connectorName",
        "__debezium.context.runId",
    ]
    assert p.offset.to_dict() == {
        "lsn_proc": 310,
        "messageType": "COMMIT",
        "lsn_commit": 310,
        "lsn": 310,
        "txId": 768,
        "ts_usec": 1714566900123456,
    }


def test_primary_key_change_is_delete_tombstone_create() -> None:
    p = processor()
    out: list[SourceRecord] = []
    p.process(
        [
            frame(0, REL),
            frame(100, begin(190, 1)),
            frame(
                110,
                b"U"
                + struct.pack("!I", 16384)
                + b"K"
                + t("1", None, None, None, None)
                + b"N"
                + t("10", "b", None, None, "1"),
            ),
        ],
        out,
    )
    assert [o[:2] for o in ops(out)] == [("d", {"id": 1}), ("tombstone", {"id": 1}), ("c", {"id": 10})]
    assert dict(out[0].headers.last_with_name("__debezium.newkey").value) == {"id": 10}  # type: ignore[union-attr]
    assert dict(out[2].headers.last_with_name("__debezium.oldkey").value) == {"id": 1}  # type: ignore[union-attr]


def test_skipped_operations_tombstones_truncate_and_other_tables() -> None:
    p = processor(
        EventSettings(prefix="dbserver1", database="shop", tombstones=False, skipped=frozenset({"u"}))
    )
    out: list[SourceRecord] = []
    p.process(
        [
            frame(0, REL),
            frame(0, OTHER_REL),
            frame(100, begin(190, 1)),
            frame(101, b"I" + struct.pack("!I", 999) + b"N" + t("5")),
            frame(102, b"U" + struct.pack("!I", 16384) + b"N" + t("1", "x", None, None, "1")),
            frame(103, b"D" + struct.pack("!I", 16384) + b"K" + t("1", None, None, None, None)),
            frame(104, b"T" + struct.pack("!iB", 2, 0) + struct.pack("!II", 999, 16384)),
        ],
        out,
    )
    assert [o[0] for o in ops(out)] == ["d", "t"]
    assert out[1].key is None and out[1].key_schema is None


def test_resume_skips_what_was_emitted() -> None:
    stored = OffsetState(lsn=110, tx_id=2, lsn_proc=110, lsn_commit=50, message_type="INSERT", ts_usec=1)
    p = processor(offset=stored, resume=ResumeFilter(stored))
    out: list[SourceRecord] = []
    p.process(
        [
            frame(0, REL),
            frame(40, begin(45, 1)),
            frame(41, b"I" + struct.pack("!I", 16384) + b"N" + t("1", "a", None, None, "1")),
            frame(50, commit(45, 50)),
            frame(100, begin(190, 2)),
            frame(105, b"I" + struct.pack("!I", 16384) + b"N" + t("2", "b", None, None, "1")),
            frame(110, b"I" + struct.pack("!I", 16384) + b"N" + t("3", "c", None, None, "1")),
            frame(120, b"I" + struct.pack("!I", 16384) + b"N" + t("4", "d", None, None, "1")),
            frame(200, commit(190, 200)),
            frame(210, begin(290, 3)),
            frame(220, b"I" + struct.pack("!I", 16384) + b"N" + t("5", "e", None, None, "1")),
        ],
        out,
    )
    assert [o[1] for o in ops(out)] == [{"id": 4}, {"id": 5}]


def test_logical_decoding_messages() -> None:
    p = processor()
    out: list[SourceRecord] = []
    p.process(
        [
            frame(100, begin(190, 9)),
            frame(110, b"M\x01" + struct.pack("!Q", 110) + b"pfx\x00" + struct.pack("!i", 3) + b"abc"),
            frame(200, commit(190, 200)),
            frame(300, b"M\x00" + struct.pack("!Q", 300) + b"nt\x00" + struct.pack("!i", 1) + b"z"),
        ],
        out,
    )
    assert [r.topic for r in out] == ["dbserver1.message", "dbserver1.message"]
    assert dict(out[0].key) == {"prefix": "pfx"}
    assert out[0].value["op"] == "m" and dict(out[0].value["message"]) == {"prefix": "pfx", "content": b"abc"}
    assert out[0].value["source"]["txId"] == 9 and out[0].value["source"]["table"] == ""
    assert out[1].value["source"]["txId"] is None
    assert out[1].value["source"]["sequence"] == '["300","300"]'
    assert not out[1].headers


def test_avro_name_adjustment() -> None:
    from connectrt_postgres.schemas import adjust_name

    table = TableInfo(
        TableId("my-schema", "2tbl"), 1, (ColumnInfo("a-b", 1, 23, -1, True, None),), ("a-b",), "d"
    )
    ts = TableSchema(table, table.columns, TYPES, SchemaSettings("srv", ".", ValueModes(), "avro", "avro"))
    assert ts.topic == "srv.my-schema.2tbl"
    assert ts.value_schema.name == "srv.my_schema._2tbl.Value"
    assert [f.name for f in ts.value_schema.fields or ()] == ["a_b"]
    assert adjust_name("ü-x", "avro_unicode", False) == "_u00fc_u002dx"

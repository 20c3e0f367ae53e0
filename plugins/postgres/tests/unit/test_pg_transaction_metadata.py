"""Transaction metadata over literal pgoutput frames: BEGIN/END records, the transaction block,
offsets with the transaction keys, a restart inside a transaction (counters continue, no second
BEGIN), transactions skipped on resume, logical decoding messages. The literal comparison with
Debezium's recorded output is tests/integration/test_pg_transactions.py."""

from __future__ import annotations

import struct
from typing import Any

from connectrt.api.records import SourceRecord
from test_pg_events import REL, FakeTables, begin, commit, frame, t

from connectrt_postgres.events import EventFactory, EventSettings
from connectrt_postgres.filters import Filters
from connectrt_postgres.offsets import OffsetState, ResumeFilter
from connectrt_postgres.transactions import TransactionalStreamProcessor, TransactionContext

ORDERS = struct.pack("!I", 16384)


def processor(
    offset: OffsetState | None = None,
    stored: dict[str, Any] | None = None,
    resume: ResumeFilter | None = None,
    heartbeat: Any = None,
) -> TransactionalStreamProcessor:
    class AllFilters(Filters):
        def __init__(self) -> None:
            self.message_include = None
            self.message_exclude = None

    events = EventFactory(EventSettings(prefix="dbserver1", database="shop"), clock=lambda: 1_000_000_000_000)
    p = TransactionalStreamProcessor(
        FakeTables(),
        events,
        AllFilters(),
        offset or OffsetState(),
        resume,
        heartbeat,  # type: ignore[arg-type]
    )
    p.configure_transactions("transaction", ".", "none", stored)
    return p


def summary(records: list[SourceRecord]) -> list[tuple[str, Any, Any]]:
    out: list[tuple[str, Any, Any]] = []
    for r in records:
        v = r.value
        if v is None:
            out.append(("tombstone", None, None))
        elif "status" in v:
            out.append((v["status"], v["id"], v["event_count"]))
        else:
            block = v["transaction"]
            out.append((v["op"], dict(block) if block is not None else None, None))
    return out


def test_begin_events_end_and_offsets() -> None:
    p = processor()
    out: list[SourceRecord] = []
    p.process(
        [
            frame(0, REL),
            frame(100, begin(190, 767)),
            frame(100, b"I" + ORDERS + b"N" + t("1", "a", None, None, "1")),
            frame(120, b"I" + ORDERS + b"N" + t("2", "b", None, None, "1")),
            frame(140, b"D" + ORDERS + b"K" + t("1", None, None, None, None)),
            frame(210, commit(190, 210)),
        ],
        out,
    )
    assert summary(out) == [
        ("BEGIN", "767:100", None),
        ("c", {"id": "767:100", "total_order": 1, "data_collection_order": 1}, None),
        ("c", {"id": "767:120", "total_order": 2, "data_collection_order": 2}, None),
        ("d", {"id": "767:140", "total_order": 3, "data_collection_order": 3}, None),
        ("tombstone", None, None),
        ("END", "767:210", 3),
    ]
    begin_record, end_record = out[0], out[-1]
    assert begin_record.topic == end_record.topic == "dbserver1.transaction"
    assert dict(begin_record.key) == {"id": "767:100"}
    assert dict(begin_record.value) == {
        "status": "BEGIN",
        "id": "767:100",
        "event_count": None,
        "data_collections": None,
        "ts_ms": 1714566900123,
    }
    assert not begin_record.headers
    assert [dict(c) for c in end_record.value["data_collections"]] == [
        {"data_collection": "public.orders", "event_count": 3}
    ]
    assert begin_record.source_offset == {
        "transaction_id": "767",
        "lsn_proc": 100,
        "messageType": "BEGIN",
        "lsn": 100,
        "txId": 767,
        "ts_usec": 1714566900123456,
    }
    assert out[2].source_offset == {
        "transaction_id": "767",
        "lsn_proc": 120,
        "messageType": "INSERT",
        "lsn": 120,
        "transaction_data_collection_order_public.orders": 2,
        "txId": 767,
        "ts_usec": 1714566900123456,
    }
    assert out[4].source_offset is out[3].source_offset  # the tombstone shares the delete's offset
    assert end_record.source_offset == {
        "transaction_id": "767",
        "lsn_proc": 210,
        "messageType": "COMMIT",
        "lsn_commit": 210,
        "lsn": 210,
        "transaction_data_collection_order_public.orders": 3,
        "txId": 767,
        "ts_usec": 1714566900123456,
    }
    assert p.tx.xid is None and p.offset.to_dict()["lsn_commit"] == 210


def test_restart_inside_a_transaction_continues_its_counters() -> None:
    stored = {
        "transaction_id": "2",
        "lsn_proc": 110,
        "messageType": "INSERT",
        "lsn_commit": 50,
        "lsn": 110,
        "transaction_data_collection_order_public.orders": 2,
        "txId": 2,
        "ts_usec": 1,
    }
    offset = OffsetState.load(stored)
    assert offset is not None
    p = processor(offset, stored, ResumeFilter(offset))
    out: list[SourceRecord] = []
    p.process(
        [
            frame(0, REL),
            frame(100, begin(190, 2)),
            frame(105, b"I" + ORDERS + b"N" + t("2", "b", None, None, "1")),
            frame(110, b"I" + ORDERS + b"N" + t("3", "c", None, None, "1")),
            frame(120, b"I" + ORDERS + b"N" + t("4", "d", None, None, "1")),
            frame(200, commit(190, 200)),
        ],
        out,
    )
    assert summary(out) == [
        ("c", {"id": "2:120", "total_order": 3, "data_collection_order": 3}, None),
        ("END", "2:200", 3),
    ]


def test_transactions_skipped_on_resume_have_no_begin_or_end() -> None:
    stored = OffsetState(lsn=50, tx_id=1, lsn_proc=50, lsn_commit=50, message_type="COMMIT", ts_usec=1)
    p = processor(stored, stored.to_dict(), ResumeFilter(stored))
    out: list[SourceRecord] = []
    p.process(
        [
            frame(0, REL),
            frame(40, begin(45, 1)),
            frame(41, b"I" + ORDERS + b"N" + t("1", "a", None, None, "1")),
            frame(50, commit(45, 50)),
            frame(60, begin(70, 2)),
            frame(60, b"I" + ORDERS + b"N" + t("2", "b", None, None, "1")),
            frame(80, commit(70, 80)),
        ],
        out,
    )
    assert summary(out) == [
        ("BEGIN", "2:60", None),
        ("c", {"id": "2:60", "total_order": 1, "data_collection_order": 1}, None),
        ("END", "2:80", 1),
    ]


def test_messages_in_and_out_of_transactions() -> None:
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
    assert summary(out) == [
        ("BEGIN", "9:100", None),
        ("m", {"id": "9:110", "total_order": 1, "data_collection_order": 1}, None),
        ("END", "9:200", 1),
        ("m", None, None),
    ]
    assert [dict(c) for c in out[2].value["data_collections"]] == [
        {"data_collection": "LOGICAL_DECODING_MESSAGE", "event_count": 1}
    ]


def test_context_round_trip_through_offsets() -> None:
    context = TransactionContext.load(
        {
            "transaction_id": "5",
            "transaction_data_collection_order_s.a": 2,
            "transaction_data_collection_order_s.b": 1,
            "lsn": 1,
        }
    )
    assert (context.xid, context.counts, context.total) == ("5", {"s.a": 2, "s.b": 1}, 3)
    assert context.event("s.b") == 2 and context.total == 4
    stored = context.store({"lsn": 1})
    assert stored == {
        "transaction_id": "5",
        "transaction_data_collection_order_s.a": 2,
        "transaction_data_collection_order_s.b": 2,
        "lsn": 1,
    }
    context.end()
    assert context.store({"lsn": 1}) == {"lsn": 1}
    assert TransactionContext.load(None).xid is None


def test_heartbeats_inside_a_transaction_carry_its_context() -> None:
    def heartbeat(offset: OffsetState, out: list[SourceRecord]) -> None:
        out.append(SourceRecord({"server": "dbserver1"}, offset.to_dict(), "__debezium-heartbeat.dbserver1"))

    p = processor(heartbeat=heartbeat)
    out: list[SourceRecord] = []
    p.process(
        [
            frame(0, REL),
            frame(100, begin(190, 7)),
            frame(100, b"I" + ORDERS + b"N" + t("1", "a", None, None, "1")),
        ],
        out,
    )
    p.idle(out)
    assert out[-1].source_offset == {
        "transaction_id": "7",
        "lsn_proc": 100,
        "messageType": "INSERT",
        "lsn": 100,
        "transaction_data_collection_order_public.orders": 1,
        "txId": 7,
        "ts_usec": 1714566900123456,
    }
    p.process([frame(210, commit(190, 210))], out)
    assert [r.topic for r in out[-2:]] == ["dbserver1.transaction", "__debezium-heartbeat.dbserver1"]
    assert "transaction_id" not in out[-1].source_offset  # after END, as in Debezium

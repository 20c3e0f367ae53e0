"""ExtractNewRecordState over records built by the connector's own event factory."""

from __future__ import annotations

from typing import Any

import pytest
from connectrt.api.records import SourceRecord
from connectrt.config.configdef import ConfigException
from pg_fixtures import orders_schema

from connectrt_postgres.events import EventFactory, EventSettings
from connectrt_postgres.extract_new_record_state import ExtractNewRecordState
from connectrt_postgres.offsets import OffsetState

pytestmark = pytest.mark.unit

TS = orders_schema()
EVENTS = EventFactory(EventSettings(prefix="dbserver1", database="shop"), clock=lambda: 5_000_000_000)
ROW = ["1", "Widget", "1.50", None, "2"]


def records(op: str) -> list[SourceRecord]:
    out: list[SourceRecord] = []
    offset = OffsetState(lsn=10, tx_id=3, ts_usec=7_000_000)
    source = EVENTS.source(offset, "public", "orders", None, 7_000_000)
    row = TS.row(ROW)
    key = TS.key(ROW, row)
    if op == "t":
        EVENTS.truncate(out, TS, source, offset.to_dict())
    elif op == "d":
        EVENTS.change(out, TS, "d", key, row, None, source, offset.to_dict())
    else:
        EVENTS.change(out, TS, op, key, None, row, source, offset.to_dict())
    return out


def smt(**config: Any) -> ExtractNewRecordState:
    t = ExtractNewRecordState()
    t.configure({k.replace("_", "."): v for k, v in config.items()})
    return t


def test_create_becomes_the_after_row() -> None:
    out = smt().apply(records("c")[0])
    assert out is not None
    assert out.value_schema is TS.value_schema
    assert dict(out.value) == {
        "id": 1,
        "name": "Widget",
        "amount": TS.row(ROW)["amount"],
        "created_at": None,
        "qty": 2,
    }
    assert out.topic == "dbserver1.public.orders"


def test_default_tombstone_mode() -> None:
    t = smt()
    delete, tombstone = records("d")
    out = t.apply(delete)
    assert out is not None and out.value is None and out.value_schema is TS.value_schema
    assert t.apply(tombstone) is None
    assert t.apply(records("t")[0]) is None


@pytest.mark.parametrize(
    ("mode", "delete_kept", "tombstone_kept"),
    [
        ("drop", False, False),
        ("rewrite", True, False),
        ("rewrite-with-tombstone", True, True),
        ("delete-to-tombstone", True, False),
    ],
)
def test_delete_modes(mode: str, delete_kept: bool, tombstone_kept: bool) -> None:
    t = smt(**{"delete.tombstone.handling.mode": mode})
    delete, tombstone = records("d")
    out = t.apply(delete)
    assert (out is not None) == delete_kept
    assert (t.apply(tombstone) is not None) == tombstone_kept
    if mode.startswith("rewrite"):
        assert out is not None and out.value["__deleted"] == "true"
        created = t.apply(records("c")[0])
        assert created is not None and created.value["__deleted"] == "false"
        assert [f.name for f in created.value_schema.fields or ()][-1] == "__deleted"
    if mode == "delete-to-tombstone":
        assert out is not None and out.value is None and out.value_schema is None


def test_legacy_drop_tombstones_and_delete_handling_mode() -> None:
    t = smt(**{"drop.tombstones": "false", "delete.handling.mode": "none"})
    delete, tombstone = records("d")
    out = t.apply(delete)
    assert out is not None and out.value is None
    assert t.apply(tombstone) is tombstone
    t2 = smt(**{"drop.tombstones": "true"})
    assert t2.apply(records("d")[0]) is None


def test_add_fields_and_headers() -> None:
    t = smt(**{"add.fields": "op,table,lsn,source.ts_ms,name:server", "add.headers": "op,db"})
    out = t.apply(records("u")[0])
    assert out is not None
    added = {k: v for k, v in out.value.items() if k.startswith("__")}
    assert added == {
        "__op": "u",
        "__table": "orders",
        "__lsn": 10,
        "__source_ts_ms": 7000,
        "__server": "dbserver1",
    }
    names = [f.name for f in out.value_schema.fields or ()]
    assert names[-5:] == ["__op", "__table", "__lsn", "__source_ts_ms", "__server"]
    assert all(f.schema.optional for f in out.value_schema.fields or () if f.name.startswith("__"))
    assert [(h.key, h.value) for h in out.headers if h.key in ("__op", "__db")] == [
        ("__op", "u"),
        ("__db", "shop"),
    ]
    tomb = t.apply(records("d")[1])
    assert tomb is None


def test_route_by_field_and_passthrough() -> None:
    out = smt(**{"route.by.field": "name"}).apply(records("c")[0])
    assert out is not None and out.topic == "Widget"
    heartbeat = EVENTS.heartbeat({"lsn": 1})
    assert smt().apply(heartbeat) is heartbeat


def test_unsupported_option_is_rejected() -> None:
    with pytest.raises(ConfigException, match=r"drop\.fields\.header\.name"):
        smt(**{"drop.fields.header.name": "h"})

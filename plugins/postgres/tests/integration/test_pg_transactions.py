"""Transaction metadata (``provide.transaction.metadata=true``) must match what Debezium 3.6.1
produced for the same statements (tests/data/debezium/transactions.jsonl, recorded by
tests/reference/record_transactions.py): the BEGIN/END records on the transaction topic, the
``transaction`` block of every change event, and the committed offset with its transaction keys,
with JsonConverter schemas on (``tx``) and off plus ``topic.transaction=txmeta`` (``txalt``).

XIDs, LSNs and timestamps differ between runs. XIDs and LSNs are replaced by symbols in order of
first appearance (an LSN's symbol is scoped to its transaction, because other sessions on the shared
server may write WAL between two transactions), so the comparison still checks how each ``id``
(``"<xid>:<lsn>"``) is built: BEGIN's LSN is the first change's, each event carries its own change
LSN, END's is the commit LSN that the offset's ``lsn_commit`` also holds.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg_harness import DATA, cleanup_pg, connector_config, read_topic, standalone, topic_size, wait_running
from tests.integration.worker_process import wait_until

from connectrt_postgres.types import java_hashmap_order

pytestmark = pytest.mark.integration

REF_SCHEMA = "dbzref_tx"
RECORDING = DATA / "transactions.jsonl"
_TX_ID = re.compile(r"^(\d+):(\d+)$")


def _recording() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    lines = [json.loads(line) for line in RECORDING.read_text().splitlines()]
    return lines[0], lines[1:]


class Symbols:
    """Replaces xids and (per-xid) LSNs by symbols in order of first appearance."""

    def __init__(self) -> None:
        self.xids: dict[str, str] = {}
        self.lsns: dict[tuple[str, int], str] = {}

    def xid(self, value: Any) -> str:
        return self.xids.setdefault(str(value), f"X{len(self.xids) + 1}")

    def lsn(self, xid: Any, value: int) -> str:
        x = self.xid(xid)
        key = (x, int(value))
        if key not in self.lsns:
            self.lsns[key] = f"{x}/L{sum(1 for k in self.lsns if k[0] == x) + 1}"
        return self.lsns[key]

    def tx_id(self, text: str) -> str:
        m = _TX_ID.match(text)
        assert m is not None, text
        return f"{self.xid(m.group(1))}:{self.lsn(m.group(1), int(m.group(2)))}"

    def payload(self, p: Any) -> Any:
        if not isinstance(p, dict):
            return p
        p = dict(p)
        for f in ("ts_ms", "ts_us", "ts_ns"):
            if f in p and "status" not in p:
                p[f] = "<processing time>"
        if "status" in p:  # a transaction metadata value
            p["id"] = self.tx_id(p["id"])
            p["ts_ms"] = "<commit time>"
        source = p.get("source")
        if isinstance(source, dict):
            source = dict(source)
            xid = source["txId"]
            source["txId"] = self.xid(xid)
            source["lsn"] = self.lsn(xid, source["lsn"])
            for f in ("ts_ms", "ts_us", "ts_ns", "sequence", "version"):
                source[f] = "<volatile>"
            source["name"] = "<prefix>"
            source["schema"] = "<schema>"
            p["source"] = source
        block = p.get("transaction")
        if isinstance(block, dict):
            p["transaction"] = {**block, "id": self.tx_id(block["id"])}
        return p

    def offset(self, o: dict[str, Any]) -> dict[str, Any]:
        xid = o.get("txId")
        out: dict[str, Any] = {}
        for k, v in o.items():
            if k in ("lsn", "lsn_proc", "lsn_commit"):
                out[k] = self.lsn(xid, v)
            elif k in ("txId", "transaction_id"):
                out[k] = self.xid(v)
            elif k == "ts_usec":
                out[k] = "<commit time>"
            else:
                out[k] = v
        return out


def _normalize(
    records: list[dict[str, Any]],
    prefix: str,
    schema: str,
    tx_topic: str,
    offsets: dict[str, Any],
    schemas: bool,
) -> dict[str, Any]:
    """Records (grouped by topic, in a fixed topic order) and the committed offsets, with names and
    volatile values replaced."""
    # Debezium lists data collections and offset keys in java.util.HashMap order, which depends on
    # the names: check the order on the real names, then compare the contents.
    for r in records:
        value = r["value"]
        payload = value.get("payload", value) if schemas and value is not None else value
        if isinstance(payload, dict) and payload.get("data_collections"):
            names = [c["data_collection"] for c in payload["data_collections"]]
            assert names == java_hashmap_order(names)
            payload["data_collections"] = sorted(
                payload["data_collections"], key=lambda c: c["data_collection"]
            )
    for o in offsets["offsets"]:
        assert list(o["offset"]) == java_hashmap_order(list(o["offset"]))
    sym = Symbols()
    text = json.dumps({"records": records, "offsets": offsets})
    # Compound names first: in the recording the prefix of one connector equals the schema name.
    text = text.replace(f"{prefix}.{schema}.", "<prefix>.<schema>.")
    text = text.replace(f'"{prefix}.{tx_topic}"', f'"<prefix>.{tx_topic}"')
    text = text.replace(f"_order_{schema}.", "_order_<schema>.")
    text = text.replace(f'"{schema}.', '"<schema>.')
    data = json.loads(text)
    out = []
    for r in data["records"]:
        key, value = r["key"], r["value"]
        is_tx = r["topic"].endswith(tx_topic)
        if schemas:
            if value is not None:
                value = {"schema": value["schema"], "payload": sym.payload(value["payload"])}
            if key is not None and is_tx:
                key = {"schema": key["schema"], "payload": {"id": sym.tx_id(key["payload"]["id"])}}
        else:
            value = sym.payload(value)
            if key is not None and is_tx:
                key = {"id": sym.tx_id(key["id"])}
        headers = [
            [
                k,
                "<run>"
                if k == "__debezium.context.runId"
                else "<prefix>"
                if k.endswith("LogicalName")
                else v,
            ]
            for k, v in r["headers"]
        ]
        out.append({"topic": r["topic"], "key": key, "value": value, "headers": headers})
    committed = [
        {"partition": {"server": "<prefix>"}, "offset": sym.offset(o["offset"])}
        for o in data["offsets"]["offsets"]
    ]
    return {"records": out, "offsets": committed}


def _topics(prefix: str, schema: str, tx_topic: str) -> list[str]:
    return [f"{prefix}.{schema}.orders", f"{prefix}.{schema}.lines", f"{prefix}.{tx_topic}"]


def _expected(connector: str) -> dict[str, Any]:
    _header, lines = _recording()
    records = [r for r in lines if r.get("connector") == connector and "topic" in r]
    offsets = next(
        r["committed_offsets"] for r in lines if r.get("connector") == connector and "committed_offsets" in r
    )
    tx_topic = "transaction" if connector == "tx" else "txmeta"
    return _normalize(
        records, f"dbzref_{connector}", REF_SCHEMA, tx_topic, offsets, schemas=connector == "tx"
    )


@pytest.fixture(scope="module")
def tx_run(
    tmp_path_factory: pytest.TempPathFactory, pg_dsn: str, pg_params: dict[str, str], kafka_bootstrap: str
) -> Iterator[dict[str, Any]]:
    from tests.fixtures.names import unique_name

    header, _ = _recording()
    schema = unique_name("pgtx")
    runs = {
        "tx": (unique_name("p_tx"), unique_name("slot"), "transaction", {}),
        "txalt": (
            unique_name("p_txalt"),
            unique_name("slot"),
            "txmeta",
            {
                "topic.transaction": "txmeta",
                "key.converter": "org.apache.kafka.connect.json.JsonConverter",
                "key.converter.schemas.enable": "false",
                "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable": "false",
            },
        ),
    }
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for statement in header["setup"]:
            conn.execute(statement.replace(REF_SCHEMA, schema))
    configs = [
        connector_config(
            f"c-{name}",
            pg_params,
            prefix,
            slot,
            slot,
            **{
                "schema.include.list": schema,
                "publication.autocreate.mode": "filtered",
                "slot.drop.on.stop": "true",
                "provide.transaction.metadata": "true",
                **extra,
            },
        )
        for name, (prefix, slot, _tx, extra) in runs.items()
    ]
    work = tmp_path_factory.mktemp("tx")
    try:
        with standalone(kafka_bootstrap, work, configs, schemas=True) as worker:
            for name, (prefix, _slot, _tx, _extra) in runs.items():
                wait_running(worker, f"c-{name}")
                wait_until(
                    lambda p=prefix: topic_size(kafka_bootstrap, f"{p}.{schema}.orders") >= 1,
                    90,
                    f"{prefix} snapshot",
                )
            time.sleep(2)
            with psycopg.connect(pg_dsn) as conn:
                for tx in header["transactions"]:
                    for statement in tx["statements"]:
                        conn.execute(statement.replace(REF_SCHEMA, schema))
                    conn.commit()
            for name, (prefix, _slot, tx_topic, _extra) in runs.items():
                wait_until(
                    lambda p=prefix, t=tx_topic: topic_size(kafka_bootstrap, f"{p}.{t}") >= 4,
                    90,
                    f"{name} transaction events",
                )
            time.sleep(3)  # one offset flush (1 s) after the last record

            results: dict[str, Any] = {}
            raw: dict[str, Any] = {}
            for name, (prefix, _slot, tx_topic, _extra) in runs.items():
                records: list[dict[str, Any]] = []
                for topic in _topics(prefix, schema, tx_topic):
                    records += read_topic(kafka_bootstrap, topic)
                with worker.client() as c:
                    offsets = c.get(f"/connectors/c-{name}/offsets").json()
                raw[name] = records
                results[name] = _normalize(records, prefix, schema, tx_topic, offsets, schemas=name == "tx")
            yield {"results": results, "raw": raw, "log": worker.tail(100)}
    finally:
        slots = [slot for _p, slot, _t, _e in runs.values()]
        cleanup_pg(pg_dsn, slots, slots, [schema])


def _compare(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert len(got["records"]) == len(want["records"]), json.dumps(got["records"], indent=1)[:4000]
    for i, (g, w) in enumerate(zip(got["records"], want["records"], strict=True)):
        assert g == w, f"record {i} differs:\n got {json.dumps(g)}\nwant {json.dumps(w)}"
    assert got["offsets"] == want["offsets"]


def test_transaction_events_with_schemas_match_debezium(tx_run: dict[str, Any]) -> None:
    _compare(tx_run["results"]["tx"], _expected("tx"))


def test_transaction_events_without_schemas_and_custom_topic_match_debezium(tx_run: dict[str, Any]) -> None:
    _compare(tx_run["results"]["txalt"], _expected("txalt"))


def test_begin_and_end_carry_the_commit_time(tx_run: dict[str, Any]) -> None:
    records = tx_run["raw"]["txalt"]
    commit_ms = {
        r["value"]["source"]["txId"]: r["value"]["source"]["ts_ms"]
        for r in records
        if r["value"] is not None and "source" in r["value"]
    }
    markers = [r["value"] for r in records if r["topic"].endswith(".txmeta")]
    assert [m["status"] for m in markers] == ["BEGIN", "END", "BEGIN", "END"]
    for m in markers:
        assert m["ts_ms"] == commit_ms[int(m["id"].split(":")[0])]


def test_literal_transaction_events() -> None:
    """The recorded BEGIN/END of the two-table transaction and one data event, written out."""
    _header, lines = _recording()
    tx_topic = [
        r for r in lines if r.get("connector") == "tx" and r.get("topic", "").endswith(".transaction")
    ]
    key_schema = {
        "type": "struct",
        "fields": [{"type": "string", "optional": False, "field": "id"}],
        "optional": False,
        "name": "io.debezium.connector.common.TransactionMetadataKey",
        "version": 1,
    }
    value_schema = {
        "type": "struct",
        "fields": [
            {"type": "string", "optional": False, "field": "status"},
            {"type": "string", "optional": False, "field": "id"},
            {"type": "int64", "optional": True, "field": "event_count"},
            {
                "type": "array",
                "items": {
                    "type": "struct",
                    "fields": [
                        {"type": "string", "optional": False, "field": "data_collection"},
                        {"type": "int64", "optional": False, "field": "event_count"},
                    ],
                    "optional": True,
                    "name": "event.collection",
                    "version": 1,
                },
                "optional": True,
                "field": "data_collections",
            },
            {"type": "int64", "optional": False, "field": "ts_ms"},
        ],
        "optional": False,
        "name": "io.debezium.connector.common.TransactionMetadataValue",
        "version": 1,
    }
    begin, end = tx_topic[0], tx_topic[1]
    assert begin["key"] == {"schema": key_schema, "payload": {"id": "104367:615465800"}}
    assert begin["value"] == {
        "schema": value_schema,
        "payload": {
            "status": "BEGIN",
            "id": "104367:615465800",
            "event_count": None,
            "data_collections": None,
            "ts_ms": 1795791652955,
        },
    }
    assert end["value"]["payload"] == {
        "status": "END",
        "id": "104367:615466488",
        "event_count": 5,
        "data_collections": [
            {"data_collection": "dbzref_tx.orders", "event_count": 2},
            {"data_collection": "dbzref_tx.lines", "event_count": 3},
        ],
        "ts_ms": 1795791652955,
    }
    assert begin["headers"] == end["headers"] == []
    first_line = next(
        r for r in lines if r.get("connector") == "tx" and r.get("topic", "").endswith(".lines")
    )
    assert first_line["value"]["payload"]["transaction"] == {
        "id": "104367:615465928",
        "total_order": 2,
        "data_collection_order": 1,
    }
    assert first_line["value"]["payload"]["source"]["lsn"] == 615465928


def test_recording_says_how_it_was_made() -> None:
    header, _ = _recording()
    assert "Debezium 3.6.1.Final" in header["_produced_by"]
    assert Path(__file__).resolve().parents[1].joinpath("reference", "record_transactions.py").exists()


def test_worker_restart_between_transactions(
    tmp_path: Path, pg_dsn: str, pg_params: dict[str, str], kafka_bootstrap: str
) -> None:
    """The committed offset of an END record carries the transaction keys; a worker restarted from
    it emits the next transaction's BEGIN and END once, with fresh counters, and nothing twice."""
    from tests.fixtures.names import unique_name

    schema, slot, prefix = unique_name("pgtxr"), unique_name("slot"), unique_name("p_txr")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE TABLE {schema}.t (id int PRIMARY KEY)")
    config = connector_config(
        "c-txr",
        pg_params,
        prefix,
        slot,
        slot,
        **{
            "schema.include.list": schema,
            "publication.autocreate.mode": "filtered",
            "provide.transaction.metadata": "true",
            "snapshot.mode": "no_data",
        },
    )
    topic = f"{prefix}.transaction"
    try:
        for round_ in (1, 2):
            with standalone(kafka_bootstrap, tmp_path, [config]) as worker:
                wait_running(worker, "c-txr")
                time.sleep(2)
                with psycopg.connect(pg_dsn) as conn:
                    conn.execute(f"INSERT INTO {schema}.t VALUES ({round_ * 10}), ({round_ * 10 + 1})")
                    conn.commit()
                wait_until(
                    lambda r=round_: topic_size(kafka_bootstrap, topic) >= 2 * r, 60, f"round {round_} END"
                )
                time.sleep(2)  # an offset flush (1 s) after the END record
        markers = [r["value"]["payload"] for r in read_topic(kafka_bootstrap, topic)]
        assert [(m["status"], m["event_count"]) for m in markers] == [("BEGIN", None), ("END", 2)] * 2
        assert len({m["id"].split(":")[0] for m in markers}) == 2
        rows = read_topic(kafka_bootstrap, f"{prefix}.{schema}.t")
        assert [r["value"]["payload"]["transaction"]["total_order"] for r in rows] == [1, 2, 1, 2]
    finally:
        cleanup_pg(pg_dsn, [slot], [slot], [schema])

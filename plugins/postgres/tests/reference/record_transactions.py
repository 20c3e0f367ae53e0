"""Record Debezium's transaction metadata (``provide.transaction.metadata=true``) as test data.

Runs Debezium 3.6.1.Final on Java Kafka Connect 4.2.1 standalone (jars as in record_reference.py,
cached outside the repository) with two connectors over the same two tables: ``tx`` (JsonConverter
schemas on, default ``topic.transaction``) and ``txalt`` (schemas off, ``topic.transaction=txmeta``).
After a one-row snapshot it commits a two-table transaction and a one-row transaction, then writes
every record of the data and transaction topics, and each connector's committed offset (read with
``GET /connectors/{name}/offsets``), to ``tests/data/debezium/transactions.jsonl``. Each record also
carries the LSNs the test needs to check how the ``id`` is built (``"<xid>:<lsn>"``).
Usage: ``.venv/bin/python plugins/postgres/tests/reference/record_transactions.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from record_reference import (  # noqa: E402
    DSN,
    OUT,
    PG,
    count,
    delete_topics,
    drain,
    ensure_jars,
    start_connect_standalone,
    wait_for,
)

SCHEMA = "dbzref_tx"
PORT = 18093
CONNECTORS: dict[str, dict[str, str]] = {
    "tx": {},
    "txalt": {
        "topic.transaction": "txmeta",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": "false",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
    },
}
SETUP = [
    f"CREATE SCHEMA {SCHEMA}",
    f"CREATE TABLE {SCHEMA}.orders (id int PRIMARY KEY, item text)",
    f"CREATE TABLE {SCHEMA}.lines (id int PRIMARY KEY, order_id int, qty int)",
    f"INSERT INTO {SCHEMA}.orders VALUES (1, 'snapshot row')",
]
# Each inner list is one transaction.
TRANSACTIONS = [
    [
        f"INSERT INTO {SCHEMA}.orders VALUES (2, 'two')",
        f"INSERT INTO {SCHEMA}.lines VALUES (10, 2, 1)",
        f"INSERT INTO {SCHEMA}.lines VALUES (11, 2, 5)",
        f"UPDATE {SCHEMA}.orders SET item = 'two!' WHERE id = 2",
        f"DELETE FROM {SCHEMA}.lines WHERE id = 10",
    ],
    [f"INSERT INTO {SCHEMA}.lines VALUES (12, 1, 3)"],
]


def props(name: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        "name": f"ref-{name}",
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "tasks.max": "1",
        "plugin.name": "pgoutput",
        "database.hostname": PG["host"],
        "database.port": PG["port"],
        "database.user": PG["user"],
        "database.password": PG["password"],
        "database.dbname": PG["dbname"],
        "topic.prefix": f"dbzref_{name}",
        "slot.name": f"dbzref_{name}",
        "slot.drop.on.stop": "true",
        "publication.name": f"dbzref_{name}",
        "publication.autocreate.mode": "filtered",
        "schema.include.list": SCHEMA,
        "provide.transaction.metadata": "true",
        **extra,
    }


def cleanup() -> None:
    with psycopg.connect(DSN, autocommit=True) as conn:
        for name in CONNECTORS:
            conn.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
                (f"dbzref_{name}",),
            )
            conn.execute(f'DROP PUBLICATION IF EXISTS "dbzref_{name}"')
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def topics(name: str) -> list[str]:
    tx = CONNECTORS[name].get("topic.transaction", "transaction")
    return [f"dbzref_{name}.{SCHEMA}.orders", f"dbzref_{name}.{SCHEMA}.lines", f"dbzref_{name}.{tx}"]


def main() -> None:
    lib = ensure_jars()
    cleanup()
    delete_topics([t for n in CONNECTORS for t in topics(n)])
    with psycopg.connect(DSN, autocommit=True) as conn:
        for statement in SETUP:
            conn.execute(statement)
    work = Path(tempfile.mkdtemp(prefix="dbzref-tx-"))
    files = []
    for name, extra in CONNECTORS.items():
        path = work / f"{name}.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props(name, extra).items()))
        files.append(str(path))
    proc, log = start_connect_standalone(lib, work, PORT, files)
    try:
        for name in CONNECTORS:
            wait_for(lambda n=name: count(f"dbzref_{n}.{SCHEMA}.orders") >= 1, 180, f"{name} snapshot", log)
        time.sleep(5)
        facts: list[dict[str, Any]] = []
        with psycopg.connect(DSN) as conn:
            for statements in TRANSACTIONS:
                lsns = []
                for statement in statements:
                    conn.execute(statement)
                    lsns.append(conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0])  # type: ignore[index]
                xid = conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0]  # type: ignore[index]
                conn.commit()
                facts.append({"xid": xid, "insert_lsn_after_each_statement": lsns, "statements": statements})
        for name in CONNECTORS:
            wait_for(lambda n=name: count(topics(n)[2]) >= 4, 120, f"{name} transaction events", log)
        time.sleep(5)
        OUT.mkdir(parents=True, exist_ok=True)
        with (OUT / "transactions.jsonl").open("w") as f:
            f.write(
                json.dumps(
                    {
                        "_produced_by": (
                            "Debezium 3.6.1.Final on Kafka Connect 4.2.1 standalone (JsonConverter), PostgreSQL 15, "
                            "tests/reference/record_transactions.py; settings: "
                            + json.dumps({n: props(n, e) for n, e in CONNECTORS.items()})
                        ),
                        "setup": SETUP,
                        "transactions": facts,
                    }
                )
                + "\n"
            )
            for name in CONNECTORS:
                records = drain(topics(name))
                for record in records:
                    f.write(json.dumps({"connector": name, **record}, ensure_ascii=False) + "\n")
                with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/connectors/ref-{name}/offsets") as r:
                    offsets = json.loads(r.read())
                f.write(json.dumps({"connector": name, "committed_offsets": offsets}) + "\n")
                print(f"{name}: {len(records)} records")
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        cleanup()
        print(f"worker log: {log}")


if __name__ == "__main__":
    main()

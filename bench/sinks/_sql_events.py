"""The SQL sink benchmark's input: Debezium change events of a realistic 6-column table, as the
PostgreSQL CDC source writes them with JsonConverter (schemas on), produced once into a topic.

Table ``public.bench_orders (id int PRIMARY KEY, customer text, amount numeric(12,2), status text,
quantity int, updated_at timestamp(6))``. Events (seeded, reproducible): 45 % inserts of new ids,
45 % updates of a live id, 10 % deletes of a live id; each delete is followed by a tombstone, as
Debezium does by default. The final state (what the warehouse table must hold) comes back with them.
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Iterator
from typing import Any

import orjson

Row = tuple[int, str, int, str, int, int]
"""id, customer, amount in cents, status, quantity, updated_at in µs since the epoch"""

STATUSES = ("new", "paid", "packed", "shipped", "delivered", "returned")
_ROW_FIELDS = [
    {"type": "int32", "optional": False, "default": 0, "field": "id"},
    {"type": "string", "optional": True, "field": "customer"},
    {
        "type": "bytes",
        "optional": True,
        "name": "org.apache.kafka.connect.data.Decimal",
        "version": 1,
        "parameters": {"scale": "2", "connect.decimal.precision": "12"},
        "field": "amount",
    },
    {"type": "string", "optional": True, "field": "status"},
    {"type": "int32", "optional": True, "field": "quantity"},
    {
        "type": "int64",
        "optional": True,
        "name": "io.debezium.time.MicroTimestamp",
        "version": 1,
        "field": "updated_at",
    },
]
_SOURCE_FIELDS = [
    {"type": "string", "optional": False, "field": "version"},
    {"type": "string", "optional": False, "field": "connector"},
    {"type": "string", "optional": False, "field": "name"},
    {"type": "int64", "optional": False, "field": "ts_ms"},
    {
        "type": "string",
        "optional": True,
        "name": "io.debezium.data.Enum",
        "version": 1,
        "parameters": {
            "allowed": "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"
        },
        "default": "false",
        "field": "snapshot",
    },
    {"type": "string", "optional": False, "field": "db"},
    {"type": "string", "optional": True, "field": "sequence"},
    {"type": "int64", "optional": True, "field": "ts_us"},
    {"type": "int64", "optional": True, "field": "ts_ns"},
    {"type": "string", "optional": False, "field": "schema"},
    {"type": "string", "optional": False, "field": "table"},
    {"type": "int64", "optional": True, "field": "txId"},
    {"type": "int64", "optional": True, "field": "lsn"},
    {"type": "int64", "optional": True, "field": "xmin"},
]


def _value_schema(prefix: str) -> dict[str, Any]:
    row = {
        "type": "struct",
        "fields": _ROW_FIELDS,
        "optional": True,
        "name": f"{prefix}.public.bench_orders.Value",
    }
    return {
        "type": "struct",
        "optional": False,
        "name": f"{prefix}.public.bench_orders.Envelope",
        "version": 2,
        "fields": [
            {**row, "field": "before"},
            {**row, "field": "after"},
            {
                "type": "struct",
                "fields": _SOURCE_FIELDS,
                "optional": False,
                "name": "io.debezium.connector.postgresql.Source",
                "version": 1,
                "field": "source",
            },
            {
                "type": "struct",
                "fields": [
                    {"type": "string", "optional": False, "field": "id"},
                    {"type": "int64", "optional": False, "field": "total_order"},
                    {"type": "int64", "optional": False, "field": "data_collection_order"},
                ],
                "optional": True,
                "name": "event.block",
                "version": 1,
                "field": "transaction",
            },
            {"type": "string", "optional": False, "field": "op"},
            {"type": "int64", "optional": True, "field": "ts_ms"},
            {"type": "int64", "optional": True, "field": "ts_us"},
            {"type": "int64", "optional": True, "field": "ts_ns"},
        ],
    }


def _decimal_b64(cents: int) -> str:
    return base64.b64encode(
        cents.to_bytes((cents + (cents < 0)).bit_length() // 8 + 1, "big", signed=True)
    ).decode()


def _row_json(r: Row) -> dict[str, Any]:
    return {
        "id": r[0],
        "customer": r[1],
        "amount": _decimal_b64(r[2]),
        "status": r[3],
        "quantity": r[4],
        "updated_at": r[5],
    }


def generate(
    n: int, seed: int, state: dict[int, Row], prefix: str = "bench"
) -> Iterator[tuple[bytes, bytes | None]]:
    """``n`` change events as (key, value) JSON bytes, plus a tombstone after each delete; ``state``
    ends as the table's final rows."""
    key_schema = orjson.dumps(
        {
            "type": "struct",
            "optional": False,
            "name": f"{prefix}.public.bench_orders.Key",
            "fields": [{"type": "int32", "optional": False, "default": 0, "field": "id"}],
        }
    )
    value_schema = orjson.dumps(_value_schema(prefix))
    rng = random.Random(seed)
    live: list[int] = []
    where: dict[int, int] = {}
    next_id = 1
    base_us = 1_760_000_000_000_000
    for i in range(n):
        roll = rng.random()
        ts_ms = base_us // 1000 + i
        if roll < 0.45 or len(live) < 10:
            op, k = "c", next_id
            next_id += 1
            where[k] = len(live)
            live.append(k)
            before = None
        elif roll < 0.90:
            op, k = "u", live[rng.randrange(len(live))]
            before = state[k]
        else:
            op, k = "d", live[rng.randrange(len(live))]
            before = state[k]
        source = {
            "version": "3.6.1.Final",
            "connector": "postgresql",
            "name": prefix,
            "ts_ms": ts_ms,
            "snapshot": "false",
            "db": "production",
            "sequence": f'["{i * 100}","{i * 100 + 40}"]',
            "ts_us": ts_ms * 1000,
            "ts_ns": ts_ms * 1_000_000,
            "schema": "public",
            "table": "bench_orders",
            "txId": 1000 + i,
            "lsn": i * 100 + 40,
            "xmin": None,
        }
        key = b'{"schema":' + key_schema + b',"payload":{"id":' + str(k).encode() + b"}}"
        if op == "d":
            j = where.pop(k)
            last = live.pop()
            if last != k:
                live[j] = last
                where[last] = j
            del state[k]
            after = None
        else:
            after = (
                k,
                f"customer-{rng.randrange(100_000):05d}",
                rng.randrange(1, 10_000_000),
                STATUSES[rng.randrange(len(STATUSES))],
                rng.randrange(1, 50),
                base_us + i * 1000,
            )
            state[k] = after
        payload = {
            "before": None if before is None else _row_json(before),
            "after": None if after is None else _row_json(after),
            "source": source,
            "transaction": None,
            "op": op,
            "ts_ms": ts_ms + 3,
            "ts_us": (ts_ms + 3) * 1000,
            "ts_ns": (ts_ms + 3) * 1_000_000,
        }
        yield key, b'{"schema":' + value_schema + b',"payload":' + orjson.dumps(payload) + b"}"
        if op == "d":
            yield key, None


def produce(bootstrap: str, topic: str, n: int, seed: int) -> tuple[int, dict[int, Row], float]:
    """Write the events into ``topic`` (1 partition); returns (records written, final state, seconds)."""
    from confluent_kafka import Producer

    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "linger.ms": 20,
            "batch.size": 1_000_000,
            "compression.type": "lz4",
            "queue.buffering.max.kbytes": 262144,
            "partitioner": "murmur2_random",
            "acks": "all",
        }
    )
    started = time.monotonic()
    count = 0
    state: dict[int, Row] = {}
    for key, value in generate(n, seed, state):
        while True:
            try:
                producer.produce(topic, value=value, key=key, partition=0)
                break
            except BufferError:
                producer.poll(0.05)
        count += 1
        if count % 10_000 == 0:
            producer.poll(0)
    if producer.flush(120):
        raise RuntimeError("events were not acknowledged within 120 s")
    return count, state, time.monotonic() - started


def final_state(n: int, seed: int) -> dict[int, Row]:
    """The final state without producing (for a topic made by an earlier run)."""
    state: dict[int, Row] = {}
    for _ in generate(n, seed, state):
        pass
    return state

"""Benchmark: RegexRouter + ReplaceField$Value + InsertField$Value over SourceRecords, on one core.

Runs the chain over N schemaless records (dict values) and N schemaful records (Struct values),
applying the three transforms in a plain loop as the runtime's TransformationChain does, and prints
records/s for each (from the process's CPU time, so other load on the machine counts less, and from
wall time) and the process's peak RSS. Records come in poll-sized batches that are built before the
clock starts; every record goes through all three transforms. Each mode runs --repeat times and the
best run is reported, as timeit does. A last line runs the same edits written by hand (record copies
and dict changes, no SMT machinery): the ceiling the record model allows on this machine.

    .venv/bin/python bench/smt_chain.py [--records 1000000] [--batch 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from collections.abc import Callable
from typing import Any

from connectrt.api.data import Schema, SchemaBuilder, Struct
from connectrt.api.records import ConnectRecord, Headers, SourceRecord
from connectrt.transforms.insert_field import InsertFieldValue
from connectrt.transforms.regex_router import RegexRouter
from connectrt.transforms.replace_field import ReplaceFieldValue

TOPICS = ["dbserver1.inventory.orders", "dbserver1.inventory.customers", "dbserver1.inventory.products"]

VALUE_SCHEMA = (
    SchemaBuilder.struct()
    .name("dbserver1.inventory.orders.Value")
    .field("id", Schema.INT64_SCHEMA)
    .field("customer", Schema.STRING_SCHEMA)
    .field("quantity", Schema.INT32_SCHEMA)
    .field("price", Schema.FLOAT64_SCHEMA)
    .field("note", Schema.OPTIONAL_STRING_SCHEMA)
    .field("internal_flag", Schema.BOOLEAN_SCHEMA)
    .build()
)


def chain() -> list[Any]:
    router: RegexRouter[ConnectRecord] = RegexRouter()
    router.configure({"regex": r"dbserver1\.([^.]+)\.(.+)", "replacement": "$1_$2"})
    replace: ReplaceFieldValue[ConnectRecord] = ReplaceFieldValue()
    replace.configure({"exclude": "internal_flag", "renames": "customer:customer_name,note:comment"})
    insert: InsertFieldValue[ConnectRecord] = InsertFieldValue()
    insert.configure({"topic.field": "source_topic", "timestamp.field": "ingested_at", "static.field": "origin",
                      "static.value": "bench"})  # fmt: skip
    return [router, replace, insert]


def make_batch(size: int, schemaful: bool) -> list[SourceRecord]:
    records = []
    for i in range(size):
        fields = {
            "id": i,
            "customer": f"customer-{i % 997}",
            "quantity": i % 17,
            "price": i * 0.25,
            "note": None if i % 3 else "gift",
            "internal_flag": i % 2 == 0,
        }
        value: Any = Struct(VALUE_SCHEMA, fields) if schemaful else fields
        records.append(
            SourceRecord(
                {"server": "dbserver1"},
                {"lsn": i},
                TOPICS[i % len(TOPICS)],
                i % 3,
                None,
                None,
                VALUE_SCHEMA if schemaful else None,
                value,
                1_700_000_000_000 + i,
            )
        )
    return records


def floor_chain() -> list[Callable[[Any], Any]]:
    """The same three edits written by hand for this benchmark's records: a record copy each (as
    ``new_record`` makes, headers duplicated) and the dict changes, with no transform machinery.
    Its rate is what the record model allows on this machine; the SMT chain is measured against it."""
    new = object.__new__
    routes = {t: t.split(".", 1)[1].replace(".", "_") for t in TOPICS}

    def copy(r: Any, topic: str, value: Any) -> Any:
        out = new(SourceRecord)
        out.source_partition, out.source_offset = r.source_partition, r.source_offset
        out.topic, out.kafka_partition, out.key_schema, out.key = (
            topic,
            r.kafka_partition,
            r.key_schema,
            r.key,
        )
        out.value_schema, out.value, out.timestamp = None, value, r.timestamp
        headers = new(Headers)
        headers._items = r.headers._items.copy()
        out.headers = headers
        return out

    def route(r: Any) -> Any:
        return copy(r, routes[r.topic], r.value)

    def replace(r: Any) -> Any:
        d = dict(r.value)
        d.pop("internal_flag", None)
        d["customer_name"] = d.pop("customer")
        d["comment"] = d.pop("note")
        return copy(r, r.topic, d)

    def insert(r: Any) -> Any:
        d = dict(r.value)
        d["source_topic"], d["ingested_at"], d["origin"] = r.topic, r.timestamp, "bench"
        return copy(r, r.topic, d)

    return [route, replace, insert]


def run(
    total: int, batch_size: int, schemaful: bool, floor: bool = False
) -> tuple[float, float, ConnectRecord]:
    """(records per wall second, records per CPU second, the last output record)."""
    applies: list[Callable[[Any], Any]] = floor_chain() if floor else [t.apply for t in chain()]
    batch = make_batch(batch_size, schemaful)
    rounds = max(1, total // batch_size)
    last: Any = None
    gc.collect()
    start = time.perf_counter()
    cpu_start = time.process_time()
    for _ in range(rounds):
        for record in batch:
            for apply in applies:
                record = apply(record)
                if record is None:
                    break
            last = record
    cpu = time.process_time() - cpu_start
    elapsed = time.perf_counter() - start
    return rounds * batch_size / elapsed, rounds * batch_size / cpu, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode; the best is reported")
    args = parser.parse_args()
    for schemaful in (False, True):
        runs = [run(args.records, args.batch, schemaful) for _ in range(args.repeat)]
        wall_rate, cpu_rate, last = max(runs, key=lambda r: r[1])
        kind = "schemaful " if schemaful else "schemaless"
        print(
            f"{kind}  {args.records:>9,} records  {cpu_rate:>10,.0f} records/s (CPU time)"
            f"  {wall_rate:>10,.0f} records/s (wall)   last topic: {last.topic}"
        )
    runs = [run(args.records, args.batch, False, floor=True) for _ in range(args.repeat)]
    wall_rate, cpu_rate, _ = max(runs, key=lambda r: r[1])
    print(f"floor       {args.records:>9,} records  {cpu_rate:>10,.0f} records/s (CPU time)"
          f"  {wall_rate:>10,.0f} records/s (wall)   hand-written schemaless chain, no SMT machinery")  # fmt: skip
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS  {peak_kib / 1024:.1f} MiB")


if __name__ == "__main__":
    main()

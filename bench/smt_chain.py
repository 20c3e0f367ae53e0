"""Benchmark: RegexRouter + ReplaceField$Value + InsertField$Value over SourceRecords, on one core.

Runs the chain over N schemaless records (dict values) and N schemaful records (Struct values) and
prints records/s for each (from the process's CPU time, so other load on the machine counts less,
and from wall time), the wall time a poll-sized batch takes through the chain (p50/p99 over the
batches of the best run) and the process's peak RSS. Records come in poll-sized batches that are built
before the clock starts; every record goes through all three transforms.

- ``chain``: the runtime's TransformationChain, built by ``build_chain`` from a connector config
  naming the Java classes (as the Worker builds it, with a tolerance=none error operator) and
  called as WorkerSourceTask calls it. The three stages have no predicates, so the chain fuses them:
  one record copy, three in-place steps.
- ``one by one``: each transform's own ``apply`` in a plain loop (three record copies, as Java's
  ``newRecord`` makes; what a chain with a predicate on every stage would do).
- ``floor``: the same edits written by hand with three record copies, no SMT machinery: what the
  one-copy-per-transform record model allows on this machine.

Each mode runs --repeat times and the best run is reported, as timeit does.

    .venv/bin/python bench/smt_chain.py [--records 1000000] [--batch 10000] [--repeat 3] [--modes chain] [--stages]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import time
from collections.abc import Callable
from typing import Any

from connectrt.api.data import Schema, SchemaBuilder, Struct
from connectrt.api.records import ConnectRecord, Headers, SourceRecord
from connectrt.runtime.errors import RetryWithToleranceOperator
from connectrt.runtime.plugins import Plugins
from connectrt.runtime.transformation_chain import TransformationChain, build_chain
from connectrt.transforms import PLUGINS
from connectrt.transforms.fused import CHANGED, fuse
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


CONNECTOR_CONFIG = {
    "transforms": "route,replace,insert",
    "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
    "transforms.route.regex": r"dbserver1\.([^.]+)\.(.+)",
    "transforms.route.replacement": "$1_$2",
    "transforms.replace.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "transforms.replace.exclude": "internal_flag",
    "transforms.replace.renames": "customer:customer_name,note:comment",
    "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
    "transforms.insert.topic.field": "source_topic",
    "transforms.insert.timestamp.field": "ingested_at",
    "transforms.insert.static.field": "origin",
    "transforms.insert.static.value": "bench",
}


def runtime_chain() -> TransformationChain[Any]:
    """The chain as the Worker builds it for a connector with CONNECTOR_CONFIG (the plugin registry
    holds the built-in transforms only, so that installed plugins' imports do not count in peak RSS)."""
    operator = RetryWithToleranceOperator(0, 60000, False, [])
    return build_chain(Plugins(PLUGINS, load_entry_points=False), CONNECTOR_CONFIG, operator)


def chain() -> list[Any]:
    """The same three transforms configured directly (for the one-by-one mode)."""
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


MODES = ("chain", "one by one", "floor")


def appliers(mode: str) -> list[Callable[[Any], Any]]:
    if mode == "one by one":
        return [t.apply for t in chain()]
    return floor_chain()


def run(
    total: int, batch_size: int, schemaful: bool, mode: str
) -> tuple[float, float, list[float], ConnectRecord]:
    """(records per wall second, records per CPU second, wall seconds per batch, the last output record)."""
    applies = appliers(mode) if mode != "chain" else []
    batch = make_batch(batch_size, schemaful)
    rounds = max(1, total // batch_size)
    last: Any = None
    batch_times: list[float] = []
    clock = time.perf_counter
    gc.collect()
    start = clock()
    cpu_start = time.process_time()
    if mode == "chain":
        apply_chain = runtime_chain().apply
        for _ in range(rounds):
            began = clock()
            for record in batch:
                last = apply_chain(record, source_record=record)  # as WorkerSourceTask calls it
            batch_times.append(clock() - began)
    else:
        for _ in range(rounds):
            began = clock()
            for record in batch:
                for apply in applies:
                    record = apply(record)
                    if record is None:
                        break
                last = record
            batch_times.append(clock() - began)
    cpu = time.process_time() - cpu_start
    elapsed = clock() - start
    return rounds * batch_size / elapsed, rounds * batch_size / cpu, batch_times, last


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def stage_costs(batch_size: int, schemaful: bool, repeat: int) -> list[tuple[str, float]]:
    """CPU ns per record of the fused chain's parts: the record copy alone, then each step added in turn
    (best of ``repeat`` passes over one batch each; the differences are the steps' own costs)."""
    chain_ = runtime_chain()
    steps = [stage.transformation.fused_step() for stage in chain_.stages]
    names = ["record copy", *(type(stage.transformation).__name__ for stage in chain_.stages)]
    batch = make_batch(batch_size, schemaful)
    costs: list[tuple[str, float]] = []
    previous = 0.0
    for k, name in enumerate(names):
        apply = fuse([_changed, *steps[:k]], lambda r, s, c: r)
        best = float("inf")
        for _ in range(repeat):
            gc.collect()
            cpu_start = time.process_time()
            for record in batch:
                apply(record, source_record=record)
            best = min(best, time.process_time() - cpu_start)
        ns = best / len(batch) * 1e9
        costs.append((name, ns - previous))
        previous = ns
    return costs


def _changed(draft: Any, flags: int) -> int:
    return flags | CHANGED


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode; the best is reported")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated, of: " + ", ".join(MODES))
    parser.add_argument("--stages", action="store_true", help="also print the fused chain's cost per part")
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",")]
    print(f"load average (1/5/15 min) at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for mode in modes:
        for schemaful in (False, True) if mode != "floor" else (False,):
            runs = [run(args.records, args.batch, schemaful, mode) for _ in range(args.repeat)]
            wall_rate, cpu_rate, batch_times, last = max(runs, key=lambda r: r[1])
            kind = "schemaful " if schemaful else "schemaless"
            p50, p99 = (percentile(batch_times, p) * 1e3 for p in (50, 99))
            print(
                f"{mode:<10}  {kind}  {args.records:>9,} records  {cpu_rate:>10,.0f} records/s (CPU time)"
                f"  {wall_rate:>10,.0f} records/s (wall)  batch of {args.batch:,}: p50 {p50:.1f} ms"
                f" p99 {p99:.1f} ms   last topic: {last.topic}"
            )
    if args.stages:
        for schemaful in (False, True):
            costs = stage_costs(args.batch, schemaful, max(args.repeat, 5))
            parts = ", ".join(f"{name} {ns:.0f}" for name, ns in costs)
            total = sum(ns for _, ns in costs)
            print(
                f"fused chain, CPU ns/record, {'schemaful ' if schemaful else 'schemaless'}: {parts} (sum {total:.0f})"
            )
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS  {peak_kib / 1024:.1f} MiB")


if __name__ == "__main__":
    main()

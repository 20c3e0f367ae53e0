"""Converter throughput: records/s for JsonConverter encode/decode on one core (prints figures, gates nothing).

Run: .venv/bin/python bench/converters_bench.py [records]
"""

from __future__ import annotations

import datetime as dt
import decimal
import sys
import time
from collections.abc import Callable
from typing import Any

from connectrt.api.data import Decimal, Schema, SchemaBuilder, Struct, Timestamp
from connectrt.converters.json_converter import JsonConverter


def rate(label: str, fn: Callable[[Any], Any], items: list[Any]) -> None:
    for item in items[:1000]:  # warm caches
        fn(item)
    start, cpu = time.perf_counter(), time.process_time()
    for item in items:
        fn(item)
    elapsed, cpu_used = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"{label:<62} {len(items) / elapsed:>10,.0f} records/s  ({len(items) / cpu_used:>10,.0f} per CPU-second)"
    )


def converter(schemas: bool) -> JsonConverter:
    c = JsonConverter()
    c.configure({"schemas.enable": schemas}, False)
    return c


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    small = [{"id": i, "name": f"user-{i}", "active": i % 2 == 0, "score": i * 0.5} for i in range(n)]
    off, on = converter(False), converter(True)
    rate(
        "schemaless encode, small dict (schemas.enable=false)",
        lambda v: off.from_connect_data("t", None, v),
        small,
    )
    encoded = [off.from_connect_data("t", None, v) for v in small]
    rate(
        "schemaless decode, small dict (schemas.enable=false)", lambda b: off.to_connect_data("t", b), encoded
    )

    schema = (
        SchemaBuilder.struct().name("User")
        .field("id", Schema.INT64_SCHEMA)
        .field("name", Schema.STRING_SCHEMA)
        .field("active", Schema.BOOLEAN_SCHEMA)
        .field("score", Schema.OPTIONAL_FLOAT64_SCHEMA)
        .field("balance", Decimal.builder(2).optional().build())
        .field("updated", Timestamp.builder().optional().build())
        .build()
    )  # fmt: skip
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    structs = [
        Struct(schema, {"id": i, "name": f"user-{i}", "active": True, "score": i * 0.5,
                        "balance": decimal.Decimal(i).scaleb(-2), "updated": now})
        for i in range(n)
    ]  # fmt: skip
    rate(
        "struct encode, 6 fields incl. logical (schemas.enable=true)",
        lambda s: on.from_connect_data("t", schema, s),
        structs,
    )
    rate(
        "struct encode, 6 fields incl. logical (schemas.enable=false)",
        lambda s: off.from_connect_data("t", schema, s),
        structs,
    )
    enveloped = [on.from_connect_data("t", schema, s) for s in structs]
    rate(
        "struct decode, 6 fields incl. logical (schemas.enable=true)",
        lambda b: on.to_connect_data("t", b),
        enveloped,
    )


if __name__ == "__main__":
    main()

"""AvroConverter vs JsonConverter: converter µs per record and bytes per record, and PostgreSQL CDC streaming
rows/s and bytes per event with each, in the same run (prints figures, gates nothing).

Part 1, converters on one core: encode (Connect → bytes) and decode (bytes → Connect) of a flat 6-field
struct and of a Debezium change event (the CDC bench table's envelope: before/after/source/op/ts), with
JsonConverter (``schemas.enable=true``, Connect's default) and AvroConverter against the dev schema registry
(registered once; then every record is cache hits and fastavro).

Part 2, CDC streaming (``--cdc``): bench/cdc/run.py's streaming scenario (its table, load generator, fresh
standalone worker, slot, 1-partition topic), run for connectrt with JsonConverter and then with
AvroConverter for key and value; rows/s from the first load commit until the topic holds every event, the
worker's CPU seconds and peak RSS, and the average key + value bytes per event (sampled from the topic).

Run (dev services with the registry: ``.venv/bin/connectrt dev up --with registry``):
    .venv/bin/python bench/converters_avro.py                              # part 1, 100,000 records
    .venv/bin/python bench/converters_avro.py --cdc --rows 200000 --updates 50000
    .venv/bin/python bench/converters_avro.py --records 5000 --cdc --rows 5000 --updates 1000   # a quick check
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "cdc")]  # bench/_common.py and bench/cdc/*.py

from connectrt.api.data import Decimal, Schema, SchemaBuilder, Struct, Timestamp  # noqa: E402
from connectrt.converters import AvroConverter, JsonConverter  # noqa: E402
from connectrt.dev.config import DevSettings  # noqa: E402
from connectrt.dev.services import env_vars, load_running  # noqa: E402

AVRO = "io.confluent.connect.avro.AvroConverter"


def registry_url() -> str:
    state = load_running(DevSettings.from_env())
    url = env_vars(state).get("CONNECTRT_SCHEMA_REGISTRY_URL") if state else None
    if not url:
        raise SystemExit("No dev schema registry runs; start it: .venv/bin/connectrt dev up --with registry")
    return url


# --- part 1: converters ------------------------------------------------------------------------


def flat() -> tuple[Schema, Callable[[int], Struct]]:
    schema = (
        SchemaBuilder.struct().name("bench.User")
        .field("id", Schema.INT64_SCHEMA).field("name", Schema.STRING_SCHEMA).field("active", Schema.BOOLEAN_SCHEMA)
        .field("score", Schema.OPTIONAL_FLOAT64_SCHEMA).field("balance", Decimal.builder(2).optional().build())
        .field("updated", Timestamp.builder().optional().build())
        .build()
    )  # fmt: skip
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    return schema, lambda i: Struct(schema, {
        "id": i, "name": f"user-{i}", "active": True, "score": i * 0.5,
        "balance": decimal.Decimal(i).scaleb(-2), "updated": now,
    })  # fmt: skip


def debezium_event() -> tuple[Schema, Callable[[int], Struct]]:
    """The envelope the PostgreSQL source emits for bench/cdc's table (id, name, amount, created_at, doc,
    flag, ts_us), as its Connect schema names and types it."""
    prefix = "bench.public.orders"
    row = (
        SchemaBuilder.struct().name(f"{prefix}.Value").optional()
        .field("id", Schema.INT32_SCHEMA).field("name", Schema.OPTIONAL_STRING_SCHEMA)
        .field("amount", Decimal.builder(2).parameter("connect.decimal.precision", "12").optional().build())
        .field("created_at", SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp").version(1).optional().build())
        .field("doc", SchemaBuilder.string().name("io.debezium.data.Json").version(1).optional().build())
        .field("flag", Schema.OPTIONAL_BOOLEAN_SCHEMA).field("ts_us", Schema.OPTIONAL_INT64_SCHEMA)
        .build()
    )  # fmt: skip
    source = (
        SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source").version(1)
        .field("version", Schema.STRING_SCHEMA).field("connector", Schema.STRING_SCHEMA)
        .field("name", Schema.STRING_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA)
        .field("snapshot", SchemaBuilder.string().name("io.debezium.data.Enum").version(1)
               .parameter("allowed", "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental")
               .default_value("false").optional().build())
        .field("db", Schema.STRING_SCHEMA).field("sequence", Schema.OPTIONAL_STRING_SCHEMA)
        .field("ts_us", Schema.OPTIONAL_INT64_SCHEMA).field("ts_ns", Schema.OPTIONAL_INT64_SCHEMA)
        .field("schema", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA)
        .field("txId", Schema.OPTIONAL_INT64_SCHEMA).field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
        .field("xmin", Schema.OPTIONAL_INT64_SCHEMA)
        .build()
    )  # fmt: skip
    envelope = (
        SchemaBuilder.struct().name(f"{prefix}.Envelope").version(2)
        .field("before", row).field("after", row).field("source", source).field("op", Schema.STRING_SCHEMA)
        .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).field("ts_us", Schema.OPTIONAL_INT64_SCHEMA)
        .field("ts_ns", Schema.OPTIONAL_INT64_SCHEMA)
        .build()
    )  # fmt: skip

    def make(i: int) -> Struct:
        after = Struct(row, {
            "id": i, "name": f"name-{i}", "amount": decimal.Decimal(i * 125).scaleb(-2),
            "created_at": "2024-05-01T12:00:00Z", "doc": f'{{"g": {i}}}', "flag": i % 2 == 0,
            "ts_us": 1_714_564_800_000_000 + i,
        })  # fmt: skip
        src = Struct(source, {
            "version": "3.6.1.Final", "connector": "postgresql", "name": "bench", "ts_ms": 1_714_564_800_000 + i,
            "snapshot": "false", "db": "connectrt", "sequence": f'["{i}","{i + 1}"]', "ts_us": 1_714_564_800_000_000,
            "ts_ns": 1_714_564_800_000_000_000, "schema": "public", "table": "orders", "txId": 1000 + i,
            "lsn": 2_000_000 + i, "xmin": None,
        })  # fmt: skip
        return Struct(envelope, {
            "before": None, "after": after, "source": src, "op": "c", "ts_ms": 1_714_564_800_001 + i,
            "ts_us": 1_714_564_800_001_000 + i, "ts_ns": 1_714_564_800_001_000_000 + i,
        })  # fmt: skip

    return envelope, make


def timed(fn: Callable[[Any], Any], items: list[Any]) -> float:
    """µs per item on one core (CPU time of this process), after a warm-up pass over a slice."""
    for item in items[:500]:
        fn(item)
    cpu = time.process_time()
    for item in items:
        fn(item)
    return (time.process_time() - cpu) / len(items) * 1e6


def converters_part(n: int, url: str) -> None:
    json_conv = JsonConverter()
    json_conv.configure({"schemas.enable": "true"}, False)
    avro_conv = AvroConverter()
    avro_conv.configure({"schema.registry.url": url}, False)
    base = f"bench-avro-{os.getpid()}-{int(time.time())}"
    print(f"{'record':<22}{'converter':<16}{'encode µs':>11}{'decode µs':>11}{'bytes':>8}")
    for label, (schema, make) in (
        ("flat 6-field struct", flat()),
        ("Debezium change event", debezium_event()),
    ):
        topic = f"{base}-{label.split()[0].lower()}"  # a subject per record type
        values = [make(i) for i in range(n)]
        for name, conv in (("JsonConverter", json_conv), ("AvroConverter", avro_conv)):
            enc = timed(lambda v, c=conv, s=schema, t=topic: c.from_connect_data(t, s, v), values)
            encoded = [conv.from_connect_data(topic, schema, v) for v in values]
            dec = timed(lambda b, c=conv, t=topic: c.to_connect_data(t, b), encoded)
            size = sum(len(b) for b in encoded) / len(encoded)
            print(f"{label:<22}{name:<16}{enc:>11.1f}{dec:>11.1f}{size:>8.0f}")


# --- part 2: CDC streaming -------------------------------------------------------------------


def sampled_bytes(
    bootstrap: str, topic: str, total: int, samples: int = 10, per_sample: int = 500
) -> tuple[float, float]:
    """Average key and value sizes over ``samples`` evenly spaced runs of ``per_sample`` records."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"{topic}-sizes", "enable.auto.commit": False}
    )
    keys = values = count = 0
    try:
        for k in range(samples):
            start = total * k // samples
            consumer.assign([TopicPartition(topic, 0, start)])
            got = 0
            while got < min(per_sample, total - start):
                for msg in consumer.consume(per_sample - got, timeout=5):
                    if msg.error():
                        raise RuntimeError(str(msg.error()))
                    keys += len(msg.key() or b"")
                    values += len(msg.value() or b"")
                    got += 1
            count += got
    finally:
        consumer.close()
    return keys / count, values / count


def cdc_part(args: argparse.Namespace, url: str) -> None:
    import run as cdc  # bench/cdc/run.py
    from harness import EndOffsets, wait_for_count

    from connectrt.kafka.clients import make_admin
    from connectrt.kafka.topics import TopicAdmin

    pg = {
        "host": os.environ.get("CONNECTRT_PG_HOST", "127.0.0.1"), "port": os.environ.get("CONNECTRT_PG_PORT", "29432"),
        "user": "connectrt", "password": "connectrt", "dbname": "connectrt",
    }  # fmt: skip
    avro_props = {
        "key.converter": AVRO, "value.converter": AVRO,
        "key.converter.schema.registry.url": url, "value.converter.schema.registry.url": url,
    }  # fmt: skip
    admin = TopicAdmin(make_admin({"bootstrap.servers": args.bootstrap}))
    total = args.rows + args.updates
    print(f"\nCDC streaming, connectrt PostgresConnector: {args.rows:,} inserts + {args.updates:,} updates in "
          f"transactions of {args.batch}")  # fmt: skip
    print(f"{'converter':<16}{'rows/s':>10}{'worker CPU s':>14}{'peak RSS MiB':>14}{'key B':>8}{'value B':>9}"
          f"{'load avg':>20}")  # fmt: skip
    for label, props in (("JsonConverter", {}), ("AvroConverter", avro_props)):
        s = cdc.Settings(
            bootstrap=args.bootstrap,
            pg=pg,
            schemas_enable=True,
            worker_props={},
            connector_props=props,
            java_cache=cdc.DEFAULT_JAVA_CACHE,
            debezium_cache=cdc.DEFAULT_DEBEZIUM_CACHE,
            timeout_s=120,
            keep=False,
            base=Path(tempfile.mkdtemp(prefix="avro-bench-")),
        )
        names = cdc.Names("connectrt", "streaming")
        try:
            with s.connect() as conn:
                conn.execute(cdc.CREATE_TABLE.format(t=names.table))
            with cdc.worker_for("connectrt", s, names, admin) as run:
                cdc.create_connector(run, s, "no_data")
                cdc.wait_streaming(run, s)
                end = EndOffsets(s.bootstrap, names.topic)
                times: dict[str, float] = {}
                errors: list[BaseException] = []
                loader = threading.Thread(
                    target=cdc.run_load,
                    args=(s, names.table, args.rows, args.updates, args.batch, times, errors),
                    daemon=True,
                )
                loader.start()
                try:
                    done = wait_for_count(end, total, run.worker, s.timeout_s)
                finally:
                    end.close()
                loader.join(60)
                if errors:
                    raise errors[0]
                result = cdc.finish(run, {"rows_s": total / (done - times["first_commit"])})
                key_b, value_b = sampled_bytes(s.bootstrap, names.topic, total)
        finally:
            cdc.drop_pg_objects(s, names)
        print(f"{label:<16}{result['rows_s']:>10,.0f}{result['worker_cpu_s']:>14.1f}{result['peak_rss_mib']:>14.0f}"
              f"{key_b:>8.0f}{value_b:>9.0f}{result['load_after']!s:>20}")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--records", type=int, default=100_000, help="records per converter measurement")
    p.add_argument("--cdc", action="store_true", help="also run the CDC streaming comparison")
    p.add_argument("--rows", type=int, default=200_000, help="CDC: inserts (default 200,000)")
    p.add_argument("--updates", type=int, default=50_000, help="CDC: updates after them (default 50,000)")
    p.add_argument("--batch", type=int, default=1000, help="CDC: rows per load transaction")
    p.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:29092"))
    args = p.parse_args()
    url = registry_url()
    print(f"load average {os.getloadavg()}; registry {url}")
    converters_part(args.records, url)
    if args.cdc:
        cdc_part(args, url)


if __name__ == "__main__":
    main()

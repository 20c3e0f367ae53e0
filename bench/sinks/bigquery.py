"""BigQuery sink benchmark: 6-column Struct records (JsonConverter with schemas) already in Kafka → the dev
BigQuery emulator, through connectrt's BigQuery sink (one task) with tabledata.insertAll and with the Storage
Write API (default stream), and the emulator's own ceiling in the same run: the same rows written with
google-cloud-bigquery / google-cloud-bigquery-storage alone (500-row requests, as the sink sends).

    .venv/bin/connectrt dev up --with bigquery
    .venv/bin/python bench/sinks/bigquery.py                   # 200,000 records, both paths
    .venv/bin/python bench/sinks/bigquery.py --records 10000   # a small run
    .venv/bin/python bench/sinks/bigquery.py --paths storage --profile /tmp/bq.txt   # + py-spy

No Java anchor: the Java connector has no endpoint setting, so it cannot write to an emulator. A side is done
when its consumer group has committed the topic's end offset; the table is then counted and must hold every
record once. Rates count from the first commit (start-up excluded). CPU per row is the worker process's own
CPU; the emulator's CPU is shown beside it (same machine, so both compete for the same cores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/_common.py

from _common import (  # noqa: E402
    PySpy,
    RssSampler,
    Worker,
    cpu_and_run_delay_s,
    free_port,
    load_average,
    table,
    write_properties,
)

BATCH = 500


def dev_env() -> dict[str, str]:
    from connectrt.dev import services
    from connectrt.dev.config import DevSettings

    settings = DevSettings.from_env()
    running = services.load_running(settings)
    if running is None:
        raise SystemExit(
            "The dev services are not running: start them with `.venv/bin/connectrt dev up --with bigquery`."
        )
    if "bigquery" not in running.services:
        print("-- starting the BigQuery emulator (connectrt dev up --with bigquery)", flush=True)
        services.up(settings, ("bigquery",))
        running = services.load_running(settings)
        assert running is not None
    return services.env_vars(running)


def bq_client(env: dict[str, str]) -> Any:
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(
        project=env["CONNECTRT_BIGQUERY_PROJECT"],
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=env["CONNECTRT_BIGQUERY_ENDPOINT"]),
    )


def schema() -> Any:
    from connectrt.api import Schema, SchemaBuilder
    from connectrt.api.data import Timestamp

    return (
        SchemaBuilder.struct().name("bench.Order")
        .field("id", Schema.INT64_SCHEMA).field("customer", Schema.STRING_SCHEMA)
        .field("amount", Schema.FLOAT64_SCHEMA).field("quantity", Schema.INT32_SCHEMA)
        .field("status", Schema.STRING_SCHEMA).field("updated_at", Timestamp.SCHEMA).build()
    )  # fmt: skip


BASE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
STATUSES = ("new", "paid", "shipped", "delivered")


def order(i: int) -> dict[str, Any]:
    return {"id": i, "customer": f"customer-{i % 9973:05d}", "amount": (i % 100_000) / 100, "quantity": i % 17,
            "status": STATUSES[i % 4], "updated_at": BASE + dt.timedelta(milliseconds=i * 37)}  # fmt: skip


def end_offset(bootstrap: str, topic: str) -> int:
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-bq-probe"})
    try:
        if topic not in c.list_topics(timeout=10).topics:
            return -1
        return int(c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1])
    finally:
        c.close()


def prepare_topic(bootstrap: str, n: int) -> str:
    """A 1-partition topic holding exactly ``n`` records (made once, reused by later runs)."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    from connectrt.api import Struct
    from connectrt.converters.json_converter import JsonConverter

    topic = f"bench-bq-{n}"
    have = end_offset(bootstrap, topic)
    if have == n:
        return topic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    if have >= 0:
        admin.delete_topics([topic])[topic].result()
        time.sleep(2)
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result()
    s = schema()
    converter = JsonConverter()
    converter.configure({"schemas.enable": "true"}, False)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50, "batch.size": 1_000_000,
                         "compression.type": "lz4"})  # fmt: skip
    for i in range(n):
        producer.produce(
            topic, converter.from_connect_data(topic, s, Struct(s, order(i))), key=str(i).encode()
        )
        if i % 10_000 == 0:
            producer.poll(0)
    producer.flush(60)
    return topic


def committed(bootstrap: str, group: str, topic: str) -> int:
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        [tp] = c.committed([TopicPartition(topic, 0)], timeout=10)
        return int(tp.offset) if tp.offset >= 0 else 0
    finally:
        c.close()


def emulator_pid() -> int:
    from connectrt.dev import services
    from connectrt.dev.config import DevSettings

    running = services.load_running(DevSettings.from_env())
    assert running is not None
    return running.services["bigquery"].pid


def run_sink(path: str, args: argparse.Namespace, env: dict[str, str], topic: str, dataset: str,
             workdir: Path) -> dict[str, Any]:  # fmt: skip
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    name = f"bench-bq-{path}-{int(time.time())}"
    port = free_port()
    props = {
        "bootstrap.servers": bootstrap, "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true",
        "offset.storage.file.filename": str(workdir / f"{name}.offsets"), "offset.flush.interval.ms": "1000",
        "listeners": f"http://127.0.0.1:{port}",
    }  # fmt: skip
    connector = {
        "connector.class": "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector", "tasks.max": "1",
        "topics": topic, "topic2TableMap": f"{topic}:{path}_{name.rsplit('-', 1)[1]}",
        "project": env["CONNECTRT_BIGQUERY_PROJECT"], "defaultDataset": dataset, "keySource": "NONE",
        "bigQueryEndpoint": env["CONNECTRT_BIGQUERY_ENDPOINT"],
        "bigQueryStorageWriteEndpoint": env["CONNECTRT_BIGQUERY_STORAGE_ENDPOINT"],
        "bigQueryPartitionDecorator": "false", "useStorageWriteApi": str(path == "storage").lower(),
    }  # fmt: skip
    table_name = connector["topic2TableMap"].split(":")[1]
    conn_file = workdir / f"{name}.json"
    conn_file.write_text(json.dumps({"name": name, "config": connector}))
    argv = [sys.executable, "-m", "connectrt.cli", "standalone",
            str(write_properties(workdir / f"{name}-worker.properties", props)), str(conn_file)]  # fmt: skip
    worker = Worker(path, argv, workdir / f"{name}.log", workdir)
    print(f"-- {path}: {args.records:,} records → {dataset}.{table_name}", flush=True)
    emu = emulator_pid()
    emu_cpu_start = cpu_and_run_delay_s(emu)[0]
    worker.start()
    rss = RssSampler(worker.pid).start()
    spy = PySpy(worker.pid, Path(args.profile), workdir / "py-spy.log") if args.profile else None
    group = f"connect-{name}"
    first: tuple[float, int] | None = None
    cpu_at_first = emu_at_first = 0.0
    deadline = time.monotonic() + args.timeout
    try:
        worker.wait_healthy(f"http://127.0.0.1:{port}/", 180)
        if spy is not None:
            spy.start()
        while time.monotonic() < deadline:
            if not worker.alive():
                raise RuntimeError(f"{path} worker exited:\n{worker.tail()}")
            offset = committed(bootstrap, group, topic)
            now = time.monotonic()
            if offset > 0 and first is None:
                first = (now, offset)
                cpu_at_first = cpu_and_run_delay_s(worker.pid)[0]
                emu_at_first = cpu_and_run_delay_s(emu)[0]
            if offset >= args.records:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{path} did not finish within {args.timeout} s:\n{worker.tail()}")
        done = time.monotonic()
        cpu, waited = cpu_and_run_delay_s(worker.pid)
        emu_cpu = cpu_and_run_delay_s(emu)[0]
    finally:
        if spy is not None:
            spy.stop()
        peak = rss.stop()
        worker.stop()
    assert first is not None
    client = bq_client(env)
    count = next(iter(client.query(f"SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM `{dataset}`.`{table_name}`")
                      .result()))  # fmt: skip
    rows_after_first = args.records - first[1]
    busy = done - first[0]
    return {
        "path": path, "rows": count["n"], "distinct": count["d"], "wall": done - worker.started_at,
        "rate": rows_after_first / busy if busy > 0 and rows_after_first > 0 else 0.0,
        "cpu_us": (cpu - cpu_at_first) / max(1, rows_after_first) * 1e6, "cpu": cpu, "waited": waited,
        "emu_us": (emu_cpu - emu_at_first) / max(1, rows_after_first) * 1e6,
        "emu_total": emu_cpu - emu_cpu_start, "peak_mib": peak / 1024,
    }  # fmt: skip


def ceiling_insert_all(env: dict[str, str], dataset: str, n: int, threads: int) -> dict[str, Any]:
    """insert_rows_json alone: the same rows (as the sink sends them), 500 per request, ``threads`` at once."""
    from google.cloud import bigquery

    client = bq_client(env)
    table = f"{env['CONNECTRT_BIGQUERY_PROJECT']}.{dataset}.ceiling_insert_{int(time.time())}"
    client.create_table(bigquery.Table(table, schema=_bq_schema()))
    rows = [_json_row(order(i)) for i in range(n)]
    batches = [
        (rows[i : i + BATCH], [f"t-0-{j}" for j in range(i, min(i + BATCH, n))]) for i in range(0, n, BATCH)
    ]
    latencies: list[float] = []

    def send(batch: tuple[list[dict[str, Any]], list[str]]) -> None:
        t0 = time.monotonic()
        errors = client.insert_rows_json(
            table, batch[0], row_ids=batch[1], skip_invalid_rows=True, retry=None
        )
        latencies.append(time.monotonic() - t0)
        assert not errors, errors[:1]

    emu = emulator_pid()
    emu0 = cpu_and_run_delay_s(emu)[0]
    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, batches))
    elapsed = time.monotonic() - started
    emu_cpu = cpu_and_run_delay_s(emu)[0] - emu0
    return {"path": "insertAll (client alone)", "rate": n / elapsed, "emu_us": emu_cpu / n * 1e6,
            "latencies": latencies}  # fmt: skip


def ceiling_storage(env: dict[str, str], dataset: str, n: int, threads: int) -> dict[str, Any]:
    """AppendRows on the _default stream alone: protobuf rows made before timing, 500 per request."""
    import grpc
    from connectrt_bigquery.proto_rows import ProtoSchema
    from google.cloud import bigquery, bigquery_storage_v1
    from google.cloud.bigquery_storage_v1 import types
    from google.cloud.bigquery_storage_v1.services.big_query_write.transports import (
        BigQueryWriteGrpcTransport,
    )

    client = bq_client(env)
    name = f"ceiling_storage_{int(time.time())}"
    table = f"{env['CONNECTRT_BIGQUERY_PROJECT']}.{dataset}.{name}"
    created = client.create_table(bigquery.Table(table, schema=_bq_schema()))
    proto = ProtoSchema(created.schema)
    rows = [proto.serialize(_proto_row(order(i))) for i in range(n)]
    channel = grpc.insecure_channel(env["CONNECTRT_BIGQUERY_STORAGE_ENDPOINT"])
    writer = bigquery_storage_v1.BigQueryWriteClient(transport=BigQueryWriteGrpcTransport(channel=channel))
    stream = f"projects/{env['CONNECTRT_BIGQUERY_PROJECT']}/datasets/{dataset}/tables/{name}/streams/_default"
    latencies: list[float] = []

    def send(start: int) -> None:
        request = types.AppendRowsRequest(write_stream=stream, proto_rows=types.AppendRowsRequest.ProtoData(
            writer_schema=types.ProtoSchema(proto_descriptor=proto.descriptor),
            rows=types.ProtoRows(serialized_rows=rows[start:start + BATCH])))  # fmt: skip
        t0 = time.monotonic()
        for response in writer.append_rows(
            iter([request]), metadata=(("x-goog-request-params", f"write_stream={stream}"),)
        ):
            assert not response.row_errors
        latencies.append(time.monotonic() - t0)

    emu = emulator_pid()
    emu0 = cpu_and_run_delay_s(emu)[0]
    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, range(0, n, BATCH)))
    elapsed = time.monotonic() - started
    emu_cpu = cpu_and_run_delay_s(emu)[0] - emu0
    return {"path": "Storage Write (client alone)", "rate": n / elapsed, "emu_us": emu_cpu / n * 1e6,
            "latencies": latencies}  # fmt: skip


def _bq_schema() -> list[Any]:
    from connectrt_bigquery.schema import SchemaConverter

    return SchemaConverter().convert(schema())


def _json_row(values: dict[str, Any]) -> dict[str, Any]:
    from connectrt_bigquery.values import JSON, ValueConverter

    from connectrt.api import Struct

    return ValueConverter(JSON).record(schema(), Struct(schema(), values))


def _proto_row(values: dict[str, Any]) -> dict[str, Any]:
    from connectrt_bigquery.values import PROTO, ValueConverter

    from connectrt.api import Struct

    return ValueConverter(PROTO).record(schema(), Struct(schema(), values))


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--paths", default="insertall,storage", help="comma-separated: insertall, storage")
    parser.add_argument(
        "--threads", type=int, default=10, help="client-alone request concurrency (threadPoolSize)"
    )
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--profile", help="write a py-spy collapsed profile of the worker here")
    args = parser.parse_args()
    env = dev_env()
    print(f"-- load average before: {load_average()}", flush=True)
    topic = prepare_topic(env["KAFKA_BOOTSTRAP_SERVERS"], args.records)
    client = bq_client(env)
    dataset = f"bench_bq_{int(time.time())}"
    client.create_dataset(dataset)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-bq-") as tmp:
        for path in [p.strip() for p in args.paths.split(",") if p.strip()]:
            results.append(run_sink(path, args, env, topic, dataset, Path(tmp)))
    ceilings = []
    if any(r["path"] == "insertall" for r in results):
        ceilings.append(ceiling_insert_all(env, dataset, args.records, args.threads))
    if any(r["path"] == "storage" for r in results):
        ceilings.append(ceiling_storage(env, dataset, args.records, args.threads))
    print()
    print(table(
        ["path", "rows/s", "wall s", "worker CPU µs/row", "emulator CPU µs/row", "peak RSS MiB", "rows (distinct)"],
        [[r["path"], f"{r['rate']:,.0f}", f"{r['wall']:.1f}", f"{r['cpu_us']:.0f}", f"{r['emu_us']:.0f}",
          f"{r['peak_mib']:.0f}", f"{r['rows']:,} ({r['distinct']:,})"] for r in results],
    ))  # fmt: skip
    print()
    print(table(
        ["emulator ceiling (same rows, client alone)", "rows/s", "emulator CPU µs/row", "request p50 ms", "p99 ms"],
        [[c["path"], f"{c['rate']:,.0f}", f"{c['emu_us']:.0f}", f"{statistics.median(c['latencies']) * 1000:.1f}",
          f"{pct(c['latencies'], 0.99) * 1000:.1f}"] for c in ceilings],
    ))  # fmt: skip
    for r in results:
        ceiling = next((c for c in ceilings if c["path"].lower().startswith(r["path"][:6])), None)
        if ceiling:
            print(f"-- {r['path']}: {r['rate'] / ceiling['rate']:.2f}x of the emulator's ceiling")
    print(f"-- load average after: {load_average()}")
    for r in results:
        assert r["rows"] == args.records and r["distinct"] == args.records, r


if __name__ == "__main__":
    main()

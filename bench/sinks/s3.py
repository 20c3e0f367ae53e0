"""S3 sink benchmark: 6-column Struct records (JsonConverter with schemas) already in Kafka → the dev S3
server, through connectrt's S3 sink (one task) with JsonFormat, AvroFormat and ParquetFormat, and the physical
limit in the same run: the same object bytes uploaded with boto3 alone.

    .venv/bin/python bench/sinks/s3.py                        # 1,000,000 records, flush.size 100,000, all formats
    .venv/bin/python bench/sinks/s3.py --records 100000       # a small run
    .venv/bin/python bench/sinks/s3.py --formats parquet --profile /tmp/s3.txt   # + py-spy
    .venv/bin/python bench/sinks/s3.py --native on            # only with the compiled path (connectrt-s3-native)

Each format runs with the compiled path on and, unless ``--native on``, off (CONNECTRT_S3_NATIVE=0), back to
back in the same run; Avro has no compiled path (its "on" run is the Python path).

No Java S3 sink is served from Maven Central (Confluent's and Aiven's are not), so the anchor is the limit.
A side is done when its consumer group has committed the topic's end offset; the objects are then read back
and must hold every record once. No latency percentiles: the records are a backlog, so a record's latency
is its position in it; the limit's per-object upload times are shown as percentiles instead.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
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
    summarize_collapsed,
    table,
    write_properties,
)

FORMATS = {
    "json": "io.confluent.connect.s3.format.json.JsonFormat",
    "avro": "io.confluent.connect.s3.format.avro.AvroFormat",
    "parquet": "io.confluent.connect.s3.format.parquet.ParquetFormat",
}
BUCKET = "bench-s3"


def dev_env() -> dict[str, str]:
    from connectrt.dev import services
    from connectrt.dev.config import DevSettings

    running = services.load_running(DevSettings.from_env())
    if running is None:
        raise SystemExit("The dev services are not running: start them with `.venv/bin/connectrt dev up`.")
    return services.env_vars(running)


def s3_client(env: dict[str, str]) -> Any:
    import boto3

    return boto3.client(
        "s3", endpoint_url=env["CONNECTRT_S3_ENDPOINT"], aws_access_key_id=env["CONNECTRT_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["CONNECTRT_S3_SECRET_ACCESS_KEY"], region_name=env["CONNECTRT_S3_REGION"],
    )  # fmt: skip


def end_offset(bootstrap: str, topic: str) -> int:
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-s3-probe"})
    try:
        if topic not in c.list_topics(timeout=10).topics:
            return -1
        return int(c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1])
    finally:
        c.close()


def record_maker() -> Callable[[int], tuple[bytes, bytes]]:
    """i → (key, value) bytes of the i-th record: a 6-column bench.Order Struct, JsonConverter with schemas."""
    import datetime as dt

    from connectrt.api import Schema, SchemaBuilder, Struct
    from connectrt.api.data import Timestamp
    from connectrt.converters.json_converter import JsonConverter

    schema = (
        SchemaBuilder.struct().name("bench.Order")
        .field("id", Schema.INT64_SCHEMA).field("customer", Schema.STRING_SCHEMA)
        .field("amount", Schema.FLOAT64_SCHEMA).field("quantity", Schema.INT32_SCHEMA)
        .field("status", Schema.STRING_SCHEMA).field("updated_at", Timestamp.SCHEMA).build()
    )  # fmt: skip
    converter = JsonConverter()
    converter.configure({"schemas.enable": "true"}, False)
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    statuses = ("new", "paid", "shipped", "delivered")

    def make(i: int) -> tuple[bytes, bytes]:
        value = Struct(schema, {
            "id": i, "customer": f"customer-{i % 9973:05d}", "amount": (i % 100_000) / 100,
            "quantity": i % 17, "status": statuses[i % 4], "updated_at": base + dt.timedelta(milliseconds=i * 37),
        })  # fmt: skip
        data = converter.from_connect_data("bench", schema, value)
        assert data is not None
        return str(i).encode(), data

    return make


def prepare_topic(bootstrap: str, n: int) -> str:
    """A 1-partition topic holding exactly ``n`` records (made once, reused by later runs)."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"bench-s3-{n}"
    have = end_offset(bootstrap, topic)
    if have == n:
        return topic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    if have >= 0:
        admin.delete_topics([topic])[topic].result()
        time.sleep(2)
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result()
    make = record_maker()
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50, "batch.size": 1_000_000,
                         "compression.type": "lz4"})  # fmt: skip
    started = time.monotonic()
    for i in range(n):
        key, value = make(i)
        producer.produce(topic, value, key=key)
        if i % 10_000 == 0:
            producer.poll(0)
    producer.flush(60)
    print(f"-- produced {n:,} records to {topic} in {time.monotonic() - started:.1f} s", flush=True)
    return topic


def committed(bootstrap: str, group: str, topic: str) -> int:
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        [tp] = c.committed([TopicPartition(topic, 0)], timeout=10)
        return int(tp.offset) if tp.offset >= 0 else 0
    finally:
        c.close()


def list_objects(client: Any, prefix: str) -> list[tuple[str, int]]:
    out = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        out.extend((o["Key"], int(o["Size"])) for o in page.get("Contents", []))
    return sorted(out)


def count_records(client: Any, fmt: str, keys: list[str]) -> int:
    total = 0
    for key in keys:
        body = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        if fmt == "json":
            total += body.count(b"\n")
        elif fmt == "avro":
            import fastavro

            total += sum(1 for _ in fastavro.reader(io.BytesIO(body)))
        else:
            import pyarrow.parquet as pq

            total += pq.ParquetFile(io.BytesIO(body)).metadata.num_rows
    return total


def run_sink(
    fmt: str, args: argparse.Namespace, env: dict[str, str], topic: str, workdir: Path, native: bool = True
) -> dict[str, Any]:
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    name = f"bench-s3-{fmt}-{'native' if native else 'python'}-{int(time.time())}"
    port = free_port()
    props = {
        "bootstrap.servers": bootstrap, "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true",
        "offset.storage.file.filename": str(workdir / f"{name}.offsets"), "offset.flush.interval.ms": "200",
        "listeners": f"http://127.0.0.1:{port}",
    }  # fmt: skip
    connector = {
        "connector.class": "io.confluent.connect.s3.S3SinkConnector", "tasks.max": "1", "topics": topic,
        "s3.bucket.name": BUCKET, "s3.region": env["CONNECTRT_S3_REGION"], "store.url": env["CONNECTRT_S3_ENDPOINT"],
        "aws.access.key.id": env["CONNECTRT_S3_ACCESS_KEY_ID"],
        "aws.secret.access.key": env["CONNECTRT_S3_SECRET_ACCESS_KEY"],
        "storage.class": "io.confluent.connect.s3.storage.S3Storage", "format.class": FORMATS[fmt],
        "flush.size": str(args.flush_size), "topics.dir": name,
    }  # fmt: skip
    conn_file = workdir / f"{name}.json"
    conn_file.write_text(json.dumps({"name": name, "config": connector}))
    argv = [sys.executable, "-m", "connectrt.cli", "standalone",
            str(write_properties(workdir / f"{name}-worker.properties", props)), str(conn_file)]  # fmt: skip
    worker_env = {**os.environ, "CONNECTRT_S3_NATIVE": "1" if native else "0"}
    worker = Worker(fmt, argv, workdir / f"{name}.log", workdir, env=worker_env)
    print(f"-- {fmt} (compiled path {'on' if native else 'off'}): {args.records:,} records → s3://{BUCKET}/{name}/",
          flush=True)  # fmt: skip
    worker.start()
    rss = RssSampler(worker.pid).start()
    spy = PySpy(worker.pid, Path(args.profile), workdir / "py-spy.log") if args.profile else None
    group = f"connect-{name}"
    first: tuple[float, int] | None = None
    cpu_at_first = 0.0
    deadline = time.monotonic() + args.timeout
    try:
        healthy = worker.wait_healthy(f"http://127.0.0.1:{port}/", 180)
        if spy is not None:
            spy.start()
        while time.monotonic() < deadline:
            if not worker.alive():
                raise RuntimeError(f"{fmt} worker exited:\n{worker.tail()}")
            offset = committed(bootstrap, group, topic)
            now = time.monotonic()
            if offset > 0 and first is None:
                first = (now, offset)
                cpu_at_first = cpu_and_run_delay_s(worker.pid)[0]
            if offset >= args.records:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{fmt} did not finish within {args.timeout} s:\n{worker.tail()}")
        done = time.monotonic()
        cpu, waited = cpu_and_run_delay_s(worker.pid)
    finally:
        if spy is not None:
            spy.stop()
        peak = rss.stop()
        worker.stop()
    assert first is not None
    objects = list_objects(s3_client(env), name + "/")
    written = sum(size for _, size in objects)
    records_after_first = args.records - first[1]
    busy = done - first[0]
    log_text = (workdir / f"{name}.log").read_text(errors="replace")
    return {
        "format": fmt, "native": native and "The compiled path (connectrt-s3-native) writes" in log_text,
        "prefix": name, "objects": objects, "wall": done - worker.started_at, "healthy": healthy,
        "rate": records_after_first / busy if busy > 0 and records_after_first > 0 else 0.0,
        "rate_wall": args.records / (done - worker.started_at), "mb": written / 1e6,
        "mbps": written / 1e6 * (records_after_first / args.records) / busy if busy > 0 else 0.0,
        "cpu": cpu, "cpu_us": (cpu - cpu_at_first) / max(1, records_after_first) * 1e6, "waited": waited,
        "peak_mib": peak / 1024,
    }  # fmt: skip


def raw_limit(
    env: dict[str, str], objects: list[tuple[str, int]], part_size: int = 25 * 1024 * 1024
) -> dict[str, Any]:
    """Upload the same object bytes with boto3 alone, one after the other (one task's worth of I/O)."""
    client = s3_client(env)
    bodies = [client.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k, _ in objects]
    times = []
    started = time.monotonic()
    for i, body in enumerate(bodies):
        key = f"bench-limit/{i:05d}"
        t0 = time.monotonic()
        if len(body) < part_size:
            client.put_object(Bucket=BUCKET, Key=key, Body=body)
        else:
            upload = client.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
            parts = []
            for n, off in enumerate(range(0, len(body), part_size), start=1):
                etag = client.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=n,
                                          Body=body[off: off + part_size])["ETag"]  # fmt: skip
                parts.append({"ETag": etag, "PartNumber": n})
            client.complete_multipart_upload(
                Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={"Parts": parts}
            )
        times.append(time.monotonic() - t0)
    elapsed = time.monotonic() - started
    for i in range(len(bodies)):
        client.delete_object(Bucket=BUCKET, Key=f"bench-limit/{i:05d}")
    size = sum(len(b) for b in bodies)
    q = statistics.quantiles(times, n=100) if len(times) >= 2 else [times[0]] * 99
    return {"seconds": elapsed, "mbps": size / 1e6 / elapsed, "p50": q[49], "p99": q[98]}


def consume_limit(bootstrap: str, topic: str, n: int, sink_settings: bool) -> dict[str, float]:
    """The other physical limit: the topic read in batches of 500 (librdkafka's threads and the Message
    objects; no conversion, no sink) by a consumer with the worker's sink-consumer settings
    (``connectrt.kafka.clients.consumer_conf``: 256 KiB fetches, a prefetch queue of about one fetch) or, with
    ``sink_settings`` false, librdkafka's defaults (prefetching up to 100,000 messages)."""
    from confluent_kafka import Consumer

    from connectrt.kafka.clients import consumer_conf

    props = {"bootstrap.servers": bootstrap, "group.id": f"bench-s3-consume-{time.time_ns()}",
             "enable.auto.commit": "false", "auto.offset.reset": "earliest"}  # fmt: skip
    c = Consumer(consumer_conf(props) if sink_settings else props)
    try:
        c.subscribe([topic])
        count, first = 0, 0.0
        cpu0 = time.process_time()
        deadline = time.monotonic() + 300
        while count < n and time.monotonic() < deadline:
            msgs = c.consume(500, 1.0)
            if msgs and not first:
                first = time.monotonic()
            count += len(msgs)
        elapsed = time.monotonic() - first
        return {"rate": count / elapsed, "cpu_us": (time.process_time() - cpu0) / max(1, count) * 1e6}
    finally:
        c.close()


def print_stages(n: int, formats: list[str]) -> None:
    """The in-process per-stage CPU table (bench/sinks/s3_stages.py)."""
    sys.path.insert(0, str(HERE))
    from s3_stages import measure

    started = load_average()
    stages = measure(n, record_maker(), formats)
    rows = [
        [
            stage,
            f"{us:.2f}",
            note + (f"; {1e6 / us:,.0f} records/s on one free core" if "compiled" in stage else ""),
        ]
        for stage, us, note in stages
    ]
    convert = next(us for stage, us, _ in stages if stage.startswith("= "))
    for stage, us, _ in stages:
        if stage.startswith("S3SinkTask.put"):
            fmt = stage.rsplit(" ", 1)[-1]
            total = convert + us
            rows.append(
                [f"= {fmt}: convert + put", f"{total:.2f}", f"{1e6 / total:,.0f} records/s on one free core"]
            )
    print(f"\nCPU per record by stage, in one process ({n:,} records, batches of 500, best of 5 rounds; "
          f"load average {started} → {load_average()}):")  # fmt: skip
    print(table(["stage", "CPU µs/record", ""], rows), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--flush-size", type=int, default=100_000)
    parser.add_argument("--formats", default="json,avro,parquet")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--profile", help="py-spy output file (needs py-spy)")
    parser.add_argument("--native", default="on,off",
                        help="compiled path runs per format: on, off or on,off (CONNECTRT_S3_NATIVE)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the objects written")
    parser.add_argument("--stage-records", type=int, default=50_000,
                        help="records for the in-process per-stage CPU table (0: skip it)")  # fmt: skip
    args = parser.parse_args()
    env = dev_env()
    client = s3_client(env)
    try:
        client.create_bucket(Bucket=BUCKET)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    print(f"load average at start: {load_average()}", flush=True)
    formats = [f.strip() for f in args.formats.split(",")]
    if args.stage_records > 0:
        print_stages(args.stage_records, formats)
    topic = prepare_topic(env["KAFKA_BOOTSTRAP_SERVERS"], args.records)
    consumed = consume_limit(env["KAFKA_BOOTSTRAP_SERVERS"], topic, args.records, sink_settings=True)
    print(f"-- consuming alone (the sink's consumer settings, batches of 500): {consumed['rate']:,.0f} records/s, "
          f"{consumed['cpu_us']:.2f} CPU µs/record (load average {load_average()})", flush=True)  # fmt: skip
    unbounded = consume_limit(env["KAFKA_BOOTSTRAP_SERVERS"], topic, args.records, sink_settings=False)
    print(f"-- consuming alone (librdkafka's defaults, batches of 500): {unbounded['rate']:,.0f} records/s, "
          f"{unbounded['cpu_us']:.2f} CPU µs/record (load average {load_average()})", flush=True)  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-s3-") as tmp:
        modes = [m.strip() == "on" for m in args.native.split(",")]
        for fmt, native in [(f, m) for f in formats for m in modes if m or f != "avro" or len(modes) == 1]:
            r = run_sink(fmt, args, env, topic, Path(tmp), native)
            keys = [k for k, _ in r["objects"]]
            found = count_records(client, r["format"], keys)
            limit = raw_limit(env, r["objects"])
            limit_rate = args.records / limit["seconds"]
            rows.append([
                r["format"], "on" if r["native"] else "off", f"{len(keys)}", f"{found:,}" + ("" if found == args.records else " MISMATCH"),
                f"{r['rate']:,.0f}", f"{r['rate_wall']:,.0f}", f"{r['mb']:.1f}", f"{r['mbps']:.1f}",
                f"{r['cpu_us']:.2f}", f"{r['peak_mib']:.0f}", f"{r['healthy']:.2f}",
                f"{limit['mbps']:.1f}", f"{limit_rate:,.0f}", f"{limit['p50'] * 1000:.0f}/{limit['p99'] * 1000:.0f}",
                f"{r['rate'] / limit_rate:.0%}", f"{r['rate'] / consumed['rate']:.0%}",
            ])  # fmt: skip
            if not args.keep:
                for key in keys:
                    client.delete_object(Bucket=BUCKET, Key=key)
            if args.profile:
                print(f"\npy-spy profile of the {fmt} worker (GIL-holding samples):")
                print(summarize_collapsed(Path(args.profile), 25))
    print()
    print(table(
        ["format", "compiled", "objects", "records read back", "records/s", "records/s incl. start", "MB", "MB/s",
         "CPU µs/record", "peak RSS MiB", "start s", "limit MB/s", "limit records/s", "limit p50/p99 ms",
         "sink / limit", "sink / consumer alone"], rows,
    ))  # fmt: skip
    print(f"\nload average at end: {load_average()}")
    print("records/s: from the first committed offset to the last (start-up excluded); CPU µs/record over the same "
          "span (all worker threads); limit: the same object bytes PUT (multipart above 25 MiB) with boto3 alone, "
          "sequentially; consumer alone: the first consumer line (the sink's consumer settings).")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

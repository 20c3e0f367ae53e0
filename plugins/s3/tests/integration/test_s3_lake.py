"""Proof it is a lake: Kafka → a real worker running the S3 sink → the dev S3 server, read back the way users
read lakes (pyarrow, fastavro, DuckDB read_parquet/read_json) and compared with the records produced."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import fastavro
import pyarrow.parquet as pq
from lake_readers import duckdb_over_s3
from s3_harness import (
    expected_json,
    json_records,
    objects,
    produce,
    row,
    sink_connector,
    wait_committed,
    worker,
)

N, PARTITIONS = 600, 2


def test_json_avro_parquet_objects_read_back_as_produced(
    kafka_bootstrap: str, create_topic: Any, s3_client: Any, s3_credentials: dict[str, str], unique_name: Any,
    tmp_path: Path,
) -> None:  # fmt: skip
    topic = create_topic(partitions=PARTITIONS)
    bucket = unique_name.bucket("lake")
    s3_client.create_bucket(Bucket=bucket)
    produce(kafka_bootstrap, topic, range(N), PARTITIONS)
    names = {fmt: unique_name(f"s3-{fmt.lower()}") for fmt in ("JsonFormat", "AvroFormat", "ParquetFormat")}
    connectors = [
        sink_connector(
            names[fmt], topic, bucket, s3_credentials, **{"format.class": fmt, "topics.dir": fmt.lower()}
        )
        for fmt in names
    ]
    with worker(kafka_bootstrap, tmp_path, connectors) as w:
        for name in names.values():
            wait_committed(kafka_bootstrap, name, topic, PARTITIONS, N, w=w)

    per_partition = N // PARTITIONS
    json_files = objects(s3_client, bucket, "jsonformat/")
    assert sorted(json_files) == [
        f"jsonformat/{topic}/partition={p}/{topic}+{p}+{start:010d}.json"
        for p in range(PARTITIONS) for start in range(0, per_partition, 100)
    ]  # fmt: skip
    assert sorted(json_records(json_files), key=lambda r: r["id"]) == [expected_json(i) for i in range(N)]

    avro_rows = []
    for key, body in sorted(objects(s3_client, bucket, "avroformat/").items()):
        assert key.endswith(".avro")
        reader = fastavro.reader(io.BytesIO(body))
        assert '"connect.name":"shop.Order"' in reader.metadata["avro.schema"]
        avro_rows.extend(reader)
    assert sorted(avro_rows, key=lambda r: r["id"]) == [dict(row(i)) for i in range(N)]

    parquet_files = objects(s3_client, bucket, "parquetformat/")
    assert all(k.endswith(".snappy.parquet") for k in parquet_files) and len(parquet_files) == N // 100
    table = pq.read_table(io.BytesIO(next(iter(parquet_files.values()))))
    assert [f.name for f in table.schema] == ["id", "customer", "amount", "qty", "ts", "note"]

    con = duckdb_over_s3(s3_client)
    count, total, first_ts = con.sql(
        f"select count(*), sum(id), min(ts) from read_parquet('s3://{bucket}/parquetformat/*/*/*.parquet')"
    ).fetchall()[0]
    assert (count, total) == (N, sum(range(N)))
    assert first_ts == dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC) or str(first_ts).startswith(
        "2026-01-05 10:00:00"
    )
    rows = con.sql(
        f"select id, customer, note from read_json('s3://{bucket}/jsonformat/*/*/*.json', format='newline_delimited') "
        "order by id limit 6"
    ).fetchall()
    assert rows == [(i, f"customer-{i}", None if i % 5 else f"note {i}") for i in range(6)]


def test_records_parquet_cannot_encode_go_to_the_dead_letter_queue(
    kafka_bootstrap: str, create_topic: Any, s3_client: Any, s3_credentials: dict[str, str], unique_name: Any,
    tmp_path: Path,
) -> None:  # fmt: skip
    from confluent_kafka import Producer
    from tests.fixtures.clients import consume_all

    topic, dlq = create_topic(), create_topic()
    bucket = unique_name.bucket("dlq")
    s3_client.create_bucket(Bucket=bucket)
    produce(kafka_bootstrap, topic, range(0, 2), 1)
    p = Producer({"bootstrap.servers": kafka_bootstrap})
    p.produce(topic, value=b'{"schema":null,"payload":{"not":"a struct"}}', key=b"bad")
    p.flush(10)
    produce(kafka_bootstrap, topic, range(2, 4), 1)
    name = unique_name("s3-dlq")
    config = sink_connector(name, topic, bucket, s3_credentials, **{
        "format.class": "ParquetFormat", "flush.size": "2", "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.topic.replication.factor": "1",
        "errors.deadletterqueue.context.headers.enable": "true",
    })  # fmt: skip
    with worker(kafka_bootstrap, tmp_path, [config]) as w:
        wait_committed(kafka_bootstrap, name, topic, 1, 5, w=w)
    # As Confluent's sink: the schemaless record fails in the format (DLQ) and switches the file's schema to
    # none, so the next record rotates before it is written.
    files = objects(s3_client, bucket)
    prefix = f"topics/{topic}/partition=0/{topic}+0+"
    assert sorted(files) == [prefix + "0000000000.snappy.parquet", prefix + "0000000003.snappy.parquet"]
    ids = [pq.read_table(io.BytesIO(files[k])).column("id").to_pylist() for k in sorted(files)]
    assert ids == [[0, 1], [2, 3]]
    dead = consume_all(kafka_bootstrap, dlq, 1)
    assert [m.key() for m in dead] == [b"bad"]
    headers = dict(dead[0].headers() or [])
    assert (
        headers["__connect.errors.exception.class.name"] == b"org.apache.kafka.connect.errors.DataException"
    )

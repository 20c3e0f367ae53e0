"""S3SinkTask against an in-process moto S3: object keys, rotation, offsets, formats, faults."""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import io
import json
from typing import Any

import fastavro
import pyarrow.parquet as pq
import pytest
from connectrt.api import ConnectException, Headers, Schema, SchemaBuilder, SinkRecord, Struct
from connectrt.api.data import Decimal, Timestamp
from connectrt.config.configdef import ConfigException
from s3_fixtures import BUCKET, Clock, Reporter, base_config, objects, start_task

from connectrt_s3.connector import S3SinkConnector
from connectrt_s3.task import S3SinkTask

ROW = (
    SchemaBuilder.struct().name("shop.Order").version(1)
    .field("id", Schema.INT64_SCHEMA).field("customer", Schema.STRING_SCHEMA)
    .field("amount", Decimal.schema(2)).field("at", Timestamp.SCHEMA)
    .field("note", Schema.OPTIONAL_STRING_SCHEMA).build()
)  # fmt: skip


def order(i: int, schema: Schema = ROW) -> Struct:
    return Struct(schema, {
        "id": i, "customer": f"c{i % 3}", "amount": decimal.Decimal(f"{i}.50"),
        "at": dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=i), "note": None,
    })  # fmt: skip


def rec(offset: int, value: Any = None, schema: Schema | None = ROW, partition: int = 0, key: Any = None,
        topic: str = "orders", ts: int | None = None, headers: Headers | None = None) -> SinkRecord:  # fmt: skip
    if value is None and schema is ROW:
        value = order(offset)
    return SinkRecord(topic, partition, Schema.STRING_SCHEMA if key is not None else None, key, schema, value, offset,
                      timestamp=ts, headers=headers)  # fmt: skip


def test_default_partitioner_json_objects_named_as_confluent(s3: Any) -> None:
    task, _ = start_task(base_config())
    task.put([rec(i) for i in range(7)])
    keys = sorted(objects(s3))
    assert keys == [
        "topics/orders/partition=0/orders+0+0000000000.json",
        "topics/orders/partition=0/orders+0+0000000003.json",
    ]
    body = objects(s3)["topics/orders/partition=0/orders+0+0000000000.json"]
    assert body.split(b"\n")[0] == (
        b'{"id":0,"customer":"c0","amount":"Mg==","at":1767607200000,"note":null}'
    )
    assert body.count(b"\n") == 3
    # Only completed objects are committable: offset 6 sits in an open file.
    assert task.pre_commit({("orders", 0): 7}) == {("orders", 0): 6}
    assert task.pre_commit({("orders", 0): 7}) == {}


def test_naming_keys_topics_dir_delims_and_padding(s3: Any) -> None:
    task, _ = start_task(base_config(**{"topics.dir": "", "directory.delim": "#", "file.delim": "_",
                                        "filename.offset.zero.pad.width": "4"}))  # fmt: skip
    task.put([rec(i) for i in range(3)])
    assert list(objects(s3)) == ["orders#partition=0#orders_0_0000.json"]


def test_flush_size_counts_per_kafka_partition_across_encoded_partitions(s3: Any) -> None:
    config = base_config(**{"partitioner.class": "io.confluent.connect.storage.partitioner.FieldPartitioner",
                            "partition.field.name": "customer"})  # fmt: skip
    task, _ = start_task(config)
    task.put([rec(i) for i in range(3)])
    assert sorted(objects(s3)) == [
        "topics/orders/customer=c0/orders+0+0000000000.json",
        "topics/orders/customer=c1/orders+0+0000000001.json",
        "topics/orders/customer=c2/orders+0+0000000002.json",
    ]


def test_time_based_partitioner_with_record_field_extractor_and_joda_path(s3: Any) -> None:
    config = base_config(**{
        "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
        "partition.duration.ms": "3600000", "path.format": "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH/",
        "locale": "en-US", "timezone": "America/New_York", "timestamp.extractor": "RecordField",
        "timestamp.field": "at", "flush.size": "2",
    })  # fmt: skip
    task, _ = start_task(config)
    task.put([rec(i) for i in range(2)])
    assert list(objects(s3)) == ["topics/orders/year=2026/month=01/day=05/hour=05/orders+0+0000000000.json"]


def test_rotate_interval_uses_record_time_and_partition_change(s3: Any) -> None:
    config = base_config(**{
        "partitioner.class": "io.confluent.connect.storage.partitioner.HourlyPartitioner", "locale": "en",
        "timezone": "UTC", "timestamp.extractor": "Record", "flush.size": "100", "rotate.interval.ms": "600000",
    })  # fmt: skip
    task, _ = start_task(config)
    base = 1_767_607_200_000  # 2026-01-05T10:00Z
    times = [0, 60_000, 599_999, 600_000, 3_000_000, 3_600_000]
    task.put([rec(i, ts=base + t) for i, t in enumerate(times)])
    # 600000 after the first record's time rotates before offset 3; offset 4 is 40 min after offset 3's base;
    # offset 5 is both 10 min later and in another hour. The last file stays open for the next record.
    assert sorted(objects(s3)) == [
        "topics/orders/year=2026/month=01/day=05/hour=10/orders+0+0000000000.json",
        "topics/orders/year=2026/month=01/day=05/hour=10/orders+0+0000000003.json",
        "topics/orders/year=2026/month=01/day=05/hour=10/orders+0+0000000004.json",
    ]
    assert task.pre_commit({}) == {("orders", 0): 5}


def test_scheduled_rotation_commits_on_wall_clock_without_new_records(s3: Any) -> None:
    clock = Clock(1_767_607_200_000)
    task, _ = start_task(base_config(**{"rotate.schedule.interval.ms": "60000", "timezone": "UTC",
                                        "flush.size": "1000"}), clock=clock)  # fmt: skip
    task.put([rec(0), rec(1)])
    assert objects(s3) == {}
    clock.now += 60_000
    task.put([])
    assert list(objects(s3)) == ["topics/orders/partition=0/orders+0+0000000000.json"]


def test_conditional_write_never_overwrites_and_skips_to_the_next_free_offset(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="topics/orders/partition=0/orders+0+0000000000.json", Body=b"earlier\n")
    clock = Clock(1_767_607_200_000)
    task, context = start_task(base_config(**{"rotate.schedule.interval.ms": "60000", "timezone": "UTC",
                                              "flush.size": "2"}), clock=clock)  # fmt: skip
    task.put([rec(0), rec(1)])
    assert objects(s3)["topics/orders/partition=0/orders+0+0000000000.json"] == b"earlier\n"
    assert context.offsets == {("orders", 0): 1} and context.timeout_ms == 5000
    assert task.pre_commit({}) == {}


def test_schema_change_rotates_with_none_and_projects_older_versions_with_backward(s3: Any) -> None:
    v2 = SchemaBuilder.struct().name("shop.Order").version(2)
    for f in ROW.fields or ():
        v2.field(f.name, f.schema)
    row2 = v2.field("channel", SchemaBuilder.string().optional().build()).build()
    task, _ = start_task(base_config(**{"flush.size": "10"}))
    task.put([rec(0), rec(1, order(1, row2), row2)] + [rec(i) for i in range(2, 10)])
    # NONE: every schema change rotates (0 | 1 | 2..9 still open, below flush.size).
    assert sorted(objects(s3)) == [
        "topics/orders/partition=0/orders+0+0000000000.json",
        "topics/orders/partition=0/orders+0+0000000001.json",
    ]
    s3_keys = {k for k in objects(s3)}
    for key in s3_keys:
        s3.delete_object(Bucket=BUCKET, Key=key)
    task2, _ = start_task(base_config(**{"flush.size": "4", "schema.compatibility": "BACKWARD"}))
    # BACKWARD: the newer version rotates once; older records are projected into the newer schema.
    task2.put([rec(0), rec(1, order(1, row2), row2), rec(2), rec(3), rec(4)])
    files = objects(s3)
    assert sorted(files) == [
        "topics/orders/partition=0/orders+0+0000000000.json",
        "topics/orders/partition=0/orders+0+0000000001.json",
    ]
    lines = files["topics/orders/partition=0/orders+0+0000000001.json"].splitlines()
    assert [json.loads(line).get("channel", "absent") for line in lines] == [None, None, None, None]


def test_avro_format_files_read_back_with_fastavro(s3: Any) -> None:
    task, _ = start_task(base_config(**{"format.class": "AvroFormat", "avro.codec": "deflate"}))
    task.put([rec(i) for i in range(3)])
    body = objects(s3)["topics/orders/partition=0/orders+0+0000000000.avro"]
    reader = fastavro.reader(io.BytesIO(body))
    assert reader.metadata["avro.codec"] == "deflate"
    assert json.loads(reader.metadata["avro.schema"])["connect.name"] == "shop.Order"
    rows = list(reader)
    assert [r["id"] for r in rows] == [0, 1, 2]
    assert rows[1]["amount"] == decimal.Decimal("1.50")


def test_parquet_format_files_read_back_with_pyarrow(s3: Any) -> None:
    task, _ = start_task(
        base_config(**{"format.class": "io.confluent.connect.s3.format.parquet.ParquetFormat"})
    )
    task.put([rec(i) for i in range(3)])
    body = objects(s3)["topics/orders/partition=0/orders+0+0000000000.snappy.parquet"]
    table = pq.read_table(io.BytesIO(body))
    assert str(table.schema.field("amount").type) == "decimal256(64, 2)"
    assert str(table.schema.field("at").type) == "timestamp[ms, tz=UTC]"
    assert table.schema.field("id").nullable is False and table.schema.field("note").nullable is True
    assert table.column("id").to_pylist() == [0, 1, 2]


def test_gzip_json_and_bytearray_with_separator(s3: Any) -> None:
    task, _ = start_task(base_config(**{"s3.compression.type": "gzip"}))
    task.put([rec(i) for i in range(3)])
    body = objects(s3)["topics/orders/partition=0/orders+0+0000000000.json.gz"]
    assert body[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x00"  # Java's GZIPOutputStream header
    assert gzip.decompress(body).count(b"\n") == 3
    task2, _ = start_task(base_config(**{"format.class": "ByteArrayFormat", "format.bytearray.separator": "\r\n",
                                         "format.bytearray.extension": ".txt", "topics.dir": "raw"}))  # fmt: skip
    task2.put([rec(i, f"v{i}".encode(), Schema.BYTES_SCHEMA) for i in range(3)])
    assert objects(s3, "raw/")["raw/orders/partition=0/orders+0+0000000000.txt"] == b"v0\r\nv1\r\nv2\r\n"


def test_keys_and_headers_sidecars_and_tombstones(s3: Any) -> None:
    config = base_config(**{"store.kafka.keys": "true", "store.kafka.headers": "true",
                            "keys.format.class": "JsonFormat", "headers.format.class": "JsonFormat",
                            "behavior.on.null.values": "write", "flush.size": "2"})  # fmt: skip
    task, _ = start_task(config)
    h = Headers().add("trace", "t-1", Schema.STRING_SCHEMA)
    task.put([rec(0, key="k0", headers=h), rec(1, key="k1", headers=h),
              rec(2, None, None, key="k2", headers=h), rec(3, None, None, key="k3", headers=h)])  # fmt: skip
    files = objects(s3)
    assert sorted(files) == [
        "topics/orders/partition=0/orders+0+0000000000.headers.json",
        "topics/orders/partition=0/orders+0+0000000000.json",
        "topics/orders/partition=0/orders+0+0000000000.keys.json",
        "topics/orders/tombstone/orders+0+0000000002.headers.json",
        "topics/orders/tombstone/orders+0+0000000002.keys.json",
    ]
    assert files["topics/orders/tombstone/orders+0+0000000002.keys.json"] == b'"k2"\n"k3"\n'
    assert files["topics/orders/partition=0/orders+0+0000000000.headers.json"].splitlines()[0] == (
        b'{"headers":[{"key":"trace","value":"t-1"}]}'
    )


def test_null_values_fail_or_ignore(s3: Any) -> None:
    task, _ = start_task(base_config())
    with pytest.raises(ConnectException, match="Null valued records are not writeable"):
        task.put([rec(0, None, None)])
    reporter = Reporter()
    task2, _ = start_task(base_config(**{"behavior.on.null.values": "ignore"}), reporter=reporter)
    task2.put([rec(0, None, None), rec(1), rec(2), rec(3)])
    assert [r.kafka_offset for r, _ in reporter.reported] == [0]
    assert list(objects(s3)) == ["topics/orders/partition=0/orders+0+0000000001.json"]


def test_records_a_format_cannot_encode_go_to_the_errant_reporter(s3: Any) -> None:
    reporter = Reporter()
    task, _ = start_task(base_config(**{"format.class": "ParquetFormat"}), reporter=reporter)
    task.put([rec(0), rec(1, {"schemaless": True}, None), rec(2), rec(3)])
    assert [(r.kafka_offset, type(e).__name__) for r, e in reporter.reported] == [(1, "DataException")]
    assert list(objects(s3)) == ["topics/orders/partition=0/orders+0+0000000000.snappy.parquet"]
    field = base_config(**{"partitioner.class": "FieldPartitioner", "partition.field.name": "missing"})
    task2, _ = start_task(field, reporter=reporter)
    task2.put([rec(5)])
    assert "Field 'missing' is not present in the schema." in str(reporter.reported[-1][1])
    task3, _ = start_task(field)
    with pytest.raises(Exception, match="Field 'missing' is not present in the schema."):
        task3.put([rec(6)])


def test_multipart_upload_for_objects_bigger_than_a_part(s3: Any) -> None:
    big = "x" * 100_000
    schema = SchemaBuilder.struct().field("blob", Schema.STRING_SCHEMA).build()
    task, _ = start_task(base_config(**{"s3.part.size": str(5 * 1024 * 1024), "flush.size": "60"}))
    task.put([rec(i, Struct(schema).put("blob", big), schema) for i in range(59)])
    assert objects(s3) == {}
    assert s3.list_multipart_uploads(Bucket=BUCKET).get(
        "Uploads"
    )  # parts are being uploaded, object invisible
    task.put([rec(59, Struct(schema).put("blob", big), schema)])
    key = "topics/orders/partition=0/orders+0+0000000000.json"
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentLength"] == 60 * (len(big) + 12) and head["ETag"].endswith('-2"')
    assert not s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads")


def test_object_tagging(s3: Any) -> None:
    task, _ = start_task(
        base_config(**{"s3.object.tagging": "true", "s3.object.tagging.key.value.pairs": "team:lake"})
    )
    task.put([rec(i) for i in range(10, 13)])
    tags = s3.get_object_tagging(Bucket=BUCKET, Key="topics/orders/partition=0/orders+0+0000000010.json")[
        "TagSet"
    ]
    assert {t["Key"]: t["Value"] for t in tags} == {"startOffset": "10", "endOffset": "12", "recordCount": "3",
                                                     "team": "lake"}  # fmt: skip


def test_replay_rewrites_identical_bytes(s3: Any) -> None:
    for fmt in ("JsonFormat", "AvroFormat", "ParquetFormat"):
        task, _ = start_task(base_config(**{"format.class": fmt, "topics.dir": fmt}))
        task.put([rec(i) for i in range(6)])
        first = objects(s3, fmt + "/")
        task2, _ = start_task(base_config(**{"format.class": fmt, "topics.dir": fmt}))
        task2.put([rec(i) for i in range(6)])
        assert objects(s3, fmt + "/") == first and len(first) == 2


def test_non_existent_bucket_fails_start_with_confluents_message(s3: Any) -> None:
    with pytest.raises(ConnectException, match="^Non-existent S3 bucket: nope-bucket$"):
        start_task(base_config(**{"s3.bucket.name": "nope-bucket"}))


def test_config_errors_name_the_key(s3: Any) -> None:
    connector = S3SinkConnector()
    errors = {v.name: v.errors for v in connector.validate(base_config(**{"s3.part.size": "1000",
                                                                          "format.class": "com.acme.Nope"}))}  # fmt: skip
    assert errors["s3.part.size"] == [
        "Invalid value 1000 for configuration s3.part.size: Part size must be at least: 5242880 bytes (5MB)"
    ]
    assert errors["format.class"] == [
        "Invalid value com.acme.Nope for configuration format.class: format is not one this S3 sink implements"
    ]
    errors = {
        v.name: v.errors for v in connector.validate(base_config(**{"behavior.on.null.values": "write"}))
    }
    assert errors["store.kafka.keys"] == [
        "Writing Kafka record keys to storage is mandatory when tombstone writing is enabled."
    ]
    errors = {v.name: v.errors for v in connector.validate(base_config(**{"format.class": "AvroFormat",
                                                                          "s3.compression.type": "gzip"}))}  # fmt: skip
    assert errors["s3.compression.type"] == [
        "Compression Type gzip not valid for data format class: ( AvroFormat )."
    ]
    with pytest.raises(
        ConfigException, match="timezone configuration must be set when using rotate.schedule"
    ):
        S3SinkTask().start(base_config(**{"rotate.schedule.interval.ms": "1000"}))
    with pytest.raises(ConfigException, match="Path format cannot be empty."):
        start_task(base_config(**{"partitioner.class": "TimeBasedPartitioner", "partition.duration.ms": "1000",
                                  "locale": "en", "timezone": "UTC"}))  # fmt: skip


def test_secret_is_a_password_and_not_shown() -> None:
    keys = S3SinkConnector().config().config_keys()
    assert keys["aws.secret.access.key"].type.value == "PASSWORD"
    assert keys["s3.sse.customer.key"].type.value == "PASSWORD"


def test_many_open_partitions_cost_what_they_hold_not_a_part_each(s3: Any) -> None:
    import tracemalloc

    config = base_config(**{"partitioner.class": "FieldPartitioner", "partition.field.name": "id",
                            "flush.size": "100000"})  # fmt: skip
    task, _ = start_task(config)
    tracemalloc.start()
    task.put([rec(i) for i in range(2_000)])  # 2,000 open files of one record each
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    writer = task.writers[("orders", 0)]
    assert len(writer.writers) == 2_000
    assert (
        sum(len(w.out.buffer) for w in writer.writers.values()) == 0
    )  # JSON lines wait in the 1 MiB pending list
    assert peak < 40 * 1024 * 1024  # vs 2,000 x 25 MiB = 49 GiB if each open file held a full part buffer
    task.close([("orders", 0)])
    assert objects(s3) == {}  # nothing was committed: no object visible


def test_registered_through_its_entry_point_under_confluents_name() -> None:
    from connectrt.runtime.plugins import Plugins

    plugins = Plugins()
    assert plugins.connector_class("io.confluent.connect.s3.S3SinkConnector") is S3SinkConnector
    assert plugins.desc(S3SinkConnector).class_name == "io.confluent.connect.s3.S3SinkConnector"


def test_class_valued_keys_never_import_what_they_name() -> None:
    import sys

    for key, value in (("format.class", "connectrt_s3.task.S3SinkTask"), ("partitioner.class", "os.system"),
                       ("keys.format.class", "subprocess.Popen"), ("storage.class", "builtins.eval"),
                       ("s3.credentials.provider.class", "antigravity.Fly")):  # fmt: skip
        sys.modules.pop("antigravity", None)
        errors = {v.name: v.errors for v in S3SinkConnector().validate(base_config(**{key: value}))}
        assert errors[key], f"{key}={value} was accepted"
        assert "antigravity" not in sys.modules


def test_debezium_change_events_archive_as_parquet(s3: Any) -> None:
    row = (SchemaBuilder.struct().name("dbserver.public.orders.Value").optional()
           .field("id", Schema.INT32_SCHEMA).field("total", Decimal.builder(2).optional().build())
           .field("updated", SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").version(1).optional().build())
           .build())  # fmt: skip
    source = (SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
              .field("version", Schema.STRING_SCHEMA).field("lsn", Schema.OPTIONAL_INT64_SCHEMA).build())  # fmt: skip
    envelope = (SchemaBuilder.struct().name("dbserver.public.orders.Envelope").version(2)
                .field("before", row).field("after", row).field("source", source)
                .field("op", Schema.STRING_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build())  # fmt: skip
    src = Struct(source, {"version": "3.6.1.Final", "lsn": 1234})
    after = Struct(row, {"id": 1, "total": decimal.Decimal("9.99"), "updated": 1_767_607_200_000_000})
    events = [
        Struct(envelope, {"before": None, "after": after, "source": src, "op": "c", "ts_ms": 1}),
        Struct(envelope, {"before": after, "after": None, "source": src, "op": "d", "ts_ms": 2}),
    ]
    task, _ = start_task(base_config(**{"format.class": "ParquetFormat", "flush.size": "3",
                                        "behavior.on.null.values": "ignore"}))  # fmt: skip
    task.put(
        [
            rec(0, events[0], envelope),
            rec(1, events[1], envelope),
            rec(2, None, None),
            rec(3, events[0], envelope),
        ]
    )
    [body] = objects(s3).values()
    table = pq.read_table(io.BytesIO(body))
    assert table.column("op").to_pylist() == ["c", "d", "c"]
    assert table.column("after").to_pylist()[0] == {
        "id": 1,
        "total": decimal.Decimal("9.99"),
        "updated": 1_767_607_200_000_000,
    }
    assert table.column("after").to_pylist()[1] is None


def test_avro_key_and_header_sidecars_by_default(s3: Any) -> None:
    task, _ = start_task(
        base_config(**{"store.kafka.keys": "true", "store.kafka.headers": "true", "flush.size": "2"})
    )
    h = Headers().add("trace", 7, Schema.INT32_SCHEMA)
    task.put([rec(0, key="k0", headers=h), rec(1, key="k1", headers=h)])
    files = objects(s3)
    keys = fastavro.reader(io.BytesIO(files["topics/orders/partition=0/orders+0+0000000000.keys.avro"]))
    assert list(keys) == ["k0", "k1"] and json.loads(keys.metadata["avro.schema"]) == "string"
    headers = list(
        fastavro.reader(io.BytesIO(files["topics/orders/partition=0/orders+0+0000000000.headers.avro"]))
    )
    assert headers == [[{"key": "trace", "value": "7"}], [{"key": "trace", "value": "7"}]]


def test_forward_compatibility_projects_newer_records_into_the_files_older_schema(s3: Any) -> None:
    v2 = SchemaBuilder.struct().name("shop.Order").version(2)
    for f in ROW.fields or ():
        v2.field(f.name, f.schema)
    row2 = v2.field("channel", SchemaBuilder.string().optional().build()).build()
    task, _ = start_task(base_config(**{"flush.size": "3", "schema.compatibility": "FORWARD"}))
    newer = Struct(row2, {**order(1), "channel": "web"})
    task.put(
        [rec(0), rec(1, newer, row2), rec(2), rec(3, order(3, row2), row2), rec(4, order(4, row2), row2)]
    )
    files = objects(s3)
    # A v2 record in a v1 file is projected into v1 (the new field dropped); offsets 3-4 open a v2 file.
    assert list(files) == ["topics/orders/partition=0/orders+0+0000000000.json"]
    assert [json.loads(line).get("channel", "absent") for line in files[next(iter(files))].splitlines()] == [
        "absent",
        "absent",
        "absent",
    ]
    with pytest.raises(Exception, match="Schema version required for FORWARD compatibility"):
        unversioned = SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA).build()
        task.put([rec(5, Struct(unversioned).put("id", 5), unversioned)])


def test_partitioner_max_open_files_rotates_before_opening_one_more(s3: Any) -> None:
    config = base_config(**{"partitioner.class": "FieldPartitioner", "partition.field.name": "customer",
                            "partitioner.max.open.files": "2", "flush.size": "100"})  # fmt: skip
    task, _ = start_task(config)
    task.put([rec(i) for i in range(5)])  # customers c0, c1, c2, c0, c1
    # c2 finds two files open: both committed first; c1 at offset 4 finds c2 and c0 open: both committed.
    assert sorted(objects(s3)) == [
        "topics/orders/customer=c0/orders+0+0000000000.json",
        "topics/orders/customer=c0/orders+0+0000000003.json",
        "topics/orders/customer=c1/orders+0+0000000001.json",
        "topics/orders/customer=c2/orders+0+0000000002.json",
    ]
    assert task.pre_commit({}) == {("orders", 0): 4}


@pytest.mark.parametrize("fmt", ["JsonFormat", "AvroFormat", "ParquetFormat"])
def test_a_record_the_format_refuses_inside_a_run_is_reported_and_the_run_goes_on(s3: Any, fmt: str) -> None:
    """Records of the open file's schema are written as a run; one the format refuses (here: a field of the
    wrong type, or for Parquet a value of another schema object) is reported, the others are written in order."""
    reporter = Reporter()
    task, _ = start_task(base_config(**{"format.class": fmt, "flush.size": "3"}), reporter=reporter)
    bad = order(2)
    if fmt == "ParquetFormat":
        other = SchemaBuilder.struct().name("shop.Order").field("id", Schema.INT64_SCHEMA).build()
        bad = Struct(other, {"id": 2})
    else:
        dict.__setitem__(bad, "id", "not a number")
    task.put([rec(0), rec(1), rec(2, bad), rec(3), rec(4)])
    assert [r.kafka_offset for r, _ in reporter.reported] == [2]
    assert task.pre_commit({("orders", 0): 5}) == {("orders", 0): 4}
    [key] = objects(s3)
    body = objects(s3)[key]
    if fmt == "JsonFormat":
        ids = [json.loads(line)["id"] for line in body.splitlines()]
    elif fmt == "AvroFormat":
        ids = [r["id"] for r in fastavro.reader(io.BytesIO(body))]
    else:
        ids = pq.read_table(io.BytesIO(body)).column("id").to_pylist()
    assert key.endswith(
        "orders+0+0000000000" + {"JsonFormat": ".json", "AvroFormat": ".avro"}.get(fmt, ".snappy.parquet")
    )
    assert ids == [0, 1, 3]

"""Partitioners, Joda path formats, timestamp extractors and the scheduled-rotation clock, as storage-common
computes them (expected paths worked out from TimeBasedPartitioner.getPartition and Joda's pattern rules)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from connectrt.api import DataException, Schema, SchemaBuilder, SinkRecord, Struct
from connectrt.api.data import Timestamp
from connectrt.config.configdef import ConfigException

from connectrt_s3.config import CONFIG_DEF
from connectrt_s3.joda import compile_pattern
from connectrt_s3.partitioner import PartitionException, build_partitioner, parse_zone
from connectrt_s3.rotation import next_time_adjusted_by_day

TS_2026_01_05_10_30 = 1_767_609_000_000  # 2026-01-05T10:30:00Z


def partitioner(**props: str) -> Any:
    values = CONFIG_DEF.parse({"s3.bucket.name": "b", "format.class": "JsonFormat", "flush.size": "1",
                               "storage.class": "io.confluent.connect.s3.storage.S3Storage", **props})  # fmt: skip
    return build_partitioner(values.__getitem__)


def record(
    value: Any = None, schema: Schema | None = None, ts: int | None = TS_2026_01_05_10_30, partition: int = 3
) -> SinkRecord:
    return SinkRecord("t", partition, None, None, schema, value, 42, timestamp=ts)


def test_default_and_field_partitioners() -> None:
    assert partitioner().encode_partition(record(), 0) == "partition=3"
    assert partitioner().partitioned_path("orders", "partition=3") == "orders/partition=3"
    inner = SchemaBuilder.struct().field("region", Schema.STRING_SCHEMA).build()
    schema = (SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("ok", Schema.BOOLEAN_SCHEMA)
              .field("note", Schema.OPTIONAL_STRING_SCHEMA).field("where", inner).field("f", Schema.FLOAT64_SCHEMA)
              .build())  # fmt: skip
    value = Struct(
        schema, {"id": 7, "ok": True, "note": None, "where": Struct(inner, {"region": "eu"}), "f": 1.0}
    )
    p = partitioner(
        **{"partitioner.class": "FieldPartitioner", "partition.field.name": "id,ok,note,where.region"}
    )
    assert p.encode_partition(record(value, schema), 0) == "id=7/ok=true/note=null/where.region=eu"
    with pytest.raises(PartitionException, match="Error encoding partition."):
        partitioner(
            **{"partitioner.class": "FieldPartitioner", "partition.field.name": "f"}
        ).encode_partition(record(value, schema), 0)
    with pytest.raises(PartitionException):
        p.encode_partition(record({"id": 1}, None), 0)
    with pytest.raises(DataException, match="Field 'nope' is not present in the schema."):
        partitioner(
            **{"partitioner.class": "FieldPartitioner", "partition.field.name": "nope"}
        ).encode_partition(record(value, schema), 0)


def test_time_based_buckets_in_local_time_of_the_zone() -> None:
    hourly = {"partitioner.class": "HourlyPartitioner", "locale": "en", "timestamp.extractor": "Record"}
    assert (
        partitioner(**hourly, timezone="UTC").encode_partition(record(), 0)
        == "year=2026/month=01/day=05/hour=10"
    )
    assert partitioner(**hourly, timezone="Asia/Kolkata").encode_partition(record(), 0) == (
        "year=2026/month=01/day=05/hour=16"  # 16:00 IST (UTC+5:30): the hour bucket floors local time
    )
    assert (
        partitioner(**hourly, timezone="-03:00").encode_partition(record(), 0)
        == "year=2026/month=01/day=05/hour=07"
    )
    daily = partitioner(**{"partitioner.class": "DailyPartitioner", "locale": "en", "timezone": "America/Los_Angeles",
                           "timestamp.extractor": "Record"})  # fmt: skip
    assert daily.encode_partition(record(), 0) == "year=2026/month=01/day=05"
    custom = partitioner(**{"partitioner.class": "TimeBasedPartitioner", "partition.duration.ms": "900000",
                            "path.format": "'dt'=YYYY-MM-dd/'t'=HHmm/", "locale": "en-US", "timezone": "UTC",
                            "timestamp.extractor": "Record"})  # fmt: skip
    assert custom.encode_partition(record(ts=TS_2026_01_05_10_30 + 14 * 60_000), 0) == "dt=2026-01-05/t=1030"
    with pytest.raises(PartitionException, match="Unable to determine timestamp"):
        custom.encode_partition(record(ts=None), 0)


def test_time_based_config_errors_are_confluents() -> None:
    base = {"partitioner.class": "TimeBasedPartitioner", "partition.duration.ms": "1000", "path.format": "YYYY",
            "locale": "en", "timezone": "UTC"}  # fmt: skip
    for key, value, message in (("path.format", "", "Path format cannot be empty."),
                                ("locale", "", "Locale cannot be empty."),
                                ("timezone", "", "Timezone cannot be empty."),
                                ("partition.duration.ms", "-1", "Partition duration needs to be a positive."),
                                ("timestamp.extractor", "com.acme.Clock", "Invalid timestamp extractor: com.acme.Clock"),
                                ("timezone", "Mars/Olympus", "The datetime zone id 'Mars/Olympus' is not recognised")):  # fmt: skip
        with pytest.raises(ConfigException, match=message):
            partitioner(**{**base, key: value})


def test_record_field_extractor_rules() -> None:
    schema = (SchemaBuilder.struct().field("ts", Timestamp.SCHEMA).field("ms", Schema.INT64_SCHEMA)
              .field("text", Schema.STRING_SCHEMA).field("bad", Schema.BOOLEAN_SCHEMA).build())  # fmt: skip
    value = Struct(schema, {"ts": dt.datetime(2026, 1, 5, 10, 30, tzinfo=dt.UTC), "ms": TS_2026_01_05_10_30,
                            "text": "2026-01-05T10:30:00+00:00", "bad": True})  # fmt: skip
    for field in ("ts", "ms", "text"):
        p = partitioner(**{"partitioner.class": "HourlyPartitioner", "locale": "en", "timezone": "UTC",
                           "timestamp.extractor": "RecordField", "timestamp.field": field})  # fmt: skip
        assert p.encode_partition(record(value, schema, ts=None), 0) == "year=2026/month=01/day=05/hour=10", (
            field
        )
    p = partitioner(**{"partitioner.class": "HourlyPartitioner", "locale": "en", "timezone": "UTC",
                       "timestamp.extractor": "RecordField", "timestamp.field": "a.b"})  # fmt: skip
    assert (
        p.encode_partition(record({"a": {"b": str(TS_2026_01_05_10_30)}}), 0)
        == "year=2026/month=01/day=05/hour=10"
    )
    assert (
        p.encode_partition(record({"a": {"b": "2026-01-05T10:30:00Z"}}), 0)
        == "year=2026/month=01/day=05/hour=10"
    )
    bad = partitioner(**{"partitioner.class": "HourlyPartitioner", "locale": "en", "timezone": "UTC",
                         "timestamp.extractor": "RecordField", "timestamp.field": "bad"})  # fmt: skip
    with pytest.raises(PartitionException, match="Error extracting timestamp from record field: bad"):
        bad.encode_partition(record(value, schema), 0)


def test_joda_patterns() -> None:
    d = dt.datetime(2026, 1, 5, 9, 7, 3, 45_000, tzinfo=parse_zone("+05:30"))
    assert compile_pattern("YYYY-MM-dd HH:mm:ss.SSS")(d) == "2026-01-05 09:07:03.045"
    assert compile_pattern("'year'=yyyy/'it''s' D EEE MMM MMMM a hh Z ZZ")(d) == (
        "year=2026/it's 5 Mon Jan January AM 09 +0530 +05:30"
    )
    assert compile_pattern("yy/M/d/H")(d) == "26/1/5/9"


def test_scheduled_rotation_is_aligned_to_the_local_day() -> None:
    utc = parse_zone("UTC")
    # 10:30:00.000Z with a 1 h period → 11:00Z; a 7 h period → 14:00Z; a 25 h period → next midnight.
    assert next_time_adjusted_by_day(TS_2026_01_05_10_30, 3_600_000, utc) == TS_2026_01_05_10_30 + 30 * 60_000
    assert (
        next_time_adjusted_by_day(TS_2026_01_05_10_30, 7 * 3_600_000, utc)
        == TS_2026_01_05_10_30 + 210 * 60_000
    )
    assert next_time_adjusted_by_day(TS_2026_01_05_10_30, 25 * 3_600_000, utc) == 1_767_657_600_000
    # In New York (UTC-5) the day starts at 05:00Z: 10:30Z is 05:30 local, the next 2 h slot is 06:00 local.
    assert next_time_adjusted_by_day(TS_2026_01_05_10_30, 2 * 3_600_000, parse_zone("America/New_York")) == (
        TS_2026_01_05_10_30 + 30 * 60_000
    )


def test_adversarial_config_values_are_refused_with_the_key_named() -> None:
    from connectrt_s3.connector import S3SinkConnector

    base = {"s3.bucket.name": "b", "format.class": "JsonFormat", "flush.size": "1",
            "storage.class": "io.confluent.connect.s3.storage.S3Storage"}  # fmt: skip
    for key, value, message in (
        ("s3.object.tagging.key.value.pairs", "a:b:c,d", "each entry must be key:value"),
        ("s3.part.size", "99999999999", "Not a number of type INT"),
        ("s3.region", "../../etc", "AWS region"),
        ("avro.codec", "zstd-custom", "String must be one of"),
        ("s3.compression.level", "10", "Value must be no more than 9"),
        ("storage.class", "io.confluent.connect.s3.storage.S3StorageX", "String must be one of"),
    ):
        errors = {v.name: v.errors for v in S3SinkConnector().validate({**base, key: value})}
        assert any(message in e for e in errors[key]), (key, errors[key])
    with pytest.raises(ConfigException, match="Illegal pattern component: q"):
        partitioner(**{"partitioner.class": "TimeBasedPartitioner", "partition.duration.ms": "1000",
                       "path.format": "'x'=q", "locale": "en", "timezone": "UTC"})  # fmt: skip

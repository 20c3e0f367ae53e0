"""Short runs of the README's main job (`connectrt demo`): PostgreSQL → CDC source → RegexRouter →
warehouse.* topics → SQL sink → DuckDB, and the S3 sink archiving the raw change events as Parquet, on a
2-worker cluster; it drains, every warehouse table equals its source table, its event count equals what
the topics hold (each event counted once), and its archive line names as many objects and change events
as the bucket and the topics hold. With --format avro the topics hold Confluent-framed Avro."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition
from connectrt.dev import cdc_demo

pytestmark = pytest.mark.integration

ARCHIVE_LINE = re.compile(
    r"^== CDC archive: ([\d,]+) Parquet objects \(([\d,]+) change events\) in "
    r"s3://cdc-archive/topics/warehouse\.\*, every change event of the topics",
    re.MULTILINE,
)


def _topic_values(bootstrap: str) -> list[bytes | None]:
    """Every record value in the warehouse topics (None for a tombstone)."""
    c = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "demo-test-values", "enable.auto.commit": False}
    )
    try:
        ends = {t: c.get_watermark_offsets(TopicPartition(t, 0), timeout=10)[1] for t in cdc_demo.TOPICS}
        c.assign([TopicPartition(t, 0, 0) for t in cdc_demo.TOPICS])
        values: list[bytes | None] = []
        seen = dict.fromkeys(cdc_demo.TOPICS, 0)
        while any(seen[t] < ends[t] for t in ends):
            for msg in c.consume(500, timeout=5):
                if not msg.error():
                    seen[msg.topic()] = msg.offset() + 1
                    values.append(msg.value())
        return values
    finally:
        c.close()


def _run(
    settings: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    bootstrap: str,
    s3_client: Any,
    fmt: str,
) -> tuple[str, list[bytes | None]]:
    duck = tmp_path / "warehouse.duckdb"
    assert cdc_demo.run(settings, duration_s=6, rate=25, workers=2, duckdb_file=duck, fmt=fmt) == 0
    out = capsys.readouterr().out
    for table in cdc_demo.TABLES:
        assert f"{table}" in out and "identical to the source table" in out
    assert out.count("identical to the source table") == 3, out
    assert "drained:" in out
    assert f"duckdb.connect('{duck}', read_only=True)" in out
    assert duck.exists()
    values = _topic_values(bootstrap)
    assert f"== {len(values):,} events reached the warehouse topics" in out, out
    match = ARCHIVE_LINE.search(out)
    assert match is not None, out
    objects, records = (int(g.replace(",", "")) for g in match.groups())
    keys = [
        obj["Key"]
        for t in cdc_demo.TOPICS
        for page in s3_client.get_paginator("list_objects_v2").paginate(
            Bucket="cdc-archive", Prefix=f"topics/{t}/"
        )
        for obj in page.get("Contents", [])
    ]
    assert objects == len(keys) > 0 and all(k.endswith(".snappy.parquet") for k in keys), keys
    assert records == sum(v is not None for v in values) > 0
    assert "Stopped the services" not in out  # the session's services stay up
    return out, values


def test_short_demo_run_lands_everything_in_duckdb_and_the_archive(
    dev_services: Any,
    kafka_bootstrap: str,
    pg_dsn: str,
    s3_client: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, values = _run(dev_services.settings, tmp_path, capsys, kafka_bootstrap, s3_client, "json")
    assert "(Debezium envelope, JsonConverter with schemas)" in out
    assert all(v is None or v.startswith(b"{") for v in values)


def test_short_demo_run_with_avro_and_the_schema_registry(
    dev_services: Any,
    kafka_bootstrap: str,
    pg_dsn: str,
    s3_client: Any,
    schema_registry_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, values = _run(dev_services.settings, tmp_path, capsys, kafka_bootstrap, s3_client, "avro")
    assert f"(Debezium envelope, AvroConverter, schemas in {schema_registry_url})" in out
    assert all(v is None or v[0] == 0 for v in values)  # Confluent's framing: magic byte 0, schema id

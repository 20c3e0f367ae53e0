"""The CDC demo's S3 archive config and output line, and its formats (--format json|avro): which converter
keys each connector gets, which services each format needs, how the demo decodes events, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectrt.api import Schema, SchemaBuilder, Struct
from connectrt.cli import main
from connectrt.converters.json_converter import JsonConverter
from connectrt.dev import cdc_demo, demo_configs, demo_formats
from connectrt.dev.config import DevSettings
from connectrt.dev.demo_archive import Archive, ArchiveContents, archived_to
from connectrt.dev.errors import DevError

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]

ARCHIVE_CONFIG = {
    "name": "cdc-archive-sink",
    "config": {
        "connector.class": "io.confluent.connect.s3.S3SinkConnector",
        "topics": "warehouse.orders,warehouse.customers,warehouse.products",
        "s3.bucket.name": "cdc-archive",
        "s3.region": "us-east-1",
        "storage.class": "io.confluent.connect.s3.storage.S3Storage",
        "format.class": "io.confluent.connect.s3.format.parquet.ParquetFormat",
        "flush.size": "1000",
        "rotate.schedule.interval.ms": "10000",
        "timezone": "UTC",
        "behavior.on.null.values": "ignore",
    },
}
ENV = {
    "CONNECTRT_PG_HOST": "127.0.0.1",
    "CONNECTRT_PG_PORT": "29432",
    "CONNECTRT_PG_USER": "u",
    "CONNECTRT_PG_PASSWORD": "p",
    "CONNECTRT_S3_ENDPOINT": "http://127.0.0.1:29900",
    "CONNECTRT_S3_REGION": "eu-west-1",
    "CONNECTRT_S3_ACCESS_KEY_ID": "key",
    "CONNECTRT_S3_SECRET_ACCESS_KEY": "secret",
    "CONNECTRT_SCHEMA_REGISTRY_URL": "http://127.0.0.1:29081/apis/ccompat/v7",
}
AVRO_KEYS = {
    "key.converter": "io.confluent.connect.avro.AvroConverter",
    "key.converter.schema.registry.url": "http://127.0.0.1:29081/apis/ccompat/v7",
    "value.converter": "io.confluent.connect.avro.AvroConverter",
    "value.converter.schema.registry.url": "http://127.0.0.1:29081/apis/ccompat/v7",
}


def _specs(tmp_path: Path) -> list[dict[str, Any]]:
    url = demo_configs.warehouse_url(ENV, None, tmp_path / "w.duckdb")
    return [
        demo_configs.local_config(ENV),
        demo_configs.local_sink_config(ENV, url),
        demo_configs.local_archive_config(ENV),
    ]


def test_archive_config_is_the_s3_sink_authors_parquet_config() -> None:
    assert json.loads(demo_configs.ARCHIVE_FILE.read_text()) == ARCHIVE_CONFIG
    assert demo_configs.ARCHIVE_FILE == ROOT / "compose" / "cdc-archive-sink.json"
    # The same topics as the warehouse sink, named: a topics.regex would also take any other warehouse.* topic
    # of a shared broker (a test's schemaless one fails ParquetFormat).
    sink = json.loads(demo_configs.SINK_FILE.read_text())["config"]
    assert ARCHIVE_CONFIG["config"]["topics"] == sink["topics"] == ",".join(cdc_demo.TOPICS)


def test_local_archive_changes_only_the_endpoint_region_and_keys() -> None:
    config = demo_configs.local_archive_config(ENV)["config"]
    changed = {k: v for k, v in config.items() if ARCHIVE_CONFIG["config"].get(k) != v}
    assert changed == {
        "store.url": "http://127.0.0.1:29900",
        "s3.region": "eu-west-1",
        "aws.access.key.id": "key",
        "aws.secret.access.key": "secret",
    }


def test_compose_does_not_register_the_archive_and_says_why() -> None:
    text = (ROOT / "compose" / "docker-compose.yml").read_text()
    services = yaml.safe_load(text)["services"]
    assert not any(s.get("image", "").startswith(("minio", "localstack")) for s in services.values())
    assert "cdc-archive-sink" not in json.dumps(services["register-connector"])
    assert "cdc-archive-sink.json" in text and "no\n# S3-compatible service" in text


def test_json_format_leaves_every_config_as_it_is(tmp_path: Path) -> None:
    assert demo_formats.converter_config("json", ENV) == {}
    for spec in _specs(tmp_path):
        assert demo_formats.with_converters(spec, "json", ENV) == spec


def test_avro_format_sets_the_avro_converter_with_the_registry_on_every_connector(tmp_path: Path) -> None:
    for spec in _specs(tmp_path):
        avro = demo_formats.with_converters(spec, "avro", ENV)
        assert avro["name"] == spec["name"]
        changed = {k: v for k, v in avro["config"].items() if spec["config"].get(k) != v}
        assert changed == AVRO_KEYS


def test_services_per_format() -> None:
    assert demo_formats.service_kinds("json") == ("kafka", "postgres", "s3")
    assert demo_formats.service_kinds("avro") == ("kafka", "postgres", "s3", "registry")
    assert demo_formats.describe("json", ENV) == "JsonConverter with schemas"
    assert (
        demo_formats.describe("avro", ENV)
        == "AvroConverter, schemas in http://127.0.0.1:29081/apis/ccompat/v7"
    )


def test_json_events_decode_to_their_payload() -> None:
    schema = (
        SchemaBuilder.struct()
        .name("e")
        .field("op", Schema.STRING_SCHEMA)
        .field("source", SchemaBuilder.struct().name("s").field("txId", Schema.INT64_SCHEMA).build())
        .build()
    )
    value = Struct(schema, {"op": "u", "source": Struct(schema.field("source").schema, {"txId": 42})})
    decoder = demo_formats.EventDecoder("json", {})
    for schemas in ("true", "false"):
        converter = JsonConverter()
        converter.configure({"schemas.enable": schemas}, False)
        raw = converter.from_connect_data("warehouse.orders", schema, value)
        assert raw is not None
        assert decoder.decode("warehouse.orders", raw) == {"op": "u", "source": {"txId": 42}}
    decoder.close()


def test_archive_line_and_location() -> None:
    archive = Archive(demo_configs.local_archive_config(ENV)["config"])
    assert archive.location == "s3://cdc-archive/topics/warehouse.*"
    assert (
        Archive({**ARCHIVE_CONFIG["config"], "topics.dir": "/raw/"}).location
        == "s3://cdc-archive/raw/warehouse.*"
    )
    assert ArchiveContents(12, 1234, archive.location).line() == (
        "== CDC archive: 12 Parquet objects (1,234 change events) in s3://cdc-archive/topics/warehouse.*"
    )


def test_archive_must_commit_past_the_last_event_with_a_value() -> None:
    ends = {("warehouse.orders", 0): 391, ("warehouse.customers", 0): 54, ("warehouse.products", 0): 0}
    value_end = {("warehouse.orders", 0): 390, ("warehouse.customers", 0): 54}  # orders ends with a tombstone
    assert archived_to(value_end, ends) == {
        ("warehouse.orders", 0): 390,
        ("warehouse.customers", 0): 54,
        ("warehouse.products", 0): 0,
    }


def test_unknown_format_is_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(DevError, match=r"^The demo's format must be one of json, avro, not 'xml'\.$"):
        cdc_demo.run(DevSettings(tmp_path), fmt="xml")
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--format", "xml"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("connectrt demo: error: argument --format: invalid choice: 'xml' (choose from ")
    assert not (tmp_path / "dev").exists()

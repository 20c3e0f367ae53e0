"""The compose file cannot run here (no Docker engine); check it statically: services, images,
ports, and that it registers the same connector config files the local demo uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectrt.dev import cdc_demo, demo_configs

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "compose" / "docker-compose.yml"

SEED_CONFIG = {
    "name": "postgres-cdc-source",
    "config": {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "database.hostname": "postgres-primary",
        "database.port": "5432",
        "database.user": "replication_user",
        "database.dbname": "production",
        "topic.prefix": "cdc",
        "table.include.list": "public.orders,public.customers,public.products",
        "slot.name": "debezium_slot",
        "plugin.name": "pgoutput",
        "publication.name": "dbz_publication",
        "snapshot.mode": "initial",
        "transforms": "route",
        "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.route.regex": "cdc\\.public\\.(.*)",
        "transforms.route.replacement": "warehouse.$1",
    },
}


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def test_connector_config_is_the_seed_config() -> None:
    assert json.loads((ROOT / "compose" / "postgres-cdc-source.json").read_text()) == SEED_CONFIG


def test_services_images_and_ports() -> None:
    services = _compose()["services"]
    assert set(services) == {
        "kafka-1",
        "kafka-2",
        "kafka-3",
        "postgres-primary",
        "connect-1",
        "connect-2",
        "register-connector",
    }
    for i in (1, 2, 3):
        kafka = services[f"kafka-{i}"]
        assert kafka["image"].startswith("apache/kafka:4.2")
        env = kafka["environment"]
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert env["KAFKA_NODE_ID"] == i
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == 3
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == 2
    pg = services["postgres-primary"]
    assert pg["image"].startswith("postgres:")
    assert "wal_level=logical" in pg["command"]
    assert pg["environment"]["POSTGRES_DB"] == "production"
    assert pg["environment"]["POSTGRES_USER"] == "replication_user"
    for name, port in (("connect-1", "8083:8083"), ("connect-2", "8084:8083")):
        worker = services[name]
        assert worker["build"]["dockerfile"] == "Dockerfile"
        assert (ROOT / worker["build"]["dockerfile"]).exists()
        assert worker["command"][:2] == ["connectrt", "distributed"]
        assert worker["ports"] == [port]


SINK_CONFIG = {
    "name": "warehouse-sink",
    "config": {
        "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
        "topics": "warehouse.orders,warehouse.customers,warehouse.products",
        "connection.url": "jdbc:postgresql://postgres-primary:5432/warehouse",
        "connection.username": "replication_user",
        "connection.password": "replication_password",
        "insert.mode": "upsert",
        "primary.key.mode": "record_key",
        "delete.enabled": "true",
        "schema.evolution": "basic",
        "collection.name.format": "${source.table}",
    },
}


def test_sink_config_is_the_debezium_jdbc_sink_config() -> None:
    assert json.loads((ROOT / "compose" / "warehouse-sink.json").read_text()) == SINK_CONFIG


def test_registration_posts_both_shared_config_files() -> None:
    reg = _compose()["services"]["register-connector"]
    mounted = {}
    for volume in reg["volumes"]:
        source, target, _ = volume.split(":")
        mounted[(COMPOSE.parent / source).resolve()] = target
    assert set(mounted) == {cdc_demo.CONFIG_FILE, cdc_demo.SINK_FILE}
    command = " ".join(reg["command"])
    assert "for c in postgres-cdc-source warehouse-sink" in command
    assert all(target == f"/config/{p.name}" for p, target in mounted.items())
    assert "--data @/config/$$c.json http://connect-1:8083/connectors" in command


def test_compose_postgres_creates_the_warehouse_database() -> None:
    assert "CREATE DATABASE warehouse;" in (ROOT / "compose" / "postgres-init.sql").read_text()


def test_local_demo_changes_only_host_and_credentials() -> None:
    env = {
        "CONNECTRT_PG_HOST": "127.0.0.1",
        "CONNECTRT_PG_PORT": "29432",
        "CONNECTRT_PG_USER": "u",
        "CONNECTRT_PG_PASSWORD": "p",
    }
    spec = demo_configs.local_config(env)
    changed = {k for k in spec["config"] if spec["config"][k] != SEED_CONFIG["config"].get(k)}
    assert changed == {"database.hostname", "database.port", "database.user", "database.password"}


def test_local_sink_changes_only_url_and_credentials(tmp_path: Path) -> None:
    env = {
        "CONNECTRT_PG_HOST": "127.0.0.1",
        "CONNECTRT_PG_PORT": "29432",
        "CONNECTRT_PG_USER": "u",
        "CONNECTRT_PG_PASSWORD": "p",
    }
    duck = tmp_path / "w.duckdb"
    default = demo_configs.local_sink_config(env, demo_configs.warehouse_url(env, None, duck))["config"]
    assert default["connection.url"] == f"jdbc:duckdb:{duck}"
    assert {k: v for k, v in default.items() if k != "connection.url"} == {
        k: v
        for k, v in SINK_CONFIG["config"].items()
        if k not in ("connection.url", "connection.username", "connection.password")
    }
    pg = demo_configs.local_sink_config(env, demo_configs.warehouse_url(env, "postgresql", duck))["config"]
    changed = {k for k in pg if pg[k] != SINK_CONFIG["config"].get(k)}
    assert changed == {"connection.url", "connection.username", "connection.password"}
    assert pg["connection.url"] == "jdbc:postgresql://127.0.0.1:29432/warehouse"


def test_worker_properties_are_java_keys() -> None:
    from connectrt.config.properties import load_properties
    from connectrt.config.worker_config import DistributedConfig

    props = load_properties(ROOT / "compose" / "worker.properties")
    config = DistributedConfig(props)
    assert config.get("group.id") == "connect-cluster"
    assert config.bootstrap_servers == "kafka-1:9092,kafka-2:9092,kafka-3:9092"
